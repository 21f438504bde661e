#!/usr/bin/env bash
# Coursework from the command line, checked against the JSON Schemas in docs/: the json export of every
# shipped lesson matches docs/transcript.schema.json; `maillab run LESSON --answers A.json --hand-in DIR`
# writes the student's folder (answers.json and results.json valid by their schemas, the transcript in three
# formats, the pcapng that tshark reads), and a broken answers file is refused with its file and position.
source "$(dirname "$0")/lib.bash"

if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "FAIL: Python's jsonschema is not installed (bash scripts/deps.sh --test installs python3-jsonschema)"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# [SECTION] the json export of every lesson, and of the frozen golden lessons
files=()
for lesson in lessons/*.json tests/golden/export/lessons/*.json; do
    [[ $lesson == lessons/lesson.schema.json ]] && continue
    out="$tmp/$(basename "$(dirname "$lesson")")-$(basename "$lesson")"
    "$MAILLAB" export "$lesson" --format json -o "$out"
    files+=("$out")
done
results=$(validate_json docs/transcript.schema.json "${files[@]}")
for file in "${files[@]}"; do expect_contains "$(basename "$file") matches docs/transcript.schema.json" "$results" "$file: valid"; done
# The schema is not a rubber stamp: a changed field fails it.
python3 - "${files[0]}" "$tmp/broken.json" <<'EOF_PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["entries"][0]["direction"] = "sideways"
json.dump(d, open(sys.argv[2], "w"))
EOF_PY
expect_contains "the transcript schema rejects an unknown direction" "$(validate_json docs/transcript.schema.json "$tmp/broken.json")" \
    "broken.json: invalid: entries/0/direction"

# [SECTION] a hand-in from the command line
lesson=$(grep -l '"question"' lessons/*.json | grep -v schema | head -1)
name=$(basename "$lesson")
# The first question of the lesson, answered right: its step number and answer, from the json export.
read -r step answer < <(python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["steps"]:
    if "question" in s:
        print(s["number"], s["question"]["answer"]); break' "$tmp/lessons-$name")
printf '{"format": "maillab-answers", "version": 1, "name": "Ada Lovelace", "date": "2026-12-07",
  "lesson": "%s", "answers": [{"step": %s, "choice": %s}]}\n' "$name" "$step" "$answer" >"$tmp/answers.json"
expect_contains "the answers file is valid by docs/answers.schema.json" \
    "$(validate_json docs/answers.schema.json "$tmp/answers.json")" "answers.json: valid"
status=0
"$MAILLAB" run "$lesson" --quiet --answers "$tmp/answers.json" --hand-in "$tmp/class" >/dev/null 2>"$tmp/stderr" || status=$?
[[ $status -eq 0 ]] && echo "ok: maillab run --answers --hand-in exits 0" ||
    { echo "FAIL: exit $status: $(cat "$tmp/stderr")"; failures=$((failures + 1)); }
folder="$tmp/class/Ada-Lovelace"
for file in answers.json results.json results.txt transcript.html transcript.txt transcript.json transcript.pcapng lesson.json; do
    [[ -s "$folder/$file" ]] && echo "ok: the hand-in holds $file" || { echo "FAIL: no $folder/$file"; failures=$((failures + 1)); }
done
expect_contains "the hand-in's answers.json round-trips, valid by its schema" \
    "$(validate_json docs/answers.schema.json "$folder/answers.json")" "answers.json: valid"
cmp -s <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])))' "$tmp/answers.json") \
    <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])))' "$folder/answers.json") &&
    echo "ok: the same answers as handed in" || { echo "FAIL: the answers changed"; failures=$((failures + 1)); }
expect_contains "results.json is valid by docs/hand-in.schema.json" \
    "$(validate_json docs/hand-in.schema.json "$folder/results.json")" "results.json: valid"
expect_contains "transcript.json is valid by docs/transcript.schema.json" \
    "$(validate_json docs/transcript.schema.json "$folder/transcript.json")" "transcript.json: valid"
expect_contains "results.txt says the answer was right" "$(cat "$folder/results.txt")" "Right: 1 of"
expect_contains "results.json grades it right" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["questions"][0]["right"])' "$folder/results.json")" "True"
packets=$(tshark -r "$folder/transcript.pcapng" 2>/dev/null | wc -l)
((packets > 0)) && echo "ok: tshark reads the hand-in's capture ($packets packets)" || { echo "FAIL: tshark reads no packets"; failures=$((failures + 1)); }

# [SECTION] broken answers: the file and the position, exit 1, no folder
broken() { # name, content, expected message part
    printf '%s\n' "$2" >"$tmp/$1.json"
    local status=0 err
    err=$("$MAILLAB" run "$lesson" --quiet --answers "$tmp/$1.json" --hand-in "$tmp/broken-class" 2>&1 >/dev/null) || status=$?
    expect_contains "$1: refused with its position" "$err" "$tmp/$1.json: $3"
    [[ $status -eq 1 && ! -e "$tmp/broken-class" ]] && echo "ok: $1: exit 1, nothing written" ||
        { echo "FAIL: $1: exit $status"; failures=$((failures + 1)); }
}
broken syntax '{"format": "maillab-answers",
  "version": 1
  "name": "x"}' "parse error at line 3, column"
broken choice '{"format": "maillab-answers", "version": 1, "name": "x", "date": "2026-12-07", "lesson": "'"$name"'",
  "answers": [{"step": '"$step"', "choice": 99}]}' "answers[0].choice: step $step has choices 0 to"
broken other-lesson '{"format": "maillab-answers", "version": 1, "name": "x", "date": "2026-12-07", "lesson": "elsewhere.json", "answers": []}' \
    "lesson: these answers are for \"elsewhere.json\""
status=0
err=$("$MAILLAB" run "$lesson" --quiet --hand-in "$tmp/no-answers" 2>&1 >/dev/null) || status=$?
expect_contains "--hand-in without --answers: refused (exit $status)" "$err" "needs the student's answers"
expect_contains "the answers schema rejects a negative choice too" \
    "$(printf '{"format": "maillab-answers", "version": 1, "name": "x", "date": "2026-12-07", "lesson": "l.json", "answers": [{"step": 1, "choice": -1}]}' >"$tmp/neg.json"; validate_json docs/answers.schema.json "$tmp/neg.json")" \
    "neg.json: invalid: answers/0/choice"
finish
