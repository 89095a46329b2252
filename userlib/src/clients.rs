//! Per-client state for a server, keyed by the badge the name service gave each client (its id),
//! that cannot be filled for good by clients that have ended.
//!
//! A server learns that clients ended by asking the name service ([`crate::names::gone`]) when it
//! needs room: a table that is full forgets every client the service says has ended, then takes
//! the new one. Nothing is pushed to the server, so the service never waits on it, and the answer
//! is the service's current knowledge rather than a notice that could be stale: an id is never
//! reused, so "ended" is final, and a live client is never reported ended.
//!
//! ```ignore
//! use userlib::clients::Clients;
//! # use protocol::{Counter, Error, Request};
//! # use userlib::rpc::{Call, Server};
//!
//! /// One total per client, for 16 live clients at once.
//! struct Totals(Clients<u64, 16>);
//!
//! impl Server<Counter> for Totals {
//!     fn handle(&mut self, call: &mut Call, request: Request) -> Result<u64, Error> {
//!         let total = self.0.entry(call.badge, || 0).ok_or(Error::TooManyClients)?;
//!         if let Request::Add(n) = request {
//!             *total = total.checked_add(n).ok_or(Error::Overflow)?;
//!         }
//!         Ok(*total)
//!     }
//! }
//! ```
use abi::names::MAX_GONE;
use heapless::FnvIndexMap;

/// State `V` for up to `N` clients (`N` a power of two), by badge.
pub struct Clients<V, const N: usize> {
    map: FnvIndexMap<u64, V, N>,
}

impl<V, const N: usize> Default for Clients<V, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V, const N: usize> Clients<V, N> {
    /// No clients yet.
    pub fn new() -> Self {
        Clients {
            map: FnvIndexMap::new(),
        }
    }

    /// The state of client `badge`, made with `new` on its first request. When the table is full,
    /// the clients that have ended are forgotten first; `None` if it is full of live ones.
    pub fn entry(&mut self, badge: u64, new: impl FnOnce() -> V) -> Option<&mut V> {
        self.entry_or_sweep(badge, new, |ids| crate::names::gone(ids).ok())
    }

    /// The state of client `badge`, if it has any.
    pub fn get(&self, badge: u64) -> Option<&V> {
        self.map.get(&badge)
    }

    /// How many clients have state.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no client has state.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Forgets every client the name service says has ended; returns how many went. (`entry`
    /// does this when it needs room; a server may also call it now and then.)
    pub fn forget_ended(&mut self) -> usize {
        self.forget(|ids| crate::names::gone(ids).ok())
    }

    /// `entry`, with `gone` answering which of up to `MAX_GONE` ids ended (a mask), or `None` if
    /// it cannot tell (then nothing is forgotten: never a live client's state).
    fn entry_or_sweep(
        &mut self,
        badge: u64,
        new: impl FnOnce() -> V,
        gone: impl FnMut(&[u64]) -> Option<u32>,
    ) -> Option<&mut V> {
        if !self.map.contains_key(&badge) {
            if self.map.len() == N {
                self.forget(gone);
            }
            self.map.insert(badge, new()).ok()?;
        }
        self.map.get_mut(&badge)
    }

    fn forget(&mut self, mut gone: impl FnMut(&[u64]) -> Option<u32>) -> usize {
        let mut ended: heapless::Vec<u64, N> = heapless::Vec::new();
        let ids: heapless::Vec<u64, N> = self.map.keys().copied().collect();
        for chunk in ids.chunks(MAX_GONE) {
            let mask = gone(chunk).unwrap_or(0);
            let hits = chunk
                .iter()
                .enumerate()
                .filter(|&(i, _)| mask >> i & 1 != 0);
            ended.extend(hits.map(|(_, &id)| id));
        }
        for id in &ended {
            self.map.remove(id);
        }
        ended.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids below `live_from` have ended.
    fn oracle(live_from: u64) -> impl FnMut(&[u64]) -> Option<u32> {
        move |ids| {
            assert!(ids.len() <= MAX_GONE);
            Some(
                ids.iter()
                    .enumerate()
                    .fold(0, |m, (i, &id)| m | ((id < live_from) as u32) << i),
            )
        }
    }

    #[test]
    fn ended_clients_make_room() {
        let mut c: Clients<u64, 32> = Clients::new();
        for id in 100..132 {
            *c.entry_or_sweep(id, || 0, oracle(0)).unwrap() += id;
        }
        // Full of live clients: a new one is refused, and nobody is forgotten.
        assert!(c.entry_or_sweep(500, || 0, oracle(0)).is_none());
        assert_eq!(c.len(), 32);
        // 100..120 ended: the next new client finds room, the live ones keep their state.
        assert_eq!(c.entry_or_sweep(500, || 7, oracle(120)).copied(), Some(7));
        assert_eq!(c.len(), 13);
        assert_eq!(c.get(125).copied(), Some(125));
        assert_eq!(c.get(100), None);
        // A client with state is served without asking.
        let refuse = |_: &[u64]| -> Option<u32> { panic!("asked") };
        assert_eq!(c.entry_or_sweep(131, || 0, refuse).copied(), Some(131));
    }

    #[test]
    fn no_answer_forgets_nobody() {
        let mut c: Clients<u8, 2> = Clients::new();
        c.entry_or_sweep(1, || 1, oracle(0));
        c.entry_or_sweep(2, || 2, oracle(0));
        assert!(c.entry_or_sweep(3, || 3, |_| None).is_none());
        assert_eq!((c.get(1), c.get(2)), (Some(&1), Some(&2)));
    }
}
