#!/usr/bin/env bash
# Runs the NumPy and PyTorch snippets of Docs/ModelFiles.md against models
# trained in seconds (a perceptron with tanh and dropout, and simple-cnn, on
# 3000 Fashion-MNIST images) and compares every prediction with
# `scratchnet predict`'s on the same 1000 test images.
#
# Python: .build-venv (scripts/setup.sh: numpy + safetensors). PyTorch is
# not installed here: PyPI's torch wheel pulls several GB of CUDA wheels
# (`--no-deps torch` took 3.5 min to download here and then does not import
# without them) and the CPU-only index is not always reachable. The PyTorch
# snippet runs when the venv imports torch, or with
# SNIPPETS_TORCH_PYTHON=/path/to/python (one with torch and safetensors);
# otherwise the script says it skipped it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=$root/.build-venv/bin/python3
data=${SCRATCHNET_DATA:-/usr/share/datasets/fashion-mnist}
[ -x "$python" ] || scripts/setup.sh
# CI's first step (`swift test -c release`) built the binary from these sources; build it only when missing.
bindir=$(swift build -c release --show-bin-path)
[ -x "$bindir/scratchnet" ] || swift build -c release --product scratchnet >/dev/null
bin=$bindir/scratchnet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The fenced block after "<!-- snippet: NAME -->".
extract() {
  awk -v name="$1" '
    $0 == "<!-- snippet: " name " -->" { armed = 1; next }
    armed && /^```python/ { inside = 1; next }
    inside && /^```/ { exit }
    inside { print }' Docs/ModelFiles.md > "$work/snippet_$1.py"
  [ -s "$work/snippet_$1.py" ] || { echo "snippets-check: no '$1' snippet in Docs/ModelFiles.md" >&2; exit 1; }
}
extract numpy
extract pytorch

# A small MNIST-format set: the first 3000 training and 1000 test images.
mkdir -p "$work/data"
"$python" - "$data" "$work/data" <<'PY'
import gzip, sys
src, dst = sys.argv[1], sys.argv[2]
for stem, n in (("train", 3000), ("t10k", 1000)):
    for kind, header, size in (("images-idx3", 16, 784), ("labels-idx1", 8, 1)):
        raw = gzip.open(f"{src}/{stem}-{kind}-ubyte.gz", "rb").read()
        head = bytearray(raw[:header]); head[4:8] = n.to_bytes(4, "big")
        open(f"{dst}/{stem}-{kind}-ubyte", "wb").write(bytes(head) + raw[header:header + n * size])
PY
images=$work/data/t10k-images-idx3-ubyte

torch_python=${SNIPPETS_TORCH_PYTHON:-}
if [ -z "$torch_python" ] && "$python" -c "import torch" 2>/dev/null; then torch_python=$python; fi

# Predictions of `scratchnet predict` and of a snippet agree on all but near
# ties: float32 sums in another order move logits by ~1e-6, which flips an
# argmax only when the two best logits are that close (at most 1 in 1000 here).
compare() {
  "$python" - "$1" "$2" "$3" <<'PY'
import re, sys
label, ours_file, theirs_file = sys.argv[1:]
ours = [int(m) for m in re.findall(r": class (\d+)", open(ours_file).read())]
theirs = [int(t) for t in open(theirs_file).read().split()]
assert len(ours) == len(theirs) == 1000, f"{label}: {len(ours)} and {len(theirs)} predictions"
differ = sum(a != b for a, b in zip(ours, theirs))
print(f"{label}: {len(ours) - differ} of {len(ours)} predictions equal scratchnet predict's")
sys.exit(1 if differ > 1 else 0)
PY
}

status=0
for model in mlp simple-cnn; do
  flags=(--model "$model")
  [ "$model" = mlp ] && flags+=(--hidden 64,32 --activation tanh --dropout 0.2)
  "$bin" train --data "$work/data" "${flags[@]}" --epochs 2 --batch-size 50 --seed 7 --save "$work/$model.safetensors" --quiet >/dev/null
  "$bin" predict --model "$work/$model.safetensors" "$images" > "$work/$model.scratchnet"
  if [ "$model" = mlp ]; then
    "$python" "$work/snippet_numpy.py" "$work/$model.safetensors" "$images" > "$work/$model.numpy"
    compare "numpy snippet, $model" "$work/$model.scratchnet" "$work/$model.numpy" || status=1
  fi
  if [ -n "$torch_python" ]; then
    "$torch_python" "$work/snippet_pytorch.py" "$work/$model.safetensors" "$images" > "$work/$model.pytorch"
    compare "pytorch snippet, $model" "$work/$model.scratchnet" "$work/$model.pytorch" || status=1
  else
    echo "pytorch snippet, $model: skipped (torch is not in $python; set SNIPPETS_TORCH_PYTHON to a Python with torch and safetensors)"
  fi
done
exit $status
