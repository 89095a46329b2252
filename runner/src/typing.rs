//! Typing into the guest: `--type-after MARKER --type TEXT` writes TEXT to the serial line
//! (QEMU's stdin, COM1's receiver) once the console shows MARKER; `--keys-after MARKER --keys
//! TEXT` presses the keys on the PS/2 keyboard through the QEMU monitor's `sendkey`.
//!
//! TEXT is what a person would type, with escapes for the keys that are not characters:
//! `\n` Enter, `\t` Tab, `\b` Backspace, `\e` Escape, `\\` a backslash, `^X` Ctrl+X (a letter;
//! `^^` is a `^`), `{up}` `{down}` `{left}` `{right}` `{home}` `{end}` `{del}` the keys so named.
//! A real newline in TEXT is Enter too.
use clap::ArgMatches;
use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which device the text is typed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// The serial line: bytes on QEMU's stdin.
    Serial,
    /// The PS/2 keyboard: `sendkey` on the QEMU monitor.
    Keyboard,
}

/// One `--type-after`/`--type` (or `--keys-after`/`--keys`) pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typing {
    pub after: String,
    pub device: Device,
    pub strokes: Vec<Stroke>,
}

/// One key typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stroke {
    Char(char),
    Enter,
    Tab,
    Backspace,
    Escape,
    /// Ctrl + a lower-case letter.
    Ctrl(char),
    Named(Named),
}

/// The keys `{name}` stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    Delete,
}

const NAMED: [(&str, Named, &str, &str); 7] = [
    // (name in TEXT, key, QEMU qcode, what a terminal sends)
    ("up", Named::Up, "up", "\x1b[A"),
    ("down", Named::Down, "down", "\x1b[B"),
    ("right", Named::Right, "right", "\x1b[C"),
    ("left", Named::Left, "left", "\x1b[D"),
    ("home", Named::Home, "home", "\x1b[H"),
    ("end", Named::End, "end", "\x1b[F"),
    ("del", Named::Delete, "delete", "\x1b[3~"),
];

/// The `--type`/`--keys` texts in command-line order, each with the marker given last before it.
pub fn from_matches(matches: &ArgMatches) -> Result<Vec<Typing>, clap::Error> {
    let indexed = |id: &str| -> Vec<(usize, String)> {
        match (matches.indices_of(id), matches.get_many::<String>(id)) {
            (Some(at), Some(values)) => at.zip(values.cloned()).collect(),
            _ => Vec::new(),
        }
    };
    let mut all = Vec::new();
    for (text_id, after_id, device) in [
        ("type_text", "type_after", Device::Serial),
        ("keys", "keys_after", Device::Keyboard),
    ] {
        let markers = indexed(after_id);
        for (at, text) in indexed(text_id) {
            let Some((_, after)) = markers.iter().rev().find(|(m, _)| *m < at) else {
                return Err(crate::options::usage_error(format!(
                    "{text:?} has no marker before it (--type-after or --keys-after)"
                )));
            };
            let strokes = parse_text(&text).map_err(crate::options::usage_error)?;
            all.push((
                at,
                Typing {
                    after: after.clone(),
                    device,
                    strokes,
                },
            ));
        }
    }
    all.sort_by_key(|(at, _)| *at);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

/// Reads TEXT's escapes (see the module's comment).
pub fn parse_text(text: &str) -> Result<Vec<Stroke>, String> {
    let mut strokes = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let stroke = match c {
            '\n' | '\r' => Stroke::Enter,
            '\t' => Stroke::Tab,
            '\\' => match chars.next() {
                Some('n') => Stroke::Enter,
                Some('t') => Stroke::Tab,
                Some('b') => Stroke::Backspace,
                Some('e') => Stroke::Escape,
                Some('\\') => Stroke::Char('\\'),
                other => return Err(format!("unknown escape \\{} in {text:?}", opt(other))),
            },
            '^' => match chars.next() {
                Some('^') => Stroke::Char('^'),
                Some(l) if l.is_ascii_alphabetic() => Stroke::Ctrl(l.to_ascii_lowercase()),
                other => return Err(format!("^{} is not Ctrl+letter in {text:?}", opt(other))),
            },
            '{' => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                match NAMED.iter().find(|n| n.0 == name) {
                    Some(n) => Stroke::Named(n.1),
                    None => return Err(format!("unknown key {{{name}}} in {text:?}")),
                }
            }
            c if c.is_control() => return Err(format!("control character {c:?} in {text:?}")),
            c => Stroke::Char(c),
        };
        strokes.push(stroke);
    }
    Ok(strokes)
}

