//! gdb's side of a run: the stub's port, the commands that load every binary's symbols and the
//! `mikros` extension (runner/gdb/mikros.py), and running gdb in this terminal or in batch mode.
use crate::checkout;
use crate::image::BootImage;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The gdb stub's port: the one asked for, or a free one (the OS picks it; QEMU binds it a moment
/// later, so another program could take it in between, which QEMU would then report).
pub fn pick_port(wanted: Option<u16>) -> Result<u16, String> {
    if let Some(port) = wanted {
        return Ok(port);
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("finding a free tcp port for gdb: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("finding a free tcp port for gdb: {e}"))
}

/// The extension's entry point, from this checkout: it loads its modules (runner/gdb/mikros/) and,
/// `source`d again in a running gdb, reloads them after an edit.
pub fn extension() -> PathBuf {
    checkout::root().join("runner/gdb/mikros.py")
}

/// The commands every session starts with: symbols of the kernel and of each program (each is
/// linked at its own address, so all are valid at once), the extension, and the connection.
pub fn startup_commands(image: &BootImage, port: u16) -> Vec<String> {
    let mut commands = vec![
        "set confirm off".to_string(),
        format!("file {}", image.kernel.display()),
    ];
    // Quietly: a line per program would fill the first screen and stop at gdb's pager.
    for program in &image.programs {
        commands.push(format!(
            "python gdb.execute('add-symbol-file {}', to_string=True)",
            program.path.display()
        ));
    }
    commands.push(format!("source {}", extension().display()));
    commands.push(format!("target remote localhost:{port}"));
    commands
}

/// Writes `target/gdbinit` for a gdb started by hand (`gdb -x target/gdbinit`).
pub fn write_gdbinit(commands: &[String]) -> Result<PathBuf, String> {
    let path = checkout::root().join("target/gdbinit");
    std::fs::write(&path, commands.join("\n") + "\n")
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs gdb in this terminal with `gdbinit` until the user quits it. gdb gets the terminal to
/// itself (its own process group in the foreground), so Ctrl-C interrupts the guest rather than
/// ending the runner, make, or QEMU.
pub fn interactive(gdbinit: &PathBuf) -> Result<ExitStatus, String> {
    let mut gdb = Command::new("gdb");
    gdb.arg("-q").arg("-x").arg(gdbinit);
    terminal::run_in_foreground(gdb).map_err(|e| format!("running gdb: {e} (run `make setup`)"))
}

/// Runs `commands` after `startup` in a batch-mode gdb; returns everything it printed, or an error
/// if it did not end within `timeout`.
pub fn batch(startup: &[String], commands: &[String], timeout: Duration) -> Result<String, String> {
    let mut gdb = Command::new("gdb");
    gdb.args(["-nx", "-batch"]);
    for command in startup.iter().chain(commands) {
        gdb.arg("-ex").arg(command);
    }
    let child = gdb
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting gdb: {e} (run `make setup`)"))?;
    wait_for_output(child, timeout)
}

fn wait_for_output(mut child: Child, timeout: Duration) -> Result<String, String> {
    use std::io::Read;
    let (mut out, mut err) = (child.stdout.take(), child.stderr.take());
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(err) = err.as_mut() {
            let _ = err.read_to_string(&mut text);
        }
        text
    });
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(out) = out.as_mut() {
            let _ = out.read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let finished = loop {
        match child.try_wait() {
            Ok(Some(_)) => break true,
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break false;
            }
        }
    };
    let text = stdout.join().unwrap_or_default() + &stderr.join().unwrap_or_default();
    if finished {
        Ok(text)
    } else {
        Err(format!(
            "gdb did not finish within {timeout:?}; it printed:\n{text}"
        ))
    }
}

/// Terminal ownership, as a shell does it for a foreground job.
mod terminal {
    use std::io;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, ExitStatus};

    /// Makes process group `group` the terminal's foreground group (if stdin is a terminal).
    /// Safe to call between fork and exec: it only makes async-signal-safe calls.
    fn hand_terminal_to(group: libc::pid_t) {
        // SAFETY: plain system calls on fd 0 and signal dispositions; SIGTTOU is ignored around
        // `tcsetpgrp` because a background group calling it would otherwise be stopped, and the
        // previous disposition is restored.
        unsafe {
            let previous = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            libc::tcsetpgrp(0, group);
            libc::signal(libc::SIGTTOU, previous);
        }
    }

    /// Runs `command` as the terminal's foreground job and waits for it; then takes the terminal
    /// back. Without a terminal it simply runs it.
    pub fn run_in_foreground(mut command: Command) -> io::Result<ExitStatus> {
        // SAFETY: `isatty` only inspects fd 0.
        let on_terminal = unsafe { libc::isatty(0) } == 1;
        if !on_terminal {
            return command.status();
        }
        command.process_group(0);
        // SAFETY: the closure runs in the child between fork and exec and makes only
        // async-signal-safe calls (`getpid`, `signal`, `tcsetpgrp`). Both sides hand over the
        // terminal, so the child owns it before it can read, whichever runs first.
        unsafe {
            command.pre_exec(|| {
                hand_terminal_to(libc::getpid());
                Ok(())
            });
        }
        let mut child = command.spawn()?;
        hand_terminal_to(child.id() as libc::pid_t);
        let status = child.wait();
        // SAFETY: `getpgrp` has no preconditions.
        hand_terminal_to(unsafe { libc::getpgrp() });
        status
    }
}
