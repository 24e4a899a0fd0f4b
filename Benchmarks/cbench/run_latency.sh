#!/usr/bin/env bash
# Builds latency.c against the static C API library and measures single-sample
# latency (p50/p99 of scratchnet_model_predict with batch 1) for each preset.
# Usage: Benchmarks/cbench/run_latency.sh [presets,comma,separated] [threads,list] [calls]
# Needs a C compiler, libomp-dev and zlib; builds `swift build -c release --product ScratchNetC`.
# The program stays at Benchmarks/cbench/.build/latency (ignored by git) for infer_compare.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
(cd "$root" && swift build -c release --product ScratchNetC >/dev/null)
swift_lib="$(realpath "$(dirname "$(realpath "$(command -v swift)")")/../lib/swift/linux")"
mkdir -p "$here/.build"
cc -O2 -std=c11 -Wall -I"$root/Sources/ScratchNetC/include" "$here/latency.c" -o "$here/.build/latency" \
  "$swift_lib/x86_64/swiftrt.o" "$root/.build/release/libScratchNetC.a" -L"$swift_lib" -Wl,-rpath,"$swift_lib" \
  -lswiftCore -lswift_Concurrency -lswiftGlibc -lswiftSynchronization -lFoundationEssentials \
  -lFoundation -lFoundationNetworking -lFoundationInternationalization -l_FoundationICU -lswiftDispatch \
  -lswift_StringProcessing -lswift_RegexParser -ldispatch -lBlocksRuntime -lomp5 -lz -lm -lstdc++ -lpthread
presets="${1:-two-layer,mlp,simple-cnn,deep-cnn}"
threads="${2:-1,2}"
calls="${3:-5000}"
for preset in ${presets//,/ }; do
  for t in ${threads//,/ }; do
    "$here/.build/latency" "$preset" "$t" "$calls" | head -1
  done
done
