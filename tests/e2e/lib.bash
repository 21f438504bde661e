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
