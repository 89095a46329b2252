//! Running QEMU: the command line, the console transcript, the timeout and the verdict.
use crate::image::{build_image, BootImage};
use crate::options::{Debugger, Options};
use crate::typing::{self, Device};
use crate::{checkout, gdb, screenshot, Error};
use abi::qemu::ExitCode;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The guest reported success (isa-debug-exit).
    Success,
    /// The guest reported that something it ran failed.
    GuestFailure,
    /// The kernel panicked (message in the transcript).
    KernelPanic,
    /// Wall-clock timeout; QEMU was killed.
    Timeout,
    /// QEMU ended without a verdict from the guest (triple fault, QEMU error...).
    QemuExited(Option<i32>),
    /// gdb ended while the guest still ran; QEMU was stopped with it.
    EndedWithGdb,
    /// The user ended an interactive run (Ctrl-]); QEMU was stopped.
    Quit,
}

impl Verdict {
    pub fn is_success(&self) -> bool {
        *self == Verdict::Success
    }

    pub fn describe(&self) -> String {
        match self {
            Verdict::Success => "guest reported success".into(),
            Verdict::GuestFailure => "guest reported failure".into(),
            Verdict::KernelPanic => "kernel panic (see the console output above)".into(),
            Verdict::Timeout => "timed out; QEMU was stopped".into(),
            Verdict::QemuExited(Some(code)) => format!(
                "QEMU exited with status {code} without a verdict from the guest (triple fault or QEMU error?)"
            ),
            Verdict::QemuExited(None) => "QEMU was killed by a signal".into(),
            Verdict::EndedWithGdb => "gdb ended; QEMU was stopped with it".into(),
            Verdict::Quit => "ended from the terminal (Ctrl-]); QEMU was stopped".into(),
        }
    }
}

/// The result of a run: the verdict, everything the guest printed on its serial console, and what
/// QEMU itself printed on stderr.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub verdict: Verdict,
    pub transcript: String,
    pub qemu_stderr: String,
    /// What gdb printed, in batch mode ([`Debugger::Batch`]).
    pub gdb_output: String,
}

/// The descriptor QEMU finds the disk image at (`/dev/fd/3`): the image is deleted before QEMU
/// starts, so the open file is passed on instead of a path.
const DISK_FD: i32 = 3;

