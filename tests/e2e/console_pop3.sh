#!/usr/bin/env bash
# maillab console pop3, piped as a student would: real POP3 replies on stdout, CRLF on the wire.
source "$(dirname "$0")/lib.bash"

out=$(printf 'USER alice\nPASS wonderland\nSTAT\nRETR 7\nFOO\nDELE 1\nRETR 1\nQUIT\n' | "$MAILLAB" console pop3)
expect_contains "greeting with APOP timestamp" "$out" "+OK maillab POP3 server ready <"
expect_contains "login" "$out" "+OK alice's maildrop has 17 messages"
expect_contains "every reply ends with CRLF" "$(printf '%s' "$out" | head -c 200 | od -c)" '\r  \n'
expect_contains "dot-stuffed line (RFC 1939 section 3)" "$out" $'\r\n..\r\n'
expect_contains "unknown command" "$out" '-ERR unknown command "FOO"'
expect_contains "deleted message" "$out" "-ERR message 1 already deleted"
expect_contains "QUIT removes the marked message" "$out" "(1 deleted, 16 left)"

# Without QUIT the end of input is a dropped connection: no UPDATE state, nothing removed.
out=$(printf 'USER alice\nPASS wonderland\nDELE 1\n' | "$MAILLAB" console pop3)
expect_contains "DELE marks" "$out" "+OK message 1 marked for deletion"
expect_not_contains "no sign-off without QUIT" "$out" "signing off"
# "?" lists the commands from the command table and is not sent to the server.
help=$(printf '?\nQUIT\n' | "$MAILLAB" console pop3 2>&1 >/dev/null)
expect_contains "? lists RETR with its syntax" "$help" "RETR msg"
expect_contains "? lists TOP" "$help" "TOP msg n"
out=$(printf '?\nQUIT\n' | "$MAILLAB" console pop3 2>/dev/null)
expect_not_contains "? is not sent to the server" "$out" "-ERR"
finish
