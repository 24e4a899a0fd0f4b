#!/usr/bin/env bash
# Builds and runs conv_algorithms_ab.c: deep-cnn's 3×3 convolutions, direct
# against Winograd F(2×2, 3×3) and F(4×4, 3×3), alternated, and the inference
# forward with prepared weights.
# Usage: Benchmarks/cbench/run_conv_algorithms_ab.sh [THREADS] [ROUNDS] [BATCH]
# Needs clang (the Swift toolchain's) and libomp-dev.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/sn_conv_algorithms_ab"
rm -rf "$out.o" && mkdir -p "$out.o"
# conv.c asks the GEMM driver which kernel AUTO means (isa_limit.c, gemm/): the whole library is linked.
for f in "$root"/CSources/CKernels/*.c "$root"/CSources/CKernels/gemm/*.c "$root"/CSources/CKernels/int8/*.c \
         "$root"/Benchmarks/cbench/conv_algorithms_ab.c; do
  # -fopenmp at compile time only: clang's driver would link -lomp, Debian names it omp5.
  clang -c -O3 -std=c11 -D_GNU_SOURCE -fopenmp -I"$root/CSources/CKernels/include" -I"$root/Benchmarks/cbench" "$f" \
    -o "$out.o/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
done
clang "$out.o"/*.o -o "$out" -lomp5 -lm
exec "$out" "${1:-1}" "${2:-10}" "${3:-100}"
