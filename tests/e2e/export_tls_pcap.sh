#!/usr/bin/env bash
# maillab export of lessons with real TLS, read back by Wireshark's dissectors (tshark): without the key log a
# TLS session is TLS records and nothing else, no POP or IMAP command of it in clear; with the key log that
# export writes beside the pcap (SSLKEYLOGFILE), tshark decrypts the records and decodes exactly the commands
# of the transcript, in order. Keys from another run decrypt nothing.
source "$(dirname "$0")/lib.bash"

require_tshark
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect_same() { # name, expected, actual
    if [[ -n "$2" && "$2" == "$3" ]]; then
        echo "ok: $1 ($(wc -l <<<"$2") lines)"
    else
        echo "FAIL: $1"
        paste -d'|' <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/|/  |  /'
        failures=$((failures + 1))
    fi
}
expect_count() { # name, expected, actual
    if [[ "$2" == "$3" ]]; then echo "ok: $1 ($3)"; else
        echo "FAIL: $1: expected $2, got $3"
        failures=$((failures + 1))
    fi
}

# The client lines of the transcript (maillab run prints "[device#n] [TLS] C: ..." for lines inside TLS):
# all of them, or only those that crossed the wire in clear.
all_client_lines() {
    "$MAILLAB" run "$1" --quiet | sed -n 's/^\(\[[^]]*\] \)\{0,1\}\(\[TLS\] \)\{0,1\}C: //p' | tr -d '\r'
}
clear_client_lines() {
    "$MAILLAB" run "$1" --quiet | sed -n 's/^\(\[[^]]*#[0-9]*\] \)\{0,1\}C: //p' | tr -d '\r'
}
# Every POP and IMAP request tshark decodes, as one line like the transcript's: "USER alice", "A4 LOGIN ...".
decoded() { # pcap, then tshark options (the key log)
    local pcap=$1
    shift
    tshark_read -r "$pcap" "$@" -Y 'pop.request || imap.request' -T fields -E separator=' ' \
        -e pop.request.command -e pop.request.parameter -e imap.request | sed 's/^ *//; s/ *$//'
}
count() { # pcap, display filter, then tshark options
    local pcap=$1 filter=$2
    shift 2
    tshark_read -r "$pcap" "$@" -Y "$filter" | wc -l
}

# [SECTION] implicit TLS only (995 and 993): nothing of POP or IMAP is visible without the keys
cat >"$tmp/implicit.json" <<'EOF'
{"title": "implicit TLS", "accounts": [{"user": "alice", "password": "wonderland", "mail": ["INBOX/17-borrow-cable.eml"]}],
 "devices": [{"name": "desktop", "protocol": "pop3", "mode": "keep", "security": "tls", "user": "alice", "password": "wonderland"},
             {"name": "tablet", "protocol": "imap", "security": "tls", "user": "alice", "password": "wonderland"}],
 "steps": [{"device": "desktop", "action": "check mail"}, {"device": "tablet", "action": "check mail"},
           {"device": "tablet", "action": "open message", "subject": "cable"}, {"device": "tablet", "action": "quit"}]}
EOF
pcap="$tmp/implicit.pcap"
"$MAILLAB" export "$tmp/implicit.json" --format pcap -o "$pcap"
[[ -s "$tmp/implicit.keys" ]] && echo "ok: the key log is written beside the pcap" ||
    { echo "FAIL: no $tmp/implicit.keys"; failures=$((failures + 1)); }
echo "--- what an eavesdropper sees (tshark -r implicit.pcap, the first lines)"
tshark_read -r "$pcap" >"$tmp/view.txt"
head -12 "$tmp/view.txt"
expect_count "without the key log, no POP or IMAP at all" 0 "$(count "$pcap" 'pop || imap')"
expect_count "two TLS connections, each with one ClientHello" 2 "$(count "$pcap" 'tls.handshake.type == 1')"
expect_count "the servers answer on 993 and 995" "993 995" \
    "$(tshark_read -r "$pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 1' -T fields -e tcp.srcport | sort -u | xargs)"
