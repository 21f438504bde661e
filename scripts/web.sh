#!/usr/bin/env bash
# Builds maillab for the browser into build-web/site/ (index.html, maillab.js, maillab.wasm, maillab.data):
# the same sim/ and gui/dashboard as the desktop, compiled by Debian's emscripten, with Dear ImGui and OpenSSL
# built from Debian's own source packages (apt-get source) under build-web/src, never committed.
#   scripts/web.sh            install what is missing (scripts/deps.sh --web), then build
#   scripts/web.sh --no-deps  build only (CI, after deps.sh --web)
# Serve the site with any static web server, e.g. python3 -m http.server -d build-web/site 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${MAILLAB_WEB_OUT:-$root/build-web} # another folder: a clean build beside the usual one
jobs=${MAILLAB_WEB_JOBS:-2}

if [[ "${1:-}" != "--no-deps" ]]; then bash scripts/deps.sh --web; fi

# Debian's emscripten runs its JavaScript tools under the system Node.js, which finds Debian's node-acorn
# only through NODE_PATH.
export NODE_PATH=/usr/share/nodejs
# Debian ships emscripten's system libraries prebuilt in a frozen cache (/usr/share/emscripten/cache): use
# it as it is, so nothing is compiled or downloaded behind our back.
unset EM_CACHE
mkdir -p "$out/src"
started=$SECONDS

# [SECTION] sources from Debian: the same versions the desktop build links (imgui 1.86, OpenSSL 3.0)
source_dir() { # package -> its unpacked folder, fetched once
    local dir
    dir=$(find "$out/src" -maxdepth 1 -type d -name "$1-[0-9]*" | sort | tail -n 1)
    if [[ -z "$dir" ]]; then
        (cd "$out/src" && apt-get source -qq "$1" >/dev/null 2>&1) || {
            echo "web.sh: apt-get source $1 failed (is there a deb-src entry? scripts/deps.sh --web adds one)" >&2
            exit 1
        }
        dir=$(find "$out/src" -maxdepth 1 -type d -name "$1-[0-9]*" | sort | tail -n 1)
    fi
    echo "$dir"
}
imgui_dir=$(source_dir imgui)
openssl_src=$(source_dir openssl)

# [SECTION] OpenSSL for wasm: static libcrypto and libssl, no assembly, threads, engines or sockets
# linux-generic32: wasm32 is a 32-bit target without OpenSSL assembly. The simulator's TLS is TLS 1.2/1.3 with a
# P-256 certificate it makes itself (sim/tls); the ciphers, formats and protocols it never uses are left out,
# for a smaller page and a shorter build.
openssl_options=(linux-generic32 no-asm no-threads no-shared no-dso no-engine no-afalgeng no-async
    no-secure-memory no-tests no-ui-console no-legacy no-comp no-dtls no-ssl3 no-srp no-srtp no-cms no-ts no-ocsp
    no-ct no-gost no-ec2m no-idea no-mdc2 no-rc2 no-rc4 no-rc5 no-seed no-whirlpool no-camellia no-aria no-sm2
    no-sm3 no-sm4 no-bf no-cast no-des no-dsa no-scrypt no-siphash no-weak-ssl-ciphers -O2)
openssl_out=$out/openssl
# Built once and kept; built again when the source or these options change.
openssl_stamp="$(basename "$openssl_src") ${openssl_options[*]}"
if [[ ! -f "$openssl_out/lib/libssl.a" || "$(cat "$openssl_out/options" 2>/dev/null)" != "$openssl_stamp" ]]; then
    echo "+ OpenSSL $(basename "$openssl_src") for wasm (once; kept in $openssl_out)"
    t=$SECONDS
    rm -rf "$out/openssl-build" "$openssl_out" && mkdir -p "$out/openssl-build"
    log=$out/openssl-build.log
    if ! (
        cd "$out/openssl-build"
        # CROSS_COMPILE must be empty, or Configure prefixes emcc with the host's triplet.
        emconfigure "$openssl_src/Configure" "${openssl_options[@]}" --prefix="$openssl_out" \
            --openssldir=/etc/ssl CROSS_COMPILE=""
        nice -n 10 emmake make -j"$jobs" build_libs
        emmake make install_dev
    ) >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "web.sh: OpenSSL did not build for wasm (the whole log: $log)" >&2
        exit 1
    fi
    echo "$openssl_stamp" >"$openssl_out/options"
    echo "  OpenSSL built in $((SECONDS - t)) s"
fi

# [SECTION] maillab itself (web/CMakeLists.txt)
echo "+ maillab for the web"
t=$SECONDS
emcmake cmake -S web -B "$out/cmake" -DCMAKE_BUILD_TYPE=Release -DIMGUI_DIR="$imgui_dir" \
    -DOPENSSL_WASM_DIR="$openssl_out" -DMAILLAB_SITE_DIR="$out/site" >/dev/null
nice -n 10 cmake --build "$out/cmake" -j"$jobs"
echo "  maillab built in $((SECONDS - t)) s"

site=$out/site
mkdir -p "$site"
cp web/index.html "$site/"
for file in maillab.js maillab.wasm maillab.data; do
    [[ -f "$site/$file" ]] || { echo "web.sh: $site/$file is missing" >&2; exit 1; }
done
echo "web.sh: site in $site ($(du -sh "$site" | cut -f1); wasm + data $(
    du -cb "$site/maillab.wasm" "$site/maillab.data" | tail -n 1 | awk '{printf "%.1f MB", $1 / 1e6}'
)), built in $((SECONDS - started)) s"
