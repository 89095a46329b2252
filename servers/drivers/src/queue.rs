//! The keys typed that nobody has read yet: a bounded queue that drops the oldest when full, so
//! a flood of keys never blocks a driver and never grows the server.
use heapless::Deque;
use userlib::abi::input::KeyEvent;

/// Keys kept unread at most.
pub const QUEUE_KEYS: usize = 64;

#[derive(Default)]
pub struct KeyQueue {
    keys: Deque<KeyEvent, QUEUE_KEYS>,
    /// Keys dropped since the server started.
    pub dropped: u64,
    /// Dropping since the queue was last empty (one message per flood, not per key).
    flooded: bool,
    /// A flood began and its end (the queue read empty) is not told yet.
    untold: bool,
}

impl KeyQueue {
    pub const fn new() -> KeyQueue {
        KeyQueue {
            keys: Deque::new(),
            dropped: 0,
            flooded: false,
            untold: false,
        }
    }

    /// Queues `key`, dropping the oldest if full; true when this begins a flood (say so once).
    pub fn push(&mut self, key: KeyEvent) -> bool {
        let mut began = false;
        if self.keys.is_full() {
            self.keys.pop_front();
            self.dropped += 1;
            began = !core::mem::replace(&mut self.flooded, true);
            self.untold |= began;
        }
        let _ = self.keys.push_back(key); // (room was made)
        began
    }

    pub fn pop(&mut self) -> Option<KeyEvent> {
        let key = self.keys.pop_front();
        if self.keys.is_empty() {
            self.flooded = false;
        }
        key
    }

    /// Once after a flood, when the queue has been read empty: the keys dropped so far.
    pub fn flood_over(&mut self) -> Option<u64> {
        let over = self.untold && self.keys.is_empty();
        self.untold &= !over;
        over.then_some(self.dropped)
    }

    pub fn iter(&self) -> impl Iterator<Item = &KeyEvent> {
        self.keys.iter()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use userlib::abi::input::{Key, Source};

    fn key(c: char) -> KeyEvent {
        KeyEvent {
            key: Key::Char(c),
            source: Source::Serial,
        }
    }

    #[test]
    fn a_flood_drops_the_oldest_and_says_so_once() {
        let mut q = KeyQueue::new();
        let began: Vec<bool> = (0..QUEUE_KEYS + 10)
            .map(|i| q.push(key(char::from(b'0' + (i % 64) as u8))))
            .collect();
        assert_eq!(began.iter().filter(|&&b| b).count(), 1);
        assert!(
            began[QUEUE_KEYS],
            "the first key with no room begins the flood"
        );
        assert_eq!((q.len(), q.dropped), (QUEUE_KEYS, 10));
        assert_eq!(
            q.pop(),
            Some(key(char::from(b'0' + 10))),
            "the oldest were dropped"
        );
        while q.pop().is_some() {}
        for _ in 0..=QUEUE_KEYS {
            q.push(key('x'));
        }
        assert_eq!(q.dropped, 11, "a new flood after the queue emptied");
    }
}
