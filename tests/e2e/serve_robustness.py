"""Hostile and careless clients against `maillab serve`; run by serve_robustness.sh, one case per call:

    python3 serve_robustness.py CASE

with POP3_PORT, IMAP_PORT and SERVE_PID in the environment (and STATE, a file for the Maildir cases).
Every case ends by checking that the server still serves a fresh poplib and imaplib client and that the
demo store is intact (alice 17 INBOX messages, bob 4), unless the case says otherwise.
"""
import hashlib
import imaplib
import json
import os
import poplib
import random
import select
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
POP3_PORT = int(os.environ["POP3_PORT"])
IMAP_PORT = int(os.environ["IMAP_PORT"])
SERVE_PID = int(os.environ["SERVE_PID"])
TIMEOUT = 10
failures = 0


def check(name, condition, detail=""):
    global failures
    print(("ok: " if condition else "FAIL: ") + name + ("" if condition else " " + repr(detail)[:600]))
    if not condition:
        failures += 1
    return condition


def rss_kib(pid=SERVE_PID, field="VmRSS"):
    """The server's resident memory now (VmRSS) or at its peak so far (VmHWM), in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def peak_kib():
    return rss_kib(field="VmHWM")


def sanitized(pid=SERVE_PID):
    """AddressSanitizer keeps freed memory in quarantine, so peak-memory bounds mean nothing under it."""
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


def within(growth_kib, limit_kib):
    """A memory bound, checked only where it means something (not under AddressSanitizer)."""
    return sanitized() or growth_kib < limit_kib


def alive(pid=SERVE_PID):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def connect(port):
    s = socket.create_connection((HOST, port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until(s, needle, limit_s=TIMEOUT, max_bytes=64 << 20):
    """Reads until needle (bytes) appears, the peer closes, or limit_s passes; returns what came."""
    data = b""
    deadline = time.monotonic() + limit_s
    while needle not in data and len(data) < max_bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            chunk = s.recv(1 << 16)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


def closed_within(s, limit_s):
    """True if the server closes the connection within limit_s (what arrives before is read and dropped)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not s.recv(1 << 16):
                return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
    return False


def drain(s, quiet_s=0.3, limit_s=5):
    """Reads whatever comes until the connection has been quiet for quiet_s (or closed)."""
    data = b""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], quiet_s)
        if not r:
            break
        try:
            chunk = s.recv(1 << 16)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        data += chunk
    return data


def blast(s, payload, limit_s=20):
    """Sends payload while reading the replies, so neither side's buffers fill; returns the replies.
    Stops early (without error) if the server hangs up."""
    s.setblocking(False)
    got = b""
    sent = 0
    deadline = time.monotonic() + limit_s
    try:
        while sent < len(payload) and time.monotonic() < deadline:
            r, w, _ = select.select([s], [s], [], 1)
            if r:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                got += chunk
            if w:
                sent += s.send(payload[sent:sent + (1 << 16)])
    except (ConnectionResetError, BrokenPipeError):
        pass
    s.setblocking(True)
    return got, sent


def pop3_login(user="alice", password="wonderland"):
    p = poplib.POP3(HOST, POP3_PORT, timeout=TIMEOUT)
    p.user(user)
    p.pass_(password)
    return p


def imap_login(user="alice", password="wonderland"):
    m = imaplib.IMAP4(HOST, IMAP_PORT, timeout=TIMEOUT)
    m.login(user, password)
    return m


def pop3_count(user, password):
    p = pop3_login(user, password)
    n = p.stat()[0]
    p.quit()
    return n


def healthy(case, alice=17, bob=4):
    """The server still serves fresh clients, and the store holds what it should."""
    check(f"{case}: the server process is alive", alive())
    try:
        start = time.monotonic()
        a = pop3_count("alice", "wonderland")
        b = pop3_count("bob", "builder")
        m = imap_login()
        typ, data = m.select("INBOX")
        typ2, data2 = m.fetch("1", "(RFC822.SIZE)")
        m.logout()
        elapsed = time.monotonic() - start
        check(f"{case}: fresh poplib and imaplib sessions are served ({elapsed:.2f} s); alice {a}, bob {b}",
              a == alice and b == bob and data == [str(alice).encode()] and typ2 == "OK", (a, b, data, data2))
    except Exception as e:  # noqa: BLE001 - any failure to be served is the finding
        check(f"{case}: fresh poplib and imaplib sessions are served", False, e)