fn opt(c: Option<char>) -> String {
    c.map_or("(end)".into(), String::from)
}

/// The bytes a terminal sends for `strokes` (Enter as `\r`, as a terminal in raw mode does).
pub fn serial_bytes(strokes: &[Stroke]) -> Vec<u8> {
    let mut out = String::new();
    for stroke in strokes {
        match *stroke {
            Stroke::Char(c) => out.push(c),
            Stroke::Enter => out.push('\r'),
            Stroke::Tab => out.push('\t'),
            Stroke::Backspace => out.push('\x7f'),
            Stroke::Escape => out.push('\x1b'),
            Stroke::Ctrl(l) => out.push((l as u8 - b'a' + 1) as char),
            Stroke::Named(n) => out.push_str(NAMED.iter().find(|e| e.1 == n).map_or("", |e| e.3)),
        }
    }
    out.into_bytes()
}

/// The `sendkey` argument (QEMU's key names) for one stroke; `None` for a character the US
/// keyboard has no key for.
pub fn sendkey_name(stroke: Stroke) -> Option<String> {
    Some(match stroke {
        Stroke::Enter => "ret".into(),
        Stroke::Tab => "tab".into(),
        Stroke::Backspace => "backspace".into(),
        Stroke::Escape => "esc".into(),
        Stroke::Ctrl(l) => format!("ctrl-{l}"),
        Stroke::Named(n) => NAMED.iter().find(|e| e.1 == n)?.2.into(),
        Stroke::Char(c) => char_key(c)?,
    })
}

/// The US layout: the unshifted and shifted character of each key with a qcode name.
const KEYS: [(&str, char, char); 11] = [
    ("minus", '-', '_'),
    ("equal", '=', '+'),
    ("bracket_left", '[', '{'),
    ("bracket_right", ']', '}'),
    ("backslash", '\\', '|'),
    ("semicolon", ';', ':'),
    ("apostrophe", '\'', '"'),
    ("grave_accent", '`', '~'),
    ("comma", ',', '<'),
    ("dot", '.', '>'),
    ("slash", '/', '?'),
];
const SHIFTED_DIGITS: &str = ")!@#$%^&*(";

fn char_key(c: char) -> Option<String> {
    if c == ' ' {
        return Some("spc".into());
    }
    if c.is_ascii_lowercase() || c.is_ascii_digit() {
        return Some(c.to_string());
    }
    if c.is_ascii_uppercase() {
        return Some(format!("shift-{}", c.to_ascii_lowercase()));
    }
    if let Some(d) = SHIFTED_DIGITS.find(c) {
        return Some(format!("shift-{d}"));
    }
    let (name, plain, _) = KEYS.iter().find(|k| k.1 == c || k.2 == c)?;
    Some(if *plain == c {
        name.to_string()
    } else {
        format!("shift-{name}")
    })
}

/// Where the keyboard's monitor listens (beside the screenshot's).
pub fn keys_monitor(monitor: &Path) -> PathBuf {
    monitor.with_extension("keys")
}

