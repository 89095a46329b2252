//! Several CPUs: the boot CPU starts the others (INIT, SIPI, SIPI), each answers once set up and
//! waits in `entry::cpu_started`, and the system runs as with one.
use runner::{Options, Verdict};
use system_tests::*;

/// Boots `hello` on `cpus` CPUs (under `-icount` or in parallel) and checks that all answered.
fn boot_on(cpus: u8, icount: Option<u8>) {
    let out = run(Options {
        smp: cpus,
        icount,
        ..Options::for_test(&["hello"], TIMEOUT_SECS)
    });
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
