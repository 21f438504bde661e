"""TLS clients against `maillab serve`: curl (pop3s://, imaps://, --ssl-reqd on the plain ports), Python's
poplib.POP3_SSL, imaplib.IMAP4_SSL, stls() and starttls(), each trusting only the server's own
self-signed certificate; and hostile handshakes while a good client is served.

Run by serve_tls.sh with the ports, CERT_FILE and CASE set:
  CASE=open     a server with TLS on defaults
  CASE=require  a server started with --require-tls
  CASE=hostile  a server started with --handshake-timeout 3
"""
import imaplib
import os
import poplib
import random
import socket
import ssl
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"
POP3_PORT = int(os.environ["POP3_PORT"])
IMAP_PORT = int(os.environ["IMAP_PORT"])
POP3S_PORT = int(os.environ["POP3S_PORT"])
IMAPS_PORT = int(os.environ["IMAPS_PORT"])
CERT = os.environ["CERT_FILE"]
TIMEOUT = 10
failures = 0


def check(name, condition, detail=""):
    global failures
    print(("ok: " if condition else "FAIL: ") + name + ("" if condition else " " + repr(detail)[:600]))
    if not condition:
        failures += 1


def context():
    """Trusts the server's certificate and nothing else; checks the host name (127.0.0.1 is in the SAN)."""
    return ssl.create_default_context(cafile=CERT)  # with a cafile, the system's CAs are not loaded


def curl(*args):
    """Runs curl; returns (exit status, stdout bytes, stderr text)."""
    r = subprocess.run(["curl", "-sS", "--max-time", "15", *args], capture_output=True, timeout=30)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def plain_retr(number):
    p = poplib.POP3(HOST, POP3_PORT, timeout=TIMEOUT)
    p.user("alice")
    p.pass_("wonderland")
    lines = p.retr(number)[1]
    p.quit()
    return lines


# [SECTION] CASE=open

