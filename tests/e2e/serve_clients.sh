#!/usr/bin/env bash
# Real clients against `maillab serve`: poplib, imaplib and curl list, fetch and delete; keep vs delete
# mode; UIDL across sessions; IMAP IDLE sees another connection's APPEND (serve_clients.py).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
start_serve "$tmp/serve.log"

run_client_script serve_clients.py
finish
