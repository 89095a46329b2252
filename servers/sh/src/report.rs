//! What the shell prints about processes: each one's end, and the `help` text.
use core::fmt::{self, Display};
use userlib::abi::memsrv::ExitHow;

/// How a program ended, as `[pid 7] allocator exited 0` or `[pid 7] allocator killed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ended<'a> {
    pub pid: u64,
    pub program: &'a str,
    pub how: ExitHow,
    pub code: i64,
}

impl Display for Ended<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (pid, program) = (self.pid, self.program);
        match self.how {
            ExitHow::Exited => write!(f, "[pid {pid}] {program} exited {}", self.code),
            ExitHow::Killed => write!(f, "[pid {pid}] {program} killed"),
        }
    }
}

/// `help`.
pub const HELP: &str = "\
PROGRAM [WORDS...]   run a registered program (its words: userlib::process::args;
                     a first word that is a number is also its start argument)
A; B                 run A, then B
A &                  run A in the background
ps                   the live processes (pid, parent, state, name)
kill PID | %JOB      end a process the shell started (or its JOB-th background
                     job), and its descendants
wait                 wait for every background job
mem                  the frame census: free, kernel, page-table and user frames
help                 this text
halt                 end the run (background jobs are killed)
exit [STATUS]        end the shell with STATUS (default 0)
Ctrl-C               kill the program in the foreground; Backspace edits the line
";
