#!/usr/bin/env bash
# maillab export --format pcap, read back by Wireshark's dissectors (tshark): every client command of the
# transcript, in order, decoded as POP / IMAP, with good IPv4 and TCP checksums and no expert warnings.
source "$(dirname "$0")/lib.bash"

require_tshark
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The client lines of the transcript, without the [device#session] tag.
client_lines() { "$MAILLAB" run "$1" --quiet | sed -n 's/^\(\[[^]]*\] \)\{0,1\}C: //p' | tr -d '\r'; }

check() { # lesson, protocol
    local lesson=$1 protocol=$2 pcap="$tmp/$(basename "$1" .json).pcap" expected actual
    "$MAILLAB" export "$lesson" --format pcap -o "$pcap"
    if [[ $protocol == pop ]]; then
        # RFC 1939 section 3: the keyword is the first word.
        expected=$(client_lines "$lesson" | awk '{ print toupper($1) }')
        actual=$(tshark_read -r "$pcap" -Y pop.request -T fields -e pop.request.command | awk '{ print toupper($0) }')
    else
        # RFC 3501 section 2.2.1: tag, then the command, with "UID" before it for the UID forms; IDLE's
        # DONE (RFC 2177) has no tag, and tshark reads it as a bare tag.
        expected=$(client_lines "$lesson" | awk '{ if (toupper($2) == "UID") print $1, "UID", toupper($3); else if (NF == 1) print toupper($1); else print $1, toupper($2) }')
        actual=$(tshark_read -r "$pcap" -Y imap.request -T fields -E separator=' ' \
            -e imap.request_tag -e imap.request.command.uid -e imap.request.command |
            awk '{ if ($2 == "1" || $2 == "True") print $1, "UID", toupper($3); else if (NF == 1) print toupper($1); else print $1, toupper($2) }')
    fi
    echo "--- $lesson: commands in the transcript | decoded by tshark"
    paste -d'|' <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 's/|/  |  /'
    if [[ -n "$expected" && "$expected" == "$actual" ]]; then
        echo "ok: $lesson: tshark decodes the $(wc -l <<<"$expected") commands of the transcript, in order"
    else
        echo "FAIL: $lesson: tshark's commands differ from the transcript's"
        failures=$((failures + 1))
    fi

    local problems
    problems=$(tshark_read -r "$pcap" -Y '_ws.malformed || _ws.expert.severity >= warning || tcp.analysis.flags')
    if [[ -z "$problems" ]]; then
        echo "ok: $lesson: no malformed packets, no expert warnings or errors, no TCP analysis flags"
    else
        echo "FAIL: $lesson: tshark reports problems:"
        echo "$problems"
        failures=$((failures + 1))
    fi
    local checksums
    checksums=$(tshark_read -r "$pcap" -T fields -e ip.checksum.status -e tcp.checksum.status | sort | uniq -c)
    echo "checksum status (1 = good), count: $(tr -s ' \n\t' ' ' <<<"$checksums")"
    if [[ $(tshark_read -r "$pcap" -Y 'ip.checksum.status != 1 || tcp.checksum.status != 1' | wc -l) -eq 0 ]]; then
        echo "ok: $lesson: every IPv4 and TCP checksum is good"
    else
        echo "FAIL: $lesson: bad or unverified checksums"
        failures=$((failures + 1))
    fi
    local sessions streams
    sessions=$("$MAILLAB" run "$lesson" --quiet | grep -c -- ' connects to the server' || true)
    streams=$(tshark_read -r "$pcap" -T fields -e tcp.stream | sort -u | wc -l)
    if [[ $sessions -eq $streams ]]; then
        echo "ok: $lesson: one TCP connection per session ($streams)"
    else
        echo "FAIL: $lesson: $streams TCP connections for $sessions sessions"
        failures=$((failures + 1))
    fi
}

check lessons/14-pop3-delete-mode.json pop
check lessons/17-imap-two-devices.json imap

# The same lesson exports the same capture, byte for byte.
"$MAILLAB" export lessons/17-imap-two-devices.json --format pcap -o "$tmp/again.pcap"
if cmp -s "$tmp/17-imap-two-devices.pcap" "$tmp/again.pcap"; then echo "ok: the export repeats byte for byte"
else echo "FAIL: two exports of one lesson differ"; failures=$((failures + 1)); fi
finish
