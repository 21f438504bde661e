#!/usr/bin/env bash
# Time to interactive of the web build in headless Chromium (bench/web_load.py); builds the site first when
# there is none. Not part of ctest: a measurement, not a check.
#   bench/web_load.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build-web/site/maillab.wasm ]] || bash scripts/web.sh
exec python3 bench/web_load.py build-web/site "$@"
