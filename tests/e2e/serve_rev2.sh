#!/usr/bin/env bash
# A real client, Python's imaplib, against `maillab serve` (IMAP4rev2 offered by default): ENABLE UTF8=ACCEPT and UTF-8 folder
# names (RFC 6855), ENABLE IMAP4rev2 and its SELECT and ESEARCH (RFC 9051), and IMAP4rev1 for a client that
# enables nothing (RFC 9051 appendix A).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
start_serve "$tmp/serve.log"

run_client_script serve_rev2.py
finish
