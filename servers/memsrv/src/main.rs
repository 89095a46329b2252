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

mod check;
mod fault;
mod fork;
mod lifecycle;
mod names;
mod observe;
mod procs;
mod requests;
mod spawn;

use procs::Table;
use userlib::abi::bootfs::BootFs;
use userlib::abi::memsrv::{MemError, OBSERVER};
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
/// Frames kept back from what processes may be charged with: for what is not charged (page
/// tables, programs' loaded images, kernel objects) and the server's own needs. A sixteenth of
/// the pool, at least this many.
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
    fs: BootFs<'static>,
    /// The boot archive's length (mapped at `BOOTFS`).
    fs_len: u64,
    window: Window,
    /// Frames any one process may be charged with.
    quota: u64,
    /// Frames all processes together may be charged with (the pool minus the reserve).
    limit: u64,
    reserve: u64,
    charged: u64,
}

impl Server {
    /// Commits `frames` to `pid` for something it asked for (`page_alloc`, `sbrk`, `fork`), if
    /// its quota and the pool (less the reserve) allow. Commitment is strict accounting, as
    /// Linux's `overcommit_memory=2`: a process is charged for every page it may have privately
    /// and writably mapped (a page shared copy-on-write is committed to every sharer), so a write
    /// never finds memory missing and fork fails up front when it could not be honoured.
    fn charge(&mut self, pid: u64, frames: u64) -> Result<(), MemError> {
        let p = self.procs.get(pid).ok_or(MemError::NoChild)?;
        if p.charged + frames > self.quota || self.charged + frames > self.limit {
            return Err(MemError::OutOfMemory);
        }
        self.charge_fault(pid, frames)
    }

    /// Commits `frames` to `pid` for a stack page it touched. The quota does not apply, and it
    /// may use a quarter of the reserve: a process that was refused memory must still be able to
    /// call a function. The stack's size bounds it.
    fn charge_fault(&mut self, pid: u64, frames: u64) -> Result<(), MemError> {
        let p = self.procs.get_mut(pid).ok_or(MemError::NoChild)?;
        if self.charged + frames > self.limit + self.reserve / 4 {
            return Err(MemError::OutOfMemory);
        }
        p.charged += frames;
        self.charged += frames;
        Ok(())
    }

    /// Takes back a charge made for something that then failed, or for a process that ended.
    fn uncharge(&mut self, pid: u64, frames: u64) {
        if let Some(p) = self.procs.get_mut(pid) {
            let frames = frames.min(p.charged);
            p.charged -= frames;
            self.charged -= frames;
        }
    }
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
        fs: boot_archive(archive_len),
        fs_len: archive_len,
        window,
        quota: limit / 2,
        limit,
        reserve,
        charged: 0,
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
