//! `cargo run -- [OPTIONS] [PROGRAM...]`: build everything and boot it in QEMU.
use runner::{parse_args, ParsedArgs, USAGE};
use std::process::ExitCode;

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(ParsedArgs::Run(opts)) => opts,
        Ok(ParsedArgs::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
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
            if outcome.verdict.is_success() {
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
