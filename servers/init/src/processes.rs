//! The programs init runs as processes of the memory server: it spawns them (so it is their
//! parent), waits for them, reports how each ended and, at the end of a batch, kills the ones still
//! running (companions, or everything when a run's time is up).
use heapless::Vec;
use userlib::abi::cmdline::Program;
use userlib::abi::memsrv::{ExitHow, MemError};
use userlib::println;
use userlib::process::{self, Status};

/// Most processes init starts in one batch.
const MAX: usize = 16;

struct Entry {
    name: &'static str,
    pid: u64,
    /// Named on the command line (the run waits for it), rather than a companion.
    named: bool,
    expect_kill: bool,
}

pub struct Processes {
    list: Vec<Entry, MAX>,
}

impl Processes {
    pub fn new() -> Processes {
        Processes { list: Vec::new() }
    }

    pub fn spawn(&mut self, program: Program<'static>, named: bool) -> process::Result<()> {
        if self.list.is_full() {
            return Err(MemError::TooManyProcesses.into());
        }
        let pid = process::spawn(program.name, program.arg)?;
        let entry = Entry {
            name: program.name,
            pid,
            named,
            expect_kill: program.expect_kill,
        };
        let _ = self.list.push(entry);
        Ok(())
    }

    pub fn named_running(&self) -> usize {
        self.list.iter().filter(|e| e.named).count()
    }

    /// Reports a process's end; returns whether it ended other than as expected.
    pub fn ended(&mut self, status: Status) -> bool {
        let Some(at) = self.list.iter().position(|e| e.pid == status.pid) else {
            return false;
        };
        let e = self.list.swap_remove(at);
        let killed = status.how == ExitHow::Killed;
        if killed {
            println!("init: {} (pid {}) was killed", e.name, e.pid);
        } else {
            println!(
                "init: {} (pid {}) exited with status {}",
                e.name, e.pid, status.code
            );
        }
        if e.expect_kill && !killed {
            println!(
                "init: {} (pid {}) was expected to be killed, but exited",
                e.name, e.pid
            );
        }
        let ok = if e.expect_kill {
            killed
        } else {
            !killed && status.code == 0
        };
        e.named && !ok
    }

    /// Reports every process that has ended, without blocking; returns whether any ended other
    /// than as expected.
    pub fn collect(&mut self) -> bool {
        let mut failed = false;
        while let Ok(status) = process::try_wait(0) {
            failed |= self.ended(status);
        }
        failed
    }

    /// Kills every child still running — those init started, and orphans it adopted — and
    /// reaps them all.
    pub fn stop_all(&mut self) {
        let _ = process::kill(0);
        while process::try_wait(0).is_ok() {}
        self.list.clear();
    }
}
