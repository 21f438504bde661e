#!/usr/bin/env python3
"""The client half of bench/vs_dovecot.sh: the same steps against one server, with Python's imaplib and
poplib (what a script or a simple client would use), times as JSON.

    vs_dovecot.py seed HOST IMAP_PORT USER PASS --count N --json FILE
    vs_dovecot.py steps HOST IMAP_PORT POP3_PORT USER PASS --word WORD --runs R --pid PID --json FILE
    vs_dovecot.py select HOST IMAP_PORT USER PASS --json FILE

seed APPENDs N generated messages (CRLF, about 4 KiB, every hundredth has WORD in its subject) to INBOX on
one connection; steps runs each read step R times on a fresh connection and keeps every time; select times
the first login and SELECT after a restart. The steps also sample the resident memory of process PID and
its children (Dovecot's master runs one process per connection) and keep its peak. Facts (message count, bytes, hits) let the caller check that both
servers answered the same."""
import argparse
import imaplib
import json
import poplib
import os
import random
import threading
import time

WORDS = ("network packet router switch frame segment datagram header payload checksum window socket port "
         "address protocol server client mailbox message folder session command reply octet literal").split()


def message(i, word):
    rng = random.Random(i)
    subject = f"Benchmark message {i + 1} about {rng.choice(WORDS)}" + (f" and the {word}" if i % 100 == 37 else "")
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(1767225600 + i * 600))
    head = (f"From: Sender {i % 97} <sender{i % 97}@example.com>\r\nTo: bench <bench@example.com>\r\n"
            f"Subject: {subject}\r\nDate: {date}\r\nMessage-ID: <{i + 1}.bench@example.com>\r\n"
            f"MIME-Version: 1.0\r\n")
    if i % 10 == 5:  # some multipart mail, so BODYSTRUCTURE has a tree to describe
        head += 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
    else:
        head += "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    lines, size = [], len(head)
    while size < 4000:
        line = " ".join(rng.choice(WORDS) for _ in range(10))
        lines.append(line)
        size += len(line) + 2
    body = "\r\n".join(lines) + "\r\n"
    if i % 10 == 5:
        body += "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        body += "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n--b--\r\n"
    return (head + body).encode()


def login(host, port, user, password):
    imap = imaplib.IMAP4(host, port)
    imap.login(user, password)
    return imap


def seed(a):
    imap = login(a.host, a.imap_port, a.user, a.password)
    start = time.perf_counter()
    for i in range(a.count):
        typ, _ = imap.append("INBOX", None, None, message(i, a.word))
        if typ != "OK":
            raise SystemExit(f"APPEND {i + 1} failed: {typ}")
    elapsed = time.perf_counter() - start
    imap.logout()
    return {"times": {"APPEND from imaplib, one by one": [elapsed]}, "facts": {"appended": a.count}}


def timed(times, name, work):
    start = time.perf_counter()
    fact = work()
    times.setdefault(name, []).append(time.perf_counter() - start)
    return fact


def tree_rss_kib(root):
    """Resident memory of a process and all its descendants (Dovecot is a master with children)."""
    children = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(pid))
            except OSError:
                pass
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


class PeakRss:
    """Samples the server's resident memory every 50 ms while the steps run."""

    def __init__(self, pid):
        self.pid, self.peak, self.done = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss_kib(self.pid))
            self.done.wait(0.05)

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.peak


def steps(a):
    times, facts = {}, {}
    rss = PeakRss(a.pid)
    for _ in range(a.runs):
        imap = login(a.host, a.imap_port, a.user, a.password)
        typ, data = imap.select("INBOX", readonly=True)
        count = int(data[0])
        facts["messages"] = count

        def envelope():
            typ, data = imap.fetch("1:*", "(ENVELOPE)")
            return sum(1 for d in data if d and b"ENVELOPE" in (d[0] if isinstance(d, tuple) else d))

        facts["envelopes"] = timed(times, "FETCH 1:* ENVELOPE", envelope)

        def search():
            typ, data = imap.uid("SEARCH", "SUBJECT", a.word)
            return len(data[0].split())

        facts["subject hits"] = timed(times, f"UID SEARCH SUBJECT {a.word}", search)

        def bodystructure():
            typ, data = imap.fetch("1:*", "(BODYSTRUCTURE)")
            return sum(1 for d in data if d)

        facts["bodystructures"] = timed(times, "FETCH 1:* BODYSTRUCTURE", bodystructure)

        def bodies():
            total = 0
            for first in range(1, count + 1, 500):
                typ, data = imap.fetch(f"{first}:{min(first + 499, count)}", "(BODY.PEEK[])")
                total += sum(len(d[1]) for d in data if isinstance(d, tuple))
            return total

        facts["body bytes"] = timed(times, "FETCH BODY.PEEK[], 500 per command", bodies)
        imap.logout()

        pop = poplib.POP3(a.host, a.pop3_port)
        pop.user(a.user)
        pop.pass_(a.password)

        def retr():
            n, _ = pop.stat()
            return sum(len(b"\r\n".join(pop.retr(i)[1])) for i in range(1, n + 1))

        facts["retr bytes"] = timed(times, "POP3 RETR of all, one by one", retr)
        pop.quit()
    return {"times": times, "facts": facts, "peak_rss_kib": rss.stop()}


def select(a):
    start = time.perf_counter()
    imap = login(a.host, a.imap_port, a.user, a.password)
    typ, data = imap.select("INBOX", readonly=True)
    elapsed = time.perf_counter() - start
    imap.logout()
    return {"times": {"first login and SELECT after a restart": [elapsed]}, "facts": {"messages": int(data[0])}}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("seed", "steps", "select"))
    p.add_argument("host")
    p.add_argument("imap_port", type=int)
    p.add_argument("rest", nargs="+")  # [POP3_PORT] USER PASS
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--word", default="xylophone")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--pid", type=int, default=0, help="the server's process, for its peak RSS (steps)")
    p.add_argument("--json", required=True)
    a = p.parse_args()
    if a.mode == "steps":
        a.pop3_port, a.user, a.password = int(a.rest[0]), a.rest[1], a.rest[2]
    else:
        a.user, a.password = a.rest[0], a.rest[1]
    imaplib._MAXLINE = 1 << 30  # FETCH answers of 500 messages
    result = {"seed": seed, "steps": steps, "select": select}[a.mode](a)
    with open(a.json, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