def case_open():
    reference = b"\r\n".join(plain_retr(1)) + b"\r\n"

    # curl, implicit TLS, trusting the generated certificate (RFC 8314 section 3).
    rc, out, err = curl("--cacert", CERT, f"pop3s://alice:wonderland@localhost:{POP3S_PORT}/1")
    check("curl pop3s:// RETR 1 with --cacert (host name localhost checked)", rc == 0 and out == reference,
          (rc, err, out[:200]))
    rc, out, err = curl("--cacert", CERT, f"imaps://alice:wonderland@{HOST}:{IMAPS_PORT}/INBOX;UID=1")
    check("curl imaps:// fetches UID 1 with --cacert (address 127.0.0.1 checked)", rc == 0 and out == reference,
          (rc, err, out[:200]))
    # Without the certificate as CA, verification must fail: the checks above were real.
    rc, out, err = curl(f"pop3s://alice:wonderland@{HOST}:{POP3S_PORT}/1")
    check("curl pop3s:// without --cacert fails certificate verification (exit 60)", rc == 60, (rc, err))
    rc, out, err = curl(f"imaps://alice:wonderland@{HOST}:{IMAPS_PORT}/INBOX;UID=1")
    check("curl imaps:// without --cacert fails certificate verification (exit 60)", rc == 60, (rc, err))
    # STLS and STARTTLS on the plain ports (RFC 2595 section 4, RFC 3501 section 6.2.1).
    rc, out, err = curl("--ssl-reqd", "--cacert", CERT, f"pop3://alice:wonderland@{HOST}:{POP3_PORT}/1")
    check("curl --ssl-reqd pop3:// upgrades with STLS and RETRs", rc == 0 and out == reference, (rc, err))
    rc, out, err = curl("--ssl-reqd", "--cacert", CERT, f"imap://alice:wonderland@{HOST}:{IMAP_PORT}/INBOX;UID=1")
    check("curl --ssl-reqd imap:// upgrades with STARTTLS and fetches", rc == 0 and out == reference, (rc, err))
    rc, out, err = curl("--ssl-reqd", f"imap://alice:wonderland@{HOST}:{IMAP_PORT}/INBOX;UID=1")
    check("curl --ssl-reqd imap:// without --cacert fails verification", rc == 60, (rc, err))
    # TLS 1.2 works too; older versions do not (TLS 1.2 minimum).
    rc, out, err = curl("--cacert", CERT, "--tls-max", "1.2", f"pop3s://alice:wonderland@{HOST}:{POP3S_PORT}/1")
    check("curl pop3s:// with TLS 1.2 at most", rc == 0 and out == reference, (rc, err))
    rc, out, err = curl("--cacert", CERT, "--tlsv1.0", "--tls-max", "1.1",
                        f"pop3s://alice:wonderland@{HOST}:{POP3S_PORT}/1")
    check("curl pop3s:// with TLS 1.1 at most is refused", rc != 0, (rc, err))

    # Python: POP3_SSL and IMAP4_SSL.
    p = poplib.POP3_SSL(HOST, POP3S_PORT, context=context(), timeout=TIMEOUT)
    capa = p.capa()
    check("POP3_SSL: CAPA has no STLS inside implicit TLS", "STLS" not in capa and "USER" in capa, capa)
    check("POP3_SSL: TLS 1.3", p.sock.version() == "TLSv1.3", p.sock.version())
    p.user("alice")
    p.pass_("wonderland")
    count, _ = p.stat()
    lines = p.retr(1)[1]
    p.quit()
    check("POP3_SSL: STAT and RETR", count == 17 and b"\r\n".join(lines) + b"\r\n" == reference, count)

    m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=context(), timeout=TIMEOUT)
    check("IMAP4_SSL: no STARTTLS in the greeting's capabilities", "STARTTLS" not in m.capabilities,
          m.capabilities)
    m.login("alice", "wonderland")
    typ, data = m.select("INBOX")
    typ2, fetched = m.uid("FETCH", "1", "(BODY.PEEK[])")
    m.logout()
    check("IMAP4_SSL: LOGIN, SELECT 17, UID FETCH", data == [b"17"] and fetched[0][1] == reference, data)

    # stls() and starttls(): the capability lists change after TLS (RFC 2595 section 4, RFC 3501 6.2.1).
    p = poplib.POP3(HOST, POP3_PORT, timeout=TIMEOUT)
    before = p.capa()
    p.stls(context=context())
    after = p.capa()
    check("poplib stls(): STLS listed before, not after", "STLS" in before and "STLS" not in after,
          (before, after))
    p.user("alice")
    p.pass_("wonderland")
    check("poplib stls(): login and STAT inside TLS", p.stat()[0] == 17)
    p.quit()

    m = imaplib.IMAP4(HOST, IMAP_PORT, timeout=TIMEOUT)
    before = m.capabilities
    m.starttls(ssl_context=context())
    after = m.capabilities  # imaplib asks CAPABILITY again after STARTTLS
    check("imaplib starttls(): STARTTLS listed before, not after", "STARTTLS" in before and "STARTTLS" not in after,
          (before, after))
    m.login("alice", "wonderland")
    check("imaplib starttls(): login and SELECT inside TLS", m.select("INBOX")[1] == [b"17"])
    m.logout()

    # A command pipelined after STARTTLS in the same packet never runs (CVE-2011-0411).
    s = socket.create_connection((HOST, IMAP_PORT), timeout=TIMEOUT)
    s.recv(4096)
    s.sendall(b"a STARTTLS\r\nb LOGIN alice wonderland\r\n")
    reply = b""
    while not reply.endswith(b"\r\n"):
        reply += s.recv(4096)
    check("STARTTLS with an injected command: only the OK comes back", reply == b"a OK Begin TLS negotiation now\r\n",
          reply)
    t = context().wrap_socket(s, server_hostname=HOST)
    t.sendall(b"c SELECT INBOX\r\n")
    answer = t.recv(4096)
    check("the injected LOGIN did not log in: SELECT is refused inside TLS", answer.startswith(b"c BAD "), answer)
    t.close()

    # Without trusting the certificate, Python refuses too.
    try:
        poplib.POP3_SSL(HOST, POP3S_PORT, context=ssl.create_default_context(), timeout=TIMEOUT)
        check("POP3_SSL without the CA fails verification", False)
    except ssl.SSLCertVerificationError:
        check("POP3_SSL without the CA fails verification", True)


# [SECTION] CASE=require: --require-tls

