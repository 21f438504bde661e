#!/usr/bin/env bash
# `maillab connect` (a simulated device's mail program) against `maillab serve` over real TCP: the
# transcript on stdout is the real exchange (the same bytes the server logged with --log), keep mode
# leaves the mail, delete mode empties the INBOX (checked with poplib), IMAP opens and searches.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
start_serve "$tmp/serve.log" --log

pop3_stat() { # user password -> the message count poplib's STAT sees
    python3 - "$POP3_PORT" "$1" "$2" <<'EOF'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
print(p.stat()[0]); p.quit()
EOF
}

# The bytes of one direction ("C" or "S") of a C:/S: transcript, lines joined: how a reply was cut into
# reads differs between the two ends, the bytes do not.
stream() { grep -E "^$1: " | sed -E "s/^$1: //" | tr -d '\n'; }
# One session of the server's --log, without its "[peer#N] " tag.
server_session() { grep -E "^\[[0-9.:]+#$1\] " "$tmp/serve.log" | sed -E 's/^\[[^]]*\] //'; }
same_exchange() { # name, connect's stdout, server session number
    local ours theirs
    ours=$(printf '%s\n' "$2")
    theirs=$(server_session "$3")
    for dir in C S; do
        if [[ -n "$(stream $dir <<<"$ours")" && "$(stream $dir <<<"$ours")" == "$(stream $dir <<<"$theirs")" ]]; then
            echo "ok: $1: every $dir: byte is the one the server logged"
        else
            echo "FAIL: $1: the $dir: lines differ from the server's log of session #$3"
            diff <(stream $dir <<<"$ours" | fold -w 100) <(stream $dir <<<"$theirs" | fold -w 100) | head -10
            failures=$((failures + 1))
        fi
    done
}
run_connect() { # name, then the connect arguments; sets out, err, status
    status=0
    out=$(timeout 30 "$MAILLAB" connect "${@:2}" 2>"$tmp/err") || status=$?
    err=$(cat "$tmp/err")
    [[ $status -eq 0 ]] && echo "ok: $1: exit status 0" || { echo "FAIL: $1: exit status $status: $err"; failures=$((failures + 1)); }
}

# Session #1: POP3 keep mode.
run_connect "pop3 keep" pop3 127.0.0.1 "$POP3_PORT" --user bob --password builder --mode keep
expect_contains "pop3 keep: the server's greeting" "$out" "S: +OK maillab POP3 server ready <"
expect_contains "pop3 keep: logs in" "$out" "S: +OK bob's maildrop has 4 messages"
expect_contains "pop3 keep: asks for UIDL" "$out" "C: UIDL"
expect_contains "pop3 keep: downloads the last message" "$out" "C: RETR 4"
expect_contains "pop3 keep: the message text arrives" "$out" "S: Subject: Thanksgiving plans"
expect_not_contains "pop3 keep: never deletes" "$out" "C: DELE"
expect_contains "pop3 keep: QUIT, nothing deleted" "$out" "S: +OK maillab POP3 server signing off (0 deleted, 4 left)"
expect_contains "pop3 keep: the device holds the 4" "$err" "the device now holds 4 message(s)"
same_exchange "pop3 keep" "$out" 1
# Session #2.
n=$(pop3_stat bob builder)
[[ $n == 4 ]] && echo "ok: keep mode: poplib still sees 4" || { echo "FAIL: keep mode: poplib sees $n"; failures=$((failures + 1)); }

# Session #3: IMAP, open a message and search on the server.
run_connect "imap" imap 127.0.0.1 "$IMAP_PORT" --user alice --password wonderland --open 1 --search invoice
expect_contains "imap: logs in" "$out" 'C: A1 LOGIN "alice" "wonderland"'
expect_contains "imap: the server's SELECT answer" "$out" "S: * 17 EXISTS"
expect_contains "imap: headers only for the list" "$out" "UID FETCH 1:* (UID FLAGS ENVELOPE RFC822.SIZE)"
expect_contains "imap: --open 1 fetches the text part" "$out" "UID FETCH 1 (BODY.PEEK[1])"
expect_contains "imap: the text arrives" "$out" "S: Welcome to Networks 101! I am looking forward"
expect_contains "imap: --search asks the server" "$out" 'UID SEARCH TEXT "invoice"'
expect_contains "imap: the client enables IMAP4rev2, which serve offers" "$out" "C: A2 ENABLE IMAP4rev2"
# ... so the answer is ESEARCH, UID 13 (RFC 9051 section 7.3.4)
expect_contains "imap: the server finds the invoice" "$out" " UID ALL 13"
expect_contains "imap: logs out" "$out" "S: * BYE"
same_exchange "imap" "$out" 3
seen=$(python3 - "$IMAP_PORT" <<'EOF'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=10)
m.login("alice", "wonderland"); m.select("INBOX", readonly=True)
print(m.uid("FETCH", "1", "(FLAGS)")[1][0].decode(), m.uid("FETCH", "2", "(FLAGS)")[1][0].decode()); m.logout()
EOF
)
expect_contains "imap: the message it opened is \\Seen on the server" "$seen" 'UID 1 FLAGS (\Seen'
expect_not_contains "imap: one it did not open is not" "${seen#*UID 2}" '\Seen'

# Session #5 (#4 was the imaplib check): POP3 delete mode.
run_connect "pop3 delete" pop3 127.0.0.1 "$POP3_PORT" --user bob --password builder --mode delete
expect_contains "pop3 delete: DELEs" "$out" "C: DELE 4"
expect_contains "pop3 delete: QUIT deletes all 4" "$out" "(4 deleted, 0 left)"
same_exchange "pop3 delete" "$out" 5
n=$(pop3_stat bob builder)
[[ $n == 0 ]] && echo "ok: delete mode: poplib sees an empty INBOX" || { echo "FAIL: delete mode: poplib sees $n"; failures=$((failures + 1)); }
run_connect "pop3 again" pop3 127.0.0.1 "$POP3_PORT" --user bob --password builder --mode keep
expect_contains "pop3 again: the maildrop is empty" "$out" "S: +OK bob's maildrop has 0 messages"

# Mistakes are reported.
status=0
err=$(timeout 30 "$MAILLAB" connect pop3 127.0.0.1 "$POP3_PORT" --user bob --password wrong 2>&1 >/dev/null) || status=$?
expect_contains "a wrong password is reported with the server's words" "$err" "login failed: -ERR [AUTH]"
expect_alive "the server is still running" "$SERVE_PID"
finish
