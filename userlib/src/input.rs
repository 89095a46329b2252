//! The input server's client side: take the input focus, read keys and lines typed on the
//! keyboard or the terminal, write text back. The protocol is [`abi::input`]; the server is
//! `servers/input`.
//!
//! The first call looks the server up (by the name service, into [`slots::INPUT`]); if the server
//! has died since (`StaleCap`, `PeerDied`: it was restarted), each function looks it up again
//! (up to three times: the first lookup may still find the dead one) and repeats the request, so
//! a client goes on across a restart without code of its own. A request the dead server had taken
//! is made again: a `write` may show twice, a key read is not lost.
//! When no input server can be found, calls fail with `CallError::Sys(StaleCap)`.
//!
//! ```ignore
//! use core::fmt::Write;
//! use userlib::{input, HZ};
//!
//! # fn f() -> Result<(), input::Error> {
//! input::focus()?;
//! let line = input::read_line(10 * HZ as u32)?; // Err(Server(TimedOut)) after 10 s
//! let _ = writeln!(input::Terminal, "you typed {line:?}");
//! # Ok(())
//! # }
//! ```

use crate::cap::Endpoint;
use crate::rpc::{CallError, Client, Protocol};
use abi::input::{self, KeyEvent, Line, Reply, Request, MAX_WRITE};
use abi::{slots, SysError, HZ};

/// The input server's protocol.
pub struct Input;

impl Protocol for Input {
    const ID: u16 = input::PROTOCOL;
    const NAME: &'static str = input::NAME;
    type Request = Request;
    type Reply = Reply;
    type Error = input::Error;
}

/// What an input call can fail with: the server's [`input::Error`] as `CallError::Server`.
pub type Error = CallError<input::Error>;

/// How long a (re)connection waits for the server to register (a restart takes a moment).
const CONNECT_TICKS: u32 = 2 * HZ as u32;

/// Looks the server up into [`slots::INPUT`] (emptied first).
fn connect() -> Result<(), Error> {
    let _ = crate::sys::cap_delete(slots::INPUT);
    match crate::names::lookup(input::NAME, slots::INPUT, CONNECT_TICKS) {
        Ok(_) => Ok(()),
        Err(CallError::Sys(e)) => Err(CallError::Sys(e)),
        Err(_) => Err(CallError::Sys(SysError::StaleCap)),
    }
}

/// Reconnections one call makes at most. A lookup made while the dead server's supervisor has
/// not cleaned up yet can still find its endpoint (the call then fails again once it is
/// destroyed); the next lookup waits for the restarted server's name.
const RECONNECTS: usize = 3;

/// Calls the server, connecting on first use and reconnecting if it has died.
fn call(request: &Request) -> Result<Reply, Error> {
    let server = Client::<Input>::new(Endpoint(slots::INPUT));
    let mut result = server.call(request);
    for _ in 0..RECONNECTS {
        match result {
            Err(CallError::Sys(SysError::EmptySlot | SysError::StaleCap | SysError::PeerDied)) => {
                connect()?;
                result = server.call(request);
            }
            _ => break,
        }
    }
    result
}

fn done(reply: Reply) -> Result<(), Error> {
    match reply {
        Reply::Done => Ok(()),
        _ => Err(CallError::BadReply),
    }
}

/// Takes the input focus (see [`Request::Focus`]).
pub fn focus() -> Result<(), Error> {
    call(&Request::Focus).and_then(done)
}

/// Gives the focus back to the holder beneath.
pub fn release() -> Result<(), Error> {
    call(&Request::Release).and_then(done)
}

/// The next key, waiting at most `ticks` (0: only a key already there).
pub fn read_key(ticks: u32) -> Result<KeyEvent, Error> {
    match call(&Request::ReadKey { ticks })? {
        Reply::Key(key) => Ok(key),
        _ => Err(CallError::BadReply),
    }
}

