# Sourced by net_bench.sh and vs_dovecot.sh: maillab serve and a private Dovecot on loopback.
#
#   bench_setup NAME ARGS...         reads [path/to/maillab] [--count N] [--runs N] into maillab, count (10,000),
#                                    runs (3); sets word, user, password; installs Dovecot when missing; makes
#                                    tmp (/tmp/NAME.XXXXXX), removed with both servers stopped at exit
#   start_maillab MAILLAB DIR USER PASS
#                                    maillab serve --maildir DIR/maildir (accounts in DIR, log DIR/maillab.log)
#                                    on free ports, no TLS; sets maillab_pid, maillab_imap, maillab_pop3,
#                                    maillab_start (seconds until it says it listens, after loading the mail)
#   need_dovecot                     installs dovecot-imapd and dovecot-pop3d with apt-get when missing
#   start_dovecot DIR MAIL USER PASS runs Dovecot in the foreground with its own config in DIR (nothing from
#                                    /etc/dovecot), mail as Maildirs under MAIL/<user>, only on 127.0.0.1 on
#                                    free ports; sets dovecot_pid, dovecot_imap, dovecot_pop3, dovecot_start
#                                    (seconds until both ports answer). No system service is touched.
#   stop_pid PID                     SIGTERM (Dovecot's master stops its children), SIGKILL after 10 s

bench_setup() { # name, arguments
    local name=$1
    shift
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
    need_dovecot
    tmp=$(mktemp -d "/tmp/$name.XXXXXX")
    chmod 755 "$tmp" # Dovecot's mail processes run as nobody and must reach the mail
    maillab_pid="" dovecot_pid=""
    trap bench_cleanup EXIT
}

bench_cleanup() {
    stop_pid "$maillab_pid"
    stop_pid "$dovecot_pid"
    rm -rf "$tmp"
}

need_dovecot() {
    if ! command -v dovecot >/dev/null || [[ ! -e /usr/lib/dovecot/imap || ! -e /usr/lib/dovecot/pop3 ]]; then
        echo "installing dovecot-imapd and dovecot-pop3d"
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo=sudo
        $sudo apt-get update -qq
        # policy-rc.d keeps the package from starting the system service.
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends dovecot-imapd \
            dovecot-pop3d >/dev/null
    fi
}

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
        time.sleep(0.01)
sys.exit(1)
EOF
}

stop_pid() {
    local pid=$1
    [[ -n "$pid" ]] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

start_maillab() { # maillab, dir, user, password
    local maillab=$1 dir=$2 user=$3 password=$4 start_s line
    mkdir -p "$dir/maildir"
    printf '[{"user": "%s", "password": "%s", "mail": "none"}]\n' "$user" "$password" >"$dir/accounts.json"
    : >"$dir/maillab.log"
    start_s=$(date +%s.%N)
    "$maillab" serve --no-tls --pop3-port 0 --imap-port 0 --accounts "$dir/accounts.json" \
        --maildir "$dir/maildir" >"$dir/maillab.log" 2>&1 &
    maillab_pid=$!
    for _ in $(seq 1 6000); do
        grep -q '^maillab serve: POP3 on' "$dir/maillab.log" && break
        kill -0 "$maillab_pid" 2>/dev/null || { cat "$dir/maillab.log"; return 1; }
        sleep 0.01
    done
    line=$(grep -m1 '^maillab serve: POP3 on' "$dir/maillab.log") || { cat "$dir/maillab.log"; return 1; }
    maillab_start=$(python3 -c "print(f'{$(date +%s.%N) - $start_s:.3f}')")
    maillab_pop3=$(sed -E 's/.*POP3 on 127\.0\.0\.1:([0-9]+),.*/\1/' <<<"$line")
    maillab_imap=$(sed -E 's/.*IMAP on 127\.0\.0\.1:([0-9]+) .*/\1/' <<<"$line")
}

start_dovecot() { # dir, mail root, user, password
    local dir=$1 mail=$2 user=$3 password=$4
    mkdir -p "$dir/run" "$dir/state" "$dir/home/$user" "$mail"
    # Dovecot's mail processes run as nobody and must reach the mail (the caller opens the folders above)
    chmod 755 "$dir" "$mail"
    chown -R nobody:nogroup "$mail" "$dir/home"
    if [[ -z "${dovecot_imap:-}" ]]; then # the same ports again on a restart
        dovecot_imap=$(free_port)
        dovecot_pop3=$(free_port)
        while [[ $dovecot_pop3 == "$dovecot_imap" ]]; do dovecot_pop3=$(free_port); done
    fi
    printf '%s:{PLAIN}%s::::::\n' "$user" "$password" >"$dir/users"
    cat >"$dir/dovecot.conf" <<EOF
# A private Dovecot for the benchmark: nothing from /etc/dovecot is read.
base_dir = $dir/run
state_dir = $dir/state
instance_name = bench-$$
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
log_path = $dir/dovecot.log
mail_location = maildir:$mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/home/%u
}
# imaptest's stress runs use up to 50 connections of one user from one address (default 10)
protocol imap {
  mail_max_userip_connections = 200
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
    local start_s
    start_s=$(date +%s.%N)
    dovecot -F -c "$dir/dovecot.conf" >"$dir/stdout.log" 2>&1 &
    dovecot_pid=$!
    if ! wait_port "$dovecot_imap" 30 || ! wait_port "$dovecot_pop3" 30; then
        echo "Dovecot did not start:"
        cat "$dir/stdout.log" "$dir/dovecot.log" 2>/dev/null
        return 1
    fi
    dovecot_start=$(python3 -c "print(f'{$(date +%s.%N) - $start_s:.3f}')")
}
