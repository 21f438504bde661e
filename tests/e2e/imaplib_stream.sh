#!/usr/bin/env bash
# A real client: Python's imaplib, speaking to `maillab console imap` through a pipe (IMAP4_stream).
source "$(dirname "$0")/lib.bash"
MAILLAB="$MAILLAB" python3 "$(dirname "$0")/imaplib_stream.py"
