//! User exceptions: forwarded to the task's fault endpoint as a message, or the task is killed
//! with a printed reason. Nothing a user program does can stop the kernel.
use crate::arch::trap::{vector_name, SavedRegs};
use crate::ipc::write_message;
use crate::mem::frames::FrameTable;
use crate::mem::paging::Tables;
use crate::obj::endpoint::Waiting;
use crate::obj::task::{Pending, SendKind};
use crate::sched::{Kernel, Spaces, Tasks};
use abi::layout::is_user_page;
use abi::msg::fault;
use abi::{ensure, CapKind, MsgTag, PageRights, Rights, SysError};

/// The map a fault reply asks for (`fault::MAP_ZEROED`; `from`'s reply words `w`, read from its
/// registers): a zeroed frame at page `w[2]` with rights `w[3]` in the space of `to`, which `from`'s
/// capability `w[0]` must name with `MAP`, from the pool its capability `w[1]` (`MAP`) names:
/// `AsAlloc`'s checks. Fails with nothing mapped (tables it built stay the space's, as with
/// `AsAlloc`). Free of `Kernel`, so the fast path can call it while it holds the endpoint, and out
/// of line, so the IPC fast path keeps nothing across it.
#[inline(never)]
pub fn map_zeroed(
    tasks: &Tasks,
    spaces: &mut Spaces,
    frames: &mut FrameTable,
    from: u16,
    to: u16,
) -> Result<(), SysError> {
    let space = tasks.at(to).ok_or(SysError::StaleCap)?.space;
    let from = tasks.at(from).ok_or(SysError::StaleCap)?;
    let (caps, r) = (&from.caps, &from.regs);
    let w = [r.rdx, r.r10, r.r8, r.r9];
    let cap = caps.lookup(w[0], CapKind::AddressSpace, Rights::MAP)?;
    caps.lookup(w[1], CapKind::FramePool, Rights::MAP)?;
    ensure(cap.index == space, SysError::InvalidArgument)?;
    ensure(is_user_page(w[2]), SysError::BadAddress)?;
    let rights = PageRights::from_bits(w[3]).ok_or(SysError::InvalidArgument)?;
    let space = spaces.get_mut(cap.index, cap.gen)?;
    let (root, count) = (space.root, &mut space.tables);
    Tables {
        frames,
        root,
        count,
    }
    .alloc(w[2], rights)
    .map(drop)
}

const GENERAL_PROTECTION: u64 = 13;
const PAGE_FAULT: u64 = 14;

impl Kernel {
    /// The task's fault endpoint (index, badge), if it still exists.
    pub fn fault_endpoint(&mut self, t: u16) -> Option<(u16, u64)> {
        let cap = self.task(t).fault_endpoint?;
        (cap.kind == CapKind::Endpoint
            && cap.rights.contains(Rights::SEND)
            && self.endpoints.get(cap.index, cap.gen).is_ok())
        .then_some((cap.index, cap.badge))
    }

    /// Sends a message of `kind` to the task's supervisor (its fault endpoint); `false` if none.
    pub fn report(&mut self, t: u16, kind: SendKind, tag: MsgTag, words: [u64; 4]) -> bool {
        let Some((endpoint, badge)) = self.fault_endpoint(t) else {
            return false;
        };
        let msg = Pending::new(kind, badge, tag, words);
        if kind != SendKind::Fault || !self.fault_to_waiting(t, endpoint, &msg) {
            self.send(t, endpoint, msg, 0);
        }
        true
    }

    /// The fault's fast path: the handler already waits, so the notice goes straight into its
    /// registers and it runs next, as the current task (`send` would queue it, then pick it).
    fn fault_to_waiting(&mut self, t: u16, endpoint: u16, msg: &Pending) -> bool {
        let ep = self.endpoints.at_mut(endpoint);
        let Some(handler) = ep.and_then(|ep| ep.take(Waiting::Receivers)) else {
            return false;
        };
        let id = self.task(t).id;
        self.after_delivery(t, handler, SendKind::Fault, 0);
        let tag = msg.tag.with(MsgTag::CALL | MsgTag::KERNEL);
        let to = self.regs(handler);
        write_message(to, msg.badge, tag, &msg.words);
        to.r12 = id;
        if self.task(handler).affinity & self.this_bit != 0 {
            self.current = Some(handler);
        }
        // (Made current, it is only marked ready: `make_ready` returns at once.)
        self.make_ready(handler, true);
        true
    }

    /// Before `from`'s reply `msg` to `to`: the map a `fault::MAP_ZEROED` reply to a fault asks
    /// for, or the error that fails the reply. (To a caller the label is the protocol's.)
    pub fn map_on_reply(&mut self, from: u16, to: u16, msg: &Pending) -> Result<(), SysError> {
        let faulted = self.task(to).state.awaits_reply_from() == Some((from, true));
        if !faulted || msg.tag.label() != fault::MAP_ZEROED {
            return Ok(());
        }
        map_zeroed(&self.tasks, &mut self.spaces, &mut self.frames, from, to)?;
        // The map may have given the space its own copy of a shared table.
        let root = self.task(to).root;
        self.flush_elsewhere(root);
        Ok(())
    }

    /// Task `t` took exception `vector`; `cr2` is the faulting address for page faults.
    pub fn user_exception(&mut self, t: u16, cr2: u64) {
        let r: SavedRegs = self.task(t).regs;
        let port = self.port_access(t, &r);
        let (label, detail) = match (r.vector, port) {
            (PAGE_FAULT, _) => (fault::PAGE_FAULT, cr2),
            (_, Some(port)) => (fault::IO_PORT, port),
            _ => (fault::EXCEPTION, r.vector),
        };
        let words = [t as u64, detail, r.error_code, r.rip];
        if self.report(t, SendKind::Fault, MsgTag::new(label, 4, 0), words) {
            return;
        }
        let (name, vector, error, rip) = (self.task(t).name(), r.vector, r.error_code, r.rip);
        // Error code bit 0: the page was present.
        let why = ["not mapped", "protection violation"][error as usize & 1];
        let (access, vector_name) = (fault::access(error), vector_name(vector));
        let what = match label {
            fault::PAGE_FAULT => format_args!("page fault {access} {cr2:#x} ({why})"),
            fault::IO_PORT => {
                format_args!("in/out to port {detail:#x} without an I/O-port capability")
            }
            _ => format_args!("{vector_name} (vector {vector}) error={error:#x}"),
        };
        crate::kprintln!("kernel: task {t} ({name}) killed: {what} at rip={rip:#x}");
        self.destroy(CapKind::Task, t);
    }

    /// The port, if the #GP came from an `in`/`out`/`ins`/`outs` (with an operand-size prefix or
    /// none): the immediate byte, else `dx`.
    fn port_access(&mut self, t: u16, r: &SavedRegs) -> Option<u64> {
        (r.vector == GENERAL_PROTECTION).then_some(())?;
        let mut code = [0u8; 3];
        crate::mem::user::read(self.task(t).root, r.rip, &mut code).ok()?;
        let op = &code[(code[0] == 0x66) as usize..];
        match op[0] {
            0xE4..=0xE7 => Some(op[1] as u64),
            0x6C..=0x6F | 0xEC..=0xEF => Some(r.rdx & 0xFFFF),
            _ => None,
        }
    }
}
