//! The program words of the command line (`abi::cmdline`), checked against the programs there
//! are before anything is built: a word that names no program, or that cannot be read, is a usage
//! error, with the nearest name when there is one (`helo` -> `hello`).
use crate::Error;
use abi::cmdline::{parse_word, Word, WordError};

/// Checks `words` (the programs of [`crate::Options`]) against the names of the `available`
/// programs; `system` programs (init, the memory server, ...) are started by init or the kernel,
/// never by hand; `test:` words are for the test kernel only.
pub fn check_words(
    words: &[String],
    available: &[&str],
    system: &[&str],
    test_kernel: bool,
) -> Result<(), Error> {
    for word in words {
        match parse_word(word) {
            Ok(Word::Program(p)) if available.contains(&p.name) => {}
            Ok(Word::Program(p)) if system.contains(&p.name) => {
                return Err(Error::Usage(format!(
                    "'{}' is a system program: init or the kernel starts it, so it cannot be \
                     named on the command line (the memory viewer comes with --viewer)",
                    p.name
                )))
            }
            Ok(Word::Program(p)) => {
                let mut message = format!("unknown program '{word}'\n\n");
                match nearest(p.name, available) {
                    // The word as it was meant, argument and `!` kept (`krad!` -> `kread!`).
                    Some(near) => {
                        let meant = format!("{near}{}", &word[p.name.len()..]);
                        message += &format!("  tip: a similar program exists: '{meant}'");
                    }
                    None => message += &list("available (--list describes them):", available),
                }
                return Err(Error::Usage(message));
            }
            Ok(Word::Then) => {}
            // `--run-for` is the way to say it, but the word itself means the same.
            Ok(Word::RunFor(_) | Word::Viewer(_)) => {}
            // The test kernel takes `test:...` words from the same command line.
            Ok(Word::Test(_)) if test_kernel => {}
            Ok(Word::Test(_)) => {
                return Err(Error::Usage(format!(
                    "'{word}' is a word for the test kernel (--test-kernel)"
                )))
            }
            Err(e) => {
                let why = match e {
                    WordError::BadArgument => "what follows ':' is not a number",
                    WordError::EmptyName => "there is no program name before ':' or '!'",
                };
                return Err(Error::Usage(format!(
                    "cannot read the program word '{word}': {why} (see abi::cmdline)"
                )));
            }
        }
    }
    Ok(())
}

/// `title` and the names, in lines of at most 100 columns.
fn list(title: &str, names: &[&str]) -> String {
    let mut text = format!("  {title}");
    let mut width = text.len();
    for (i, name) in names.iter().enumerate() {
        let comma = if i + 1 < names.len() { "," } else { "" };
        if width + 1 + name.len() + comma.len() > 100 {
            text += "\n   ";
            width = 3;
        }
        text += &format!(" {name}{comma}");
        width += 1 + name.len() + comma.len();
    }
    text
}

/// The name closest to `name`, if it is close enough to be a typo.
fn nearest<'a>(name: &str, available: &[&'a str]) -> Option<&'a str> {
    let allowed = (name.chars().count() / 3).max(1);
    available
        .iter()
        .map(|&candidate| (distance(name, candidate), candidate))
        .filter(|&(d, _)| d <= allowed)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Edit distance: insertions, deletions, substitutions, and swaps of neighbours (`pnig` ->
/// `ping`) cost one each (the optimal string alignment distance).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Three rows of the table: two back, one back, this one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut last, row);
    }
    last[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVAILABLE: &[&str] = &["hello", "kread", "ping", "pong", "fork", "forkexit"];
    const SYSTEM: &[&str] = &["init", "memsrv", "names", "viewer"];

    fn check(words: &[&str]) -> Result<(), Error> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        check_words(&words, AVAILABLE, SYSTEM, false)
    }

    fn usage_message(words: &[&str]) -> String {
        match check(words) {
            Err(Error::Usage(message)) => message,
            other => panic!("expected a usage error for {words:?}, got {other:?}"),
        }
    }

    #[test]
    fn accepts_the_words_of_abi_cmdline() {
        check(&[
            "hello",
            "kread!",
            "ping:3",
            "then",
            "pong",
            "run-for:20",
            "viewer:log",
        ])
        .unwrap();
        let test_words = ["test:panic".to_string(), "hello".to_string()];
        check_words(&test_words, AVAILABLE, SYSTEM, true).unwrap();
    }

    #[test]
    fn system_programs_cannot_be_named() {
        for name in SYSTEM {
            let message = usage_message(&["hello", name]);
            assert!(message.contains("is a system program"), "{message}");
        }
    }

    #[test]
    fn a_near_miss_gets_a_suggestion_with_its_argument_kept() {
        let message = usage_message(&["hello", "helo"]);
        assert!(message.starts_with("unknown program 'helo'"), "{message}");
        assert!(
            message.contains("a similar program exists: 'hello'"),
            "{message}"
        );
        let message = usage_message(&["krad:7!"]);
        assert!(
            message.contains("a similar program exists: 'kread:7!'"),
            "{message}"
        );
        let message = usage_message(&["pnig"]);
        assert!(message.contains("'ping'"), "{message}");
    }

    #[test]
    fn a_far_miss_gets_the_list_only() {
        let message = usage_message(&["no-such-program"]);
        assert!(!message.contains("similar"), "{message}");
        assert!(
            message.contains("available (--list describes them): "),
            "{message}"
        );
        assert!(message.contains("hello, kread, ping"), "{message}");
    }

    #[test]
    fn ill_formed_words_and_test_words_are_usage_errors() {
        assert!(usage_message(&["ping:x"]).contains("not a number"));
        assert!(usage_message(&[":3"]).contains("no program name"));
        assert!(usage_message(&["run-for:soon"]).contains("not a number"));
        assert!(usage_message(&["test:panic"]).contains("--test-kernel"));
    }

    #[test]
    fn the_list_keeps_to_100_columns() {
        let names: Vec<String> = (0..60).map(|i| format!("program{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let text = list("available:", &names);
        assert!(
            text.lines().count() > 1 && text.lines().all(|l| l.len() <= 100),
            "{text}"
        );
        assert!(text.ends_with(" program59") && text.contains("program0, program1,"));
    }

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert_eq!(distance("hello", "hello"), 0);
        assert_eq!(distance("helo", "hello"), 1);
        assert_eq!(distance("pnig", "ping"), 1);
        assert_eq!(distance("", "fork"), 4);
        assert_eq!(distance("fork", "forkexit"), 4);
        assert_eq!(nearest("forkexi", AVAILABLE), Some("forkexit"));
        assert_eq!(nearest("x", AVAILABLE), None);
    }
}
