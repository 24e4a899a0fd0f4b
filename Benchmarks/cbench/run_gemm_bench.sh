#!/usr/bin/env bash
# Builds and runs gemm_bench.c: sn_sgemm vs OpenBLAS, interleaved, medians.
# Usage: Benchmarks/cbench/run_gemm_bench.sh [name-filter] [repetitions] [threads,list]
# Needs clang (the Swift toolchain's), libomp-dev and libopenblas-dev.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/sn_gemm_bench"
mkdir -p "$out.o"
for f in "$root"/CSources/CKernels/gemm/*.c "$root"/Benchmarks/cbench/gemm_bench.c; do
  # -fopenmp at compile time only: clang's driver would link -lomp, Debian names it omp5.
  clang -c -O3 -std=c11 -D_GNU_SOURCE -fopenmp -I"$root/CSources/CKernels/include" -I"$root/Benchmarks/cbench" "$f" \
    -o "$out.o/$(basename "$f" .c).o"
done
clang "$out.o"/*.o -o "$out" -lomp5 -lopenblas -lm
exec "$out" "${1:-}" "${2:-15}" "${3:-1,2}"
