#!/usr/bin/env bash
# maillab serve vs Dovecot on the same 10,000-message Maildir, over loopback, with bench/net_bench.py.
#
#   bench/net_bench.sh [path/to/maillab] [--count N] [--runs N]
#
# Generates a Maildir of N (10,000) messages of 4 KiB, 1% containing the search word, gives each server its
# own copy, starts `maillab serve --maildir` and a private Dovecot (run as root in the foreground, its own
# config file in a temp dir, listening only on 127.0.0.1 on free ports; no system service is touched), runs
# net_bench.py against both and prints a side-by-side table. Installs dovecot-imapd and dovecot-pop3d with
# apt-get when missing. Not part of ctest: it takes a few minutes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/servers.sh"
bench_setup net_bench "$@"

# [SECTION] the mail: one Maildir (cur/ new/ tmp/), files with LF line ends as Maildirs keep them
echo "generating $count messages of 4 KiB in $tmp/mail ($word in 1%)"
python3 - "$tmp/mail" "$count" "$word" <<'EOF'
import os, random, sys, time
root, count, word = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for d in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
rng = random.Random(42)
words = ("network packet router switch frame segment datagram header payload checksum window socket port "
         "address protocol server client mailbox message folder session command reply octet literal").split()
start = 1767225600  # 2026-01-01
for i in range(count):
    t = start + i * 600
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))
    head = (f"From: Sender {i % 97} <sender{i % 97}@example.com>\nTo: bench <bench@example.com>\n"
            f"Subject: Benchmark message {i + 1} about {rng.choice(words)}\nDate: {date}\n"
            f"Message-ID: <{i + 1}.bench@example.com>\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=us-ascii\n\n")
    body_words = []
    if i % 100 == 37:
        body_words.append(word)  # 1% of the messages
    lines, line = [], []
    size = len(head)
    while size < 4096 - 80:
        w = rng.choice(words)
        line.append(w)
        if sum(len(x) + 1 for x in line) > 70:
            lines.append(" ".join(line))
            size += len(lines[-1]) + 1
            line = []
    if i % 100 == 37:
        lines.insert(len(lines) // 2, f"the {word} is in this one")
    text = head + "\n".join(lines) + "\n"
    text = text + "x" * max(0, 4096 - len(text) - 1) + "\n" if len(text) < 4096 else text[:4095] + "\n"
    flags = "S" if i % 3 else ""
    name = f"{t}.M{i}P1.bench:2,{flags}"
    with open(os.path.join(root, "cur", name), "w") as f:
        f.write(text)
EOF

# [SECTION] maillab serve --maildir on its own copy
mkdir -p "$tmp/maillab/maildir"
cp -a "$tmp/mail" "$tmp/maillab/maildir/$user"
echo "starting maillab serve --maildir (loading $count messages)"
start_maillab "$maillab" "$tmp/maillab" "$user" "$password" || exit 1
echo "  maillab serve: POP3 on 127.0.0.1:$maillab_pop3, IMAP on 127.0.0.1:$maillab_imap (ready after $maillab_start s)"

# [SECTION] a private Dovecot on its own copy
mkdir -p "$tmp/dovecot/mail"
cp -a "$tmp/mail" "$tmp/dovecot/mail/$user"
echo "starting Dovecot $(dovecot --version | cut -d' ' -f1) in the foreground"
start_dovecot "$tmp/dovecot" "$tmp/dovecot/mail" "$user" "$password" || exit 1
echo "  Dovecot: POP3 on 127.0.0.1:$dovecot_pop3, IMAP on 127.0.0.1:$dovecot_imap (ready after $dovecot_start s)"

# [SECTION] the runs, one server after the other (2 cores: never both at once)
python3 "$here/net_bench.py" 127.0.0.1 "$maillab_imap" "$maillab_pop3" "$user" "$password" --word "$word" \
    --runs "$runs" --label maillab --json "$tmp/maillab.json"
python3 "$here/net_bench.py" 127.0.0.1 "$dovecot_imap" "$dovecot_pop3" "$user" "$password" --word "$word" \
    --runs "$runs" --label dovecot --json "$tmp/dovecot.json"
maillab_rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$maillab_pid/status")

python3 - "$tmp/maillab.json" "$tmp/dovecot.json" "$count" "$runs" "$maillab_start" "$dovecot_start" "$maillab_rss" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
count, runs, start_a, start_b, rss = sys.argv[3:8]
print()
print(f"{count} messages of 4 KiB over loopback, median of {runs} warm runs (ms; lower is better)")
print(f"| {'operation':<46} | {'maillab':>10} | {'Dovecot':>10} | {'maillab/Dovecot':>15} |")
print(f"|{'-' * 48}|{'-' * 12}|{'-' * 12}|{'-' * 17}|")
for name, t in a["median_s"].items():
    d = b["median_s"][name]
    print(f"| {name:<46} | {t * 1000:10.1f} | {d * 1000:10.1f} | {t / d if d else float('inf'):14.2f}x |")
for name, t in a["first_s"].items():
    if name.startswith("IMAP SELECT"):
        d = b["first_s"][name]
        print(f"| {'first SELECT (cold, before the warm runs)':<46} | {t * 1000:10.1f} | {d * 1000:10.1f} |"
              f" {t / d if d else float('inf'):14.2f}x |")
print(f"| {'start until the port answers (s)':<46} | {float(start_a):10.2f} | {float(start_b):10.2f} | {'':>15} |")
print(f"maillab serve peak RSS: {int(rss) // 1024} MiB")
same = a["facts"] == b["facts"]
print("both served the same mail: " + ("yes" if same else "NO"), a["facts"] if same else (a["facts"], b["facts"]))
EOF
