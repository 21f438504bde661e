#!/usr/bin/env bash
# lessons/lesson.schema.json against the loader: every shipped lesson is valid by the schema and runs with all
# its checkpoints holding; broken lessons are rejected by both the schema and `maillab run`, and unusual but
# valid spellings are accepted by both.
source "$(dirname "$0")/lib.bash"

schema=lessons/lesson.schema.json
if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "FAIL: Python's jsonschema is not installed (bash scripts/deps.sh --test installs python3-jsonschema)"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints "valid" or the first problem of each file given, one line each: "FILE: valid|invalid: why".
validate() {
    python3 - "$schema" "$@" <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    try:
        document = json.load(open(path))
    except ValueError as e:
        print(f"{path}: invalid: not JSON: {e}")
        continue
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "top level"
        print(f"{path}: invalid: {where}: {errors[0].message[:200]}")
    else:
        print(f"{path}: valid")
EOF
}

# [SECTION] every shipped lesson
lessons=()
for file in lessons/*.json; do
    [[ $file == "$schema" ]] || lessons+=("$file")
done
((${#lessons[@]} >= 12)) && echo "ok: ${#lessons[@]} lessons" || { echo "FAIL: only ${#lessons[@]} lessons"; failures=$((failures + 1)); }
results=$(validate "${lessons[@]}")
for file in "${lessons[@]}"; do
    expect_contains "$file matches the schema" "$results" "$file: valid"
    status=0
    err=$("$MAILLAB" run "$file" --quiet 2>&1 >/dev/null) || status=$?
    if [[ $status -eq 0 ]]; then echo "ok: $file runs, every checkpoint holds"; else
        echo "FAIL: $file: maillab run exited with $status: $err"
        failures=$((failures + 1))
    fi
done

# [SECTION] broken lessons: the schema and the loader both say no
base='"devices": [{"name": "laptop", "protocol": "pop3", "user": "alice", "password": "wonderland"},
                  {"name": "phone", "protocol": "imap", "user": "alice", "password": "wonderland"}]'
broken() { # name, JSON text
    printf '%s\n' "$2" >"$tmp/$1.json"
}
broken unknown-action '{"title": "t", '"$base"', "steps": [{"device": "laptop", "action": "fly"}]}'
broken missing-title '{'"$base"', "steps": []}'
broken no-devices '{"title": "t", "devices": [], "steps": []}'
broken raw-without-line '{"title": "t", '"$base"', "steps": [{"device": "laptop", "action": "raw"}]}'
broken raw-two-lines '{"title": "t", '"$base"', "steps": [{"device": "laptop", "action": "raw", "line": "NOOP\r\nQUIT"}]}'
broken answer-out-of-range '{"title": "t", '"$base"', "steps": [{"action": "note", "question":
    {"prompt": "p", "choices": ["a", "b"], "answer": 2, "explanation": "e"}}]}'
broken one-choice '{"title": "t", '"$base"', "steps": [{"action": "note", "question":
    {"prompt": "p", "choices": ["a"], "answer": 0, "explanation": "e"}}]}'
broken unknown-claim '{"title": "t", '"$base"', "steps": [{"action": "note", "checkpoint":
    {"description": "d", "claims": [{"claim": "server smiled", "text": "+OK"}]}}]}'
broken claim-without-equals '{"title": "t", '"$base"', "steps": [{"action": "note", "checkpoint":
    {"description": "d", "claims": [{"claim": "server messages", "user": "alice"}]}}]}'
broken empty-claims '{"title": "t", '"$base"', "steps": [{"action": "note", "checkpoint": {"description": "d", "claims": []}}]}'
broken move-without-folder '{"title": "t", '"$base"', "steps": [{"device": "phone", "action": "move", "message": 1}]}'
broken flag-without-message '{"title": "t", '"$base"', "steps": [{"device": "phone", "action": "flag"}]}'
broken deliver-without-subject '{"title": "t", '"$base"', "steps": [{"action": "deliver", "to": "alice", "from": "x"}]}'
broken wait-zero '{"title": "t", '"$base"', "steps": [{"action": "wait", "days": 0}]}'
broken imap-keep-mode '{"title": "t", "devices": [{"name": "p", "protocol": "imap", "mode": "keep", "user": "a", "password": "b"}], "steps": []}'
broken negative-days '{"title": "t", "devices": [{"name": "p", "protocol": "pop3", "mode": "keep", "remove_after_days": -1, "user": "a", "password": "b"}], "steps": []}'
broken bad-mail '{"title": "t", "accounts": [{"user": "alice", "password": "w", "mail": "all"}], '"$base"', "steps": []}'
broken unknown-security '{"title": "t", "devices": [{"name": "p", "protocol": "pop3", "security": "ssl", "user": "a", "password": "b"}], "steps": []}'
broken server-option-not-boolean '{"title": "t", '"$base"', "server": {"login_requires_tls": "yes"}, "steps": []}'
broken wire-shows-without-text '{"title": "t", '"$base"', "steps": [{"action": "note", "checkpoint":
    {"description": "d", "claims": [{"claim": "wire shows"}]}}]}'
broken webmail-over-pop3 '{"title": "t", "devices": [{"name": "w", "kind": "webmail", "protocol": "pop3", "user": "a", "password": "b"}], "steps": []}'
broken unknown-kind '{"title": "t", "devices": [{"name": "w", "kind": "toaster", "protocol": "imap", "user": "a", "password": "b"}], "steps": []}'
broken reveal-without-command '{"title": "t", '"$base"', "steps": [{"action": "note", "question":
    {"prompt": "p", "choices": ["a", "b"], "answer": 0, "explanation": "e", "reveal": {"device": "laptop"}}}]}'
broken wire-shows-equals-two '{"title": "t", '"$base"', "steps": [{"action": "note", "checkpoint":
    {"description": "d", "claims": [{"claim": "wire shows", "text": "PASS", "equals": 2}]}}]}'
results=$(validate "$tmp"/*.json)
for file in "$tmp"/*.json; do
    name=$(basename "$file" .json)
    expect_contains "the schema rejects $name" "$results" "$file: invalid"
    status=0
    "$MAILLAB" run "$file" --quiet >/dev/null 2>&1 || status=$?
    [[ $status -eq 1 ]] && echo "ok: the loader rejects $name" || { echo "FAIL: the loader accepts $name (exit $status)"; failures=$((failures + 1)); }
done
expect_contains "the schema names the unknown action" "$results" "unknown-action.json: invalid: steps/0/action"
expect_contains "the schema names the missing title" "$results" "missing-title.json: invalid: top level: 'title' is a required property"

# The one place the schema is stricter than the loader: a misspelt field name.
printf '%s\n' '{"title": "t", '"$base"', "steps": [{"action": "note", "narattion": "typo"}]}' >"$tmp/typo.json.txt"
results=$(validate "$tmp/typo.json.txt")
expect_contains "the schema rejects a misspelt field" "$results" "typo.json.txt: invalid"

# [SECTION] unusual spellings the loader accepts: the schema accepts them too
mkdir "$tmp/good"
printf '%s\n' '{"title": "t", "accounts": [{"user": "alice", "password": "wonderland", "mail": ["INBOX/17-borrow-cable.eml"]}],
  "server": {"tls_available": true},
  "devices": [{"name": "laptop", "protocol": "POP3", "mode": "Keep", "auth": "APOP", "security": "StartTLS", "user": "alice", "password": "wonderland"},
              {"name": "phone", "protocol": "Imap", "security": "TLS", "user": "alice", "password": "wonderland"}],
  "steps": [{"device": "laptop", "action": "Check_Mail", "fault": {"drop_before": "quit"}},
            {"device": "phone", "action": "OPEN MESSAGE", "subject": "cable", "checkpoint": {"description": "d",
              "claims": [{"claim": "server said", "text": "BODY[1]", "equals": "ignored"}]}},
            {"device": "phone", "action": "search", "query": "cable", "key": "subject"},
            {"action": "deliver", "to": "alice", "message": "", "from": "x@example.com", "subject": "s"},
            {"action": "wait", "days": 0, "seconds": 1.5},
            {"action": "reset_uidvalidity", "user": "alice"},
            {"action": "note", "question": {"prompt": "p", "choices": ["a", "b", "c"], "answer": 2, "explanation": "e"},
             "checkpoint": {"description": "d", "claims": [{"claim": "wire shows", "text": "wonderland", "equals": 0}]}}]}' \
    >"$tmp/good/spellings.json"
results=$(validate "$tmp/good/spellings.json")
expect_contains "the schema accepts the loader's spellings" "$results" "spellings.json: valid"
status=0
err=$("$MAILLAB" run "$tmp/good/spellings.json" --quiet 2>&1 >/dev/null) || status=$?
[[ $status -eq 0 ]] && echo "ok: the loader accepts them too" || { echo "FAIL: maillab run exited with $status: $err"; failures=$((failures + 1)); }
finish