# [SECTION] cases


def case_garbage():
    rng = random.Random(1939)
    tokens = [b"{", b"}", b"{4294967296}", b"{99999999999999999999999}", b"{5+}", b"{0}", b"\r\n", b"\n", b"\r",
              b"\x00", b"(", b")", b"[", b"]", b"\"", b"\\", b"*", b"%", b" ", b"BODY[", b"UID ", b"a1 ",
              b"FETCH 1:* ", b"SEARCH ", b"AUTHENTICATE PLAIN\r\n", b"AUTH PLAIN\r\n", b"USER ", b"APOP ", b"TOP ",
              b"1:4294967295", b"\xff\xfe", b"=?utf-8?b?", b"IDLE\r\n", b"DONE\r\n"]
    served = 0
    for port, name in ((POP3_PORT, "POP3"), (IMAP_PORT, "IMAP")):
        for round_ in range(12):
            s = connect(port)
            greeting = read_until(s, b"\r\n", 5)
            if round_ % 3 == 2:  # some rounds log in first, so garbage meets the logged-in states too
                if port == POP3_PORT:
                    s.sendall(b"USER bob\r\nPASS builder\r\n")
                    read_until(s, b"maildrop", 5)
                else:
                    s.sendall(b"g1 LOGIN alice wonderland\r\ng2 SELECT INBOX\r\n")
                    read_until(s, b"g2 OK", 5)
            parts = []
            size = 0
            while size < 96 * 1024:
                piece = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64))) if rng.random() < 0.6 \
                    else rng.choice(tokens)
                parts.append(piece)
                size += len(piece)
            replies, sent = blast(s, b"".join(parts))
            s.close()
            if greeting:
                served += 1
        check(f"garbage: 12 {name} connections sent ~96 KiB of random bytes and tokens each", True)
    check("garbage: every connection got a greeting", served == 24, served)
    healthy("garbage")


def case_long_line():
    line = b"x" * (1 << 20)
    s = connect(POP3_PORT)
    read_until(s, b"\r\n")
    replies, _ = blast(s, b"USER " + line + b"\r\nCAPA\r\n")
    replies += read_until(s, b"\r\n.\r\n", 5) if b"\r\n.\r\n" not in replies else b""
    errs = replies.count(b"-ERR")
    check("POP3 1 MiB line: one -ERR, then CAPA is answered", errs == 1 and b"+OK capability" in replies,
          (errs, replies[:300]))
    s.sendall(b"USER bob\r\nPASS builder\r\nSTAT\r\nQUIT\r\n")
    rest = read_until(s, b"signing off")
    check("POP3: the same connection logs in after the long line", b"+OK 4 " in rest, rest)
    s.close()

    s = connect(IMAP_PORT)
    read_until(s, b"\r\n")
    replies, _ = blast(s, b"a1 " + line + b"\r\na2 NOOP\r\n")
    replies += read_until(s, b"a2 OK", 5) if b"a2 OK" not in replies else b""
    check("IMAP 1 MiB line: * BAD once, then a2 NOOP is answered",
          replies.count(b"BAD") == 1 and b"* BAD" in replies and b"a2 OK" in replies, replies[:300])
    s.sendall(b"a3 LOGIN bob builder\r\na4 SELECT INBOX\r\na5 LOGOUT\r\n")
    rest = read_until(s, b"a5 OK")
    check("IMAP: the same connection logs in after the long line", b"* 4 EXISTS" in rest, rest)
    s.close()
    healthy("long line")


