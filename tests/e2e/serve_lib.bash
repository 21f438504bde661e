# Helpers for the tests that run `maillab serve`: start it on free ports, wait for its line, stop it.
# Source after lib.bash. start_serve sets SERVE_PID, POP3_PORT and IMAP_PORT, and with TLS (the default)
# POP3S_PORT, IMAPS_PORT and CERT_FILE; the caller's EXIT trap should call stop_serve (stop_all_serves
# stops every server this script started). The certificate goes to a config folder beside the log file,
# never to the real ~/.config.
SERVE_PIDS=()

# A scratch folder, $tmp, removed at exit once every server started with start_serve has stopped.
serve_scratch() {
    tmp=$(mktemp -d)
    trap 'stop_all_serves; rm -rf "$tmp"' EXIT
}

start_serve() { # log file, then extra options for `maillab serve`
    local log=$1
    shift
    local config
    config="$(cd "$(dirname "$log")" && pwd)/config"
    : >"$log" # emptied now, so the wait below cannot read the line of an earlier server on the same log
    XDG_CONFIG_HOME="$config" "$MAILLAB" serve --pop3-port 0 --imap-port 0 --pop3s-port 0 --imaps-port 0 \
        "$@" >"$log" 2>&1 &
    SERVE_PID=$!
    SERVE_PIDS+=("$SERVE_PID")
    local line=""
    for _ in $(seq 1 150); do # at most 15 s
        line=$(grep -m1 '^maillab serve: POP3 on 127.0.0.1:' "$log" || true)
        [[ -n "$line" ]] && break
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$line" ]]; then
        echo "FAIL: maillab serve did not print its line; its output:"
        cat "$log"
        exit 1
    fi
    POP3_PORT=$(sed -E 's/.*POP3 on 127\.0\.0\.1:([0-9]+),.*/\1/' <<<"$line")
    IMAP_PORT=$(sed -E 's/.*IMAP on 127\.0\.0\.1:([0-9]+) .*/\1/' <<<"$line")
    POP3S_PORT=$(sed -nE 's/^maillab serve: POP3S on 127\.0\.0\.1:([0-9]+),.*/\1/p' "$log")
    IMAPS_PORT=$(sed -nE 's/^maillab serve: .*IMAPS on 127\.0\.0\.1:([0-9]+) .*/\1/p' "$log")
    CERT_FILE=$(sed -n 's/^maillab serve: TLS certificate //p' "$log")
    echo "serve (pid $SERVE_PID): POP3 on $POP3_PORT, IMAP on $IMAP_PORT${POP3S_PORT:+, POP3S on $POP3S_PORT, IMAPS on $IMAPS_PORT}"
}

stop_serve() { # pid (default: the last one started); SIGTERM, then SIGKILL after 5 s
    local pid=${1:-${SERVE_PID:-}}
    [[ -n "$pid" ]] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

stop_all_serves() {
    local pid
    for pid in "${SERVE_PIDS[@]}"; do stop_serve "$pid"; done
}

expect_alive() { # name, pid
    if kill -0 "$2" 2>/dev/null; then echo "ok: $1"; else echo "FAIL: $1: the server (pid $2) is gone"; failures=$((failures + 1)); fi
}

run_client_script() { # python script beside this file, run against the server started last (its ports in
    # the environment); counts a failure when it fails, then checks the server outlived it
    local script=$1 status=0
    POP3_PORT=$POP3_PORT IMAP_PORT=$IMAP_PORT timeout 50 python3 "$(dirname "${BASH_SOURCE[0]}")/$script" ||
        status=$?
    [[ $status -eq 0 ]] && echo "ok: $script" || { echo "FAIL: $script exited $status"; failures=$((failures + 1)); }
    expect_alive "the server is still running" "$SERVE_PID"
}
