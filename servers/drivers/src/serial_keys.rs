//! Bytes from a terminal (the serial line) to keys: `\r` or `\n` Enter (`\r\n` once), DEL and BS
//! Backspace, Ctrl+letter for the other control bytes (0x03 is Ctrl-C), UTF-8 characters, and the
//! ANSI escape sequences terminals send for the arrows and editing keys (`ESC [ A`, `ESC O A`,
//! `ESC [ 3 ~` ...). A lone ESC is Escape once nothing follows it for a moment ([`Decoder::idle`]).
use userlib::abi::input::Key;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    /// After `\r`: a `\n` right after it is the same Enter.
    AfterReturn,
    /// After ESC.
    Escape,
    /// Inside `ESC [` or `ESC O`, with the number read so far.
    Sequence(u16),
    /// Inside a UTF-8 character: what it has so far, and how many bytes are still to come.
    Utf8(u32, u8),
}

/// The terminal's state between bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decoder {
    state: State,
}

impl Decoder {
    pub const fn new() -> Decoder {
        Decoder {
            state: State::Ground,
        }
    }

    /// Takes one byte; `emit` gets the keys it completes (at most two: a lone ESC and the key
    /// after it).
    pub fn feed(&mut self, byte: u8, emit: &mut impl FnMut(Key)) {
        let state = core::mem::take(&mut self.state);
        match state {
            State::AfterReturn if byte == b'\n' => {}
            State::Escape => match byte {
                b'[' | b'O' => self.state = State::Sequence(0),
                _ => {
                    emit(Key::Escape);
                    self.feed(byte, emit);
                }
            },
            State::Sequence(n) => match byte {
                b'0'..=b'9' => {
                    let n = n.saturating_mul(10).saturating_add((byte - b'0') as u16);
                    self.state = State::Sequence(n);
                }
                b';' => self.state = State::Sequence(n),
                0x40..=0x7E => {
                    if let Some(key) = sequence(n, byte) {
                        emit(key);
                    }
                }
                _ => {} // not a sequence after all: dropped
            },
            State::Utf8(so_far, left) if byte & 0xC0 == 0x80 => {
                let so_far = so_far << 6 | (byte & 0x3F) as u32;
                match left {
                    1 => emit(char::from_u32(so_far).map_or(Key::Char('?'), Key::Char)),
                    _ => self.state = State::Utf8(so_far, left - 1),
                }
            }
            State::Utf8(..) => {
                emit(Key::Char('?'));
                self.feed(byte, emit);
            }
            State::Ground | State::AfterReturn => self.ground(byte, emit),
        }
    }

    fn ground(&mut self, byte: u8, emit: &mut impl FnMut(Key)) {
        match byte {
            b'\r' => {
                emit(Key::Enter);
                self.state = State::AfterReturn;
            }
            b'\n' => emit(Key::Enter),
            0x7F | 0x08 => emit(Key::Backspace),
            b'\t' => emit(Key::Tab),
            0x1B => self.state = State::Escape,
            0x01..=0x1A => emit(Key::Ctrl(b'a' + byte - 1)),
            0x00 | 0x1C..=0x1F => {}
            0x20..=0x7E => emit(Key::Char(byte as char)),
            0xC2..=0xDF => self.state = State::Utf8((byte & 0x1F) as u32, 1),
            0xE0..=0xEF => self.state = State::Utf8((byte & 0x0F) as u32, 2),
            0xF0..=0xF4 => self.state = State::Utf8((byte & 0x07) as u32, 3),
            _ => emit(Key::Char('?')),
        }
    }

    /// Nothing more came for a while: an ESC on its own was the Escape key.
    pub fn idle(&mut self, emit: &mut impl FnMut(Key)) {
        if self.state == State::Escape {
            emit(Key::Escape);
        }
        if self.state != State::AfterReturn {
            self.state = State::Ground;
        }
    }

    /// Is a key half read (so [`Decoder::idle`] is worth calling after a pause)?
    pub fn pending(&self) -> bool {
        !matches!(self.state, State::Ground | State::AfterReturn)
    }
}

/// The key a finished `ESC [ n X` sequence stands for.
fn sequence(n: u16, last: u8) -> Option<Key> {
    Some(match (last, n) {
        (b'A', _) => Key::Up,
        (b'B', _) => Key::Down,
        (b'C', _) => Key::Right,
        (b'D', _) => Key::Left,
        (b'H', _) | (b'~', 1 | 7) => Key::Home,
        (b'F', _) | (b'~', 4 | 8) => Key::End,
        (b'~', 3) => Key::Delete,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(bytes: &[u8]) -> Vec<Key> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for &b in bytes {
            d.feed(b, &mut |k| out.push(k));
        }
        d.idle(&mut |k| out.push(k));
        out
    }

    use Key::*;

    #[test]
    fn printable_and_control_bytes() {
        assert_eq!(keys(b"a Z~"), [Char('a'), Char(' '), Char('Z'), Char('~')]);
        assert_eq!(
            keys(b"\x7f\x08\t\x03\x01\x1a"),
            [
                Backspace,
                Backspace,
                Tab,
                Ctrl(b'c'),
                Ctrl(b'a'),
                Ctrl(b'z')
            ]
        );
    }

    #[test]
    fn return_newline_and_both_are_one_enter_each() {
        assert_eq!(
            keys(b"a\rb\nc\r\nd\r\r"),
            [
                Char('a'),
                Enter,
                Char('b'),
                Enter,
                Char('c'),
                Enter,
                Char('d'),
                Enter,
                Enter
            ]
        );
    }

    #[test]
    fn escape_sequences() {
        assert_eq!(
            keys(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1bOA"),
            [Up, Down, Right, Left, Up]
        );
        assert_eq!(
            keys(b"\x1b[H\x1b[F\x1b[3~\x1b[1~\x1b[4~"),
            [Home, End, Delete, Home, End]
        );
        assert_eq!(keys(b"\x1b[1;5A"), [Up], "with a modifier");
        assert_eq!(
            keys(b"\x1b[99~x"),
            [Char('x')],
            "unknown sequences are dropped"
        );
    }

    #[test]
    fn a_lone_escape_is_the_escape_key() {
        assert_eq!(keys(b"\x1b"), [Escape]);
        assert_eq!(keys(b"\x1bx"), [Escape, Char('x')]);
        assert_eq!(keys(b"\x1b\x1b[A"), [Escape, Up]);
        let mut d = Decoder::new();
        d.feed(0x1b, &mut |_| panic!("not yet"));
        assert!(d.pending());
    }

    #[test]
    fn utf8_characters() {
        assert_eq!(keys("é€😀".as_bytes()), [Char('é'), Char('€'), Char('😀')]);
        assert_eq!(keys(b"\xC3x\xFF"), [Char('?'), Char('x'), Char('?')]);
    }
}
