#!/usr/bin/env bash
# Installs what ScratchNet needs on Debian (run as root, or with sudo available):
# libomp (OpenMP runtime for the C kernels), zlib headers (gzipped IDX files),
# and Debian's Fashion-MNIST package (the default training data).
set -euo pipefail
packages=(libomp-dev zlib1g-dev dataset-fashion-mnist librsvg2-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