def case_require():
    p = poplib.POP3(HOST, POP3_PORT, timeout=TIMEOUT)
    capa = p.capa()
    check("require-tls: CAPA offers STLS and no USER or SASL", "STLS" in capa and "USER" not in capa
          and "SASL" not in capa, capa)
    try:
        p.user("alice")
        check("require-tls: plain-text USER is refused", False)
    except poplib.error_proto as e:
        check("require-tls: plain-text USER is refused", b"STLS" in e.args[0], e.args)
    p.stls(context=context())
    p.user("alice")
    p.pass_("wonderland")
    check("require-tls: USER/PASS after STLS work", p.stat()[0] == 17)
    p.quit()

    m = imaplib.IMAP4(HOST, IMAP_PORT, timeout=TIMEOUT)
    check("require-tls: LOGINDISABLED and no AUTH=PLAIN before STARTTLS",
          "LOGINDISABLED" in m.capabilities and "AUTH=PLAIN" not in m.capabilities, m.capabilities)
    typ, data = m._simple_command("LOGIN", "alice", "wonderland")  # imaplib itself would not send it
    check("require-tls: plain-text LOGIN gets NO [PRIVACYREQUIRED]",
          typ == "NO" and data[0].startswith(b"[PRIVACYREQUIRED]"), (typ, data))
    m.starttls(ssl_context=context())
    check("require-tls: after STARTTLS, AUTH=PLAIN and no LOGINDISABLED",
          "AUTH=PLAIN" in m.capabilities and "LOGINDISABLED" not in m.capabilities, m.capabilities)
    m.login("alice", "wonderland")
    check("require-tls: LOGIN after STARTTLS works", m.select("INBOX")[1] == [b"17"])
    m.logout()

    rc, out, err = curl(f"pop3://alice:wonderland@{HOST}:{POP3_PORT}/1")
    check("require-tls: curl pop3:// without TLS cannot log in", rc != 0, (rc, err))
    rc, out, err = curl("--ssl-reqd", "--cacert", CERT, f"pop3://alice:wonderland@{HOST}:{POP3_PORT}/1")
    check("require-tls: curl --ssl-reqd pop3:// works", rc == 0 and out.startswith(b"Return-Path:"), (rc, err))
    rc, out, err = curl("--ssl-reqd", "--cacert", CERT, f"imap://alice:wonderland@{HOST}:{IMAP_PORT}/INBOX;UID=1")
    check("require-tls: curl --ssl-reqd imap:// works", rc == 0 and out.startswith(b"Return-Path:"), (rc, err))
    rc, out, err = curl("--cacert", CERT, f"imaps://alice:wonderland@{HOST}:{IMAPS_PORT}/INBOX;UID=1")
    check("require-tls: curl imaps:// works (implicit TLS counts)", rc == 0 and out.startswith(b"Return-Path:"),
          (rc, err))


# [SECTION] CASE=hostile: handshakes that fail, while another client is served

def closed_within(sock, seconds):
    """True when the server closes the connection within `seconds` (alerts before the close are fine)."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096)
            if not data:
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def client_hello():
    """A real ClientHello, made by Python's own TLS client on memory BIOs."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def case_hostile():
    timeout = float(os.environ.get("HANDSHAKE_TIMEOUT", "3"))
    results = {}

    def plaintext_to_pop3s():
        s = socket.create_connection((HOST, POP3S_PORT), timeout=TIMEOUT)
        s.sendall(b"USER alice\r\n")
        results["plain text to POP3S"] = closed_within(s, 2)
        s.close()

    def garbage_to_imaps():
        s = socket.create_connection((HOST, IMAPS_PORT), timeout=TIMEOUT)
        rnd = random.Random(7)
        s.sendall(bytes([0x16, 0x03, 0x01, 0x01, 0x00]) + bytes(rnd.randrange(256) for _ in range(256)))
        results["random garbage to IMAPS"] = closed_within(s, 2)
        s.close()

    def half_hello():
        s = socket.create_connection((HOST, POP3S_PORT), timeout=TIMEOUT)
        hello = client_hello()
        s.sendall(hello[: len(hello) // 2])
        results["half a ClientHello (closed by the handshake timeout)"] = closed_within(s, timeout + 3)
        s.close()

    def silent():
        s = socket.create_connection((HOST, IMAPS_PORT), timeout=TIMEOUT)
        results["connects and never sends (closed by the handshake timeout)"] = closed_within(s, timeout + 3)
        s.close()

    def stls_then_nothing():
        s = socket.create_connection((HOST, POP3_PORT), timeout=TIMEOUT)
        s.recv(4096)
        s.sendall(b"STLS\r\n")
        s.recv(4096)
        results["STLS, then no handshake (closed by the handshake timeout)"] = closed_within(s, timeout + 3)
        s.close()

    threads = [threading.Thread(target=f) for f in (plaintext_to_pop3s, garbage_to_imaps, half_hello, silent,
                                                      stls_then_nothing)]
    for t in threads:
        t.start()
    # Meanwhile a good client is served, over and over, on both TLS ports.
    time.sleep(0.2)
    served = 0
    started = time.monotonic()
    while any(t.is_alive() for t in threads) and time.monotonic() - started < timeout + 6:
        p = poplib.POP3_SSL(HOST, POP3S_PORT, context=context(), timeout=TIMEOUT)
        p.user("alice")
        p.pass_("wonderland")
        ok_pop = p.stat()[0] == 17
        p.quit()
        m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=context(), timeout=TIMEOUT)
        m.login("alice", "wonderland")
        ok_imap = m.select("INBOX")[1] == [b"17"]
        m.logout()
        if ok_pop and ok_imap:
            served += 1
        time.sleep(0.3)
    for t in threads:
        t.join()
    for name in sorted(results):
        check(f"{name}: closed cleanly", results[name])
    check(f"a good client was served during the hostile handshakes ({served} rounds)", served >= 3, served)


CASES = {"open": case_open, "require": case_require, "hostile": case_hostile}
CASES[os.environ["CASE"]]()
sys.exit(1 if failures else 0)
