#!/usr/bin/env bash
# Proves ScratchNet can be embedded:
#  1. Examples/Embed, a separate Swift package, depends on ScratchNet *by
#     version* (`from: "0.1.0"`) through a temporary tagged git clone of this
#     repository's HEAD, builds and runs — with the default traits (OpenMP,
#     libomp) and with `traits: []` (no OpenMP: the binary must not need libomp,
#     as on a machine without it);
#  2. Examples/c-embed, a C program, is compiled with cc against
#     scratchnet.h and the static and the shared library, and runs.
# Checks committed HEAD (commit first). Takes ~3 min on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/scratchnet-embed.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "== tagged clone of HEAD ($(git -C "$root" rev-parse --short HEAD)) as 0.1.0"
git clone -q "$root" "$work/ScratchNet"
git -C "$work/ScratchNet" tag -f 0.1.0 >/dev/null
cp -R "$root/Examples/Embed" "$work/Embed"
rm -rf "$work/Embed/.build" "$work/Embed/Package.resolved"

echo "== Examples/Embed, ScratchNet from: 0.1.0, default traits (OpenMP)"
(cd "$work/Embed" && SCRATCHNET_URL="file://$work/ScratchNet" swift build --scratch-path .build-omp -q \
  && SCRATCHNET_URL="file://$work/ScratchNet" swift run --scratch-path .build-omp -q EmbedExample) | tee "$work/omp.txt"
grep -q "OpenMP on" "$work/omp.txt"
grep -q "Package.resolved" <(ls "$work/Embed") && grep -q '"version" : "0.1.0"' "$work/Embed/Package.resolved" \
  || { echo "embed-check: ScratchNet was not resolved by version 0.1.0" >&2; exit 1; }

echo "== Examples/Embed, ScratchNet from: 0.1.0, traits: [] (no OpenMP)"
rm -f "$work/Embed/Package.resolved"
(cd "$work/Embed" && SCRATCHNET_URL="file://$work/ScratchNet" SCRATCHNET_TRAITS=none swift build --scratch-path .build-serial -q \
  && SCRATCHNET_URL="file://$work/ScratchNet" SCRATCHNET_TRAITS=none swift run --scratch-path .build-serial -q EmbedExample) | tee "$work/serial.txt"
grep -q "OpenMP off" "$work/serial.txt"
if ldd "$work/Embed/.build-serial/debug/EmbedExample" | grep -q libomp; then
  echo "embed-check: the build without the OpenMP trait still links libomp" >&2; exit 1
fi

echo "== Examples/c-embed: cc against scratchnet.h, static and shared"
# A debug build: it links the same C API and builds in half the time of a release one.
(cd "$work/ScratchNet" && swift build -q --product ScratchNetC && swift build -q --product ScratchNetCShared)
cp -R "$root/Examples/c-embed" "$work/c-embed"
make -s -C "$work/c-embed" ROOT="$work/ScratchNet" BUILD="$work/ScratchNet/.build/debug" run
echo "embed-check: 3 passed, 0 failed"
