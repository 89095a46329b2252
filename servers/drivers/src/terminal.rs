//! The input server's decisions: who has the focus (a stack), which requests wait (deferred
//! replies, with their timeouts), what each key typed does (answers a read, edits a line, wakes
//! the Ctrl-C watchers, or waits in the queue) and what is echoed. Nothing here calls the
//! kernel: the server (`bin/input.rs`) carries the effects out ([`Effects`]), and host tests
//! drive it directly.
use crate::queue::KeyQueue;
use heapless::Vec;
use userlib::abi::input::{Error, Key, KeyEvent, Line, Reply, Request, DRIVER};

/// Programs on the focus stack at most.
pub const FOCUS_DEPTH: usize = 8;
/// Requests waiting at most (reads and Ctrl-C watchers).
pub const MAX_WAITS: usize = 8;

/// What a waiting request waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waiting {
    Key,
    /// The line edited so far.
    Line(Line),
    Interrupt,
}

/// A request answered later: `token` is how (the server's `rpc::Deferred`).
pub struct Wait<T> {
    pub client: u64,
    pub token: T,
    pub what: Waiting,
    /// Timer ticks left before it is answered `TimedOut`.
    pub ticks: u32,
}

/// What the server does for the decisions made here.
pub trait Effects<T> {
    /// Answers a request that waited.
    fn answer(&mut self, to: T, result: Result<Reply, Error>);
    /// Shows text on the terminal and the screen (already made inert).
    fn echo(&mut self, text: &str);
    /// The key queue has begun dropping keys (once per flood; `dropped` so far).
    fn flood(&mut self, dropped: u64);
}

pub struct Terminal<T> {
    pub queue: KeyQueue,
    focus: Vec<u64, FOCUS_DEPTH>,
    waits: Vec<Wait<T>, MAX_WAITS>,
}

impl<T> Default for Terminal<T> {
    fn default() -> Self {
        Terminal {
            queue: KeyQueue::new(),
            focus: Vec::new(),
            waits: Vec::new(),
        }
    }
}

impl<T> Terminal<T> {
    /// Who has the focus.
    pub fn holder(&self) -> Option<u64> {
        self.focus.last().copied()
    }

    /// Handles `client`'s request: the answer now, or `None` if it waits (then `defer` was asked
    /// for the token to answer it by).
    pub fn request(
        &mut self,
        client: u64,
        request: Request,
        defer: impl FnOnce() -> T,
        fx: &mut impl Effects<T>,
    ) -> Option<Result<Reply, Error>> {
        let wait = |what, ticks| (what, ticks);
        let (what, ticks) = match request {
            Request::Typed(keys) if client & DRIVER != 0 => {
                for key in keys {
                    self.typed(key, fx);
                }
                return Some(Ok(Reply::Done));
            }
            Request::Typed(_) => return Some(Err(Error::NotADriver)),
            Request::Focus => return Some(self.take_focus(client).map(|()| Reply::Done)),
            Request::Release => {
                self.focus.retain(|&c| c != client);
                return Some(Ok(Reply::Done));
            }
            Request::Write(text) if self.holder() == Some(client) => {
                fx.echo(&inert(&text));
                return Some(Ok(Reply::Done));
            }
            Request::Write(_) => return Some(Err(Error::NotFocused)),
            Request::ReadKey { ticks } => {
                if let Err(e) = self.may_read(client) {
                    return Some(Err(e));
                }
                if let Some(key) = self.queue.pop() {
                    return Some(Ok(Reply::Key(key)));
                }
                wait(Waiting::Key, ticks)
            }
            Request::ReadLine { ticks } => {
                if let Err(e) = self.may_read(client) {
                    return Some(Err(e));
                }
                let ends = |k: &KeyEvent| matches!(k.key, Key::Enter | Key::Ctrl(b'c'));
                if ticks == 0 && !self.queue.iter().any(ends) {
                    return Some(Err(Error::TimedOut)); // (the keys stay queued)
                }
                let mut line = Line::new();
                while let Some(key) = self.queue.pop() {
                    if let Some(done) = edit(&mut line, key.key, fx) {
                        return Some(done);
                    }
                }
                wait(Waiting::Line(line), ticks)
            }
            Request::WaitInterrupt { ticks } => wait(Waiting::Interrupt, ticks),
        };
        if ticks == 0 {
            return Some(Err(Error::TimedOut));
        }
        if self.waits.iter().any(|w| w.client == client) {
            return Some(Err(Error::Busy));
        }
        if self.waits.is_full() {
            return Some(Err(Error::TooManyClients));
        }
        let token = defer();
        let _ = self.waits.push(Wait {
            client,
            token,
            what,
            ticks,
        });
        None
    }

