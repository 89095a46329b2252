//! Command-line options: clap reads the command line ([`parse_args`]) into [`Options`], which the
//! library and the system tests use (they make theirs with [`Options::for_test`]).
use crate::typing::{parse_text, Device, Typing};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{value_parser, ArgAction, ArgGroup, CommandFactory, FromArgMatches, Parser};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

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
    /// `-icount shift=N,sleep=off`: the guest's clock counts instructions (2^N ns each), not the
    /// host's time. `--icount` is shift 0 (guest rdtsc = instructions: benchmarks);
    /// `--icount-shift N` for runs whose outcome depends on guest time (the tests' `--run-for`
    /// runs), which then do the same work however busy the host is.
    pub icount: Option<u8>,
    /// `--smp`: how many CPUs QEMU gives the guest (1..=8).
    pub smp: u8,
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
    /// `--type`/`--keys` (with their markers), in the order given.
    pub typing: Vec<Typing>,
    /// The terminal is connected to the serial line (raw mode; Ctrl-] quits).
    pub interactive: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            headless: false,
            gdb: Debugger::None,
            gdb_port: None,
            build: Build::Optimised,
            kvm: false,
            icount: None,
            smp: 1,
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
            typing: Vec::new(),
            interactive: false,
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

    /// Types `text` (the `--type` escapes) on `device` once the console shows `after` (after what
    /// the typing before it waited for): what `--type-after`/`--type` and `--keys-after`/`--keys`
    /// add.
    pub fn type_after(
        mut self,
        after: &str,
        device: Device,
        text: &str,
    ) -> Result<Options, String> {
        let strokes = parse_text(text)?;
        self.typing.push(Typing {
            after: after.into(),
            device,
            strokes,
        });
        Ok(self)
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

/// The last paragraph of `-h` and `--help`.
macro_rules! exit_status {
    () => {
        "exit status: 0 when the guest reports success, 1 otherwise (the reason is printed),\n2 \
         for usage errors."
    };
}

/// The command line as clap reads it (`cargo run -- --help` shows it); [`parse_args`] turns it
/// into [`Options`]. The words for programs are checked later, against the programs there are
/// (`crate::programs`).
#[derive(Parser, Debug)]
#[command(
    name = "runner",
    bin_name = "cargo run --",
    about = "Builds the kernel and user programs, makes a boot image and runs it in QEMU.",
    after_help = exit_status!(),
    after_long_help = concat!(
        "Examples:\n",
        "  cargo run -- --headless --timeout 60 hello     # run `hello`, give up after 60 s\n",
        "  cargo run -- kread! hello then ping pong        # batches; `!` = must be killed\n",
        "  cargo run -- kv kvclient echo echoclient        # servers and clients, found by name\n",
        "  cargo run -- --gdb ipcbench                     # debug in this terminal\n",
        "  cargo run -- --icount ipcbench                  # deterministic instruction counts\n",
        "  cargo run -- --run-for 20 fork                  # 20 s of guest time, stop, check\n",
        "  cargo run -- --memory 256 forkexit              # guest memory in MiB (default 128)\n",
        "  cargo run -- --smp 4 hello                      # 4 CPUs (1-8; default 1)\n",
        "  cargo run -- --viewer forkexit                  # the memory viewer\n",
        "  cargo run -- --run-for 10 --screenshot a.png fork   # and the screen saved at the end\n",
        "  cargo run -- hello -- -m 256M                   # anything after `--` goes to QEMU\n",
        "  cargo run -- --type-after '$ ' --type 'ls\\n' sh  # type on the serial line\n",
        "  cargo run -- --keys-after '$ ' --keys 'ls\\n' sh  # ... on the PS/2 keyboard\n",
        "\n",
        exit_status!(),
    ),
    // A repeated option means what its last occurrence says, as `--timeout 5 --timeout 9` did.
    args_override_self = true,
    group(ArgGroup::new("debugger").args(["gdb", "gdb_stub"]).multiple(true))
)]
struct Cli {
    /// User programs init starts, in order (default: none; --list lists them)
    #[arg(
        value_name = "PROGRAM",
        long_help = "User programs init starts, in order (default: none; --list lists them). The \
                     words\n(abi::cmdline): NAME; NAME:N, with N a number passed to the program; \
                     NAME!, expected\nto be killed (that is its success); `then`, the end of a \
                     batch: what follows starts\nonce init has checked that every frame and \
                     kernel object came back; `test:...`, for\nthe test kernel (--test-kernel)"
    )]
    programs: Vec<String>,

    /// Passed to QEMU as they are
    #[arg(last = true, value_name = "QEMU-ARGS")]
    qemu_args: Vec<String>,

    /// No window; the console is on stdout (default when there is no display)
    #[arg(long)]
    headless: bool,

    /// Debug in this terminal: gdb on the debuggable build (docs/debugging.md)
    #[arg(
        long,
        overrides_with = "gdb_stub",
        long_help = "Debug in this terminal: boot the debuggable build with QEMU stopped and run \
                     gdb\nwith every binary's symbols and the `mikros` commands; the guest's \
                     console goes\nto target/gdb-console.log; QEMU ends with gdb \
                     (docs/debugging.md)"
    )]
    gdb: bool,

    /// The same without starting gdb: print the command that attaches one
    #[arg(
        long,
        overrides_with = "gdb",
        long_help = "The same without starting gdb: print the command that attaches one \
                     (another\nterminal) and show the console here"
    )]
    gdb_stub: bool,

    /// The gdb stub's tcp port (default: a free one)
    #[arg(
        long,
        value_name = "N",
        value_parser = value_parser!(u16).range(1..),
        requires = "debugger"
    )]
    gdb_port: Option<u16>,

    /// Boot the debuggable build (implied by --gdb and --gdb-stub)
    #[arg(
        long,
        overrides_with = "optimised",
        long_help = "Boot the debuggable build (cargo profile `gdb`: unoptimised, full debug \
                     info;\nimplied by --gdb and --gdb-stub)"
    )]
    debuggable: bool,

    /// Boot the optimised build even with --gdb (the default otherwise)
    #[arg(long, alias = "optimized", overrides_with = "debuggable")]
    optimised: bool,

    /// Use KVM (opt-in: it hangs on some hosts); the default is TCG emulation
    #[arg(long)]
    kvm: bool,

    /// Run under -icount shift=0: guest rdtsc counts instructions (benchmarks)
    #[arg(long)]
    icount: bool,

    /// Run under -icount shift=N: guest time is 2^N ns per instruction, whatever the host's speed
    /// (the tests' --run-for runs use 4)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=10))]
    icount_shift: Option<u8>,

    /// CPUs for the guest, 1 to 8 (QEMU's -smp; without --icount they run in parallel,
    /// multi-threaded TCG)
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=8))]
    smp: u8,

    /// Give up after SECS seconds of wall-clock time (exit status 1)
    #[arg(
        long,
        value_name = "SECS",
        value_parser = parse_timeout,
        allow_negative_numbers = true
    )]
    timeout: Option<Duration>,

    /// Run the programs for SECS s of guest time, then check and end the run
    #[arg(
        long,
        value_name = "SECS",
        value_parser = value_parser!(u64).range(1..),
        long_help = "Run the programs for SECS seconds of guest time, then init stops them, \
                     checks\nmemory and leaks, and ends the run (for programs that run forever)"
    )]
    run_for: Option<u64>,

    /// Guest memory in MiB (default 128; 32 with the viewer)
    // Below 32 MiB the kernel and its boot image do not fit; QEMU's own limit is far above what a
    // test wants.
    #[arg(
        long,
        value_name = "MIB",
        value_parser = value_parser!(u32).range(32..=65536),
        long_help = "Guest memory in MiB (default 128; 32 with the viewer, so its map stays \
                     readable)"
    )]
    memory: Option<u32>,

    /// Run the memory viewer: on the screen, and on this terminal
    #[arg(
        long,
        long_help = "Run the memory viewer: on the screen, and on this terminal (redrawn in \
                     place,\nor plain snapshots when the output is not a terminal)"
    )]
    viewer: bool,

    /// Save the screen as PNG file F when the run ends (implies --viewer)
    #[arg(
        long,
        value_name = "F",
        long_help = "Save the screen as PNG file F when the run ends (QEMU's screendump; \
                     implies\n--viewer)"
    )]
    screenshot: Option<PathBuf>,

    /// Boot with UEFI firmware (OVMF) instead of BIOS
    #[arg(long)]
    uefi: bool,

    /// Boot the kernel with test-only behaviours (used by the tests)
    #[arg(long)]
    test_kernel: bool,

    /// List the user programs and exit
    #[arg(long)]
    list: bool,

    /// Type the next --type once the console shows MARKER
    #[arg(long, value_name = "MARKER", action = ArgAction::Append, allow_hyphen_values = true)]
    type_after: Vec<String>,

    /// Type TEXT on the serial line (\\n Enter, ^c Ctrl-C, {up} ...; docs/drivers.md)
    #[arg(
        long = "type",
        value_name = "TEXT",
        action = ArgAction::Append,
        allow_hyphen_values = true,
        requires = "type_after",
        long_help = "Type TEXT on the serial line (COM1) once the console shows the MARKER of \
                     the\n--type-after before it. Escapes: \\n Enter, \\t Tab, \\b Backspace, \
                     \\e Escape, \\\\,\n^X Ctrl+X, ^^, {up} {down} {left} {right} {home} {end} \
                     {del}"
    )]
    type_text: Vec<String>,

    /// Press the next --keys once the console shows MARKER
    #[arg(long, value_name = "MARKER", action = ArgAction::Append, allow_hyphen_values = true)]
    keys_after: Vec<String>,

    /// Press TEXT's keys on the PS/2 keyboard (QEMU's sendkey; escapes as --type)
    #[arg(
        long,
        value_name = "TEXT",
        action = ArgAction::Append,
        allow_hyphen_values = true,
        requires = "keys_after"
    )]
    keys: Vec<String>,
}

