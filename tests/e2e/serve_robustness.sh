#!/usr/bin/env bash
# Hostile and careless clients against `maillab serve` (serve_robustness.py): garbage, a 1 MiB line, a 2 GB
# literal, silent clients, drops mid-RETR and mid-APPEND, 200 clients at once, a POP3 client killed after
# DELE; then kill -9 of `serve --maildir` during APPENDs and a restart on the same Maildir. After every case
# the server must still serve fresh clients and the store must hold what it held.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

here=$(dirname "$0")
serve_scratch # sets $tmp

run_case() { # case name [arguments]
    local status=0
    echo "== $1"
    POP3_PORT=$POP3_PORT IMAP_PORT=$IMAP_PORT SERVE_PID=$SERVE_PID STATE="$tmp/state.json" \
        timeout 40 python3 "$here/serve_robustness.py" "$@" || status=$?
    if [[ $status -ne 0 ]]; then
        echo "FAIL: case $1 (exit $status)"
        failures=$((failures + 1))
    fi
}

# [SECTION] the in-memory store
start_serve "$tmp/serve.log"
for case in garbage long_line toobig pipelined_retr silent silent_pop3_lock drop_mid_retr \
    drop_mid_append many pop3_killed_after_dele; do
    run_case "$case"
done
expect_alive "the server survived every case" "$SERVE_PID"
stop_serve

# [SECTION] login attempts, counted across connections (a server of their own: the penalty stays with
# 127.0.0.1, which every case uses)
start_serve "$tmp/serve-guess.log" --login-delay-ms 1000
run_case pipelined_guesses
expect_alive "the server survived the guesses" "$SERVE_PID"
stop_serve

# [SECTION] autologout, with short idle limits
start_serve "$tmp/serve-idle.log" --pop3-idle 2 --imap-idle 2
run_case idle_timeouts
expect_alive "the server survived the idle cases" "$SERVE_PID"
stop_serve

# [SECTION] kill -9 with --maildir, restarted on the same Maildir each time
maildir="$tmp/maildir"
start_serve "$tmp/serve-md.log" --maildir "$maildir"
run_case maildir_before
# Two servers on one Maildir would hand out the same UIDs and delete each other's files (F7).
second=0
XDG_CONFIG_HOME="$tmp/config" timeout 10 "$MAILLAB" serve --pop3-port 0 --imap-port 0 --no-tls \
    --maildir "$maildir" >"$tmp/second.log" 2>&1 || second=$?
if [[ $second -ne 0 && $second -ne 124 ]] && grep -q "is in use by another maillab serve (pid $SERVE_PID)" "$tmp/second.log"; then
    echo "ok: a second serve on the same Maildir refuses to start (exit $second): $(head -1 "$tmp/second.log")"
else
    echo "FAIL: a second serve on the same Maildir (exit $second): $(cat "$tmp/second.log")"
    failures=$((failures + 1))
fi
for variant in mid-literal after-literal pipelined; do
    run_case "kill_${variant//-/_}"
    if kill -0 "$SERVE_PID" 2>/dev/null && ! grep -q '^State:.*zombie' "/proc/$SERVE_PID/status" 2>/dev/null; then
        echo "FAIL: the case did not kill the server; killing it here"
        failures=$((failures + 1))
        kill -9 "$SERVE_PID"
    fi
    wait "$SERVE_PID" 2>/dev/null || true # reap the killed server
    partial=$(find "$maildir" -path "$maildir/*/tmp/*" -type f | wc -l)
    echo "   after kill -9 ($variant): $partial file(s) left in tmp/ directories"
    start_serve "$tmp/serve-md.log" --maildir "$maildir"
    if grep -q 'maillab: maildir:' "$tmp/serve-md.log"; then
        echo "   the restarted server reported: $(grep 'maillab: maildir:' "$tmp/serve-md.log" | head -3)"
    fi
    run_case maildir_after "$variant"
done
stop_serve
finish
