//! What `TaskCaps` reports about another task: its capabilities (two words a slot, in the caller's
//! IPC buffer) and what it waits for. For the memory viewer and debuggers; the task capability
//! with `READ` is needed, as for reading registers.

use crate::{CapKind, Rights};

/// Slots described by one `TaskCaps` call (two message words each).
pub const SLOTS_PER_CALL: usize = crate::msg::MAX_WORDS / 2;

/// One capability of the task, decoded from its two words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapEntry {
    /// What it names (`Empty` for an empty slot).
    pub kind: CapKind,
    /// What it allows.
    pub rights: Rights,
    /// The object's index in its kernel table (tasks, spaces, endpoints).
    pub index: u16,
    /// The object's generation, modulo 2^32 (a stale capability names an older one).
    pub gen: u32,
    /// Its badge (0: none).
    pub badge: u64,
}

impl CapEntry {
    /// The first word: kind, rights, object index and generation packed.
    pub fn pack(kind: CapKind, rights: Rights, index: u16, gen: u64) -> u64 {
        kind.raw() | rights.bits() << 8 | (index as u64) << 16 | (gen & 0xffff_ffff) << 32
    }

    /// The entry from its two words.
    pub fn unpack(word: u64, badge: u64) -> CapEntry {
        CapEntry {
            kind: CapKind::from_raw(word & 0xff).unwrap_or(CapKind::Empty),
            rights: Rights::from_bits_truncate((word >> 8) & 0xff),
            index: (word >> 16) as u16,
            gen: (word >> 32) as u32,
            badge,
        }
    }
}

numbered_enum! {
    /// What the task is doing (`TaskCaps`'s r1); r2 names the object it waits on.
    pub enum Activity: u64 {
        /// Runnable.
        Ready = 0,
        /// Created or stopped.
        Stopped = 1,
        /// Waiting to send on endpoint r2 (a `Send`, a `Call`, a fault or its exit notice).
        Sending = 2,
        /// Waiting for a message on endpoint r2 (serving it).
        Receiving = 3,
        /// Waiting for task r2 (its index) to reply.
        AwaitingReply = 4,
        /// Exited; waits to be destroyed.
        Exited = 5,
        /// Waiting for notification r2 (its index) to be signalled (`Wait`).
        Waiting = 6,
    }
}

impl Activity {
    /// The activity in words (the kernel's deadlock report).
    pub const fn words(self) -> &'static str {
        match self {
            Activity::Ready => "ready",
            Activity::Stopped => "stopped",
            Activity::Sending => "sending",
            Activity::Receiving => "receiving",
            Activity::AwaitingReply => "awaiting a reply",
            Activity::Exited => "exited, waiting for its supervisor to reap it",
            Activity::Waiting => "waiting for a notification",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let rights = Rights::SEND | Rights::GRANT;
        let word = CapEntry::pack(CapKind::Endpoint, rights, 7, 0x1_0000_0003);
        let e = CapEntry::unpack(word, 42);
        assert_eq!(
            (e.kind, e.rights, e.index, e.gen, e.badge),
            (CapKind::Endpoint, rights, 7, 3, 42)
        );
    }
}
