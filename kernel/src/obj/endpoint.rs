//! Synchronous IPC endpoints: a queue of tasks waiting to send or to receive (never both).
use super::task::MAX_TASKS;
use heapless::Deque;

pub const MAX_ENDPOINTS: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    Nobody,
    Senders,
    Receivers,
}

pub struct Endpoint {
    pub waiting: Waiting,
    pub queue: Deque<u16, MAX_TASKS>,
}

impl Endpoint {
    pub const fn new() -> Endpoint {
        Endpoint {
            waiting: Waiting::Nobody,
            queue: Deque::new(),
        }
    }

    /// Takes the first waiter if it is of the wanted kind.
    pub fn take(&mut self, kind: Waiting) -> Option<u16> {
        if self.waiting != kind {
            return None;
        }
        let t = self.queue.pop_front();
        if self.queue.is_empty() {
            self.waiting = Waiting::Nobody;
        }
        t
    }

    /// Queues a waiter (the caller checked no waiter of the other kind is queued).
    pub fn enqueue(&mut self, kind: Waiting, task: u16) {
        self.waiting = kind;
        // Every task waits on at most one endpoint, so the queue cannot overflow.
        let _ = self.queue.push_back(task);
    }

    /// Removes a task from the queue (it was stopped or destroyed while waiting).
    pub fn remove(&mut self, task: u16) {
        let n = self.queue.len();
        for _ in 0..n {
            if let Some(t) = self.queue.pop_front() {
                if t != task {
                    let _ = self.queue.push_back(t);
                }
            }
        }
        if self.queue.is_empty() {
            self.waiting = Waiting::Nobody;
        }
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Self::new()
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
        e.remove(2);
        assert_eq!(e.take(Waiting::Senders), Some(1));
        assert_eq!(e.take(Waiting::Senders), Some(3));
        assert_eq!(e.waiting, Waiting::Nobody);
    }
}
