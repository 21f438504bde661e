#!/usr/bin/env bash
# Real clients against `maillab serve`: poplib, imaplib and curl list, fetch and delete; keep vs delete
# mode; UIDL across sessions; IMAP IDLE sees another connection's APPEND (serve_clients.py).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

tmp=$(mktemp -d)
trap 'stop_all_serves; rm -rf "$tmp"' EXIT
start_serve "$tmp/serve.log"

status=0
POP3_PORT=$POP3_PORT IMAP_PORT=$IMAP_PORT timeout 50 python3 "$(dirname "$0")/serve_clients.py" || status=$?
[[ $status -eq 0 ]] && echo "ok: serve_clients.py" || { echo "FAIL: serve_clients.py exited $status"; failures=$((failures + 1)); }
expect_alive "the server is still running" "$SERVE_PID"
finish