fn qemu_command(opts: &Options, image: &BootImage, gdb_port: Option<u16>) -> Command {
    let mut cmd = Command::new("qemu-system-x86_64");
    // q35: the firmware reads the boot disk through AHCI rather than port-by-port IDE (a third
    // less CPU for a `hello` run); no network card, so no option ROM for the firmware to run.
    cmd.args(["-machine", "q35", "-nic", "none"]);
    cmd.arg("-drive")
        .arg(format!("format=raw,file=/dev/fd/{DISK_FD}"));
    cmd.arg("-m").arg(format!("{}M", opts.memory_mib));
    cmd.args(["-serial", "stdio", "-no-reboot", "-monitor"]);
    match opts.screenshot {
        Some(_) => cmd.arg(format!(
            "unix:{},server=on,wait=off",
            image.monitor.display()
        )),
        None => cmd.arg("none"),
    };
    if opts.typing.iter().any(|t| t.device == Device::Keyboard) {
        let keys = typing::keys_monitor(&image.monitor);
        cmd.arg("-monitor")
            .arg(format!("unix:{},server=on,wait=off", keys.display()));
    }
    cmd.args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    if opts.uefi {
        cmd.args(["-bios", OVMF]);
    }
    if opts.kvm {
        cmd.args(["-enable-kvm", "-cpu", "host"]);
    } else {
        // `max` gives TCG guests SMEP, SMAP and NX.
        cmd.args(["-cpu", "max"]);
    }
    if opts.headless {
        cmd.args(["-display", "none"]);
    }
    if let Some(shift) = opts.icount {
        // sleep=off: while the guest halts, its clock jumps to the next timer instead of
        // following the host's, so a run that idles is as deterministic as one that does not.
        cmd.arg("-icount").arg(format!("shift={shift},sleep=off"));
    }
    if opts.smp > 1 {
        cmd.arg("-smp").arg(opts.smp.to_string());
        // One host thread per CPU (real parallelism); under -icount QEMU runs them in turn on
        // one thread, which keeps the instruction counts deterministic.
        if opts.icount.is_none() && !opts.kvm {
            cmd.args(["-accel", "tcg,thread=multi"]);
        }
    }
    if let Some(port) = gdb_port {
        cmd.arg("-gdb")
            .arg(format!("tcp:127.0.0.1:{port}"))
            .arg("-S");
    }
    cmd.args(&opts.qemu_args);
    // Its own process group: a Ctrl-C meant for gdb must not end QEMU. (A Ctrl-C without gdb ends
    // the runner, and so QEMU, below.)
    cmd.process_group(0);
    let disk = image.disk.as_raw_fd();
    // SAFETY: runs in the child between fork and exec, making only async-signal-safe calls:
    // `dup2` and `fcntl` give QEMU the image at `DISK_FD` (without close-on-exec), and
    // PR_SET_PDEATHSIG ends QEMU when the runner ends, however it ends (so no QEMU is left
    // holding the gdb port). `disk` stays open in the parent until QEMU has started.
    unsafe {
        cmd.pre_exec(move || {
            // (`dup2` onto itself would keep close-on-exec: clear it explicitly.)
            if libc::dup2(disk, DISK_FD) < 0
                || libc::fcntl(DISK_FD, libc::F_SETFD, 0) < 0
                || libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) < 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// The UEFI firmware (Debian package `ovmf`).
const OVMF: &str = "/usr/share/OVMF/OVMF_CODE.fd";

/// Where the guest's console goes while gdb runs in the terminal.
pub fn gdb_console_log() -> std::path::PathBuf {
    checkout::root().join("target/gdb-console.log")
}

/// Builds the image and runs it to the end (or the timeout, or the end of the gdb session).
pub fn run(opts: &Options) -> Result<Outcome, Error> {
    checkout::check()?;
    if opts.uefi && !std::path::Path::new(OVMF).exists() {
        return Err(format!("--uefi needs the UEFI firmware {OVMF} (run `make setup`)").into());
    }
    let image = build_image(opts)?;
    let gdb_port = match opts.gdb {
        Debugger::None => None,
        _ => Some(gdb::pick_port(opts.gdb_port)?),
    };
    let gdb_commands = gdb_port.map(|port| gdb::startup_commands(&image, port));
    let gdbinit = match (&opts.gdb, &gdb_commands) {
        (Debugger::Stub | Debugger::Interactive, Some(commands)) => {
            Some(gdb::write_gdbinit(commands)?)
        }
        _ => None,
    };
    // With gdb in this terminal the console would garble its prompt: it goes to a file.
    let console_log = match opts.gdb {
        Debugger::Interactive => {
            let path = gdb_console_log();
            let file = std::fs::File::create(&path)
                .map_err(|e| format!("creating {}: {e}", path.display()))?;
            eprintln!(
                "runner: the guest's console goes to {} (`tail -f` it in another terminal, or \
                 `mikros console` in gdb)",
                path.display()
            );
            Some(file)
        }
        _ => None,
    };
    if let (Debugger::Stub, Some(script), Some(port)) = (&opts.gdb, &gdbinit, gdb_port) {
        eprintln!("runner: QEMU is stopped, its gdb stub on tcp port {port}. In another terminal:");
        eprintln!("runner:     gdb -x {}", script.display());
        eprintln!("runner: (then e.g. `break kernel::boot::start` and `continue`)");
    }
    // The serial line's input: what --type types, or the terminal in an interactive run.
    let serial_in = !opts.typing.is_empty() || opts.interactive;
    let mut child = qemu_command(opts, &image, gdb_port)
        .stdin(if serial_in {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("starting qemu-system-x86_64: {e} (run `make setup` to install QEMU)")
        })?;
    // QEMU holds the disk now; the monitor socket (if any) is removed after the run.
    let monitor = image.monitor.clone();
    drop(image);

    let transcript = Arc::new(Mutex::new(Vec::new()));
    let echo = !opts.quiet;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let sink = Arc::clone(&transcript);
    let ended = Arc::new(AtomicBool::new(false));
    let end_seen = Arc::clone(&ended);
    let pictures = opts.screenshot.clone().map(|file| {
        let (socket, stop) = (monitor.clone(), Arc::clone(&ended));
        std::thread::spawn(move || screenshot::take_pictures(socket, file, stop))
    });
    let quit = Arc::new(AtomicBool::new(false));
    let serial = child
        .stdin
        .take()
        .map(|s| std::fs::File::from(std::os::fd::OwnedFd::from(s)));
    let raw_terminal = match (&serial, opts.interactive) {
        (Some(serial), true) => {
            let raw = typing::RawTerminal::enter();
            if raw.is_some() {
                eprint!("runner: the terminal is the guest's serial line; Ctrl-] quits\r\n");
            }
            let (serial, quit) = (serial.try_clone().ok(), Arc::clone(&quit));
            std::thread::spawn(move || forward_terminal(serial, quit));
            raw
        }
        _ => None,
    };
    if !opts.typing.is_empty() {
        let (typings, sink) = (opts.typing.clone(), Arc::clone(&transcript));
        let serial = serial.as_ref().and_then(|s| s.try_clone().ok());
        let (socket, stop) = (typing::keys_monitor(&monitor), Arc::clone(&ended));
        std::thread::spawn(move || typing::type_all(typings, sink, serial, socket, stop));
    }
    let reader = std::thread::spawn(move || {
        let mut console_log = console_log;
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut all = sink.lock().unwrap();
            all.extend_from_slice(&buf[..n]);
            // (Only the newest bytes, with room for a mark split between two reads. A mark counts
            // at the start of a line only: the kernel marks other programs' lines with their
            // names, so only init can print one there.)
            let recent = String::from_utf8_lossy(&all[all.len().saturating_sub(n + 64)..]);
            if screenshot::END_MARKS
                .iter()
                .any(|m| recent.contains(&format!("\n{m}")))
            {
                end_seen.store(true, Ordering::Relaxed);
            }
            drop(all);
            if let Some(log) = console_log.as_mut() {
                let _ = log.write_all(&buf[..n]);
            } else if echo {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(&buf[..n]);
                let _ = out.flush();
            }
        }
    });
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    // With gdb in charge, the run lasts as long as gdb does; QEMU goes with it.
    let mut gdb_output = String::new();
    let gdb_result = match (&opts.gdb, &gdbinit, &gdb_commands) {
        (Debugger::Interactive, Some(script), _) => Some(gdb::interactive(script).map(drop)),
        (Debugger::Batch(commands), _, Some(startup)) => {
            let timeout = opts.timeout.unwrap_or(Duration::from_secs(600));
            Some(gdb::batch(startup, commands, timeout).map(|out| gdb_output = out))
        }
        _ => None,
    };
    let ended_with_gdb = gdb_result.is_some();
    let status = if ended_with_gdb {
        let ended = child
            .try_wait()
            .map_err(|e| format!("waiting for QEMU: {e}"))?;
        if ended.is_none() {
            let _ = child.kill();
        }
        let _ = child.wait();
        ended
    } else {
        let timeout = if opts.gdb == Debugger::None {
            opts.timeout
        } else {
            None
        };
        wait(&mut child, timeout, &quit)?
    };
    drop(raw_terminal);
    let _ = reader.join();
    ended.store(true, Ordering::Relaxed);
    let _ = std::fs::remove_file(&monitor);
    let _ = std::fs::remove_file(typing::keys_monitor(&monitor));
    let mut qemu_stderr = err_reader.join().unwrap_or_default();
    if let Some(Err(e)) = gdb_result {
        return Err(format!("{e}\n--- qemu stderr ---\n{qemu_stderr}").into());
    }
    if let (Some(pictures), Some(file)) = (pictures, &opts.screenshot) {
        if pictures.join().unwrap_or(false) {
            eprintln!("runner: screenshot saved to {}", file.display());
        } else {
            qemu_stderr += &format!(
                "runner: no screenshot could be taken for {}\n",
                file.display()
            );
        }
    }
    if echo && opts.viewer == Some(abi::cmdline::ViewerMode::Tty) {
        print!("\x1b[r"); // the viewer's scrolling region, undone
    }
    let verdict = match status {
        None if ended_with_gdb => Verdict::EndedWithGdb,
        None if quit.load(Ordering::Relaxed) => Verdict::Quit,
        None => Verdict::Timeout,
        Some(status) => match status.code().map(|c| (c, ExitCode::from_qemu_status(c))) {
            Some((_, Some(ExitCode::Success))) => Verdict::Success,
            Some((_, Some(ExitCode::Failure))) => Verdict::GuestFailure,
            Some((_, Some(ExitCode::KernelPanic))) => Verdict::KernelPanic,
            Some((code, None)) => Verdict::QemuExited(Some(code)),
            None => Verdict::QemuExited(None),
        },
    };
    let transcript = String::from_utf8_lossy(&transcript.lock().unwrap()).replace("\r\n", "\n");
    Ok(Outcome {
        verdict,
        transcript,
        qemu_stderr,
        gdb_output,
    })
}

/// Copies the terminal to the serial line until Ctrl-] ([`typing::QUIT_KEY`]) or the end of
/// input, then sets `quit`.
fn forward_terminal(mut serial: Option<std::fs::File>, quit: Arc<AtomicBool>) {
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 256];
    while let (Ok(n @ 1..), Some(out)) = (stdin.read(&mut buf), serial.as_mut()) {
        let typed = &buf[..n];
        let end = typed.iter().position(|&b| b == typing::QUIT_KEY);
        if out.write_all(&typed[..end.unwrap_or(n)]).is_err() || end.is_some() {
            break;
        }
    }
    quit.store(true, Ordering::Relaxed);
}

/// Waits for QEMU to end, or kills it after `timeout` or once `quit` is set; `None` means it was
/// killed.
fn wait(
    child: &mut Child,
    timeout: Option<Duration>,
    quit: &AtomicBool,
) -> Result<Option<ExitStatus>, String> {
    let started = Instant::now();
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("waiting for QEMU: {e}"))?
        {
            return Ok(Some(status));
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) || quit.load(Ordering::Relaxed) {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
