# Helpers for the end-to-end tests: each test script gets the maillab binary as $1.
set -euo pipefail
MAILLAB=${1:?usage: $0 path/to/maillab}
failures=0
expect_contains() { # name, haystack, needle
    if [[ "$2" == *"$3"* ]]; then echo "ok: $1"; else echo "FAIL: $1: expected to find: $3"; failures=$((failures + 1)); fi
}
expect_not_contains() {
    if [[ "$2" != *"$3"* ]]; then echo "ok: $1"; else echo "FAIL: $1: did not expect: $3"; failures=$((failures + 1)); fi
}
# tshark reading a capture with checksums verified. Its warning about running as root is noise; anything else on
# stderr is shown, and a failing tshark fails the test, so an empty answer always means "none". Needs $tmp.
require_tshark() {
    if ! command -v tshark >/dev/null; then
        echo "FAIL: tshark is not installed (bash scripts/deps.sh --test installs it)"
        exit 1
    fi
}
tshark_read() {
    local status=0
    tshark -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "$@" 2>"$tmp/stderr" || status=$?
    grep -v 'Running as user' "$tmp/stderr" >&2 || true
    if ((status != 0)); then
        echo "FAIL: tshark $* exited with $status" >&2
        exit 1
    fi
}
# Validates JSON files against a JSON Schema (draft 2020-12) with Python's jsonschema: one line per file,
# "FILE: valid" or "FILE: invalid: where: why" (the first problem).
validate_json() { # schema, files...
    python3 - "$@" <<'EOF_PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "top level"
        print(f"{path}: invalid: {where}: {errors[0].message[:200]}")
    else:
        print(f"{path}: valid")
EOF_PY
}
finish() { if ((failures > 0)); then echo "$failures check(s) failed"; exit 1; fi; echo "all checks passed"; }

# Starts a private Xvfb (screen geometry as $1, e.g. 1920x1080x24), exports DISPLAY and sets XVFB_PID; the
# caller's EXIT trap runs stop_xvfb. The server picks a free display itself and writes its number to
# -displayfd once it accepts connections, so tests running side by side cannot pick the same display and
# nothing guesses when it is ready. Not xvfb-run: its clean-up is killed by the SIGUSR1 Xvfb sends when
# its last client leaves and it resets, and it then exits 5 whatever the program returned (and leaves the
# Xvfb running), a race that load makes likely (seen under ctest -j2 in the ASan pass).
start_xvfb() {
    local file display=""
    file=$(mktemp)
    Xvfb -displayfd 3 -screen 0 "$1" -nolisten tcp 3>"$file" 2>/dev/null &
    XVFB_PID=$!
    for _ in $(seq 1 200); do
        [[ -s "$file" ]] && { display=$(head -n 1 "$file"); break; }
        kill -0 "$XVFB_PID" 2>/dev/null || break
        sleep 0.05
    done
    rm -f "$file"
    if [[ -z "$display" ]]; then echo "FAIL: Xvfb did not start"; exit 1; fi
    export DISPLAY=":$display"
}
stop_xvfb() { if [[ -n "${XVFB_PID:-}" ]]; then kill "$XVFB_PID" 2>/dev/null || true; fi; }
