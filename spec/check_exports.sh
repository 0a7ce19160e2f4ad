#!/bin/sh
# Checks the link contract between the module and the host (docs/design.md, "Product shape"):
#  - ffi.so defines no Luau API function (it binds to the host's);
#  - every lua_*/luaL_*/luau_* symbol ffi.so imports is exported by the host binary;
#  - ffi.so has no dynamic dependency on the system libffi (it is linked statically).
# Usage: check_exports.sh dist/ffi.so dist/luau-ffi
set -u
module=$1
host=$2
passed=0
failed=0

imports=$(nm -D --undefined-only "$module" | awk '{print $NF}' | grep -E '^(lua_|luaL_|luau_)' | sort -u)
exports=$(nm -D --defined-only "$host" | awk '{print $NF}' | sort -u)
count=$(printf '%s\n' "$imports" | grep -c .)
if [ "$count" -eq 0 ]; then
	echo "FAIL $module imports no Luau API symbol: is it really a module build?"
	failed=$((failed + 1))
else
	missing=$(printf '%s\n' "$imports" | while read -r sym; do
		printf '%s\n' "$exports" | grep -qx "$sym" || echo "$sym"
	done)
	if [ -n "$missing" ]; then
		echo "FAIL the host does not export:" $missing
		failed=$((failed + 1))
	else
		echo "ok   all $count Luau API symbols $module imports are exported by $host"
		passed=$((passed + 1))
	fi
fi

# A module that defines the Luau API itself (a build without the `module` feature) would
# run a second Luau inside the host's and crash.
own=$(nm -D --defined-only "$module" | awk '{print $NF}' | grep -c -E '^(lua_|luaL_)' || true)
if [ "$own" -gt 0 ]; then
	echo "FAIL $module defines $own Luau API functions itself: build it with --features module"
	failed=$((failed + 1))
else
	echo "ok   $module defines no Luau API function"
	passed=$((passed + 1))
fi

leaked=$(printf '%s\n' "$exports" | grep -c -E '^_ZN|^_R' || true)
if [ "$leaked" -gt 0 ]; then
	echo "FAIL the host exports $leaked Rust symbols (use --dynamic-list, not --export-dynamic)"
	failed=$((failed + 1))
else
	echo "ok   the host exports no Rust symbols"
	passed=$((passed + 1))
fi

if readelf -d "$module" | grep NEEDED | grep -q 'libffi'; then
	echo "FAIL $module depends on the system libffi:"
	readelf -d "$module" | grep NEEDED
	failed=$((failed + 1))
else
	echo "ok   $module has no dynamic dependency on libffi"
	passed=$((passed + 1))
fi

echo "exports: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
