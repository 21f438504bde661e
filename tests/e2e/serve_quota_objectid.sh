#!/usr/bin/env bash
# `maillab serve --accounts` with a quota (RFC 9208) and --maildir, to Python's imaplib: GETQUOTAROOT reports
# the limits of the accounts file, an APPEND past them gets NO [OVERQUOTA], LIST-EXTENDED and LIST-STATUS
# answer, and a MAILBOXID (RFC 8474) is the same after a rename and a restart.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
cat >"$tmp/accounts.json" <<'JSON'
[{"user": "carol", "password": "secret", "quota": {"storage": 1, "messages": 10}}]
JSON
start_serve "$tmp/serve.log" --no-tls --accounts "$tmp/accounts.json" --maildir "$tmp/maildir"

client() { # phase: first or again
    IMAP_PORT=$IMAP_PORT PHASE=$1 timeout 60 python3 - <<'PY'
import imaplib, os, re
m = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
m.login("carol", "secret")
if os.environ["PHASE"] == "first":
    typ, data = m.getquotaroot("INBOX")
    print("quotaroot", data)
    typ, data = m.append("INBOX", None, None, b"Subject: small\r\n\r\n" + b"x" * 400 + b"\r\n")
    print("append-small", typ)
    try:
        typ, data = m.append("INBOX", None, None, b"Subject: big\r\n\r\n" + b"x" * 800 + b"\r\n")
        print("append-big", typ, data)
    except imaplib.IMAP4.error as e:
        print("append-big refused", e)
    typ, data = m.create("Work")
    print("create", data)
    m.rename("Work", "Jobs")
    typ, data = m._simple_command("LIST", '""', "*", "RETURN", "(STATUS (MESSAGES))")
    print("list-status", m.untagged_responses.get("STATUS"))
typ, data = m.status("Jobs", "(MAILBOXID)")
print("status", data)
m.logout()
PY
}
first=$(client first)
echo "$first"
expect_contains "GETQUOTAROOT names the account's root" "$first" "\"\" (STORAGE 0 1 MESSAGE 0 10)"
expect_contains "an APPEND within the quota is stored" "$first" "append-small OK"
expect_contains "an APPEND past the quota is refused" "$first" "[OVERQUOTA]"
expect_contains "LIST RETURN (STATUS) answers STATUS" "$first" "INBOX (MESSAGES 1)"
id=$(sed -nE 's/^create .*MAILBOXID \(([A-Za-z0-9_-]+)\).*/\1/p' <<<"$first")
expect_contains "CREATE gives a MAILBOXID" "$id" "M"
expect_contains "RENAME keeps the MAILBOXID" "$first" "Jobs (MAILBOXID ($id))"
stop_serve
start_serve "$tmp/serve2.log" --no-tls --accounts "$tmp/accounts.json" --maildir "$tmp/maildir"
again=$(client again)
echo "$again"
expect_contains "the MAILBOXID survives a restart" "$again" "Jobs (MAILBOXID ($id))"
exit $((failures > 0))
