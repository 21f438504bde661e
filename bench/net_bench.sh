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
maillab=$here/../build/maillab
count=10000
runs=3
while (($#)); do
    case $1 in
    --count) count=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) maillab=$1; shift ;;
    esac
done
maillab=$(realpath "$maillab")
[[ -x "$maillab" ]] || { echo "no maillab binary at $maillab (build it, or pass its path)" >&2; exit 2; }
word=xylophone
user=bench
password=bench-pass-42

if ! command -v dovecot >/dev/null || [[ ! -e /usr/lib/dovecot/imap || ! -e /usr/lib/dovecot/pop3 ]]; then
    echo "installing dovecot-imapd and dovecot-pop3d"
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    # policy-rc.d keeps the package from starting the system service.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends dovecot-imapd dovecot-pop3d >/dev/null
fi

tmp=$(mktemp -d /tmp/net_bench.XXXXXX)
chmod 755 "$tmp" # Dovecot's mail processes run as nobody and must reach the mail
maillab_pid="" dovecot_pid=""
cleanup() { # SIGTERM (Dovecot's master stops its own children), SIGKILL after 10 s
    local pid
    for pid in $maillab_pid $dovecot_pid; do kill "$pid" 2>/dev/null || true; done
    for pid in $maillab_pid $dovecot_pid; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { # port, seconds
    python3 - "$1" "$2" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

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
mkdir -p "$tmp/maillab"
cp -a "$tmp/mail" "$tmp/maillab/$user"
printf '[{"user": "%s", "password": "%s", "mail": "none"}]\n' "$user" "$password" >"$tmp/accounts.json"
echo "starting maillab serve --maildir (loading $count messages)"
start_s=$(date +%s.%N)
"$maillab" serve --pop3-port 0 --imap-port 0 --accounts "$tmp/accounts.json" --maildir "$tmp/maillab" \
    >"$tmp/maillab.log" 2>&1 &
maillab_pid=$!
for _ in $(seq 1 1200); do
    grep -q '^maillab serve: POP3 on' "$tmp/maillab.log" && break
    kill -0 "$maillab_pid" 2>/dev/null || { cat "$tmp/maillab.log"; exit 1; }
    sleep 0.05
done
line=$(grep -m1 '^maillab serve: POP3 on' "$tmp/maillab.log") || { cat "$tmp/maillab.log"; exit 1; }
maillab_start=$(python3 -c "print(f'{$(date +%s.%N) - $start_s:.2f}')")
maillab_pop3=$(sed -E 's/.*POP3 on 127\.0\.0\.1:([0-9]+),.*/\1/' <<<"$line")
maillab_imap=$(sed -E 's/.*IMAP on 127\.0\.0\.1:([0-9]+) .*/\1/' <<<"$line")
echo "  $line (ready after $maillab_start s)"

# [SECTION] a private Dovecot on its own copy
mkdir -p "$tmp/dovecot/mail" "$tmp/dovecot/run" "$tmp/dovecot/state" "$tmp/dovecot/home/$user"
cp -a "$tmp/mail" "$tmp/dovecot/mail/$user"
chown -R nobody:nogroup "$tmp/dovecot/mail" "$tmp/dovecot/home"
dovecot_imap=$(free_port)
dovecot_pop3=$(free_port)
while [[ $dovecot_pop3 == "$dovecot_imap" ]]; do dovecot_pop3=$(free_port); done
printf '%s:{PLAIN}%s::::::\n' "$user" "$password" >"$tmp/dovecot/users"
cat >"$tmp/dovecot/dovecot.conf" <<EOF
# A private Dovecot for the benchmark: nothing from /etc/dovecot is read.
base_dir = $tmp/dovecot/run
state_dir = $tmp/dovecot/state
instance_name = net-bench-$$
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
log_path = $tmp/dovecot/dovecot.log
mail_location = maildir:$tmp/dovecot/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN $tmp/dovecot/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$tmp/dovecot/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $dovecot_imap
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $dovecot_pop3
  }
  inet_listener pop3s {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF
echo "starting Dovecot $(dovecot --version | cut -d' ' -f1) in the foreground"
start_s=$(date +%s.%N)
dovecot -F -c "$tmp/dovecot/dovecot.conf" >"$tmp/dovecot/stdout.log" 2>&1 &
dovecot_pid=$!
if ! wait_port "$dovecot_imap" 30 || ! wait_port "$dovecot_pop3" 30; then
    echo "Dovecot did not start:"
    cat "$tmp/dovecot/stdout.log" "$tmp/dovecot/dovecot.log" 2>/dev/null
    exit 1
fi
dovecot_start=$(python3 -c "print(f'{$(date +%s.%N) - $start_s:.2f}')")
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
