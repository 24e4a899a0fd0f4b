#!/usr/bin/env bash
# Fuzzes the parsers that read user files with libFuzzer + AddressSanitizer:
# IDX (IDXArray.parse), safetensors (SafeTensors), images (PNGDecoder,
# PGMDecoder), CSV (CSVTable, gzip inflation), configuration JSON
# (JSONValue, TrainingConfiguration) and model files and checkpoints
# (ModelFile, Checkpoint: spec checks, network building, restoring a
# trainer) and ONNX models (ONNXModel.read, network building). Each harness in Fuzz/ is compiled with
# the library sources it needs, then runs for SECONDS (default 60) from its
# seed corpus in Fuzz/corpus/<name>. Any crash, hang (> 10 s on one input),
# leak or out-of-memory fails the script; the input that caused it is left
# in .build-fuzz/ (crash-*, timeout-*, oom-*).
#   scripts/fuzz.sh [SECONDS]
# Two fuzzers run at a time (one core each): the script takes about
# SECONDS × 4 for the seven targets, plus the build (about five minutes:
# the checkpoint and ONNX harnesses share one binary, which compiles the whole
# core library, its C kernels, the ONNX importer and SwiftProtobuf).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build-fuzz
mkdir -p "$out"
export SWIFT_BACKTRACE=enable=no   # the crash backtracer can hang for minutes under a fuzzer

lib=Sources/ScratchNetCore
flags=(-sanitize=fuzzer,address -parse-as-library -O -module-name ScratchNetFuzz -package-name ScratchNetFuzz -I CSources/CZlib)
build() {
  local name=$1 start=$SECONDS; shift
  swiftc "${flags[@]}" "$@" -o "$out/fuzz-$name" 2> >(grep -v "Cannot export local symbol" >&2)
  echo "fuzz-$name: built in $((SECONDS - start)) s"
}
files=("$lib/Data/DataError.swift" "$lib/Serialization/FileSizeLimit.swift" "$lib/Numerics/CheckedSize.swift"
       "$lib/Serialization/AtomicFile.swift")
build idx Fuzz/FuzzIDX.swift "$lib/Data/IDX.swift" "$lib/Data/Gzip.swift" "${files[@]}" -lz
build safetensors Fuzz/FuzzSafeTensors.swift "$lib/Serialization/SafeTensors.swift" "$lib/Serialization/JSON.swift" \
  "$lib/Serialization/SerializationError.swift" "$lib/Memory/Tensor.swift" "$lib/Memory/Shape.swift" "${files[@]}"
build image Fuzz/FuzzImage.swift "$lib/Data/PNGDecoder.swift" "$lib/Data/PGMDecoder.swift" "${files[@]}" -lz
build csv Fuzz/FuzzCSV.swift "$lib/Data/CSVTable.swift" "$lib/Data/Gzip.swift" "${files[@]}" -lz
# TrainingConfiguration lives in another module: compile a copy without its import.
grep -v '^import ScratchNetCore' Sources/ScratchNetExperiments/Search/TrainingConfiguration.swift > "$out/TrainingConfiguration.swift"
build config Fuzz/FuzzConfig.swift "$out/TrainingConfiguration.swift" "$lib/Serialization/JSON.swift" "${files[@]}"
# The model-file loader needs the whole core library: its Swift sources,
# and the C kernels compiled with AddressSanitizer (serially: no OpenMP).
kernels=()
for c in $(find CSources/CKernels -name '*.c' | sort); do
  obj="$out/ckernels-$(basename "$c" .c).o"
  clang -O2 -std=c11 -fsanitize=address -I CSources/CKernels/include -c "$c" -o "$obj"
  kernels+=("$obj")
done
mapfile -t core < <(find "$lib" -name '*.swift' | sort)
# The ONNX importer: the core as above, its own sources without their
# imports, and SwiftProtobuf compiled as a module of its own (with ASan, not
# fuzzer coverage: the harness explores the importer, not the decoder).
swift package resolve >/dev/null
pb="$out/swift-protobuf"
mkdir -p "$pb" "$out/onnx"
mapfile -t protobuf < <(find .build/checkouts/swift-protobuf/Sources/SwiftProtobuf -name '*.swift' | sort)
swiftc -parse-as-library -O -sanitize=address -swift-version 6 -enable-upcoming-feature ExistentialAny \
  -module-name SwiftProtobuf -package-name swift_protobuf -emit-module -emit-module-path "$pb/SwiftProtobuf.swiftmodule" \
  -emit-library -static -o "$pb/libSwiftProtobuf.a" "${protobuf[@]}"
for f in Sources/ScratchNetONNX/*.swift Sources/ScratchNetONNX/Proto/*.swift; do
  grep -v '^import ScratchNetCore' "$f" > "$out/onnx/$(basename "$f")"
done
build models Fuzz/FuzzModelFiles.swift Fuzz/FuzzCheckpoint.swift Fuzz/FuzzONNX.swift "${core[@]}" "$out"/onnx/*.swift \
  -I CSources/CKernels/include "${kernels[@]}" -I "$pb" -L "$pb" -lSwiftProtobuf -lz

run() {
  local name=$1
  mkdir -p "$out/corpus-$name"
  local binary=$name
  case $name in checkpoint | onnx) binary=models ;; esac   # one binary, SCRATCHNET_FUZZ picks the harness
  (cd "$out" && SCRATCHNET_FUZZ=$name "./fuzz-$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
     -print_final_stats=1 "corpus-$name" "../Fuzz/corpus/$name" > "fuzz-$name.log" 2>&1)
}
report() {
  local name=$1 pid=$2
  if wait "$pid"; then
    echo "fuzz-$name: ok, $(grep -E '^stat::number_of_executed_units' "$out/fuzz-$name.log" | awk '{print $2}') inputs, no crash"
  else
    echo "fuzz-$name FAILED; see $out/fuzz-$name.log and the crash-*/timeout-*/oom-* input in $out" >&2
    tail -n 40 "$out/fuzz-$name.log" >&2
    status=1
  fi
}
targets=(idx safetensors image csv config checkpoint onnx)
echo "fuzzing ${targets[*]} for ${seconds}s each, two at a time"
status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  names=("${targets[@]:i:2}")
  pids=()
  for name in "${names[@]}"; do run "$name" & pids+=($!); done
  for j in "${!names[@]}"; do report "${names[$j]}" "${pids[$j]}"; done
done
exit $status
