//! The input server's protocol: programs read keys and lines typed on the PS/2 keyboard or the
//! serial line, one program at a time (the focus holder); the drivers hand it the keys. A typed
//! protocol (`abi::wire`, `userlib::rpc`); the client side is `userlib::input`, the server
//! `servers/input`, the drivers `servers/drivers`. See `docs/drivers.md`.
//!
//! ```
//! use abi::input::{Key, KeyEvent, Request, Source};
//!
//! // What a driver sends when `A` (shift+a) is typed on the keyboard:
//! let typed = heapless::Vec::from_slice(&[KeyEvent { key: Key::Char('A'), source: Source::Keyboard }]);
//! let request = Request::Typed(typed.unwrap());
//! assert!(matches!(request, Request::Typed(ref keys) if keys.len() == 1));
//! ```

use postcard::experimental::max_size::MaxSize;
use serde::{Deserialize, Serialize};

/// The protocol id in request labels ("IN").
pub const PROTOCOL: u16 = 0x494E;
/// The name the input server registers (reserved for it by init).
pub const NAME: &str = "input";
/// The longest line `ReadLine` returns, in bytes.
pub const MAX_LINE: usize = 120;
/// The longest text one `Write` carries, in bytes.
pub const MAX_WRITE: usize = 96;
/// Most keys one `Typed` carries.
pub const MAX_TYPED: usize = 8;
/// A line as `ReadLine` returns it.
pub type Line = heapless::String<MAX_LINE>;
/// The badge bit of the drivers' capabilities to the input server (init mints them): no badge
/// the name service hands out has it (client ids are below 2^62), so only the drivers init
/// started can send [`Request::Typed`].
pub const DRIVER: u64 = 1 << 61;

/// Where a key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum Source {
    /// The PS/2 keyboard (the QEMU window).
    Keyboard,
    /// The serial line (COM1: the terminal the runner connects).
    Serial,
}

/// A key, after shift is applied (drivers translate scancodes / bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum Key {
    /// A printable character, space included.
    Char(char),
    /// Enter (Return).
    Enter,
    /// Backspace.
    Backspace,
    /// Tab.
    Tab,
    /// Escape.
    Escape,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Delete.
    Delete,
    /// Ctrl+letter, `b'a'..=b'z'`: Ctrl-C is `Ctrl(b'c')`.
    Ctrl(u8),
}

/// A key and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub struct KeyEvent {
    /// The key.
    pub key: Key,
    /// Its source.
    pub source: Source,
}

/// What a client asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum Request {
    /// Drivers only (their capability carries the [`DRIVER`] badge bit, given by init): keys typed.
    Typed(heapless::Vec<KeyEvent, MAX_TYPED>),
    /// Take the input focus: keys go to the caller from now on; the previous holder is kept
    /// beneath it (a stack). Asking again while beneath moves the caller back on top (dropping
    /// those above): a shell takes the input back after its foreground program ended.
    Focus,
    /// Give the focus back to the holder beneath.
    Release,
    /// The next key for the focus holder, waiting at most `ticks` (0: only what is there).
    /// Takes the focus if nobody has it. Errors: NotFocused, TimedOut.
    ReadKey {
        /// How long to wait, in timer ticks (`abi::HZ` a second).
        ticks: u32,
    },
    /// A line (without its newline), with editing (Backspace) and echo on the terminal, waiting
    /// at most `ticks` for Enter. Ctrl-C ends it with Error::Interrupted. Errors as ReadKey.
    ReadLine {
        /// How long to wait for Enter, in timer ticks.
        ticks: u32,
    },
    /// Returns when Ctrl-C is typed, whoever has the focus (a shell watching its foreground
    /// program), or after `ticks` with TimedOut.
    WaitInterrupt {
        /// How long to wait, in timer ticks.
        ticks: u32,
    },
    /// Text to the terminal (serial, unmarked) and the screen (console page), made inert
    /// (control characters but \n and \t replaced). Only the focus holder may write.
    Write(heapless::String<MAX_WRITE>),
}

/// What the server answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum Reply {
    /// Done (Typed, Focus, Release, WaitInterrupt, Write).
    Done,
    /// The key read.
    Key(KeyEvent),
    /// The line read (without its newline).
    Line(Line),
}

/// Why the server refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, MaxSize)]
pub enum Error {
    /// The caller does not hold the focus (someone else does).
    NotFocused,
    /// Nothing came within the ticks asked for.
    TimedOut,
    /// Ctrl-C was typed while the line was read.
    Interrupted,
    /// `Typed` from a capability without the [`DRIVER`] badge bit.
    NotADriver,
    /// Another request of this client waits already.
    Busy,
    /// The server keeps no more clients.
    TooManyClients,
}
