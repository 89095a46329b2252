//! memsrv, the memory server: it owns free memory (the frame pool init hands it) and runs every
//! process — loading programs, resolving their page faults (demand-zero heap and stack,
//! copy-on-write), `page_alloc`, `sbrk`, `fork`, `exit`, `wait` and `kill` — all through
//! capability calls to the kernel, which has no notion of a process. It is each process's fault
//! endpoint, so the kernel's notices (marked `MsgTag::KERNEL`, which no program can forge) arrive
//! on the same endpoint as requests, badged with the pid. Protocol: `abi::memsrv`; design:
//! `docs/memory-server.md`.
//!
//! Started by init with: `slots::POOL`, `SELF_SPACE`, `SELF_TASK`; its service endpoint at
//! `slots::OWN`; `slots::NAMES` (unbadged: it mints one per process); the boot archive shared read-only at `layout::BOOTFS`; start
//! arguments rdi = the archive's length, rsi = the pool's free frames.
#![no_std]
#![no_main]

extern crate alloc;

mod check;
mod fault;
mod fork;
mod heap;
mod jobs;
mod lifecycle;
mod names;
mod observe;
mod procs;
mod regions;
mod requests;
mod spawn;
mod tables;

use jobs::Jobs;
use procs::Table;
use userlib::abi::bootfs::BootFs;
use userlib::abi::memsrv::{MemError, INIT_PID, OBSERVER};
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
/// Scratch capability slots for the moment a capability is minted and handed on.
const TEMP: CapSlot = CapSlot(8);
/// Where the server maps a frame of a program it is loading.
const SCRATCH: u64 = 0x0000_5000_0000_0000;
/// Frames kept back from what jobs may be charged with: for the server's own needs (its heap of
/// records, its page tables, the scratch window), a quarter for stack pages touched by processes
/// already at their quota, and what init and the servers it runs take from the pool. A sixteenth
/// of the pool, at least this many.
const MIN_RESERVE: u64 = 512;

/// What a request or notice leads to.
pub enum Outcome {
    /// Reply now: label 0 and words.
    Reply([u64; 4]),
    /// Reply now: label 0 and this many words, those beyond the registers staged in the IPC
    /// buffer.
    ReplyLong([u64; 4], usize),
    Refuse(MemError),
    /// No reply now (a blocked `wait`), or none at all (an exit, a killed process).
    Nothing,
}

pub struct Server {
    procs: Table,
    jobs: Jobs,
    fs: BootFs<'static>,
    /// The boot archive's length (mapped at `BOOTFS`).
    fs_len: u64,
    window: Window,
    /// Frames any one job may be charged with.
    quota: u64,
    /// Frames all jobs together may be charged with (the pool minus the reserve).
    limit: u64,
    reserve: u64,
    charged: u64,
    /// Broken rules seen since the last check (reported by the next).
    violations: u64,
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
    let reserve = (pool_frames / 16).max(MIN_RESERVE);
    let limit = pool_frames.saturating_sub(reserve);
    let mut server = Server {
        procs: Table::new(),
        jobs: Jobs::new(),
        fs: boot_archive(archive_len),
        fs_len: archive_len,
        window,
        quota: limit / 2,
        limit,
        reserve,
        charged: 0,
        violations: 0,
    };
    // A reply due is sent together with waiting for the next message.
    let mut reply: Option<(u64, MsgTag, [u64; 4])> = None;
    loop {
        let next = match reply.take() {
            Some((to, tag, words)) => sys::reply_recv(to, SERVICE, tag, words),
            None => sys::recv(SERVICE),
        };
        let msg = match next {
            Ok(msg) => msg,
            Err(e) => {
                println!("memsrv: cannot receive: {e}");
                continue;
            }
        };
        let outcome = if msg.from_kernel() {
            server.notice(&msg)
        } else if !msg.awaits_reply() {
            // A request sent rather than called can be given no answer: acting on it (a `Wait`
            // reaping a child, say) would lose the answer. Look-alikes of notices end here too.
            server.ignore(&msg, "sent, not called");
            continue;
        } else if msg.badge == OBSERVER {
            server.observe(&msg)
        } else {
            server.request(&msg)
        };
        if !msg.awaits_reply() {
            continue;
        }
        reply = match outcome {
            Outcome::Reply(words) => Some((msg.sender, MsgTag::new(0, 4, 0), words)),
            Outcome::ReplyLong(words, n) => Some((msg.sender, MsgTag::new(0, n, 0), words)),
            Outcome::Refuse(e) => Some((msg.sender, MsgTag::new(e as u32, 0, 0), [0; 4])),
            Outcome::Nothing => None,
        };
    }
}
