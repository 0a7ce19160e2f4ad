# luau-ffi — `make` builds ffi.so and the reference host into dist/ and runs the hello
# example; `make test` runs every test; `make bench` runs the benchmarks.

CARGO   ?= cargo
CC      ?= cc
DIST    := dist
HOST    := $(DIST)/luau-ffi
MODULE  := $(DIST)/ffi.so
FIXTURE := $(DIST)/libfixture.so
BENCHMOD := $(DIST)/ffibench.so
LUNE    := $(DIST)/lune-ffi

# The environment every Luau script run by this Makefile sees: native modules are found
# in dist/, the specs find the C fixture, and know what machine they run on.
RUN_ENV := LUAU_CPATH='$(CURDIR)/$(DIST)/?.so' FFI_FIXTURE='$(CURDIR)/$(FIXTURE)' \
	SPEC_UNAME_S='$(shell uname -s)' SPEC_UNAME_M='$(shell uname -m)'

SPECS = $(shell cd spec && find . -name '*.spec.luau' | sort)

.PHONY: all build module host fixture staticlib embed test-embed test-oom lune test-lune test test-rust test-spec test-gc test-valgrind test-examples test-bindgen test-port test-exports test-types test-docs fuzz-api soak bench bench-callgrind clean fmt lint test-aarch64 build-aarch64 check-macos build-windows test-windows

all: build
	$(RUN_ENV) $(HOST) examples/hello.luau

build: module host

# Copies replace the files (rm first) rather than rewrite them in place, so a script
# still running the old binary is not killed with SIGBUS by a concurrent build.
module:
	$(CARGO) build --release --features module
	@mkdir -p $(DIST)
	rm -f $(MODULE) && cp target/release/libluau_ffi.so $(MODULE)

host:
	cd examples/host && $(CARGO) build --release
	@mkdir -p $(DIST)
	rm -f $(HOST) && cp examples/host/target/release/luau-ffi $(HOST)

$(FIXTURE): spec/native/fixture.c
	@mkdir -p $(DIST)
	$(CC) -O2 -fPIC -shared -o $@ $<

fixture: $(FIXTURE)

# The static library for C/C++ programs that embed Luau (include/luau_ffi.h), built with
# `module` (the Luau C API left undefined) in its own target directory, so that it and
# ffi.so do not rebuild each other.
STATICLIB := $(DIST)/libluau_ffi.a
staticlib:
	$(CARGO) rustc --release --features module --lib --crate-type staticlib --target-dir target/staticlib
	@mkdir -p $(DIST)
	rm -f $(STATICLIB) && cp target/staticlib/release/libluau_ffi.a $(STATICLIB)

# The embedding examples: a C++ program linking the static library with the Luau the
# reference host built (examples/embed-c), and an mlua application built with
# panic = "abort" that links the crate (examples/embed-mlua). Both run examples/embed.luau.
LUAU_LIBDIR = $(shell ls -td examples/host/target/release/build/luau-ffi-host-*/out/luau-build 2>/dev/null | head -1)
EMBED_CFLAGS = -O2 -DLUA_API='extern "C"' -DLUACODE_API='extern "C"' -DLUAI_MAXCSTACK=1000000 \
	-DLUA_VECTOR_SIZE=3 -I'$(LUAU_ROOT)/VM/include' -I'$(LUAU_ROOT)/Compiler/include' -Iinclude
