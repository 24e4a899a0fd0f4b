#!/usr/bin/env bash
# Builds and runs conv_algorithms_ab.c: deep-cnn's 3×3 convolutions, direct
# against Winograd F(2×2, 3×3), alternated.
# Usage: Benchmarks/cbench/run_conv_algorithms_ab.sh [THREADS] [ROUNDS] [BATCH]
# Needs clang (the Swift toolchain's) and libomp-dev.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/sn_conv_algorithms_ab"
mkdir -p "$out.o"
for f in "$root"/CSources/CKernels/conv.c "$root"/Benchmarks/cbench/conv_algorithms_ab.c; do
  # -fopenmp at compile time only: clang's driver would link -lomp, Debian names it omp5.
  clang -c -O3 -std=c11 -D_GNU_SOURCE -fopenmp -I"$root/CSources/CKernels/include" -I"$root/Benchmarks/cbench" "$f" \
    -o "$out.o/$(basename "$f" .c).o"
done
clang "$out.o"/*.o -o "$out" -lomp5 -lm
exec "$out" "${1:-1}" "${2:-10}" "${3:-100}"
