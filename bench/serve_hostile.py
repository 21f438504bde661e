#!/usr/bin/env python3
"""Bounded loopback measurements of `maillab serve` under the hostile clients of issue 14.

    bench/serve_hostile.py path/to/maillab [seconds]

Starts its own `maillab serve --no-tls` on free loopback ports (in-memory store) for each measurement and
prints:
  - password guesses per second, one new connection per guess, 8 in parallel, IMAP and POP3 (F8);
  - the server's RSS growth per connection for 200 silent pre-login connections, and for 20 pre-login
    connections that each announce a 30 MB non-synchronizing literal and send 4 MiB of it (F3).
Every loop is bounded in time; nothing is sent anywhere but 127.0.0.1.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

MAILLAB = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0


def start():
    p = subprocess.Popen([MAILLAB, "serve", "--no-tls", "--pop3-port", "0", "--imap-port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        m = re.search(r"POP3 on 127\.0\.0\.1:(\d+), IMAP on 127\.0\.0\.1:(\d+)", line)
        if m:
            return p, int(m.group(1)), int(m.group(2))
    p.kill()
    raise SystemExit("serve did not start")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_until(s, marker, timeout):
    s.settimeout(timeout)
    data = b""
    try:
        while marker not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def guesses(port, imap):
    count = [0]
    stop = time.monotonic() + SECONDS
    lock = threading.Lock()

    def worker():
        n = 0
        while time.monotonic() < stop:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                read_until(s, b"\r\n", 2)
                remaining = max(0.05, stop - time.monotonic())
                if imap:
                    s.sendall(b"a LOGIN alice guess\r\n")
                    reply = read_until(s, b"a NO", remaining)
                    ok = b"a NO" in reply
                else:
                    s.sendall(b"USER alice\r\nPASS guess\r\n")
                    reply = read_until(s, b"-ERR", remaining)
                    ok = b"-ERR" in reply
                s.close()
                if ok and time.monotonic() <= stop:
                    n += 1
            except OSError:
                time.sleep(0.01)
        with lock:
            count[0] += n

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count[0] / SECONDS


def main():
    for name, imap in (("IMAP", True), ("POP3", False)):
        p, pop3, imap_port = start()
        try:
            rate = guesses(imap_port if imap else pop3, imap)
            print(f"{name}: {rate:.1f} wrong-password answers per second (new connection each, 8 in parallel, "
                  f"{SECONDS:.0f} s)")
        finally:
            p.kill()
            p.wait()

    p, pop3, imap_port = start()
    try:
        time.sleep(0.3)
        base = rss_kib(p.pid)
        idle = [socket.create_connection(("127.0.0.1", imap_port)) for _ in range(200)]
        for s in idle:
            read_until(s, b"\r\n", 2)
        time.sleep(0.3)
        print(f"200 silent pre-login IMAP connections: {(rss_kib(p.pid) - base) / 200:.1f} KiB each")
        for s in idle:
            s.close()
        time.sleep(0.3)
        base = rss_kib(p.pid)
        big = []
        chunk = b"x" * (1 << 20)
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", imap_port))
            read_until(s, b"\r\n", 2)
            s.sendall(b"a LOGIN {30000000+}\r\n")
            s.settimeout(0.5)
            sent = 0
            try:
                for _ in range(4):
                    s.sendall(chunk)
                    sent += 1
            except OSError:
                pass
            big.append(s)
        time.sleep(0.5)
        grown = rss_kib(p.pid) - base
        print(f"20 pre-login connections announcing a 30 MB literal and sending 4 MiB of it: "
              f"{grown / 20 / 1024:.2f} MiB each")
        for s in big:
            s.close()
    finally:
        p.kill()
        p.wait()


if __name__ == "__main__":
    main()
