//! Command-line options (hand-parsed: a dozen flags do not need a dependency).
use std::time::Duration;

pub const USAGE: &str = "\
usage: cargo run -- [OPTIONS] [PROGRAM...] [-- QEMU-ARGS...]

Builds the kernel and user programs, makes a boot image and runs it in QEMU.
PROGRAM...        user programs init starts, in order (default: none)

options:
  --headless      no window; the console is on stdout (default when there is no display)
  --gdb           debug in this terminal: boot the debuggable build with QEMU stopped and run gdb
                  with every binary's symbols and the `mikros` commands; the guest's console goes
                  to target/gdb-console.log; QEMU ends with gdb (docs/debugging.md)
  --gdb-stub      the same without starting gdb: print the command that attaches one (another
                  terminal) and show the console here
  --gdb-port N    the gdb stub's tcp port (default: a free one)
  --debuggable    boot the debuggable build (cargo profile `gdb`: unoptimised, full debug info;
                  implied by --gdb and --gdb-stub)
  --optimised     boot the optimised build even with --gdb (the default otherwise)
  --kvm           use KVM (opt-in: it hangs on some hosts); the default is TCG emulation
  --icount        run under -icount shift=0: guest rdtsc counts instructions (benchmarks)
  --timeout SECS  give up after SECS seconds of wall-clock time (exit status 1)
  --run-for SECS  run the programs for SECS seconds of guest time, then init stops them, checks
                  memory and leaks, and ends the run (for programs that run forever)
  --memory MIB    guest memory in MiB (default 128; 32 with the viewer, so its map stays readable)
  --viewer        run the memory viewer: on the screen, and on this terminal (redrawn in place,
                  or plain snapshots when the output is not a terminal)
  --screenshot F  save the screen as PNG file F when the run ends (QEMU's screendump; implies
                  --viewer)
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

/// Which build of the kernel and programs to boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Build {
    /// What the runner was built with (cargo artifact dependencies): optimised, what we measure.
    #[default]
    Optimised,
    /// Cargo profile `gdb`, built on demand: unoptimised, so stepping and locals work.
    Debuggable,
}

/// Whether and how gdb takes part in a run.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Debugger {
    #[default]
    None,
    /// QEMU waits for a gdb the user starts elsewhere (`--gdb-stub`).
    Stub,
    /// QEMU waits, and gdb runs in this terminal; QEMU ends when gdb does (`--gdb`).
    Interactive,
    /// gdb runs these commands in batch mode (`-batch -ex ...`), then QEMU is stopped; its
    /// output is in [`crate::Outcome::gdb_output`] (the tests use this).
    Batch(Vec<String>),
}

/// Guest memory unless `--memory` says otherwise.
pub const DEFAULT_MEMORY_MIB: u32 = 128;

#[derive(Clone, Debug)]
pub struct Options {
    pub headless: bool,
    pub gdb: Debugger,
    /// `--gdb-port`: the stub's port; `None` picks a free one.
    pub gdb_port: Option<u16>,
    pub build: Build,
    pub kvm: bool,
    pub icount: bool,
    pub uefi: bool,
    pub timeout: Option<Duration>,
    /// `--run-for`: seconds of guest time init runs the programs for (the `run-for:SECS` word).
    pub run_for: Option<u64>,
    /// `--memory`: guest memory in MiB.
    pub memory_mib: u32,
    pub programs: Vec<String>,
    pub qemu_args: Vec<String>,
    pub kernel: KernelImage,
    /// Do not echo the guest's console (the transcript is still collected).
    pub quiet: bool,
    /// `--viewer`: how the memory viewer draws on the serial console, if it runs.
    pub viewer: Option<abi::cmdline::ViewerMode>,
    /// `--screenshot`: where to save the screen when the run ends.
    pub screenshot: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            headless: false,
            gdb: Debugger::None,
            gdb_port: None,
            build: Build::Optimised,
            kvm: false,
            icount: false,
            uefi: false,
            timeout: None,
            run_for: None,
            memory_mib: DEFAULT_MEMORY_MIB,
            programs: Vec::new(),
            qemu_args: Vec::new(),
            kernel: KernelImage::Normal,
            quiet: false,
            viewer: None,
            screenshot: None,
        }
    }
}

