//! `cargo run -- [OPTIONS] [PROGRAM...]`: build everything and boot it in QEMU.
use runner::{parse_args, Error, ParsedArgs, Verdict};
use std::process::ExitCode;

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args_os().skip(1)) {
        Ok(ParsedArgs::Run(opts)) => opts,
        Ok(ParsedArgs::List) => {
            list_programs();
            return ExitCode::SUCCESS;
        }
        // The help on stdout (exit status 0), or a usage error on stderr (exit status 2).
        Err(e) => e.exit(),
    };
    match runner::run(&opts) {
        Ok(outcome) => {
            if !outcome.qemu_stderr.trim().is_empty() {
                eprintln!("runner: QEMU said:\n{}", outcome.qemu_stderr.trim_end());
            }
            eprintln!("runner: {}", outcome.verdict.describe());
            // Quitting gdb before the guest finished is how a debugging session ends.
            if outcome.verdict.is_success()
                || outcome.verdict == Verdict::EndedWithGdb
                || outcome.verdict == Verdict::Quit
            {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        // An unknown program, shown as clap shows a bad option (exit status 2).
        Err(Error::Usage(message)) => runner::usage_error(message).exit(),
        Err(e) => {
            eprintln!("runner: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--list`: every program, crate by crate, with its role and the servers it brings.
fn list_programs() {
    use runner::catalog;
    for home in catalog::HOMES {
        let when = home.kind.packed_when();
        println!("{}/ (packed into the boot archive {when})", home.dir);
        for program in catalog::all().iter().filter(|p| std::ptr::eq(p.home, home)) {
            let e = &program.entry;
            let role = match (e.system, e.server) {
                (true, _) => "system",
                (false, true) => "server",
                (false, false) => "",
            };
            let with: Vec<&str> = e.with().collect();
            let with = if with.is_empty() {
                String::new()
            } else {
                format!(" (brings {})", with.join(", "))
            };
            println!("  {:<12} {role:<7} {}{with}", e.name, e.about);
        }
    }
}