EMBED_LIBS = -Wl,--gc-sections -Wl,--start-group $(STATICLIB) $(wildcard $(LUAU_LIBDIR)/*.a) \
	-Wl,--end-group -lstdc++ -lpthread -ldl -lm
EMBED_MLUA := $(DIST)/embed-mlua

embed: staticlib host
	$(CXX) $(EMBED_CFLAGS) -o $(DIST)/embed-c examples/embed-c/main.cpp $(EMBED_LIBS)
	$(CXX) $(EMBED_CFLAGS) -DEMBED_C_RELEASE=739 -o $(DIST)/embed-c-wrong-luau examples/embed-c/main.cpp $(EMBED_LIBS)
	cd examples/embed-mlua && $(CARGO) build --release --target-dir ../../target/embed
	rm -f $(EMBED_MLUA) && cp target/embed/release/embed-mlua $(EMBED_MLUA)

# Each embedding runs the script and prints its last line; the copy of embed-c that claims
# another Luau release must be refused at luaopen_ffi with a message naming both.
test-embed: embed
	@passed=0; failed=0; \
	out=$$($(DIST)/embed-c examples/embed.luau); echo "$$out"; \
	if echo "$$out" | grep -qx 'embed: ok'; then passed=$$((passed+1)); \
	else echo "FAIL embed-c"; failed=$$((failed+1)); fi; \
	out=$$($(DIST)/embed-c-wrong-luau examples/embed.luau 2>&1); echo "$$out"; \
	if echo "$$out" | grep -q "this host's Luau is Luau 0.739 .* built for Luau 0.740"; then passed=$$((passed+1)); \
	else echo "FAIL embed-c-wrong-luau"; failed=$$((failed+1)); fi; \
	out=$$($(EMBED_MLUA) examples/embed.luau); echo "$$out"; \
	if echo "$$out" | grep -qx 'embed: ok' && echo "$$out" | grep -q '^embed-mlua: interrupts ok'; then passed=$$((passed+1)); \
	else echo "FAIL embed-mlua"; failed=$$((failed+1)); fi; \
	echo "embed: $$passed passed, $$failed failed"; [ $$failed -eq 0 ]

# Out of memory under a process limit is a Luau error, not an abort (examples/host/src/state.rs).
# The module's own Rust allocations draw on a reserve (src/reserve.rs); spec/native/oom.luau
# lists the cases. Callbacks run out in a process of their own.
test-oom: build
	(ulimit -v 600000; $(RUN_ENV) $(HOST) spec/native/oom.luau) | grep -qx 'oom: ok'
	(ulimit -v 600000; $(RUN_ENV) $(HOST) spec/native/oom.luau callbacks) | grep -qx 'oom callbacks: ok'
	@echo "oom: 2 passed, 0 failed"

# The spec suite runs last, so its `N passed, M failed` line closes the output.
test: test-rust build fixture test-exports test-types test-examples test-bindgen test-docs test-port test-embed test-oom test-gc test-spec

# The library tests and doctests build the crate without `module` (Luau linked in), in
# their own target directory: sharing target/release with the module build lets one
# overwrite the other's libluau_ffi.so.
test-rust:
	$(CARGO) test --release --target-dir target/rlib

test-exports: build
	sh spec/check_exports.sh $(MODULE) $(HOST)

test-types: build
	$(RUN_ENV) sh spec/check_types.sh $(HOST)

# Every ```luau block of the README and docs/ runs (they assert what they show); the
# Rust test tests/types.rs type-checks the same blocks.
test-docs: build
	$(RUN_ENV) sh spec/check_docs.sh $(HOST) README.md docs/*.md

test-spec: build fixture
	$(RUN_ENV) $(HOST) spec/_runner.luau $(SPECS)

# GC stress: the whole suite again with a full collection after every test, so a cdata
# freed too early or twice, or a finalizer run at the wrong time, shows up.
test-gc: build fixture
	$(RUN_ENV) $(HOST) spec/_runner.luau --gc-stress $(SPECS)

# The examples run and print what they promise (each asserts its own results), and a
# require that finds no module says what LUAU_CPATH holds; the Rust
# test tests/types.rs type-checks them. The real-library ones need zlib1g-dev,
# libsqlite3-dev and libssl-dev (.ci/run installs them).
REAL_EXAMPLES = hello libc zlib sqlite sha256
EXAMPLES_DEPS ?= build
test-examples: $(EXAMPLES_DEPS)
	@passed=0; failed=0; \
	if $(RUN_ENV) $(HOST) examples/quickstart.luau | grep -qx 'int\*1337'; then passed=$$((passed+1)); \
	else echo "FAIL examples/quickstart.luau"; failed=$$((failed+1)); fi; \
	if LUAU_CPATH='/nonexistent/?.so' $(HOST) examples/quickstart.luau 2>&1 \
		| grep -q "LUAU_CPATH is '/nonexistent/?.so'"; then passed=$$((passed+1)); \
	else echo "FAIL require of a missing module names LUAU_CPATH"; failed=$$((failed+1)); fi; \
	for e in $(REAL_EXAMPLES); do echo "examples/$$e.luau"; \
		if $(RUN_ENV) $(HOST) examples/$$e.luau; then passed=$$((passed+1)); \
		else echo "FAIL examples/$$e.luau"; failed=$$((failed+1)); fi; done; \
	echo "examples: $$passed passed, $$failed failed"; [ $$failed -eq 0 ]

# AArch64 Linux, cross-built and run under qemu-user (.ci/install-aarch64 installs the
# cross toolchain, qemu and the arm64 zlib/SQLite/OpenSSL). The module, host and fixture
# go to dist/aarch64/; the spec suite, the examples and the Rust tests then run under
# qemu-aarch64. The Rust tests compile their C probes with the cross compiler
# (FFI_TEST_CC) and run them under qemu (FFI_TEST_RUNNER); their time bounds are 10x
# (FFI_TEST_TIME_SCALE). Target dirs are the usual
# ones (target/aarch64-unknown-linux-gnu/), so the build is incremental.
A64        := aarch64-unknown-linux-gnu
A64_CROSS  := aarch64-linux-gnu-
A64_DIST   := $(DIST)/aarch64
# No QEMU_LD_PREFIX: the arm64 programs run on Debian's multiarch arm64 glibc (the one
# the arm64 zlib/SQLite/OpenSSL come with). Mixing in the cross toolchain's copy
# (/usr/aarch64-linux-gnu, a different glibc build) hangs the first pthread_create.
A64_QEMU   := qemu-aarch64
A64_ENV := CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=$(A64_CROSS)gcc \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER='$(A64_QEMU)' \
	CC_aarch64_unknown_linux_gnu=$(A64_CROSS)gcc CXX_aarch64_unknown_linux_gnu=$(A64_CROSS)g++ \
	AR_aarch64_unknown_linux_gnu=$(A64_CROSS)ar \
	FFI_TEST_CC=$(A64_CROSS)gcc FFI_TEST_RUNNER='$(A64_QEMU)' FFI_TEST_TIME_SCALE=10
A64_RUN_ENV := LUAU_CPATH='$(CURDIR)/$(A64_DIST)/?.so' \
	FFI_FIXTURE='$(CURDIR)/$(A64_DIST)/libfixture.so' SPEC_UNAME_S=Linux SPEC_UNAME_M=aarch64 \
	FFI_TEST_RUNNER='$(A64_QEMU)' CC=$(A64_CROSS)gcc
A64_HOST := $(A64_QEMU) $(A64_DIST)/luau-ffi

build-aarch64:
	$(A64_ENV) $(CARGO) build --release --features module --target $(A64)
	cd examples/host && $(A64_ENV) $(CARGO) build --release --target $(A64)
	@mkdir -p $(A64_DIST)
	rm -f $(A64_DIST)/ffi.so && cp target/$(A64)/release/libluau_ffi.so $(A64_DIST)/ffi.so
	rm -f $(A64_DIST)/luau-ffi && cp examples/host/target/$(A64)/release/luau-ffi $(A64_DIST)/luau-ffi
	$(A64_CROSS)gcc -O2 -fPIC -shared -o $(A64_DIST)/libfixture.so spec/native/fixture.c

test-aarch64: build-aarch64
	$(A64_ENV) $(CARGO) test --release --target $(A64)
	sh spec/check_exports.sh $(A64_DIST)/ffi.so $(A64_DIST)/luau-ffi
	$(MAKE) --no-print-directory test-examples HOST='$(A64_HOST)' RUN_ENV="$(A64_RUN_ENV)" EXAMPLES_DEPS=
	$(A64_RUN_ENV) $(A64_HOST) spec/_runner.luau $(SPECS)

# Windows x86-64 (mingw-w64), cross-built and run under Wine (.ci/install-windows installs
# the Rust standard library for the target, mingw-w64's gcc/g++ and wine64). The host
# builds Luau as luau.dll (its C API exported, with the ABI stamp) and links its import
# library; ffi.dll imports the same luau.dll (LUAU_FFI_LUAU_LIB_DIR), so the module and
# the host share one Luau (docs/platforms.md). Everything goes to dist/windows/; the
# spec suite and the Win32 example run under wine64 with its own prefix in target/wine.
WIN        := x86_64-pc-windows-gnu
WIN_CROSS  := x86_64-w64-mingw32-
WIN_DIST   := $(DIST)/windows
WIN_HOST_OUT = $(dir $(shell ls -t examples/host/target/$(WIN)/release/build/luau-ffi-host-*/out/luau.dll 2>/dev/null | head -1))
# The posix thread model of mingw-w64's g++ (Debian's default is win32, which lacks
# std::mutex in GCC 12); its winpthreads is linked statically into luau.dll.
WIN_ENV := CC_x86_64_pc_windows_gnu=$(WIN_CROSS)gcc-posix CXX_x86_64_pc_windows_gnu=$(WIN_CROSS)g++-posix \
	AR_x86_64_pc_windows_gnu=$(WIN_CROSS)ar CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=$(WIN_CROSS)gcc-posix
