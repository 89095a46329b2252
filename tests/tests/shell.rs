//! The interactive shell `sh` and WeensyOS's keys (`weensy`), typed into through the runner:
//! `--type` on the serial line, `--keys` on the PS/2 keyboard (issue 18, items 6 and 7).
use runner::{parse_args, Options, Outcome, ParsedArgs, Verdict};
use system_tests::*;

const NO_LEAK: &str = "init: frame census unchanged and audited";
/// The shell's prompt: each line is typed once it shows.
const PROMPT: &str = "$ ";

/// A run from runner words (`--type-after`, `--keys` ... and the programs), headless and quiet.
fn typed(words: &[&str]) -> Outcome {
    run(typed_options(words))
}

/// `sh` with each of `lines` typed on the serial line at a prompt (a line ending in `\n`).
fn shell(lines: &[&str]) -> Outcome {
    shell_on(1, lines)
}

/// The same on `cpus` CPUs (in parallel).
fn shell_on(cpus: u8, lines: &[&str]) -> Outcome {
    let cpus = cpus.to_string();
    let mut words = vec!["--smp", &cpus];
    for line in lines {
        words.extend(["--type-after", PROMPT, "--type", line]);
    }
    words.push("sh");
    typed(&words)
}

#[test]
fn a_typed_program_runs_with_its_words_and_a_job_is_listed_and_killed() {
    programs_and_jobs_on(1);
}

/// The shell, its jobs, the input stack's drivers and servers on four CPUs at once.
#[test]
fn a_typed_program_and_a_job_on_four_cpus() {
    programs_and_jobs_on(4);
}

fn programs_and_jobs_on(cpus: u8) {
    let out = shell_on(
        cpus,
        &[
            "hello big world\n",
            "allocator 3 &\n",
            "ps\n",
            "kill %1\n",
            "halt\n",
        ],
    );
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, ": big world");
    expect_output(&out, "] hello exited 0");
    expect_output(&out, "] allocator &");
    // `ps`: the shell and its job, running, from the memory server's list.
    expect_output(&out, " running allocator");
    expect_output(&out, " running sh");
    expect_output(&out, "] allocator killed");
    expect_output(&out, "sh: halt");
    expect_output(&out, NO_LEAK);
}

#[test]
fn ctrl_c_kills_the_program_in_the_foreground() {
    // forkexit never ends by itself: only Ctrl-C (on the serial line) gives the prompt back.
    let out = typed(&[
        "--type-after",
        PROMPT,
        "--type",
        "forkexit\n",
        "--type-after",
        "forkexit: process",
        "--type",
        "^c",
        "--type-after",
        PROMPT,
        "--type",
        "halt\n",
        "sh",
    ]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "] forkexit killed");
    expect_output(&out, NO_LEAK);
}

#[test]
fn ctrl_c_on_the_keyboard_kills_the_foreground_allocator() {
    ctrl_c_on_the_keyboard_on(1);
}

/// The keyboard's interrupt reaches the boot CPU; the allocator it kills runs on another.
#[test]
fn ctrl_c_on_the_keyboard_on_four_cpus() {
    ctrl_c_on_the_keyboard_on(4);
}

fn ctrl_c_on_the_keyboard_on(cpus: u8) {
    let cpus = cpus.to_string();
    let out = typed(&[
        "--smp",
        &cpus,
        "--keys-after",
        PROMPT,
        "--keys",
        "fork\n",
        "--keys-after",
        "runs the allocator loop",
        "--keys",
        "^c",
        "--keys-after",
        PROMPT,
        "--keys",
        "halt\n",
        "sh",
    ]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "] fork killed");
    expect_output(&out, NO_LEAK);
}

#[test]
fn help_mem_wait_and_halt() {
    let out = shell(&["help\n", "mem\n", "hello &; hello &\n", "wait\n", "halt\n"]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "kill PID | %JOB");
    expect_output(&out, "frames (4 KiB): ");
    expect_output(&out, " page tables, ");
    expect_output(&out, "sh: no background jobs");
    let ends = out.transcript.matches("] hello exited 0").count();
    assert_eq!(ends, 2, "each job's end once\n{}", out.transcript);
    expect_output(&out, NO_LEAK);
}

#[test]
fn bad_command_lines_are_answered_with_an_error() {
    let out = shell(&[
        "nosuchprogram\n",
        "averyveryverylongprogramname\n",
        "hello | hello\n",
        "kill 99\n",
        "kill %3\n",
        "ps &\n",
        "& hello\n",
        "exit 3\n",
    ]);
    // `exit 3`: the shell's status, which init reports as a failure.
    expect_verdict(&out, Verdict::GuestFailure);
    expect_output(&out, "sh: nosuchprogram: no such program");
    expect_output(&out, "names have at most 16 bytes");
    expect_output(&out, "sh: unexpected character '|'");
    expect_output(&out, "sh: kill 99: not a process sh started");
    expect_output(&out, "sh: kill %3: no such job");
    expect_output(&out, "sh: ps runs in the shell");
    expect_output(&out, "sh: nothing to run before '&'");
    assert!(
        !out.transcript.contains("hello from pid"),
        "nothing on a bad line runs\n{}",
        out.transcript
    );
}

#[test]
fn weensyos_keys_switch_programs_under_the_viewer_and_q_ends_the_run() {
    // The keys on the PS/2 keyboard, each once weensy lists what runs (after each switch).
    let out = run(Options {
        memory_mib: 32,
        ..typed_options(&[
            "--viewer",
            "--keys-after",
            "weensy: running: allocator",
            "--keys",
            "f",
            "--keys-after",
            "weensy: running: fork",
            "--keys",
            "e",
            "--keys-after",
            "weensy: running: forkexit",
            "--keys",
            "q",
            "weensy",
        ])
    });
    expect_verdict(&out, Verdict::Success);
    for started in ["allocator", "fork", "forkexit"] {
        expect_output(&out, &format!("weensy: started {started} as pid"));
    }
    // What ran after each key, from the memory server's list: fork and its three children;
    // forkexit's descendants (orphans once their parents exit).
    expect_output(&out, "weensy: running: allocator(");
    expect_output(&out, ") fork(");
    expect_output(&out, ") forkexit(");
    expect_output(&out, "weensy: quit");
    expect_output(&out, NO_LEAK);
}

#[test]
fn ctrl_c_on_the_terminal_ends_weensy_with_success() {
    let out = typed(&[
        "--type-after",
        "weensy: running: allocator",
        "--type",
        "e",
        "--type-after",
        "weensy: running: forkexit",
        "--type",
        "^c",
        "weensy",
    ]);
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "weensy: quit");
    expect_output(&out, NO_LEAK);
}

/// The options of a run from runner words, for a test that changes some.
fn typed_options(words: &[&str]) -> Options {
    let args = ["--headless"].iter().chain(words);
    let Ok(ParsedArgs::Run(opts)) = parse_args(args) else {
        panic!("the runner refuses {words:?}");
    };
    Options {
        quiet: true,
        timeout: Some(std::time::Duration::from_secs(TIMEOUT_SECS)),
        ..opts
    }
}
