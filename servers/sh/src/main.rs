//! sh, the interactive shell: reads lines from the input server (which edits and echoes them),
//! runs registered programs through the memory server with their words (`spawn_with_args`), in
//! batches (`a; b`) or the background (`a &`), and has `ps`, `kill`, `wait`, `mem`, `help`,
//! `halt` and `exit` of its own. Ctrl-C kills the program in the foreground. The decisions
//! (parsing, the job table, what is printed) are the library's. Registered `with=input`: init
//! starts the input stack along with it.
#![no_std]
#![no_main]

mod run;

use core::fmt::Write;
use sh::jobs::Jobs;
use sh::parse::{parse, Action, Builtin};
use sh::report::HELP;
use userlib::abi::input::Error as InputError;
use userlib::abi::memsrv::ProcState;
use userlib::input::{self, Terminal};
use userlib::process;
use userlib::rpc::CallError;

userlib::entry!(main);

/// How long one `ReadLine` waits before the shell asks again (it reports background jobs that
/// ended in between only at the next prompt, as other shells do).
const LINE_TICKS: u32 = 60 * userlib::abi::HZ as u32;

/// Writes to the terminal; a write that fails (the input server restarting) is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(Terminal, $($arg)*);
    }};
}
pub(crate) use say;

fn main() -> i32 {
    // (The first call connects, waiting a moment for the input server to register.)
    if let Err(e) = input::focus() {
        userlib::println!("sh: no input server: {e:?}");
        return 1;
    }
    say!("sh: type help for the commands");
    let mut jobs = Jobs::default();
    loop {
        run::report_ended(&mut jobs);
        let _ = input::write("$ ");
        let line = match input::read_line(LINE_TICKS) {
            Ok(line) => line,
            Err(CallError::Server(InputError::TimedOut)) => {
                let _ = input::write("\n");
                continue;
            }
            Err(CallError::Server(InputError::Interrupted)) => {
                say!("^C");
                continue;
            }
            Err(CallError::Server(InputError::NotFocused)) => {
                let _ = input::focus();
                continue;
            }
            Err(e) => {
                userlib::println!("sh: cannot read a line: {e:?}");
                return 1;
            }
        };
        if let Some(status) = execute(&line, &mut jobs) {
            run::stop_all(&mut jobs);
            return status;
        }
    }
}

/// Runs the commands of `line`; `Some(status)` when the shell is to end.
fn execute(line: &str, jobs: &mut Jobs) -> Option<i32> {
    let commands = match parse(line) {
        Ok(commands) => commands,
        Err(e) => {
            say!("sh: {e}");
            return None;
        }
    };
    for command in commands {
        match command.action {
            Action::Run { program, args, arg } => {
                run::program(jobs, (program, args, arg), command.background)
            }
            Action::Builtin(Builtin::Halt) => {
                say!("sh: halt");
                return Some(0);
            }
            Action::Builtin(Builtin::Exit(status)) => return Some(status),
            Action::Builtin(b) => builtin(b, jobs),
        }
    }
    None
}

fn builtin(b: Builtin, jobs: &mut Jobs) {
    match b {
        Builtin::Ps => ps(),
        Builtin::Kill(pid) => run::kill(jobs, pid),
        Builtin::Wait => run::wait_all(jobs),
        Builtin::Mem => match process::census() {
            Ok([free, kernel, tables, user]) => say!(
                "frames (4 KiB): {free} free, {kernel} kernel, {tables} page tables, {user} user"
            ),
            Err(e) => say!("sh: mem: {e}"),
        },
        Builtin::Help => {
            let _ = input::write(HELP);
        }
        Builtin::Halt | Builtin::Exit(_) => {} // (`execute` ends the shell)
    }
}

/// The memory server's list of live processes.
fn ps() {
    say!("  PID PARENT STATE   NAME");
    let mut from = 1;
    while let Ok(p) = process::process_from(from) {
        let state = match p.state {
            ProcState::Running => "running",
            ProcState::Orphan => "orphan",
        };
        say!("{:>5} {:>6} {state:<7} {}", p.pid, p.parent, p.name());
        from = p.pid + 1;
    }
}
