//! PS/2 scancode set 1 (what QEMU's i8042 delivers, translated) to keys: presses and releases,
//! both shifts, both ctrls, caps lock, the 0xE0-prefixed arrows and editing keys.
use userlib::abi::input::Key;

/// The keyboard's state between bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decoder {
    left_shift: bool,
    right_shift: bool,
    ctrl: bool,
    caps_lock: bool,
    /// The previous byte was 0xE0.
    extended: bool,
}

/// Characters of the keys 0x02..=0x39 (unshifted, shifted); `\0` where the key is not a character.
const PLAIN: &[u8; 0x3A] = b"\0\0\
1234567890-=\0\0\
qwertyuiop[]\0\0\
asdfghjkl;'`\0\\\
zxcvbnm,./\0*\0 ";
const SHIFTED: &[u8; 0x3A] = b"\0\0\
!@#$%^&*()_+\0\0\
QWERTYUIOP{}\0\0\
ASDFGHJKL:\"~\0|\
ZXCVBNM<>?\0*\0 ";

impl Decoder {
    pub const fn new() -> Decoder {
        Decoder {
            left_shift: false,
            right_shift: false,
            ctrl: false,
            caps_lock: false,
            extended: false,
        }
    }

    /// Takes one byte from the controller; a key when it completes a press of one.
    pub fn feed(&mut self, byte: u8) -> Option<Key> {
        if byte == 0xE0 {
            self.extended = true;
            return None;
        }
        let extended = core::mem::take(&mut self.extended);
        let (code, pressed) = (byte & 0x7F, byte & 0x80 == 0);
        match (code, extended) {
            (0x2A, false) => self.left_shift = pressed,
            (0x36, false) => self.right_shift = pressed,
            (0x2A | 0x36, true) => {} // the fake shifts around some extended keys
            (0x1D, _) => self.ctrl = pressed,
            (0x3A, false) if pressed => self.caps_lock = !self.caps_lock,
            _ if !pressed => {}
            _ => return self.key(code, extended),
        }
        None
    }

    fn key(&self, code: u8, extended: bool) -> Option<Key> {
        // The editing keys are the keypad's without num lock, with or without the prefix.
        let editing = match code {
            0x47 => Some(Key::Home),
            0x48 => Some(Key::Up),
            0x4B => Some(Key::Left),
            0x4D => Some(Key::Right),
            0x4F => Some(Key::End),
            0x50 => Some(Key::Down),
            0x53 => Some(Key::Delete),
            _ => None,
        };
        if editing.is_some() {
            return editing;
        }
        match (code, extended) {
            (0x01, _) => Some(Key::Escape),
            (0x0E, _) => Some(Key::Backspace),
            (0x0F, _) => Some(Key::Tab),
            (0x1C, _) => Some(Key::Enter),
            (_, true) => None,
            (c, false) => self.character(*PLAIN.get(c as usize)?, *SHIFTED.get(c as usize)?),
        }
    }

    fn character(&self, plain: u8, shifted: u8) -> Option<Key> {
        if plain == 0 {
            return None;
        }
        if self.ctrl {
            return plain.is_ascii_lowercase().then_some(Key::Ctrl(plain));
        }
        let mut shift = self.left_shift || self.right_shift;
        if plain.is_ascii_lowercase() {
            shift ^= self.caps_lock;
        }
        Some(Key::Char(if shift { shifted } else { plain } as char))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(bytes: &[u8]) -> Vec<Key> {
        let mut d = Decoder::new();
        bytes.iter().filter_map(|&b| d.feed(b)).collect()
    }

    #[test]
    fn presses_count_releases_do_not() {
        // a down, a up, 1 down, space down/up
        assert_eq!(
            keys(&[0x1E, 0x9E, 0x02, 0x39, 0xB9]),
            [Key::Char('a'), Key::Char('1'), Key::Char(' ')]
        );
        assert_eq!(
            keys(&[0x1C, 0x9C, 0x0E, 0x0F, 0x01]),
            [Key::Enter, Key::Backspace, Key::Tab, Key::Escape]
        );
    }

    #[test]
    fn shift_applies_while_held() {
        // left shift down, a, 1, / ; shift up; a
        let got = keys(&[0x2A, 0x1E, 0x02, 0x35, 0xAA, 0x1E]);
        assert_eq!(
            got,
            [
                Key::Char('A'),
                Key::Char('!'),
                Key::Char('?'),
                Key::Char('a')
            ]
        );
        // right shift the same
        assert_eq!(
            keys(&[0x36, 0x10, 0xB6, 0x10]),
            [Key::Char('Q'), Key::Char('q')]
        );
    }

    #[test]
    fn caps_lock_shifts_letters_only() {
        let got = keys(&[0x3A, 0xBA, 0x1E, 0x02, 0x2A, 0x1E, 0xAA, 0x3A, 0xBA, 0x1E]);
        assert_eq!(
            got,
            [
                Key::Char('A'),
                Key::Char('1'),
                Key::Char('a'),
                Key::Char('a')
            ]
        );
    }

    #[test]
    fn ctrl_letters_and_ctrl_c() {
        // left ctrl, c; release; right ctrl (E0 1D), x; release (E0 9D); c
        let got = keys(&[0x1D, 0x2E, 0x9D, 0xE0, 0x1D, 0x2D, 0xE0, 0x9D, 0x2E]);
        assert_eq!(got, [Key::Ctrl(b'c'), Key::Ctrl(b'x'), Key::Char('c')]);
        assert_eq!(keys(&[0x1D, 0x02]), [], "ctrl+1 is nothing");
    }

    #[test]
    fn extended_keys() {
        let got = keys(&[
            0xE0, 0x48, 0xE0, 0xC8, 0xE0, 0x50, 0xE0, 0x4B, 0xE0, 0x4D, 0xE0, 0x47, 0xE0, 0x4F,
            0xE0, 0x53, 0xE0, 0x1C,
        ]);
        use Key::*;
        assert_eq!(got, [Up, Down, Left, Right, Home, End, Delete, Enter]);
        // The fake shift QEMU may put around an extended key does not shift what follows.
        assert_eq!(
            keys(&[0xE0, 0x2A, 0xE0, 0x48, 0xE0, 0xAA, 0x1E]),
            [Up, Char('a')]
        );
        // Unknown or extended-only codes give nothing, and leave no state behind.
        assert_eq!(keys(&[0xE0, 0x5B, 0x58, 0x7F, 0xFF, 0x1E]), [Char('a')]);
    }
}
