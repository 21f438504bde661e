#!/usr/bin/env bash
# Installs the Debian 12 packages maillab needs, skipping what is already there.
#   scripts/deps.sh          to build and run maillab
#   scripts/deps.sh --test   also what the test suite uses (real clients, sanitizers, ...)
#   scripts/deps.sh --web    what scripts/web.sh and tests/web need: Emscripten, the tools that unpack Debian's
#                            source packages (Dear ImGui and OpenSSL are built from them), headless Chromium
set -euo pipefail

packages=(build-essential cmake pkg-config libimgui-dev libglfw3-dev nlohmann-json3-dev
          libssl-dev libstb-dev libgtest-dev libbenchmark-dev fonts-dejavu-core)
if [[ "${1:-}" == "--test" ]]; then
    # xvfb, xauth and Mesa's software OpenGL let the screenshot test open a window on a machine without a screen.
    # clang-format (14 on Debian 12) is what scripts/format.sh --check, run by .ci/run, compares the tree with.
    packages+=(python3 python3-jsonschema curl openssl clang clang-format libclang-rt-14-dev tshark xvfb xauth
               libgl1-mesa-dri)
fi
web=false
if [[ "${1:-}" == "--web" ]]; then
    web=true
    # Debian's emscripten (3.1.6) needs Node.js, which its package pulls in. Chromium is Debian's own: the
    # browser test never downloads one.
    packages=(emscripten dpkg-dev xz-utils perl make cmake python3 chromium fonts-dejavu-core)
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi

# apt-get source needs a deb-src entry; Debian's images ship only binary ones.
if $web && ! grep -rqs '^Types: deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "adding a deb-src entry for bookworm (apt-get source imgui, openssl)"
    $sudo tee /etc/apt/sources.list.d/maillab-deb-src.sources >/dev/null <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    $sudo apt-get update -qq
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "installing: ${missing[*]}"
# tshark's package asks whether non-root users may capture; answer "no" before it can ask (reading capture
# files, which is all the tests do, needs no capture rights).
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
# env, not a prefix assignment: sudo would drop DEBIAN_FRONTEND from the environment.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
