#!/usr/bin/env bash
# `maillab connect` over TLS against `maillab serve` (issue 14): implicit TLS (RFC 8314) and STLS/STARTTLS
# (RFC 2595, RFC 3501 section 6.2.1) with the server's certificate checked against --cacert; the system's
# CA store refuses serve's self-signed certificate; a TLS port spoken to in plain text, and a plain port
# spoken to in TLS, fail at once with words that say so.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
start_serve "$tmp/serve.log"

connect() { # then the connect arguments; sets out (stdout and stderr) and status
    status=0
    out=$(timeout 30 "$MAILLAB" connect "$@" 2>&1) || status=$?
}
expect_status() { # name, wanted status
    if [[ $status -eq $2 ]]; then echo "ok: $1: exit $status"; else echo "FAIL: $1: exit $status, wanted $2: $out"; failures=$((failures + 1)); fi
}

connect imap localhost "$IMAPS_PORT" --tls --cacert "$CERT_FILE" --user alice --password wonderland
expect_status "IMAPS with --cacert" 0
expect_contains "IMAPS: the certificate was verified" "$out" "the server's certificate verified for localhost"
expect_contains "IMAPS: LOGIN travels inside TLS" "$out" "[TLS] C: A1 LOGIN \"alice\""
expect_contains "IMAPS: the device got the headers" "$out" "the device now holds 17 message(s)"

connect pop3 127.0.0.1 "$POP3S_PORT" --tls --cacert "$CERT_FILE" --user bob --password builder
expect_status "POP3S by address with --cacert" 0
expect_contains "POP3S: the address is checked against the certificate" "$out" "verified for 127.0.0.1"

connect pop3 127.0.0.1 "$POP3_PORT" --starttls --cacert "$CERT_FILE" --user bob --password builder
expect_status "POP3 STLS" 0
expect_contains "STLS: asked for in plain text" "$out" "C: STLS"
expect_contains "STLS: PASS only inside TLS" "$out" "[TLS] C: PASS builder"
expect_not_contains "STLS: never PASS in plain text" "$out" $'\nC: PASS'

connect imap localhost "$IMAP_PORT" --starttls --cacert "$CERT_FILE" --user alice --password wonderland
expect_status "IMAP STARTTLS" 0
expect_contains "STARTTLS: LOGIN only inside TLS" "$out" "[TLS] C: A4 LOGIN \"alice\""
expect_not_contains "STARTTLS: never LOGIN in plain text" "$out" $'\nC: A4 LOGIN'

connect imap localhost "$IMAPS_PORT" --tls --user alice --password wonderland
expect_status "IMAPS against the system's CA store" 1
expect_contains "the self-signed certificate is refused, with the reason" "$out" "the server's certificate was not accepted: self-signed certificate"
expect_not_contains "no LOGIN was sent" "$out" "LOGIN"

connect pop3 127.0.0.1 "$POP3S_PORT" --timeout 2 --user bob --password builder
expect_status "plain text to the POP3S port" 1
expect_contains "plain text to a TLS port: the error says to use --tls" "$out" "connect with --tls"

connect imap 127.0.0.1 "$IMAP_PORT" --tls --cacert "$CERT_FILE" --user bob --password builder
expect_status "TLS to the plain IMAP port" 1
expect_contains "TLS to a plain port: the error names the plain-text greeting" "$out" "the server answered in plain text: \"* OK"
finish