impl Options {
    /// The boot command line init reads (`abi::cmdline`): the option words, then the programs.
    pub fn cmdline(&self) -> String {
        let mut words = Vec::new();
        if let Some(secs) = self.run_for {
            words.push(format!("{}{secs}", abi::cmdline::RUN_FOR));
        }
        match self.viewer {
            Some(abi::cmdline::ViewerMode::Tty) => {
                words.push(format!("{}tty", abi::cmdline::VIEWER))
            }
            Some(abi::cmdline::ViewerMode::Log) => {
                words.push(format!("{}log", abi::cmdline::VIEWER))
            }
            None => {}
        }
        words.extend(self.programs.iter().cloned());
        words.join(" ")
    }

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
    let mut build = None;
    let mut memory_given = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(ParsedArgs::Help),
            "--list" => return Ok(ParsedArgs::List),
            "--headless" => opts.headless = true,
            "--gdb" => opts.gdb = Debugger::Interactive,
            "--gdb-stub" => opts.gdb = Debugger::Stub,
            "--gdb-port" => {
                let value = args.next().ok_or("--gdb-port needs a tcp port number")?;
                let port: u16 =
                    value.parse().ok().filter(|&p| p != 0).ok_or_else(|| {
                        format!("--gdb-port: '{value}' is not a tcp port (1-65535)")
                    })?;
                opts.gdb_port = Some(port);
            }
            "--debuggable" => build = Some(Build::Debuggable),
            "--optimised" | "--optimized" => build = Some(Build::Optimised),
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
            "--run-for" => {
                let value = args.next().ok_or("--run-for needs a number of seconds")?;
                let secs: u64 = value
                    .parse()
                    .map_err(|_| format!("--run-for: '{value}' is not a whole number"))?;
                if secs == 0 {
                    return Err("--run-for: the time must be positive".into());
                }
                opts.run_for = Some(secs);
            }
            "--memory" => {
                let value = args.next().ok_or("--memory needs a size in MiB")?;
                let mib: u32 = value
                    .parse()
                    .map_err(|_| format!("--memory: '{value}' is not a number of MiB"))?;
                // Below 32 MiB the kernel and its boot image do not fit; QEMU's own limit is far
                // above what a test wants.
                if !(32..=65536).contains(&mib) {
                    return Err(format!("--memory: {mib} MiB is outside 32..=65536"));
                }
                opts.memory_mib = mib;
                memory_given = true;
            }
            "--viewer" => opts.viewer = Some(viewer_mode()),
            "--screenshot" => {
                let value = args.next().ok_or("--screenshot needs a file name")?;
                opts.screenshot = Some(value.into());
                opts.viewer.get_or_insert_with(viewer_mode);
            }
            "--" => {
                opts.qemu_args.extend(args.by_ref());
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option '{flag}'")),
            program => opts.programs.push(program.to_string()),
        }
    }
    // Debugging wants the debuggable build unless the user asked for the other one.
    let debugging = opts.gdb != Debugger::None;
    opts.build = build.unwrap_or(if debugging {
        Build::Debuggable
    } else {
        Build::Optimised
    });
    if opts.gdb_port.is_some() && !debugging {
        return Err("--gdb-port goes with --gdb or --gdb-stub".into());
    }
    if opts.viewer.is_some() && !memory_given {
        opts.memory_mib = VIEWER_MEMORY_MIB;
    }
    Ok(ParsedArgs::Run(opts))
}

