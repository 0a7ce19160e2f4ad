#!/usr/bin/env bash
# Instructions per iteration of each script here, counted by callgrind: the script runs
# with N=200000 and with N=0 and the difference is divided by 200000 (startup cancels
# out). Used for the hot-path figures in issue notes, where the 2 shared cores make
# timings noisy. Run from the repository root after `make build fixture bench`:
#   bash bench/callgrind/run.sh [script ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export LUAU_CPATH="$root/dist/?.so" FFI_FIXTURE="$root/dist/libfixture.so"
out=$(mktemp -d)
count() {
	N=$2 valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$root/dist/luau-ffi" "$1" 2>&1 |
		awk '/Collected/ {print $4}'
}
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("$root"/bench/callgrind/*.luau)
for s in "${scripts[@]}"; do
	base=$(count "$s" 0)
	full=$(count "$s" 200000)
	echo "$(basename "$s" .luau): $(( (full - base) / 200000 )) instructions per iteration"
done
rm -rf "$out"
