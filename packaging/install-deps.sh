#!/usr/bin/env bash
# Installs every Debian 12 package Sightglass needs to build, test, run and train its demo
# models, and to check its .deb (packaging/check-deb.sh). Idempotent: quiet when everything is
# present; runs `apt-get update` once otherwise.
#   packaging/install-deps.sh          build + tests + model scripts + GUI
#   SG_NO_GUI=1 packaging/install-deps.sh   core + CLI only (headless nodes)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  dpkg-dev man-db
  libtorch-dev libopenblas0-pthread
  libopencv-dev libgraphviz-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  slurm-wlm munge
  python3 python3-torch python3-torchvision python3-numpy python3-pil dataset-fashion-mnist
)
if [[ "${SG_NO_GUI:-0}" != 1 ]]; then
  packages+=(
    qt6-base-dev libqt6sql6-sqlite libqt6opengl6-dev libqcustomplot-dev
    xvfb xauth libgl1-mesa-dri fonts-dejavu-core
    desktop-file-utils appstream
  )
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

run_as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  run_as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -qq
"${run_as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
