"""Python's imaplib against maillab's IMAP session, over stdin/stdout of `maillab console imap`."""
import email
import imaplib
import os
import shlex
import sys

failures = 0


def check(name, condition, detail=""):
    global failures
    print(("ok: " if condition else "FAIL: ") + name + ("" if condition else " " + str(detail)))
    if not condition:
        failures += 1


m = imaplib.IMAP4_stream(shlex.quote(os.environ["MAILLAB"]) + " console imap")
check("capabilities", "IDLE" in m.capabilities and "UIDPLUS" in m.capabilities, m.capabilities)
typ, _ = m.login("alice", "wonderland")
check("login", typ == "OK")
typ, folders = m.list()
names = [f.decode() for f in folders]
check("LIST shows Junk (special-use)", any('\\Junk' in n and n.endswith("Junk") for n in names), names)
typ, data = m.select("INBOX")
check("SELECT INBOX", typ == "OK" and data[0] == b"17", data)
typ, data = m.uid("SEARCH", None, "TEXT", "invoice")
check("UID SEARCH TEXT invoice", data == [b"13"], data)
typ, data = m.fetch("13", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
check("FETCH a header field", b"Invoice" in data[0][1], data)
typ, data = m.fetch("2", "(BODYSTRUCTURE)")
check("BODYSTRUCTURE names the PDF", b'"APPLICATION" "PDF"' in data[0], data)
typ, data = m.fetch("1", "(RFC822)")
msg = email.message_from_bytes(data[0][1])
check("RFC822 parses as the message", msg["Subject"] == "Welcome to Networks 101", msg["Subject"])
typ, data = m.fetch("1", "(FLAGS)")
check("reading set \\Seen", b"\\Seen" in data[0], data)
typ, data = m.append("Drafts", "(\\Draft)", None, b"Subject: from imaplib\r\n\r\nhello\r\n")
check("APPEND with a literal", typ == "OK" and b"APPENDUID" in data[0], data)
typ, data = m.store("3", "+FLAGS", "(\\Deleted)")
check("STORE +FLAGS", typ == "OK" and b"\\Deleted" in data[0], data)
typ, data = m.copy("4", "Archive")
check("COPY with COPYUID", typ == "OK" and b"COPYUID" in data[0], data)
typ, data = m.expunge()
check("EXPUNGE reports message 3", typ == "OK" and data == [b"3"], data)
typ, data = m.status("INBOX", "(MESSAGES UNSEEN)")
check("STATUS", typ == "OK" and b"MESSAGES 16" in data[0], data)
typ, data = m.logout()
check("LOGOUT", typ == "BYE", typ)
sys.exit(1 if failures else 0)