/// `--timeout`: positive seconds, fractions allowed.
fn parse_timeout(value: &str) -> Result<Duration, String> {
    let secs: f64 = value
        .parse()
        .map_err(|_| format!("'{value}' is not a number"))?;
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(format!("'{value}' must be positive"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// What the command line asks for.
#[derive(Debug)]
pub enum ParsedArgs {
    Run(Options),
    List,
}

fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

/// Reads the arguments (without the program's name). Err is clap's: a usage error (exit status
/// 2) or the help (exit status 0); its [`clap::Error::exit`] prints it and exits.
pub fn parse_args<I, T>(args: I) -> Result<ParsedArgs, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv = std::iter::once(OsString::from("runner")).chain(args.into_iter().map(Into::into));
    let matches = Cli::command()
        .try_get_matches_from(argv)
        .map_err(about_qemu)?;
    let cli = Cli::from_arg_matches(&matches).map_err(about_qemu)?;
    let typing = crate::typing::from_matches(&matches)?;
    if cli.list {
        return Ok(ParsedArgs::List);
    }
    let gdb = match (cli.gdb, cli.gdb_stub) {
        (true, _) => Debugger::Interactive,
        (_, true) => Debugger::Stub,
        _ => Debugger::None,
    };
    // Debugging wants the debuggable build unless the user asked for the other one.
    let build = if cli.debuggable || (gdb != Debugger::None && !cli.optimised) {
        Build::Debuggable
    } else {
        Build::Optimised
    };
    let viewer = (cli.viewer || cli.screenshot.is_some()).then(viewer_mode);
    let default_memory = match viewer {
        Some(_) => VIEWER_MEMORY_MIB,
        None => DEFAULT_MEMORY_MIB,
    };
    let interactive = gdb == Debugger::None && brings_input(&cli.programs) && stdin_is_terminal();
    Ok(ParsedArgs::Run(Options {
        headless: cli.headless || !has_display(),
        gdb,
        gdb_port: cli.gdb_port,
        build,
        kvm: cli.kvm,
        icount: cli.icount_shift.or(cli.icount.then_some(0)),
        smp: cli.smp,
        uefi: cli.uefi,
        timeout: cli.timeout,
        run_for: cli.run_for,
        memory_mib: cli.memory.unwrap_or(default_memory),
        programs: cli.programs,
        qemu_args: cli.qemu_args,
        kernel: if cli.test_kernel {
            KernelImage::Test
        } else {
            KernelImage::Normal
        },
        quiet: false,
        viewer,
        screenshot: cli.screenshot,
        interactive,
        typing,
    }))
}

/// Do these command-line words start the input server (a program of theirs reads the terminal)?
fn brings_input(words: &[String]) -> bool {
    words.iter().any(|w| {
        let name = w.split([':', '!']).next().unwrap_or(w);
        name == abi::input::NAME
            || crate::catalog::find(name)
                .is_some_and(|p| p.entry.with().any(|s| s == abi::input::NAME))
    })
}

fn stdin_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

/// clap offers `-- ARG` for an unknown option, "to pass it as a value": here that hands it to
/// QEMU, which is right for one of QEMU's options and wrong for a mistyped one of ours.
fn about_qemu(mut e: clap::Error) -> clap::Error {
    if e.kind() != ErrorKind::UnknownArgument {
        return e;
    }
    e.remove(ContextKind::Suggested);
    let similar = e.get(ContextKind::SuggestedArg).is_some();
    if let (false, Some(ContextValue::String(arg))) = (similar, e.get(ContextKind::InvalidArg)) {
        let tip = format!("to pass '{arg}' to QEMU, put it after '--'");
        e.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![tip.into()]),
        );
    }
    e
}

