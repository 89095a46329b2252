//! The input server's decisions (`terminal.rs`), driven as the server drives them.
use crate::terminal::{inert, Effects, Terminal};
use userlib::abi::input::{Error, Key, KeyEvent, Line, Reply, Request, Source, DRIVER};

#[derive(Default)]
struct Seen {
    answers: Vec<(u32, Result<Reply, Error>)>,
    echo: String,
    floods: Vec<u64>,
}

impl Effects<u32> for Seen {
    fn answer(&mut self, to: u32, result: Result<Reply, Error>) {
        self.answers.push((to, result));
    }
    fn echo(&mut self, text: &str) {
        self.echo.push_str(text);
    }
    fn flood(&mut self, dropped: u64) {
        self.floods.push(dropped);
    }
}

const A: u64 = 7;
const B: u64 = 8;
const KBD: u64 = DRIVER | 1;

fn ev(key: Key) -> KeyEvent {
    KeyEvent {
        key,
        source: Source::Keyboard,
    }
}

struct Rig {
    t: Terminal<u32>,
    fx: Seen,
    next_token: u32,
}

impl Rig {
    fn new() -> Rig {
        Rig {
            t: Terminal::default(),
            fx: Seen::default(),
            next_token: 100,
        }
    }
    /// The answer now, or `Err(token)` if it waits.
    fn ask(&mut self, client: u64, r: Request) -> Result<Result<Reply, Error>, u32> {
        let token = self.next_token;
        self.next_token += 1;
        self.t
            .request(client, r, || token, &mut self.fx)
            .ok_or(token)
    }
    fn type_keys(&mut self, keys: &[Key]) {
        for chunk in keys.chunks(8) {
            let keys = chunk.iter().map(|&k| ev(k)).collect::<Vec<_>>();
            let typed = Request::Typed(heapless::Vec::from_slice(&keys).unwrap());
            assert_eq!(self.ask(KBD, typed), Ok(Ok(Reply::Done)));
        }
    }
    fn type_str(&mut self, s: &str) {
        let keys: Vec<Key> = s
            .chars()
            .map(|c| if c == '\n' { Key::Enter } else { Key::Char(c) })
            .collect();
        self.type_keys(&keys);
    }
}

fn line(s: &str) -> Result<Reply, Error> {
    Ok(Reply::Line(Line::try_from(s).unwrap()))
}

#[test]
fn only_drivers_type() {
    let mut r = Rig::new();
    let one = heapless::Vec::from_slice(&[ev(Key::Char('x'))]).unwrap();
    assert_eq!(r.ask(A, Request::Typed(one)), Ok(Err(Error::NotADriver)));
    assert!(r.t.queue.is_empty());
}

#[test]
fn a_read_waits_for_a_key_and_the_queue_keeps_early_ones() {
    let mut r = Rig::new();
    r.type_str("a");
    assert_eq!(
        r.ask(A, Request::ReadKey { ticks: 0 }),
        Ok(Ok(Reply::Key(ev(Key::Char('a')))))
    );
    assert_eq!(r.t.holder(), Some(A), "reading took the focus");
    assert_eq!(
        r.ask(A, Request::ReadKey { ticks: 0 }),
        Ok(Err(Error::TimedOut))
    );
    let token = r.ask(A, Request::ReadKey { ticks: 50 }).unwrap_err();
    r.type_keys(&[Key::Up]);
    assert_eq!(r.fx.answers, [(token, Ok(Reply::Key(ev(Key::Up))))]);
}

#[test]
fn lines_are_edited_and_echoed() {
    let mut r = Rig::new();
    r.type_str("lx"); // typed before the read: echoed when read
    let token = r.ask(A, Request::ReadLine { ticks: 100 }).unwrap_err();
    r.type_keys(&[Key::Backspace, Key::Char('s'), Key::Left, Key::Enter]);
    assert_eq!(r.fx.answers, [(token, line("ls"))]);
    assert_eq!(r.fx.echo, "lx\x08 \x08s\n");
    // A complete line already queued is answered at once, even with 0 ticks.
    r.type_str("pwd\n");
    assert_eq!(r.ask(A, Request::ReadLine { ticks: 0 }), Ok(line("pwd")));
    // Without Enter, 0 ticks times out and leaves the keys queued.
    r.type_str("ab");
    assert_eq!(
        r.ask(A, Request::ReadLine { ticks: 0 }),
        Ok(Err(Error::TimedOut))
    );
    assert_eq!(r.t.queue.len(), 2);
}

