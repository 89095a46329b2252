//! Input in user space (issue 18): keys typed on the serial line (`--type`) and the PS/2 keyboard
//! (`--keys`) reach a program through the drivers and the input server, shift, arrows and Ctrl-C
//! included; a driver or the input server that crashes while keys are typed is restarted and the
//! reader goes on; a flood is bounded and counted; misuse of the protocol and of the keyboard's
//! ports is refused.
use runner::{Device, KernelImage, Options, Verdict};
use system_tests::*;

/// What `keyecho:4` prints for `aB^c{up}` then the line `hello`, typed on `source`.
fn echoed(source: &str) -> [String; 5] {
    [
        format!("keyecho: key Char('a') from {source}"),
        format!("keyecho: key Char('B') from {source}"),
        format!("keyecho: key Ctrl(99) from {source}"),
        format!("keyecho: key Up from {source}"),
        "keyecho: line \"hello\"".into(),
    ]
}

#[test]
fn keys_typed_on_both_sources_reach_the_reader() {
    // Two batches: the input stack starts for each; the serial line types in the first, the
    // keyboard in the second (once the first is over and the new driver is ready).
    let opts = Options::for_test(&["keyecho:4", "then", "keyecho:4"], TIMEOUT_SECS)
        .type_after("serial: ready", Device::Serial, "aB^c{up}helx\\blo\\n")
        .and_then(|o| o.type_after("(batch 1)", Device::Keyboard, ""))
        .and_then(|o| o.type_after("kbd: ready", Device::Keyboard, "aB^c{up}hellq\\bo\\n"))
        .unwrap();
    let out = run(opts);
    expect_verdict(&out, Verdict::Success);
    let serial = out.transcript.find("from Serial").expect("serial keys");
    let keyboard = out.transcript.find("from Keyboard").expect("keyboard keys");
    assert!(serial < keyboard, "the batches in order");
    for line in echoed("Serial").iter().chain(&echoed("Keyboard")) {
        expect_output(&out, line);
    }
    expect_output(&out, "init: frame census unchanged and audited (batch 2)");
}

fn crash_run(word: &str, who: &str) -> runner::Outcome {
    let opts = Options {
        kernel: KernelImage::Test,
        ..Options::for_test(&[word, "keyecho:4"], TIMEOUT_SECS)
    };
    // The third key crashes it; once it is back (a new "kbd: ready"), the rest is typed.
    let opts = opts
        .type_after("kbd: ready", Device::Keyboard, "abc")
        .and_then(|o| o.type_after("kbd: ready", Device::Keyboard, "xyz\\n"))
        .unwrap();
    let out = run(opts);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, &format!("init: {who} (pid"));
    expect_output(&out, "killed: page fault writing 0x8");
    expect_output(
        &out,
        &format!("init: restarting {who} (1 of at most 5 restarts a minute)"),
    );
    for line in [
        "keyecho: key Char('a') from Keyboard",
        "keyecho: key Char('b') from Keyboard",
        "keyecho: key Char('x') from Keyboard",
        "keyecho: key Char('y') from Keyboard",
        "keyecho: line \"z\"",
    ] {
        expect_output(&out, line);
    }
    expect_output(&out, "init: frame census unchanged and audited");
    out
}

#[test]
fn a_keyboard_driver_that_crashes_is_restarted_and_the_reader_goes_on() {
    crash_run("test:kbd-crash=3", "kbd");
}

#[test]
fn an_input_server_that_crashes_is_restarted_and_its_client_reconnects() {
    let out = crash_run("test:input-crash=3", "input");
    // The drivers come back with it (they held its old endpoint).
    assert_eq!(
        out.transcript.matches("serial: ready").count(),
        2,
        "{}",
        out.transcript
    );
}

#[test]
fn a_flood_of_keys_is_bounded_counted_and_never_hangs() {
    let flood = "0123456789".repeat(300);
    let opts = Options::for_test(&["keyecho:1000"], TIMEOUT_SECS)
        .type_after("keyecho: ready", Device::Serial, &flood)
        .unwrap();
    let out = run(opts);
    expect_verdict(&out, Verdict::Success);
    // The reader slept through it: the queue kept the newest 64, said so once, counted the rest.
    expect_output(&out, "keyecho: the queue kept 64 keys");
    assert_eq!(
        out.transcript.matches("the key queue is full").count(),
        1,
        "{}",
        out.transcript
    );
    expect_output(&out, "input: the flood is over: 2936 keys dropped in all");
}

#[test]
fn the_input_protocol_refuses_misuse() {
    let out = boot(&["inputattack"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "inputattack: 5 of 5 cases passed");
    expect_output(&out, "init: frame census unchanged and audited");
}

#[test]
fn the_keyboard_ports_without_a_capability_kill_the_program() {
    let out = boot(&["inout:1!", "then", "inout:2!"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(
        &out,
        "killed: in/out to port 0x60 without an I/O-port capability",
    );
    expect_output(
        &out,
        "killed: in/out to port 0x64 without an I/O-port capability",
    );
}
