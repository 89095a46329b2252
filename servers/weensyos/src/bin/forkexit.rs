//! forkexit (WeensyOS's p-forkexit): runs forever, each process at random forking (copy-on-write,
//! now and then eager), allocating a page, rewriting one of its pages, checking one, or exiting.
//! It checks that every fresh page reads zero and that its pages still hold what it (or, for pages
//! it inherited, its parent) wrote: a violation prints a line with `VIOLATION` and exits with
//! status 1, and parents pass a child's failure up to the first process, whose exit fails the run.
//!
//! Bounded: a process forks only while it has fewer than [`MAX_CHILDREN`] children and is less
//! than [`MAX_DEPTH`] forks from the first, so at most 15 run at once (WeensyOS's NPROC is 16);
//! each allocates at most [`MAX_PAGES`] pages. A process that exits first kills its children (the
//! memory server ends their descendants too) and collects their statuses. The first process never
//! exits; `--run-for` ends the run.
#![no_std]
#![no_main]

use userlib::abi::memsrv::{ExitHow, ForkMode, MemError};
use userlib::layout::PAGE_SIZE;
use userlib::println;
use userlib::process::Error;
use userlib::process::{self, getpid, yield_now};
use userlib::rng::Rng;
use weensyos::alloc_loop::heap_start;
use weensyos::pages;

/// Most children a process has at once.
const MAX_CHILDREN: usize = 2;
/// Most forks between the first process and any other.
const MAX_DEPTH: u32 = 3;
/// Most pages a process allocates (16 processes of these stay well inside the default memory).
const MAX_PAGES: usize = 256;
/// The first process says how it is doing every this many steps.
const REPORT_EVERY: u64 = 5000;

/// A page the process holds and whose [`pages::pattern`] owner it knows.
#[derive(Clone, Copy, Default)]
struct Page {
    addr: u64,
    owner: u64,
}

/// Everything a process knows; a fork copies it.
struct Proc {
    pid: u64,
    depth: u32,
    rng: Rng,
    pages: [Page; MAX_PAGES],
    count: usize,
    next_addr: u64,
    children: [u64; MAX_CHILDREN],
    live: usize,
    steps: u64,
    forks: u64,
    reaped: u64,
}

/// Why a process gives up: printed, then the process exits with status 1.
type Violation = &'static str;

userlib::entry!(main);

fn main() -> i32 {
    let pid = getpid();
    let Some(start) = heap_start() else {
        println!("forkexit: cannot find the program break");
        return 1;
    };
    println!("forkexit: pid {pid} starts: fork, page_alloc and exit at random, every page checked");
    let mut p = Proc {
        pid,
        depth: 0,
        rng: Rng::new(pid),
        pages: [Page::default(); MAX_PAGES],
        count: 0,
        next_addr: start,
        children: [0; MAX_CHILDREN],
        live: 0,
        steps: 0,
        forks: 0,
        reaped: 0,
    };
    loop {
        if let Err(violation) = p.step() {
            println!("forkexit: pid {}: VIOLATION: {violation}", p.pid);
            p.end_children();
            return 1;
        }
        yield_now();
    }
}

impl Proc {
    fn step(&mut self) -> Result<(), Violation> {
        self.steps += 1;
        self.reap()?;
        if self.depth == 0 && self.steps.is_multiple_of(REPORT_EVERY) {
            println!(
                "forkexit: pid {}: {} steps, {} forks, {} children reaped, {} pages",
                self.pid, self.steps, self.forks, self.reaped, self.count
            );
        }
        if self.steps.is_multiple_of(64) {
            for i in 0..self.count {
                self.check(i)?;
            }
        }
        match self.rng.below(100) {
            0..8 if self.depth < MAX_DEPTH && self.live < MAX_CHILDREN => self.fork(),
            8..12 if self.depth > 0 => self.exit(),
            12..50 if self.count < MAX_PAGES => self.allocate(),
            50..70 if self.count > 0 => {
                let i = self.rng.below(self.count as u64) as usize;
                self.rewrite(i);
                Ok(())
            }
            _ if self.count > 0 => {
                let i = self.rng.below(self.count as u64) as usize;
                self.check(i)
            }
            _ => Ok(()),
        }
    }

