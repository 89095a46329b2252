//! The lists of user programs: the one place a program is registered. Every crate of programs
//! (`servers/init`, `servers/examples`, `tests/programs`, `runner/benchmarks`, ...) has a
//! `programs.list` at its root: its link base, then one line per program, in link-base order:
//!
//! ```text
//! base 0x1000_0000
//! NAME [server] [system] [with=OTHER,...] -- what it does
//! ```
//!
//! `base`: where the crate's first program is linked; the next ones follow [`LINK_SPACING`] apart,
//! so every program has its own addresses and gdb can hold all their symbols at once. `server`: it
//! serves others and does not end by itself; named on the command line beside other programs it
//! runs with them and is stopped when they are done. `system`: init (or the kernel) starts it
//! itself; it cannot be named on the command line. `with=`: servers init starts along with this
//! program (unless the batch has them already). Lines starting with `#` are comments.
//!
//! Read by every program crate's build script (`userlib/link-programs.rs`: it links each program
//! at its base and checks the list against the crate's binaries), the runner (`--list`; it also
//! puts the lists of the programs it packs into the boot archive as [`ARCHIVE_NAME`]) and init
//! (roles and companions).
//!
//! ```
//! use abi::registry::{entries, find, link_bases};
//!
//! let list = "base 0x1000_0000\n\
//!             counter  server        -- tutorial server\n\
//!             count    with=counter  -- tutorial client\n";
//! assert!(find(list, "counter").unwrap().server);
//! let count = find(list, "count").unwrap();
//! assert!(!count.server);
//! assert_eq!(count.with().collect::<Vec<_>>(), ["counter"]);
//! assert_eq!(count.about, "tutorial client");
//! let bases: Vec<_> = link_bases(list).unwrap().collect();
//! assert_eq!(bases, [("counter", 0x1000_0000), ("count", 0x1100_0000)]);
//! // A line without ` -- ` (or with an unknown word) is an error, not a program.
//! assert!(entries("hello says hello").all(|line| line.is_err()));
//! ```

/// The list's name in the boot archive.
pub const ARCHIVE_NAME: &str = "programs.list";

/// One program's line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The program (a binary of the crate whose list this is).
    pub name: &'a str,
    /// It serves others and does not end by itself.
    pub server: bool,
    /// Init (or the kernel) starts it; it cannot be named on the command line.
    pub system: bool,
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

/// The distance between two programs' link bases: room for a program's image and the start of
/// its heap.
pub const LINK_SPACING: u64 = 0x0100_0000;

/// Every entry of the list `text` (or of several lists one after another), in order.
pub fn entries(text: &str) -> impl Iterator<Item = Result<Entry<'_>, BadLine<'_>>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && base_of(l).is_none())
        .map(parse_line)
}

/// What is wrong with a list, for [`link_bases`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListError<'a> {
    /// The list has no `base 0x...` line, or more than one.
    NoBase,
    /// A line that is not `NAME [server] [system] [with=A,B] -- about`, or a `base` line whose
    /// address is not hexadecimal.
    Bad(BadLine<'a>),
}

/// Each program of one crate's list with the address it is linked at: the list's `base`, then
/// [`LINK_SPACING`] apart in list order.
pub fn link_bases(text: &str) -> Result<impl Iterator<Item = (&str, u64)>, ListError<'_>> {
    let mut bases = text.lines().map(str::trim).filter_map(base_of);
    let base = match (bases.next(), bases.next()) {
        (Some(Ok(base)), None) => base,
        (Some(Err(bad)), None) => return Err(ListError::Bad(bad)),
        _ => return Err(ListError::NoBase),
    };
    if let Some(Err(bad)) = entries(text).find(Result::is_err) {
        return Err(ListError::Bad(bad));
    }
    let names = entries(text).flatten().map(|e| e.name);
    Ok(names
        .zip(0..)
        .map(move |(name, i)| (name, base + i * LINK_SPACING)))
}

/// The address of a `base 0x...` line (underscores allowed), if `line` is one.
fn base_of(line: &str) -> Option<Result<u64, BadLine<'_>>> {
    let digits = line
        .strip_prefix("base ")?
        .trim()
        .strip_prefix("0x")
        .unwrap_or("");
    let hex = digits.chars().filter(|&c| c != '_');
    let value = hex.clone().try_fold(0u64, |v, c| {
        let digit = c.to_digit(16)?;
        v.checked_mul(16)?.checked_add(digit.into())
    });
    Some(value.filter(|_| hex.count() > 0).ok_or(BadLine(line)))
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
        system: false,
        with: "",
        about: about.trim(),
    };
    for word in words {
        match word.strip_prefix("with=") {
            Some(with) => entry.with = with,
            None if word == "server" => entry.server = true,
            None if word == "system" => entry.system = true,
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
    fn programs_are_linked_from_the_base_on() {
        let list = "base 0x0200_0000\nnames system server -- names\nviewer system -- views\n";
        let bases: Vec<_> = link_bases(list).unwrap().collect();
        assert_eq!(bases, [("names", 0x0200_0000), ("viewer", 0x0300_0000)]);
        assert!(find(list, "viewer").unwrap().system);
        assert!(!find(list, "viewer").unwrap().server);
        assert_eq!(entries(list).count(), 2, "the base line is not a program");
    }

    #[test]
    fn a_list_needs_exactly_one_good_base() {
        assert_eq!(link_bases(LIST).err(), Some(ListError::NoBase));
        let twice = "base 0x1000\nbase 0x2000\nhello -- hi\n";
        assert_eq!(link_bases(twice).err(), Some(ListError::NoBase));
        for bad in [
            "base 1000",
            "base 0x",
            "base 0xfg",
            "base 0x1_0000_0000_0000_0000",
        ] {
            let list = alloc::format!("{bad}\nhello -- hi\n");
            assert_eq!(link_bases(&list).err(), Some(ListError::Bad(BadLine(bad))));
        }
        let bad_entry = "base 0x1000\nhello greets\n";
        assert_eq!(
            link_bases(bad_entry).err(),
            Some(ListError::Bad(BadLine("hello greets")))
        );
    }

    #[test]
    fn bad_lines_are_reported() {
        assert!(entries("hello greets").all(|e| e.is_err()));
        assert!(entries("hello daemon -- x").all(|e| e.is_err()));
    }
}