WINE       ?= /usr/lib/wine/wine64
# WINEPATH: the stand-in bcryptprimitives.dll Wine 8 lacks (spec/native/wine_bcryptprimitives.c).
WIN_RUN_ENV := WINEPREFIX='$(CURDIR)/target/wine' WINEDEBUG=-all WINEPATH='Z:$(subst /,\,$(CURDIR)/$(WIN_DIST)/wine)' \
	LUAU_CPATH='$(CURDIR)/$(WIN_DIST)/?.dll' FFI_FIXTURE='$(CURDIR)/$(WIN_DIST)/fixture.dll' \
	SPEC_UNAME_S=Windows SPEC_UNAME_M=x86_64
WIN_HOST := $(WINE) $(WIN_DIST)/luau-ffi.exe

build-windows:
	cd examples/host && $(WIN_ENV) $(CARGO) build --release --target $(WIN)
	$(WIN_ENV) LUAU_FFI_LUAU_LIB_DIR='$(CURDIR)/$(WIN_HOST_OUT)' $(CARGO) build --release --features module --target $(WIN)
	@mkdir -p $(WIN_DIST)
	rm -f $(WIN_DIST)/luau.dll && cp $(WIN_HOST_OUT)luau.dll $(WIN_DIST)/luau.dll
	rm -f $(WIN_DIST)/luau-ffi.exe && cp examples/host/target/$(WIN)/release/luau-ffi.exe $(WIN_DIST)/luau-ffi.exe
	rm -f $(WIN_DIST)/ffi.dll && cp target/$(WIN)/release/luau_ffi.dll $(WIN_DIST)/ffi.dll
	$(WIN_CROSS)gcc -O2 -shared -static-libgcc -o $(WIN_DIST)/fixture.dll spec/native/fixture.c
	@mkdir -p $(WIN_DIST)/wine
	$(WIN_CROSS)gcc -O2 -shared -o $(WIN_DIST)/wine/bcryptprimitives.dll spec/native/wine_bcryptprimitives.c -ladvapi32

