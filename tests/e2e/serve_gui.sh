#!/usr/bin/env bash
# maillab serve --gui: the dashboard opens (on an Xvfb display) and serves real clients from its frame loop;
# Ctrl-C in the terminal still stops it cleanly.
source "$(dirname "$0")/lib.bash"
# Under AddressSanitizer: Mesa's OpenGL driver, loaded and unloaded behind GLFW, leaves allocations that
# LeakSanitizer reports from unknown modules. Leaks are not checked for these windowed runs; the dashboard's
# own code is leak-checked headless (tests/dashboard_test.cpp and the other panel tests).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
source "$(dirname "$0")/serve_lib.bash"

tmp=$(mktemp -d)
trap 'stop_all_serves; stop_xvfb; rm -rf "$tmp"' EXIT
start_xvfb 1280x800x24

start_serve "$tmp/serve.log" --gui --log
body=$(curl -s --max-time 10 "pop3://alice:wonderland@127.0.0.1:$POP3_PORT/1")
expect_contains "curl gets message 1 while the dashboard runs the loop" "$body" "Subject: Welcome to Networks 101"
list=$(curl -s --max-time 10 "imap://alice:wonderland@127.0.0.1:$IMAP_PORT/" )
expect_contains "IMAP is served too" "$list" "INBOX"
sleep 0.3
log=$(cat "$tmp/serve.log")
expect_contains "--log still prints the exchanges" "$log" "C: RETR 1"
expect_not_contains "the dashboard opened (no fallback to headless)" "$log" "no display for --gui"
kill -INT "$SERVE_PID"
status=0
for _ in $(seq 1 50); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
wait "$SERVE_PID" || status=$?
[[ $status -eq 0 ]] && echo "ok: Ctrl-C ends serve --gui with status 0" || { echo "FAIL: exit status $status"; failures=$((failures + 1)); }
expect_contains "and says it stopped" "$(cat "$tmp/serve.log")" "maillab serve: stopped"

# Without a display it says so and serves anyway.
unset DISPLAY
start_serve "$tmp/headless.log" --gui
body=$(curl -s --max-time 10 "pop3://alice:wonderland@127.0.0.1:$POP3_PORT/1")
expect_contains "headless --gui still serves" "$body" "Subject: Welcome to Networks 101"
expect_contains "and says why there is no dashboard" "$(cat "$tmp/headless.log")" "no display for --gui"
finish
