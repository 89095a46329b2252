//! The adversarial suite (issue 7): `attack`, an ordinary hostile program, and `rogue`, a
//! compromised pool holder, run every hostile case they have, each in a batch of its own beside a
//! bystander (`hello`) that must finish. For every case the test checks the one outcome the case
//! must have — refused with the exact error, killed for the right reason, or survived with its own
//! checks passing — and for every batch that init found every frame and kernel object back. The
//! kernel must never panic, hang or reset, whatever the programs do.
//!
//! The cases are numbered as in `tests/programs/src/bin/attack/` and `.../rogue/`; this file is
//! the specification of their outcomes.
use runner::{Options, Outcome, Verdict};
use system_tests::*;

/// Seconds for one boot of the suite: each runs dozens of batches.
const SUITE_TIMEOUT_SECS: u64 = 240;

/// How a case must end.
enum Expect {
    /// The hostile call is refused with this error (the program prints it).
    Refused(&'static str),
    /// The program carries on and its own checks pass.
    Survives,
    /// The kernel kills the program; init's reason contains one of these.
    Killed(Vec<String>),
}
use Expect::*;

/// One hostile case: which program, its number, its outcome.
struct Case {
    program: &'static str,
    number: u64,
    expect: Expect,
}

/// A batch: the words for init, and the cases whose outcomes to check in it.
struct Batch {
    words: Vec<String>,
    cases: Vec<Case>,
    /// Lines that must appear among the batch's output.
    lines: Vec<String>,
}

const GP0: &[&str] = &["#GP general protection (vector 13) error=0x0 at"];
const UD: &[&str] = &["#UD invalid opcode (vector 6)"];
const DB: &[&str] = &["#DB debug (vector 1)"];
const BP: &[&str] = &["#BP breakpoint (vector 3)"];

/// A #GP whose error code is `selector`.
fn gp(selector: u16) -> Vec<String> {
    vec![format!(
        "#GP general protection (vector 13) error={selector:#x} at"
    )]
}

fn killed(reasons: &[&str]) -> Expect {
    Killed(reasons.iter().map(|r| r.to_string()).collect())
}

/// `attack`'s cases the kernel must kill, with the reason init must give.
fn attack_kills() -> Vec<(u64, Vec<String>)> {
    let r = |reasons: &[&str]| reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>();
    let base = runner::catalog::find("attack").expect("listed").link_base();
    let image = image_prefix("attack");
    [
        (1, r(&["page fault reading 0xffff800000000000 "])),
        (2, r(&["page fault writing 0xffff800000000000 "])),
        (3, r(&["page fault executing 0xffff800000000000 "])),
        (4, r(&["page fault writing 0xffff800000100000 "])),
        (5, r(&["page fault reading 0xffffffff80000000 "])),
        (6, r(&["page fault writing 0xffffffff80000000 "])),
        (7, r(&["page fault executing 0xffffffff80000000 "])),
        // The GDT and IDT are kernel statics: somewhere in the kernel image.
        (8, r(&["page fault reading 0xffffffff8"])),
        (9, r(&["page fault writing 0xffffffff8"])),
        (10, r(&["page fault reading 0xffffc00000000000 "])),
        (11, r(GP0)),
        (12, r(GP0)),
        (13, r(GP0)),
        (14, r(&["page fault reading 0x0 "])),
        (15, r(&["page fault reading 0x7ffffffff000 "])),
        (16, r(&["page fault writing 0x7ffffffffffc "])),
        (17, vec![format!("page fault writing {base:#x} ")]),
        // Its code, data and stack: attack's image is in the 16 MiB from its link base, the stack
        // ends at 0x7fff_fffe_f000.
        (18, vec![format!("page fault writing {image}")]),
        (19, r(&["page fault executing 0x7ffffffe"])),
        (20, vec![format!("page fault executing {image}")]),
        (21, r(&["page fault executing 0x7fffffff0000 "])),
        (22, r(&["page fault executing 0xb8000 "])),
        (100, r(GP0)),
        (101, r(GP0)),
        (102, r(GP0)),
        (
            103,
            r(&["in/out to port 0x3f8 without an I/O-port capability"]),
        ),
        (
            104,
            r(&["in/out to port 0xf4 without an I/O-port capability"]),
        ),
        (105, r(GP0)),
        (106, r(GP0)),
        (107, r(GP0)),
        (108, r(GP0)),
        (109, r(GP0)),
        (110, r(GP0)),
        (111, r(GP0)),
        (112, r(GP0)),
        (113, r(GP0)),
        (114, r(GP0)),
        (115, r(GP0)),
        (116, r(GP0)),
        (117, r(GP0)),
        (118, r(GP0)),
        (119, r(GP0)),
        (120, r(GP0)),
        (121, r(GP0)),
        (122, r(GP0)),
        (123, r(GP0)),
        (124, r(UD)),
        (125, r(UD)),
        (126, r(GP0)),
        (127, r(GP0)),
        // iretq and a far return to the kernel's code segment: #GP naming it; QEMU reads the
        // frame from the user stack as the kernel would, and SMAP makes that a page fault.
        (128, r(&["error=0x8 at", "page fault reading 0x7ffffffe"])),
        (129, r(&["error=0x8 at", "page fault reading 0x7ffffffe"])),
        (130, gp(0x28)),
        (131, gp(0x10)),
        (132, gp(0x10)),
        (133, gp(0x50)),
        (134, gp(0x28)),
        (135, r(GP0)),
        // sysenter: #UD on AMD and in QEMU, #GP(0) on Intel (no SYSENTER_CS set).
        (136, r(&["#UD invalid opcode (vector 6)", "error=0x0 at"])),
        (137, r(BP)),
        (138, r(UD)),
        // icebp: #DB on hardware; #UD in QEMU.
        (
            139,
            r(&["#DB debug (vector 1)", "#UD invalid opcode (vector 6)"]),
        ),
        (140, r(UD)),
        (141, r(UD)),
        (142, r(GP0)),
        (143, r(GP0)),
        (144, r(UD)),
        (202, r(DB)),
        (204, r(GP0)),
        (207, r(&["page fault writing 0xffffffff80000ff8 "])),
        // A push at a non-canonical address: #SS in the manuals, #GP in QEMU.
        (
            208,
            r(&[
                "#SS stack fault (vector 12)",
                "#GP general protection (vector 13)",
            ]),
        ),
        (209, r(&["page fault writing 0xfffffffffffffff8 "])),
        (210, r(&["page fault writing 0x7ffffffffff8 "])),
        // TF set for a syscall: the trap due at the kernel's entry point is the kernel's to
        // absorb; the next user instruction traps and kills the program.
        (211, r(DB)),
    ]
    .into()
}

/// `attack`'s cases that must be refused, with the error.
const ATTACK_REFUSALS: &[(u64, &str)] = &[
    (802, "WrongKind"),
    (803, "EmptySlot"),
    (300, "BadAddress"),
    (301, "BadAddress"),
    (302, "BadAddress"),
    (303, "BadAddress"),
    (304, "BadAddress"),
    (305, "NotMapped"),
    (306, "NotMapped"),
    (307, "NotMapped"),
    (308, "NotMapped"),
    (309, "NotMapped"),
    (310, "InvalidArgument"),
    (311, "InvalidArgument"),
    (312, "InvalidArgument"),
    (400, "EmptySlot"),
    (401, "InvalidSlot"),
    (402, "InvalidSlot"),
    (403, "MissingRights"),
    (404, "MissingRights"),
    (405, "WrongKind"),
    (406, "WrongKind"),
    (407, "WrongKind"),
    (408, "WrongKind"),
    (409, "EmptySlot"),
    (410, "MissingRights"),
    (411, "MissingRights"),
    (412, "EmptySlot"),
    (413, "StaleCap"),
    (414, "StaleCap"),
    (415, "StaleCap"),
    (416, "StaleCap"),
    (417, "InvalidArgument"),
    (418, "InvalidArgument"),
    (419, "InvalidArgument"),
    (420, "InvalidArgument"),
    (421, "SlotOccupied"),
    (422, "InvalidSlot"),
    (423, "EmptySlot"),
    (424, "WrongKind"),
    (425, "WrongKind"),
    (426, "EmptySlot"),
    (427, "WrongKind"),
    (428, "WrongKind"),
    (429, "WrongKind"),
    (430, "WrongKind"),
    (431, "WrongKind"),
    (432, "EmptySlot"),
    (433, "InvalidSlot"),
    (434, "UnknownSyscall"),
    (435, "UnknownSyscall"),
    (436, "UnknownSyscall"),
    (437, "UnknownSyscall"),
    (438, "MissingRights"),
    (442, "WrongKind"),
    (450, "WrongKind"),
    (451, "WrongKind"),
    (452, "WrongKind"),
    (453, "WrongKind"),
    (454, "WrongKind"),
    (455, "EmptySlot"),
    (456, "InvalidSlot"),
    (470, "WrongKind"),
    (471, "WrongKind"),
    (472, "WrongKind"),
    (473, "WrongKind"),
    (474, "EmptySlot"),
    (475, "InvalidSlot"),
    (476, "WrongKind"),
    (477, "WrongKind"),
    (478, "EmptySlot"),
    (500, "NoReplyTarget"),
    (501, "NoReplyTarget"),
    (502, "NoReplyTarget"),
    (503, "NoReplyTarget"),
    (511, "InvalidArgument"),
    (512, "InvalidArgument"),
    (513, "InvalidArgument"),
    (514, "InvalidArgument"),
    (515, "InvalidArgument"),
    (516, "InvalidArgument"),
    (517, "InvalidArgument"),
    (518, "InvalidArgument"),
    (519, "InvalidArgument"),
    (520, "InvalidArgument"),
    (521, "InvalidArgument"),
    (522, "MissingRights"),
    (523, "MissingRights"),
    (524, "MissingRights"),
];

/// `attack`'s cases that run alone and must survive with their checks passing, with a line each
/// must leave in the transcript (beyond its own verdict).
const ATTACK_SURVIVALS: &[(u64, &str)] = &[
    // Lines that look like init's and the kernel's come out marked with the writer's name, and
    // terminal escapes inert: no one can end the run early in a reader's eyes, or drive the
    // developer's terminal.
    (800, "attack: init: all programs done: success"),
    (800, "attack: kernel: shutdown requested by task 0: Success"),
    (801, "attack: ?]0;pwned??[2J?1;1H"),
    (201, "attack: AC set, DebugWrite still works"),
    (203, ""),
    // The kernel copied the text forwards although the caller's DF was set.
    (
        205,
        "attack: written with DF set, copied forwards: 0123456789abcdef",
    ),
    (206, ""),
    (313, "<invalid UTF-8>"),
    (439, ""),
    (440, ""),
    (441, ""),
    (504, ""),
    // Init must see through every forgery (and say so), and refuse the forged calls.
    (505, "memsrv: ignored message 0xffff0003 from attack"),
    (506, "memsrv: ignored message 0xffff0001 from attack"),
    (507, "memsrv: ignored message 0xffff0002 from attack"),
    (508, "memsrv: ignored message 0xffff0003 from attack"),
    (509, "memsrv: ignored message 0xffff0001 from attack"),
    (510, "memsrv: ignored message 0xffff0001 from attack"),
    // Only the viewer's endpoint (badged OBSERVER) gets answers to these.
    (527, ""),
    // The memory server's protocol misused: a sent Wait is ignored (and said so), the null page,
    // the system's programs and the checks are refused.
    (700, "memsrv: ignored message 0x4 from attack"),
    (701, ""),
    (702, ""),
    (703, ""),
    (706, ""),
    // Only the good spawn's words reach a program, whole.
    (707, ": past the checks"),
];

/// Cases several `attack` instances play together in one batch (the serving one registers
/// "attack-pair" with the name service, the others look it up).
fn attack_groups() -> Vec<Vec<Case>> {
    let case = |number, expect| Case {
        program: "attack",
        number,
        expect,
    };
    let survivors = |numbers: &[u64]| numbers.iter().map(|&n| case(n, Survives)).collect();
    vec![
        survivors(&[600, 601]),
        survivors(&[602, 603]),
        survivors(&[604, 605]),
        survivors(&[606, 607]),
        survivors(&[608, 609]),
        vec![case(610, Survives), case(611, Refused("PeerDied"))],
        survivors(&[612, 613, 614]),
        survivors(&[615, 616]),
        // Two NT cases together: each yields to one the timer interrupted (resumed by iretq).
        survivors(&[200, 200]),
    ]
}

/// `rogue`'s cases: the kernel must kill 50-52, refuse the listed ones, and let the rest survive.
const ROGUE_REFUSALS: &[(u64, &str)] = &[
    (1, "FrameInUse"),
    (2, "BadFrame"),
    (4, "BadFrame"),
    (6, "BadAddress"),
    (8, "AlreadyMapped"),
    (10, "InvalidArgument"),
    (19, "MissingRights"),
    (100, "InUse"),
    (101, "BadTaskState"),
    (102, "StaleCap"),
    (104, "WrongKind"),
    (105, "StaleCap"),
    (106, "MissingRights"),
    (107, "MissingRights"),
    (108, "MissingRights"),
    (109, "MissingRights"),
    (110, "MissingRights"),
    (111, "MissingRights"),
    (112, "SlotOccupied"),
    (113, "InvalidSlot"),
    (130, "MissingRights"),
    (131, "MissingRights"),
    (132, "StaleCap"),
    (133, "InUse"),
    (134, "InvalidArgument"),
    (135, "EmptySlot"),
    (140, "InUse"),
    (141, "InUse"),
    (142, "InvalidArgument"),
    (143, "InUse"),
    (144, "StaleCap"),
    (145, "InvalidArgument"),
    (146, "InvalidArgument"),
    (150, "InvalidArgument"),
    (151, "InvalidArgument"),
    (152, "InvalidArgument"),
    (153, "AlreadyMapped"),
    (154, "InvalidArgument"),
    (155, "InvalidArgument"),
    (156, "MissingRights"),
    (157, "WrongKind"),
    (158, "BadFrame"),
    (159, "BadFrame"),
    (160, "BadFrame"),
];
const ROGUE_SURVIVALS: &[(u64, &str)] = &[
    (3, ""),
    (5, ""),
    (7, ""),
    (9, ""),
    (11, ""),
    (12, ""),
    (13, ""),
    (14, ""),
    (15, ""),
    (16, ""),
    (17, ""),
    (18, ""),
    (103, ""),
    (114, ""),
    (115, ""),
    (116, ""),
    (117, ""),
    (118, ""),
    (136, ""),
    (137, ""),
    (147, ""),
    (161, ""),
    (200, ""),
    (201, ""),
    (202, ""),
    (203, ""),
    (204, ""),
    (205, ""),
    (206, ""),
    (207, ""),
    (208, ""),
    (209, ""),
    (210, ""),
    (211, ""),
    (212, ""),
    // A helper whose fault endpoint went away is killed by the kernel itself.
    (213, "(rogue-helper) killed: #UD invalid opcode (vector 6)"),
    (214, ""),
    (215, ""),
    (216, ""),
    (218, ""),
    (219, ""),
    // A helper's exit notice under the rogue's badge: init must see it is about another task.
    (
        217,
        "init: ignored kernel message 0xffff0003 from rogue (pid ",
    ),
];
/// `rogue`'s cases the kernel must kill: executing its data (in its image), writing past its stack
/// (which ends at 0x7fff_fffe_f000).
fn rogue_kills() -> [(u64, String); 3] {
    let image = image_prefix("rogue");
    [
        (50, format!("page fault executing {image}")),
        (51, format!("page fault executing {image}")),
        (52, "page fault writing 0x7ffffffe".to_string()),
    ]
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