/// A line, edited and echoed by the server, waiting at most `ticks` for Enter.
pub fn read_line(ticks: u32) -> Result<Line, Error> {
    match call(&Request::ReadLine { ticks })? {
        Reply::Line(line) => Ok(line),
        _ => Err(CallError::BadReply),
    }
}

/// Returns when Ctrl-C is typed (whoever has the focus), or with `TimedOut` after `ticks`.
pub fn wait_interrupt(ticks: u32) -> Result<(), Error> {
    call(&Request::WaitInterrupt { ticks }).and_then(done)
}

/// Writes `text` to the terminal and the screen (focus holder only), in as many requests as
/// it takes.
pub fn write(text: &str) -> Result<(), Error> {
    let mut rest = text;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(split_point(rest, MAX_WRITE));
        let chunk = heapless::String::try_from(chunk).map_err(|_| CallError::TooLong)?;
        call(&Request::Write(chunk)).and_then(done)?;
        rest = tail;
    }
    Ok(())
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn split_point(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// The terminal as a [`core::fmt::Write`]: `write!(input::Terminal, ...)` goes through [`write`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Terminal;

impl core::fmt::Write for Terminal {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        write(s).map_err(|_| core::fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::input::{Key, Source, MAX_TYPED};
    use abi::wire::MAX_BYTES;
    use postcard::experimental::max_size::MaxSize;

    #[test]
    fn splits_on_char_boundaries() {
        assert_eq!(split_point("abc", 96), 3);
        let long = "é".repeat(60); // 120 bytes, 2 each
        assert_eq!(split_point(&long, 95), 94);
        assert_eq!(split_point(&long, 96), 96);
    }

    #[test]
    fn messages_fit() {
        assert!(Request::POSTCARD_MAX_SIZE <= MAX_BYTES);
        assert!(Reply::POSTCARD_MAX_SIZE <= MAX_BYTES);
        let keys = [KeyEvent {
            key: Key::Char('é'),
            source: Source::Serial,
        }; MAX_TYPED];
        let typed = Request::Typed(heapless::Vec::from_slice(&keys).unwrap());
        let bytes = postcard::to_slice(&typed, &mut [0u8; MAX_BYTES])
            .unwrap()
            .len();
        assert!(bytes <= Request::POSTCARD_MAX_SIZE);
    }
}

/// A driver's keys on their way to the input server: gathered as they are decoded and handed
/// over in `Typed` batches (through the `DRIVER`-badged capability init gives a driver in
/// `slots::INPUT`). The server answers at once: a driver never waits for a reader.
pub struct KeyBatch {
    keys: heapless::Vec<KeyEvent, { input::MAX_TYPED }>,
    source: input::Source,
    server: Client<Input>,
    /// The driver's name, and whether it said that keys were refused (once is enough).
    driver: &'static str,
    told: bool,
}

impl KeyBatch {
    /// An empty batch for the driver named `driver`, whose keys come from `source`.
    pub fn new(driver: &'static str, source: input::Source) -> KeyBatch {
        KeyBatch {
            keys: heapless::Vec::new(),
            source,
            server: Client::new(Endpoint(slots::INPUT)),
            driver,
            told: false,
        }
    }

    /// Adds a key, handing the batch over first if it is full.
    #[inline]
    pub fn add(&mut self, key: input::Key) {
        let key = KeyEvent {
            key,
            source: self.source,
        };
        if self.keys.push(key).is_err() {
            self.send();
            let _ = self.keys.push(key);
        }
    }

    /// Hands the keys gathered so far to the input server (refused keys are dropped).
    #[inline]
    pub fn send(&mut self) {
        if self.keys.is_empty() {
            return;
        }
        let batch = core::mem::take(&mut self.keys);
        if let Err(e) = self.server.call(&Request::Typed(batch)) {
            if !core::mem::replace(&mut self.told, true) {
                crate::println!(
                    "{}: the input server refused keys ({e}): dropped",
                    self.driver
                );
            }
        }
    }
}
