//! Running programs: in the foreground (waited for, Ctrl-C kills it) or the background (a job),
//! and what becomes of jobs.
use crate::say;
use core::fmt::Write;
use sh::jobs::Jobs;
use sh::parse::Target;
use sh::report::Ended;
use userlib::abi::memsrv::{ExitHow, MemError};
use userlib::input::{self, Terminal};
use userlib::process::{self, Error, Status};

/// How long the shell waits for Ctrl-C between two looks at its foreground program (a program's
/// end is seen within this; an interrupt at once).
const POLL_TICKS: u32 = 5;

/// Starts `program` with its words; waits for it unless `background`.
pub fn program(jobs: &mut Jobs, (program, args, arg): (&str, &str, u64), background: bool) {
    if background && !jobs.has_room() {
        say!("sh: too many background jobs (wait for some)");
        return;
    }
    let pid = match process::spawn_with_args(program, arg, args) {
        Ok(pid) => pid,
        Err(Error::Mem(MemError::NoSuchProgram)) => {
            say!("sh: {program}: no such program (help lists the commands)");
            return;
        }
        Err(e) => {
            say!("sh: {program}: cannot start: {e}");
            return;
        }
    };
    if background {
        let _ = jobs.add(pid, program); // (room checked above)
        say!("[pid {pid}] {program} &");
        return;
    }
    let ended = foreground(pid, true);
    // A program that took the input (weensy, another sh) may still hold it.
    let _ = input::focus();
    if let Some(status) = ended {
        report(status, program);
    }
}

/// Waits for child `pid`, polling its end and watching for Ctrl-C. The foreground is the
/// program and what it left running: orphans of the shell's job started after it (`forkexit`'s
/// original process exits at once; its descendants fork on), waited for too. With
/// `kill_on_interrupt` a Ctrl-C kills them all (and the program is reported killed); otherwise
/// a Ctrl-C stops the waiting (`None`).
fn foreground(pid: u64, kill_on_interrupt: bool) -> Option<Status> {
    let mut ended = None;
    loop {
        if ended.is_none() {
            match process::try_wait(pid) {
                Ok(status) => ended = Some(status),
                Err(Error::Mem(MemError::WouldBlock)) => {}
                Err(e) => {
                    say!("sh: waiting for pid {pid}: {e}");
                    return None;
                }
            }
        }
        if ended.is_some() && (!kill_on_interrupt || process::next_orphan(pid).is_none()) {
            return ended;
        }
        if input::wait_interrupt(POLL_TICKS).is_ok() {
            if !kill_on_interrupt {
                say!("^C");
                return None;
            }
            // (It may have ended meanwhile: then it is reaped all the same.)
            let _ = process::kill(pid);
            process::kill_orphans(pid);
            // The input back from a program that took it, before the shell writes.
            let _ = input::focus();
            say!("^C");
            let status = ended.or_else(|| process::waitpid(pid).ok())?;
            return Some(Status {
                how: ExitHow::Killed,
                code: -1,
                ..status
            });
        }
    }
}

fn report(status: Status, program: &str) {
    let ended = Ended {
        pid: status.pid,
        program,
        how: status.how,
        code: status.code,
    };
    say!("{ended}");
}

/// Reports and forgets the background jobs that have ended.
pub fn report_ended(jobs: &mut Jobs) {
    for pid in jobs.pids() {
        if let Ok(status) = process::try_wait(pid) {
            if let Some(job) = jobs.remove(pid) {
                report(status, &job.program);
            }
        }
    }
}

/// `kill PID` / `kill %JOB`: a child of the shell and what descends from it.
pub fn kill(jobs: &mut Jobs, target: Target) {
    let pid = match target {
        Target::Pid(pid) => pid,
        Target::Job(n) => match jobs.nth(n) {
            Some(job) => job.pid,
            None => {
                say!("sh: kill %{n}: no such job");
                return;
            }
        },
    };
    match process::kill(pid) {
        Ok(()) => {
            let program = jobs.remove(pid).map(|j| j.program);
            let name = program.as_deref().unwrap_or("?");
            match process::waitpid(pid) {
                Ok(status) => report(status, name),
                Err(e) => say!("sh: kill {pid}: {e}"),
            }
        }
        Err(Error::Mem(MemError::NoChild)) => say!("sh: kill {pid}: not a process sh started"),
        Err(e) => say!("sh: kill {pid}: {e}"),
    }
}

/// `wait`: every background job, oldest first; Ctrl-C stops waiting (the jobs run on).
pub fn wait_all(jobs: &mut Jobs) {
    for pid in jobs.pids() {
        let Some(status) = foreground(pid, false) else {
            return;
        };
        if let Some(job) = jobs.remove(pid) {
            report(status, &job.program);
        }
    }
    say!("sh: no background jobs");
}

/// Before the shell ends: every job and what it started, and the orphans of the shell's job,
/// killed and the jobs reaped (init waits for a program's whole job before it ends the run).
pub fn stop_all(jobs: &mut Jobs) {
    let _ = process::kill(0);
    process::kill_orphans(0);
    for pid in jobs.pids() {
        if let (Ok(status), Some(job)) = (process::waitpid(pid), jobs.remove(pid)) {
            report(status, &job.program);
        }
    }
}
