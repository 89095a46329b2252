//! Notifications between programs (issue 18): `belltest` signals and waits on its own
//! notification, hands `bell` one to bind, and rings it: every signal comes back as bell's answer
//! while the same server loop answers calls, and a destroyed notification is stale.
use runner::Verdict;
use system_tests::*;

#[test]
fn a_server_loop_takes_calls_and_notifications() {
    let out = boot(&["belltest"]);
    expect_verdict(&out, Verdict::Success);
    for line in [
        "its own notification: poll, signal, wait",
        "bell binds the notification it is given",
        "two badged signals reach bell's loop as their bits",
        "1000 signal-wait round trips through bell",
        "destroyed, the notification is stale and bell serves on",
        "5 of 5 checks passed",
    ] {
        expect_output(&out, &format!("belltest: {line}"));
    }
    expect_output(&out, "init: frame census unchanged and audited");
}
