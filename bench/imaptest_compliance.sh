#!/usr/bin/env bash
# Dovecot's imaptest scripted compliance tests against maillab serve: one line per test group (passed,
# failed or skipped for a capability not offered) and the totals (issue 15 asks for Dovecot's 67 passed,
# 0 failed, with maillab's full capabilities).
#
#   bench/imaptest_compliance.sh path/to/imaptest [path/to/maillab] [--maildir] [--only REGEX] [--verbose]
#
# imaptest is not packaged by Debian: build it from https://github.com/dovecot/imaptest (branch
# release-2.3) against the dovecot-dev package, outside this tree; its tests are src/tests beside the
# binary. Every group gets a fresh server, so one group's mailboxes cannot change another's result.
# Not part of ctest.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
imaptest=$(realpath "${1:?usage: imaptest_compliance.sh path/to/imaptest [path/to/maillab] [--maildir] [--only REGEX] [--verbose]}")
shift
maillab=$here/../build/maillab
maildir=0 only=. verbose=0
while (($#)); do
    case $1 in
    --maildir) maildir=1; shift ;;
    --only) only=$2; shift 2 ;;
    --verbose) verbose=1; shift ;;
    *) maillab=$1; shift ;;
    esac
done
tests=$(dirname "$imaptest")/tests
[[ -d $tests ]] || { echo "no tests at $tests" >&2; exit 2; }
. "$here/servers.sh"

tmp=$(mktemp -d /tmp/imaptest_compliance.XXXXXX)
maillab_pid=""
trap 'stop_pid "$maillab_pid"; rm -rf "$tmp"' EXIT

passed=0 failed=0 skipped=0
for group in $(ls "$tests" | grep -v '\.mbox$' | grep -E "$only"); do
    [[ -f $tests/$group ]] || continue
    run=$tmp/$group
    mkdir -p "$run"
    printf '[{"user": "tester", "password": "tester-pass-42", "mail": "none"}]\n' >"$run/accounts.json"
    args=(serve --no-tls --pop3-port 0 --imap-port 0 --accounts "$run/accounts.json")
    ((maildir)) && { mkdir -p "$run/maildir"; args+=(--maildir "$run/maildir"); }
    : >"$run/maillab.log"
    "$maillab" "${args[@]}" >"$run/maillab.log" 2>&1 &
    maillab_pid=$!
    for _ in $(seq 1 500); do grep -q 'POP3 on' "$run/maillab.log" && break; sleep 0.01; done
    port=$(sed -nE 's/.*IMAP on 127\.0\.0\.1:([0-9]+) .*/\1/p' "$run/maillab.log")
    out=$(LD_LIBRARY_PATH=/usr/lib/dovecot${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout 60 "$imaptest" \
        host=127.0.0.1 port="$port" user=tester pass=tester-pass-42 test="$tests/$group" 2>&1 || true)
    stop_pid "$maillab_pid"
    maillab_pid=""
    if grep -qE '[1-9][0-9]* failed' <<<"$out" || ! grep -q 'individual commands failed' <<<"$out"; then
        result=failed failed=$((failed + 1))
    elif grep -q 'base protocol: 0/0 individual' <<<"$out" && grep -q 'extensions: 0/0' <<<"$out"; then
        result=skipped skipped=$((skipped + 1))
    else
        result=passed passed=$((passed + 1))
    fi
    echo "$group $result"
    if ((verbose)) && [[ $result == failed ]]; then sed 's/^/    /' <<<"$out" | head -60; fi
done
echo "total: $passed passed, $failed failed, $skipped skipped"