/// Guest memory with the viewer, unless `--memory` says otherwise: small, as WeensyOS's, so a
/// cell of the physical map is a few pages.
pub const VIEWER_MEMORY_MIB: u32 = 32;

/// The viewer redraws in place on a terminal and prints plain snapshots into a log.
fn viewer_mode() -> abi::cmdline::ViewerMode {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        abi::cmdline::ViewerMode::Tty
    } else {
        abi::cmdline::ViewerMode::Log
    }
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
        assert!(o.headless && o.icount && o.gdb == Debugger::None && !o.kvm);
        assert_eq!(o.build, Build::Optimised);
        assert_eq!(o.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(o.programs, ["hello"]);
        assert_eq!(o.qemu_args, ["-m", "256M"]);
    }

    #[test]
    fn run_for_goes_first_on_the_boot_command_line() {
        let Ok(ParsedArgs::Run(o)) = parse(&["fork", "--run-for", "20", "--memory", "256"]) else {
            panic!("expected options")
        };
        assert_eq!(o.run_for, Some(20));
        assert_eq!(o.memory_mib, 256);
        assert_eq!(o.cmdline(), "run-for:20 fork");
        assert_eq!(abi::cmdline::run_for(&o.cmdline()), Some(20));
        let Ok(ParsedArgs::Run(plain)) = parse(&["hello", "then", "ping"]) else {
            panic!("expected options")
        };
        assert_eq!(plain.cmdline(), "hello then ping");
        assert_eq!(plain.memory_mib, DEFAULT_MEMORY_MIB);
    }

    #[test]
    fn gdb_implies_the_debuggable_build_unless_told_otherwise() {
        let Ok(ParsedArgs::Run(o)) = parse(&["--gdb", "--gdb-port", "4321", "ipcbench"]) else {
            panic!("expected options")
        };
        assert_eq!(
            (o.gdb, o.gdb_port, o.build),
            (Debugger::Interactive, Some(4321), Build::Debuggable)
        );
        let Ok(ParsedArgs::Run(o)) = parse(&["--gdb-stub", "--optimised"]) else {
            panic!("expected options")
        };
        assert_eq!((o.gdb, o.build), (Debugger::Stub, Build::Optimised));
        let Ok(ParsedArgs::Run(o)) = parse(&["--debuggable", "ipcbench"]) else {
            panic!("expected options")
        };
        assert_eq!((o.gdb, o.build), (Debugger::None, Build::Debuggable));
    }

    #[test]
    fn a_screenshot_runs_the_viewer_in_small_memory() {
        let Ok(ParsedArgs::Run(o)) = parse(&["--screenshot", "a.png", "fork"]) else {
            panic!("expected options")
        };
        assert!(o.viewer.is_some());
        assert_eq!(o.memory_mib, VIEWER_MEMORY_MIB);
        assert!(abi::cmdline::viewer(&o.cmdline()).is_some());
        let Ok(ParsedArgs::Run(o)) = parse(&["--viewer", "--memory", "64"]) else {
            panic!("expected options")
        };
        assert_eq!(o.memory_mib, 64);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse(&["--gdb-port", "0", "--gdb"]).is_err());
        assert!(parse(&["--gdb-port", "70000", "--gdb"]).is_err());
        assert!(
            parse(&["--gdb-port", "4321"]).is_err(),
            "a port without gdb"
        );
        assert!(parse(&["--timeout"]).is_err());
        assert!(parse(&["--timeout", "soon"]).is_err());
        assert!(parse(&["--timeout", "-3"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert!(parse(&["--run-for"]).is_err());
        assert!(parse(&["--run-for", "0"]).is_err());
        assert!(parse(&["--run-for", "2.5"]).is_err());
        assert!(parse(&["--memory", "16"]).is_err());
        assert!(parse(&["--memory", "lots"]).is_err());
        assert!(parse(&["--screenshot"]).is_err());
        assert!(matches!(parse(&["--help"]), Ok(ParsedArgs::Help)));
    }
}