test-windows: build-windows
	$(WIN_RUN_ENV) $(WIN_HOST) examples/windows.luau
	$(WIN_RUN_ENV) $(WIN_HOST) spec/_runner.luau $(SPECS)

# macOS, type-checked only (docs/platforms.md): the module for both Apple targets, with
# clang compiling the C trampolines (`rustup target add x86_64-apple-darwin
# aarch64-apple-darwin`, Debian `clang`). libffi's C build is skipped (check_only): it
# needs a macOS toolchain. SDKROOT keeps cc-rs from asking xcrun for one.
MACOS_TARGETS := x86_64-apple-darwin aarch64-apple-darwin
check-macos:
	for t in $(MACOS_TARGETS); do \
		env CC_$$(echo $$t | tr - _)=clang SDKROOT=/nonexistent-sdk $(CARGO) check --release \
			--target $$t --target-dir target/apple --features module,libffi-sys/check_only --all-targets \
			|| exit 1; \
	done

# `luau-ffi bindgen`: the committed bindings of examples/bindgen are what the generator
# writes today (byte for byte), and their demos run (tests/types.rs type-checks them).
BINDINGS = zlib:z sqlite3:sqlite3
test-bindgen: build
	@passed=0; failed=0; \
	for b in $(BINDINGS); do name=$${b%%:*}; lib=$${b#*:}; \
		if $(HOST) bindgen --lib $$lib examples/bindgen/$$name.h | cmp -s - examples/bindgen/$$name.luau; \
		then passed=$$((passed+1)); \
		else echo "FAIL examples/bindgen/$$name.luau differs from: $(HOST) bindgen --lib $$lib examples/bindgen/$$name.h"; failed=$$((failed+1)); fi; \
		if $(RUN_ENV) $(HOST) examples/bindgen/$${name}_demo.luau; then passed=$$((passed+1)); \
		else echo "FAIL examples/bindgen/$${name}_demo.luau"; failed=$$((failed+1)); fi; done; \
	echo "bindgen: $$passed passed, $$failed failed"; [ $$failed -eq 0 ]

# `luau-ffi port`: each LuaJIT example of examples/port/ is ported, its notes compared, and
# the Luau run and compared with what LuaJIT printed for the original (stored .expected).
test-port: build
	$(RUN_ENV) sh examples/port/run.sh $(HOST)

# Memcheck over the whole spec suite (GC-stressed), with the module built with feature
# `memcheck`: each cdata's C object is then its own malloc block, freed by the cdata
# destructor, so a read or write after collection is an invalid access memcheck reports
# (Luau serves small userdata from its own pages, which memcheck cannot see into).
# The host uses the system allocator. Any error fails the target.
MEMCHECK_DIR := $(DIST)/memcheck
test-valgrind: host fixture
	$(CARGO) build --release --features module,memcheck --target-dir target/memcheck
	@mkdir -p $(MEMCHECK_DIR)
	rm -f $(MEMCHECK_DIR)/ffi.so && cp target/memcheck/release/libluau_ffi.so $(MEMCHECK_DIR)/ffi.so
	LUAU_CPATH='$(CURDIR)/$(MEMCHECK_DIR)/?.so' FFI_FIXTURE='$(CURDIR)/$(FIXTURE)' \
		SPEC_UNAME_S='$(shell uname -s)' SPEC_UNAME_M='$(shell uname -m)' FFI_FINALIZER_COUNT=20000 FFI_ANONYMOUS_COUNT=20000 \
		valgrind --error-exitcode=1 --leak-check=no -q $(HOST) spec/_runner.luau --gc-stress $(SPECS)

# Lune with the FFI (examples/lune, its own workspace and target dir): `lune run` with
# require("@ffi") / require("@lune/ffi"). A cold build compiles Lune's dependency tree and
# Luau with its native code generator (docs/lune.md gives the time), so `make test` leaves
# it out.
lune:
	cd examples/lune && $(CARGO) build --release
	@mkdir -p $(DIST)
	rm -f $(LUNE) && cp examples/lune/target/release/lune-ffi $(LUNE)

# Under lune-ffi, with Luau native code generation on (Lune's default): the README seed's
# quickstart (its lines checked, the finalizer counted), Lune and the FFI together
# (compress.luau needs zlib1g-dev), the scheduling checks of docs/lune.md, and the spec
# suite through require("@ffi") (examples/lune/spec_runner.luau says what it adapts).
# A pass records .ci/lune.stamp (see .ci/lune-inputs): commit it, and CI skips Lune's
# cold build until the Lune app or the crate's public API changes again.
test-lune: lune fixture
	sh examples/lune/check_quickstart.sh $(LUNE)
	$(LUNE) examples/lune/compress.luau README.md examples/lune/quickstart.luau
	$(RUN_ENV) $(LUNE) examples/lune/scheduling.luau
	$(RUN_ENV) $(LUNE) examples/lune/spec_runner.luau $(SPECS)
	sh .ci/lune-inputs > .ci/lune.stamp

# Soak (not part of `make test`): cdata, finalizers of both kinds, callbacks, libraries
# and coroutines, interleaved for SOAK_SECONDS; fails if the resident set grows past
# SOAK_RSS_BOUND_MB after warm-up or a finalizer did not run (spec/soak.luau).
SOAK_SECONDS ?= 600
soak: build fixture
	SOAK_SECONDS=$(SOAK_SECONDS) $(RUN_ENV) $(HOST) spec/soak.luau

# API fuzzing (not part of `make test`): random calls of every ffi function and cdata
# metamethod with junk arguments, for a fixed seed and count (FUZZ_SEED, FUZZ_ITERATIONS
# to change them); the process must survive. spec/fuzz_api.luau says how to replay.
FUZZ_SEED ?= 1
FUZZ_ITERATIONS ?= 20000
fuzz-api: build fixture
	$(RUN_ENV) $(HOST) spec/fuzz_api.luau $(FUZZ_SEED) $(FUZZ_ITERATIONS)

# The sources and C headers of the Luau the host links, for the hand-written baseline
# bindings and the C++ embedding example.
LUAU_ROOT = $(shell $(CARGO) metadata --format-version 1 --manifest-path examples/host/Cargo.toml \
	| python3 -c 'import json,sys,os; m=json.load(sys.stdin); print(next(os.path.dirname(p["manifest_path"]) for p in m["packages"] if p["name"]=="luau0-src"))')/luau
LUAU_INCLUDE = $(LUAU_ROOT)/VM/include

# mlua builds Luau with LUAI_MAXCSTACK=1000000, which moves the pseudo-indices
# (LUA_REGISTRYINDEX, upvalues): C built against the headers must say the same.
$(BENCHMOD): bench/native/ffibench.c $(FIXTURE)
	$(CC) -O2 -fPIC -shared -DLUAI_MAXCSTACK=1000000 -I'$(LUAU_INCLUDE)' -o $@ $< -L$(DIST) -lfixture -Wl,-rpath,'$$ORIGIN'

# Instructions per iteration of the hot paths (calls, fields, elements) under callgrind,
# steadier than timings on shared cores: bench/callgrind/run.sh.
bench-callgrind: build fixture $(BENCHMOD)
	bash bench/callgrind/run.sh
	@if command -v luajit >/dev/null 2>&1; then bash bench/callgrind/run.sh bench/callgrind/luajit/*.lua; fi

# LuaJIT (-joff) runs the same cases first when installed; the harness prints its lines
# with ours/LuaJIT (below 1: ours is faster). Both sides time CPU time
# (CLOCK_PROCESS_CPUTIME_ID, read through the FFI).
bench: build fixture $(BENCHMOD)
	@peers=""; if command -v luajit >/dev/null 2>&1; then peers=$$(luajit -joff bench/luajit.lua); fi; \
	BENCH_PEERS="$$peers" $(RUN_ENV) $(HOST) bench/run.luau $(BENCH)

# StyLua: `npm install -g @johnnymorganz/stylua-bin` or `cargo install stylua`.
fmt:
	$(CARGO) fmt --all
	cd examples/host && $(CARGO) fmt
	cd examples/lune && $(CARGO) fmt
	stylua .

# Release profile and the target dirs `make test` builds in, so clippy reuses the build
# scripts' output (Luau's C++) instead of compiling it again for a debug profile.
lint:
	$(CARGO) fmt --all -- --check
	cd examples/host && $(CARGO) fmt -- --check
	$(CARGO) clippy --release --all-targets --target-dir target/rlib -- -D warnings
	$(CARGO) clippy --release --features module -- -D warnings
	cd examples/host && $(CARGO) clippy --release -- -D warnings
	stylua --check .

clean:
	rm -rf $(DIST)
	$(CARGO) clean
