//! One safe function per syscall ([`Sysnum`]). Arguments and results follow `docs/syscalls.md`;
//! errors come back as [`SysError`]. Higher-level wrappers live in [`crate::cap`] and [`crate::ipc`].
//!
//! Note: the address-space calls can change the caller's own mappings when given a capability to
//! the caller's own address space (only init holds one); unmapping or remapping memory that Rust
//! code is using is the caller's responsibility.

use crate::arch::{syscall, syscall_no_args, syscall_r12, SysOut};
use crate::ipc::{ipc_word, Received};
use crate::Result;
use abi::device::Geometry;
use abi::inspect::Activity;
use abi::qemu::ExitCode;
use abi::space::{MappedPage, ShareMode, UnmapFlags, PAGES_PER_CALL};
use abi::{CapKind, CapSlot, Message, MsgTag, PageRights, Rights, SysError, Sysnum};

/// Most bytes one `DebugWrite` takes.
pub const DEBUG_WRITE_MAX: usize = 4096;

/// "No reply target" for [`reply_recv`]: just receive.
pub const NO_REPLY: u64 = u64::MAX;

#[inline]
fn slot(s: CapSlot) -> u64 {
    s.0 as u64
}

#[inline]
fn check(out: SysOut) -> Result<SysOut> {
    SysError::from_rax(out.rax).map(|()| out)
}

#[inline]
fn call0(num: Sysnum, a: [u64; 6]) -> Result<SysOut> {
    check(syscall(num, a))
}

#[inline]
fn received(out: SysOut) -> Received {
    let tag = MsgTag(out.r[1]);
    Received {
        badge: out.r[0],
        sender: out.r12,
        flags: tag.flags(),
        msg: Message {
            tag: tag.without_flags(),
            words: [out.r[2], out.r[3], out.r[4], out.r[5]],
        },
    }
}

/// Writes bytes to the kernel console (the serial port), in chunks of [`DEBUG_WRITE_MAX`].
#[inline]
pub fn debug_write(bytes: &[u8]) -> Result<()> {
    for chunk in bytes.chunks(DEBUG_WRITE_MAX) {
        debug_write_raw(chunk.as_ptr() as u64, chunk.len() as u64)?;
    }
    Ok(())
}

/// `DebugWrite` with an arbitrary address and length (the kernel checks them; this is how tests
/// provoke `BadAddress` and `NotMapped`). The kernel only reads the range.
#[inline]
pub fn debug_write_raw(ptr: u64, len: u64) -> Result<()> {
    call0(Sysnum::DebugWrite, [ptr, len, 0, 0, 0, 0]).map(drop)
}

/// Gives up the rest of the time slice.
#[inline]
pub fn yield_now() {
    let _ = syscall_no_args(Sysnum::Yield);
}

/// The calling task's id (its "pid").
#[inline]
pub fn task_self() -> u64 {
    syscall_no_args(Sysnum::TaskSelf).r[0]
}

/// Ends the calling task with `status` (sign-extended to 64 bits); its supervisor is told.
#[inline]
pub fn exit(status: i32) -> ! {
    let _ = syscall(Sysnum::Exit, [status as i64 as u64, 0, 0, 0, 0, 0]);
    // Exit does not return; should the kernel ever get that wrong, do not run on.
    loop {
        yield_now();
    }
}

/// Sends on endpoint `ep` (blocks until a receiver takes the message). Words from index
/// [`abi::msg::REG_WORDS`] on and capabilities come from the IPC buffer (see [`crate::ipc`]).
#[inline]
pub fn send(ep: CapSlot, tag: MsgTag, words: [u64; 4]) -> Result<()> {
    let [w0, w1, w2, w3] = words;
    call0(Sysnum::Send, [slot(ep), tag.0, w0, w1, w2, w3]).map(drop)
}

/// Receives on endpoint `ep` (blocks until a message arrives).
#[inline]
pub fn recv(ep: CapSlot) -> Result<Received> {
    recv_timeout(ep, 0)
}

/// Receives on endpoint `ep`, waiting at most `ticks` timer ticks ([`abi::HZ`] a second;
/// 0 waits forever): [`SysError::TimedOut`] when they pass with no message.
#[inline]
pub fn recv_timeout(ep: CapSlot, ticks: u64) -> Result<Received> {
    check(syscall_r12(Sysnum::Recv, [slot(ep), ticks, 0, 0, 0, 0], 0)).map(received)
}

