"""Python's imaplib against `maillab serve --imap4rev2`: UTF8=ACCEPT (RFC 6855) and IMAP4rev2 (RFC 9051).

Run by serve_rev2.sh with IMAP_PORT set to a fresh server's port (demo mail: alice has 17 INBOX messages).
"""
import imaplib
import os
import sys

IMAP_PORT = int(os.environ["IMAP_PORT"])
failures = 0


def check(name, condition, detail=""):
    global failures
    print(("ok: " if condition else "FAIL: ") + name + ("" if condition else " " + repr(detail)[:600]))
    if not condition:
        failures += 1


def connect():
    m = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=10)
    m.login("alice", "wonderland")
    return m


# A client that enables nothing gets IMAP4rev1 (RFC 9051 appendix A), both revisions advertised.
rev1 = connect()
check("both revisions advertised", "IMAP4REV1" in rev1.capabilities and "IMAP4REV2" in rev1.capabilities,
      rev1.capabilities)
typ, _ = rev1.select("INBOX")
check("IMAP4rev1 SELECT says RECENT", typ == "OK" and "RECENT" in rev1.untagged_responses, rev1.untagged_responses)
typ, data = rev1.search(None, "ALL")
check("IMAP4rev1 SEARCH answers * SEARCH", typ == "OK" and len(data[0].split()) == 17, data)

# UTF8=ACCEPT: imaplib switches to UTF-8 and sends the name as UTF-8 in a quoted string (RFC 6855 section 3).
utf8 = connect()
typ, data = utf8.enable("UTF8=ACCEPT")
check("ENABLE UTF8=ACCEPT", typ == "OK" and utf8.utf8_enabled, data)
typ, data = utf8.create('"Caf\u00e9"')
check("CREATE a UTF-8 name", typ == "OK", data)
typ, data = utf8.list('""', '"Caf*"')
check("LIST shows it in UTF-8", typ == "OK" and data == ['(\\HasNoChildren) "/" "Caf\u00e9"'.encode()], data)
# The IMAP4rev1 connection sees the same folder in modified UTF-7 (RFC 3501 section 5.1.3).
typ, data = rev1.list('""', '"Caf*"')
check("LIST shows it in modified UTF-7 to IMAP4rev1", data == [b'(\\HasNoChildren) "/" Caf&AOk-'], data)

# IMAP4rev2: SELECT without RECENT but with a LIST line, and SEARCH answered by ESEARCH (RFC 9051 6.3.2, 6.4.4).
rev2 = connect()
typ, data = rev2._simple_command("ENABLE", "IMAP4rev2")
check("ENABLE IMAP4rev2", typ == "OK" and rev2.untagged_responses.pop("ENABLED", [None]) == [b"IMAP4rev2"], data)
typ, data = rev2.select("INBOX")
check("IMAP4rev2 SELECT", typ == "OK" and data == [b"17"], data)
check("no RECENT, a LIST line", "RECENT" not in rev2.untagged_responses and
      rev2.untagged_responses.get("LIST") == [b'(\\HasNoChildren) "/" INBOX'], rev2.untagged_responses)
tag = rev2._new_tag()
rev2.send(tag + b" UID SEARCH ALL\r\n")
typ, data = rev2._command_complete("SEARCH", tag)
esearch = rev2.untagged_responses.pop("ESEARCH", [None])[0]
check("IMAP4rev2 UID SEARCH answers ESEARCH", typ == "OK" and esearch == b'(TAG "' + tag + b'") UID ALL 1:17',
      esearch)
check("and no * SEARCH", "SEARCH" not in rev2.untagged_responses, rev2.untagged_responses)
try:
    rev2._simple_command("CHECK")
    check("CHECK is gone in IMAP4rev2", False, "CHECK was accepted")
except imaplib.IMAP4.error as refused:  # imaplib raises on BAD
    check("CHECK is gone in IMAP4rev2", "CHECK was removed in IMAP4rev2" in str(refused), str(refused))

for m in (rev1, utf8, rev2):
    m.logout()
sys.exit(1 if failures else 0)
