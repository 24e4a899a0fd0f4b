#!/usr/bin/env bash
# Fuzzes the parsers that read user files with libFuzzer + AddressSanitizer:
# the IDX parser (IDXArray.parse) and the safetensors parser (SafeTensors).
# Each harness is compiled with the library sources it needs, then runs for
# SECONDS (default 60) from the seed corpus in Fuzz/corpus. Any crash, hang
# (> 10 s on one input), leak or out-of-memory fails the script; the input
# that caused it is left in .build-fuzz/ (crash-*, timeout-*, oom-*).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build-fuzz
mkdir -p "$out"
export SWIFT_BACKTRACE=enable=no   # the crash backtracer can hang for minutes under a fuzzer

lib=Sources/ScratchNetCore
flags=(-sanitize=fuzzer,address -parse-as-library -O -module-name ScratchNetFuzz -I CSources/CZlib)
build() {
  local name=$1; shift
  swiftc "${flags[@]}" "$@" -o "$out/fuzz-$name" 2> >(grep -v "Cannot export local symbol" >&2)
}
build idx Fuzz/FuzzIDX.swift "$lib/Data/IDX.swift" "$lib/Data/DataError.swift" "$lib/Data/Gzip.swift" \
  "$lib/Serialization/AtomicFile.swift" -lz
build safetensors Fuzz/FuzzSafeTensors.swift "$lib/Serialization/SafeTensors.swift" "$lib/Serialization/JSON.swift" \
  "$lib/Serialization/SerializationError.swift" "$lib/Serialization/AtomicFile.swift" "$lib/Data/DataError.swift" \
  "$lib/Memory/Tensor.swift" "$lib/Memory/Shape.swift"

# Both fuzzers run at once (one core each), so the whole script takes about
# SECONDS plus the ~35 s build.
run() {
  local name=$1
  mkdir -p "$out/corpus-$name"
  (cd "$out" && "./fuzz-$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
     -print_final_stats=1 "corpus-$name" "../Fuzz/corpus/$name" > "fuzz-$name.log" 2>&1)
}
echo "fuzzing idx and safetensors for ${seconds}s each"
pids=()
for name in idx safetensors; do run "$name" & pids+=($!); done
status=0
for i in 0 1; do
  name=$([ $i -eq 0 ] && echo idx || echo safetensors)
  if wait "${pids[$i]}"; then
    echo "fuzz-$name: ok, $(grep -E '^stat::number_of_executed_units' "$out/fuzz-$name.log" | awk '{print $2}') inputs, no crash"
  else
    echo "fuzz-$name FAILED; see $out/fuzz-$name.log and the crash-*/timeout-*/oom-* input in $out" >&2
    tail -n 40 "$out/fuzz-$name.log" >&2
    status=1
  fi
done
exit $status
