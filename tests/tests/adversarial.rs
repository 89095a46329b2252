//! The adversarial suite (issue 7): `attack`, an ordinary hostile program, and `rogue`, a
//! compromised pool holder, run every hostile case they have, each in a batch of its own beside a
//! bystander (`hello`) that must finish. For every case the test checks the one outcome the case
//! must have — refused with the exact error, killed for the right reason, or survived with its own
//! checks passing — and for every batch that init found every frame and kernel object back. The
//! kernel must never panic, hang or reset, whatever the programs do.
//!
//! The cases are numbered as in `tests/programs/src/bin/attack/` and `.../rogue/`; the
//! specification of their outcomes is `adversarial/cases.rs`.
use runner::{Options, Outcome, Verdict};
use system_tests::*;

#[path = "adversarial/cases.rs"]
mod cases;
use cases::*;

/// Seconds for one boot of the suite: each runs dozens of batches.
const SUITE_TIMEOUT_SECS: u64 = 240;

/// How a case must end.
pub enum Expect {
    /// The hostile call is refused with this error (the program prints it).
    Refused(&'static str),
    /// The program carries on and its own checks pass.
    Survives,
    /// The kernel kills the program; init's reason contains one of these.
    Killed(Vec<String>),
}
use Expect::*;

/// One hostile case: which program, its number, its outcome.
pub struct Case {
    pub program: &'static str,
    pub number: u64,
    pub expect: Expect,
}

/// A batch: the words for init, and the cases whose outcomes to check in it.
struct Batch {
    words: Vec<String>,
    cases: Vec<Case>,
    /// Lines that must appear among the batch's output.
    lines: Vec<String>,
}

fn word(case: &Case) -> String {
    let bang = if matches!(case.expect, Killed(_)) {
        "!"
    } else {
        ""
    };
    format!("{}:{}{bang}", case.program, case.number)
}

/// A batch of `cases` beside the bystander. The rogue comes last, so that init has loaded the
/// bystander before the rogue starts taking memory and table entries.
fn batch(cases: Vec<Case>, extra: &[&str], lines: &[&str]) -> Batch {
    let mut words: Vec<String> = cases
        .iter()
        .filter(|c| c.program != "rogue")
        .map(word)
        .collect();
    words.extend(extra.iter().map(|w| w.to_string()));
    words.push("hello".into());
    words.extend(cases.iter().filter(|c| c.program == "rogue").map(word));
    Batch {
        words,
        cases,
        lines: lines
            .iter()
            .filter(|l| !l.is_empty())
            .map(|l| l.to_string())
            .collect(),
    }
}

fn single(program: &'static str, number: u64, expect: Expect, lines: &[&str]) -> Batch {
    batch(
        vec![Case {
            program,
            number,
            expect,
        }],
        &[],
        lines,
    )
}

/// Boots once with all `batches` on `cpus` CPUs, then checks the verdict and every case and
/// batch. (On several CPUs, in parallel: the hostile programs, the bystander and the servers run
/// at once, and the kernel takes tasks off other CPUs to kill them.)
fn run_suite_on(cpus: u8, batches: &[Batch]) {
    let mut words: Vec<&str> = Vec::new();
    for (i, b) in batches.iter().enumerate() {
        if i > 0 {
            words.push("then");
        }
        words.extend(b.words.iter().map(String::as_str));
    }
    let out = run(Options {
        smp: cpus,
        ..Options::for_test(&words, SUITE_TIMEOUT_SECS)
    });
    expect_verdict(&out, Verdict::Success);
    check_kernel_unharmed(&out);
    let segments = batch_segments(&out, batches.len());
    for (b, segment) in batches.iter().zip(&segments) {
        for case in &b.cases {
            check_case(&out, segment, case);
        }
        for line in &b.lines {
            assert!(
                segment.contains(line.as_str()),
                "batch {:?}: expected {line:?}\n{segment}",
                b.words
            );
        }
        // The bystander finished, whatever happened beside it: init's line, which starts a line
        // of its own even after another task's unterminated output (attack 313 writes bytes with
        // no newline), and which no other program can print there (attack 800 tries).
        let bystander =
            |l: &str| l.starts_with("init: hello (pid ") && l.ends_with("exited with status 0");
        assert!(
            segment.lines().any(bystander),
            "the bystander did not finish\n{segment}"
        );
    }
}

/// No panic, no kernel exception, no case that failed its own checks.
fn check_kernel_unharmed(out: &Outcome) {
    for bad in [
        "KERNEL PANIC",
        "in kernel:",
        "FAILED",
        "LEAK",
        "ACCOUNTING INCONSISTENT",
        "was expected to be killed",
        "no task can run",
        "cannot start",
    ] {
        assert!(
            !out.transcript.contains(bad),
            "{bad:?} in the transcript:\n{}",
            out.transcript
        );
    }
}

/// The output of each batch: what follows the previous batch's census line, up to its own, which
/// must be there (init prints it once every frame and object is back).
fn batch_segments(out: &Outcome, batches: usize) -> Vec<String> {
    let mut segments = Vec::new();
    let mut rest = out.transcript.as_str();
    for n in 1..=batches {
        // At the start of a line, where only init can print it (attack 800 tries elsewhere).
        let census = format!("\ninit: frame census unchanged and audited (batch {n}): ");
        let Some(at) = rest.find(&census) else {
            panic!("no census line for batch {n}\n{}", out.transcript);
        };
        segments.push(rest[..at].to_string());
        rest = &rest[at + census.len()..];
    }
    segments
}

/// The line of `case` that contains `needle`.
fn case_line<'a>(segment: &'a str, case: &Case, needle: &str) -> Option<&'a str> {
    let prefix = format!("{} {} (", case.program, case.number);
    segment
        .lines()
        .find(|l| l.contains(&prefix) && l.contains(needle))
}

