#!/bin/sh
# Checks that luau/ffi.d.luau declares every name the ffi module exports (the type
# checker itself, tests/types.rs, checks that the declared types fit the examples).
# Usage: check_types.sh HOST (run with LUAU_CPATH set so that require("ffi") works).
set -u
host=$1
exported=$("$host" spec/native/list_exports.luau | sort)
declared=$(sed -n '/^export type FFI = {/,/^}/p' luau/ffi.d.luau | sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\):.*/\1/p' | sort)
missing=$(for name in $exported; do printf '%s\n' "$declared" | grep -qx "$name" || echo "$name"; done)
if [ -z "$exported" ]; then
	echo "types: 0 passed, 1 failed (the module exported nothing)"
	exit 1
elif [ -n "$missing" ]; then
	echo "FAIL luau/ffi.d.luau lacks a type for:" $missing
	echo "types: 0 passed, 1 failed"
	exit 1
fi
echo "ok   luau/ffi.d.luau declares all $(echo "$exported" | wc -l) exported names"
echo "types: 1 passed, 0 failed"
