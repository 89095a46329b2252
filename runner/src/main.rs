//! `cargo run -- [OPTIONS] [PROGRAM...]`: build everything and boot it in QEMU.
use runner::{parse_args, Error, ParsedArgs, Verdict};
use std::process::ExitCode;

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args_os().skip(1)) {
        Ok(ParsedArgs::Run(opts)) => opts,
        Ok(ParsedArgs::List) => {
            use abi::registry;
            for (name, _) in runner::available_programs() {
                let entry = registry::find(runner::REGISTRY, &name);
                let (role, about) = match entry {
                    Some(e) if e.server => ("server", e.about),
                    Some(e) => ("", e.about),
                    None if name == "init" => ("system", "the first server: starts the rest"),
                    None => ("system", "the memory server, started by init for every run"),
                };
                let with: Vec<&str> = entry.iter().flat_map(|e| e.with()).collect();
                let with = if with.is_empty() {
                    String::new()
                } else {
                    format!(" (brings {})", with.join(", "))
                };
                println!("{name:<12} {role:<7} {about}{with}");
            }
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
            if outcome.verdict.is_success() || outcome.verdict == Verdict::EndedWithGdb {
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
