#!/usr/bin/env bash
# The layering that docs/DESIGN.md promises, checked against the code: each sim/ folder includes only the
# folders its row of the table in "## Layers" names; sockets only in sim/net; the real clock read only in
# sim/net (everything else gets a wire::Clock); no GUI library anywhere in sim/.
source "$(dirname "$0")/lib.bash"
cd "$(dirname "$0")/../.."

declare -A allowed
while IFS='|' read -r _ folder _ deps _; do
    folder=$(tr -d ' `' <<<"$folder")
    deps=$(sed 's/(nothing)//; s/,/ /g' <<<"$deps" | xargs)
    allowed[$folder]=$deps
done < <(sed -n '/^## Layers/,/^## /p' docs/DESIGN.md | grep '^| `sim/')
((${#allowed[@]} > 0)) && echo "ok: docs/DESIGN.md lists ${#allowed[@]} sim/ folders" ||
    { echo "FAIL: no layer table in docs/DESIGN.md"; exit 1; }

for dir in sim/*/; do
    folder=${dir%/}
    if [[ ! -v "allowed[$folder]" ]]; then
        echo "FAIL: $folder is not in the layer table of docs/DESIGN.md"; failures=$((failures + 1)); continue
    fi
    bad=""
    while IFS= read -r used; do
        [[ "$used" == "${folder#sim/}" ]] && continue
        [[ " ${allowed[$folder]} " == *" $used "* ]] || bad+=" $used"
    done < <(grep -ho '^#include "[a-z0-9_]*/' "$dir"*.cpp "$dir"*.hpp 2>/dev/null | sed 's/#include "//; s|/||' | sort -u)
    [[ -z "$bad" ]] && echo "ok: $folder depends only on: ${allowed[$folder]:-nothing}" ||
        { echo "FAIL: $folder includes$bad, which docs/DESIGN.md does not allow"; failures=$((failures + 1)); }
done

sockets=$(grep -rlE '#include <(sys/socket\.h|sys/poll\.h|poll\.h|netinet/|arpa/|netdb\.h)' sim | grep -v '^sim/net/' || true)
[[ -z "$sockets" ]] && echo "ok: sockets only in sim/net" ||
    { echo "FAIL: sockets outside sim/net in: $sockets"; failures=$((failures + 1)); }
clocks=$(grep -rlE 'system_clock|steady_clock|std::time\(|gettimeofday|clock_gettime' sim --include='*.cpp' --include='*.hpp' | grep -v '^sim/net/' || true)
[[ -z "$clocks" ]] && echo "ok: the real clock is read only in sim/net" ||
    { echo "FAIL: the real clock is read outside sim/net in: $clocks"; failures=$((failures + 1)); }
gui=$(grep -rlE '#include [<"](imgui|GLFW|backends/)' sim || true)
[[ -z "$gui" ]] && echo "ok: no GUI code in sim/" || { echo "FAIL: GUI headers in: $gui"; failures=$((failures + 1)); }
finish
