#!/usr/bin/env bash
# Instructions per iteration of each script here, counted by callgrind: the script runs
# with N iterations and with N=0 and the difference is divided by N (startup cancels
# out). Used for the hot-path figures in issue notes, where the 2 shared cores make
# timings noisy. Run from the repository root after `make build fixture bench`:
#   bash bench/callgrind/run.sh [script ...]
# A `.lua` script (bench/callgrind/luajit/, the same loops) runs under `luajit -joff`.
# CG_N sets N (default 200000).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export LUAU_CPATH="$root/dist/?.so" FFI_FIXTURE="$root/dist/libfixture.so"
out=$(mktemp -d)
n=${CG_N:-200000}
count() {
	local run=("$root/dist/luau-ffi")
	[[ $1 == *.lua ]] && run=(luajit -joff)
	N=$2 valgrind --tool=callgrind --callgrind-out-file="$out/cg" "${run[@]}" "$1" 2>&1 |
		awk '/Collected/ {print $4}'
}
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("$root"/bench/callgrind/*.luau)
for s in "${scripts[@]}"; do
	base=$(count "$s" 0)
	full=$(count "$s" "$n")
	echo "$(basename "$s"): $(((full - base) / n)) instructions per iteration"
done
rm -rf "$out"
