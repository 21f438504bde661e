#!/usr/bin/env bash
# maillab serve --maildir vs a private Dovecot, driven by the same Python imaplib/poplib client: one table of
# ratios (maillab time / Dovecot time; under 1 means maillab is faster) and each server's peak RSS.
#
#   bench/vs_dovecot.sh [path/to/maillab] [--count N] [--runs R]
#
# Both servers start empty on loopback; the client APPENDs the same N (10,000) generated messages to each,
# then runs every read step R (3) times on each (medians), then restarts both over the mail they now hold
# and times the start and the first SELECT. One server at a time: never both busy at once. Installs
# dovecot-imapd and dovecot-pop3d with apt-get when missing; Dovecot runs in the foreground with its own
# config in a temp dir (bench/servers.sh), never as the system service. Not part of ctest: about 15 minutes
# at 10,000 messages on a busy 2-core machine (most of it Dovecot's APPENDs); --count 2000 for a quick look.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/servers.sh"
bench_setup vs_dovecot "$@"
client() { python3 "$here/vs_dovecot.py" "$@"; }

echo "starting maillab serve --maildir and Dovecot $(dovecot --version | cut -d' ' -f1), both empty"
start_maillab "$maillab" "$tmp/maillab" "$user" "$password"
start_dovecot "$tmp/dovecot" "$tmp/dovecot/mail" "$user" "$password"

for server in maillab dovecot; do
    if [[ $server == maillab ]]; then imap=$maillab_imap pop3=$maillab_pop3 pid=$maillab_pid; else
        imap=$dovecot_imap pop3=$dovecot_pop3 pid=$dovecot_pid; fi
    echo "$server: APPEND of $count messages"
    client seed 127.0.0.1 "$imap" "$user" "$password" --count "$count" --word "$word" --json "$tmp/$server.seed.json"
    echo "$server: the read steps, $runs runs"
    client steps 127.0.0.1 "$imap" "$pop3" "$user" "$password" --word "$word" --runs "$runs" --pid "$pid" \
        --json "$tmp/$server.steps.json"
done

# [SECTION] a restart over the mail each now holds: how long until it answers, then the first SELECT
for server in maillab dovecot; do
    for run in $(seq 1 "$runs"); do
        if [[ $server == maillab ]]; then
            stop_pid "$maillab_pid"
            start_maillab "$maillab" "$tmp/maillab" "$user" "$password"
            echo "$maillab_start" >>"$tmp/maillab.start"
            imap=$maillab_imap
        else
            stop_pid "$dovecot_pid"
            start_dovecot "$tmp/dovecot" "$tmp/dovecot/mail" "$user" "$password"
            echo "$dovecot_start" >>"$tmp/dovecot.start"
            imap=$dovecot_imap
        fi
        client select 127.0.0.1 "$imap" "$user" "$password" --json "$tmp/$server.select.$run.json"
    done
done

python3 - "$tmp" "$count" "$runs" <<'EOF'
import glob, json, statistics, sys
tmp, count, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(server):
    times, facts = {}, {}
    for part in ["seed", "steps"] + [f"select.{r}" for r in range(1, runs + 1)]:
        d = json.load(open(f"{tmp}/{server}.{part}.json"))
        for k, v in d["times"].items():
            times.setdefault(k, []).extend(v)
        facts.update(d["facts"])
        if "peak_rss_kib" in d:
            facts["peak RSS (MiB)"] = round(d["peak_rss_kib"] / 1024, 1)
    times["start until the port answers"] = [float(x) for x in open(f"{tmp}/{server}.start").read().split()]
    return times, facts
a, fa = load("maillab")
b, fb = load("dovecot")
print()
print(f"maillab serve --maildir vs Dovecot, {count} messages, Python imaplib/poplib over loopback")
print(f"(median of {runs} runs; APPEND once; ratio = maillab time / Dovecot time, under 1: maillab faster)")
print(f"| {'step':<44} | {'ratio':>7} | {'runs':>4} | {'maillab s':>9} | {'Dovecot s':>9} |")
print(f"|{'-' * 46}|{'-' * 9}|{'-' * 6}|{'-' * 11}|{'-' * 11}|")
for name, ts in a.items():
    ta, tb = statistics.median(ts), statistics.median(b[name])
    print(f"| {name:<44} | {ta / tb if tb else float('inf'):7.2f} | {len(ts):>4} | {ta:9.3f} | {tb:9.3f} |")
ra, rb = fa.pop("peak RSS (MiB)"), fb.pop("peak RSS (MiB)")
print(f"| {'peak RSS during the steps (MiB)':<44} | {ra / rb:7.2f} | {'':>4} |   maillab {ra}, Dovecot {rb} (all its processes)")
same = fa == fb
print("both served the same mail: " + ("yes" if same else "NO"), fa if same else (fa, fb))
EOF
