//! Helpers for the system tests: boot the real kernel in QEMU through the runner and check what it
//! printed and how the run ended.
use runner::{KernelImage, Options, Outcome, Verdict};

/// Seconds before a boot test gives up; generous because CI machines are slow and TCG is emulation.
/// (A boot of `hello` takes ~11 s on an idle 2-core host; the BIOS reads the whole boot archive
/// in real mode under TCG, which a busy host slows several times over.)
pub const TIMEOUT_SECS: u64 = 120;

/// The guest clock of runs whose outcome depends on guest time (`--run-for`): `-icount
/// shift=4,sleep=off`, 16 ns of guest time per instruction (62.5 million instructions a guest
/// second), so such a run does the same work however busy the host is. (On the host's clock a
/// TCG guest sharing the cores with other QEMUs got up to 4x fewer instructions per second.) A
/// 20 s run is 1.25 billion instructions: 15-60 s of TCG on these machines.
pub const GUEST_TIME_SHIFT: u8 = 4;

/// Options for `programs` run for `secs` seconds of guest time (`--run-for`) on the instruction
/// clock ([`GUEST_TIME_SHIFT`]).
pub fn timed(programs: &[&str], secs: u64) -> Options {
    Options {
        run_for: Some(secs),
        icount: Some(GUEST_TIME_SHIFT),
        ..Options::for_test(programs, 6 * secs + TIMEOUT_SECS)
    }
}

/// Boots the normal kernel with these programs.
pub fn boot(programs: &[&str]) -> Outcome {
    run(Options::for_test(programs, TIMEOUT_SECS))
}

/// Boots the test kernel with these command-line words (`test:panic`, ...).
pub fn boot_test_kernel(words: &[&str]) -> Outcome {
    run(Options {
        kernel: KernelImage::Test,
        ..Options::for_test(words, TIMEOUT_SECS)
    })
}

pub fn run(opts: Options) -> Outcome {
    runner::run(&opts).unwrap_or_else(|e| panic!("runner failed: {e}"))
}

/// Asserts the verdict, showing the whole transcript if it differs, and last the lines that
/// explain a failure (CI logs keep the head and the tail of a long failure message).
#[track_caller]
pub fn expect_verdict(outcome: &Outcome, verdict: Verdict) {
    assert_eq!(
        outcome.verdict,
        verdict,
        "unexpected verdict\n--- transcript ---\n{}\n--- qemu stderr ---\n{}\n--- why ---\n{}",
        outcome.transcript,
        outcome.qemu_stderr,
        trouble(&outcome.transcript)
    );
}

/// The transcript's lines that tell why a run failed: init's and the memory server's complaints,
/// kills, and kernel errors.
pub fn trouble(transcript: &str) -> String {
    const FINE: &[&str] = &["exited with status 0", "checks passed", "as expected"];
    const SIGNS: &[&str] = &[
        "PANIC",
        "EXCEPTION",
        "in kernel:",
        "FAIL",
        "LEAK",
        "INCONSISTENT",
        "ERROR",
        "killed",
        "expected",
        "cannot",
        "failed",
        "time is up",
        "ignored",
        "no task can run",
        "status",
    ];
    let lines = transcript
        .lines()
        .filter(|l| SIGNS.iter().any(|s| l.contains(s)) && !FINE.iter().any(|f| l.ends_with(f)));
    let picked: Vec<&str> = lines.collect();
    // The last ones matter most when there are many.
    picked[picked.len().saturating_sub(40)..].join("\n")
}

/// The prefixes of lines only the system can print: the kernel marks every line a program starts
/// with the program's name (`attack: init: ...`), so these count only at the start of a line.
const TRUSTED: &[&str] = &["init:", "kernel:", "memsrv:", "names:"];

/// Asserts the transcript contains `needle` — at the start of a line if it is one of init's, the
/// kernel's, the memory server's or the name service's — showing the transcript if not.
#[track_caller]
pub fn expect_output(outcome: &Outcome, needle: &str) {
    let text = &outcome.transcript;
    let found = if TRUSTED.iter().any(|t| needle.starts_with(t)) {
        text.starts_with(needle) || text.contains(&format!("\n{needle}"))
    } else {
        text.contains(needle)
    };
    assert!(
        found,
        "expected {needle:?} in the console output\n--- transcript ---\n{}",
        outcome.transcript
    );
}

/// How the addresses in `program`'s image begin (`0x40` for one linked at `0x4000_0000`): its code
/// and data lie in the 16 MiB above its link base (its crate's `programs.list`), and link bases
/// are 16 MiB apart.
pub fn image_prefix(program: &str) -> String {
    let program = runner::catalog::find(program).expect("the program is listed");
    format!("{:#x}", program.link_base() >> 24)
}

#[cfg(test)]
mod tests {
    /// Every suite is in the one binary `make test` runs, and is not also a binary of its own
    /// there (it would run twice).
    #[test]
    fn every_suite_runs_once_in_the_combined_binary() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let all = std::fs::read_to_string(root.join("tests/all.rs")).unwrap();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let mut suites = 0;
        for entry in std::fs::read_dir(root.join("tests")).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let Some(suite) = name.strip_suffix(".rs").filter(|s| *s != "all") else {
                continue;
            };
            let listed = format!("#[path = \"{suite}.rs\"]\nmod {suite};");
            assert!(all.contains(&listed), "tests/all.rs lacks {suite}");
            let alone = format!("[[test]]\nname = \"{suite}\"\ntest = false\n");
            assert!(manifest.contains(&alone), "tests/Cargo.toml lacks {suite}");
            suites += 1;
        }
        assert_eq!(
            all.matches("\nmod ").count(),
            suites,
            "a module of all.rs has no file"
        );
    }
}
