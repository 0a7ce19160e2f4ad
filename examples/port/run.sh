#!/bin/sh
# The `luau-ffi port` tests. Run from the repository root, with LUAU_CPATH set:
#   sh examples/port/run.sh dist/luau-ffi            ports and runs every example
#   sh examples/port/run.sh dist/luau-ffi --regen    rewrites the expected files (needs luajit)
#
# For each examples/port/NAME.lua: `luau-ffi port` writes dist/port/NAME.luau and its
# stderr must be NAME.notes; then, unless NAME is port-only, the ported Luau runs under
# the host and its stdout must be NAME.expected, which is what LuaJIT prints for the
# original (stored, so LuaJIT is not needed to test). An example whose module feature
# is missing (see needs) is reported as skipped, never as passed.
host=$1
regen=$2
dir=examples/port
out=dist/port
mkdir -p "$out"

# Examples that only port (their output is not Luau on purpose: goto).
port_only="reports"
# The module feature an example needs, as printed by features.luau.
needs() {
	case $1 in
	bitops) echo bit ;;
	list) echo null-as-nil ;;
	esac
}

features=$("$host" "$dir/features.luau") || { echo "FAIL features.luau"; exit 1; }
passed=0 failed=0 skipped=0
for src in "$dir"/*.lua; do
	name=$(basename "$src" .lua)
	luau="$out/$name.luau"
	"$host" port "$src" -o "$luau" 2>"$out/$name.notes"
	status=$?
	case " $port_only " in *" $name "*) only=1 ;; *) only=0 ;; esac
	if [ "$regen" = --regen ]; then
		cp "$out/$name.notes" "$dir/$name.notes"
		[ $only = 1 ] || luajit "$src" >"$dir/$name.expected"
		echo "regenerated $name"
		continue
	fi
	if ! cmp -s "$out/$name.notes" "$dir/$name.notes"; then
		echo "FAIL $name: port notes differ"
		diff "$dir/$name.notes" "$out/$name.notes"
		failed=$((failed + 1))
		continue
	fi
	if [ $only = 1 ]; then
		echo "ok   $name (port only, exit status $status)"
		passed=$((passed + 1))
		continue
	fi
	if [ $status -ne 0 ]; then
		echo "FAIL $name: port exited with $status"
		failed=$((failed + 1))
		continue
	fi
	need=$(needs "$name")
	if [ -n "$need" ] && ! printf '%s\n' "$features" | grep -qx "$need"; then
		echo "SKIP $name: pending, the module has no $need yet"
		skipped=$((skipped + 1))
		continue
	fi
	if "$host" "$luau" >"$out/$name.out" 2>&1 && cmp -s "$out/$name.out" "$dir/$name.expected"; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: output differs from LuaJIT's"
		diff "$dir/$name.expected" "$out/$name.out"
		failed=$((failed + 1))
	fi
done
[ "$regen" = --regen ] && exit 0
echo "port: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
