"""Python's imaplib against `maillab serve`: SEARCHRES (RFC 5182) and CONTEXT=SEARCH (RFC 5267).

Run by serve_search_context.sh with IMAP_PORT set to a fresh server's port (demo mail: alice has 17 INBOX
messages).
"""
import imaplib
import os
import sys

IMAP_PORT = int(os.environ["IMAP_PORT"])
failures = 0
# imaplib does not know RFC 5267's command; it is allowed with a mailbox selected (section 5).
imaplib.Commands.setdefault("CANCELUPDATE", ("SELECTED",))


def check(name, condition, detail=""):
    global failures
    print(("ok: " if condition else "FAIL: ") + name + ("" if condition else " " + repr(detail)[:600]))
    if not condition:
        failures += 1


def imap():
    m = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=10)
    m.login("alice", "wonderland")
    m.select("INBOX")
    return m


m = imap()
check("SEARCHRES and CONTEXT=SEARCH advertised",
      "SEARCHRES" in m.capabilities and "CONTEXT=SEARCH" in m.capabilities, m.capabilities)

# RFC 5182 section 2.1: SAVE alone answers with the tagged OK only; "$" then names the messages.
typ, data = m.search(None, "RETURN", "(SAVE)", "2:4")
check("SEARCH RETURN (SAVE) answers OK and no SEARCH", typ == "OK" and data == [None], (typ, data))
typ, data = m.fetch("$", "(UID)")
check("FETCH $ fetches the saved three", typ == "OK" and len(data) == 3 and data[0].startswith(b"2 "), data)
typ, data = m.uid("SEARCH", "UID", "$")
check("UID SEARCH UID $ finds them by UID", typ == "OK" and len(data[0].split()) == 3, data)

# RFC 5267 section 4.4: the results at positions 2 to 3.
typ, _ = m.search(None, "RETURN", "(PARTIAL 2:3)", "ALL")
typ, data = m.response("ESEARCH")
check("RETURN (PARTIAL 2:3)", data and data[-1] is not None and b"PARTIAL (2:3 2:3)" in data[-1], data)

# RFC 5267 section 4.3: another connection flags a message; the next NOOP brings its FETCH and the ADDTO.
m.search(None, "RETURN", "(UPDATE)", "FLAGGED")
typ, data = m.response("ESEARCH")
tag = data[-1].split(b'"')[1].decode() if data and data[-1] else ""
check("RETURN (UPDATE) answers an ESEARCH with its tag", tag != "", data)
other = imap()
other.store("5", "+FLAGS", "(\\Flagged)")
m.noop()
typ, data = m.response("ESEARCH")
check("ADDTO after another connection's STORE", data and data[-1] is not None and b"ADDTO (0 5)" in data[-1], data)

typ, data = m._simple_command("CANCELUPDATE", '"' + tag + '"')
check("CANCELUPDATE", typ == "OK", (typ, data))
other.store("6", "+FLAGS", "(\\Flagged)")
m.noop()
typ, data = m.response("ESEARCH")
check("no news after CANCELUPDATE", data == [None], data)

other.logout()
m.logout()
sys.exit(1 if failures else 0)