def case_toobig():
    before = peak_kib()
    s = connect(IMAP_PORT)
    read_until(s, b"\r\n")
    s.sendall(b"a1 LOGIN alice wonderland\r\n")
    read_until(s, b"a1 OK")
    s.sendall(b"a2 APPEND INBOX {2147483648}\r\n")
    reply = read_until(s, b"\r\n", 5)
    check("APPEND {2147483648}: a2 NO [TOOBIG], no continuation", reply.startswith(b"a2 NO [TOOBIG]"), reply)
    s.sendall(b"a3 NOOP\r\n")
    reply = read_until(s, b"a3 OK", 5)
    after_no = peak_kib()
    check(f"nothing was buffered for it: the server's peak RSS grew by {after_no - before} KiB (< 4 MiB)",
          b"a3 OK" in reply and within(after_no - before, 4096), (before, after_no, reply))
    # A client that sends its literal anyway: the bytes are one endless line, answered once and dropped.
    chunk = b"y" * (1 << 20)
    got = b""
    for _ in range(256):
        more, _ = blast(s, chunk)
        got += more
    after_flood = peak_kib()
    s.sendall(b"\r\na4 NOOP\r\n")
    got += read_until(s, b"a4 OK", 10)
    check("256 MiB sent anyway: answered * BAD once, the session goes on",
          got.count(b"* BAD") == 1 and b"a4 OK" in got, got[:300])
    # The bound: the server's transcript keeps only the newest wire bytes (cli_net.cpp), the rest is
    # dropped as it comes; 256 MiB must not all stay.
    if sanitized():
        check("256 MiB flood: peak memory not measured under AddressSanitizer (its quarantine keeps freed memory)", True)
    else:
        check(f"256 MiB flood: the server's peak RSS grew by {(after_flood - before) >> 10} MiB (< 96 MiB)",
              after_flood - before < 96 << 10, (before, after_flood))
    s.sendall(b"a5 SELECT INBOX\r\n")
    reply = read_until(s, b"a5 OK")
    check("no message was added", b"* 17 EXISTS" in reply, reply)
    s.close()
    # LITERAL+ cannot be refused (the bytes are on their way): the server must hang up.
    s = connect(IMAP_PORT)
    read_until(s, b"\r\n")
    s.sendall(b"b1 LOGIN alice wonderland\r\nb2 APPEND INBOX {2147483648+}\r\n")
    reply = read_until(s, b"BYE", 5)
    reply += drain(s)
    closed = False
    try:
        s.sendall(b"x" * 65536)
        time.sleep(0.2)
        s.sendall(b"x" * 65536)
        closed = s.recv(1) == b""
    except OSError:
        closed = True
    check("APPEND {2147483648+}: * BYE and the server hangs up", b"* BYE" in reply and closed, reply)
    s.close()
    print(f"   server peak RSS: {before} KiB before, {after_no} KiB after the NO, {after_flood} KiB after the flood;"
          f" now {rss_kib()} KiB")
    healthy("2 GB literal")