fn check_case(out: &Outcome, segment: &str, case: &Case) {
    let name = format!("{} {}", case.program, case.number);
    match &case.expect {
        Refused(error) => {
            let line = case_line(segment, case, "): refused with ");
            let got = line.and_then(|l| l.rsplit("refused with ").next());
            assert_eq!(got, Some(*error), "{name}: expected a refusal\n{segment}");
        }
        Survives => assert!(
            case_line(segment, case, "): survived, checks passed").is_some(),
            "{name}: expected it to survive with its checks passing\n{segment}"
        ),
        Killed(reasons) => {
            let line = case_line(segment, case, "expecting to be killed")
                .unwrap_or_else(|| panic!("{name} did not start\n{}", out.transcript));
            let pid = line
                .split(": pid ")
                .nth(1)
                .and_then(|s| s.split(',').next())
                .unwrap_or_else(|| panic!("{name}: no pid in {line:?}"));
            // Processes are the memory server's; the servers init runs itself are init's.
            let supervisor = if case.program == "attack" {
                "memsrv"
            } else {
                "init"
            };
            let killed = format!("{supervisor}: {} (pid {pid}) killed: ", case.program);
            let reason = segment
                .lines()
                .find_map(|l| l.split(&killed).nth(1))
                .unwrap_or_else(|| panic!("{name} was not killed\n{segment}"));
            assert!(
                reasons.iter().any(|r| reason.contains(r.as_str())),
                "{name}: killed for {reason:?}, expected one of {reasons:?}"
            );
        }
    }
}

#[test]
fn attack_is_killed_for_touching_kernel_memory_and_privileged_instructions() {
    attack_kills_on(1);
}

#[test]
fn attack_is_killed_on_four_cpus() {
    attack_kills_on(4);
}

fn attack_kills_on(cpus: u8) {
    let batches: Vec<Batch> = attack_kills()
        .into_iter()
        .map(|(n, reasons)| {
            let lines: &[&str] = if (207..=210).contains(&n) {
                &["attack: a syscall on a hostile stack pointer returned"]
            } else {
                &[]
            };
            single("attack", n, Killed(reasons), lines)
        })
        .collect();
    run_suite_on(cpus, &batches);
}

#[test]
fn every_int_vector_is_refused() {
    // Eleven vectors a batch (init runs twelve programs at once; the bystander is the twelfth).
    let batches: Vec<Batch> = (0..=255u64)
        .collect::<Vec<_>>()
        .chunks(11)
        .map(|vectors| {
            let cases = vectors
                .iter()
                .map(|&v| {
                    let expect = if v == 3 {
                        killed(BP)
                    } else {
                        // The error code names IDT entry v; older QEMU versions report v * 16 + 2.
                        Killed(
                            [v * 8 + 2, v * 16 + 2]
                                .map(|e| {
                                    format!("#GP general protection (vector 13) error={e:#x} at")
                                })
                                .into(),
                        )
                    };
                    Case {
                        program: "attack",
                        number: 1000 + v,
                        expect,
                    }
                })
                .collect();
            batch(cases, &[], &[])
        })
        .collect();
    run_suite_on(1, &batches);
}

#[test]
fn attack_is_refused_and_the_system_carries_on() {
    attack_refusals_on(1);
}

#[test]
fn attack_is_refused_and_the_system_carries_on_on_four_cpus() {
    attack_refusals_on(4);
}

