# luau-ffi — `make` builds ffi.so and the reference host into dist/ and runs the hello
# example; `make test` runs every test; `make bench` runs the benchmarks.

CARGO   ?= cargo
CC      ?= cc
DIST    := dist
HOST    := $(DIST)/luau-ffi
MODULE  := $(DIST)/ffi.so
FIXTURE := $(DIST)/libfixture.so
BENCHMOD := $(DIST)/ffibench.so

# The environment every Luau script run by this Makefile sees: native modules are found
# in dist/, the specs find the C fixture, and know what machine they run on.
RUN_ENV := LUAU_CPATH='$(CURDIR)/$(DIST)/?.so' FFI_FIXTURE='$(CURDIR)/$(FIXTURE)' \
	SPEC_UNAME_S='$(shell uname -s)' SPEC_UNAME_M='$(shell uname -m)'

SPECS = $(shell cd spec && find . -name '*.spec.luau' | sort)

.PHONY: all build module host fixture staticlib embed test-embed test-oom test test-rust test-spec test-gc test-valgrind test-examples test-exports test-types test-docs fuzz-api bench bench-callgrind clean fmt lint

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
	if $(DIST)/embed-c examples/embed.luau | tee /dev/stderr | grep -qx 'embed: ok'; then passed=$$((passed+1)); \
	else echo "FAIL embed-c"; failed=$$((failed+1)); fi; \
	out=$$($(DIST)/embed-c-wrong-luau examples/embed.luau 2>&1); echo "$$out"; \
	if echo "$$out" | grep -q "this host's Luau is Luau 0.739 .* built for Luau 0.740"; then passed=$$((passed+1)); \
	else echo "FAIL embed-c-wrong-luau"; failed=$$((failed+1)); fi; \
	out=$$($(EMBED_MLUA) examples/embed.luau); echo "$$out"; \
	if echo "$$out" | grep -qx 'embed: ok' && echo "$$out" | grep -q '^embed-mlua: interrupts ok'; then passed=$$((passed+1)); \
	else echo "FAIL embed-mlua"; failed=$$((failed+1)); fi; \
	echo "embed: $$passed passed, $$failed failed"; [ $$failed -eq 0 ]

# Out of memory under a process limit is a Luau error, not an abort (examples/host/src/state.rs).
test-oom: build
	(ulimit -v 600000; $(RUN_ENV) $(HOST) spec/native/oom.luau) | grep -qx 'oom: ok'
	@echo "oom: 1 passed, 0 failed"

# The spec suite runs last, so its `N passed, M failed` line closes the output.
test: test-rust build fixture test-exports test-types test-examples test-docs test-embed test-oom test-gc test-spec

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

# The examples run and print what they promise (each asserts its own results); the Rust
# test tests/types.rs type-checks them. The real-library ones need zlib1g-dev,
# libsqlite3-dev and libssl-dev (.ci/run installs them).
REAL_EXAMPLES = hello libc zlib sqlite sha256
test-examples: build
	@passed=0; failed=0; \
	if $(RUN_ENV) $(HOST) examples/quickstart.luau | grep -qx 'int\*1337'; then passed=$$((passed+1)); \
	else echo "FAIL examples/quickstart.luau"; failed=$$((failed+1)); fi; \
	for e in $(REAL_EXAMPLES); do echo "examples/$$e.luau"; \
		if $(RUN_ENV) $(HOST) examples/$$e.luau; then passed=$$((passed+1)); \
		else echo "FAIL examples/$$e.luau"; failed=$$((failed+1)); fi; done; \
	echo "examples: $$passed passed, $$failed failed"; [ $$failed -eq 0 ]

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

# LuaJIT (-joff) runs the same cases first when installed; the harness prints its lines
# with the ratio to ours.
bench: build fixture $(BENCHMOD)
	@peers=""; if command -v luajit >/dev/null 2>&1; then peers=$$(luajit -joff bench/luajit.lua); fi; \
	BENCH_PEERS="$$peers" $(RUN_ENV) $(HOST) bench/run.luau $(BENCH)

# StyLua: `npm install -g @johnnymorganz/stylua-bin` or `cargo install stylua`.
fmt:
	$(CARGO) fmt --all
	cd examples/host && $(CARGO) fmt
	stylua .

lint:
	$(CARGO) clippy --all-targets --target-dir target/rlib -- -D warnings
	$(CARGO) clippy --release --features module -- -D warnings
	cd examples/host && $(CARGO) clippy -- -D warnings
	stylua --check .

clean:
	rm -rf $(DIST)
	$(CARGO) clean
