//! The boot command line: what init runs. The runner checks it before boot; init follows it.
//!
//! ```text
//! hello ping pong            programs started together; the run waits for all of them
//! attack:17                  a program with an argument (a number, in rdi at its start)
//! kread!                     a program expected to be killed: that is its success
//! a b then c d               batches: c and d start once a and b are done and init has checked
//!                            that every frame and kernel object came back
//! test:panic                 a word for the test kernel (ignored by init)
//! run-for:20                 an option word: run the programs for 20 s of guest time, then stop
//!                            them and check (the runner's `--run-for`; it puts the word first)
//! viewer:tty                 an option word: run the memory viewer alongside (the runner's
//!                            `--viewer`): on the screen, and on the serial console redrawn in
//!                            place (`tty`: the runner's output is a terminal) or as plain
//!                            snapshots (`log`)
//! ```

/// The word that separates batches.
pub const THEN: &str = "then";

/// The prefix of the run-time option word: `run-for:SECS`.
pub const RUN_FOR: &str = "run-for:";

/// The prefix of the viewer's option word: `viewer:tty` or `viewer:log`.
pub const VIEWER: &str = "viewer:";

/// How the memory viewer draws on the serial console (it always draws on the screen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewerMode {
    /// Redrawn in place with terminal escapes (the runner's output is a terminal).
    Tty,
    /// Plain snapshots now and then, so logs stay readable.
    Log,
}

/// One word of the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word<'a> {
    /// A program to start (`name`, `name:ARG`, `name!`).
    Program(Program<'a>),
    /// The end of a batch.
    Then,
    /// A word for the test kernel (`test:...`).
    Test(&'a str),
    /// `run-for:SECS`: run the programs for SECS seconds of guest time (programs that run
    /// forever, like WeensyOS's), then stop them and run the checks.
    RunFor(u64),
    /// `viewer:tty` or `viewer:log`: run the memory viewer.
    Viewer(ViewerMode),
}

/// A program to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Program<'a> {
    /// Its name in the boot archive.
    pub name: &'a str,
    /// Passed in `rdi` at start (0 if none was given).
    pub arg: u64,
    /// The run counts it a success only if the program is killed (not if it exits).
    pub expect_kill: bool,
}

/// Why a word is not understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordError {
    /// The part after `:` is not a decimal number.
    BadArgument,
    /// The program name is empty (nothing before the `:` or `!`).
    EmptyName,
}

/// Parses one word.
pub fn parse_word(word: &str) -> Result<Word<'_>, WordError> {
    if word == THEN {
        return Ok(Word::Then);
    }
    if word.starts_with("test:") {
        return Ok(Word::Test(word));
    }
    if let Some(secs) = word.strip_prefix(RUN_FOR) {
        return secs
            .parse()
            .map(Word::RunFor)
            .map_err(|_| WordError::BadArgument);
    }
    if let Some(mode) = word.strip_prefix(VIEWER) {
        return match mode {
            "tty" => Ok(Word::Viewer(ViewerMode::Tty)),
            "log" => Ok(Word::Viewer(ViewerMode::Log)),
            _ => Err(WordError::BadArgument),
        };
    }
    let (word, expect_kill) = match word.strip_suffix('!') {
        Some(w) => (w, true),
        None => (word, false),
    };
    let (name, arg) = match word.split_once(':') {
        Some((name, arg)) => (name, arg.parse().map_err(|_| WordError::BadArgument)?),
        None => (word, 0),
    };
    if name.is_empty() {
        return Err(WordError::EmptyName);
    }
    Ok(Word::Program(Program {
        name,
        arg,
        expect_kill,
    }))
}

/// The programs in a stretch of the command line (words that do not parse are skipped: the runner
/// refuses them before boot).
fn programs(text: &str) -> impl Iterator<Item = Program<'_>> + Clone {
    text.split_whitespace().filter_map(|w| match parse_word(w) {
        Ok(Word::Program(p)) => Some(p),
        _ => None,
    })
}

