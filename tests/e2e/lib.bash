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