/// Sends on `ep`, then waits for the reply.
#[inline]
pub fn call(ep: CapSlot, tag: MsgTag, words: [u64; 4]) -> Result<Message> {
    let [w0, w1, w2, w3] = words;
    let out = call0(Sysnum::Call, [slot(ep), tag.0, w0, w1, w2, w3])?;
    Ok(Message {
        tag: MsgTag(out.r[1]),
        words: [out.r[2], out.r[3], out.r[4], out.r[5]],
    })
}

/// [`call`] that gives up after `ticks` timer ticks ([`abi::HZ`] a second; 0 waits forever) with
/// [`SysError::TimedOut`], whether nobody received the message (then it was not delivered) or
/// nobody replied (then the receiver has it, and its late reply finds nobody: `Reply` fails with
/// `NoReplyTarget`). For calling a capability nobody vouches for, such as one a client lent.
#[inline]
pub fn call_timeout(ep: CapSlot, tag: MsgTag, words: [u64; 4], ticks: u64) -> Result<Message> {
    let [w0, w1, w2, w3] = words;
    let a = [slot(ep), tag.0, w0, w1, w2, w3];
    let out = check(syscall_r12(Sysnum::CallTimeout, a, ticks))?;
    Ok(Message {
        tag: MsgTag(out.r[1]),
        words: [out.r[2], out.r[3], out.r[4], out.r[5]],
    })
}

/// Replies to task `target`, which is blocked in `Call` to the caller.
#[inline]
pub fn reply(target: u64, tag: MsgTag, words: [u64; 4]) -> Result<()> {
    let [w0, w1, w2, w3] = words;
    check(syscall_r12(
        Sysnum::Reply,
        [0, tag.0, w0, w1, w2, w3],
        target,
    ))
    .map(drop)
}

/// Replies to `target` with the capabilities named by `ipc::set_send_caps` (`tag.caps()` of them),
/// on the authority of `ep`, an endpoint capability with `RECEIVE` and `GRANT`: for a server that
/// answers a call later, outside `ReplyRecv`.
#[inline]
pub fn reply_granting(target: u64, ep: CapSlot, tag: MsgTag, words: [u64; 4]) -> Result<()> {
    let [w0, w1, w2, w3] = words;
    check(syscall_r12(
        Sysnum::Reply,
        [slot(ep), tag.0, w0, w1, w2, w3],
        target,
    ))
    .map(drop)
}

/// Replies to `target` (or to nobody if it is [`NO_REPLY`]), then receives on `ep`.
#[inline]
pub fn reply_recv(target: u64, ep: CapSlot, tag: MsgTag, words: [u64; 4]) -> Result<Received> {
    let [w0, w1, w2, w3] = words;
    let a = [slot(ep), tag.0, w0, w1, w2, w3];
    check(syscall_r12(Sysnum::ReplyRecv, a, target)).map(received)
}

/// Copies the capability in `src` to the empty slot `dst`, keeping the rights in `mask`.
#[inline]
pub fn cap_copy(src: CapSlot, dst: CapSlot, mask: Rights) -> Result<()> {
    call0(
        Sysnum::CapCopy,
        [slot(src), slot(dst), mask.bits(), 0, 0, 0],
    )
    .map(drop)
}

/// Copies the unbadged endpoint capability in `src` to `dst` with `badge` and the rights in `mask`.
#[inline]
pub fn cap_mint(src: CapSlot, dst: CapSlot, mask: Rights, badge: u64) -> Result<()> {
    call0(
        Sysnum::CapMint,
        [slot(src), slot(dst), mask.bits(), badge, 0, 0],
    )
    .map(drop)
}

/// Empties a slot.
#[inline]
pub fn cap_delete(s: CapSlot) -> Result<()> {
    call0(Sysnum::CapDelete, [slot(s), 0, 0, 0, 0, 0]).map(drop)
}

/// What a capability is, as `CapInfo` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapInfo {
    /// What it points at.
    pub kind: CapKind,
    /// What it allows.
    pub rights: Rights,
    /// The badge it was minted with (0 if none): what a receiver sees as the sender's badge.
    pub badge: u64,
    /// Which object it names: equal for all capabilities to one object, never another's.
    pub object: u64,
}

