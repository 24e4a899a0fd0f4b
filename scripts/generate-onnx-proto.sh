#!/usr/bin/env bash
# Regenerates Sources/ScratchNetONNX/Proto/onnx.pb.swift from the committed
# Sources/ScratchNetONNX/Proto/onnx.proto (copied from the `onnx` PyPI
# package, version in the generated file's header). Needs Debian's `protoc`
# (protobuf-compiler) and swift-protobuf's `protoc-gen-swift` 1.39.0, which
# takes minutes to build: run this by hand when the proto changes, commit
# the output, never in CI.
#   scripts/generate-onnx-proto.sh [PATH/TO/protoc-gen-swift] [PATH/TO/onnx.proto]
# With a second argument the proto is first copied over the committed one.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${1:-$(command -v protoc-gen-swift || true)}"
[ -x "$plugin" ] || { echo "generate-onnx-proto.sh: protoc-gen-swift not found; build it from swift-protobuf 1.39.0 (swift build -c release --product protoc-gen-swift) and pass its path" >&2; exit 1; }
dir=Sources/ScratchNetONNX/Proto
if [ $# -ge 2 ]; then cp "$2" "$dir/onnx.proto"; fi
onnx_version="${ONNX_VERSION:-$(sed -n 's/^\/\/ onnx-version: //p' "$dir/onnx.pb.swift" 2>/dev/null || true)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
protoc --plugin=protoc-gen-swift="$plugin" --proto_path="$dir" \
  --swift_opt=Visibility=Internal --swift_out="$tmp" "$dir/onnx.proto"
{
  echo "// Generated from onnx.proto of the onnx Python package (PyPI); do not edit."
  echo "// onnx-version: ${onnx_version:-unknown}"
  echo "// Regenerate: scripts/generate-onnx-proto.sh PATH/TO/protoc-gen-swift (swift-protobuf 1.39.0, protoc $(protoc --version | awk '{print $2}'))"
  echo
  cat "$tmp/onnx.pb.swift"
} > "$dir/onnx.pb.swift"
echo "wrote $dir/onnx.pb.swift"
