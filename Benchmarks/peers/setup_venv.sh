#!/usr/bin/env bash
# Creates Benchmarks/peers/.venv (gitignored) with the peers' Python packages:
# NumPy always; PyTorch, onnx + onnxruntime and JAX when they install (they are
# large; PyPI only). infer_compare.py needs torch, onnx and onnxruntime.
#
# PyPI's Linux torch wheel depends on the CUDA runtime wheels (several GB).
# Set PEERS_TORCH=cpu-nodeps to install torch with --no-deps plus the few
# pure-Python packages it imports instead: PyPI's CPU-only build where it
# lists one, else the plain wheel (whose CUDA libraries older releases load
# only when a GPU is used).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip="$venv/bin/pip"
"$pip" install -q --upgrade pip
"$pip" install -q numpy

status() { printf '%-6s %s\n' "$1" "$2"; }
status numpy "$("$venv/bin/python" -c 'import numpy; print(numpy.__version__)')"

case "${PEERS_TORCH:-full}" in
  full)
    "$pip" install -q torch || status torch "pip install torch failed" ;;
  cpu-nodeps)
    # The newest CPU-only build PyPI lists (torch==X+cpu), if any: the plain
    # wheel of recent releases loads the CUDA libraries when imported.
    cpu_build="$("$pip" index versions torch 2>/dev/null | grep -o '[0-9][0-9.]*+cpu' | head -1 || true)"
    "$pip" install -q --no-deps "torch${cpu_build:+==$cpu_build}" &&
    "$pip" install -q filelock typing-extensions sympy networkx jinja2 fsspec ||
    status torch "pip install --no-deps torch failed" ;;
  none) ;;
esac
"$venv/bin/python" -c 'import torch; print("torch ", torch.__version__)' 2>/dev/null || status torch "not available"

if [ "${PEERS_ONNX:-1}" = 1 ]; then
  "$pip" install -q onnx onnxruntime || status onnx "pip install onnx onnxruntime failed"
fi
"$venv/bin/python" -c 'import onnx, onnxruntime; print("onnx  ", onnx.__version__, "onnxruntime", onnxruntime.__version__)' 2>/dev/null ||
  status onnx "not available"

if [ "${PEERS_JAX:-1}" = 1 ]; then
  "$pip" install -q jax || status jax "pip install jax failed"
fi
"$venv/bin/python" -c 'import jax; print("jax   ", jax.__version__)' 2>/dev/null || status jax "not available"
