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
	fnv) echo bit null-as-nil ;;
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
	missing=
	for need in $(needs "$name"); do
		printf '%s\n' "$features" | grep -qx "$need" || missing="$missing $need"
	done
	if [ -n "$missing" ]; then
		echo "SKIP $name: pending, the module has no$missing yet"
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

# --ffi: the module name written in require.
if "$host" port "$dir/numbers.lua" --ffi @ffi 2>/dev/null | grep -q '^local ffi = require "@ffi"$'; then
	echo "ok   port --ffi @ffi"
	passed=$((passed + 1))
else
	echo "FAIL port --ffi @ffi: require not rewritten to @ffi"
	failed=$((failed + 1))
fi

# The host's REPL, from another directory with LUAU_CPATH unset: ffi.so is found next to
# the binary (the default LUAU_CPATH), and results are printed, cdata with their type.
abs_host=$(cd "$(dirname "$host")" && pwd)/$(basename "$host")
repl_in='1 + 2
x = 41
x + 1
function f()
  return "multi", "line"
end
f()
ffi.new("int64_t", 7)
error("boom")
s = [[long
string]]
s
"con" ..
  "tinued"
nil, true'
repl_want='3
42
multi	line
cdata<int64_t>: 7LL
long
string
continued
nil	true'
repl_got=$(cd / && printf '%s\n' "$repl_in" | env -u LUAU_CPATH "$abs_host" --repl 2>"$OLDPWD/$out/repl.err")
if [ "$repl_got" = "$repl_want" ] && grep -q 'stdin:1: boom' "$out/repl.err"; then
	echo "ok   repl"
	passed=$((passed + 1))
else
	echo "FAIL repl: got"
	printf '%s\n' "$repl_got"
	cat "$out/repl.err"
	failed=$((failed + 1))
fi

# --version names the host, the module, Luau and libffi, none unknown.
version=$("$host" --version)
if printf '%s\n' "$version" | grep -q '^Luau 0\.[0-9]' &&
	printf '%s\n' "$version" | grep -q '^libffi [0-9]' &&
	! printf '%s\n' "$version" | grep -q unknown; then
	echo "ok   --version"
	passed=$((passed + 1))
else
	echo "FAIL --version:"
	printf '%s\n' "$version"
	failed=$((failed + 1))
fi

echo "port: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
