#!/bin/sh
# Runs examples/lune/quickstart.luau under lune-ffi ($1) and checks every line it prints:
# the pointer's __tostring, the platform in LuaJIT's spelling (from uname, as the specs
# check it), and the ffi.gc finalizer run exactly once.
set -eu
lune=$1
case "$(uname -s)" in
Linux) os=Linux ;;
Darwin) os=OSX ;;
FreeBSD | OpenBSD | NetBSD) os=BSD ;;
*) os=POSIX ;;
esac
case "$(uname -m)" in
x86_64 | amd64) arch=x64 ;;
aarch64 | arm64) arch=arm64 ;;
i?86) arch=x86 ;;
*) arch=$(uname -m) ;;
esac
expected=$(printf 'int*1337\nPlatform %s %s\nfinalizer ran 1' "$os" "$arch")
out=$("$lune" examples/lune/quickstart.luau)
printf '%s\n' "$out"
if [ "$out" != "$expected" ]; then
	printf 'FAIL examples/lune/quickstart.luau: expected\n%s\n' "$expected"
	exit 1
fi
