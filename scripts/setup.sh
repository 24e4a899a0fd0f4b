#!/usr/bin/env bash
# Installs what ScratchNet needs on Debian (run as root, or with sudo available):
# libomp (OpenMP runtime for the C kernels), zlib headers (gzipped IDX files),
# GNU time (the tests measure child processes' peak memory with it),
# Debian's Fashion-MNIST package (the default training data), and python3 with
# venv for a private .build-venv holding numpy + safetensors + onnx + onnxruntime (PyPI), which the
# interoperability tests use (set SCRATCHNET_SKIP_PYTHON=1 to skip that part).
set -euo pipefail
packages=(libomp-dev zlib1g-dev dataset-fashion-mnist librsvg2-bin python3 python3-venv time)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python readers for the safetensors/npz cross-checks, in a venv under the
# package (no system pip changes; idempotent: skipped once they import).
if [ "${SCRATCHNET_SKIP_PYTHON:-0}" != 1 ]; then
  cd "$(dirname "$0")/.."
  venv=.build-venv
  if ! "$venv/bin/python3" -c "import numpy, safetensors, onnx, onnxruntime, tensorboard" 2>/dev/null; then
    [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check numpy safetensors onnx onnxruntime tensorboard
  fi
fi
