//! Recording checks, and the helpers every case uses.
use userlib::abi::memsrv::{ExitHow, ForkMode};
use userlib::layout::PAGE_SIZE;
use userlib::println;
use userlib::process::{self, Status};
use weensyos::pages;

/// Where the cases map their own pages: far from the program, its heap and its stack.
pub const SCRATCH: u64 = 0x0000_4000_0000_0000;

/// The checks of one case.
pub struct Checks {
    case: u64,
    failed: u32,
}

impl Checks {
    pub fn new(case: u64) -> Checks {
        Checks { case, failed: 0 }
    }

    /// Records one check and prints it.
    pub fn check(&mut self, held: bool, what: &str) {
        let verdict = if held { "ok" } else { "FAILED" };
        println!("forktest:{}: {what}: {verdict}", self.case);
        self.failed += u32::from(!held);
    }

    /// The child's pid, or (the fork failed) a failed check that says why.
    pub fn forked(&mut self, fork: process::Result<u64>) -> Option<u64> {
        if let Err(e) = &fork {
            println!("forktest:{}: fork refused: {e:?}", self.case);
            self.check(false, "fork");
        }
        fork.ok()
    }

    /// Prints the case's verdict; the exit status (0 only if every check held).
    pub fn finish(self) -> i32 {
        if self.failed == 0 {
            println!("forktest:{}: passed", self.case);
            0
        } else {
            println!("forktest:{}: FAILED ({} checks)", self.case, self.failed);
            1
        }
    }
}

/// Forks (with `mode`); the child runs `body` and exits with what it returns, the parent gets the
/// child's pid.
pub fn fork_child(mode: ForkMode, body: impl FnOnce() -> i32) -> process::Result<u64> {
    match process::fork_with(mode)? {
        0 => process::exit(body()),
        child => Ok(child),
    }
}

/// Did child `pid` exit with `code`?
pub fn exited_with(pid: u64, code: i64) -> bool {
    let got = process::waitpid(pid);
    let want = Status {
        pid,
        how: ExitHow::Exited,
        code,
    };
    if got != Ok(want) {
        println!("forktest: waitpid({pid}) gave {got:?}, expected {want:?}");
    }
    got == Ok(want)
}

/// Maps a page at `addr` and fills it with `owner`'s pattern.
pub fn filled_page(addr: u64, owner: u64) -> bool {
    if process::page_alloc(addr).is_err() {
        return false;
    }
    // SAFETY: `page_alloc` just mapped a writable page at `addr`, in the scratch region where no
    // Rust object lives.
    unsafe { pages::fill(addr, owner) };
    true
}

/// Does the page at `addr` (mapped by this process or inherited) hold `owner`'s pattern?
pub fn holds(addr: u64, owner: u64) -> bool {
    // SAFETY: the callers pass only scratch pages they mapped (or inherited) and still hold.
    unsafe { pages::holds(addr, owner) }
}

/// Maps pages upwards from `from` until `page_alloc` refuses; returns the next address and why.
pub fn allocate_until_refused(from: u64) -> (u64, process::Error) {
    let mut addr = from;
    loop {
        match process::page_alloc(addr) {
            Ok(()) => addr += PAGE_SIZE,
            Err(e) => return (addr, e),
        }
    }
}

/// Rights of the mapping at `addr`, as `frame_of` reports them.
pub fn writable(rights: u64) -> bool {
    userlib::PageRights::from_bits_retain(rights).contains(userlib::PageRights::WRITE)
}