/// Describes the capability in a slot.
#[inline]
pub fn cap_info(s: CapSlot) -> Result<CapInfo> {
    let out = call0(Sysnum::CapInfo, [slot(s), 0, 0, 0, 0, 0])?;
    Ok(CapInfo {
        kind: CapKind::from_raw(out.r[0]).ok_or(SysError::InvalidArgument)?,
        rights: Rights::from_bits_retain(out.r[1]),
        badge: out.r[2],
        object: out.r[3],
    })
}

/// Takes a zeroed frame from a pool; returns its frame number.
#[inline]
pub fn frame_alloc(pool: CapSlot) -> Result<u64> {
    Ok(call0(Sysnum::FrameAlloc, [slot(pool), 0, 0, 0, 0, 0])?.r[0])
}

/// Returns an unmapped frame to its pool.
#[inline]
pub fn frame_free(pool: CapSlot, frame: u64) -> Result<()> {
    call0(Sysnum::FrameFree, [slot(pool), frame, 0, 0, 0, 0]).map(drop)
}

/// Creates an empty address space in slot `dst`.
#[inline]
pub fn as_create(pool: CapSlot, dst: CapSlot) -> Result<()> {
    call0(Sysnum::AsCreate, [slot(pool), slot(dst), 0, 0, 0, 0]).map(drop)
}

/// Maps pool frame `frame` at `vaddr` in an address space.
#[inline]
pub fn as_map(
    space: CapSlot,
    pool: CapSlot,
    frame: u64,
    vaddr: u64,
    rights: PageRights,
) -> Result<()> {
    let a = [slot(space), slot(pool), frame, vaddr, rights.bits(), 0];
    call0(Sysnum::AsMap, a).map(drop)
}

/// Removes the mapping at `vaddr`; returns the frame that was mapped.
#[inline]
pub fn as_unmap(space: CapSlot, vaddr: u64) -> Result<u64> {
    as_unmap_flags(space, vaddr, UnmapFlags::empty())
}

/// Removes the mapping at `vaddr` and, if it was the frame's last, returns the frame to its pool.
#[inline]
pub fn as_release(space: CapSlot, vaddr: u64) -> Result<u64> {
    as_unmap_flags(space, vaddr, UnmapFlags::RELEASE)
}

#[inline]
fn as_unmap_flags(space: CapSlot, vaddr: u64, flags: UnmapFlags) -> Result<u64> {
    Ok(call0(Sysnum::AsUnmap, [slot(space), vaddr, flags.bits(), 0, 0, 0])?.r[0])
}

/// Takes a zeroed frame from `pool` and maps it at `vaddr`; returns the frame.
#[inline]
pub fn as_alloc(space: CapSlot, pool: CapSlot, vaddr: u64, rights: PageRights) -> Result<u64> {
    as_alloc_counted(space, pool, vaddr, rights).map(|(frame, _)| frame)
}

/// [`as_alloc`], also returning how many page-table frames the space has afterwards.
#[inline]
pub fn as_alloc_counted(
    space: CapSlot,
    pool: CapSlot,
    vaddr: u64,
    rights: PageRights,
) -> Result<(u64, u64)> {
    let a = [slot(space), slot(pool), vaddr, rights.bits(), 0, 0];
    let out = call0(Sysnum::AsAlloc, a)?;
    Ok((out.r[0], out.r[1]))
}

/// Shares (or copies, see [`ShareMode`]) the mappings of `src` in `[start, end)` into `dst` at
/// the same addresses. The kernel does a bounded amount of work per call and returns the address
/// to continue from; it is `end` when the range is done. Copies come from `pool`.
#[inline]
pub fn as_share(
    src: CapSlot,
    dst: CapSlot,
    start: u64,
    end: u64,
    mode: ShareMode,
    pool: CapSlot,
) -> Result<u64> {
    let a = [slot(src), slot(dst), start, end, mode.to_word(), slot(pool)];
    Ok(call0(Sysnum::AsShare, a)?.r[0])
}

/// [`as_share`] until the whole range is done.
pub fn as_share_all(
    src: CapSlot,
    dst: CapSlot,
    start: u64,
    end: u64,
    mode: ShareMode,
    pool: CapSlot,
) -> Result<()> {
    let mut at = start;
    while at < end {
        at = as_share(src, dst, at, end, mode, pool)?;
    }
    Ok(())
}

