//! The list of user programs, `servers/programs/programs.list`: the one place a program is
//! registered. One line per program, in link-base order:
//!
//! ```text
//! NAME [server] [with=OTHER,...] -- what it does
//! ```
//!
//! `server`: it serves others and does not end by itself; named on the command line beside other
//! programs it runs with them and is stopped when they are done. `with=`: servers init starts along
//! with this program (unless the batch has them already). Lines starting with `#` are comments.
//!
//! Read by the programs' build script (it links each program at its own base, in list order, and
//! checks the list against `src/bin`), the runner (`--list`; it also puts the list into the boot
//! archive as [`ARCHIVE_NAME`]) and init (roles and companions).
//!
//! ```
//! use abi::registry::{entries, find};
//!
//! let list = "# the tutorial pair\n\
//!             counter  server        -- tutorial server\n\
//!             count    with=counter  -- tutorial client\n";
//! assert!(find(list, "counter").unwrap().server);
//! let count = find(list, "count").unwrap();
//! assert!(!count.server);
//! assert_eq!(count.with().collect::<Vec<_>>(), ["counter"]);
//! assert_eq!(count.about, "tutorial client");
//! // A line without ` -- ` (or with an unknown word) is an error, not a program.
//! assert!(entries("hello says hello").all(|line| line.is_err()));
//! ```

/// The list's name in the boot archive.
pub const ARCHIVE_NAME: &str = "programs.list";

/// One program's line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The program (its file in `servers/programs/src/bin`).
    pub name: &'a str,
    /// It serves others and does not end by itself.
    pub server: bool,
    with: &'a str,
    /// What it does.
    pub about: &'a str,
}

impl<'a> Entry<'a> {
    /// The servers init starts along with this program.
    pub fn with(&self) -> impl Iterator<Item = &'a str> {
        self.with.split(',').filter(|s| !s.is_empty())
    }
}

/// A line that is not `NAME [server] [with=...] -- about`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadLine<'a>(pub &'a str);

/// Every entry of the list `text`, in order.
pub fn entries(text: &str) -> impl Iterator<Item = Result<Entry<'_>, BadLine<'_>>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(parse_line)
}

/// The entry for `name`, if the list has a well-formed one.
pub fn find<'a>(text: &'a str, name: &str) -> Option<Entry<'a>> {
    entries(text).flatten().find(|e| e.name == name)
}

fn parse_line(line: &str) -> Result<Entry<'_>, BadLine<'_>> {
    let (words, about) = line.split_once(" -- ").ok_or(BadLine(line))?;
    let mut words = words.split_whitespace();
    let name = words.next().ok_or(BadLine(line))?;
    let mut entry = Entry {
        name,
        server: false,
        with: "",
        about: about.trim(),
    };
    for word in words {
        match word.strip_prefix("with=") {
            Some(with) => entry.with = with,
            None if word == "server" => entry.server = true,
            None => return Err(BadLine(line)),
        }
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "# comment\n\nhello -- greets\ncounter server -- counts\n\
                        count with=counter,log -- asks\n";

    #[test]
    fn lines_parse() {
        let all: Vec<_> = entries(LIST).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 3);
        assert!(!all[0].server && all[1].server);
        assert_eq!(all[2].with().collect::<Vec<_>>(), ["counter", "log"]);
        assert_eq!(all[0].about, "greets");
        assert_eq!(find(LIST, "count").map(|e| e.name), Some("count"));
        assert_eq!(find(LIST, "nope"), None);
    }

    #[test]
    fn bad_lines_are_reported() {
        assert!(entries("hello greets").all(|e| e.is_err()));
        assert!(entries("hello daemon -- x").all(|e| e.is_err()));
    }
}
