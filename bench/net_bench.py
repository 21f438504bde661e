#!/usr/bin/env python3
"""Loopback benchmark of an IMAP and POP3 server, as a mail client sees it.

    python3 bench/net_bench.py HOST IMAP_PORT POP3_PORT USER PASS [--word WORD] [--runs 3] [--json FILE]

Times, over one logged-in connection per run (login not timed), the wall-clock of:
  IMAP  SELECT INBOX; FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE); UID SEARCH TEXT WORD; FETCH 1:* BODY.PEEK[]
  POP3  LIST; RETR of every message, one after the other (no DELE; QUIT leaves the mailbox as it was)
and prints the median of --runs runs (after one untimed warm-up run, so that a server that builds an
index on first open is measured warm; the warm-up's times are printed as "first"). It also prints what
came back (message count, bytes, search hits), so two servers can be checked to serve the same mail.

The client is a small raw-socket one (buffered reads, literals parsed by their {n} counts), not imaplib or
poplib, so that the client's own parsing costs as little as possible next to the server's work.
"""
import argparse
import json
import socket
import statistics
import sys
import time


class ImapClient:
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb", buffering=1 << 20)
        self.counter = 0
        self.line()  # greeting

    def line(self):
        line = self.file.readline()
        if not line:
            raise ConnectionError("the IMAP server closed the connection")
        return line

    def command(self, text):
        """Sends one command; returns (tagged status line, untagged responses as (bytes, [literals]))."""
        self.counter += 1
        tag = f"b{self.counter}".encode()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        responses = []
        while True:
            line = self.line()
            literals = []
            # A line that ends in {n} is followed by n octets and then the rest of the response.
            while line.endswith(b"}\r\n"):
                start = line.rfind(b"{")
                size = int(line[start + 1:-3].rstrip(b"+"))
                literals.append(self.file.read(size))
                line += self.line()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError(f"{text!r}: {line!r}")
                return line, responses
            responses.append((line, literals))

    def close(self):
        try:
            self.command("LOGOUT")
        except (OSError, ConnectionError, RuntimeError):
            pass
        self.sock.close()


class Pop3Client:
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb", buffering=1 << 20)
        self.status()  # greeting

    def status(self):
        line = self.file.readline()
        if not line.startswith(b"+OK"):
            raise RuntimeError(f"POP3: {line!r}")
        return line

    def command(self, text, multiline=False):
        self.sock.sendall(text.encode() + b"\r\n")
        first = self.status()
        if not multiline:
            return first, []
        lines = []
        readline = self.file.readline
        while True:
            line = readline()
            if line == b".\r\n":
                return first, lines
            if not line:
                raise ConnectionError("the POP3 server closed the connection")
            lines.append(line[1:] if line.startswith(b"..") else line)

    def close(self):
        try:
            self.command("QUIT")
        except (OSError, RuntimeError):
            pass
        self.sock.close()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def imap_run(args, word):
    c = ImapClient(args.host, args.imap_port, args.timeout)
    c.command(f'LOGIN "{args.user}" "{args.password}"')
    times, facts = {}, {}
    times["IMAP SELECT INBOX"], (_, untagged) = timed(lambda: c.command("SELECT INBOX"))
    exists = [int(line.split()[1]) for line, _ in untagged if line.endswith(b" EXISTS\r\n")]
    facts["messages"] = exists[0] if exists else 0
    times["IMAP FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE)"], (_, untagged) = timed(
        lambda: c.command("FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE)"))
    facts["envelopes"] = sum(1 for line, _ in untagged if b" FETCH " in line)
    facts["rfc822.size total"] = sum(int(line.split(b"RFC822.SIZE ")[1].split()[0].rstrip(b")"))
                                     for line, _ in untagged if b"RFC822.SIZE " in line)
    times[f"IMAP UID SEARCH TEXT {word}"], (_, untagged) = timed(lambda: c.command(f"UID SEARCH TEXT {word}"))
    facts["search hits"] = sum(len(line.split()) - 2 for line, _ in untagged if line.startswith(b"* SEARCH"))
    times["IMAP FETCH 1:* BODY.PEEK[]"], (_, untagged) = timed(lambda: c.command("FETCH 1:* BODY.PEEK[]"))
    facts["bodies"] = sum(1 for _, literals in untagged if literals)
    facts["body bytes"] = sum(len(lit) for _, literals in untagged for lit in literals)
    c.close()
    return times, facts


def pop3_run(args):
    c = Pop3Client(args.host, args.pop3_port, args.timeout)
    c.command(f"USER {args.user}")
    c.command(f"PASS {args.password}")
    times, facts = {}, {}
    times["POP3 LIST"], (_, listing) = timed(lambda: c.command("LIST", multiline=True))
    count = len(listing)

    def retr_all():
        total = 0
        for n in range(1, count + 1):
            _, lines = c.command(f"RETR {n}", multiline=True)
            total += sum(len(line) for line in lines)
        return total

    times["POP3 RETR of all"], facts["retr bytes"] = timed(retr_all)
    facts["pop3 messages"] = count
    c.close()
    return times, facts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("host")
    parser.add_argument("imap_port", type=int)
    parser.add_argument("pop3_port", type=int)
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--word", default="xylophone", help="the word UID SEARCH TEXT looks for")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median is reported")
    parser.add_argument("--label", default="", help="a name for the server in the output")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--timeout", type=float, default=120, help="socket timeout in seconds")
    args = parser.parse_args()

    runs, facts, first = [], {}, {}
    for i in range(args.runs + 1):  # run 0 is the untimed warm-up
        times_i, facts_i = imap_run(args, args.word)
        pop_times, pop_facts = pop3_run(args)
        times_i.update(pop_times)
        facts_i.update(pop_facts)
        if i == 0:
            first, facts = times_i, facts_i
        else:
            runs.append(times_i)
            if facts_i != facts:
                print(f"warning: run {i} saw different results: {facts_i} vs {facts}", file=sys.stderr)
    medians = {name: statistics.median(r[name] for r in runs) for name in first}
    label = f" ({args.label})" if args.label else ""
    print(f"net_bench{label}: {args.host} IMAP {args.imap_port} POP3 {args.pop3_port}, "
          f"median of {args.runs} runs after a warm-up")
    for name, seconds in medians.items():
        print(f"  {name:<46} {seconds * 1000:10.1f} ms   (first: {first[name] * 1000:.1f} ms)")
    print("  served: " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"label": args.label, "median_s": medians, "first_s": first, "facts": facts}, f, indent=1)


if __name__ == "__main__":
    main()
