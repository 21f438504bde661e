#!/usr/bin/env bash
# The headless commands: default mode without a display, run, and clear errors for broken lesson files.
source "$(dirname "$0")/lib.bash"

out=$(env -u DISPLAY -u WAYLAND_DISPLAY "$MAILLAB")
expect_contains "says there is no display, in one line" "$(printf '%s' "$out" | head -n 1)" "No display found: running the default lesson headless"
expect_contains "prints the transcript" "$out" "C: RETR 1"

out=$("$MAILLAB" run lessons/15-pop3-keep-mode.json --quiet)
expect_contains "keep mode uses UIDL" "$out" "C: UIDL"
expect_not_contains "keep mode never deletes" "$out" "C: DELE"
expect_not_contains "quiet means no narration" "$out" "# "

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '{\n  "title": "broken",\n  "devices": [\n}\n' >"$tmp/broken.json"
status=0
err=$("$MAILLAB" run "$tmp/broken.json" 2>&1) || status=$?
expect_contains "bad JSON gives file and line" "$err" "broken.json: parse error at line 4"
[[ $status -eq 1 ]] && echo "ok: exit status 1" || { echo "FAIL: exit status $status"; failures=$((failures + 1)); }
printf '{"title": "t", "devices": [{"name": "a", "protocol": "pop3", "user": "alice", "password": "w"}], "steps": [{"device": "a", "action": "fly"}]}' >"$tmp/action.json"
err=$("$MAILLAB" run "$tmp/action.json" 2>&1) || true
expect_contains "unknown action names the step" "$err" 'step 1.action: unknown action "fly"'
finish
