use crate::parse::{parse, Action, Builtin, Command, ParseError, Target, MAX_COMMANDS};

fn run(program: &str, args: &str, arg: u64, background: bool) -> Command<'static> {
    // (Leaked: the tests compare with commands that borrow the line.)
    let program: &'static str = Box::leak(program.to_string().into_boxed_str());
    let args: &'static str = Box::leak(args.to_string().into_boxed_str());
    Command {
        action: Action::Run { program, args, arg },
        background,
    }
}

fn builtin(b: Builtin) -> Command<'static> {
    Command {
        action: Action::Builtin(b),
        background: false,
    }
}

fn ok(line: &str) -> Vec<Command<'_>> {
    parse(line).expect("a good line").into_iter().collect()
}

#[test]
fn a_program_gets_its_words_and_a_leading_number() {
    assert_eq!(ok("hello"), [run("hello", "", 0, false)]);
    assert_eq!(ok("  allocator 3 "), [run("allocator", "3", 3, false)]);
    assert_eq!(ok("echo two  words"), [run("echo", "two  words", 0, false)]);
    assert_eq!(ok("x 12ab"), [run("x", "12ab", 0, false)]);
}

#[test]
fn batches_and_background_jobs_split_at_their_separators() {
    assert_eq!(
        ok("allocator 3 & ps"),
        [run("allocator", "3", 3, true), builtin(Builtin::Ps)]
    );
    assert_eq!(
        ok("hello; hello &"),
        [run("hello", "", 0, false), run("hello", "", 0, true)]
    );
    assert_eq!(
        ok("a;; b;"),
        [run("a", "", 0, false), run("b", "", 0, false)]
    );
    assert!(ok("   ").is_empty());
    assert!(ok("").is_empty());
}

#[test]
fn builtins_and_their_arguments() {
    assert_eq!(ok("ps"), [builtin(Builtin::Ps)]);
    assert_eq!(ok("kill 7"), [builtin(Builtin::Kill(Target::Pid(7)))]);
    assert_eq!(ok("kill %2"), [builtin(Builtin::Kill(Target::Job(2)))]);
    assert_eq!(
        ok("wait; mem"),
        [builtin(Builtin::Wait), builtin(Builtin::Mem)]
    );
    assert_eq!(ok("help"), [builtin(Builtin::Help)]);
    assert_eq!(ok("halt"), [builtin(Builtin::Halt)]);
    assert_eq!(ok("exit"), [builtin(Builtin::Exit(0))]);
    assert_eq!(ok("exit 3"), [builtin(Builtin::Exit(3))]);
    for bad in [
        "kill", "kill x", "kill 0", "kill 1 2", "ps -a", "exit x", "halt now",
    ] {
        assert!(
            matches!(parse(bad), Err(ParseError::Usage(_))),
            "{bad:?} is a usage error"
        );
    }
}

#[test]
fn junk_is_refused_before_anything_runs() {
    assert_eq!(parse("hello\x07"), Err(ParseError::BadCharacter('\x07')));
    assert_eq!(parse("cat <x"), Err(ParseError::BadCharacter('<')));
    assert_eq!(parse("a | b"), Err(ParseError::BadCharacter('|')));
    assert_eq!(parse("&"), Err(ParseError::NothingBefore('&')));
    assert_eq!(parse("hello; &"), Err(ParseError::NothingBefore('&')));
    assert_eq!(parse("; hello"), Err(ParseError::NothingBefore(';')));
    assert_eq!(parse("ps &"), Err(ParseError::BuiltinInBackground("ps")));
    let long = "averyveryverylongname";
    assert_eq!(parse(long), Err(ParseError::NameTooLong(long)));
    assert_eq!(parse("exactly16bytes!!").map(|c| c.len()), Ok(1));
    let many = "hello;".repeat(MAX_COMMANDS + 1);
    assert_eq!(parse(&many), Err(ParseError::TooManyCommands));
    assert_eq!(
        parse(&"hello;".repeat(MAX_COMMANDS)).map(|c| c.len()),
        Ok(MAX_COMMANDS)
    );
    let words = format!("hello {}", "w".repeat(129));
    assert_eq!(parse(&words), Err(ParseError::ArgsTooLong));
    // Other scripts are words like any other.
    assert_eq!(ok("hello grüße"), [run("hello", "grüße", 0, false)]);
}

#[test]
fn errors_say_what_is_wrong() {
    let said = |line| parse(line).expect_err("bad").to_string();
    assert_eq!(said("a|b"), "unexpected character '|'");
    assert_eq!(said("&"), "nothing to run before '&'");
    assert!(said("kill x").starts_with("usage: kill PID or kill %JOB"));
    assert!(said("averyveryverylongname").contains("at most 16 bytes"));
}
