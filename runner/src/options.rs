//! Command-line options (hand-parsed: a dozen flags do not need a dependency).
use std::time::Duration;

pub const USAGE: &str = "\
usage: cargo run -- [OPTIONS] [PROGRAM...] [-- QEMU-ARGS...]

Builds the kernel and user programs, makes a boot image and runs it in QEMU.
PROGRAM...        user programs init starts, in order (default: none)

options:
  --headless      no window; the console is on stdout (default when there is no display)
  --gdb           start QEMU stopped, gdb stub on tcp port 1234; writes target/gdbinit
  --kvm           use KVM (opt-in: it hangs on some hosts); the default is TCG emulation
  --icount        run under -icount shift=0: guest rdtsc counts instructions (benchmarks)
  --timeout SECS  give up after SECS seconds of wall-clock time (exit status 1)
  --uefi          boot with UEFI firmware (OVMF) instead of BIOS
  --test-kernel   boot the kernel with test-only behaviours (used by the tests)
  --list          list the user programs and exit
  -h, --help      this text

exit status: 0 when the guest reports success, 1 otherwise (the reason is printed), 2 for usage errors.";

/// Which kernel binary to boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum KernelImage {
    #[default]
    Normal,
    /// The kernel with deliberate failures selectable from the command line (`test:panic`, ...).
    Test,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub headless: bool,
    pub gdb: bool,
    pub kvm: bool,
    pub icount: bool,
    pub uefi: bool,
    pub timeout: Option<Duration>,
    pub programs: Vec<String>,
    pub qemu_args: Vec<String>,
    pub kernel: KernelImage,
    /// Do not echo the guest's console (the transcript is still collected).
    pub quiet: bool,
}

impl Options {
    /// Options for a test: headless, quiet, with a timeout.
    pub fn for_test(programs: &[&str], timeout_secs: u64) -> Options {
        Options {
            headless: true,
            quiet: true,
            timeout: Some(Duration::from_secs(timeout_secs)),
            programs: programs.iter().map(|s| s.to_string()).collect(),
            ..Options::default()
        }
    }
}

pub enum ParsedArgs {
    Run(Options),
    Help,
    List,
}

fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<ParsedArgs, String> {
    let mut opts = Options {
        headless: !has_display(),
        ..Options::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(ParsedArgs::Help),
            "--list" => return Ok(ParsedArgs::List),
            "--headless" => opts.headless = true,
            "--gdb" => opts.gdb = true,
            "--kvm" => opts.kvm = true,
            "--icount" => opts.icount = true,
            "--uefi" => opts.uefi = true,
            "--test-kernel" => opts.kernel = KernelImage::Test,
            "--timeout" => {
                let value = args.next().ok_or("--timeout needs a number of seconds")?;
                let secs: f64 = value
                    .parse()
                    .map_err(|_| format!("--timeout: '{value}' is not a number"))?;
                if !(secs > 0.0 && secs.is_finite()) {
                    return Err(format!("--timeout: '{value}' must be positive"));
                }
                opts.timeout = Some(Duration::from_secs_f64(secs));
            }
            "--" => {
                opts.qemu_args.extend(args.by_ref());
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option '{flag}'")),
            program => opts.programs.push(program.to_string()),
        }
    }
    Ok(ParsedArgs::Run(opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ParsedArgs, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_flags_programs_and_qemu_args() {
        let Ok(ParsedArgs::Run(o)) = parse(&[
            "--headless",
            "--icount",
            "--timeout",
            "2.5",
            "hello",
            "--",
            "-m",
            "256M",
        ]) else {
            panic!("expected options")
        };
        assert!(o.headless && o.icount && !o.gdb && !o.kvm);
        assert_eq!(o.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(o.programs, ["hello"]);
        assert_eq!(o.qemu_args, ["-m", "256M"]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse(&["--timeout"]).is_err());
        assert!(parse(&["--timeout", "soon"]).is_err());
        assert!(parse(&["--timeout", "-3"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert!(matches!(parse(&["--help"]), Ok(ParsedArgs::Help)));
    }
}