#[test]
fn ctrl_c_interrupts_a_line_and_wakes_watchers() {
    let mut r = Rig::new();
    let read = r.ask(A, Request::ReadLine { ticks: 100 }).unwrap_err();
    let watch = r.ask(B, Request::WaitInterrupt { ticks: 100 }).unwrap_err();
    r.type_keys(&[Key::Char('x'), Key::Ctrl(b'c')]);
    assert_eq!(
        r.fx.answers,
        [(watch, Ok(Reply::Done)), (read, Err(Error::Interrupted))]
    );
    assert!(r.fx.echo.ends_with("^C\n"));
    // A Ctrl-C a watcher took is not left for a later read; one nobody watched is.
    let watch = r.ask(B, Request::WaitInterrupt { ticks: 100 }).unwrap_err();
    r.type_keys(&[Key::Ctrl(b'c')]);
    assert_eq!(r.fx.answers.last(), Some(&(watch, Ok(Reply::Done))));
    assert!(r.t.queue.is_empty());
    r.type_keys(&[Key::Ctrl(b'c')]);
    assert_eq!(
        r.ask(A, Request::ReadKey { ticks: 0 }),
        Ok(Ok(Reply::Key(ev(Key::Ctrl(b'c')))))
    );
}

#[test]
fn the_focus_is_a_stack() {
    let mut r = Rig::new();
    assert_eq!(r.ask(A, Request::Focus), Ok(Ok(Reply::Done)));
    assert_eq!(r.ask(B, Request::Focus), Ok(Ok(Reply::Done)));
    assert_eq!(
        r.ask(A, Request::ReadKey { ticks: 0 }),
        Ok(Err(Error::NotFocused))
    );
    let text = heapless::String::try_from("hi").unwrap();
    assert_eq!(
        r.ask(A, Request::Write(text.clone())),
        Ok(Err(Error::NotFocused))
    );
    assert_eq!(r.ask(B, Request::Write(text)), Ok(Ok(Reply::Done)));
    assert_eq!(r.fx.echo, "hi");
    assert_eq!(r.ask(B, Request::Release), Ok(Ok(Reply::Done)));
    assert_eq!(r.t.holder(), Some(A));
    // Asking again while beneath drops those above.
    r.ask(B, Request::Focus).unwrap().unwrap();
    r.ask(A, Request::Focus).unwrap().unwrap();
    assert_eq!(r.t.holder(), Some(A));
    r.ask(A, Request::Release).unwrap().unwrap();
    assert_eq!(r.t.holder(), None);
    // Too many holders.
    for c in 1..=8 {
        assert_eq!(r.ask(c, Request::Focus), Ok(Ok(Reply::Done)));
    }
    assert_eq!(r.ask(9, Request::Focus), Ok(Err(Error::TooManyClients)));
}

#[test]
fn timeouts_busy_and_clients_that_end() {
    let mut r = Rig::new();
    let read = r.ask(A, Request::ReadKey { ticks: 2 }).unwrap_err();
    assert_eq!(
        r.ask(A, Request::ReadLine { ticks: 5 }),
        Ok(Err(Error::Busy))
    );
    r.t.tick(&mut r.fx);
    assert!(r.fx.answers.is_empty());
    r.t.tick(&mut r.fx);
    assert_eq!(r.fx.answers, [(read, Err(Error::TimedOut))]);
    // A client that ends while it waits: its wait and its focus go, unanswered.
    r.ask(A, Request::ReadKey { ticks: 100 }).unwrap_err();
    r.t.forget(A);
    assert_eq!(r.t.holder(), None);
    r.type_str("z");
    assert_eq!(r.fx.answers.len(), 1);
    assert_eq!(r.t.queue.len(), 1);
    assert_eq!(r.t.clients().count(), 0);
}

#[test]
fn a_flood_never_waits_and_is_reported_once() {
    let mut r = Rig::new();
    for _ in 0..100 {
        r.type_str("0123456789");
    }
    assert_eq!(r.t.queue.len(), crate::queue::QUEUE_KEYS);
    assert_eq!(r.fx.floods, [1]);
}

#[test]
fn written_text_is_inert() {
    assert_eq!(
        inert("a\x1b[2Jb\n\tc\r\x07"),
        "a\u{FFFD}[2Jb\n\tc\u{FFFD}\u{FFFD}"
    );
}