    fn take_focus(&mut self, client: u64) -> Result<(), Error> {
        match self.focus.iter().position(|&c| c == client) {
            Some(at) => self.focus.truncate(at + 1),
            None => self.focus.push(client).map_err(|_| Error::TooManyClients)?,
        }
        Ok(())
    }

    /// Reading takes the focus if nobody has it; someone else's is `NotFocused`.
    fn may_read(&mut self, client: u64) -> Result<(), Error> {
        match self.holder() {
            None => self.take_focus(client),
            Some(c) if c == client => Ok(()),
            Some(_) => Err(Error::NotFocused),
        }
    }

    /// A key from a driver.
    pub fn typed(&mut self, key: KeyEvent, fx: &mut impl Effects<T>) {
        let mut consumed = false;
        if key.key == Key::Ctrl(b'c') {
            while let Some(at) = self.waits.iter().position(|w| w.what == Waiting::Interrupt) {
                let wait = self.waits.swap_remove(at);
                fx.answer(wait.token, Ok(Reply::Done));
                consumed = true; // (watched for: not left for a later read)
            }
        }
        let holder = self.holder();
        let reader = self
            .waits
            .iter()
            .position(|w| Some(w.client) == holder && w.what != Waiting::Interrupt);
        let Some(at) = reader else {
            if !consumed && self.queue.push(key) {
                fx.flood(self.queue.dropped);
            }
            return;
        };
        let done = match &mut self.waits[at].what {
            Waiting::Line(line) => edit(line, key.key, fx),
            _ => Some(Ok(Reply::Key(key))),
        };
        if let Some(result) = done {
            let wait = self.waits.swap_remove(at);
            fx.answer(wait.token, result);
        }
    }

    /// A timer tick: waits whose time is up are answered `TimedOut`.
    pub fn tick(&mut self, fx: &mut impl Effects<T>) {
        let mut i = 0;
        while i < self.waits.len() {
            self.waits[i].ticks = self.waits[i].ticks.saturating_sub(1);
            if self.waits[i].ticks == 0 {
                let wait = self.waits.swap_remove(i);
                fx.answer(wait.token, Err(Error::TimedOut));
            } else {
                i += 1;
            }
        }
    }

    /// `client` has ended: off the focus stack, its waits dropped (nobody to answer).
    pub fn forget(&mut self, client: u64) {
        self.focus.retain(|&c| c != client);
        self.waits.retain(|w| w.client != client);
    }

    /// The clients the server keeps something for (to ask the name service which have ended).
    pub fn clients(&self) -> impl Iterator<Item = u64> + '_ {
        let waiting = self.waits.iter().map(|w| w.client);
        self.focus.iter().copied().chain(waiting)
    }
}

/// One key of a line being read: the answer once it is over (Enter, Ctrl-C), with its echo.
fn edit<T>(line: &mut Line, key: Key, fx: &mut impl Effects<T>) -> Option<Result<Reply, Error>> {
    match key {
        Key::Enter => {
            fx.echo("\n");
            return Some(Ok(Reply::Line(core::mem::take(line))));
        }
        Key::Ctrl(b'c') => {
            fx.echo("^C\n");
            return Some(Err(Error::Interrupted));
        }
        Key::Backspace if line.pop().is_some() => fx.echo("\x08 \x08"),
        Key::Char(c) if !c.is_control() && line.push(c).is_ok() => {
            let mut bytes = [0u8; 4];
            fx.echo(c.encode_utf8(&mut bytes));
        }
        _ => {} // (the other keys do not edit a line)
    }
    None
}

/// `text` with every control character but `\n` and `\t` replaced: nobody's text can move the
/// cursor, clear the screen or send terminal escapes.
pub fn inert(text: &str) -> heapless::String<{ userlib::abi::input::MAX_WRITE * 4 }> {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}
