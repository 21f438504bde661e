"""Real clients against `maillab serve`: Python's poplib and imaplib, and curl's POP3 and IMAP.

Run by serve_clients.sh with POP3_PORT and IMAP_PORT set to a fresh server's ports (demo mail:
alice has 17 INBOX messages, bob 4).
"""
import email.utils
import imaplib
import os
import poplib
import re
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
POP3_PORT = int(os.environ["POP3_PORT"])
IMAP_PORT = int(os.environ["IMAP_PORT"])
TIMEOUT = 10
failures = 0


def check(name, condition, detail=""):
    global failures
    print(("ok: " if condition else "FAIL: ") + name + ("" if condition else " " + repr(detail)[:600]))
    if not condition:
        failures += 1


def pop3(user, password):
    p = poplib.POP3(HOST, POP3_PORT, timeout=TIMEOUT)
    p.user(user)
    p.pass_(password)
    return p


def imap(user="alice", password="wonderland"):
    m = imaplib.IMAP4(HOST, IMAP_PORT, timeout=TIMEOUT)
    m.login(user, password)
    return m


def curl(*args, data=None):
    """Runs curl; returns (exit status, stdout bytes, stderr text)."""
    r = subprocess.run(["curl", "-sS", "--max-time", "15", *args], input=data, capture_output=True, timeout=30)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def pop3_url(path=""):
    return f"pop3://alice:wonderland@{HOST}:{POP3_PORT}/{path}"


def imap_url(path=""):
    return f"imap://alice:wonderland@{HOST}:{IMAP_PORT}/{path}"


def stat(user, password):
    p = pop3(user, password)
    count, size = p.stat()
    p.quit()
    return count


# [SECTION] poplib: list, fetch, keep mode, UIDL stable across sessions

p = pop3("alice", "wonderland")
count, total = p.stat()
check("poplib STAT: alice has 17 messages", count == 17, (count, total))
resp, listing, _ = p.list()
sizes = {int(n): int(s) for n, s in (entry.split() for entry in listing)}
check("poplib LIST: 17 entries whose sizes add up to STAT", len(sizes) == 17 and sum(sizes.values()) == total, sizes)
resp, uidl_lines, _ = p.uidl()
uidl_first = [line.split()[1] for line in uidl_lines]
check("poplib UIDL: 17 distinct ids", len(set(uidl_first)) == 17, uidl_first)
pop_bodies = {}
sizes_ok = True
for n in range(1, 18):
    resp, lines, octets = p.retr(n)
    pop_bodies[n] = b"\r\n".join(lines) + b"\r\n"
    if octets != sizes[n] or len(pop_bodies[n]) != sizes[n]:
        sizes_ok = False
        print(f"   message {n}: LIST says {sizes[n]}, RETR gave {octets} octets, {len(pop_bodies[n])} bytes")
check("poplib RETR of all 17: each as long as LIST says (dot-stuffing undone)", sizes_ok)
check("poplib RETR 7 has the dot line intact", b"\r\n.\r\n" in pop_bodies[7] or b"\r\n." in pop_bodies[7],
      pop_bodies[7][:200])
resp, lines, _ = p.top(1, 0)
check("poplib TOP 1 0: headers only", any(l.startswith(b"Subject:") for l in lines) and len(lines) < 30, lines)
check("poplib QUIT without DELE", p.quit().startswith(b"+OK"))

p = pop3("alice", "wonderland")
check("keep mode: a second session's STAT still says 17", p.stat()[0] == 17)
resp, uidl_lines, _ = p.uidl()
check("UIDL ids are the same across sessions", [line.split()[1] for line in uidl_lines] == uidl_first)
check("UIDL of one message matches the listing", p.uidl(5).split()[2] == uidl_first[4], p.uidl(5))
p.quit()

# The maildrop lock: a second POP3 session of the same user is refused while one is open.
p = pop3("alice", "wonderland")
try:
    pop3("alice", "wonderland")
    check("a second concurrent POP3 login is refused ([IN-USE])", False)
except poplib.error_proto as e:
    check("a second concurrent POP3 login is refused ([IN-USE])", b"IN-USE" in e.args[0], e.args)
p.quit()

# [SECTION] imaplib

m = imap()
typ, folders = m.list()
names = sorted(f.decode().rsplit(' ', 1)[-1].strip('"') for f in folders)
check("imaplib LIST: INBOX and the five folders", names == ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"],
      names)
