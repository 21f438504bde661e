#!/usr/bin/env bash
# Installs the Debian 12 packages maillab needs, skipping what is already there.
#   scripts/deps.sh          to build and run maillab
#   scripts/deps.sh --test   also what the test suite uses (real clients, sanitizers, ...)
set -euo pipefail

packages=(build-essential cmake pkg-config libimgui-dev libglfw3-dev nlohmann-json3-dev
          libssl-dev libstb-dev libgtest-dev libbenchmark-dev fonts-dejavu-core)
if [[ "${1:-}" == "--test" ]]; then
    # xvfb, xauth and Mesa's software OpenGL let the screenshot test open a window on a machine without a screen.
    # clang-format (14 on Debian 12) is what scripts/format.sh --check, run by .ci/run, compares the tree with.
    packages+=(python3 python3-jsonschema curl openssl clang clang-format libclang-rt-14-dev tshark xvfb xauth
               libgl1-mesa-dri)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
# tshark's package asks whether non-root users may capture; answer "no" before it can ask (reading capture
# files, which is all the tests do, needs no capture rights).
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
# env, not a prefix assignment: sudo would drop DEBIAN_FRONTEND from the environment.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
