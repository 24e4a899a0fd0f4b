#!/usr/bin/env bash
# Builds and runs multiply_add_ceiling.c: one core's peak float32 FMA and
# AVX2 int8 multiply-add rates, the ceilings the GEMM and int8 kernels are
# measured against. Usage: Benchmarks/cbench/run_multiply_add_ceiling.sh [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/sn_multiply_add_ceiling"
clang -O2 -std=c11 -D_GNU_SOURCE "$root/Benchmarks/cbench/multiply_add_ceiling.c" -o "$out"
exec "$out" "${1:-5}"