fn attack_refusals_on(cpus: u8) {
    let mut batches: Vec<Batch> = Vec::new();
    for &(n, error) in ATTACK_REFUSALS {
        batches.push(single("attack", n, Refused(error), &[]));
    }
    for &(n, line) in ATTACK_SURVIVALS {
        batches.push(single("attack", n, Survives, &[line]));
    }
    // `count` brings the `counter` server for these two to misuse; its own totals must stay right.
    for n in [525, 526] {
        let case = Case {
            program: "attack",
            number: n,
            expect: Survives,
        };
        batches.push(batch(
            vec![case],
            &["count"],
            &["count: total is 6, as expected"],
        ));
    }
    // Servers filled by clients that end (attack/servers.rs): `count` brings `counter`, whose
    // totals must stay right; `ipcecho` must take a capability after one it did not expect.
    let case = |number| Case {
        program: "attack",
        number,
        expect: Survives,
    };
    let count_line = "count: total is 6, as expected";
    batches.push(batch(vec![case(528)], &["count"], &[count_line]));
    batches.push(batch(vec![case(529)], &["ipcecho"], &[]));
    // Children left waiting in the name service by an attacker that exits: once they are gone,
    // an honest program's lookups (and every other promise) must hold in the next batch.
    batches.push(batch(vec![case(530)], &[], &[]));
    let honest = "nametest: all checks passed";
    batches.push(batch(vec![], &["nametest"], &[honest]));
    for group in attack_groups() {
        batches.push(batch(group, &[], &[]));
    }
    // A rogue makes a process's endpoint to the memory server the fault endpoint of a task of its
    // own: the notice of that task's exit carries the process's badge, and must not end it.
    let pair = vec![
        Case {
            program: "attack",
            number: 704,
            expect: Survives,
        },
        Case {
            program: "rogue",
            number: 300,
            expect: Survives,
        },
    ];
    batches.push(batch(pair, &[], &[]));
    run_suite_on(cpus, &batches);
}

/// A rogue maps a process's frame, writable, behind the memory server's back, and holds it while
/// init has the server check its live processes (`--run-for`): the checks must find the frame
/// shared and writable, and mapped more often than the processes account for — and fail the run.
#[test]
fn the_checks_of_live_processes_see_a_frame_mapped_behind_the_servers_back() {
    let out = run(Options {
        timeout: Some(std::time::Duration::from_secs(SUITE_TIMEOUT_SECS)),
        ..system_tests::timed(&["attack:705", "rogue:301"], 30)
    });
    expect_verdict(&out, Verdict::GuestFailure);
    expect_output(&out, "attack 705 (");
    expect_output(&out, "): survived, checks passed");
    expect_output(&out, "rogue 301 (");
    expect_output(&out, "a frame shared with another mapping is writable");
    expect_output(&out, "mapped 1 times in processes, the kernel counts 2");
    expect_output(&out, "init: the memory server's checks found");
}

#[test]
fn rogue_pool_holder_cannot_break_the_kernel_or_its_accounting() {
    rogue_on(1);
}

#[test]
fn rogue_pool_holder_cannot_break_the_kernel_on_four_cpus() {
    rogue_on(4);
}

fn rogue_on(cpus: u8) {
    let mut batches: Vec<Batch> = Vec::new();
    for &(n, error) in ROGUE_REFUSALS {
        batches.push(single("rogue", n, Refused(error), &[]));
    }
    for &(n, line) in ROGUE_SURVIVALS {
        batches.push(single("rogue", n, Survives, &[line]));
    }
    for (n, reason) in rogue_kills() {
        batches.push(single("rogue", n, killed(&[&reason]), &[]));
    }
    run_suite_on(cpus, &batches);
}

/// init's census check is what the whole suite leans on: a leak must fail the run. `rogue` 190
/// leaks a frame of the pool and 191 a task kept alive by a capability to itself (reference
/// counting cannot see cycles; see docs/security.md).
#[test]
fn init_reports_what_a_pool_holder_leaks() {
    for (case, leaked) in [(190, "user"), (191, "tasks")] {
        let out = run(Options::for_test(
            &[&format!("rogue:{case}"), "hello"],
            TIMEOUT_SECS,
        ));
        expect_verdict(&out, Verdict::GuestFailure);
        // (hello's pid depends on whether the rogue made its task first.)
        let bystander = out
            .transcript
            .lines()
            .find(|l| l.starts_with("init: hello (pid "));
        assert!(
            bystander.is_some_and(|l| l.ends_with("exited with status 0")),
            "the bystander finished\n{}",
            out.transcript
        );
        expect_output(&out, "init: all programs done: failure");
        let line = out
            .transcript
            .lines()
            .find(|l| l.starts_with("init: LEAK: before"));
        let line = line.unwrap_or_else(|| panic!("no LEAK line\n{}", out.transcript));
        let (before, after) = line.split_once("after").expect("before and after");
        let count = |census: &str| -> u64 {
            let at = census.find(&format!("{leaked}: ")).expect("the count") + leaked.len() + 2;
            let digits: String = census[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().expect("a number")
        };
        assert_eq!(count(after), count(before) + 1, "one more {leaked}: {line}");
    }
}
