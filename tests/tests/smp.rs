//! Several CPUs: the boot CPU starts the others (INIT, SIPI, SIPI), each answers once set up and
//! waits in `entry::cpu_started`, and the system runs as with one.
use runner::{Options, Outcome, Verdict};
use system_tests::*;

/// Boots `programs` on `cpus` CPUs, under `-icount shift` if given, else in parallel.
fn run_on(cpus: u8, icount: Option<u8>, programs: &[&str]) -> Outcome {
    run(Options {
        smp: cpus,
        icount,
        ..Options::for_test(programs, TIMEOUT_SECS)
    })
}

/// Boots `hello` on `cpus` CPUs (under `-icount` or in parallel) and checks that all answered.
fn boot_on(cpus: u8, icount: Option<u8>) {
    let out = run_on(cpus, icount, &["hello"]);
    expect_verdict(&out, Verdict::Success);
    let ids: String = (0..cpus).map(|id| format!(" {id}")).collect();
    expect_output(&out, &format!("cpus: {cpus} (APIC ids{ids})\n"));
    assert!(
        !out.transcript.contains("did not answer"),
        "{}",
        out.transcript
    );
    expect_output(&out, "init: all programs done: success");
}

#[test]
fn one_cpu_by_default() {
    boot_on(1, None);
}

#[test]
fn two_cpus_start_in_parallel() {
    boot_on(2, None);
}

#[test]
fn four_cpus_start_under_icount() {
    boot_on(4, Some(0));
}

#[test]
fn four_cpus_start_in_parallel() {
    boot_on(4, None);
}

/// `smptest` on `cpus` CPUs: a stale TLB entry after a copy-on-write break, a task running on
/// another CPU stopped, read, restarted, moved and destroyed, a task's segment selectors kept as
/// it moves between CPUs, parallel syscalls; and the census.
fn smptest_on(cpus: u8, icount: Option<u8>) {
    let out = run_on(cpus, icount, &["smptest"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, &format!("smptest: {cpus} CPUs"));
    expect_output(&out, "smptest: stale TLB: 0 stale reads");
    expect_output(
        &out,
        "smptest: a task's GS kept over 30 stops and 60 wake-ups",
    );
    expect_output(&out, "smptest: ok");
    expect_output(&out, "init: frame census unchanged and audited");
}

#[test]
fn shootdown_and_remote_stops_on_two_cpus_in_parallel() {
    smptest_on(2, None);
}

#[test]
fn shootdown_and_remote_stops_on_four_cpus_under_icount() {
    smptest_on(4, Some(0));
}

#[test]
fn shootdown_and_remote_stops_on_four_cpus_in_parallel() {
    smptest_on(4, None);
}

/// Fork, copy-on-write under writers on several CPUs, wait, kills and tables, with faults
/// reaching the memory server from every CPU: the `forktest` cases that need no special setup,
/// in two batches (all eight at once, their children alive together in parallel can pass the
/// memory server's 14 live processes: `TooManyProcesses`, as it should).
#[test]
fn fork_and_copy_on_write_on_four_cpus() {
    let cases = [1, 2, 3, 4, 5, 6, 8, 26];
    let mut words: Vec<String> = cases.iter().map(|n| format!("forktest:{n}")).collect();
    words.insert(5, "then".into());
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let out = run_on(4, None, &words);
    expect_verdict(&out, Verdict::Success);
    for n in cases {
        expect_output(&out, &format!("forktest:{n}: passed"));
    }
    expect_output(&out, "init: frame census unchanged and audited");
}

/// WeensyOS's four allocators on two CPUs until memory is full: every one refused cleanly, and
/// nothing leaked.
#[test]
fn four_allocators_on_two_cpus_fill_memory_and_are_refused_cleanly() {
    let programs = ["allocator:1", "allocator:2", "allocator:3", "allocator:4"];
    let out = run(Options {
        smp: 2,
        ..timed(&programs, 20)
    });
    expect_verdict(&out, Verdict::Success);
    let refused = out.transcript.lines().filter(|l| {
        l.starts_with("allocator: pid ") && l.contains("stopped after") && l.contains("OutOfMemory")
    });
    assert_eq!(refused.count(), 4, "{}", out.transcript);
    expect_output(&out, "init: frame census unchanged and audited");
}