/// Replaces the mapping at `vaddr` with a copy of its frame (a fresh frame from `pool`) mapped
/// with `rights`; the old frame loses one mapping (and goes back to its pool if that was the
/// last). Returns the new frame.
#[inline]
pub fn as_copy(space: CapSlot, pool: CapSlot, vaddr: u64, rights: PageRights) -> Result<u64> {
    let a = [slot(space), slot(pool), vaddr, rights.bits(), 0, 0];
    Ok(call0(Sysnum::AsCopy, a)?.r[0])
}

/// Changes the rights of the mapping at `vaddr`.
#[inline]
pub fn as_protect(space: CapSlot, vaddr: u64, rights: PageRights) -> Result<()> {
    call0(
        Sysnum::AsProtect,
        [slot(space), vaddr, rights.bits(), 0, 0, 0],
    )
    .map(drop)
}

/// The frame and rights mapped at `vaddr`.
#[inline]
pub fn as_query(space: CapSlot, vaddr: u64) -> Result<(u64, PageRights)> {
    as_mapping(space, vaddr).map(|m| (m.frame, m.rights))
}

/// What is mapped at an address ([`as_mapping`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The physical frame number.
    pub frame: u64,
    /// The mapping's rights in this address space.
    pub rights: PageRights,
    /// How many mappings the frame has, in all address spaces (copy-on-write: 1 means the last
    /// sharer, which can simply regain `WRITE`).
    pub maps: u64,
    /// How many page-table frames the address space has (its root included).
    pub tables: u64,
}

/// The frame, rights and map count of what is mapped at `vaddr`.
#[inline]
pub fn as_mapping(space: CapSlot, vaddr: u64) -> Result<Mapping> {
    let out = call0(Sysnum::AsQuery, [slot(space), vaddr, 0, 0, 0, 0])?;
    Ok(Mapping {
        frame: out.r[0],
        rights: PageRights::from_bits_retain(out.r[1]),
        maps: out.r[2],
        tables: out.r[3],
    })
}

/// What one [`as_pages`] call listed: `count` pages, in the IPC buffer's words, and where to go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Pages listed (at most [`PAGES_PER_CALL`]).
    pub count: usize,
    /// The address to go on from (the range's end when done).
    pub next: u64,
}

impl Listed {
    /// The pages, read from the IPC buffer (so before the next message or listing).
    pub fn pages(&self) -> impl Iterator<Item = MappedPage> {
        let count = self.count.min(PAGES_PER_CALL);
        (0..count).map(|i| MappedPage::unpack([ipc_word(2 * i), ipc_word(2 * i + 1)]))
    }
}

/// The mapped pages of `[start, end)` (page-aligned, `end` at most `USER_TOP`) of `space` (needs
/// `READ`), in address order, into the IPC buffer: at most [`PAGES_PER_CALL`] and a bounded walk
/// per call, so walk a range by calling again from [`Listed::next`] until it reaches `end`.
#[inline]
pub fn as_pages(space: CapSlot, start: u64, end: u64) -> Result<Listed> {
    let out = call0(Sysnum::AsPages, [slot(space), start, end, 0, 0, 0])?;
    Ok(Listed {
        count: out.r[0] as usize,
        next: out.r[1],
    })
}

/// Destroys an address space no task uses.
#[inline]
pub fn as_destroy(space: CapSlot) -> Result<()> {
    call0(Sysnum::AsDestroy, [slot(space), 0, 0, 0, 0, 0]).map(drop)
}

/// Creates a stopped task in an address space, in slot `dst`; returns its task id.
#[inline]
pub fn task_create(space: CapSlot, dst: CapSlot) -> Result<u64> {
    Ok(call0(Sysnum::TaskCreate, [slot(space), slot(dst), 0, 0, 0, 0])?.r[0])
}

/// What `TaskCaps` says besides the slots it wrote into the IPC buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskCapsInfo {
    /// Slots described (two IPC buffer words each, `abi::inspect::CapEntry`).
    pub slots: u64,
    /// `abi::inspect::Activity`, raw.
    pub activity: u64,
    /// The endpoint (or, awaiting a reply, the task) it waits on.
    pub on: u64,
    /// The CPU it runs on, is queued on, or last ran on.
    pub cpu: u64,
}

