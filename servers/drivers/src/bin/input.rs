//! The input server (`abi::input`): keys from the keyboard and serial drivers go to the program
//! with the focus, one key or one edited line per request; a request that has to wait is
//! deferred and answered when its key, line or Ctrl-C comes, or its time is up. What each request
//! and key comes to is decided by the crate's library (`terminal.rs`); this program carries it
//! out: replies, echo on the serial line (raw, through the system capability init gives it) and
//! on the screen (the console page).
#![no_std]
#![no_main]

use drivers::queue::QUEUE_KEYS;
use drivers::terminal::{Effects, Terminal};
use userlib::abi::input::{Error, Reply, Request, NAME};
use userlib::abi::names::MAX_GONE;
use userlib::input::Input;
use userlib::rpc::{self, Call, Deferred, Server};
use userlib::{cap, console, names, println, slots, sys, HZ};

userlib::entry!(main);

/// How often (in quiet timer ticks) the server asks which of its clients have ended.
const GONE_CHECK_TICKS: u32 = HZ as u32;

struct InputServer {
    terminal: Terminal<Deferred>,
    ticks: u32,
    /// Keys typed so far, and the test kernel's `test:input-crash=N` (0: none): the restart
    /// tests make the first input server fault at its Nth key.
    typed: u64,
    crash_at: u64,
}

/// The effects, carried out.
struct Out;

impl Effects<Deferred> for Out {
    fn answer(&mut self, to: Deferred, result: Result<Reply, Error>) {
        // (Refused if the client gave up or ended meanwhile: nobody to tell.)
        let _ = rpc::reply_later::<Input>(to, &result);
    }

    fn echo(&mut self, text: &str) {
        console::put_str(text, console::DEFAULT_ATTR);
        // A terminal in raw mode needs "\r\n" to start a line.
        let mut buf = heapless::Vec::<u8, 128>::new();
        for b in text.bytes() {
            if buf.len() + 2 > buf.capacity() {
                let _ = sys::serial_write(slots::TERMINAL_SYSTEM, &buf);
                buf.clear();
            }
            if b == b'\n' {
                let _ = buf.push(b'\r');
            }
            let _ = buf.push(b);
        }
        let _ = sys::serial_write(slots::TERMINAL_SYSTEM, &buf);
    }

    fn flood(&mut self, dropped: u64) {
        println!(
            "input: the key queue is full ({QUEUE_KEYS} keys): dropping the oldest ({dropped} \
             dropped so far)"
        );
    }
}

impl Server<Input> for InputServer {
    fn handle(&mut self, call: &mut Call, request: Request) -> Result<Reply, Error> {
        let client = call.badge;
        if let Request::Typed(keys) = &request {
            self.typed += keys.len() as u64;
            if self.crash_at != 0 && self.typed >= self.crash_at {
                crash();
            }
        }
        let answer = self
            .terminal
            .request(client, request, || call.defer(), &mut Out);
        if let Some(dropped) = self.terminal.queue.flood_over() {
            println!("input: the flood is over: {dropped} keys dropped in all");
        }
        answer.unwrap_or(Ok(Reply::Done)) // (deferred: this result is not sent)
    }

    fn tick(&mut self) {
        self.terminal.tick(&mut Out);
        self.ticks += 1;
        if self.ticks >= GONE_CHECK_TICKS {
            self.ticks = 0;
            self.forget_ended_clients();
        }
    }
}

impl InputServer {
    /// Clients that ended lose their place on the focus stack and their waits.
    fn forget_ended_clients(&mut self) {
        let mut ids = heapless::Vec::<u64, MAX_GONE>::new();
        for client in self.terminal.clients() {
            if !ids.contains(&client) && ids.push(client).is_err() {
                break;
            }
        }
        if ids.is_empty() {
            return;
        }
        if let Ok(gone) = names::gone(&ids) {
            for (i, &id) in ids.iter().enumerate() {
                if gone & (1 << i) != 0 {
                    self.terminal.forget(id);
                }
            }
        }
    }
}

fn main() -> i32 {
    if let Err(e) = names::register(NAME, cap::own()) {
        println!("input: cannot register as {NAME:?}: {e:?}");
        return 1;
    }
    let mut server = InputServer {
        terminal: Terminal::default(),
        ticks: 0,
        typed: 0,
        crash_at: userlib::rt::start_args().0,
    };
    // A tick at a time: the waits' timeouts are counted in ticks.
    let error = rpc::serve_ticking::<Input, _>(cap::own(), &[], &mut server, 1);
    println!("input: stopped serving: {error}");
    1
}

/// The test hook's fault: a write to address 8, which no program maps.
fn crash() -> ! {
    println!("input: crashing on purpose (test:input-crash)");
    // SAFETY: none needed, and none given: the write faults (the first page is never mapped),
    // and the kernel ends this task and tells init, which is the point.
    unsafe { core::ptr::write_volatile(core::ptr::null_mut::<u64>().wrapping_add(1), 0) };
    loop {
        core::hint::spin_loop();
    }
}
