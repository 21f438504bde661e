# Helpers for the tests that run `maillab serve`: start it on free ports, wait for its line, stop it.
# Source after lib.bash. start_serve sets SERVE_PID, POP3_PORT and IMAP_PORT; the caller's EXIT trap
# should call stop_serve (stop_all_serves stops every server this script started).
SERVE_PIDS=()

start_serve() { # log file, then extra options for `maillab serve`
    local log=$1
    shift
    "$MAILLAB" serve --pop3-port 0 --imap-port 0 "$@" >"$log" 2>&1 &
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
    echo "serve (pid $SERVE_PID): POP3 on $POP3_PORT, IMAP on $IMAP_PORT"
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