/// Types each of `typings` once the console (`transcript`) shows its marker after the previous
/// one's; serial text goes to `serial` (QEMU's stdin). Stops when `stop` is set.
pub fn type_all(
    typings: Vec<Typing>,
    transcript: Arc<Mutex<Vec<u8>>>,
    mut serial: Option<impl Write>,
    monitor: PathBuf,
    stop: Arc<AtomicBool>,
) {
    let mut seen = 0;
    let mut keys: Option<Monitor> = None;
    for typing in typings {
        let marker = typing.after.as_bytes();
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let all = transcript.lock().unwrap();
            if let Some(at) = find(&all[seen..], marker) {
                seen += at + marker.len();
                break;
            }
            drop(all);
            std::thread::sleep(Duration::from_millis(20));
        }
        match typing.device {
            Device::Serial => {
                if let Some(out) = serial.as_mut() {
                    let _ = out.write_all(&serial_bytes(&typing.strokes));
                    let _ = out.flush();
                }
            }
            Device::Keyboard => {
                if keys.is_none() {
                    keys = Monitor::connect(&monitor, &stop);
                }
                let Some(m) = keys.as_mut() else { return };
                for name in typing.strokes.iter().filter_map(|&s| sendkey_name(s)) {
                    if !m.command(&format!("sendkey {name} 20")) {
                        return;
                    }
                    // A PS/2 controller holds a few bytes: let the driver take each key.
                    std::thread::sleep(Duration::from_millis(40));
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A QEMU monitor on a Unix socket.
struct Monitor {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Monitor {
    fn connect(socket: &Path, stop: &AtomicBool) -> Option<Monitor> {
        let stream = crate::screenshot::connect(socket, stop)?;
        let mut m = Monitor {
            reader: BufReader::new(stream.try_clone().ok()?),
            writer: stream,
        };
        crate::screenshot::wait_for_prompt(&mut m.reader).then_some(m)
    }

    fn command(&mut self, command: &str) -> bool {
        self.writer
            .write_all(format!("{command}\n").as_bytes())
            .is_ok()
            && crate::screenshot::wait_for_prompt(&mut self.reader)
    }
}

/// Raw mode on the terminal (stdin) while it lives: keys reach the guest as typed.
pub struct RawTerminal(libc::termios);

/// Ctrl-]: ends an interactive run (as telnet's escape).
pub const QUIT_KEY: u8 = 0x1d;

impl RawTerminal {
    pub fn enter() -> Option<RawTerminal> {
        // SAFETY: tcgetattr and tcsetattr on fd 0 with a termios we own; a failure leaves the
        // terminal as it was and is reported as None.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut saved) != 0 {
                return None;
            }
            let mut raw = saved;
            libc::cfmakeraw(&mut raw);
            raw.c_oflag |= libc::OPOST | libc::ONLCR; // the guest's "\n" still starts a line
            (libc::tcsetattr(0, libc::TCSANOW, &raw) == 0).then_some(RawTerminal(saved))
        }
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `enter` on the same descriptor.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_read_as_keys() {
        let s = parse_text("aB \\n^c{up}\\\\^^\\b").unwrap();
        use Stroke::*;
        assert_eq!(
            s,
            [
                Char('a'),
                Char('B'),
                Char(' '),
                Enter,
                Ctrl('c'),
                Named(self::Named::Up),
                Char('\\'),
                Char('^'),
                Backspace
            ]
        );
        for bad in ["\\q", "^1", "{nope}", "^", "\\", "a\u{7}"] {
            assert!(parse_text(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serial_bytes_are_a_terminal_s() {
        let s = parse_text("hi\\n^c{left}\\b").unwrap();
        assert_eq!(serial_bytes(&s), b"hi\r\x03\x1b[D\x7f");
    }

    #[test]
    fn sendkey_names_follow_the_us_layout() {
        let names: Vec<_> = parse_text("aZ5% -_?\\n^c{up}{del}\\e")
            .unwrap()
            .into_iter()
            .map(|s| sendkey_name(s).unwrap_or_default())
            .collect();
        assert_eq!(
            names,
            [
                "a",
                "shift-z",
                "5",
                "shift-5",
                "spc",
                "minus",
                "shift-minus",
                "shift-slash",
                "ret",
                "ctrl-c",
                "up",
                "delete",
                "esc"
            ]
        );
        assert_eq!(sendkey_name(Stroke::Char('é')), None);
    }
}