def case_pipelined_retr():
    # One small request that asks for far more than the output limit: 200 RETRs of an 8 MiB message in 1.6 KB.
    big = big_message(8 << 20, "pipelined-retr-marker")
    m = imap_login("bob", "builder")
    typ, data = m.append("INBOX", None, None, big)
    m.logout()
    before = peak_kib()
    s = connect(POP3_PORT)
    s.sendall(b"USER bob\r\nPASS builder\r\n" + b"RETR 5\r\n" * 200)
    part = read_until(s, b"never", 3, max_bytes=4 << 20)
    during = peak_kib()
    s.close()
    print(f"   server peak RSS: {before} KiB before, {during} KiB while the client read 4 MiB")
    check(f"200 pipelined RETRs of 8 MiB: answered as the client reads (peak RSS grew by {(during - before) >> 10}"
          f" MiB, < 160 MiB; all at once would be 1.6 GiB)", len(part) >= 4 << 20 and within(during - before, 160 << 10),
          (len(part), before, during))
    # And IMAP: 200 pipelined FETCHes of the same message.
    before = peak_kib()
    s = connect(IMAP_PORT)
    s.sendall(b"f1 LOGIN bob builder\r\nf2 SELECT INBOX\r\n" + b"f3 FETCH 5 BODY.PEEK[]\r\n" * 200)
    part = read_until(s, b"never", 3, max_bytes=4 << 20)
    during = peak_kib()
    s.close()
    check(f"200 pipelined IMAP FETCHes of 8 MiB: peak RSS grew by {(during - before) >> 10} MiB (< 160 MiB)",
          len(part) >= 4 << 20 and within(during - before, 160 << 10), (len(part), before, during))
    m = imap_login("bob", "builder")
    m.select("INBOX")
    m.store("5", "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.logout()
    healthy("pipelined RETR")


def case_pipelined_guesses():
    # Run against a server started with --login-delay-ms 1000: the third failure is answered 1 s late, the
    # fourth 2 s, the fifth 4 s, ...
    # Failed logins count per account and per client address across connections and protocols (F8):
    # guesses sent all at once wait as guesses sent one by one do, and a new connection starts no new count.
    s = connect(POP3_PORT)
    read_until(s, b"\r\n")
    start = time.monotonic()
    s.sendall(b"".join(b"USER alice\r\nPASS guess%d\r\n" % i for i in range(4)) +
              b"USER alice\r\nPASS wonderland\r\nQUIT\r\n")
    reply = read_until(s, b"signing off", 15)
    elapsed = time.monotonic() - start
    check(f"POP3: 4 pipelined wrong passwords, then the right one: answered after {elapsed:.1f} s (>= 2.9 s)",
          b"signing off" in reply and elapsed >= 2.9, (elapsed, reply[-200:]))
    s.close()
    s = connect(IMAP_PORT)
    read_until(s, b"\r\n")
    start = time.monotonic()
    s.sendall(b"g LOGIN alice guess\r\nok LOGIN alice wonderland\r\nbye LOGOUT\r\n")
    reply = read_until(s, b"bye OK", 15)
    elapsed = time.monotonic() - start
    check(f"IMAP on a new connection: the fifth failure waits 4 s ({elapsed:.1f} s), then the right password",
          b"ok OK" in reply and elapsed >= 3.9, (elapsed, reply[-200:]))
    s.close()
    healthy("pipelined guesses")


def case_silent():
    silent = [connect(POP3_PORT), connect(IMAP_PORT), connect(POP3_PORT), connect(IMAP_PORT)]
    # One says half a command and stops; one has a literal half-sent.
    silent[2].sendall(b"USER bo")
    read_until(silent[3], b"\r\n")
    silent[3].sendall(b"s1 LOGIN {5}\r\n")
    read_until(silent[3], b"\r\n")
    silent[3].sendall(b"al")
    # And one asks for ~13 MB of replies and never reads them.
    reader = connect(POP3_PORT)
    reader.sendall(b"CAPA\r\n" * 100000)
    start = time.monotonic()
    healthy("silent clients")
    check(f"others were served promptly while five clients stalled ({time.monotonic() - start:.2f} s)",
          time.monotonic() - start < 5)
    silent[0].sendall(b"CAPA\r\n")
    check("the POP3 client that said nothing is still served when it speaks",
          b"+OK capability" in read_until(silent[0], b"+OK capability", 5))
    silent[1].sendall(b"s0 NOOP\r\n")
    check("the IMAP client that said nothing is still served when it speaks",
          b"s0 OK" in read_until(silent[1], b"s0 OK", 5))
    silent[3].sendall(b"ice wonderland\r\ns2 LOGOUT\r\n")
    check("the half-sent literal completes later", b"s1 OK" in read_until(silent[3], b"s2 OK", 5))
    for s in silent:
        s.close()
    reader.close()
    healthy("after the silent clients left")


def case_silent_pop3_lock():
    # Separate from case_silent: a stalled POP3 client that logged in holds the maildrop lock (as RFC 1939
    # wants), but only for its own user; others log in.
    stalled = connect(POP3_PORT)
    stalled.sendall(b"USER alice\r\nPASS wonderland\r\n" + b"RETR 2\r\n" * 2000)
    time.sleep(0.3)
    try:
        pop3_login("alice", "wonderland")
        check("while a stalled client holds alice's maildrop, a second login is refused", False)
    except poplib.error_proto as e:
        check("while a stalled client holds alice's maildrop, a second login is refused [IN-USE]",
              b"IN-USE" in e.args[0], e.args)
    check("bob is served meanwhile", pop3_count("bob", "builder") == 4)
    stalled.close()
    time.sleep(0.2)
    healthy("stalled POP3 client")


def big_message(size, marker):
    head = (f"From: robustness <r@example.com>\r\nTo: bob@maillab.example\r\nSubject: {marker}\r\n"
            f"Message-ID: <{marker}@example.com>\r\n\r\n").encode()
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,;:-_+*/()[]{}<>!?=%&$#@~^|\r\n"
    body = line * ((size - len(head)) // len(line) + 1)
    return head + body[:size - len(head) - 2] + b"\r\n"


def case_drop_mid_retr():
    big = big_message(8 << 20, "big-retr-marker")
    m = imap_login("bob", "builder")
    typ, data = m.append("INBOX", None, None, big)
    check("an 8 MiB message APPENDed to bob's INBOX", typ == "OK", data)
    m.logout()
    before = peak_kib()
    for attempt in range(3):
        s = connect(POP3_PORT)
        read_until(s, b"\r\n")
        s.sendall(b"USER bob\r\nPASS builder\r\nRETR 5\r\n")
        part = read_until(s, b"never", 2, max_bytes=300_000)
        check(f"drop mid-RETR #{attempt + 1}: read {len(part)} bytes of the 8 MiB reply, then hang up",
              b"+OK bob's maildrop" in part and 0 < len(part) < len(big))
        s.close()
    # Pipelined: 40 RETRs of the big message (320 MiB of replies) and then gone after 1 MiB.
    s = connect(POP3_PORT)
    s.sendall(b"USER bob\r\nPASS builder\r\n" + b"RETR 5\r\n" * 40)
    part = read_until(s, b"never", 3, max_bytes=1 << 20)
    s.close()
    time.sleep(0.3)
    after = peak_kib()
    print(f"   server peak RSS: {before} KiB before, {after} KiB after")
    check(f"40 pipelined RETRs of 8 MiB were not all queued (peak RSS grew by {(after - before) >> 10} MiB, < 160 MiB)",
          within(after - before, 160 << 10), (before, after))
    # A client that sends its commands and then shuts down its sending side (as `nc -N` does) still gets
    # every byte of the answers before the server closes.
    s = connect(POP3_PORT)
    s.sendall(b"USER bob\r\nPASS builder\r\nRETR 5\r\n")
    time.sleep(0.2)
    s.shutdown(socket.SHUT_WR)
    got = read_until(s, b"never", 10, max_bytes=64 << 20)
    s.close()
    check(f"POP3 half-close after RETR: the whole 8 MiB reply arrives ({len(got)} bytes), then the server closes",
          got.endswith(b"\r\n.\r\n") and len(got) > len(big), len(got))
    s = connect(IMAP_PORT)
    s.sendall(b"h1 LOGIN bob builder\r\nh2 EXAMINE INBOX\r\nh3 FETCH 5 BODY.PEEK[]\r\n")
    time.sleep(0.2)
    s.shutdown(socket.SHUT_WR)
    got = read_until(s, b"never", 10, max_bytes=64 << 20)
    s.close()
    check(f"IMAP half-close after FETCH: the whole reply arrives ({len(got)} bytes)",
          b"h3 OK" in got and big in got, len(got))
    p = pop3_login("bob", "builder")
    resp, lines, octets = p.retr(5)
    check("the next session (lock released) RETRs the big message intact",
          b"\r\n".join(lines) + b"\r\n" == big, (octets, len(big)))
    p.quit()
    m = imap_login("bob", "builder")
    m.select("INBOX")
    m.store("5", "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.logout()
    healthy("drop mid-RETR")


def case_drop_mid_append():
    for variant in ("synchronizing", "LITERAL+", "whole literal, no final CRLF"):
        marker = "half-append-" + variant.split()[0].replace("+", "plus").lower()
        msg = big_message(1_000_000, marker)
        s = connect(IMAP_PORT)
        read_until(s, b"\r\n")
        s.sendall(b"a1 LOGIN alice wonderland\r\n")
        read_until(s, b"a1 OK")
        if variant == "synchronizing":
            s.sendall(f"a2 APPEND INBOX {{{len(msg)}}}\r\n".encode())
            cont = read_until(s, b"\r\n")
            check("APPEND: the server asks for the literal", cont.startswith(b"+"), cont)
            s.sendall(msg[:len(msg) // 2])
        elif variant == "LITERAL+":
            s.sendall(f"a2 APPEND INBOX {{{len(msg)}+}}\r\n".encode() + msg[:len(msg) // 2])
        else:
            s.sendall(f"a2 APPEND INBOX {{{len(msg)}+}}\r\n".encode() + msg)
        time.sleep(0.2)
        s.close()
        m = imap_login()
        typ, data = m.select("INBOX")
        typ, found = m.search(None, "TEXT", marker)
        check(f"dropped mid-APPEND ({variant}): still 17, no part of it stored", data == [b"17"] and found == [b""],
              (data, found))
        m.logout()
    healthy("drop mid-APPEND")


def case_many():
    # 200 IMAP clients and 50 POP3 clients connected at once.
    start = time.monotonic()
    imap_socks = [connect(IMAP_PORT) for _ in range(200)]
    pop_socks = [connect(POP3_PORT) for _ in range(50)]
    greetings = sum(1 for s in imap_socks if read_until(s, b"\r\n").startswith(b"* OK"))
    greetings += sum(1 for s in pop_socks if read_until(s, b"\r\n").startswith(b"+OK"))
    check(f"{len(imap_socks) + len(pop_socks)} clients connected at once: all greeted", greetings == 250, greetings)
    for i, s in enumerate(imap_socks):
        s.sendall(f"t{i} LOGIN {'alice wonderland' if i % 2 else 'bob builder'}\r\nu{i} SELECT INBOX\r\n".encode())
    logged = sum(1 for i, s in enumerate(imap_socks) if b"[READ-WRITE]" in read_until(s, f"u{i} OK".encode()))
    check("all 200 IMAP clients LOGIN and SELECT at once", logged == 200, logged)
    # POP3 allows one session per maildrop: the first of 50 gets bob's, the other 49 hear [IN-USE].
    for s in pop_socks:
        s.sendall(b"CAPA\r\nUSER bob\r\nPASS builder\r\n")
    answers = [read_until(s, b"maildrop") for s in pop_socks]
    got_lock = sum(1 for a in answers if b"+OK bob's maildrop" in a)
    in_use = sum(1 for a in answers if b"-ERR [IN-USE]" in a)
    check(f"50 POP3 logins to one maildrop at once: one gets it ({got_lock}), 49 hear [IN-USE] ({in_use})",
          got_lock == 1 and in_use == 49, answers[:2])
    for i, s in enumerate(imap_socks):
        s.sendall(f"v{i} LOGOUT\r\n".encode())
    for s in pop_socks:
        s.sendall(b"QUIT\r\n")
    bye = sum(1 for i, s in enumerate(imap_socks) if f"v{i} OK".encode() in read_until(s, f"v{i} OK".encode()))
    check("all 200 IMAP clients LOGOUT", bye == 200, bye)
    bye = sum(1 for s in pop_socks if b"signing off" in read_until(s, b"signing off"))
    check(f"all 50 POP3 clients QUIT ({time.monotonic() - start:.1f} s in all)", bye == 50, bye)
    for s in imap_socks + pop_socks:
        s.close()
    healthy("250 clients")


def case_pop3_killed_after_dele():
    child = r"""
import os, poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("bob"); p.pass_("builder")
for i in range(1, p.stat()[0] + 1):
    p.retr(i); p.dele(i)
print(p.stat()[0], flush=True)
os.kill(os.getpid(), 9)
"""
    r = subprocess.run([sys.executable, "-c", child, str(POP3_PORT)], capture_output=True, timeout=30)
    check("a poplib client DELEs all of bob's mail and is killed before QUIT",
          r.returncode == -signal.SIGKILL and r.stdout.strip() == b"0", (r.returncode, r.stdout, r.stderr))
    try:
        n = pop3_count("bob", "builder")
        check("the next login works (lock released) and nothing was deleted: 4", n == 4, n)
    except poplib.error_proto as e:
        check("the next login works (lock released)", False, e)
    # The same with a plain socket that closes after DELE, and one that resets the connection.
    for how in ("close", "reset"):
        s = connect(POP3_PORT)
        s.sendall(b"USER bob\r\nPASS builder\r\nDELE 1\r\nDELE 2\r\n")
        read_until(s, b"message 2")
        if how == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
        check(f"socket {how} after DELE: bob still has 4", pop3_count("bob", "builder") == 4)
    healthy("POP3 client killed after DELE")


def case_idle_timeouts():
    # Run against a server started with --pop3-idle 2 --imap-idle 2.
    big = big_message(8 << 20, "idle-marker")
    m = imap_login("bob", "builder")
    m.append("INBOX", None, None, big)
    m.logout()
    quiet_imap = connect(IMAP_PORT)
    quiet_imap.sendall(b"q1 LOGIN alice wonderland\r\n")
    quiet_pop3 = connect(POP3_PORT)
    quiet_pop3.sendall(b"USER bob\r\nPASS builder\r\nDELE 1\r\n")
    # A client that asks for ~10 MiB and QUITs, and never reads: neither its queue nor alice's maildrop
    # lock may stay forever.
    hog = connect(POP3_PORT)
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    hog.sendall(b"USER alice\r\nPASS wonderland\r\n" + b"RETR 2\r\n" * 3000 + b"QUIT\r\n")
    start = time.monotonic()
    bye = read_until(quiet_imap, b"* BYE", 6)
    check(f"an IMAP client idle for longer than --imap-idle hears * BYE autologout "
          f"({time.monotonic() - start:.1f} s)", b"* BYE autologout" in bye, bye[-200:])
    check("... and is disconnected", closed_within(quiet_imap, 2))
    check("an idle POP3 client is disconnected", closed_within(quiet_pop3, 3))
    check("... its DELE did not happen, and its lock is free: bob has 5", pop3_count("bob", "builder") == 5)
    time.sleep(max(0.0, 4.5 - (time.monotonic() - start)))
    hog_got = read_until(hog, b"signing off", 3, max_bytes=64 << 20)
    check(f"a client that never reads is disconnected too, queue and all ({len(hog_got) >> 10} KiB of ~10 MiB"
          f" reached it)", b"signing off" not in hog_got and closed_within(hog, 1), len(hog_got))
    check("... and alice's maildrop is free again", pop3_count("alice", "wonderland") == 17)
    # A slow reader of the 8 MiB message: 64 KiB every 0.25 s for 4 s, twice the idle limit.
    slow = connect(POP3_PORT)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    read_until(slow, b"\r\n")
    slow.sendall(b"USER bob\r\nPASS builder\r\nRETR 5\r\n")
    start = time.monotonic()
    slow_got = b""
    cut = False
    while time.monotonic() - start < 4:
        time.sleep(0.25)
        slow.settimeout(2)
        try:
            chunk = slow.recv(65536)
        except (socket.timeout, ConnectionResetError):
            chunk = b""
        if not chunk:
            cut = True
            break
        slow_got += chunk
    check(f"a slow reader taking a long reply for 4 s (> 2 s idle limit) is not cut off ({len(slow_got) >> 10} KiB)",
          not cut and len(slow_got) > 64 << 10, (cut, len(slow_got)))
    for s in (slow, quiet_imap, quiet_pop3, hog):
        s.close()
    time.sleep(0.2)
    m = imap_login("bob", "builder")
    m.select("INBOX")
    m.store("5", "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.logout()
    healthy("idle timeouts")


# [SECTION] kill -9 of the server with --maildir (the state file carries what was there before)


def snapshot():
    """Every message of alice's and bob's folders, as (folder, uid) -> sha256 of BODY.PEEK[]."""
    snap = {}
    for user, password in (("alice", "wonderland"), ("bob", "builder")):
        m = imap_login(user, password)
        typ, folders = m.list()
        for f in folders:
            name = f.decode().rsplit(" ", 1)[-1].strip('"')
            typ, data = m.select(name, readonly=True)
            count = int(data[0])
            if count:
                typ, data = m.fetch("1:*", "(UID BODY.PEEK[])")
                for item in data:
                    if isinstance(item, tuple):
                        uid = item[0].split(b"UID ")[1].split()[0].decode()
                        snap[f"{user}/{name}/{uid}"] = hashlib.sha256(item[1]).hexdigest()
            snap[f"{user}/{name}"] = count
        m.logout()
    p = pop3_login("alice", "wonderland")
    for i in range(1, p.stat()[0] + 1):
        resp, lines, _ = p.retr(i)
        snap[f"pop3/alice/{i}"] = hashlib.sha256(b"\r\n".join(lines) + b"\r\n").hexdigest()
    p.quit()
    return snap


def case_maildir_before():
    snap = snapshot()
    with open(os.environ["STATE"], "w") as f:
        json.dump(snap, f)
    check(f"Maildir store before: {snap['alice/INBOX']} alice INBOX, {len(snap)} entries", snap["alice/INBOX"] > 0)


def kill_server():
    os.kill(SERVE_PID, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while alive() and time.monotonic() < deadline:
        # a zombie until bash reaps it: /proc/PID/status says State: Z
        try:
            with open(f"/proc/{SERVE_PID}/status") as f:
                if "\nState:\tZ" in f.read():
                    break
        except OSError:
            break
        time.sleep(0.02)


def case_kill_mid_literal():
    msg = big_message(16 << 20, "killed-mid-literal")
    s = connect(IMAP_PORT)
    read_until(s, b"\r\n")
    s.sendall(b"k1 LOGIN alice wonderland\r\n")
    read_until(s, b"k1 OK")
    s.sendall(f"k2 APPEND INBOX {{{len(msg)}}}\r\n".encode())
    check("kill mid-literal: the server asks for the 16 MiB literal", read_until(s, b"\r\n").startswith(b"+"))
    s.sendall(msg[:len(msg) // 2])
    time.sleep(0.3)  # let the server read the half
    kill_server()
    s.close()
    check("the server was killed with SIGKILL half-way through the literal", True)


def case_kill_after_literal():
    # The whole command sent, the kill right behind it: either the message is all there or not at all.
    msg = big_message(4 << 20, "killed-after-literal")
    s = connect(IMAP_PORT)
    read_until(s, b"\r\n")
    s.sendall(b"k1 LOGIN alice wonderland\r\n")
    read_until(s, b"k1 OK")
    s.sendall(f"k2 APPEND INBOX {{{len(msg)}+}}\r\n".encode() + msg + b"\r\n")
    kill_server()
    s.close()
    with open(os.environ["STATE"] + ".sent", "wb") as f:
        f.write(msg)
    check("the server was killed with SIGKILL right after the APPEND was sent", True)


def case_kill_pipelined():
    # 100 pipelined LITERAL+ APPENDs of 64 KiB, killed while they stream in: what survives is a run of
    # whole messages, each exactly as sent.
    msgs = [big_message(64 << 10, f"pipelined-{i:03d}") for i in range(100)]
    s = connect(IMAP_PORT)
    read_until(s, b"\r\n")
    s.sendall(b"k1 LOGIN alice wonderland\r\n")
    read_until(s, b"k1 OK")
    stream = b"".join(f"p{i} APPEND INBOX {{{len(m)}+}}\r\n".encode() + m + b"\r\n" for i, m in enumerate(msgs))
    replies, sent = blast(s, stream[:len(stream) * 6 // 10])
    kill_server()
    s.close()
    acked = replies.count(b" OK [APPENDUID")
    with open(os.environ["STATE"] + ".acked", "w") as f:
        f.write(str(acked))
    check(f"the server was killed with SIGKILL during 100 pipelined APPENDs ({acked} acknowledged)", True)


def case_maildir_after():
    variant = sys.argv[2]
    with open(os.environ["STATE"]) as f:
        before = json.load(f)
    now = snapshot()
    old = {k: v for k, v in now.items() if k in before}
    check(f"after restart ({variant}): every earlier message is there and byte-identical (IMAP and POP3)",
          all(now.get(k) == v for k, v in before.items() if "/" in k and k.count("/") == 2),
          [k for k, v in before.items() if now.get(k) != v][:5])
    folders_same = all(now[k] == v for k, v in before.items() if k.count("/") == 1 and k != "alice/INBOX")
    check(f"after restart ({variant}): the other folders have the same counts", folders_same)
    inbox_before, inbox_now = before["alice/INBOX"], now["alice/INBOX"]
    m = imap_login()
    m.select("INBOX", readonly=True)
    new_uids = sorted(int(k.split("/")[2]) for k in now if k.startswith("alice/INBOX/") and k not in before)
    new_bodies = []
    for uid in new_uids:
        typ, data = m.uid("FETCH", str(uid), "(BODY.PEEK[])")
        new_bodies.append(data[0][1])
    m.logout()
    if variant == "mid-literal":
        check(f"mid-literal: the count equals the count before ({inbox_before})", inbox_now == inbox_before,
              (inbox_before, inbox_now))
    elif variant == "after-literal":
        with open(os.environ["STATE"] + ".sent", "rb") as f:
            sent = f.read()
        check(f"after-literal: the message is all there or not at all ({inbox_before} -> {inbox_now})",
              (inbox_now == inbox_before) or (inbox_now == inbox_before + 1 and new_bodies == [sent]),
              (inbox_before, inbox_now, [len(b) for b in new_bodies]))
    elif variant == "pipelined":
        with open(os.environ["STATE"] + ".acked") as f:
            acked = int(f.read())
        k = inbox_now - inbox_before
        expected = [big_message(64 << 10, f"pipelined-{i:03d}") for i in range(k)]
        check(f"pipelined: {k} whole messages survived, at least the {acked} acknowledged, each as sent",
              k >= acked and new_bodies == expected, (k, acked, [len(b) for b in new_bodies]))
    healthy(f"restart after kill -9 ({variant})", alice=inbox_now, bob=before["bob/INBOX"])
    # What is in the snapshot file now is the truth for the next round.
    with open(os.environ["STATE"], "w") as f:
        json.dump(now, f)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CASES:
        sys.exit("usage: serve_robustness.py " + "|".join(CASES))
    try:
        CASES[sys.argv[1]]()
    except Exception as e:  # noqa: BLE001 - report, do not hide, an unexpected error
        import traceback
        traceback.print_exc()
        check(f"{sys.argv[1]}: ran to the end", False, e)
    sys.exit(1 if failures else 0)
