# The WeensyOS names for the usual things. `make run` and `make test` install what is missing first.
#   make run              boot in a QEMU window with the memory viewer over WeensyOS's four
#                         allocators (the viewer in the terminal too); WeensyOS's keys switch
#                         programs: a = the allocators, f = fork, e = forkexit, q / Ctrl-C = quit
#   make run-console      the same headless: the viewer redrawn in place in this terminal, the
#                         keys typed here
#   make run-sh           the interactive shell on this terminal (Ctrl-] quits QEMU)
#   make screenshot       regenerate docs/viewer.png: the viewer after 10 s of `fork`
#   make run-gdb          the debuggable build, stopped, with gdb in this terminal
#   make run-PROGRAM      boot and run one user program (e.g. make run-hello)
#   make run-allocator    WeensyOS's four allocators (allocator:1 .. allocator:4); also run-fork,
#                         run-forkexit. They run forever, as in WeensyOS, unless RUN_FOR=secs
#                         (then init stops them after that much guest time and checks for leaks)
#   make test             host unit tests + QEMU system tests
#   make bench            the benchmarks, in guest instructions (-icount shift=0), one table
#                         beside seL4 and Linux (docs/benchmarks.md); records target/bench.json
#                         and draws its charts in target/bench/ (make bench-charts: into docs/)
#   make fuzz-long        a long syscall-fuzzer run: SEED=n (below 2^32; default: the time)
#                         and CALLS=millions (default 10); the fuzzer prints how to replay it
#   make check            fmt + clippy
#   make setup            install QEMU and the pinned Rust toolchain if missing
# Options: PROGRAMS="a b" picks programs for run/run-console/run-gdb (default below); VIEWER=
# (empty) runs them without the viewer; TIMEOUT=secs;
# ARGS="..." extra runner flags; RUN_FOR=secs for the WeensyOS programs; MEMORY=MiB guest memory.

CARGO ?= cargo
RUNNER = $(CARGO) run --quiet --
TIMEOUT_ARG = $(if $(TIMEOUT),--timeout $(TIMEOUT))
RUN_FOR_ARG = $(if $(RUN_FOR),--run-for $(RUN_FOR)) $(if $(MEMORY),--memory $(MEMORY))
# The default, as WeensyOS's `make run`: `weensy` starts four allocators filling memory at four
# speeds, under the memory viewer (docs/viewer.md), and switches programs on WeensyOS's keys
# (a, f, e; q or Ctrl-C ends the run).
PROGRAMS ?= weensy
VIEWER ?= --viewer

.PHONY: setup run run-console screenshot run-gdb run-allocator run-fork run-forkexit test test-host \
	test-system check bench bench-charts mutants fuzz-long

setup:
	@scripts/setup

run: setup
	$(RUNNER) $(VIEWER) $(TIMEOUT_ARG) $(RUN_FOR_ARG) $(ARGS) $(PROGRAMS)

run-console: setup
	$(RUNNER) --headless $(VIEWER) $(TIMEOUT_ARG) $(RUN_FOR_ARG) $(ARGS) $(PROGRAMS)

# The README's picture: the viewer over `fork` after 10 s (the PNG is QEMU's screendump).
screenshot: setup
	$(RUNNER) --headless --run-for 10 --screenshot docs/viewer.png $(ARGS) fork

# The debuggable build, QEMU stopped, gdb in this terminal with every binary's symbols and the
# `mikros` commands; the guest's console goes to target/gdb-console.log; QEMU ends with gdb.
# GDB_PORT=n picks the stub's port (default: a free one). docs/debugging.md has a walk-through.
run-gdb: setup
	$(RUNNER) --headless --gdb $(if $(GDB_PORT),--gdb-port $(GDB_PORT)) $(ARGS) $(PROGRAMS)

# The WeensyOS programs (before the generic rule, which would start one `allocator`).
run-allocator: setup
	$(RUNNER) --headless $(TIMEOUT_ARG) $(RUN_FOR_ARG) $(ARGS) allocator:1 allocator:2 allocator:3 allocator:4

run-fork run-forkexit: run-%: setup
	$(RUNNER) --headless $(TIMEOUT_ARG) $(RUN_FOR_ARG) $(ARGS) $*

run-%: setup
	$(RUNNER) --headless $(TIMEOUT_ARG) $(RUN_FOR_ARG) $(ARGS) $*

test: setup test-host test-system

# Host unit tests: abi, runner, the kernel's and userlib's hardware-independent modules, and the
# decisions of the memory server, the name service and the input stack (their libraries).
test-host:
	$(CARGO) test -p abi -p runner
	$(CARGO) test -p kernel -p userlib -p memsrv -p names -p drivers -p sh --lib

# QEMU boot tests (tests/tests/*.rs), through the runner.
test-system:
	$(CARGO) test -p system-tests

check:
	$(CARGO) fmt --all --check
	$(CARGO) clippy -p abi -p runner -p system-tests -- -D warnings
	$(CARGO) clippy -p memsrv -p names -p drivers -p sh --lib --tests -- -D warnings
	$(CARGO) clippy --target x86_64-unknown-none -p kernel -p userlib \
		-p init -p memsrv -p names -p viewer -p drivers -p examples -p weensyos -p sh -p benchmarks \
		-p test-programs \
		-- -D warnings

# The release build (what `cargo run --release` boots). Each benchmark program boots alone, twice
# side by side (the runs must agree on every figure), showing its figures as it goes; one table
# beside seL4 and Linux, the record in target/bench.json, and the charts drawn from it in
# target/bench/ (runner/src/bench/). `ARGS=--once` boots each program once. `make bench-charts`
# redraws docs/benchmarks/'s charts from the last record (after a full run, to publish it).
BENCH = $(CARGO) run --release --quiet -p runner --bin bench --
bench: setup
	$(BENCH) $(ARGS)
	$(BENCH) --charts target/bench

bench-charts: setup
	$(BENCH) --charts docs/benchmarks

# Mutation testing against the host tests (cargo-mutants, installed if missing; not part of
# `make test`): the kernel's checks (~15 minutes on 2 cores; results in mutants.out/), then the
# decisions of the memory server, the name service and userlib::rpc (.cargo/mutants-servers.toml;
# ~20 minutes; results in target/mutants-servers/mutants.out/). Both run; it fails if either
# scores below 90% (scripts/mutants-score; the survivors that remain are listed and explained in
# docs/testing.md).
mutants: setup
	@command -v cargo-mutants >/dev/null || $(CARGO) install --locked cargo-mutants
	-$(CARGO) mutants -p kernel $(ARGS)
	-$(CARGO) mutants --config .cargo/mutants-servers.toml -p memsrv -p names -p userlib \
		-o target/mutants-servers $(ARGS)
	scripts/mutants-score . target/mutants-servers

# The fuzzer's argument is CALLS (millions) << 32 | SEED; the same argument replays the same run.
SEED ?= $(shell echo $$(( $$(date +%s) & 0xFFFFFFFF )))
CALLS ?= 10
fuzz-long: setup
	$(RUNNER) --headless --timeout $(or $(TIMEOUT),7200) $(ARGS) fuzz:$$(( ($(CALLS) << 32) | $(SEED) )) hello
