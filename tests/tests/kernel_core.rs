//! The kernel core seen from user programs started by init: isolation, capabilities, IPC with
//! capability transfer, preemption, faults forwarded to a handler, and exact frame accounting.
use runner::Verdict;
use system_tests::*;

/// Init prints this when the frame counts after all programs ended equal those before.
const NO_LEAK: &str = "init: frame census unchanged and audited";

#[test]
fn hello_runs_and_every_frame_comes_back() {
    let out = boot(&["hello"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "hello from pid 2");
    expect_output(&out, "init: hello (pid 2) exited with status 0");
    expect_output(&out, NO_LEAK);
}

#[test]
fn touching_kernel_memory_kills_only_the_offender() {
    let out = boot(&["kread", "kwrite", "kexec", "hello"]);
    // The run fails because three programs were killed, but the kernel and `hello` carry on.
    expect_verdict(&out, Verdict::GuestFailure);
    expect_output(
        &out,
        "memsrv: kread (pid 2) killed: page fault reading 0xffffffff80000000",
    );
    expect_output(
        &out,
        "memsrv: kwrite (pid 3) killed: page fault writing 0xffffffff80000000",
    );
    expect_output(
        &out,
        "memsrv: kexec (pid 4) killed: page fault executing 0xffffffff80000000",
    );
    expect_output(&out, "init: kread (pid 2) was killed");
    expect_output(&out, "hello from pid 5");
    expect_output(&out, "init: hello (pid 5) exited with status 0");
    assert!(!out.transcript.contains("survived"), "{}", out.transcript);
    expect_output(&out, NO_LEAK);
}

#[test]
fn invalid_capability_use_returns_specific_errors() {
    let out = boot(&["captest"]);
    expect_verdict(&out, Verdict::Success);
    for check in [
        "cap_info on an empty slot: ok",
        "send without the send right: ok",
        "frame_alloc on an endpoint: ok",
        "send on a deleted slot: ok",
        "debug_write from a kernel address: ok",
        "receive with a 3-tick timeout on its own endpoint: ok",
        "send through a capability to a destroyed endpoint: ok",
        "cap_info on a capability to a destroyed endpoint: ok",
        "all checks passed",
    ] {
        expect_output(&out, &format!("captest: {check}"));
    }
}

#[test]
fn ipc_carries_a_capability_between_address_spaces() {
    let out = boot(&["ping", "pong"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "pong: got pong 2");
    expect_output(&out, "ping: served 2");
    expect_output(&out, NO_LEAK);
}

#[test]
fn a_spinning_task_does_not_starve_another() {
    let out = boot(&["spin", "hello"]);
    expect_verdict(&out, Verdict::Success);
    let hello = out.transcript.find("hello from pid").expect("hello ran");
    let spin_done = out.transcript.find("spin: done").expect("spin finished");
    assert!(
        hello < spin_done,
        "hello had to wait for spin: no preemption\n{}",
        out.transcript
    );
}

#[test]
fn a_fault_handler_resolves_a_page_fault_and_resumes_the_task() {
    let out = boot(&["faulter"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "faulter: resumed after page fault, read back 42");
    expect_output(&out, "faulter: the capability in the last slot is intact");
    expect_output(&out, NO_LEAK);
}

#[test]
fn ipcbench_prints_its_figures() {
    let out = run(runner::Options {
        icount: Some(0),
        ..runner::Options::for_test(&["ipcbench"], TIMEOUT_SECS)
    });
    expect_verdict(&out, Verdict::Success);
    for key in [
        "null_syscall",
        "yield",
        "ipc_rt",
        "ipc_rt_4w",
        "ipc_rt_64w",
        "ipc_rt_cap",
        "typed_call",
        "kv_put",
        "kv_get",
    ] {
        expect_output(&out, &format!("bench: {key} "));
    }
    expect_output(&out, NO_LEAK);
}

#[test]
fn kernbench_prints_its_figures_and_gives_everything_back() {
    // Its idle helpers fill the task table and go with one capability deletion (a chain).
    let out = run(runner::Options {
        icount: Some(0),
        ..runner::Options::for_test(&["kernbench"], TIMEOUT_SECS)
    });
    expect_verdict(&out, Verdict::Success);
    for key in [
        "fault_rt",
        "map_unmap",
        "ipc_rt_tasks_few",
        "ipc_rt_tasks_16",
        "ipc_rt_tasks_64",
    ] {
        expect_output(&out, &format!("bench: {key} "));
    }
    expect_output(&out, NO_LEAK);
}

#[test]
fn unknown_programs_are_refused_before_boot() {
    let err = runner::run(&runner::Options::for_test(&["no-such-program"], 5))
        .unwrap_err()
        .to_string();
    assert!(err.contains("available") && err.contains("hello"), "{err}");
}

#[test]
fn syscalls_preserve_callee_saved_registers() {
    let out = boot(&["regcheck"]);
    expect_verdict(&out, Verdict::Success);
    for case in [
        "task_self",
        "yield",
        "call (fast path)",
        "call (general path)",
    ] {
        expect_output(
            &out,
            &format!("regcheck: {case}: callee-saved registers preserved"),
        );
    }
}

#[test]
fn faultbench_prints_its_figure() {
    let out = run(runner::Options {
        icount: Some(0),
        ..runner::Options::for_test(&["faultbench"], TIMEOUT_SECS)
    });
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "bench: demand_zero_fault ");
    expect_output(&out, NO_LEAK);
}

#[test]
fn membench_prints_its_figures() {
    let out = run(runner::Options {
        icount: Some(0),
        ..runner::Options::for_test(&["membench"], TIMEOUT_SECS)
    });
    expect_verdict(&out, Verdict::Success);
    for line in [
        "membench: FrameAlloc, a frame zeroed ahead: median ",
        "membench: recv with a 1-tick timeout expiring: back in user space ",
        "membench: AsShare copy-on-write, 512 pages in one call: ",
        "membench: AsDestroy with 4096 pages mapped: ",
    ] {
        expect_output(&out, line);
    }
    expect_output(&out, NO_LEAK);
}

#[test]
fn batches_run_in_turn_and_each_is_checked_for_leaks() {
    // `then` separates batches; `!` marks a program that must be killed (see abi::cmdline).
    let out = boot(&["kread!", "hello", "then", "ping", "pong"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(
        &out,
        "memsrv: kread (pid 2) killed: page fault reading 0xffffffff80000000",
    );
    expect_output(&out, "init: frame census unchanged and audited (batch 1)");
    expect_output(&out, "init: frame census unchanged and audited (batch 2)");
    let first = out.transcript.find("(batch 1)").unwrap();
    let ping = out.transcript.find("ping: served").unwrap();
    assert!(
        first < ping,
        "batch 2 started before batch 1 was done\n{}",
        out.transcript
    );
}

#[test]
fn a_program_that_should_have_been_killed_fails_the_run() {
    let out = boot(&["hello!"]);
    expect_verdict(&out, Verdict::GuestFailure);
    expect_output(
        &out,
        "init: hello (pid 2) was expected to be killed, but exited",
    );
    expect_output(&out, "init: all programs done: failure");
}
