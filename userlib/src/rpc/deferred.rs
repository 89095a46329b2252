//! Answering later: a handler defers a request ([`Call::defer`]) and a [`Deferred`] says whom to
//! answer when [`reply_later`] is called.
use super::{reply_message, Call, Fits, Protocol};
use crate::ipc;
use abi::SysError;

/// A request whose answer comes later: [`Call::defer`] makes one, [`reply_later`] answers it.
/// Keep it with whatever the answer waits for; dropping it leaves the client waiting (until it
/// gives up, or the server ends and its call fails with `PeerDied`).
#[must_use = "the client waits until this is answered with rpc::reply_later"]
#[derive(Debug, PartialEq, Eq)]
pub struct Deferred {
    pub(super) sender: u64,
    /// The badge the request came with (which client).
    pub badge: u64,
}

impl Call<'_> {
    /// Answers this request later, with [`reply_later`], instead of with the handler's result
    /// (which is then ignored): for a request that waits for something (a key, a name to be
    /// registered), while the server goes on serving others.
    pub fn defer(&mut self) -> Deferred {
        self.deferred = true;
        Deferred {
            sender: self.sender,
            badge: self.badge,
        }
    }
}

/// Answers a request a handler deferred ([`Call::defer`]) with `result`, as `serve` would have.
/// Fails with `NoReplyTarget` if the client no longer waits (it gave up or ended): nothing to do.
pub fn reply_later<P: Protocol>(
    to: Deferred,
    result: &Result<P::Reply, P::Error>,
) -> Result<(), SysError> {
    let () = Fits::<P>::CHECKED;
    ipc::reply(to.sender, &reply_message::<P>(result, 0))
}
