#!/usr/bin/env bash
# Generates Sources/ScratchNetExperiments/Reports/TensorBoard/event.pb.swift
# from the trimmed Protos/tensorboard/event.proto. Run by hand after editing the
# .proto; the generated file is committed, so builds and CI need neither
# protoc nor the plugin.
#   protoc: Debian's protobuf-compiler
#   protoc-gen-swift: built from apple/swift-protobuf 1.39.0
#     (swift build -c release --product protoc-gen-swift)
# Usage: scripts/generate-tensorboard-proto.sh [path/to/protoc-gen-swift]
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${1:-$(command -v protoc-gen-swift)}"
dir=Sources/ScratchNetExperiments/Reports/TensorBoard
protoc --plugin=protoc-gen-swift="$plugin" \
  --proto_path=Protos/tensorboard \
  --swift_out="$dir" \
  --swift_opt=Visibility=Internal \
  Protos/tensorboard/event.proto