/// A usage error found after parsing (an unknown program: [`crate::Error::Usage`]), shown as
/// clap shows its own: the message, the usage line and where to find more; exit status 2.
pub fn usage_error(message: impl std::fmt::Display) -> clap::Error {
    Cli::command().error(ErrorKind::InvalidValue, message)
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

    fn parse(args: &[&str]) -> Result<ParsedArgs, clap::Error> {
        parse_args(args)
    }

    fn options(args: &[&str]) -> Options {
        match parse(args) {
            Ok(ParsedArgs::Run(o)) => o,
            other => panic!("expected options from {args:?}, got {other:?}"),
        }
    }

    fn usage_error_of(args: &[&str]) -> clap::Error {
        let e = parse(args).expect_err("a usage error");
        assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
        e
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_flags_programs_and_qemu_args() {
        let o = options(&[
            "--headless",
            "--icount",
            "--timeout",
            "2.5",
            "hello",
            "--",
            "-m",
            "256M",
        ]);
        assert!(o.headless && o.icount == Some(0) && o.gdb == Debugger::None && !o.kvm);
        assert_eq!(o.build, Build::Optimised);
        assert_eq!(o.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(o.programs, ["hello"]);
        assert_eq!(o.qemu_args, ["-m", "256M"]);
    }

    #[test]
    fn smp_is_one_to_eight_cpus() {
        assert_eq!(options(&["hello"]).smp, 1);
        assert_eq!(options(&["--smp", "4", "hello"]).smp, 4);
        assert!(parse(&["--smp", "0", "hello"]).is_err());
        assert!(parse(&["--smp", "9", "hello"]).is_err());
    }

    #[test]
    fn everything_after_the_first_double_dash_goes_to_qemu() {
        let o = options(&["hello", "--", "--help", "-d", "int", "--", "hello"]);
        assert_eq!(o.programs, ["hello"]);
        assert_eq!(o.qemu_args, ["--help", "-d", "int", "--", "hello"]);
    }

    #[test]
    fn program_words_pass_as_they_are_between_options() {
        let o = options(&[
            "attack:3",
            "--kvm",
            "kread!",
            "then",
            "run-for:20",
            "--uefi",
            "test:panic",
        ]);
        assert_eq!(
            o.programs,
            ["attack:3", "kread!", "then", "run-for:20", "test:panic"]
        );
        assert!(o.kvm && o.uefi && o.kernel == KernelImage::Normal);
        assert_eq!(options(&["--test-kernel"]).kernel, KernelImage::Test);
    }

    #[test]
    fn run_for_goes_first_on_the_boot_command_line() {
        let o = options(&["fork", "--run-for", "20", "--memory", "256"]);
        assert_eq!(o.run_for, Some(20));
        assert_eq!(o.memory_mib, 256);
        assert_eq!(o.cmdline(), "run-for:20 fork");
        assert_eq!(abi::cmdline::run_for(&o.cmdline()), Some(20));
        let plain = options(&["hello", "then", "ping"]);
        assert_eq!(plain.cmdline(), "hello then ping");
        assert_eq!(plain.memory_mib, DEFAULT_MEMORY_MIB);
    }

    #[test]
    fn gdb_implies_the_debuggable_build_unless_told_otherwise() {
        let o = options(&["--gdb", "--gdb-port", "4321", "ipcbench"]);
        assert_eq!(
            (o.gdb, o.gdb_port, o.build),
            (Debugger::Interactive, Some(4321), Build::Debuggable)
        );
        let o = options(&["--gdb-stub", "--optimised"]);
        assert_eq!((o.gdb, o.build), (Debugger::Stub, Build::Optimised));
        let o = options(&["--gdb-stub", "--optimized"]);
        assert_eq!(o.build, Build::Optimised, "the American spelling");
        let o = options(&["--debuggable", "ipcbench"]);
        assert_eq!((o.gdb, o.build), (Debugger::None, Build::Debuggable));
    }

    #[test]
    fn the_last_of_competing_or_repeated_options_wins() {
        assert_eq!(options(&["--gdb", "--gdb-stub"]).gdb, Debugger::Stub);
        assert_eq!(options(&["--gdb-stub", "--gdb"]).gdb, Debugger::Interactive);
        assert_eq!(
            options(&["--debuggable", "--optimised"]).build,
            Build::Optimised
        );
        assert_eq!(
            options(&["--gdb", "--optimised", "--debuggable"]).build,
            Build::Debuggable
        );
        let o = options(&[
            "--timeout",
            "5",
            "--timeout",
            "9",
            "--headless",
            "--headless",
        ]);
        assert_eq!(o.timeout, Some(Duration::from_secs(9)));
    }

    #[test]
    fn a_screenshot_runs_the_viewer_in_small_memory() {
        let o = options(&["--screenshot", "a.png", "fork"]);
        assert!(o.viewer.is_some());
        assert_eq!(o.screenshot, Some(PathBuf::from("a.png")));
        assert_eq!(o.memory_mib, VIEWER_MEMORY_MIB);
        assert!(abi::cmdline::viewer(&o.cmdline()).is_some());
        let o = options(&["--viewer", "--memory", "64"]);
        assert_eq!(o.memory_mib, 64);
    }

    #[test]
    fn list_and_help() {
        assert!(matches!(parse(&["--list"]), Ok(ParsedArgs::List)));
        for help in ["-h", "--help"] {
            let e = parse(&[help]).expect_err("help comes as clap's error");
            assert_eq!((e.kind(), e.exit_code()), (ErrorKind::DisplayHelp, 0));
            let text = e.to_string();
            for option in [
                "--headless",
                "--gdb",
                "--gdb-stub",
                "--gdb-port <N>",
                "--debuggable",
                "--optimised",
                "--kvm",
                "--icount",
                "--icount-shift <N>",
                "--timeout <SECS>",
                "--run-for <SECS>",
                "--memory <MIB>",
                "--viewer",
                "--screenshot <F>",
                "--uefi",
                "--test-kernel",
                "--list",
                "[PROGRAM]...",
                "[-- <QEMU-ARGS>...]",
                "exit status: 0 when the guest reports success, 1 otherwise (the reason is \
                 printed),\n2 for usage errors.",
            ] {
                assert!(text.contains(option), "{help} lacks {option:?}:\n{text}");
            }
        }
        let long = parse(&["--help"]).unwrap_err().to_string();
        assert!(long.contains("Examples:\n  cargo run -- --headless --timeout 60 hello"));
        assert!(long.contains("target/gdb-console.log"), "{long}");
    }

    #[test]
    fn a_mistyped_option_gets_a_suggestion_and_no_help_page() {
        let e = usage_error_of(&["--headles", "hello"]);
        assert_eq!(e.kind(), ErrorKind::UnknownArgument);
        let text = e.to_string();
        assert!(
            text.starts_with("error: unexpected argument '--headles' found"),
            "{text}"
        );
        assert!(
            text.contains("tip: a similar argument exists: '--headless'"),
            "{text}"
        );
        assert!(
            text.contains("For more information, try '--help'."),
            "{text}"
        );
        assert!(
            !text.contains("--test-kernel"),
            "the full help buries the error:\n{text}"
        );
        assert!(
            !text.contains("'-- --headles'"),
            "QEMU would get it:\n{text}"
        );
        let text = usage_error_of(&["--run-fro", "20"]).to_string();
        assert!(text.contains("'--run-for'"), "{text}");
        let text = usage_error_of(&["hello", "-m", "256M"]).to_string();
        assert!(
            text.contains("tip: to pass '-m' to QEMU, put it after '--'"),
            "{text}"
        );
    }

    #[test]
    fn rejects_bad_input_with_exit_status_2() {
        for args in [
            &["--gdb-port", "0", "--gdb"][..],
            &["--gdb-port", "70000", "--gdb"],
            &["--gdb-port", "4321"], // a port without gdb
            &["--timeout"],
            &["--timeout", "soon"],
            &["--timeout", "-3"],
            &["--timeout", "inf"],
            &["--frobnicate"],
            &["-x"],
            &["--run-for"],
            &["--run-for", "0"],
            &["--run-for", "2.5"],
            &["--memory", "16"],
            &["--memory", "lots"],
            &["--screenshot"],
        ] {
            usage_error_of(args);
        }
        let text = usage_error_of(&["--timeout", "-3"]).to_string();
        assert!(text.contains("'-3' must be positive"), "{text}");
    }

    #[test]
    fn typing_pairs_come_in_command_line_order() {
        use crate::typing::{Device, Stroke};
        let o = options(&[
            "--type-after",
            "$ ",
            "--type",
            "ls\\n",
            "--keys-after",
            "> ",
            "--keys",
            "^c",
            "--type",
            "-x",
            "hello",
        ]);
        let got: Vec<_> = o
            .typing
            .iter()
            .map(|t| (t.after.as_str(), t.device, t.strokes.len()))
            .collect();
        assert_eq!(
            got,
            [
                ("$ ", Device::Serial, 3),
                ("> ", Device::Keyboard, 1),
                ("$ ", Device::Serial, 2)
            ]
        );
        assert_eq!(o.typing[1].strokes, [Stroke::Ctrl('c')]);
        assert_eq!(o.programs, ["hello"]);
        usage_error_of(&["--type", "x"]); // no marker
        usage_error_of(&["--keys", "x", "--keys-after", "m"]); // the marker after it
        usage_error_of(&["--type-after", "m", "--type", "{nope}"]);
    }

    #[test]
    fn a_late_usage_error_looks_like_clap_s_own() {
        let e = usage_error("unknown program 'helo'");
        assert_eq!(e.exit_code(), 2);
        let text = e.to_string();
        assert!(text.starts_with("error: unknown program 'helo'"), "{text}");
        assert!(
            text.contains("For more information, try '--help'."),
            "{text}"
        );
    }
}
