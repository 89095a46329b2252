//! Every row of the benchmark table, with seL4's and Linux's figures for the same operation,
//! measured the same way (copied from the project's perf anchors; method below).

/// How the peers' figures were measured (also in `docs/benchmarks.md`).
pub const METHOD: &str = "\
Linux: Debian 12's kernel 6.1.0-56-amd64 in QEMU 7.2 TCG, -icount shift=0, -m 512M -smp 1, \
default CPU model, mitigations=off; a static C program as PID 1 times each operation with rdtsc \
(median of 5). seL4: 13.0.0-dev (kernel 736bfd6, sel4bench-manifest a08cdc8), x86_64 pc99, \
release build, fast path on, one core, non-MCS, in the same QEMU with -icount shift=0; its \
sel4bench app, the counter read's overhead subtracted. Both in guest instructions per operation.";

/// A speed goal (issue 12).
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    AtMost(u64),
    /// The same figure as another row's.
    SameAs(&'static str),
    /// Within this many percent of another row's figure.
    Within(&'static str, u64),
}

/// One row: the key the guest prints (`bench: KEY TICKS`), what it measures, and the peers.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub key: &'static str,
    pub group: &'static str,
    pub label: &'static str,
    /// What differs from the peers' measurement, if anything.
    pub note: Option<&'static str>,
    pub sel4: Option<u64>,
    pub linux: Option<u64>,
    pub goal: Option<Goal>,
    /// Not measured yet, and why (the table says so instead of failing).
    pub pending: Option<&'static str>,
}

const fn row(key: &'static str, group: &'static str, label: &'static str) -> Row {
    Row {
        key,
        group,
        label,
        note: None,
        sel4: None,
        linux: None,
        goal: None,
        pending: None,
    }
}

impl Row {
    const fn sel4(self, n: u64) -> Row {
        Row {
            sel4: Some(n),
            ..self
        }
    }
    const fn linux(self, n: u64) -> Row {
        Row {
            linux: Some(n),
            ..self
        }
    }
    const fn goal(self, n: u64) -> Row {
        Row {
            goal: Some(Goal::AtMost(n)),
            ..self
        }
    }
    const fn note(self, note: &'static str) -> Row {
        Row {
            note: Some(note),
            ..self
        }
    }
}

const KERNEL: &str = "kernel paths";
const IPC: &str = "IPC";
const MEMORY: &str = "faults and memory (through the memory server)";
const FORK: &str = "processes: fork + exit + wait";
const SCALING: &str = "scaling";
const SMP: &str = "several CPUs (4-CPU boot, instructions on every CPU together)";
/// Why the `smpfork` rows are not in `make bench` (docs/benchmarks.md, "Several CPUs").
const SMP_FORK: &str =
    "not deterministic at 4 CPUs: cargo run --release -- --headless --icount --smp 4 smpfork";
const VIEWER: &str = "the memory viewer (fork's four allocators, 32 MiB full)";

