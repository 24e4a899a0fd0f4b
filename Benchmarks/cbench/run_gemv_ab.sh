#!/usr/bin/env bash
# A/B of the GEMM's matrix-vector path (products of few rows): builds
# gemv_ab.c twice, with the path (on) and without it (off:
# SN_GEMM_GEMV_MAX_M_*=0), runs the two alternately and prints per kernel,
# shape (K x N) and M the median time of each and off/on (> 1: the path wins).
# Usage: Benchmarks/cbench/run_gemv_ab.sh [alternations] [max M] [threads]
# GEMV_MAX_M=12 (environment): "on" takes the path up to M = 12 on every
# kernel, with B and Bᵀ, instead of gemm_blocking.h's limits (to choose them).
# Needs clang (the Swift toolchain's) and libomp-dev.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/sn_gemv_ab"
alternations="${1:-5}"
max_m="${2:-12}"
threads="${3:-1}"
off=(-DSN_GEMM_GEMV_MAX_M_AVX512=0 -DSN_GEMM_GEMV_MAX_M_AVX2=0 -DSN_GEMM_GEMV_MAX_M_GENERIC=0)
for variant in on off; do
  mkdir -p "$out.$variant.o"
  flags=()
  [ "$variant" = off ] && flags=("${off[@]}")
  if [ "$variant" = on ] && [ -n "${GEMV_MAX_M:-}" ]; then
    flags=(-DSN_GEMM_GEMV_MAX_M_AVX512="$GEMV_MAX_M" -DSN_GEMM_GEMV_MAX_M_AVX2="$GEMV_MAX_M" -DSN_GEMM_GEMV_MAX_M_GENERIC="$GEMV_MAX_M" -DSN_GEMM_GEMV_MAX_M_BT="$GEMV_MAX_M")
  fi
  for f in "$root"/CSources/CKernels/gemm/*.c "$root"/Benchmarks/cbench/gemv_ab.c; do
    # -fopenmp at compile time only: clang's driver would link -lomp, Debian names it omp5.
    clang -c -O3 -std=c11 -D_GNU_SOURCE -fopenmp "${flags[@]}" -I"$root/CSources/CKernels/include" \
      -I"$root/Benchmarks/cbench" "$f" -o "$out.$variant.o/$(basename "$f" .c).o"
  done
  clang "$out.$variant.o"/*.o -o "$out.$variant" -lomp5 -lm
done
for i in $(seq "$alternations"); do
  "$out.on" 5 "$max_m" "$threads" > "$out.on.$i.txt"
  "$out.off" 5 "$max_m" "$threads" > "$out.off.$i.txt"
done
python3 - "$out" "$alternations" <<'PY'
import statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
runs = {v: [dict(((l.split()[0], l.split()[1], l.split()[2], l.split()[3]), float(l.split()[4]))
                 for l in open(f"{out}.{v}.{i}.txt")) for i in range(1, n + 1)] for v in ("on", "off")}
print(f"{'kernel':8} {'K x N':>10} {'M':>3} {'on ns':>10} {'off ns':>10} {'off/on':>7}")
for key in runs["on"][0]:
    on = statistics.median(r[key] for r in runs["on"])
    off = statistics.median(r[key] for r in runs["off"])
    print(f"{key[0]:8} {key[1] + 'x' + key[2]:>10} {key[3]:>3} {on:10.0f} {off:10.0f} {off / on:7.2f}")
PY
