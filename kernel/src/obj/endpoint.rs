//! Synchronous IPC endpoints: a queue of tasks waiting to send or to receive (never both). The
//! queue (`TaskQueue`) serves notifications' waiters too.
use super::task::MAX_TASKS;

pub const MAX_ENDPOINTS: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    Nobody,
    Senders,
    Receivers,
}

pub struct Endpoint {
    pub waiting: Waiting,
    pub queue: TaskQueue,
}

/// A FIFO of task indices: a ring over a power-of-two array, so that a push or a pop is a few
/// instructions on the IPC path. Every task waits on at most one endpoint, so it cannot overflow.
pub struct TaskQueue {
    tasks: [u16; MAX_TASKS],
    head: u8,
    len: u8,
}

const _: () = assert!(MAX_TASKS.is_power_of_two() && MAX_TASKS <= 128);
const MASK: usize = MAX_TASKS - 1;

impl TaskQueue {
    pub const fn new() -> TaskQueue {
        TaskQueue {
            tasks: [0; MAX_TASKS],
            head: 0,
            len: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    pub fn pop_front(&mut self) -> Option<u16> {
        if self.len == 0 {
            return None;
        }
        let t = self.tasks[self.head as usize & MASK];
        self.head = (self.head + 1) & MASK as u8;
        self.len -= 1;
        Some(t)
    }

    /// Appends `task`, which is in no queue: so there is room (a queue holds at most every task).
    #[inline(always)]
    pub fn push_back(&mut self, task: u16) {
        debug_assert!((self.len as usize) < MAX_TASKS);
        self.tasks[(self.head as usize + self.len as usize) & MASK] = task;
        self.len += 1;
    }

    /// Removes a task (it was stopped or destroyed while waiting), keeping the others' order.
    pub fn remove(&mut self, task: u16) {
        for _ in 0..self.len {
            if let Some(t) = self.pop_front().filter(|&t| t != task) {
                self.push_back(t);
            }
        }
    }
}

impl Endpoint {
    pub const fn new() -> Endpoint {
        Endpoint {
            waiting: Waiting::Nobody,
            queue: TaskQueue::new(),
        }
    }

    /// The first waiter, if it is of the wanted kind (it stays queued).
    #[inline(always)]
    pub fn first(&self, kind: Waiting) -> Option<u16> {
        (self.waiting == kind).then(|| self.queue.tasks[self.queue.head as usize & MASK])
    }

    /// Takes the first waiter if it is of the wanted kind.
    #[inline(always)]
    pub fn take(&mut self, kind: Waiting) -> Option<u16> {
        // A kind is waiting only while its queue is not empty.
        let t = self.first(kind)?;
        (self.queue.head, self.queue.len) =
            ((self.queue.head + 1) & MASK as u8, self.queue.len - 1);
        if self.queue.is_empty() {
            self.waiting = Waiting::Nobody;
        }
        Some(t)
    }

    /// Queues a waiter (the caller checked no waiter of the other kind is queued).
    #[inline(always)]
    pub fn enqueue(&mut self, kind: Waiting, task: u16) {
        self.waiting = kind;
        self.queue.push_back(task);
    }

    /// Removes a task from the queue (it was stopped or destroyed while waiting).
    pub fn remove(&mut self, task: u16) {
        self.queue.remove(task);
        if self.queue.is_empty() {
            self.waiting = Waiting::Nobody;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_one_kind_in_order() {
        let mut e = Endpoint::new();
        assert_eq!(e.take(Waiting::Senders), None);
        e.enqueue(Waiting::Senders, 1);
        e.enqueue(Waiting::Senders, 2);
        e.enqueue(Waiting::Senders, 3);
        assert_eq!(e.take(Waiting::Receivers), None);
        assert_eq!(e.first(Waiting::Senders), Some(1), "peeking takes nothing");
        assert_eq!(e.first(Waiting::Receivers), None);
        e.remove(2);
        assert_eq!(e.take(Waiting::Senders), Some(1));
        assert_eq!(e.take(Waiting::Senders), Some(3));
        assert_eq!(e.waiting, Waiting::Nobody);
    }

    #[test]
    fn the_ring_wraps_and_holds_every_task() {
        let mut q = TaskQueue::new();
        for round in 0..3u16 {
            for t in 0..MAX_TASKS as u16 {
                q.push_back(t + round);
            }
            for t in 0..MAX_TASKS as u16 {
                assert_eq!(q.pop_front(), Some(t + round));
            }
            assert_eq!(q.pop_front(), None);
            q.push_back(1);
            assert_eq!(q.pop_front(), Some(1), "head moved on: the ring wraps");
        }
    }
}