typ, data = m.select("INBOX")
check("imaplib SELECT INBOX: 17", typ == "OK" and data == [b"17"], data)
typ, data = m.fetch("1:*", "(FLAGS ENVELOPE RFC822.SIZE)")
check("imaplib FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE): 17 replies",
      typ == "OK" and len([d for d in data if isinstance(d, bytes) and b"RFC822.SIZE" in d]) == 17, data[:2])
typ, data = m.uid("SEARCH", None, "TEXT", "invoice")
check("imaplib UID SEARCH TEXT invoice finds UID 13", data == [b"13"], data)
# SORT (DATE) against Python's own reading of the Date fields (RFC 5256 section 2.2: UTC, ties by number).
typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (DATE)])")
dates = {}
for item in data:
    if isinstance(item, tuple):
        number = int(item[0].split()[0])
        dates[number] = email.utils.parsedate_to_datetime(item[1].decode().split(":", 1)[1].strip()).timestamp()
typ, data = m.sort("(DATE)", "UTF-8", "ALL")
check("imaplib SORT (DATE) orders by the sent date in UTC",
      typ == "OK" and [int(n) for n in data[0].split()] == sorted(dates, key=lambda n: (dates[n], n)), data)
typ, data = m.thread("REFERENCES", "UTF-8", "ALL")
threaded = sorted(int(n) for n in re.findall(rb"\d+", data[0]))
check("imaplib THREAD REFERENCES names each of the 17 once", typ == "OK" and threaded == list(range(1, 18)), data)
same = True
for n in range(1, 18):
    typ, data = m.fetch(str(n), "(BODY.PEEK[])")
    if data[0][1] != pop_bodies[n]:
        same = False
        print(f"   message {n} differs between IMAP and POP3")
check("imaplib FETCH BODY.PEEK[] of all 17 equals poplib's RETR, byte for byte", same)
typ, data = m.uid("FETCH", "1", "(BODY.PEEK[])")
imap_uid1 = data[0][1]
typ, data = m.fetch("1", "(FLAGS)")
check("BODY.PEEK[] leaves \\Seen unset", b"\\Seen" not in data[0], data)
m.logout()

# [SECTION] curl, IMAP (before the POP3 DELE, which removes UID 1)

rc, out, err = curl(imap_url("INBOX;UID=1"))
check("curl imap INBOX;UID=1 fetches message UID 1", rc == 0 and out == imap_uid1, (rc, err, out[:200]))
rc, out, err = curl(imap_url(""))
check("curl imap / lists the folders", rc == 0 and out.count(b"* LIST") == 6 and b"Junk" in out, (rc, err, out))
rc, out, err = curl(imap_url("INBOX"), "-X", "SEARCH TEXT invoice")
check("curl imap -X 'SEARCH TEXT invoice'", rc == 0 and out.strip() == b"* SEARCH 13", (rc, err, out))
rc, out, err = curl(imap_url("INBOX"), "-X", "UID SEARCH FROM rivera")
check("curl imap -X 'UID SEARCH FROM rivera' finds several", rc == 0 and len(out.split()) > 3, (rc, err, out))

upload = (b"From: curl <curl@example.com>\r\nTo: alice@maillab.example\r\nSubject: uploaded by curl\r\n"
          b"Message-ID: <curl-upload@example.com>\r\n\r\nA message that curl appends and then deletes: zebrafish.\r\n")
with tempfile.NamedTemporaryFile(suffix=".eml") as f:
    f.write(upload)
    f.flush()
    rc, out, err = curl("-T", f.name, imap_url("INBOX"))
check("curl -T appends a message to INBOX", rc == 0, (rc, err, out))
rc, out, err = curl(imap_url("INBOX"), "-X", "UID SEARCH TEXT zebrafish")
found = out.split()[2:]
check("curl: the appended message is found", rc == 0 and len(found) == 1, (rc, err, out))
uid = found[0].decode() if found else "0"
rc, out, err = curl(imap_url("INBOX"), "-X", f"UID STORE {uid} +FLAGS (\\Deleted)")
check("curl -X 'UID STORE +FLAGS (\\Deleted)'", rc == 0 and b"\\Deleted" in out, (rc, err, out))
rc, out, err = curl(imap_url("INBOX"), "-X", "EXPUNGE")
check("curl -X EXPUNGE reports one EXPUNGE", rc == 0 and out.strip() == b"* 18 EXPUNGE", (rc, err, out))
rc, out, err = curl(imap_url("INBOX"), "-X", "UID SEARCH TEXT zebrafish")
check("curl: the deleted message is gone", rc == 0 and out.strip() == b"* SEARCH", (rc, err, out))
m = imap()
typ, data = m.select("INBOX")
check("imaplib: INBOX is back to 17 after curl's delete", data == [b"17"], data)
m.logout()

