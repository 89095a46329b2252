//! Boot tests: the kernel starts, reports itself, and turns its own failures into clear reports
//! and a failing exit status.
use runner::{KernelImage, Options, Verdict};
use system_tests::*;

#[test]
fn boot_banner_lists_the_boot_archive() {
    let out = boot(&[]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "mikros");
    expect_output(&out, "memory: ");
    expect_output(&out, "protection: NX=1 SMEP=1 SMAP=1");
    expect_output(&out, "boot archive: ");
    expect_output(&out, "  init ");
    expect_output(&out, "  display ");
    // Only what the (empty) command line can start: no examples, no viewer.
    for absent in ["  hello ", "  viewer "] {
        assert!(!out.transcript.contains(absent), "{absent:?} packed");
    }
    expect_output(&out, "init: no programs to run");
}

#[test]
fn kernel_panic_is_a_failure_with_its_message() {
    let out = boot_test_kernel(&["test:panic"]);
    expect_verdict(&out, Verdict::KernelPanic);
    expect_output(
        &out,
        "KERNEL PANIC: deliberate panic requested by the boot command line",
    );
    expect_output(&out, "test_kernel.rs:");
}

#[test]
fn kernel_page_fault_is_reported_in_full() {
    let out = boot_test_kernel(&["test:pagefault"]);
    expect_verdict(&out, Verdict::KernelPanic);
    expect_output(
        &out,
        "EXCEPTION #PF page fault (vector 14) in kernel: error=0x0 rip=0xffffffff8",
    );
    expect_output(&out, "cr2=0xdeadb000");
    expect_output(
        &out,
        "KERNEL PANIC: unhandled #PF page fault in kernel mode",
    );
}

#[test]
fn invalid_opcode_is_reported() {
    let out = boot_test_kernel(&["test:invalid-opcode"]);
    expect_verdict(&out, Verdict::KernelPanic);
    expect_output(&out, "EXCEPTION #UD invalid opcode (vector 6) in kernel");
}

#[test]
fn breakpoint_is_reported_and_resumed() {
    let out = boot_test_kernel(&["test:breakpoint"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "breakpoint in kernel at rip=0xffffffff8");
}

#[test]
fn runner_times_out_a_hung_guest() {
    let out = run(Options {
        kernel: KernelImage::Test,
        ..Options::for_test(&["test:hang"], 4)
    });
    expect_verdict(&out, Verdict::Timeout);
}

#[test]
fn runner_rejects_unknown_programs() {
    // The library: a usage error, found before anything is built or booted.
    let err = runner::run(&Options::for_test(&["no-such-program"], 5)).unwrap_err();
    assert!(matches!(err, runner::Error::Usage(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("unknown program 'no-such-program'"),
        "{err}"
    );
    // The binary, as a user runs it: a usage error is exit status 2, with a suggestion for a
    // near miss, and the error is the end of what it prints (not followed by the whole help).
    let near_misses = [
        (&["hello", "helo"][..], "a similar program exists: 'hello'"),
        (
            &["--headles", "hello"],
            "a similar argument exists: '--headless'",
        ),
        // A second init would find none of what the kernel gives the first.
        (&["hello", "init"], "'init' is a system program"),
    ];
    for (args, tip) in near_misses {
        let out = run_runner_binary(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}:\n{stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}:\n{stderr}");
        assert!(stderr.contains(tip), "{args:?}:\n{stderr}");
        assert!(
            stderr
                .trim_end()
                .ends_with("For more information, try '--help'."),
            "{args:?}:\n{stderr}"
        );
        assert!(
            stderr.lines().count() < 10 && !stderr.contains("--test-kernel"),
            "the help buries the error:\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "nothing boots");
    }
}

/// Runs the runner's binary (headless, and bounded in case it does boot) with `args`.
fn run_runner_binary(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_FILE_RUNNER_runner"))
        .args(["--headless", "--timeout", "60"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the runner binary starts")
}

#[test]
fn uefi_boot_runs_a_program_too() {
    let out = run(Options {
        uefi: true,
        ..Options::for_test(&["hello"], TIMEOUT_SECS)
    });
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "hello from pid 2");
}

#[test]
fn a_fault_without_a_handler_is_killed_and_reported_by_the_kernel() {
    // The test kernel starts `kread` itself, before init and with no fault endpoint.
    let out = boot_test_kernel(&["test:orphan=kread"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "kread: reading kernel memory at 0xffffffff80000000");
    let killed = "kernel: task 0 (kread) killed: page fault reading 0xffffffff80000000 \
                  (protection violation) at rip=";
    expect_output(&out, &format!("{killed}{}", image_prefix("kread")));
    // ... and the system carries on: init runs and ends the run.
    expect_output(&out, "init: no programs to run");
}
