#!/usr/bin/env bash
# Builds and runs pair_ceiling.c: one thread multiplying alone against two
# threads multiplying independently at once, alternated; prints pair/solo.
# Usage: Benchmarks/cbench/run_pair_ceiling.sh [ROUNDS] [N]
# Needs clang (the Swift toolchain's) and libomp-dev.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/sn_pair_ceiling"
mkdir -p "$out.o"
for f in "$root"/CSources/CKernels/gemm/*.c "$root"/Benchmarks/cbench/pair_ceiling.c; do
  # -fopenmp at compile time only: clang's driver would link -lomp, Debian names it omp5.
  clang -c -O3 -std=c11 -D_GNU_SOURCE -fopenmp -I"$root/CSources/CKernels/include" -I"$root/Benchmarks/cbench" "$f" \
    -o "$out.o/$(basename "$f" .c).o"
done
clang "$out.o"/*.o -o "$out" -lomp5 -lpthread -lm
exec "$out" "${1:-15}" "${2:-512}"