pub const ROWS: &[Row] = &[
    row(
        "null_syscall",
        KERNEL,
        "null syscall (`TaskSelf`; Linux `getppid`)",
    )
    .sel4(100)
    .linux(337)
    .goal(80),
    row("yield", KERNEL, "yield, nothing else ready").linux(798),
    row(
        "fault_rt",
        KERNEL,
        "fault → handler → resume (`int3` to a handler task, reply)",
    )
    .sel4(1_336)
    .goal(1_000),
    row(
        "map_unmap",
        KERNEL,
        "map + unmap one page (`AsMap`, `AsUnmap`)",
    )
    .note("seL4: map only; Linux: mmap + munmap")
    .sel4(745)
    .linux(18_703),
    row(
        "ipc_rt",
        IPC,
        "IPC call + reply round trip, 0 words, two address spaces",
    )
    .note("Linux: pipe ping-pong, 1 byte")
    .sel4(443)
    .linux(12_777)
    .goal(350),
    row("ipc_rt_1w", IPC, "— 1 word"),
    row("ipc_rt_2w", IPC, "— 2 words"),
    row("ipc_rt_3w", IPC, "— 3 words"),
    row("ipc_rt_4w", IPC, "— 4 words"),
    row("ipc_rt_16w", IPC, "— 16 words")
        .note("seL4: 10 words, its slow path")
        .sel4(1_609)
        .goal(800),
    row("ipc_rt_64w", IPC, "— 64 words").goal(1_200),
    row(
        "ipc_rt_cap",
        IPC,
        "— 1 word and one capability (the server deletes it: a `CapDelete` included)",
    )
    .goal(900),
    row(
        "typed_call",
        IPC,
        "typed small call (`userlib::rpc`: `Ping(u64)` → `Pong(u64)`)",
    )
    .goal(450),
    row(
        "kv_put",
        IPC,
        "typed call: the `kv` example's `Put` of a 16-byte value (a 5-byte key)",
    ),
    row(
        "kv_get",
        IPC,
        "— its `Get` (the 16 bytes in the reply)",
    ),
    row(
        "notify_rt",
        IPC,
        "notification round trip: `Signal` → the waiting task, which signals back (`Wait`)",
    )
    .note("two tasks of one address space; four syscalls, each on the general path")
    .goal(300),
    row(
        "irq_wake",
        IPC,
        "interrupt → driver woken: an `IoOut` makes the keyboard controller raise IRQ 1; the driver waits on the line's notification",
    )
    .note("the `IoOut` included; the kernel masks the line, signals, and switches to the driver")
    .goal(1_000),
    row(
        "key_path",
        IPC,
        "a key's path: IRQ 1 raised → the reader's `read_key` returns the key",
    )
    .note("the keyboard driver woken, reading and decoding, `IrqAck`, its `Typed` call; the input server's deferred reply"),
    row(
        "line_enter",
        IPC,
        "Enter's path to the shell: IRQ 1 raised → `read_line` returns the line",
    )
    .note("`key_path` plus the line editor: the newline echoed on the terminal and the console page, then the deferred reply (`keybench`)"),
    row(
        "demand_zero_fault",
        MEMORY,
        "demand-zero page fault, resolved by the memory server",
    )
    .note("Linux: in-kernel first-touch fault")
    .linux(3_283)
    .goal(1_000),
    row(
        "cow_fault",
        MEMORY,
        "copy-on-write fault, page shared with a child (a copy)",
    ),
    row(
        "cow_fault_last",
        MEMORY,
        "copy-on-write fault, the last sharer (no copy)",
    ),
    row(
        "page_alloc",
        MEMORY,
        "`page_alloc` of one page (a call to the server)",
    )
    .goal(1_200),
    row("fork_cow_0m", FORK, "copy-on-write, 0 MiB heap")
        .linux(151_896)
        .goal(30_000),
    row("fork_cow_1m", FORK, "copy-on-write, 1 MiB").linux(263_319),
    row("fork_cow_16m", FORK, "copy-on-write, 16 MiB").linux(1_760_715),
    row("fork_cow_64m", FORK, "copy-on-write, 64 MiB").linux(6_544_864),
    row("fork_eager_0m", FORK, "eager copy, 0 MiB"),
    row("fork_eager_1m", FORK, "eager copy, 1 MiB"),
    row("fork_eager_16m", FORK, "eager copy, 16 MiB"),
    row("fork_eager_64m", FORK, "eager copy, 64 MiB"),
    row("fork_write_1m", FORK, "the child writes every page, 1 MiB").linux(1_566_191),
    row(
        "fork_write_16m",
        FORK,
        "the child writes every page, 16 MiB",
    )
    .linux(24_610_849),
    row(
        "fork_write_64m",
        FORK,
        "the child writes every page, 64 MiB",
    )
    .linux(97_753_940),
    row(
        "ipc_rt_tasks_few",
        SCALING,
        "IPC round trip, two tasks of one space; 4 tasks alive",
    )
    .goal(350),
    row("ipc_rt_tasks_16", SCALING, "— 16 tasks alive"),
    Row {
        goal: Some(Goal::SameAs("ipc_rt_tasks_few")),
        ..row(
            "ipc_rt_tasks_64",
            SCALING,
            "— 64 tasks alive (the task table full)",
        )
    },
    row(
        "smp_ipc_same",
        SMP,
        "IPC round trip, two tasks of one space, both pinned to CPU 0",
    )
    .goal(398),
    row(
        "smp_ipc_cross",
        SMP,
        "— the server pinned to CPU 1 (the call and the reply each wake the other CPU by IPI)",
    ),
    row(
        "smp_ipc_migrate",
        SMP,
        "— the server not pinned (it migrates to the caller's CPU)",
    ),
    row("smp_ipc_same_call", SMP, "same CPU: the call's leg (to the server's user code)"),
    row("smp_ipc_same_reply", SMP, "same CPU: the reply's leg"),
    row("smp_ipc_cross_call", SMP, "cross-CPU: the call's leg"),
    row("smp_ipc_cross_reply", SMP, "cross-CPU: the reply's leg"),
    row("smp_null_syscall", SMP, "null syscall (`TaskSelf`; takes no lock)"),
    row("smp_signal_nobody", SMP, "`Signal`, nobody waiting"),
    row("smp_signal_remote", SMP, "`Signal` to a waiter on CPU 1: the sender's syscall (the IPI sent)"),
    row("smp_wake_remote", SMP, "— then until the waiter runs on CPU 1 (its wake from `hlt`)"),
    row(
        "smp_pairs_1",
        SMP,
        "IPC round trip per pair, 1 client/server pair (pair i on CPU i)",
    ),
    Row {
        goal: Some(Goal::Within("smp_pairs_1", 10)),
        ..row("smp_pairs_2", SMP, "— 2 pairs at once")
    },
    Row {
        goal: Some(Goal::Within("smp_pairs_1", 10)),
        ..row("smp_pairs_4", SMP, "— 4 pairs at once")
    },
    Row {
        pending: Some(SMP_FORK),
        ..row("smp_fork_1", SMP, "fork + exit + wait per fork, 1 process forking")
    },
    Row {
        pending: Some(SMP_FORK),
        ..row("smp_fork_2", SMP, "— 2 processes forking at once")
    },
    Row {
        pending: Some(SMP_FORK),
        ..row("smp_fork_4", SMP, "— 4 processes forking at once")
    },
    row(
        "viewer_refresh",
        VIEWER,
        "a refresh's reading: every frame's state (`FrameStates`), every process's pages \
         (`AsPages` through the memory server), one's capabilities",
    )
    .goal(1_000_000),
    row(
        "viewer_drawing",
        VIEWER,
        "a refresh's drawing: the picture, the console page, the serial text",
    ),
];
