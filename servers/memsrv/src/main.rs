//! memsrv, the memory server: it owns free memory (the frame pool init hands it) and runs every
//! process — loading programs, resolving their page faults (demand-zero heap and stack,
//! copy-on-write), `page_alloc`, `sbrk`, `fork`, `exit`, `wait` and `kill` — all through
//! capability calls to the kernel, which has no notion of a process. It is each process's fault
//! endpoint, so the kernel's notices (marked `MsgTag::KERNEL`, which no program can forge) arrive
//! on the same endpoint as requests, badged with the pid. Protocol: `abi::memsrv`; design:
//! `docs/memory-server.md`.
//!
//! Started by init with: `slots::POOL`, `SELF_SPACE`, `SELF_TASK`; its service endpoint at
//! `slots::OWN`; `slots::NAMES` (unbadged: it mints one per process); the system capability with
//! `READ` at `SYSTEM_READ` (frame states, for `Census`); the boot archive shared read-only at `layout::BOOTFS`; start
//! arguments rdi = the archive's length, rsi = the pool's free frames.
#![no_std]
#![no_main]

extern crate alloc;

// The program's glue: the kernel calls. The decisions are the library's (`lib.rs`).
mod check;
mod fault;
mod fork;
mod heap;
mod lifecycle;
mod names;
mod observe;
mod requests;
mod spawn;

use memsrv::decode::{route, Route};
use memsrv::ledger::Ledger;
use memsrv::{procs, regions, Outcome};
use userlib::abi::bootfs::BootFs;
use userlib::abi::msg::fault::MAP_ZEROED;
use userlib::layout::BOOTFS;
use userlib::load::Window;
use userlib::{println, slots, sys, CapSlot, MsgTag};

userlib::entry!(main);

/// The server's program name in the boot archive.
const NAME: &str = "memsrv";
/// Requests and kernel notices arrive here.
const SERVICE: CapSlot = slots::OWN;
const POOL: CapSlot = slots::POOL;
const OWN_SPACE: CapSlot = slots::SELF_SPACE;
/// The system capability with `READ` only, from init: frame states for `Census`.
const SYSTEM_READ: CapSlot = slots::MEMSRV_SYSTEM;
/// Scratch capability slots for the moment a capability is minted and handed on.
const TEMP: CapSlot = CapSlot(8);
/// Where the server maps a frame of a program it is loading.
const SCRATCH: u64 = 0x0000_5000_0000_0000;

pub struct Server {
    /// The records of processes and jobs, and what each is committed.
    ledger: Ledger,
    fs: BootFs<'static>,
    /// The boot archive's length (mapped at `BOOTFS`).
    fs_len: u64,
    window: Window,
    /// Broken rules seen since the last check (reported by the next).
    violations: u64,
    /// The map the reply being sent asks for (`fault::PendingMap`).
    pending_map: Option<fault::PendingMap>,
}

fn boot_archive(len: u64) -> BootFs<'static> {
    // SAFETY: init shares its read-only mapping of the boot archive at BOOTFS, `len` bytes, before
    // the server starts, for the server's whole life; nothing writes it.
    let bytes = unsafe { core::slice::from_raw_parts(BOOTFS as *const u8, len as usize) };
    BootFs::parse(bytes).expect("init shares a valid boot archive")
}

fn main() -> i32 {
    let (archive_len, pool_frames) = userlib::rt::start_args();
    let window = Window {
        own_space: OWN_SPACE,
        pool: POOL,
        scratch: SCRATCH,
    };
    let window = window.prepare().expect("memory for the scratch window");
    let mut server = Server {
        ledger: Ledger::new(pool_frames),
        fs: boot_archive(archive_len),
        fs_len: archive_len,
        window,
        violations: 0,
        pending_map: None,
    };
    // A reply due is sent together with waiting for the next message.
    let mut reply: Option<(u64, MsgTag, [u64; 4])> = None;
    loop {
        let next = match reply.take() {
            Some((to, tag, words)) => sys::reply_recv(to, SERVICE, tag, words),
            None => sys::recv(SERVICE),
        };
        let map = server.pending_map.take();
        let msg = match next {
            Ok(msg) => msg,
            Err(e) => {
                match map {
                    // The map failed: nothing was sent or received, the process still waits.
                    Some(m) => server.map_failed(m, e),
                    None => println!("memsrv: cannot receive: {e}"),
                }
                continue;
            }
        };
        let outcome = match route(&msg) {
            Route::Notice => server.notice(&msg),
            Route::Ignore => {
                server.ignore(&msg, "sent, not called");
                continue;
            }
            Route::Observer => server.observe(&msg),
            Route::Request => server.request(&msg),
        };
        if !msg.awaits_reply() {
            continue;
        }
        reply = match outcome {
            Outcome::Reply(words) => Some((msg.sender, MsgTag::new(0, 4, 0), words)),
            Outcome::ReplyLong(words, n) => Some((msg.sender, MsgTag::new(0, n, 0), words)),
            Outcome::Refuse(e) => Some((msg.sender, MsgTag::new(e as u32, 0, 0), [0; 4])),
            Outcome::MapZeroed(words) => Some((msg.sender, MsgTag::new(MAP_ZEROED, 4, 0), words)),
            Outcome::Nothing => None,
        };
    }
}
