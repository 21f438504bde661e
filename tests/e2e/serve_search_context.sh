#!/usr/bin/env bash
# A real client, Python's imaplib, against `maillab serve`: SEARCH RETURN (SAVE) and "$" (RFC 5182), and
# RETURN (PARTIAL) and (UPDATE) with another connection's change arriving as ESEARCH ADDTO (RFC 5267).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
start_serve "$tmp/serve.log"

run_client_script serve_search_context.py
finish
