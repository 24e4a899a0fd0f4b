#!/usr/bin/env bash
# Builds the DocC documentation of the ScratchNet module with warnings as
# errors (broken symbol links, unknown articles, malformed doc comments).
# Parameter lists are not required to be complete: the house style (STYLE.md)
# documents the parameters that need it, so that validation is off.
#
# Uses the toolchain's own `docc` and `swift package dump-symbol-graph`, not
# swift-docc-plugin: a plugin dependency in Package.swift would be resolved
# (fetched) by every package that depends on ScratchNet, for a tool only
# maintainers run. Output: .build-docs/ScratchNetCore.doccarchive.
set -euo pipefail
cd "$(dirname "$0")/.."
# dump-symbol-graph compiles every module of the package, the MPI trait's
# too, whatever --traits says: it needs mpi.h (Debian's libopenmpi-dev).
if ! pkg-config --exists mpi 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libopenmpi-dev pkg-config
  else
    echo "docs-check: mpi.h not found (apt-get install -y --no-install-recommends libopenmpi-dev)" >&2; exit 1
  fi
fi
scratch=.build-docs
graphs="$scratch/symbol-graphs"
rm -rf "$graphs" "$scratch/ScratchNetCore.doccarchive"
mkdir -p "$graphs"
# dump-symbol-graph also tries the test modules and exits non-zero when it
# cannot load them; what counts is that ScratchNet's graph was written.
swift package --scratch-path "$scratch" dump-symbol-graph --minimum-access-level public > "$scratch/dump.log" 2>&1 || true
found="$(find "$scratch" -path "$graphs" -prune -o -name 'ScratchNetCore.symbols.json' -print | head -n 1)"
[ -n "$found" ] || { cat "$scratch/dump.log" >&2; echo "docs-check: no symbol graph for ScratchNetCore" >&2; exit 1; }
cp "$(dirname "$found")"/ScratchNetCore.symbols.json "$graphs/"
for extra in "$(dirname "$found")"/ScratchNetCore@*.symbols.json; do [ -e "$extra" ] && cp "$extra" "$graphs/"; done
docc convert Sources/ScratchNetCore/ScratchNetCore.docc \
  --fallback-display-name ScratchNetCore --fallback-bundle-identifier org.scratchnet.ScratchNetCore \
  --additional-symbol-graph-dir "$graphs" \
  --warnings-as-errors \
  --disable-parameters-and-returns-validation \
  --output-path "$scratch/ScratchNetCore.doccarchive"
echo "docs-check: 1 passed, 0 failed"
