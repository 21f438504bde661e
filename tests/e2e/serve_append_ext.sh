#!/usr/bin/env bash
# `maillab serve --maildir` with Python's imaplib as the client (issue 15): a MULTIAPPEND of three messages
# is on disk as a whole when the OK comes (RFC 3502; a restart reads all three back), CATENATE builds one
# from a stored message's header and new text (RFC 4469), APPEND with a literal8 carries NUL and FETCH
# BINARY gives the bytes back as a literal8 imaplib reads (RFC 3516).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
maildir="$tmp/maildir"
start_serve "$tmp/serve.log" --no-tls --maildir "$maildir"

result=$(IMAP_PORT=$IMAP_PORT timeout 60 python3 - <<'PY'
import imaplib, os
m = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
m.login("bob", "builder")
caps = m.capabilities
print("caps", all(c in caps for c in ("BINARY", "MULTIAPPEND", "CATENATE")),
      [c for c in caps if c.startswith("APPENDLIMIT=")])
m.create("Ext")

def raw(tag, command):
    """Sends a whole command (LITERAL+ literals inline) and returns its tagged line."""
    m.send(tag + b" " + command + b"\r\n")
    while True:
        line = m.readline()
        if line.startswith(tag + b" "):
            return line.strip().decode(errors="replace")

def lit(data, binary=False):
    return (b"~" if binary else b"") + b"{%d+}\r\n" % len(data) + data

msgs = [b"From: bob@example.org\r\nSubject: part %d\r\n\r\nbody %d\r\n" % (i, i) for i in (1, 2, 3)]
print("multi", raw(b"x1", b"APPEND Ext " + lit(msgs[0]) + b" (\\Seen) " + lit(msgs[1]) + b" " + lit(msgs[2])))
print("catenate", raw(b"x2", b'APPEND Ext CATENATE (URL "/Ext/;UID=2/;SECTION=HEADER" TEXT ' +
                      lit(b"rewritten\r\n") + b")"))
binary = b"\x00\x01\xff\r\n\x00"
message = (b"From: bob@example.org\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Transfer-Encoding: binary\r\n\r\n" + binary)
print("binary", raw(b"x3", b"APPEND Ext " + lit(message, True)))
print("nul-in-literal", raw(b"x4", b"APPEND Ext " + lit(message)))
m.select("Ext")
typ, data = m.uid("FETCH", "5", "(BINARY.SIZE[1] BINARY.PEEK[1])")
print("binary-back", data[0][1] == binary, b"BINARY.SIZE[1] 6" in data[0][0])
typ, data = m.uid("FETCH", "4", "(BODY.PEEK[])")
print("catenated", data[0][1] == b"From: bob@example.org\r\nSubject: part 2\r\n\r\nrewritten\r\n")
m.logout()
PY
)
echo "$result"
expect_contains "BINARY, MULTIAPPEND, CATENATE and APPENDLIMIT are offered" "$result" "caps True ['APPENDLIMIT="
expect_contains "three messages in one APPEND, their UIDs in APPENDUID" "$result" "multi x1 OK [APPENDUID"
expect_contains "the UID set names all three" "$result" " 1:3] APPEND completed"
expect_contains "CATENATE of a URL and text" "$result" "catenate x2 OK [APPENDUID"
expect_contains "a literal8 with NUL is appended" "$result" "binary x3 OK [APPENDUID"
expect_contains "a NUL in an ordinary literal is refused" "$result" "nul-in-literal x4 BAD"
expect_contains "BINARY gives the NUL bytes back, literal8 read by imaplib" "$result" "binary-back True True"
expect_contains "the catenated message is header and new text" "$result" "catenated True"
stop_serve

start_serve "$tmp/serve2.log" --no-tls --maildir "$maildir"
again=$(IMAP_PORT=$IMAP_PORT timeout 20 python3 -c '
import imaplib, os
m = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
m.login("bob", "builder")
typ, data = m.select("Ext")
print("count", int(data[0]))
typ, data = m.fetch("1:3", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
print("subjects", b"".join(d[1] for d in data if isinstance(d, tuple)).decode().split())
m.logout()')
echo "$again"
expect_contains "after a restart the Maildir holds all five" "$again" "count 5"
expect_contains "the MULTIAPPEND's three in order" "$again" "'part', '1', 'Subject:', 'part', '2', 'Subject:', 'part', '3'"
finish