if grep -q wonderland "$pcap"; then echo "FAIL: the password is in the capture"; failures=$((failures + 1)); else
    echo "ok: the password is nowhere in the capture's bytes"; fi
expect_same "with the key log, tshark decodes every command of the transcript" \
    "$(all_client_lines "$tmp/implicit.json")" "$(decoded "$pcap" -o "tls.keylog_file:$tmp/implicit.keys")"
expect_count "decrypted: no malformed packets, no expert warnings, no TCP analysis flags" 0 \
    "$(count "$pcap" '_ws.malformed || _ws.expert.severity >= warning || tcp.analysis.flags' -o "tls.keylog_file:$tmp/implicit.keys")"

# Another run's keys open nothing: the capture really needs its own secrets. That is why a key log is only
# written beside its own capture: asked for alone, export refuses and writes nothing.
status=0
refusal=$("$MAILLAB" export "$tmp/implicit.json" --format keylog -o "$tmp/alone.keys" 2>&1) || status=$?
expect_contains "--format keylog alone is refused (exit $status): the keys would open no capture" "$refusal" \
    "opens only the capture of its own run"
[[ $status -eq 1 && ! -e "$tmp/alone.keys" ]] && echo "ok: exit 1, no key log written" ||
    { echo "FAIL: exit $status, or $tmp/alone.keys written"; failures=$((failures + 1)); }
"$MAILLAB" export "$tmp/implicit.json" --format pcapng -o "$tmp/other.pcapng"
expect_count "keylog format: five TLS 1.3 secrets per session, NSS key log lines" 10 \
    "$(grep -cE '^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) [0-9a-f]{64} [0-9a-f]{64,96}$' "$tmp/other.keys")"
expect_count "with another run's key log, nothing decrypts" 0 "$(count "$pcap" 'pop || imap' -o "tls.keylog_file:$tmp/other.keys")"

# [SECTION] lesson 02: plain text, STLS, STARTTLS, 995 and 993 in one capture
lesson=lessons/02-ports-and-tls.json
pcap="$tmp/ports.pcap"
"$MAILLAB" export "$lesson" --format pcap -o "$pcap"
expect_same "without the key log, tshark decodes only the commands sent in clear (plain 110/143, before STLS/STARTTLS)" \
    "$(clear_client_lines "$lesson")" "$(decoded "$pcap")"
expect_same "with the key log, tshark decodes every command of the transcript, in order" \
    "$(all_client_lines "$lesson")" "$(decoded "$pcap" -o "tls.keylog_file:$tmp/ports.keys")"
expect_count "four TLS sessions (STLS, 995, STARTTLS, 993)" 4 "$(count "$pcap" 'tls.handshake.type == 1')"
expect_count "the password in clear once: the old laptop's PASS on 110" 1 "$(count "$pcap" 'pop.request.parameter == "wonderland"')"
expect_count "decrypted, the password inside TLS twice more (STLS laptop, 995 desktop)" 3 \
    "$(count "$pcap" 'pop.request.parameter == "wonderland"' -o "tls.keylog_file:$tmp/ports.keys")"
expect_count "decrypted: no malformed packets, no expert warnings, no TCP analysis flags" 0 \
    "$(count "$pcap" '_ws.malformed || _ws.expert.severity >= warning || tcp.analysis.flags' -o "tls.keylog_file:$tmp/ports.keys")"
expect_count "every IPv4 and TCP checksum is good" 0 "$(count "$pcap" 'ip.checksum.status != 1 || tcp.checksum.status != 1')"

# The bundle carries the capture and its key log together.
"$MAILLAB" export "$lesson" --format bundle -o "$tmp/bundle"
expect_same "the bundle's transcript.pcap and transcript.keys decrypt together" \
    "$(all_client_lines "$lesson")" \
    "$(decoded "$tmp/bundle/transcript.pcap" -o "tls.keylog_file:$tmp/bundle/transcript.keys")"
finish
