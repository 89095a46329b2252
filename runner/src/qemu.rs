//! Running QEMU: the command line, the console transcript, the timeout and the verdict.
use crate::image::{build_image, BootImage};
use crate::options::Options;
use crate::screenshot;
use abi::qemu::ExitCode;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

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
}

fn qemu_command(opts: &Options, image: &BootImage) -> Command {
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.arg("-drive")
        .arg(format!("format=raw,file={}", image.disk.display()));
    cmd.arg("-m").arg(format!("{}M", opts.memory_mib));
    cmd.args(["-serial", "stdio", "-no-reboot", "-monitor"]);
    match opts.screenshot {
        Some(_) => cmd.arg(format!(
            "unix:{},server=on,wait=off",
            screenshot::socket_path(&image.dir).display()
        )),
        None => cmd.arg("none"),
    };
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
    if opts.icount {
        cmd.args(["-icount", "shift=0"]);
    }
    if opts.gdb {
        cmd.args(["-s", "-S"]);
    }
    cmd.args(&opts.qemu_args);
    cmd
}

/// Writes `target/gdbinit`: kernel symbols, every user program's symbols (each is linked at its own
/// address), and the connection to QEMU's stub.
fn write_gdbinit(image: &BootImage) -> std::io::Result<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(std::path::Path::new("."));
    let path = root.join("target").join("gdbinit");
    let mut script = format!("set confirm off\nfile {}\n", image.kernel.display());
    for (_, program) in &image.programs {
        script += &format!("add-symbol-file {}\n", program.display());
    }
    script += "target remote localhost:1234\n";
    std::fs::write(&path, script)?;
    Ok(path)
}

/// The UEFI firmware (Debian package `ovmf`).
const OVMF: &str = "/usr/share/OVMF/OVMF_CODE.fd";

/// Builds the image and runs it to the end (or the timeout).
pub fn run(opts: &Options) -> Result<Outcome, String> {
    if opts.uefi && !std::path::Path::new(OVMF).exists() {
        return Err(format!(
            "--uefi needs the UEFI firmware {OVMF} (run `make setup`)"
        ));
    }
    let mut image = build_image(opts)?;
    if opts.gdb {
        image.keep = true;
        let script = write_gdbinit(&image).map_err(|e| format!("writing gdbinit: {e}"))?;
        eprintln!(
            "runner: QEMU is stopped, waiting for gdb on tcp port 1234. In another terminal:"
        );
        eprintln!("runner:     gdb -x {}", script.display());
        eprintln!("runner: (then e.g. `break kernel::boot::start` and `continue`)");
    }
    let mut child = qemu_command(opts, &image)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("starting qemu-system-x86_64: {e} (run `make setup` to install QEMU)")
        })?;

    let transcript = Arc::new(Mutex::new(Vec::new()));
    let echo = !opts.quiet;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let sink = Arc::clone(&transcript);
    let ended = Arc::new(AtomicBool::new(false));
    let end_seen = Arc::clone(&ended);
    let pictures = opts.screenshot.clone().map(|file| {
        let (socket, stop) = (screenshot::socket_path(&image.dir), Arc::clone(&ended));
        std::thread::spawn(move || screenshot::take_pictures(socket, file, stop))
    });
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut all = sink.lock().unwrap();
            all.extend_from_slice(&buf[..n]);
            // (Only the newest bytes, with room for a mark split between two reads.)
            let recent = String::from_utf8_lossy(&all[all.len().saturating_sub(n + 64)..]);
            if screenshot::END_MARKS.iter().any(|m| recent.contains(m)) {
                end_seen.store(true, Ordering::Relaxed);
            }
            drop(all);
            if echo {
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

    let timeout = if opts.gdb { None } else { opts.timeout };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("waiting for QEMU: {e}"))?
        {
            break Some(status);
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let _ = reader.join();
    ended.store(true, Ordering::Relaxed);
    let mut qemu_stderr = err_reader.join().unwrap_or_default();
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
    })
}
