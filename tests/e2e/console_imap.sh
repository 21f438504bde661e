#!/usr/bin/env bash
# maillab console imap, piped: synchronizing and non-synchronizing literals work (RFC 3501 4.3, RFC 7888).
source "$(dirname "$0")/lib.bash"

# "Subject: hi" CRLF CRLF "hello" CRLF = 11 + 2 + 2 + 5 + 2 = 22 octets; the empty line after it is the
# CRLF that ends the APPEND command line.
out=$(printf 'a1 LOGIN alice wonderland\na2 APPEND Drafts {22}\nSubject: hi\n\nhello\n\na3 APPEND Drafts {22+}\nSubject: hi\n\nhello\n\na4 SELECT Drafts\na5 FETCH 1:* (BODY[HEADER.FIELDS (SUBJECT)])\na6 LOGOUT\n' | "$MAILLAB" console imap)
expect_contains "greeting" "$out" "* OK [CAPABILITY IMAP4rev1"
expect_contains "continuation for {22}" "$out" "+ Ready for literal data"
expect_contains "first APPEND" "$out" "a2 OK [APPENDUID"
expect_contains "LITERAL+ APPEND" "$out" "a3 OK [APPENDUID"
expect_contains "two drafts" "$out" "* 2 EXISTS"
expect_contains "fetched header field" "$out" "BODY[HEADER.FIELDS (SUBJECT)] {15}"
expect_contains "logout" "$out" "a6 OK LOGOUT completed"
expect_contains "bad command keeps the session" "$(printf 'a1 FROB\na2 NOOP\n' | "$MAILLAB" console imap)" "a2 OK NOOP completed"
finish
