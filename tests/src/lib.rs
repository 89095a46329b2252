//! Helpers for the system tests: boot the real kernel in QEMU through the runner and check what it
//! printed and how the run ended.
use runner::{KernelImage, Options, Outcome, Verdict};

/// Seconds before a boot test gives up; generous because CI machines are slow and TCG is emulation.
pub const TIMEOUT_SECS: u64 = 60;

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

/// Asserts the verdict, showing the whole transcript if it differs.
#[track_caller]
pub fn expect_verdict(outcome: &Outcome, verdict: Verdict) {
    assert_eq!(
        outcome.verdict, verdict,
        "unexpected verdict\n--- transcript ---\n{}\n--- qemu stderr ---\n{}",
        outcome.transcript, outcome.qemu_stderr
    );
}

/// Asserts the transcript contains `needle`, showing the transcript if not.
#[track_caller]
pub fn expect_output(outcome: &Outcome, needle: &str) {
    assert!(
        outcome.transcript.contains(needle),
        "expected {needle:?} in the console output\n--- transcript ---\n{}",
        outcome.transcript
    );
}
