#!/usr/bin/env bash
# Issue 15: mod-sequences survive a restart of `maillab serve --maildir`. A Python imaplib client changes a
# folder, the server stops, a new one reads the Maildir back, and a client that resyncs with CONDSTORE
# (FETCH CHANGEDSINCE, RFC 7162 section 3.1.4.1) or QRESYNC (SELECT ... QRESYNC, section 3.2.5) hears only
# what changed since the mod-sequence it knew: one flag change and one expunged UID, not every message.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
maildir="$tmp/maildir"

start_serve "$tmp/serve.log" --no-tls --maildir "$maildir"
known=$(IMAP_PORT=$IMAP_PORT timeout 60 python3 - <<'PY'
import imaplib, os, re
m = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
m.login("bob", "builder")
m.create("Sync")
for i in range(1, 5):
    m.append("Sync", None, None, f"Subject: message {i}\r\n\r\nbody {i}\r\n".encode())
m.select("Sync")
m.store("1", "+FLAGS", "(\\Seen)")
status = m.status("Sync", "(UIDVALIDITY HIGHESTMODSEQ)")[1][0].decode()
validity = re.search(r"UIDVALIDITY (\d+)", status).group(1)
seen = re.search(r"HIGHESTMODSEQ (\d+)", status).group(1)
m.store("2", "+FLAGS", "(\\Flagged)")
m.store("3", "+FLAGS", "(\\Deleted)")
m.expunge()
m.close()
highest = re.search(r"HIGHESTMODSEQ (\d+)", m.status("Sync", "(HIGHESTMODSEQ)")[1][0].decode()).group(1)
print(validity, seen, highest)
m.logout()
PY
)
read -r validity seen highest <<<"$known"
echo "UIDVALIDITY $validity, the client knows mod-sequence $seen, the highest is $highest"
stop_serve

start_serve "$tmp/serve2.log" --no-tls --maildir "$maildir"
result=$(IMAP_PORT=$IMAP_PORT VALIDITY=$validity SEEN=$seen timeout 60 python3 - <<'PY'
import imaplib, os
m = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
m.login("bob", "builder")
print("status", m.status("Sync", "(HIGHESTMODSEQ)")[1][0].decode())
m._simple_command("ENABLE", "QRESYNC")
typ, data = m._simple_command("SELECT", "Sync", f"(QRESYNC ({os.environ['VALIDITY']} {os.environ['SEEN']} 1:4))")
print("select", typ)
print("vanished", m.response("VANISHED")[1])
print("fetched", m.response("FETCH")[1])
m.state = "SELECTED"
typ, data = m._simple_command("UID", "FETCH", "1:*", "(FLAGS)", f"(CHANGEDSINCE {os.environ['SEEN']})")
print("changedsince", m.response("FETCH")[1])
m.logout()
PY
)
echo "$result"
expect_contains "HIGHESTMODSEQ is what it was before the restart" "$result" "HIGHESTMODSEQ $highest)"
expect_contains "SELECT (QRESYNC) is answered" "$result" "select OK"
expect_contains "the expunged UID is VANISHED (EARLIER), only it" "$result" "vanished [b'(EARLIER) 3']"
expect_contains "QRESYNC: the one changed message (UID 2)" "$result" "fetched [b'2 (UID 2 FLAGS (\\\\Flagged) MODSEQ"
expect_not_contains "QRESYNC: not the unchanged UID 1" "$result" "(UID 1 "
expect_not_contains "QRESYNC: not the unchanged UID 4" "$result" "(UID 4 "
expect_contains "FETCH CHANGEDSINCE: only UID 2" "$result" "changedsince [b'2 (UID 2 FLAGS"
finish