    /// Collects the children that have ended; a child that failed fails this process too.
    fn reap(&mut self) -> Result<(), Violation> {
        let mut i = 0;
        while i < self.live {
            match process::try_wait(self.children[i]) {
                Err(Error::Mem(MemError::WouldBlock)) => i += 1,
                Ok(status) => {
                    self.forget_child(i);
                    if status.how != ExitHow::Exited || status.code != 0 {
                        println!("forkexit: pid {}: child {status:?} failed", self.pid);
                        return Err("a child failed");
                    }
                }
                Err(_) => return Err("try_wait refused a live child"),
            }
        }
        Ok(())
    }

    fn forget_child(&mut self, i: usize) {
        self.live -= 1;
        self.children[i] = self.children[self.live];
        self.reaped += 1;
    }

    fn fork(&mut self) -> Result<(), Violation> {
        let mode = if self.rng.below(4) == 0 {
            ForkMode::Eager
        } else {
            ForkMode::CopyOnWrite
        };
        let parent = self.pid;
        match process::fork_with(mode) {
            Ok(0) => {
                self.pid = getpid();
                if self.pid == parent || self.pid == 0 {
                    return Err("the child has its parent's pid");
                }
                self.depth += 1;
                self.rng = Rng::new(self.pid);
                self.live = 0;
                self.forks = 0;
                self.reaped = 0;
                Ok(())
            }
            Ok(child) if child == parent => Err("fork returned the parent's own pid"),
            Ok(child) => {
                self.children[self.live] = child;
                self.live += 1;
                self.forks += 1;
                Ok(())
            }
            // Memory or the process table is full: a clean refusal is what must happen.
            Err(Error::Mem(MemError::OutOfMemory | MemError::TooManyProcesses)) => Ok(()),
            Err(_) => Err("fork failed for a reason other than a lack of memory"),
        }
    }

    /// Kills the children (and so their descendants), collects them, and exits with status 0 — or
    /// 1 if a child had already failed.
    fn exit(&mut self) -> Result<(), Violation> {
        let failed = self.end_children();
        process::exit(failed as i32)
    }

    /// Kills and collects every child; says whether one had failed before it was killed.
    fn end_children(&mut self) -> bool {
        let mut failed = false;
        while self.live > 0 {
            let child = self.children[0];
            // A child that has just exited cannot be killed any more; its status still counts.
            let _ = process::kill(child);
            match process::waitpid(child) {
                Ok(s) if s.how == ExitHow::Exited && s.code != 0 => failed = true,
                Ok(_) => {}
                Err(e) => {
                    println!("forkexit: pid {}: waitpid({child}) failed: {e}", self.pid);
                    failed = true;
                }
            }
            self.forget_child(0);
        }
        failed
    }

    fn allocate(&mut self) -> Result<(), Violation> {
        let addr = self.next_addr;
        match process::page_alloc(addr) {
            Ok(()) => {}
            Err(Error::Mem(MemError::OutOfMemory)) => return Ok(()),
            Err(_) => return Err("page_alloc refused a free page-aligned address"),
        }
        self.next_addr += PAGE_SIZE;
        // SAFETY: `page_alloc` just mapped a fresh writable page at `addr`, above the program
        // break, where no Rust object lives.
        if !unsafe { pages::is_zero(addr) } {
            return Err("a fresh page is not zeroed");
        }
        self.pages[self.count] = Page { addr, owner: 0 };
        self.count += 1;
        self.rewrite(self.count - 1);
        Ok(())
    }

    /// Writes this process's pattern into page `i` (a copy-on-write break if it was inherited).
    fn rewrite(&mut self, i: usize) {
        let page = &mut self.pages[i];
        // SAFETY: every recorded page was mapped writable by `page_alloc` in this process or in an
        // ancestor (a fork keeps it, copy-on-write or copied), and no Rust object lives there.
        unsafe { pages::fill(page.addr, self.pid) };
        page.owner = self.pid;
    }

    fn check(&self, i: usize) -> Result<(), Violation> {
        let page = self.pages[i];
        // SAFETY: as in `rewrite`; reading only.
        if unsafe { pages::holds(page.addr, page.owner) } {
            Ok(())
        } else {
            println!(
                "forkexit: pid {}: the page at {:#x} lost what pid {} wrote",
                self.pid, page.addr, page.owner
            );
            Err("a page changed behind its owner's back")
        }
    }
}
