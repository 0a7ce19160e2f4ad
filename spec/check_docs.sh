#!/bin/sh
# Runs every ```luau code block of the given Markdown files with the host, each block as
# its own script (blocks fenced as ```luau norun are skipped). A block passes when it
# exits with status 0 (they assert what they show).
# Usage: check_docs.sh HOST FILE.md... (run with LUAU_CPATH set so that require("ffi") works).
set -u
host=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0
failed=0
for doc in "$@"; do
	# Each runnable block becomes $dir/<n>.luau; the line it starts on goes into its name.
	rm -f "$dir"/*.luau
	awk -v dir="$dir" '
		/^```luau[ \t]*$/ { inblock = 1; file = sprintf("%s/%04d.luau", dir, NR); next }
		/^```/ && inblock { inblock = 0; close(file); next }
		inblock { print > file }
	' "$doc"
	for block in "$dir"/*.luau; do
		[ -e "$block" ] || continue
		line=$(basename "$block" .luau | sed 's/^0*//')
		if out=$("$host" "$block" 2>&1); then
			passed=$((passed + 1))
		else
			echo "FAIL $doc:$line"
			printf '%s\n' "$out" | sed 's/^/    /'
			failed=$((failed + 1))
		fi
	done
done
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