# [SECTION] curl, POP3

rc, out, err = curl(pop3_url())
lines = out.decode().split("\r\n")
check("curl pop3 / lists 17 messages", rc == 0 and len([l for l in lines if l]) == 17 and lines[0] == f"1 {sizes[1]}",
      (rc, err, out[:200]))
rc, out, err = curl(pop3_url("1"))
check("curl pop3 /1 retrieves message 1 as poplib saw it", rc == 0 and out == pop_bodies[1], (rc, err, out[:200]))
rc, out, err = curl(pop3_url("7"))
check("curl pop3 /7 (a line with a single dot) undoes the dot-stuffing", rc == 0 and out == pop_bodies[7],
      (rc, err, out[:200]))
# Without -I curl waits for a multi-line answer to DELE that never comes, gives up and hangs up without
# QUIT: so nothing is deleted (RFC 1939 section 6), and the maildrop lock is free again.
rc, out, err = curl(pop3_url(), "--max-time", "2", "-X", "DELE 1")
check("curl pop3 -X 'DELE 1' without -I times out (curl waits for a multi-line reply)", rc == 28, (rc, err, out))
check("a dropped session deletes nothing: still 17", stat("alice", "wonderland") == 17)
# DELE has a one-line answer: -I tells curl not to wait for a multi-line one (curl's CURLOPT_NOBODY).
rc, out, err = curl(pop3_url(), "-I", "-X", "DELE 1")
check("curl pop3 -I -X 'DELE 1'", rc == 0, (rc, err, out))
p = pop3("alice", "wonderland")
resp, uidl_lines, _ = p.uidl()
after = [line.split()[1] for line in uidl_lines]
check("after curl's DELE 1 and QUIT: 16 left, the first UIDL gone, the rest unchanged", after == uidl_first[1:], after)
resp, lines, _ = p.retr(1)
check("the new message 1 is the old message 2", b"\r\n".join(lines) + b"\r\n" == pop_bodies[2])
p.quit()

# [SECTION] delete mode with poplib (bob): RETR + DELE everything, QUIT, and the server keeps nothing

p = pop3("bob", "builder")
n = p.stat()[0]
check("bob has 4 messages", n == 4, n)
for i in range(1, n + 1):
    p.retr(i)
    p.dele(i)
check("STAT inside the session counts the marked ones as gone", p.stat()[0] == 0)
resp = p.quit()
check("QUIT reports 4 deleted", b"4 deleted" in resp, resp)
check("delete mode: a second session's STAT says 0", stat("bob", "builder") == 0)

# [SECTION] IMAP IDLE seen by a real client

watcher = imap()
typ, data = watcher.select("INBOX")
before = int(data[0])
tag = watcher._new_tag().decode()
watcher.send(f"{tag} IDLE\r\n".encode())
first = watcher.readline()
check("IDLE: the server answers + idling", first.startswith(b"+"), first)
writer = imap()
start = time.monotonic()
typ, data = writer.append("INBOX", None, None, b"Subject: while you were idling\r\n\r\nnew mail\r\n")
check("another connection APPENDs", typ == "OK", data)
watcher.sock.settimeout(5)
seen = b""
try:
    while b"EXISTS" not in seen:
        seen += watcher.readline()
except OSError as e:
    seen += repr(e).encode()
elapsed = time.monotonic() - start
check(f"IDLE: the idling client reads * {before + 1} EXISTS within 5 s ({elapsed:.2f} s)",
      f"* {before + 1} EXISTS".encode() in seen, seen)
# An expunge by the other connection shows too.
writer.select("INBOX")
writer.store(str(before + 1), "+FLAGS", "(\\Deleted)")
writer.expunge()
seen = b""
try:
    while b"EXPUNGE" not in seen:
        seen += watcher.readline()
except OSError as e:
    seen += repr(e).encode()
check(f"IDLE: the idling client reads * {before + 1} EXPUNGE", f"* {before + 1} EXPUNGE".encode() in seen, seen)
watcher.send(b"DONE\r\n")
seen = b""
try:
    while not seen.startswith(tag.encode()):
        seen = watcher.readline()
except OSError as e:
    seen = repr(e).encode()
check("DONE ends IDLE with the tagged OK", re.match(rb"\S+ OK", seen) is not None, seen)
watcher.sock.settimeout(TIMEOUT)
typ, data = watcher.noop()
check("the connection goes on after IDLE", typ == "OK", data)
watcher.logout()
writer.logout()

print(f"{failures} check(s) failed" if failures else "all python checks passed")
sys.exit(1 if failures else 0)