/// A task's capabilities from slot `first` into the caller's IPC buffer words, and what it waits
/// on (needs the task capability with `READ`).
#[inline]
pub fn task_caps(task: CapSlot, first: u64) -> Result<TaskCapsInfo> {
    let out = call0(Sysnum::TaskCaps, [slot(task), first, 0, 0, 0, 0])?;
    Ok(TaskCapsInfo {
        slots: out.r[0],
        activity: out.r[1],
        on: out.r[2],
        cpu: out.r[3],
    })
}

/// What a task is doing: `TaskCaps` asked from past its last slot, so no slot is described and
/// nothing is written into the caller's IPC buffer (needs the task capability with `READ`).
#[inline]
pub fn task_activity(task: CapSlot) -> Result<Activity> {
    let info = task_caps(task, abi::cap::CAP_SLOTS as u64)?;
    Activity::from_raw(info.activity).ok_or(SysError::InvalidArgument)
}

/// The states of frames from `first` on, a byte each (`abi::frames`), into the caller's IPC
/// buffer words; returns (frames described, frames in all). Needs the system capability with
/// `READ`.
#[inline]
pub fn frame_states(system: CapSlot, first: u64) -> Result<(u64, u64)> {
    let out = call0(Sysnum::FrameStates, [slot(system), first, 0, 0, 0, 0])?;
    Ok((out.r[0], out.r[1]))
}

/// Writes bytes to the serial port only, as they are, not into the console page (terminal
/// escapes). Needs the system capability with `READ`.
#[inline]
pub fn serial_write(system: CapSlot, bytes: &[u8]) -> Result<()> {
    for chunk in bytes.chunks(DEBUG_WRITE_MAX) {
        let a = [
            chunk.as_ptr() as u64,
            chunk.len() as u64,
            abi::frames::SERIAL_ONLY,
            slot(system),
            0,
            0,
        ];
        call0(Sysnum::DebugWrite, a)?;
    }
    Ok(())
}

/// Copies a task's registers into the caller's IPC buffer (words 0..[`abi::regs::UserRegs::WORDS`]).
/// [`crate::Task::read_regs`] also reads them back out.
#[inline]
pub fn task_read_regs(task: CapSlot) -> Result<()> {
    call0(Sysnum::TaskReadRegs, [slot(task), 0, 0, 0, 0, 0]).map(drop)
}

/// Sets a stopped task's registers from the caller's IPC buffer.
/// [`crate::Task::write_regs`] puts them there first.
#[inline]
pub fn task_write_regs(task: CapSlot) -> Result<()> {
    call0(Sysnum::TaskWriteRegs, [slot(task), 0, 0, 0, 0, 0]).map(drop)
}

/// Makes a stopped task runnable.
#[inline]
pub fn task_start(task: CapSlot) -> Result<()> {
    call0(Sysnum::TaskStart, [slot(task), 0, 0, 0, 0, 0]).map(drop)
}

/// Stops a task.
#[inline]
pub fn task_stop(task: CapSlot) -> Result<()> {
    call0(Sysnum::TaskStop, [slot(task), 0, 0, 0, 0, 0]).map(drop)
}

/// Destroys a task.
#[inline]
pub fn task_destroy(task: CapSlot) -> Result<()> {
    call0(Sysnum::TaskDestroy, [slot(task), 0, 0, 0, 0, 0]).map(drop)
}

/// Installs a copy of endpoint `ep` as the task's fault endpoint.
#[inline]
pub fn task_set_fault(task: CapSlot, ep: CapSlot) -> Result<()> {
    call0(Sysnum::TaskSetFault, [slot(task), slot(ep), 0, 0, 0, 0]).map(drop)
}

/// Copies the capability in the caller's `src` into slot `dst` of the task, keeping `mask`'s rights.
#[inline]
pub fn task_give_cap(task: CapSlot, src: CapSlot, dst: CapSlot, mask: Rights) -> Result<()> {
    let a = [slot(task), slot(src), slot(dst), mask.bits(), 0, 0];
    call0(Sysnum::TaskGiveCap, a).map(drop)
}

