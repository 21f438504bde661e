#!/usr/bin/env bash
# maillab export --format pcapng, read back by tshark for every shipped lesson: the hosts have names (the
# name resolution block), the lesson's steps and checkpoints are packet comments, TCP has no analysis flags
# except the reset that ends a dropped connection (silence, then RST), the packets are those of the classic
# pcap, and a TLS lesson's capture decrypts with the key log written beside it in the same run.
source "$(dirname "$0")/lib.bash"

require_tshark
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect_equal() { # name, expected, actual
    if [[ "$2" == "$3" ]]; then echo "ok: $1 ($3)"; else
        echo "FAIL: $1: expected $2, got $3"
        failures=$((failures + 1))
    fi
}

# Checks one capture's fields (tcp.stream, ip.src_host, ip.dst_host, fin, reset, comments joined by \x1e) against
# what the json export of the same lesson says: the hosts that connected, the steps reached, the checkpoints
# evaluated, the drops. Prints ok/FAIL lines.
check_fields() { # name, json, fields
    python3 - "$@" <<'PY'
import json, sys
name, lesson, fields = sys.argv[1:4]
d = json.load(open(lesson))
entries = d["entries"]
rows = [line.rstrip("\n").split("\t") for line in open(fields, encoding="utf-8")]
failures = 0
def expect(what, expected, actual):
    global failures
    if expected == actual:
        print(f"ok: {name}: {what} ({actual})")
    else:
        print(f"FAIL: {name}: {what}: expected {expected}, got {actual}")
        failures += 1
# The name resolution block: with -N n every address has its name, so no bare 192.0.2.x is left.
hosts = sorted({e["device"] for e in entries if e["kind"] == "connected"} | {"mail.maillab.example"})
expect("host names from the capture (tshark -N n)", hosts, sorted({r[1] for r in rows} | {r[2] for r in rows}))
# Each reached step heads the first packet it made (or the next one); each checkpoint result follows.
comments = [c for r in rows if len(r) > 5 and r[5] for c in r[5].split("\x1e")]
total = len(d["steps"])
reached = [s["number"] for s in d["steps"] if s["reached"]]
expect("a comment for every step reached, in order", [f"Step {n} of {total}" for n in reached],
       [c.split(":")[0] for c in comments if c.startswith("Step ")])
evaluated = sum(1 for s in d["steps"] if s.get("checkpoint", {}).get("result") in ("holds", "fails"))
expect("a comment for every checkpoint result", evaluated, sum(1 for c in comments if c.startswith("Checkpoint, step ")))
# A drop is silence, then the server's FIN when its idle timer runs out, then the device's reset.
drops = [e for e in entries if e["kind"] == "closed" and e.get("abrupt")]
resets = [r for r in rows if r[4] in ("1", "True")]
expect("one reset per dropped connection", len(drops), len(resets))
for reset in resets:
    ends = [("FIN" if r[3] in ("1", "True") else "RST") + ":" + r[1] for r in rows
            if r[0] == reset[0] and (r[3] in ("1", "True") or r[4] in ("1", "True"))]
    expect(f"dropped connection (stream {reset[0]}) ends with the server's FIN, then the device's RST",
           ["FIN:mail.maillab.example", "RST:" + reset[1]], ends)
sys.exit(1 if failures else 0)
PY
}

for lesson in lessons/*.json; do
    [[ $lesson == lessons/lesson.schema.json ]] && continue
    name=$(basename "$lesson" .json)
    pcapng="$tmp/$name.pcapng"
    "$MAILLAB" export "$lesson" --format pcapng -o "$pcapng"
    "$MAILLAB" export "$lesson" --format pcap -o "$tmp/classic-$name.pcap" # its own key log: classic-NAME.keys
    "$MAILLAB" export "$lesson" --format json -o "$tmp/$name.json"
    keys=()
    [[ -e "$tmp/$name.keys" ]] && keys=(-o "tls.keylog_file:$tmp/$name.keys")
    echo "--- $lesson"
    tshark_read -r "$pcapng" -N n -T fields -E aggregator=$'\x1e' -e tcp.stream -e ip.src_host -e ip.dst_host \
        -e tcp.flags.fin -e tcp.flags.reset -e frame.comment >"$tmp/$name.fields"
    check_fields "$name" "$tmp/$name.json" "$tmp/$name.fields" || failures=$((failures + 1))

    # TCP as a real stack would write it: nothing to flag but the reset after each drop.
    expect_equal "$name: no malformed packet, expert warning or TCP analysis flag except at a drop's reset" 0 \
        "$(tshark_read -r "$pcapng" "${keys[@]}" -Y '(_ws.malformed || _ws.expert.severity >= warning || tcp.analysis.flags) && !tcp.flags.reset' | wc -l)"

    # The same packets as the classic pcap, which stays as it was (TLS records differ from run to run, so a
    # TLS lesson's two captures cannot be the same).
    if ((${#keys[@]} > 0)); then
        :
    elif cmp -s <(tshark_read -r "$pcapng" -T fields -e frame.time_epoch -e frame.len -e tcp.seq_raw) \
        <(tshark_read -r "$tmp/classic-$name.pcap" -T fields -e frame.time_epoch -e frame.len -e tcp.seq_raw); then
        echo "ok: $name: pcapng and pcap hold the same packets"
    else
        echo "FAIL: $name: pcapng and pcap differ"
        failures=$((failures + 1))
    fi

    # With TLS: the key log of this same run decrypts every command; without it, fewer show.
    if ((${#keys[@]} > 0)); then
        commands=$(python3 -c 'import json, sys; print(sum(1 for e in json.load(open(sys.argv[1]))["entries"] if e["kind"] == "data" and e["direction"] == "client_to_server"))' "$tmp/$name.json")
        expect_equal "$name: with its key log, tshark decodes every client command" "$commands" \
            "$(tshark_read -r "$pcapng" "${keys[@]}" -Y 'pop.request || imap.request' | wc -l)"
        plain=$(tshark_read -r "$pcapng" -Y 'pop.request || imap.request' | wc -l)
        if ((plain < commands)); then echo "ok: $name: without it, only $plain in clear"; else
            echo "FAIL: $name: every command readable without the key log"
            failures=$((failures + 1))
        fi
    fi
done

# A key log is never written on its own: on a lesson without TLS there is nothing to log.
status=0
err=$("$MAILLAB" export lessons/14-pop3-delete-mode.json --format keylog -o "$tmp/none.keys" 2>&1) || status=$?
expect_contains "keylog on a lesson without TLS: a clear error" "$err" "this lesson has no TLS session"
[[ $status -eq 1 && ! -e "$tmp/none.keys" ]] && echo "ok: exit 1, nothing written" ||
    { echo "FAIL: exit $status or a file written"; failures=$((failures + 1)); }

# maillab help lists every format export knows.
help=$("$MAILLAB" help)
for format in txt md html json pcap pcapng bundle keylog worksheet key; do
    grep -qE "^ +$format +[a-zA-Z]" <<<"$help" && echo "ok: help lists $format" ||
        { echo "FAIL: help does not list $format"; failures=$((failures + 1)); }
done
finish
