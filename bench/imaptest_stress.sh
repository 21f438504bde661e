#!/usr/bin/env bash
# Dovecot's imaptest in stress mode against maillab serve: errors and commands per second for 10 and 50
# clients, imaptest's default profile and one where clients stay logged in (logout=0), in memory and with
# --maildir (issue 14 asks for 0 errors in all eight). --dovecot adds the same profiles against a private Dovecot
# (bench/servers.sh, Maildir, its default fsyncs) to the same table; --stores "maildir dovecot" picks the stores.
#
#   bench/imaptest_stress.sh path/to/imaptest [path/to/maillab] [--secs 10] [--dovecot] [--stores LIST]
#
# imaptest is not packaged by Debian: build it from https://github.com/dovecot/imaptest (branch
# release-2.3) against the dovecot-dev package, outside this tree. Not part of ctest.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
imaptest=${1:?usage: imaptest_stress.sh path/to/imaptest [path/to/maillab] [--secs N]}
shift
maillab=$here/../build/maillab
secs=10
stores="memory maildir"
while (($#)); do
    case $1 in
    --secs) secs=$2; shift 2 ;;
    --dovecot) stores="$stores dovecot"; shift ;;
    --stores) stores=$2; shift 2 ;;
    *) maillab=$1; shift ;;
    esac
done
user=stress
password=stress-pass-42
. "$here/servers.sh"

tmp=$(mktemp -d /tmp/imaptest_stress.XXXXXX)
maillab_pid="" dovecot_pid=""
trap 'stop_pid "$maillab_pid"; stop_pid "$dovecot_pid"; rm -rf "$tmp"' EXIT
[[ " $stores " == *" dovecot "* ]] && { need_dovecot; chmod 755 "$tmp"; }

# What imaptest APPENDs: an mbox of 50 small messages, some multipart.
python3 - "$tmp/source.mbox" <<'EOF'
import sys
with open(sys.argv[1], "w", newline="") as f:
    for i in range(50):
        f.write(f"From sender{i}@example.org Thu Nov 26 09:00:00 2026\n")
        f.write(f"From: Sender {i} <sender{i}@example.org>\nTo: stress@example.org\nSubject: stress {i}\n"
                f"Date: Thu, 26 Nov 2026 09:{i:02d}:00 +0000\nMessage-ID: <{i}@stress.example.org>\n")
        if i % 5 == 0:
            f.write('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="x"\n\n--x\n'
                    "Content-Type: text/plain\n\nhello\n--x\nContent-Type: text/html\n\n<p>hi</p>\n--x--\n\n")
        else:
            f.write("\n" + "line of text for the stress test\n" * (1 + i % 7) + "\n")
EOF

printf '| %-8s | %-16s | %7s | %8s | %10s |\n' store profile clients errors commands/s
printf '|%s|%s|%s|%s|%s|\n' ---------- ------------------ --------- ---------- ------------
for store in $stores; do
    for profile in default stay-logged-in; do
        for clients in 10 50; do
            run=$tmp/$store-$profile-$clients
            mkdir -p "$run"
            if [[ $store == dovecot ]]; then
                start_dovecot "$run/dovecot" "$run/dovecot/mail" "$user" "$password"
                port=$dovecot_imap
            else
                printf '[{"user": "%s", "password": "%s", "mail": "none"}]\n' "$user" "$password" >"$run/accounts.json"
                args=(serve --no-tls --pop3-port 0 --imap-port 0 --accounts "$run/accounts.json" --max-connections 200)
                [[ $store == maildir ]] && { mkdir -p "$run/maildir"; args+=(--maildir "$run/maildir"); }
                "$maillab" "${args[@]}" >"$run/maillab.log" 2>&1 &
                maillab_pid=$!
                for _ in $(seq 1 500); do grep -q 'POP3 on' "$run/maillab.log" && break; sleep 0.01; done
                port=$(sed -nE 's/.*IMAP on 127\.0\.0\.1:([0-9]+) .*/\1/p' "$run/maillab.log")
            fi
            extra=()
            [[ $profile == stay-logged-in ]] && extra=(logout=0)
            LD_LIBRARY_PATH=/usr/lib/dovecot${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$imaptest" host=127.0.0.1 port="$port" user="$user" pass="$password" mbox="$tmp/source.mbox" \
                clients="$clients" secs="$secs" "${extra[@]}" >"$run/imaptest.log" 2>&1 || true
            stop_pid "$maillab_pid"
            stop_pid "$dovecot_pid"
            maillab_pid="" dovecot_pid="" dovecot_imap=""
            errors=$(grep -c '^Error: ' "$run/imaptest.log" || true)
            # Under "Totals:" the command names, their percentages, then one line of counts: their sum.
            commands=$(awk '/^Totals:/ {t = 1; next}
                t && NF && $0 !~ /[^0-9 ]/ {s = 0; for (i = 1; i <= NF; i++) s += $i; print s; exit}' \
                "$run/imaptest.log")
            printf '| %-8s | %-16s | %7s | %8s | %10s |\n' "$store" "$profile" "$clients" "$errors" \
                "$(( ${commands:-0} / secs ))"
            { grep '^Error: ' "$run/imaptest.log" || true; } | sed -E 's/^Error: [^:]*: //' | cut -c1-100 |
                sort | uniq -c | sort -rn | head -3 | sed 's/^/      /'
        done
    done
done