/// Names a task (at most 16 bytes of UTF-8; longer names are cut at a character boundary): the
/// kernel's diagnostics and the debugger show it.
#[inline]
pub fn task_set_name(task: CapSlot, name: &str) -> Result<()> {
    let mut len = name.len().min(16);
    while !name.is_char_boundary(len) {
        len -= 1;
    }
    let mut bytes = [0u8; 16];
    bytes[..len].copy_from_slice(&name.as_bytes()[..len]);
    let [lo, hi] = [0, 8].map(|i| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8])));
    call0(Sysnum::TaskSetName, [slot(task), lo, hi, 0, 0, 0]).map(drop)
}

/// Lets `task` run only on the CPUs in `cpus` (a bit each; 0 leaves them as they are). Returns
/// the CPUs that run and the task's CPUs now (`InvalidArgument`: none of `cpus` runs).
#[inline]
pub fn task_set_affinity(task: CapSlot, cpus: u8) -> Result<(u8, u8)> {
    let r = call0(
        Sysnum::TaskSetAffinity,
        [slot(task), cpus.into(), 0, 0, 0, 0],
    )?;
    Ok((r.r[0] as u8, r.r[1] as u8))
}

/// Creates an endpoint in slot `dst`.
#[inline]
pub fn endpoint_create(pool: CapSlot, dst: CapSlot) -> Result<()> {
    call0(Sysnum::EndpointCreate, [slot(pool), slot(dst), 0, 0, 0, 0]).map(drop)
}

/// Destroys an endpoint; tasks waiting on it wake with [`SysError::PeerDied`].
#[inline]
pub fn endpoint_destroy(ep: CapSlot) -> Result<()> {
    call0(Sysnum::EndpointDestroy, [slot(ep), 0, 0, 0, 0, 0]).map(drop)
}

/// Creates a notification in slot `dst` (signal, wait and destroy rights), paid from `pool`.
#[inline]
pub fn notification_create(pool: CapSlot, dst: CapSlot) -> Result<()> {
    call0(
        Sysnum::NotificationCreate,
        [slot(pool), slot(dst), 0, 0, 0, 0],
    )
    .map(drop)
}

/// ORs the capability's badge (bit 0 if it is unbadged) into notification `n`'s bits.
#[inline]
pub fn signal(n: CapSlot) -> Result<()> {
    call0(Sysnum::Signal, [slot(n), 0, 0, 0, 0, 0]).map(drop)
}

/// Blocks until notification `n`'s bits are not zero; returns them, cleared.
#[inline]
pub fn wait(n: CapSlot) -> Result<u64> {
    call0(Sysnum::Wait, [slot(n), 0, 0, 0, 0, 0]).map(|out| out.r[0])
}

/// Notification `n`'s bits (maybe zero), cleared, without blocking.
#[inline]
pub fn poll(n: CapSlot) -> Result<u64> {
    call0(Sysnum::Poll, [slot(n), 0, 0, 0, 0, 0]).map(|out| out.r[0])
}

/// Binds notification `n` to the calling task: its `Recv` and `ReplyRecv` also return when `n`
/// has bits ([`Received::notified`], the bits in [`Received::badge`]).
#[inline]
pub fn notification_bind(n: CapSlot) -> Result<()> {
    call0(Sysnum::NotificationBind, [slot(n), 0, 0, 0, 0, 0]).map(drop)
}

/// Destroys notification `n` (every capability to it); waiting tasks wake with `PeerDied`.
#[inline]
pub fn notification_destroy(n: CapSlot) -> Result<()> {
    call0(Sysnum::NotificationDestroy, [slot(n), 0, 0, 0, 0, 0]).map(drop)
}

/// Makes the capability (in `dst`) for interrupt line `line` (0-15; not the kernel's), from the
/// system capability with `DEVICE`. One handler per line until its last capability goes.
#[inline]
pub fn irq_handler_create(system: CapSlot, line: u64, dst: CapSlot) -> Result<()> {
    let a = [slot(system), line, slot(dst), 0, 0, 0];
    call0(Sysnum::IrqHandlerCreate, a).map(drop)
}

/// Binds interrupt `handler`'s line to notification `n` (it signals `n`'s badge, bit 0 if
/// unbadged) and unmasks the line.
#[inline]
pub fn irq_set_notification(handler: CapSlot, n: CapSlot) -> Result<()> {
    call0(
        Sysnum::IrqSetNotification,
        [slot(handler), slot(n), 0, 0, 0, 0],
    )
    .map(drop)
}