/// The seconds of a `run-for:SECS` word, if the command line has one (the first counts).
pub fn run_for(cmdline: &str) -> Option<u64> {
    cmdline
        .split_whitespace()
        .find_map(|w| match parse_word(w) {
            Ok(Word::RunFor(secs)) => Some(secs),
            _ => None,
        })
}

/// The viewer's mode, if the command line asks for it.
pub fn viewer(cmdline: &str) -> Option<ViewerMode> {
    cmdline
        .split_whitespace()
        .find_map(|w| match parse_word(w) {
            Ok(Word::Viewer(mode)) => Some(mode),
            _ => None,
        })
}

/// The programs of the command line, batch by batch (option words are not programs).
pub fn batches(cmdline: &str) -> impl Iterator<Item = impl Iterator<Item = Program<'_>> + Clone> {
    let mut rest = Some(cmdline);
    core::iter::from_fn(move || {
        let text = rest.take()?;
        let then = text
            .split_whitespace()
            .find(|w| *w == THEN)
            .map(|w| w.as_ptr() as usize - text.as_ptr() as usize);
        let end = match then {
            Some(at) => {
                rest = Some(&text[at + THEN.len()..]);
                at
            }
            None => text.len(),
        };
        Some(programs(&text[..end]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn words() {
        let p = |name, arg, expect_kill| {
            Ok(Word::Program(Program {
                name,
                arg,
                expect_kill,
            }))
        };
        assert_eq!(parse_word("hello"), p("hello", 0, false));
        assert_eq!(parse_word("attack:17"), p("attack", 17, false));
        assert_eq!(parse_word("kread!"), p("kread", 0, true));
        assert_eq!(parse_word("attack:3!"), p("attack", 3, true));
        assert_eq!(parse_word("then"), Ok(Word::Then));
        assert_eq!(parse_word("test:panic"), Ok(Word::Test("test:panic")));
        assert_eq!(parse_word("attack:x"), Err(WordError::BadArgument));
        assert_eq!(parse_word(":3"), Err(WordError::EmptyName));
        assert_eq!(parse_word("!"), Err(WordError::EmptyName));
        assert_eq!(parse_word("run-for:20"), Ok(Word::RunFor(20)));
        assert_eq!(parse_word("run-for:"), Err(WordError::BadArgument));
        assert_eq!(parse_word("run-for:-1"), Err(WordError::BadArgument));
        assert_eq!(parse_word("run-for:soon"), Err(WordError::BadArgument));
        assert_eq!(parse_word("viewer:tty"), Ok(Word::Viewer(ViewerMode::Tty)));
        assert_eq!(parse_word("viewer:x"), Err(WordError::BadArgument));
        assert_eq!(viewer("fork viewer:log"), Some(ViewerMode::Log));
        assert_eq!(viewer("fork"), None);
    }

    #[test]
    fn run_for_is_an_option_not_a_program() {
        assert_eq!(run_for("run-for:20 fork"), Some(20));
        assert_eq!(run_for("fork run-for:5 then run-for:7"), Some(5));
        assert_eq!(run_for("fork allocator:4"), None);
        assert_eq!(run_for("run-for:x fork"), None);
        let b: Vec<Vec<(&str, u64)>> = batches("run-for:20 allocator:1 allocator:2 then fork")
            .map(|batch| batch.map(|p| (p.name, p.arg)).collect())
            .collect();
        assert_eq!(
            b,
            [vec![("allocator", 1), ("allocator", 2)], vec![("fork", 0)]]
        );
    }

    #[test]
    fn batches_split_on_then() {
        let b: Vec<Vec<&str>> = batches("a b:1 then c! thence test:x then")
            .map(|batch| batch.map(|p| p.name).collect())
            .collect();
        assert_eq!(b, [vec!["a", "b"], vec!["c", "thence"], vec![]]);
    }
}
