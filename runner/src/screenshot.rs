//! `--screenshot FILE`: QEMU's monitor on a Unix socket, asked for a PNG `screendump` once a second
//! until the run's end shows on the console; the last picture before the end is kept (QEMU stops
//! the moment the guest ends the run, so the dump cannot wait for that).
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Console lines that mean the programs are over: the picture is taken before them.
pub const END_MARKS: [&str; 3] = [
    "init: time is up",
    "init: all programs done",
    "kernel: shutdown",
];

/// Takes pictures into `file` until `stop` is set or QEMU goes; returns whether one was saved.
pub fn take_pictures(socket: PathBuf, file: PathBuf, stop: Arc<AtomicBool>) -> bool {
    let Some(stream) = connect(&socket, &stop) else {
        return false;
    };
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return false,
    });
    let mut writer = stream;
    let partial = file.with_extension("partial.png");
    let mut saved = false;
    if !wait_for_prompt(&mut reader) {
        return false;
    }
    while !stop.load(Ordering::Relaxed) {
        let command = format!("screendump {} -f png\n", partial.display());
        if writer.write_all(command.as_bytes()).is_err() || !wait_for_prompt(&mut reader) {
            break;
        }
        // Only a dump taken before the end counts (the one in flight may show the checks).
        if !stop.load(Ordering::Relaxed) && std::fs::rename(&partial, &file).is_ok() {
            saved = true;
        }
        std::thread::sleep(Duration::from_millis(1000));
    }
    let _ = std::fs::remove_file(&partial);
    saved
}

pub fn connect(socket: &Path, stop: &AtomicBool) -> Option<UnixStream> {
    for _ in 0..200 {
        if let Ok(s) = UnixStream::connect(socket) {
            return Some(s);
        }
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Reads the monitor's output up to its `(qemu) ` prompt; false if the monitor went away.
pub fn wait_for_prompt(reader: &mut BufReader<UnixStream>) -> bool {
    let mut seen = Vec::new();
    loop {
        let mut byte = Vec::new();
        match reader.read_until(b' ', &mut byte) {
            Ok(0) | Err(_) => return false,
            Ok(_) => seen.extend_from_slice(&byte),
        }
        if seen.ends_with(b"(qemu) ") {
            return true;
        }
    }
}
