//! Notifications: a word of bits that `Signal` ORs into and `Wait` takes, with the endpoint's queue
//! for the tasks waiting, and at most one task bound to it (its `Recv` also takes the bits).
use super::endpoint::TaskQueue;

pub const MAX_NOTIFICATIONS: usize = 64;

pub struct Notification {
    /// Signalled and not yet taken; while this is not zero, nobody waits.
    pub bits: u64,
    pub waiters: TaskQueue,
    /// The task whose `Recv` this notification also ends (`Task::notification` names it back).
    pub bound: Option<u16>,
}

impl Notification {
    pub const fn new() -> Notification {
        Notification {
            bits: 0,
            waiters: TaskQueue::new(),
            bound: None,
        }
    }

    /// Returns the bits and clears them.
    pub fn take(&mut self) -> u64 {
        core::mem::take(&mut self.bits)
    }
}
