#!/usr/bin/env bash
# Builds and runs bytes_input_ab.c: a batch-1000 first layer from byte images,
# converted to floats first against packed straight from the bytes, alternated.
# Usage: Benchmarks/cbench/run_bytes_input_ab.sh [THREADS] [ROUNDS]
# Needs clang (the Swift toolchain's) and libomp-dev.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/sn_bytes_input_ab"
mkdir -p "$out.o"
for f in "$root"/CSources/CKernels/gemm/*.c "$root"/CSources/CKernels/openmp_runtime.c "$root"/CSources/CKernels/batch_convert.c "$root"/Benchmarks/cbench/bytes_input_ab.c; do
  # -fopenmp at compile time only: clang's driver would link -lomp, Debian names it omp5.
  clang -c -O3 -std=c11 -D_GNU_SOURCE -fopenmp -I"$root/CSources/CKernels/include" -I"$root/Benchmarks/cbench" "$f" \
    -o "$out.o/$(basename "$f" .c).o"
done
clang "$out.o"/*.o -o "$out" -lomp5 -lm
exec "$out" "${1:-1}" "${2:-41}"