/// The interrupt is handled: unmask `handler`'s line (masked by the kernel when it fired).
#[inline]
pub fn irq_ack(handler: CapSlot) -> Result<()> {
    call0(Sysnum::IrqAck, [slot(handler), 0, 0, 0, 0, 0]).map(drop)
}

/// Makes the capability (in `dst`) for ports `first..first + count` (none the kernel keeps: see
/// `abi::device`), from the system capability with `DEVICE`.
#[inline]
pub fn io_port_create(system: CapSlot, first: u16, count: u64, dst: CapSlot) -> Result<()> {
    let a = [slot(system), first as u64, count, slot(dst), 0, 0];
    call0(Sysnum::IoPortCreate, a).map(drop)
}

/// Reads `port` (within `ports`' range), `width` bytes: 1, 2 or 4.
#[inline]
pub fn io_in(ports: CapSlot, port: u16, width: u64) -> Result<u32> {
    let a = [slot(ports), port as u64, width, 0, 0, 0];
    call0(Sysnum::IoIn, a).map(|out| out.r[0] as u32)
}

/// Writes `value` (which must fit `width` bytes: 1, 2 or 4) to `port` (within `ports`' range).
#[inline]
pub fn io_out(ports: CapSlot, port: u16, width: u64, value: u32) -> Result<()> {
    let a = [slot(ports), port as u64, width, value as u64, 0, 0];
    call0(Sysnum::IoOut, a).map(drop)
}

/// Makes the capability (in `dst`) for the memory of `device` (`abi::device::FRAMEBUFFER`), from
/// the system capability with `DEVICE`; returns the device's geometry. `NotMapped`: the machine
/// has no such device.
#[inline]
pub fn device_frames_create(system: CapSlot, device: u64, dst: CapSlot) -> Result<Geometry> {
    let a = [slot(system), device, slot(dst), 0, 0, 0];
    call0(Sysnum::DeviceFramesCreate, a).map(|out| Geometry::unpack(out.r))
}

/// Maps page `page` of a device's memory (capability `frames`) at `vaddr` in `space` (never
/// executable); returns the space's count of page-table frames.
#[inline]
pub fn as_map_device(
    frames: CapSlot,
    space: CapSlot,
    vaddr: u64,
    page: u64,
    rights: PageRights,
) -> Result<u64> {
    let a = [slot(frames), slot(space), vaddr, page, rights.bits(), 0];
    call0(Sysnum::AsMapDevice, a).map(|out| out.r[0])
}

/// Ends the whole system with `code`. Returns only if the kernel refused.
#[inline]
pub fn shutdown(system: CapSlot, code: ExitCode) -> Result<()> {
    let a = [slot(system), code.raw() as u64, 0, 0, 0, 0];
    call0(Sysnum::Shutdown, a).map(drop)
}

/// Frame counts by state, as `FrameCensus` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Census {
    /// Free frames.
    pub free: u64,
    /// Frames the kernel keeps for its own data (frame tables, the console page).
    pub kernel: u64,
    /// Page-table pages of all address spaces.
    pub page_table: u64,
    /// Frames mapped into user space or allocated from a pool.
    pub user: u64,
    /// Live tasks (kernel objects, like the next two).
    pub tasks: u64,
    /// Live address spaces.
    pub spaces: u64,
    /// Live endpoints.
    pub endpoints: u64,
    /// Live notifications.
    pub notifications: u64,
    /// The kernel's audit passed: frame accounting against the page tables, and every object's
    /// reference count against the capabilities that name it.
    pub consistent: bool,
}

/// Counts frames by state (and has the kernel check its accounting).
#[inline]
pub fn frame_census(system: CapSlot) -> Result<Census> {
    let out = call0(Sysnum::FrameCensus, [slot(system), 0, 0, 0, 0, 0])?;
    Ok(Census {
        free: out.r[0],
        kernel: out.r[1],
        page_table: out.r[2],
        user: out.r[3],
        tasks: out.r[5] & 0xffff,
        spaces: (out.r[5] >> 16) & 0xffff,
        endpoints: (out.r[5] >> 32) & 0xffff,
        notifications: out.r[5] >> 48,
        consistent: out.r[4] == 1,
    })
}
