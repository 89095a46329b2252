//! Devices in user space (issue 18): `irqtest` gets the RTC's line and ports from init and sees its
//! periodic interrupt as notification bits; a line not acknowledged stays masked; the kernel's own
//! lines and ports are refused. A program without an I/O-port capability that executes `in` dies.
use runner::Verdict;
use system_tests::*;

#[test]
fn rtc_interrupts_reach_a_driver_as_notifications() {
    let out = boot(&["irqtest"]);
    expect_verdict(&out, Verdict::Success);
    for line in [
        "the kernel's lines and ports are refused",
        "RTC interrupts arrive as notification bits",
        "a line not acknowledged stays masked",
        "one handler per line until its last capability goes",
        "4 of 4 checks passed",
    ] {
        expect_output(&out, &format!("irqtest: {line}"));
    }
    expect_output(&out, "init: frame census unchanged and audited");
}

#[test]
fn in_without_an_io_port_capability_is_killed_with_the_reason() {
    let out = boot(&["inout!"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "inout: reading port 0x71 with `in`");
    expect_output(&out, "memsrv: inout (pid");
    expect_output(
        &out,
        "killed: in/out to port 0x71 without an I/O-port capability",
    );
}
