//! Tasks: a thread of execution with an address space, a capability table and IPC state.
use super::cap::{Cap, CapTable};
use crate::arch::trap::SavedRegs;
use abi::inspect::Activity;
use abi::msg::REG_WORDS;
use abi::MsgTag;

pub const MAX_TASKS: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Runnable (queued, or the current task).
    Ready,
    /// Created or stopped; `TaskStart` makes it ready.
    Stopped,
    /// Waiting in an endpoint's queue to deliver `pending`; a `CallTimeout` gives up at tick
    /// `deadline` (0: never) with `TimedOut`.
    Sending { endpoint: u16, deadline: u64 },
    /// Waiting in an endpoint's queue for a message.
    Receiving { endpoint: u16 },
    /// The same, until tick `deadline`, when it wakes with `TimedOut`. (The deadline lives in the
    /// state, so whatever ends the wait ends the timeout too; a separate state, so the IPC fast
    /// path stores no deadline.)
    ReceivingUntil { endpoint: u16, deadline: u64 },
    /// Its call (or fault) was delivered to `server`, which has not replied yet.
    AwaitingReply { server: u16, fault: bool },
    /// A `CallTimeout`'s call was delivered to `server`: the same, until tick `deadline`, when it
    /// wakes with `TimedOut` and a late reply finds nobody awaiting it. (A separate state, so the
    /// fast path stores no deadline and leaves replies to these callers to the general path.)
    AwaitingReplyUntil { server: u16, deadline: u64 },
    /// Called `Exit` and told its supervisor; waits to be destroyed.
    Exited,
    /// Waiting in a notification's queue for its bits (`Wait`).
    Waiting { notification: u16 },
}

impl State {
    /// The tick at which this wait ends with `TimedOut`, if it has one.
    pub fn deadline(self) -> Option<u64> {
        match self {
            State::ReceivingUntil { deadline, .. } | State::AwaitingReplyUntil { deadline, .. } => {
                Some(deadline)
            }
            State::Sending { deadline, .. } if deadline != 0 => Some(deadline),
            _ => None,
        }
    }

    /// What the task does, as `TaskCaps` reports it: its activity and the endpoint, task or
    /// notification it waits on (0 if none).
    pub fn activity(self) -> (Activity, u16) {
        match self {
            State::Ready => (Activity::Ready, 0),
            State::Stopped => (Activity::Stopped, 0),
            State::Sending { endpoint, .. } => (Activity::Sending, endpoint),
            State::Receiving { endpoint } | State::ReceivingUntil { endpoint, .. } => {
                (Activity::Receiving, endpoint)
            }
            State::AwaitingReply { server, .. } | State::AwaitingReplyUntil { server, .. } => {
                (Activity::AwaitingReply, server)
            }
            State::Exited => (Activity::Exited, 0),
            State::Waiting { notification } => (Activity::Waiting, notification),
        }
    }

    /// The task awaits a reply from `server` (and whether to a fault).
    pub fn awaits_reply_from(self) -> Option<(u16, bool)> {
        match self {
            State::AwaitingReply { server, fault } => Some((server, fault)),
            State::AwaitingReplyUntil { server, .. } => Some((server, false)),
            _ => None,
        }
    }
}

/// What a waiting sender will deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendKind {
    Send,
    Call,
    /// A fault the kernel reports for the task; the reply resumes it.
    Fault,
    /// The task's exit notice; nobody replies.
    Exit,
    /// A reply to a caller (never queued).
    Reply,
}

#[derive(Clone, Copy, Debug)]
pub struct Pending {
    pub kind: SendKind,
    pub badge: u64,
    pub tag: MsgTag,
    pub words: [u64; REG_WORDS],
}

impl Pending {
    pub fn new(kind: SendKind, badge: u64, tag: MsgTag, words: [u64; REG_WORDS]) -> Pending {
        Pending {
            kind,
            badge,
            tag,
            words,
        }
    }
}

/// `repr(C)`: `regs` first and `id` right after, for the null syscall (`crate::entry`).
#[repr(C)]
pub struct Task {
    /// Saved user registers; TSS.RSP0 points at the end of this while the task runs.
    pub regs: SavedRegs,
    /// The id user space sees (`task_id` of its index and generation).
    pub id: u64,
    /// The CPU whose run queue holds it (ready), or that ran it last.
    pub cpu: u8,
    /// The CPUs it may run on, a bit each (`TaskSetAffinity`; all by default).
    pub affinity: u8,
    pub space: u16,
    /// The space's top-level table frame (cached for switching).
    pub root: u64,
    pub caps: CapTable,
    pub state: State,
    /// Where faults and the exit notice go; `None` means the kernel kills and reports.
    pub fault_endpoint: Option<Cap>,
    pub pending: Pending,
    /// The name its creator gave it (`TaskSetName`), for diagnostics and debuggers.
    pub name: [u8; NAME_LEN],
    /// The user's DS, ES, FS and GS selectors, packed (see `arch::cpu::data_segments`): loaded
    /// when the task is entered, saved when it leaves having changed them.
    pub segments: u64,
    /// The notification bound to this task (`Notification::bound` names it back): its `Recv` also
    /// returns that notification's bits.
    pub notification: Option<u16>,
}

/// Longest task name, in bytes.
pub const NAME_LEN: usize = 16;

impl Task {
    pub fn new(space: u16, root: u64, regs: SavedRegs) -> Task {
        Task {
            regs,
            id: 0,
            cpu: 0,
            affinity: u8::MAX,
            space,
            root,
            caps: CapTable::new(),
            state: State::Stopped,
            fault_endpoint: None,
            pending: Pending::new(SendKind::Send, 0, MsgTag(0), [0; REG_WORDS]),
            name: [0; NAME_LEN],
            segments: 0,
            notification: None,
        }
    }

    /// The name as text ("?" if it has none or it is not UTF-8).
    pub fn name(&self) -> &str {
        let len = self.name.iter().position(|&b| b == 0).unwrap_or(NAME_LEN);
        match core::str::from_utf8(&self.name[..len]) {
            Ok(s) if !s.is_empty() => s,
            _ => "?",
        }
    }
}
