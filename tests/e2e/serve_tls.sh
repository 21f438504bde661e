#!/usr/bin/env bash
# TLS against `maillab serve` (issue 7): implicit TLS on the POP3S and IMAPS ports, STLS/STARTTLS on the
# plain ones, with curl and Python trusting only the server's self-signed certificate (serve_tls.py);
# --require-tls; the certificate kept in the config folder (key 0600, same fingerprint after a restart);
# --keylog; a --log that stays readable; and hostile handshakes that close only their own connection.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/serve_lib.bash"

serve_scratch # sets $tmp
run_py() { # name, case
    local status=0
    POP3_PORT=$POP3_PORT IMAP_PORT=$IMAP_PORT POP3S_PORT=$POP3S_PORT IMAPS_PORT=$IMAPS_PORT CERT_FILE=$CERT_FILE \
        CASE=$2 HANDSHAKE_TIMEOUT=3 timeout 90 python3 "$(dirname "$0")/serve_tls.py" || status=$?
    [[ $status -eq 0 ]] && echo "ok: $1" || { echo "FAIL: $1: serve_tls.py exited $status"; failures=$((failures + 1)); }
}

# [SECTION] TLS on defaults
start_serve "$tmp/serve.log" --log --keylog "$tmp/keylog.txt"
config="$tmp/config/maillab"
expect_contains "the certificate lives in \$XDG_CONFIG_HOME/maillab" "$CERT_FILE" "$config/cert.pem"
[[ -n "$POP3S_PORT" && -n "$IMAPS_PORT" ]] && echo "ok: POP3S and IMAPS ports printed" ||
    { echo "FAIL: no POP3S/IMAPS ports in: $(cat "$tmp/serve.log")"; failures=$((failures + 1)); }
mode=$(stat -c %a "$config/key.pem")
[[ "$mode" == 600 ]] && echo "ok: key.pem is mode 0600" || { echo "FAIL: key.pem is mode $mode"; failures=$((failures + 1)); }
printed=$(sed -n 's/^maillab serve: SHA-256 fingerprint //p' "$tmp/serve.log")
actual=$(openssl x509 -in "$CERT_FILE" -noout -fingerprint -sha256 | sed 's/^.*=//')
[[ -n "$printed" && "$printed" == "$actual" ]] && echo "ok: the printed fingerprint is the certificate's (openssl x509)" ||
    { echo "FAIL: printed fingerprint '$printed', openssl says '$actual'"; failures=$((failures + 1)); }
san=$(openssl x509 -in "$CERT_FILE" -noout -ext subjectAltName)
expect_contains "the certificate names localhost" "$san" "DNS:localhost"
expect_contains "the certificate names 127.0.0.1" "$san" "IP Address:127.0.0.1"

run_py "curl and Python over implicit TLS and STLS/STARTTLS" open

log=$(cat "$tmp/serve.log")
expect_contains "--log notes the handshake in one line" "$log" "-- TLS handshake done: TLSv1.3 TLS_AES_256_GCM_SHA384 --"
expect_contains "--log shows TLS 1.2 too" "$log" "-- TLS handshake done: TLSv1.2 "
expect_contains "--log prints decrypted lines, marked TLS" "$log" "] [TLS] C: USER alice"
expect_contains "--log shows STARTTLS accepted in plain text" "$log" "] S: a OK Begin TLS negotiation now"
expect_contains "--log notes bytes dropped after STARTTLS" "$log" "bytes that came after the TLS request"
expect_contains "--log notes the failed verification of a client without the CA" "$log" "TLS handshake failed: "
# Nothing but text: no record bytes (control characters other than tab) in the log.
if LC_ALL=C grep -q '[^[:print:][:space:]]' "$tmp/serve.log" || LC_ALL=C grep -qP '[\x00-\x08\x0e-\x1f\x7f]' "$tmp/serve.log"; then
    echo "FAIL: --log contains binary bytes"; failures=$((failures + 1))
else
    echo "ok: --log is plain text (no TLS record bytes)"
fi
keylog=$(cat "$tmp/keylog.txt")
expect_contains "--keylog has TLS 1.3 traffic secrets" "$keylog" "CLIENT_TRAFFIC_SECRET_0 "
expect_contains "--keylog has TLS 1.2 master secrets" "$keylog" "CLIENT_RANDOM "
mode=$(stat -c %a "$tmp/keylog.txt")
[[ "$mode" == 600 ]] && echo "ok: the key log is mode 0600" || { echo "FAIL: key log mode $mode"; failures=$((failures + 1)); }
expect_alive "the server is still running" "$SERVE_PID"
stop_serve

