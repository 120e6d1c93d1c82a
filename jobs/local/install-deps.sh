#!/usr/bin/env bash
# Installs the Debian 12 packages shortrun needs to build, test and analyse (README, "Quick start").
# Idempotent and quiet when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake openmpi-bin libopenmpi-dev libeigen3-dev libhdf5-dev hdf5-tools
  libboost-program-options-dev catch2 librandom123-dev zlib1g-dev
  nlohmann-json3-dev      # shortrun info --json
  libopenblas-dev         # the default build's matrix products (SHORTRUN_BLAS=AUTO; OFF: Eigen's own)
  python3-h5py python3-numpy python3-matplotlib python3-pandas python3-xarray python3-venv python3-setuptools python3-wheel
  dataset-fashion-mnist   # real images for jobs/configs/rbm-fashion-mnist.ini and the loader test
)
# Extra packages a caller asks for (e.g. SHORTRUN_EXTRA_PACKAGES="slurm-wlm munge").
read -r -a extra <<<"${SHORTRUN_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")
# Optional, not installed by default (about 750 MB): CPU PyTorch and a multithreaded OpenBLAS for
# the PyTorch baselines of analysis/baselines/compare.py (docs/performance.md):
#   SHORTRUN_WITH_TORCH=1 jobs/local/install-deps.sh
# The fuzz harnesses (tests/fuzz; CI sets this through tests/run.sh): clang and its libFuzzer runtime.
if [[ "${SHORTRUN_WITH_FUZZ:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-14-dev)
fi
# The sanitizer build (cmake --preset sanitize; CI sets this through tests/run.sh): clang, its
# sanitizer runtimes and its OpenMP runtime.
if [[ "${SHORTRUN_WITH_SANITIZE:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-14-dev libomp-dev)
fi
if [[ "${SHORTRUN_WITH_TORCH:-0}" == 1 ]]; then
  packages+=(python3-torch libopenblas0-pthread)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
