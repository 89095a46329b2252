//! What a hostile case is and how it ends, shared by `attack` and `rogue`.
//!
//! A case expects one of three outcomes: its hostile call is refused with one exact error; the
//! kernel kills the program (init prints why, and the system test checks the reason); or the
//! system carries on and the case's own checks hold. The program prints one line saying what
//! happened and exits 0 only if it was the expected outcome, so init's verdict (with `!` for the
//! cases that must be killed) is the suite's verdict.

use userlib::{println, SysError};

/// A check inside a case that did not hold: what was expected, and the value seen instead.
#[derive(Clone, Copy, Debug)]
pub struct Failure {
    pub what: &'static str,
    pub got: u64,
}

/// The result of a case's own checks.
pub type Checked = Result<(), Failure>;

/// Fails with `what` (showing `got`) unless `ok`.
pub fn check(ok: bool, what: &'static str, got: u64) -> Checked {
    if ok {
        Ok(())
    } else {
        Err(Failure { what, got })
    }
}

/// `result` must be exactly the error `want` (`got` shows the error code seen, 0 for success).
pub fn refused<T>(result: Result<T, SysError>, want: SysError, what: &'static str) -> Checked {
    match result {
        Err(e) if e == want => Ok(()),
        Err(e) => Err(Failure { what, got: e.raw() }),
        Ok(_) => Err(Failure { what, got: 0 }),
    }
}

/// `result` must succeed (`got` shows the error code otherwise).
pub fn works<T>(result: Result<T, SysError>, what: &'static str) -> Result<T, Failure> {
    result.map_err(|e| Failure { what, got: e.raw() })
}

/// How a case must end.
pub enum Kind {
    /// The hostile call (what the function returns) must fail with exactly this error.
    Refused(SysError, fn() -> Result<(), SysError>),
    /// The kernel must kill the program: the function must not return.
    Killed(fn()),
    /// The program carries on and the function's checks hold.
    Survives(fn() -> Checked),
}

pub struct Case {
    pub number: u64,
    pub what: &'static str,
    pub kind: Kind,
}

pub const fn refusal(
    number: u64,
    what: &'static str,
    want: SysError,
    run: fn() -> Result<(), SysError>,
) -> Case {
    Case {
        number,
        what,
        kind: Kind::Refused(want, run),
    }
}

pub const fn kill(number: u64, what: &'static str, run: fn()) -> Case {
    Case {
        number,
        what,
        kind: Kind::Killed(run),
    }
}

pub const fn survival(number: u64, what: &'static str, run: fn() -> Checked) -> Case {
    Case {
        number,
        what,
        kind: Kind::Survives(run),
    }
}

/// The case numbered `number` among `tables`.
pub fn find(tables: &[&'static [Case]], number: u64) -> Option<&'static Case> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|c| c.number == number)
}

/// Runs `case` of `program`, prints how it ended; returns the exit status (0: as expected). `pid`
/// is the number its supervisor will name it by if it is killed (the memory server's pid for a
/// process, the kernel's task id for a server init runs).
pub fn run(program: &str, case: &Case, pid: fn() -> u64) -> i32 {
    let (n, what) = (case.number, case.what);
    match case.kind {
        Kind::Refused(want, hostile) => match hostile() {
            Err(e) if e == want => {
                println!("{program} {n} ({what}): refused with {e:?}");
                0
            }
            other => {
                println!("{program} {n} ({what}): FAILED: expected {want:?}, got {other:?}");
                1
            }
        },
        Kind::Killed(hostile) => {
            let pid = pid();
            println!("{program} {n} ({what}): pid {pid}, expecting to be killed");
            hostile();
            println!("{program} {n} ({what}): FAILED: survived");
            1
        }
        Kind::Survives(hostile) => match hostile() {
            Ok(()) => {
                println!("{program} {n} ({what}): survived, checks passed");
                0
            }
            Err(f) => {
                println!(
                    "{program} {n} ({what}): FAILED: {} (got {:#x})",
                    f.what, f.got
                );
                1
            }
        },
    }
}