# [SECTION] --require-tls, on the same config folder: the certificate is reloaded, not made again
start_serve "$tmp/serve-require.log" --require-tls
again=$(sed -n 's/^maillab serve: SHA-256 fingerprint //p' "$tmp/serve-require.log")
[[ "$again" == "$printed" ]] && echo "ok: a restart reuses the certificate (same fingerprint)" ||
    { echo "FAIL: fingerprint changed from $printed to $again"; failures=$((failures + 1)); }
expect_not_contains "no new certificate is announced" "$(cat "$tmp/serve-require.log")" "made a self-signed certificate"
run_py "--require-tls: plain-text logins refused, logins after STLS/STARTTLS work" require
expect_alive "the require-tls server is still running" "$SERVE_PID"
stop_serve

# [SECTION] hostile handshakes, with a short handshake timeout
start_serve "$tmp/serve-hostile.log" --handshake-timeout 3 --log
run_py "failing handshakes close only their connection while a good client is served" hostile
expect_alive "the server survived the hostile handshakes" "$SERVE_PID"
hostile=$(cat "$tmp/serve-hostile.log")
expect_contains "plain text to the TLS port is named in the log" "$hostile" 'which is not TLS'
expect_contains "stalled handshakes end by the timeout" "$hostile" "TLS handshake timed out after 3 seconds"
# Still serving after all of it.
out=$(curl -sS --max-time 10 --cacert "$CERT_FILE" "pop3s://alice:wonderland@127.0.0.1:$POP3S_PORT/" || true)
expect_contains "a fresh curl pop3s:// LIST afterwards" "$out" "1 "
stop_serve

# [SECTION] --cert/--key: the user's own pair; --no-tls: no TLS at all
start_serve "$tmp/serve-own.log" --cert "$config/cert.pem" --key "$config/key.pem"
expect_contains "--cert: that certificate is used" "$(cat "$tmp/serve-own.log")" "TLS certificate $config/cert.pem"
out=$(curl -sS --max-time 10 --cacert "$config/cert.pem" "pop3s://alice:wonderland@127.0.0.1:$POP3S_PORT/" || true)
expect_contains "--cert: curl pop3s:// trusts it" "$out" "1 "
stop_serve
start_serve "$tmp/serve-plain.log" --no-tls
expect_not_contains "--no-tls: no TLS ports" "$(cat "$tmp/serve-plain.log")" "POP3S"
caps=$(curl -sS --max-time 10 "imap://127.0.0.1:$IMAP_PORT" -X CAPABILITY -u alice:wonderland || true)
expect_not_contains "--no-tls: no STARTTLS in CAPABILITY" "$caps" "STARTTLS"
expect_contains "--no-tls: IMAP still answers" "$caps" "IMAP4rev1"
stop_serve
# A config folder that cannot be made ($MAILLAB_CONFIG_DIR under a plain file): plain text goes on with a
# warning, but TLS that was asked for (--require-tls) is an error.
touch "$tmp/not-a-folder"
MAILLAB_CONFIG_DIR="$tmp/not-a-folder/maillab" start_serve "$tmp/serve-nocert.log"
nocert=$(cat "$tmp/serve-nocert.log")
expect_contains "unusable config folder: a warning" "$nocert" "warning: serving without TLS"
expect_not_contains "unusable config folder: no TLS ports" "$nocert" "POP3S on"
stop_serve
status=0
MAILLAB_CONFIG_DIR="$tmp/not-a-folder/maillab" timeout 10 "$MAILLAB" serve --pop3-port 0 --imap-port 0 \
    --require-tls >/dev/null 2>"$tmp/err.txt" || status=$?
[[ $status -eq 1 ]] && echo "ok: unusable config folder with --require-tls: exit 1" ||
    { echo "FAIL: --require-tls without a certificate exited $status"; failures=$((failures + 1)); }
if "$MAILLAB" serve --cert "$config/cert.pem" >/dev/null 2>"$tmp/err.txt"; then
    echo "FAIL: --cert without --key was accepted"; failures=$((failures + 1))
else
    expect_contains "--cert without --key is refused" "$(cat "$tmp/err.txt")" "--cert and --key go together"
fi
finish
