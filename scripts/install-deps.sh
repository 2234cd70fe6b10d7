#!/usr/bin/env bash
# Install, with apt-get, only the Debian packages mosaic needs that are missing, and say which.
# Usage: scripts/install-deps.sh [extra-package ...]
# Extra packages (QEMU, cross compilers) are named by the tests that need them.
set -euo pipefail

packages=(
  build-essential pkg-config python3
  libsystemc-dev libcsv-dev libjansson-dev check gnuplot-nox
  clang libclang-rt-14-dev clang-format spin gcc-aarch64-linux-gnu
)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: installed ${missing[*]}"
