#!/usr/bin/env bash
# maillab lint on the shipped lessons (CI runs this) and on fixtures that break its rules; maillab run asks each
# question before its step and answers it only after the line that settles it, then prints the summary; the
# setting opens the run and the description closes it.
source "$(dirname "$0")/lib.bash"

lessons=()
for file in lessons/*.json; do
    [[ $file == lessons/lesson.schema.json ]] || lessons+=("$file")
done
status=0
out=$("$MAILLAB" lint "${lessons[@]}" 2>&1) || status=$?
[[ $status -eq 0 ]] && echo "ok: every shipped lesson passes the lint" || { echo "FAIL: lint exited $status: $out"; failures=$((failures + 1)); }

# [SECTION] fixtures that must fail, each finding with file:line:column
status=0
out=$("$MAILLAB" lint tests/lessons/spoils-its-answer.json 2>&1) || status=$?
[[ $status -eq 1 ]] && echo "ok: a lesson that spoils its own question fails the lint" || { echo "FAIL: exit $status"; failures=$((failures + 1)); }
expect_contains "the finding names file, line and column" "$out" "tests/lessons/spoils-its-answer.json:13:20: step 1's narration gives away the answer \"2\""
status=0
out=$("$MAILLAB" lint tests/lessons/reveal-never-happens.json 2>&1) || status=$?
[[ $status -eq 1 ]] && echo "ok: a reveal point that never happens fails the lint" || { echo "FAIL: exit $status"; failures=$((failures + 1)); }
expect_contains "the finding says which reveal point" "$out" "the reveal point never happens when the lesson runs (after the server's reply to DELE)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '{"title": "t", "devices": [{"name": "a", "protocol": "pop3", "user": "alice", "password": "w"}],\n "steps": [{"action": "note", "narattion": "x"}]}\n' >"$tmp/typo.json"
out=$("$MAILLAB" lint "$tmp/typo.json" 2>&1) || true
expect_contains "a misspelt field is a schema error with its position" "$out" "typo.json:2:31: unknown field \"narattion\""

# [SECTION] maillab run: question before the step, answer after the line that settles it
out=$("$MAILLAB" run lessons/15-pop3-keep-mode.json </dev/null)
question=$(grep -n "^# Question: UIDL lists four" <<<"$out" | cut -d: -f1)
later=$(grep -n "(answer after the step)" <<<"$out" | cut -d: -f1)
retr4=$(grep -n "C: RETR 4" <<<"$out" | cut -d: -f1)
quit=$(grep -n "signing off (0 deleted, 4 left)" <<<"$out" | cut -d: -f1)
answer=$(grep -n "^# Answer: b) 1" <<<"$out" | cut -d: -f1)
if [[ -n $question && -n $later && -n $retr4 && -n $quit && -n $answer ]] && ((question < later && later < retr4 && retr4 < quit && quit + 1 == answer)); then
    echo "ok: the question comes before RETR 4, the answer right after QUIT's reply"
else
    echo "FAIL: order question=$question later=$later retr4=$retr4 quit=$quit answer=$answer"
    failures=$((failures + 1))
fi
expect_contains "the summary gives the end state" "$out" "#   server, alice: INBOX 4"
expect_contains "the summary counts predictions" "$out" "# Predictions: 0 of 1 right first time (0 answered)"

# The setting opens the run (second line, after the title); the description tells the outcome, so it comes only
# after the summary.
expect_contains "the setting follows the title" "$(sed -n 2p <<<"$out")" "# Alice's laptop reads her mail with POP3 in keep mode"
summary=$(grep -n "^# Summary:" <<<"$out" | cut -d: -f1)
showed=$(grep -n "^# What this lesson showed: The laptop checks mail twice" <<<"$out" | cut -d: -f1)
if [[ -n $summary && -n $showed ]] && ((summary < showed)); then
    echo "ok: the description comes after the summary"
else
    echo "FAIL: summary=$summary description=$showed"
    failures=$((failures + 1))
fi
expect_not_contains "nor anywhere before it" "$(head -n "${summary:-1}" <<<"$out")" "remembers the unique ids"
printf '{"title": "t", "setting": "The laptop will download 2 messages.",\n "devices": [{"name": "laptop", "protocol": "pop3", "mode": "keep", "user": "alice", "password": "wonderland"}],\n "steps": [{"device": "laptop", "action": "check mail", "question": {"prompt": "How many?", "choices": ["0", "2"], "answer": 1, "explanation": "e"}}]}\n' >"$tmp/setting.json"
status=0
out=$("$MAILLAB" lint "$tmp/setting.json" 2>&1) || status=$?
[[ $status -eq 1 ]] && echo "ok: a setting that gives an answer away fails the lint" || { echo "FAIL: exit $status: $out"; failures=$((failures + 1)); }
expect_contains "the finding names the file and the field" "$out" "setting.json:1:27: the setting gives away the answer \"2\" to step 1's question"

# On a terminal the student commits to a prediction first (script(1) gives the run a terminal).
if command -v script >/dev/null; then
    out=$(printf 'z\n2\n' | script -qec "$MAILLAB run lessons/15-pop3-keep-mode.json" /dev/null | tr -d '\r')
    expect_contains "a terminal gets a prompt" "$out" "# Your prediction (a-c): "
    expect_contains "the prediction is judged with the answer" "$out" "# Answer: b) 1 (your prediction: right)"
    expect_contains "and counted in the summary" "$out" "# Predictions: 1 of 1 right first time"
fi
finish
