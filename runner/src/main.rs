//! `cargo run -- [OPTIONS] [PROGRAM...]`: build everything and boot it in QEMU.
use runner::{parse_args, ParsedArgs, Verdict, USAGE};
use std::process::ExitCode;

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(ParsedArgs::Run(opts)) => opts,
        Ok(ParsedArgs::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(ParsedArgs::List) => {
            list_programs();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("runner: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match runner::run(&opts) {
        Ok(outcome) => {
            if !outcome.qemu_stderr.trim().is_empty() {
                eprintln!("runner: QEMU said:\n{}", outcome.qemu_stderr.trim_end());
            }
            eprintln!("runner: {}", outcome.verdict.describe());
            // Quitting gdb before the guest finished is how a debugging session ends.
            if outcome.verdict.is_success() || outcome.verdict == Verdict::EndedWithGdb {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
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
        let when = if home.kind.always_packed() {
            ""
        } else {
            " (packed into the boot archive only when named)"
        };
        println!("{}/{when}", home.dir);
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
