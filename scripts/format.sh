#!/usr/bin/env bash
# Formats every tracked .cpp and .hpp file with clang-format and the tree's .clang-format.
#   scripts/format.sh           rewrites the files that are not formatted
#   scripts/format.sh --check   changes nothing: names each file that is not formatted and exits 1 if any is
# The tree is formatted with Debian 12's clang-format 14; another version may format some lines otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
case "${1:-}" in
    --check) check=true ;;
    "") ;;
    *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null; then
    echo "format.sh: $clang_format not found (scripts/deps.sh --test installs it)" >&2
    exit 2
fi
version=$("$clang_format" --version)
if [[ "$version" != *"version 14."* ]]; then
    echo "format.sh: note: the tree is formatted with clang-format 14, this is: $version" >&2
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -d '' files < <(git ls-files -z -- '*.cpp' '*.hpp')
else # an unpacked archive: the same folders git tracks
    mapfile -d '' files < <(find sim gui tests fuzz bench \( -name '*.cpp' -o -name '*.hpp' \) -print0 | sort -z)
fi

unformatted=0
for file in "${files[@]}"; do
    if $check; then
        if ! "$clang_format" --style=file "$file" | cmp -s - "$file"; then
            echo "not formatted: $file"
            unformatted=$((unformatted + 1))
        fi
    else
        "$clang_format" --style=file -i "$file"
    fi
done
if $check; then
    if ((unformatted > 0)); then
        echo "$unformatted of ${#files[@]} files are not formatted: run scripts/format.sh" >&2
        exit 1
    fi
    echo "format.sh: all ${#files[@]} C++ files are formatted"
fi
