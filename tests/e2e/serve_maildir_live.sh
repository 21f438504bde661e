#!/usr/bin/env bash
# `maillab serve --maildir` sharing its Maildir with other programs while it runs (issue 14): a message a
# delivery agent drops into new/ reaches an IDLE imaplib client without a restart, a file removed behind
# serve's back is expunged, a name too long for the disk is refused, a write that fails answers NO and is logged, subscriptions survive a restart;
# and --bind on another loopback address gets no "other machines can reach" warning.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
maildir="$tmp/maildir"
start_serve "$tmp/serve.log" --no-tls --maildir "$maildir"

result=$(IMAP_PORT=$IMAP_PORT MAILDIR="$maildir" timeout 60 python3 - <<'PY'
import imaplib, os, time
port, root = int(os.environ["IMAP_PORT"]), os.environ["MAILDIR"]
m = imaplib.IMAP4("127.0.0.1", port)
m.login("bob", "builder")
typ, data = m.select("INBOX")
before = int(data[0])
print("before", before)
# A delivery agent: write to tmp/, rename into new/ (the Maildir spec).
tmpfile = os.path.join(root, "bob", "tmp", "1900000000.P1.agent")
with open(tmpfile, "wb") as f:
    f.write(b"From: agent@example.org\r\nSubject: delivered behind serve's back\r\n\r\nhello\r\n")
os.rename(tmpfile, os.path.join(root, "bob", "new", "1900000000.P1.agent"))
seen = False
for _ in range(30):  # up to 3 s: serve rescans about once a second
    time.sleep(0.1)
    m.noop()
    typ, data = m.response("EXISTS")  # imaplib keeps untagged responses aside
    if any(d and int(d) == before + 1 for d in data):
        seen = True
        break
print("delivered-seen", seen)
typ, data = m.fetch(str(before + 1), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
print("subject-ok", b"delivered behind serve's back" in data[0][1])
# Another program removes the first message's file.
cur = os.path.join(root, "bob", "cur")
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
first = data[0][1].strip().split(b": ", 1)[-1]
for name in os.listdir(cur):
    with open(os.path.join(cur, name), "rb") as f:
        if first and first in f.read():
            os.remove(os.path.join(cur, name))
            break
expunged = False
for _ in range(30):
    time.sleep(0.1)
    m.noop()
    typ, data = m.response("EXPUNGE")
    if any(d == b"1" for d in data):
        expunged = True
        break
print("removed-expunged", expunged)
# A folder name too long for the file system is refused before any write (issue 15, RFC 5530 section 3).
typ, data = m.create("n" * 300)
print("create-long", typ, data[0].decode(errors="replace")[:40])
# A write that fails: the folder's tmp/ went away, so an APPEND cannot write its file.
m.create("Work")
os.rmdir(os.path.join(root, "bob", ".Work", "tmp"))
try:
    typ, data = m.append("Work", None, None, b"Subject: lost\r\n\r\nx\r\n")
except imaplib.IMAP4.error as e:
    typ, data = "NO", [str(e).encode()]
print("append-failed", typ, data[0].decode(errors="replace")[:40])
typ, data = m.unsubscribe("Drafts")
print("unsubscribe", typ)
m.logout()
PY
)
echo "$result"
expect_contains "a message delivered into new/ while serve runs is seen without a restart" "$result" "delivered-seen True"
expect_contains "its bytes are served" "$result" "subject-ok True"
expect_contains "a file removed behind serve's back is answered as expunged" "$result" "removed-expunged True"
expect_contains "a name the disk cannot hold is refused" "$result" "create-long NO [CANNOT] mailbox name too long"
expect_contains "a failed disk write answers NO" "$result" "append-failed NO"
expect_contains "... with SERVERBUG" "$result" "SERVERBUG"
expect_contains "the failed write is logged" "$(cat "$tmp/serve.log")" "maillab: maildir:"
stop_serve

start_serve "$tmp/serve2.log" --no-tls --maildir "$maildir"
subs=$(IMAP_PORT=$IMAP_PORT timeout 20 python3 -c '
import imaplib, os
m = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
m.login("bob", "builder")
print(m.lsub()[1]); m.logout()')
expect_not_contains "UNSUBSCRIBE survived the restart" "$subs" "Drafts"
expect_contains "the other subscriptions too" "$subs" "Sent"
stop_serve

# 127.0.0.2 is loopback too (127.0.0.0/8): no warning about other machines.
"$MAILLAB" serve --no-tls --bind 127.0.0.2 --pop3-port 0 --imap-port 0 >"$tmp/serve3.log" 2>&1 &
bound=$!
SERVE_PIDS+=("$bound")
for _ in $(seq 1 100); do grep -q "POP3 on 127.0.0.2:" "$tmp/serve3.log" && break; sleep 0.1; done
expect_contains "--bind 127.0.0.2: serving" "$(cat "$tmp/serve3.log")" "POP3 on 127.0.0.2:"
expect_not_contains "--bind 127.0.0.2: no 'other machines' warning" "$(cat "$tmp/serve3.log")" "other machines can reach"
stop_serve "$bound"
finish
