#!/usr/bin/env bash
# Installs the Debian packages moe-mlir builds and tests with, skipping those already present.
set -euo pipefail

packages=(
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools lld-22 clang-22
  cmake ninja-build g++ make python3-numpy python3-torch ccache libgtest-dev
  libamdhip64-dev libclang-rt-22-dev libopenmpi-dev openmpi-bin
  zlib1g-dev libzstd-dev libncurses-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "moe-mlir: installing missing Debian packages: ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "moe-mlir: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
