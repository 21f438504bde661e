#!/usr/bin/env bash
# maillab screenshot under Xvfb: a real OpenGL window (Mesa's software renderer), read back into a PNG.
# Checks the size, that the picture is not blank, that a later step draws a different picture, and errors.
source "$(dirname "$0")/lib.bash"
# Under AddressSanitizer: Mesa's OpenGL driver, loaded and unloaded behind GLFW, leaves allocations that
# LeakSanitizer reports from unknown modules. Leaks are not checked for these windowed runs; the dashboard's
# own code is leak-checked headless (tests/dashboard_test.cpp and the other panel tests).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

tmp=$(mktemp -d)
trap 'stop_xvfb; rm -rf "$tmp"' EXIT
# One private X server for every shot (see start_xvfb in lib.bash for why not xvfb-run -a).
start_xvfb 1920x1080x24
shot() { XDG_CONFIG_HOME="$tmp/config" "$MAILLAB" screenshot "$@"; }
# The usage errors, which are found before a window is opened: they must not need a display at all.
noshot() { XDG_CONFIG_HOME="$tmp/config" env -u DISPLAY -u WAYLAND_DISPLAY "$MAILLAB" screenshot "$@"; }

# Reads a PNG with Python's zlib (8-bit RGB/RGBA, filter types 0-4) and prints: width height colours share
# where colours is the number of distinct colours and share the fraction of pixels in the commonest one.
png_stats() {
    python3 - "$1" <<'PY'
import struct, sys, zlib, collections
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 4 if ctype == 6 else 3
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * bpp
rows, prev, i = [], bytearray(stride), 0
for _ in range(height):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
counts = collections.Counter()
for row in rows[::4]:
    for x in range(0, stride, bpp * 4):
        counts[row[x:x + 3]] += 1
total = sum(counts.values())
print(width, height, len(counts), "%.3f" % (counts.most_common(1)[0][1] / total))
PY
}

out=$(shot --lesson lessons/14-pop3-delete-mode.json --step 8 --out "$tmp/full.png" 2>&1)
expect_contains "writes the file and says so" "$out" "wrote $tmp/full.png (1600x900, step 8)"
expect_contains "counts the text it cut" "$out" "clipped: "
# The key line of the lesson on a projector: the transcript alone at 1280x720 cuts nothing (issue 13).
out=$(shot --lesson lessons/14-pop3-delete-mode.json --step 22 --panel transcript --presenter --size 1280x720 \
    --out "$tmp/transcript.png" 2>&1)
expect_contains "the transcript at 1280x720 in presenter mode cuts nothing" "$out" "clipped: 0"
read -r width height colours share <<<"$(png_stats "$tmp/full.png")"
[[ "$width $height" == "1600 900" ]] && echo "ok: 1600x900" || { echo "FAIL: size $width x $height"; failures=$((failures + 1)); }
# A blank or one-colour frame has a handful of colours; text and panels give hundreds (antialiasing).
((colours > 50)) && echo "ok: $colours colours" || { echo "FAIL: only $colours colours: blank?"; failures=$((failures + 1)); }
python3 -c "import sys; sys.exit(0 if float('$share') < 0.9 else 1)" && echo "ok: no colour covers 90% ($share)" ||
    { echo "FAIL: one colour covers $share of the picture"; failures=$((failures + 1)); }

shot --lesson lessons/14-pop3-delete-mode.json --step 0 --out "$tmp/start.png" >/dev/null
if cmp -s "$tmp/start.png" "$tmp/full.png"; then echo "FAIL: step 0 and step 8 look the same"; failures=$((failures + 1)); else echo "ok: step 8 differs from step 0"; fi

out=$(shot --lesson lessons/17-imap-two-devices.json --step 10 --panel transcript --size 800x600 --theme light --out "$tmp/panel.png" 2>&1)
expect_contains "one panel at another size" "$out" "(800x600"
read -r width height colours share <<<"$(png_stats "$tmp/panel.png")"
[[ "$width $height" == "800 600" ]] && echo "ok: 800x600" || { echo "FAIL: size $width x $height"; failures=$((failures + 1)); }
((colours > 20)) && echo "ok: panel has $colours colours" || { echo "FAIL: panel blank ($colours colours)"; failures=$((failures + 1)); }

status=0
err=$(noshot --panel nosuch --out "$tmp/x.png" 2>&1) || status=$?
expect_contains "unknown panel names the panels" "$err" "no panel \"nosuch\"; panels: lesson events transcript"
[[ $status -eq 2 ]] && echo "ok: exit 2" || { echo "FAIL: exit $status"; failures=$((failures + 1)); }
status=0
err=$(noshot --lesson "$tmp/none.json" --out "$tmp/x.png" 2>&1) || status=$?
expect_contains "missing lesson says which file" "$err" "none.json"
[[ $status -eq 1 ]] && echo "ok: exit 1" || { echo "FAIL: exit $status"; failures=$((failures + 1)); }
out=$(shot --lesson lessons/14-pop3-delete-mode.json --step 11 --layout presenter --size 1280x720 --out "$tmp/presenter.png" 2>&1)
expect_contains "the presenter layout at 1280x720" "$out" "(1280x720, step 11)"
if cmp -s "$tmp/presenter.png" "$tmp/start.png"; then echo "FAIL: layouts look the same"; failures=$((failures + 1)); else echo "ok: presenter layout drawn"; fi
status=0
err=$(noshot --layout teacher --out "$tmp/x.png" 2>&1) || status=$?
expect_contains "an unknown layout names the layouts" "$err" "student, presenter or analyst"
[[ $status -eq 2 ]] && echo "ok: exit 2" || { echo "FAIL: exit $status"; failures=$((failures + 1)); }

status=0
err=$(env -u DISPLAY -u WAYLAND_DISPLAY "$MAILLAB" screenshot --out "$tmp/x.png" 2>&1) || status=$?
expect_contains "without a display it says how to get one" "$err" "xvfb-run -a"
[[ ! -e "$tmp/config/maillab/imgui.ini" ]] && echo "ok: a screenshot writes no settings" || { echo "FAIL: imgui.ini written"; failures=$((failures + 1)); }
finish
