#!/usr/bin/env bash
# Builds sgemm.c with its development switches (-DSN_GEMM_DEV) and runs
# gemm_switch_ab.c: one shape, several switch settings alternated in one process.
# Usage: Benchmarks/cbench/run_gemm_switch_ab.sh TA TB M N K THREADS ROUNDS SETTING...
# Needs clang (the Swift toolchain's) and libomp-dev.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/sn_gemm_switch_ab"
mkdir -p "$out.o"
for f in CSources/CKernels/sgemm.c CSources/CKernels/threads.c Benchmarks/cbench/gemm_switch_ab.c; do
  # -fopenmp at compile time only: clang's driver would link -lomp, Debian names it omp5.
  clang -c -O3 -std=c11 -D_GNU_SOURCE -DSN_GEMM_DEV ${CFLAGS_EXTRA:-} -fopenmp -I"$root/CSources/CKernels/include" -I"$root/Benchmarks/cbench" "$root/$f" \
    -o "$out.o/$(basename "$f" .c).o"
done
clang "$out.o"/*.o -o "$out" -lomp5 -lm
exec "$out" "$@"
