//! A command line: commands separated by `;` (one after another) or ending in `&` (in the
//! background), each a program or a builtin and its words. No quoting, no pipes: the words after
//! a program's name are handed on as they were typed.
use heapless::Vec;
use userlib::abi::memsrv::{ARGS_MAX, NAME_MAX};

/// Most commands on one line.
pub const MAX_COMMANDS: usize = 8;

/// The shell's own commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// The live processes (the memory server's list).
    Ps,
    /// Ends a child and its descendants.
    Kill(Target),
    /// Waits for every background job.
    Wait,
    /// The frame census.
    Mem,
    Help,
    /// Ends the run: background jobs killed, the shell exits 0 (init then shuts down).
    Halt,
    /// Ends the shell with this status (background jobs killed).
    Exit(i32),
}

/// Whom `kill` ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `kill 7`: a pid.
    Pid(u64),
    /// `kill %1`: the first background job still recorded (as in other shells).
    Job(usize),
}

/// What one command does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action<'a> {
    Builtin(Builtin),
    /// A registered program, with the words after its name (`args`) and the first of them as a
    /// number if it is one (`arg`: the start argument older programs read, so `allocator 3`
    /// runs `allocator:3`).
    Run {
        program: &'a str,
        args: &'a str,
        arg: u64,
    },
}

/// One command of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command<'a> {
    pub action: Action<'a>,
    /// Ended with `&`: the shell does not wait for it.
    pub background: bool,
}

/// Why a line was not run (nothing on it is run then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError<'a> {
    /// A control character or a character the shell gives no meaning to (quotes, `|`, `<`, ...).
    BadCharacter(char),
    /// `&` or `;` with no command before it.
    NothingBefore(char),
    /// More than [`MAX_COMMANDS`] commands.
    TooManyCommands,
    /// A program name longer than the memory server takes.
    NameTooLong(&'a str),
    /// Words after a program longer than the memory server takes.
    ArgsTooLong,
    /// A builtin's arguments are wrong: which builtin, and what it takes.
    Usage(&'static str),
    /// A builtin with `&`: it runs in the shell itself.
    BuiltinInBackground(&'a str),
}

impl core::fmt::Display for ParseError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ParseError::BadCharacter(c) => write!(f, "unexpected character {c:?}"),
            ParseError::NothingBefore(c) => write!(f, "nothing to run before {c:?}"),
            ParseError::TooManyCommands => write!(f, "more than {MAX_COMMANDS} commands"),
            ParseError::NameTooLong(name) => {
                write!(f, "{name:.20}...: names have at most {NAME_MAX} bytes")
            }
            ParseError::ArgsTooLong => write!(f, "arguments longer than {ARGS_MAX} bytes"),
            ParseError::Usage(usage) => write!(f, "usage: {usage}"),
            ParseError::BuiltinInBackground(name) => {
                write!(
                    f,
                    "{name} runs in the shell: it cannot run in the background"
                )
            }
        }
    }
}

const KILL_USAGE: &str = "kill PID or kill %JOB (numbers from 1)";

/// The commands of `line`, in order. Blank commands (`a;; b`, a line of spaces) are skipped.
pub fn parse(line: &str) -> Result<Vec<Command<'_>, MAX_COMMANDS>, ParseError<'_>> {
    if let Some(c) = line.chars().find(|&c| !allowed(c)) {
        return Err(ParseError::BadCharacter(c));
    }
    let mut commands = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let end = rest.find([';', '&']).unwrap_or(rest.len());
        let (text, separator) = (&rest[..end], rest[end..].chars().next());
        rest = separator.map_or("", |s| &rest[end + s.len_utf8()..]);
        let background = separator == Some('&');
        let Some(action) = action(text)? else {
            // (A trailing `;` or a blank between two `;` is nothing; a bare `&` is a mistake.)
            if let Some(s @ '&') = separator {
                return Err(ParseError::NothingBefore(s));
            }
            if separator == Some(';') && commands.is_empty() && text.trim().is_empty() {
                return Err(ParseError::NothingBefore(';'));
            }
            continue;
        };
        if background {
            if let Action::Builtin(_) = action {
                return Err(ParseError::BuiltinInBackground(first_word(text)));
            }
        }
        commands
            .push(Command { action, background })
            .map_err(|_| ParseError::TooManyCommands)?;
    }
    Ok(commands)
}

/// Printable characters (any script), spaces and the separators; not quotes or redirections,
/// which a reader would expect to mean something.
fn allowed(c: char) -> bool {
    !c.is_control() && !matches!(c, '"' | '\'' | '`' | '|' | '<' | '>' | '\\' | '$')
}

fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

/// The action of one command's text; `None` if it is blank.
fn action(text: &str) -> Result<Option<Action<'_>>, ParseError<'_>> {
    let text = text.trim();
    let Some(name) = text.split_whitespace().next() else {
        return Ok(None);
    };
    let args = text[name.len()..].trim_start();
    let mut words = args.split_whitespace();
    let (first, second) = (words.next(), words.next());
    let builtin = |b| Ok(Some(Action::Builtin(b)));
    match (name, first, second) {
        ("ps", None, _) => builtin(Builtin::Ps),
        ("wait", None, _) => builtin(Builtin::Wait),
        ("mem", None, _) => builtin(Builtin::Mem),
        ("help", None, _) => builtin(Builtin::Help),
        ("halt", None, _) => builtin(Builtin::Halt),
        ("kill", Some(target), None) => match target.strip_prefix('%').map(str::parse) {
            Some(Ok(job)) if job > 0 => builtin(Builtin::Kill(Target::Job(job))),
            None => match target.parse() {
                Ok(pid) if pid > 0 => builtin(Builtin::Kill(Target::Pid(pid))),
                _ => Err(ParseError::Usage(KILL_USAGE)),
            },
            _ => Err(ParseError::Usage(KILL_USAGE)),
        },
        ("exit", None, _) => builtin(Builtin::Exit(0)),
        ("exit", Some(code), None) => match code.parse() {
            Ok(code) => builtin(Builtin::Exit(code)),
            Err(_) => Err(ParseError::Usage("exit [STATUS]")),
        },
        ("ps" | "wait" | "mem" | "help" | "halt", Some(_), _) => Err(ParseError::Usage(
            "ps, wait, mem, help and halt take no arguments",
        )),
        ("kill", ..) => Err(ParseError::Usage(KILL_USAGE)),
        ("exit", ..) => Err(ParseError::Usage("exit [STATUS]")),
        (program, ..) if program.len() > NAME_MAX => Err(ParseError::NameTooLong(program)),
        (program, ..) => {
            if args.len() > ARGS_MAX {
                return Err(ParseError::ArgsTooLong);
            }
            let arg = first.and_then(|w| w.parse().ok()).unwrap_or(0);
            Ok(Some(Action::Run { program, args, arg }))
        }
    }
}
