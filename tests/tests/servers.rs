//! Servers written against userlib: typed protocols, the name service, one endpoint per server,
//! the example servers and the tutorial pair (docs/writing-a-server.md).
use runner::Verdict;
use system_tests::*;

const NO_LEAK: &str = "init: frame census unchanged and audited";

#[test]
fn the_tutorial_server_answers_its_client() {
    // `count` brings `counter` (servers/examples/programs.list: `with=counter`) and finds it by name.
    let out = boot(&["count"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "count: added 3, total 6");
    expect_output(&out, "count: total is 6, as expected");
    expect_output(&out, NO_LEAK);
}

#[test]
fn unrelated_servers_and_their_clients_share_one_boot() {
    // Three servers, each on its own endpoint, found by name; every client checks every answer,
    // so a request that reached the wrong server would fail its client (typed servers also
    // reject another protocol's requests: attack 526). `counter` is named too, not only brought.
    let out = boot(&["kv", "kvclient", "echo", "echoclient", "counter", "count"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "kvclient: 10 of 10 checks passed");
    expect_output(&out, "echoclient: 4 of 4 checks passed");
    expect_output(&out, "count: total is 6, as expected");
    expect_output(&out, " logs: second");
    expect_output(&out, NO_LEAK);
}

#[test]
fn the_name_service_keeps_its_promises() {
    let out = boot(&["nametest"]);
    expect_verdict(&out, Verdict::Success);
    for line in [
        "a missing name is not found, at once or after waiting",
        "a name is taken once, found badged with our pid, and freed",
        "an endpoint has at most 4 names",
        "a job holds at most 8 names, however many processes register",
        "the names of trusted servers are reserved for them",
        "a lookup only sent is never held",
        "a job has at most 2 waiting lookups, freed when a waiter ends",
        "names an ended program registered go with it, though the endpoint lives",
        "the service tells which ids have ended",
        "a lookup waited for a server that registered later",
        "an ended server's name is gone and its clients get StaleCap",
        "all checks passed",
    ] {
        expect_output(&out, &format!("nametest: {line}"));
    }
    expect_output(&out, NO_LEAK);
}

#[test]
fn a_server_named_alone_runs_until_the_time_is_up() {
    // A batch of servers only is waited for (they would otherwise be stopped at once); with
    // --run-for init stops them when the time is up, and the run still checks for leaks.
    let out = run(system_tests::timed(&["kv"], 2));
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "init: time is up");
    expect_output(&out, NO_LEAK);
}

#[test]
fn a_typed_server_at_its_edges() {
    // `probetest` (tests/programs) against `probe`: a rejection is `Rejected` at the client (not
    // `BadReply`); a capability arrives with the request that takes one; the server's call to a
    // lent endpoint nobody receives on times out (`call_timeout`) and a forked client is still
    // served; a reply too long for a message is reported by the server and seen as such.
    let out = boot(&["probetest"]);
    expect_verdict(&out, Verdict::Success);
    for line in [
        "a request with a capability it does not take is rejected",
        "a request without the capability it needs is rejected",
        "the server's call to a lent endpoint nobody answers times out",
        "a reply too long for a message is the server's error",
        "the server serves on",
        "another client was served too",
        "6 of 6 checks passed",
    ] {
        expect_output(&out, &format!("probetest: {line}"));
    }
    expect_output(&out, "probe: the reply to client 0x3 needs 603 bytes");
    expect_output(
        &out,
        "(WrongCaps: it carries a different number of capabilities",
    );
    expect_output(&out, NO_LEAK);
}

#[test]
fn a_server_named_alone_serves_until_the_timeout() {
    // Without --run-for a batch of servers only has nothing to end it: init waits with them,
    // awake, so the kernel sees no deadlock; the runner's wall-clock timeout ends the run. (30 s:
    // init says so within a few seconds of boot, even on a loaded machine.)
    let out = run(runner::Options::for_test(&["kv"], 30));
    expect_verdict(&out, Verdict::Timeout);
    expect_output(&out, "init: a batch of servers only: they serve until");
    assert!(
        !out.transcript.contains("no task can run"),
        "the kernel reported a deadlock\n{}",
        out.transcript
    );
}
