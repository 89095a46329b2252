//! Synchronous IPC: sending, calling, receiving and replying on [`Endpoint`]s.
//!
//! Short messages (at most [`REG_WORDS`] words, no capabilities) travel in registers only and need
//! no IPC buffer. Longer messages and capability transfer use the IPC buffer at
//! [`abi::layout::IPC_BUFFER`]; only the functions that need it touch it (`*_long`, the cap-slot
//! helpers, the `ipc_word*` accessors), so programs without a mapped buffer can still use the rest.

use crate::arch::{ipc_buffer_read, ipc_buffer_write};
use crate::cap::Endpoint;
use crate::{sys, Result};
use abi::msg::{IpcBuffer, MAX_CAPS, MAX_WORDS, REG_WORDS};
use abi::{CapSlot, Message, MsgTag, SysError};
use core::mem::offset_of;

/// A message as received: who sent it (the badge of the capability it came through, and the
/// sender's task id, which [`reply`] needs) and the message itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// The badge of the capability the message came through (0 if unbadged): which client, when
    /// each client's capability is badged (as the name service's are).
    pub badge: u64,
    /// The sender's task id: what [`reply`] and [`Endpoint::reply_recv`] answer.
    pub sender: u64,
    /// The message as sent (its tag without the kernel's delivery flags, so it can be sent on).
    pub msg: Message,
    /// The delivery flags only the kernel sets ([`MsgTag::CALL`], [`MsgTag::KERNEL`],
    /// [`MsgTag::CAPS_LOST`], [`MsgTag::NOTIFIED`]); read them with the methods below.
    pub flags: u64,
}

impl Received {
    /// The message's label.
    #[inline]
    pub fn label(&self) -> u32 {
        self.msg.tag.label()
    }
    /// Did the sender use `Call` (or fault), so that it waits for a reply? A server must not
    /// assume a reply reaches anyone otherwise (it is dropped).
    #[inline]
    pub fn awaits_reply(&self) -> bool {
        MsgTag(self.flags).awaits_reply()
    }
    /// Was this sent by the kernel (a fault, exception or exit notice)? Only then can its label be
    /// trusted to mean one: any task can send the same label, but not this mark.
    #[inline]
    pub fn from_kernel(&self) -> bool {
        MsgTag(self.flags).from_kernel()
    }
    /// Did some attached capabilities not arrive (no slot offered, or the slot was occupied)?
    #[inline]
    pub fn caps_lost(&self) -> bool {
        MsgTag(self.flags).caps_lost()
    }
    /// Is this the receiver's bound notification rather than a message? Then [`Received::badge`]
    /// holds its bits (now cleared), the message is empty and there is nobody to reply to
    /// (`sender` is [`crate::sys::NO_REPLY`]).
    #[inline]
    pub fn notified(&self) -> bool {
        MsgTag(self.flags).notified()
    }
    /// Word `i` of the message: from the registers for `i < REG_WORDS`, else from the IPC buffer.
    #[inline]
    pub fn word(&self, i: usize) -> u64 {
        if i < REG_WORDS {
            self.msg.words[i]
        } else {
            ipc_word(i)
        }
    }
}

/// A short message (at most [`REG_WORDS`] words, no capabilities) with `label`.
///
/// Panics if `words` is longer than [`REG_WORDS`]; use the `*_long` functions for longer ones.
#[inline]
pub fn message(label: u32, words: &[u64]) -> Message {
    assert!(
        words.len() <= REG_WORDS,
        "short message with too many words"
    );
    let mut w = [0; REG_WORDS];
    w[..words.len()].copy_from_slice(words);
    Message {
        tag: MsgTag::new(label, words.len(), 0),
        words: w,
    }
}

/// Splits a long message: the tag, the register words, and the words for the IPC buffer.
/// Fails with `InvalidArgument` beyond [`MAX_WORDS`] words or [`MAX_CAPS`] capabilities.
#[inline]
pub fn split_long(label: u32, words: &[u64], caps: usize) -> Result<(MsgTag, [u64; REG_WORDS])> {
    if words.len() > MAX_WORDS || caps > MAX_CAPS {
        return Err(SysError::InvalidArgument);
    }
    let mut regs = [0; REG_WORDS];
    let n = words.len().min(REG_WORDS);
    regs[..n].copy_from_slice(&words[..n]);
    Ok((MsgTag::new(label, words.len(), caps), regs))
}

const WORDS_AT: usize = offset_of!(IpcBuffer, words) / 8;
const SEND_CAPS_AT: usize = offset_of!(IpcBuffer, send_caps) / 8;
const RECV_MASK_AT: usize = offset_of!(IpcBuffer, recv_mask) / 8;

/// Message word `i` in the IPC buffer (meaningful for `REG_WORDS <= i < tag.words()` of the last
/// received message or reply; words `0..UserRegs::WORDS` after `TaskReadRegs`).
#[inline]
pub fn ipc_word(i: usize) -> u64 {
    assert!(i < MAX_WORDS, "message word {i} out of range");
    ipc_buffer_read(WORDS_AT + i)
}

/// Sets message word `i` in the IPC buffer.
#[inline]
pub fn set_ipc_word(i: usize, value: u64) {
    assert!(i < MAX_WORDS, "message word {i} out of range");
    ipc_buffer_write(WORDS_AT + i, value)
}

/// Names the capabilities the next message sends (at most [`MAX_CAPS`]; the tag's cap count must
/// match). Panics if there are too many.
#[inline]
pub fn set_send_caps(caps: &[CapSlot]) {
    assert!(
        caps.len() <= MAX_CAPS,
        "too many capabilities in one message"
    );
    for (i, c) in caps.iter().enumerate() {
        ipc_buffer_write(SEND_CAPS_AT + i, c.0 as u64);
    }
}

/// Offers slots for capabilities in received messages (replacing earlier offers). The `n`-th
/// capability of a message lands in the `n`-th lowest offered slot if it is empty; one that cannot
/// land is dropped and the message's tag says so ([`MsgTag::caps_lost`]). Nothing is offered until
/// this is called. Panics on a slot outside the table.
#[inline]
pub fn set_recv_slots(slots: &[CapSlot]) {
    let mut mask = 0u64;
    for s in slots {
        assert!(s.index() < abi::cap::CAP_SLOTS, "receive slot out of range");
        mask |= 1 << s.0;
    }
    ipc_buffer_write(RECV_MASK_AT, mask);
}

/// Offers no slots for received capabilities.
#[inline]
pub fn clear_recv_slots() {
    set_recv_slots(&[]);
}

/// The slots offered now, one bit per slot (what [`set_recv_slots`] wrote), to put back later
/// with [`restore_recv_slots`].
#[inline]
pub fn recv_slots_mask() -> u64 {
    ipc_buffer_read(RECV_MASK_AT)
}

/// Offers again the slots a [`recv_slots_mask`] read.
#[inline]
pub fn restore_recv_slots(mask: u64) {
    ipc_buffer_write(RECV_MASK_AT, mask);
}

fn stage_long(label: u32, words: &[u64], caps: &[CapSlot]) -> Result<(MsgTag, [u64; REG_WORDS])> {
    let (tag, regs) = split_long(label, words, caps.len())?;
    for (i, &w) in words.iter().enumerate().skip(REG_WORDS) {
        set_ipc_word(i, w);
    }
    set_send_caps(caps);
    Ok((tag, regs))
}

impl Endpoint {
    /// Sends a message (blocks until it is received).
    #[inline]
    pub fn send(&self, msg: &Message) -> Result<()> {
        sys::send(self.0, msg.tag, msg.words)
    }

    /// Sends `words` (up to [`MAX_WORDS`]) and the capabilities in `caps` (up to [`MAX_CAPS`]),
    /// through the IPC buffer.
    #[inline]
    pub fn send_long(&self, label: u32, words: &[u64], caps: &[CapSlot]) -> Result<()> {
        let (tag, regs) = stage_long(label, words, caps)?;
        sys::send(self.0, tag, regs)
    }

    /// Sends a message and waits for the reply.
    ///
    /// ```ignore
    /// use userlib::cap::Endpoint;
    /// use userlib::ipc::message;
    ///
    /// # fn f(server: Endpoint) -> userlib::Result<()> {
    /// // Label 1, two words: register-only both ways (the fast path).
    /// let reply = server.call(&message(1, &[20, 22]))?;
    /// let (label, first) = (reply.tag.label(), reply.words[0]);
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    pub fn call(&self, msg: &Message) -> Result<Message> {
        sys::call(self.0, msg.tag, msg.words)
    }

    /// [`Endpoint::call`] that gives up after `ticks` timer ticks with `TimedOut`
    /// ([`sys::call_timeout`]): for an endpoint nobody vouches for, such as one a client lent.
    #[inline]
    pub fn call_timeout(&self, msg: &Message, ticks: u64) -> Result<Message> {
        sys::call_timeout(self.0, msg.tag, msg.words, ticks)
    }

    /// Like [`Endpoint::call`] with a long message and capabilities; reply words beyond the
    /// registers are in the IPC buffer ([`ipc_word`]).
    #[inline]
    pub fn call_long(&self, label: u32, words: &[u64], caps: &[CapSlot]) -> Result<Message> {
        let (tag, regs) = stage_long(label, words, caps)?;
        sys::call(self.0, tag, regs)
    }

    /// Waits for a message. Capabilities it carries land in the slots offered with
    /// [`set_recv_slots`].
    ///
    /// ```ignore
    /// use userlib::ipc::{self, message};
    /// use userlib::{cap, slots, Endpoint};
    ///
    /// # fn f() -> userlib::Result<()> {
    /// // Take one message that may carry an endpoint: offer a slot for it first.
    /// ipc::set_recv_slots(&[slots::FIRST_FREE]);
    /// let got = cap::own().recv()?;
    /// if got.msg.tag.caps() == 1 {
    ///     let peer = Endpoint(slots::FIRST_FREE);
    ///     // ... keep `peer` ...
    /// }
    /// if got.awaits_reply() {
    ///     ipc::reply(got.sender, &message(0, &[]))?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    pub fn recv(&self) -> Result<Received> {
        sys::recv(self.0)
    }

    /// Replies to `sender` (a [`Received::sender`]), then waits for the next message.
    #[inline]
    pub fn reply_recv(&self, sender: u64, reply: &Message) -> Result<Received> {
        sys::reply_recv(sender, self.0, reply.tag, reply.words)
    }

    /// The server loop: receives a request, lets `handler` compute the reply, and replies and
    /// receives the next request in one crossing (`ReplyRecv`, the IPC fast path). The kernel drops
    /// a reply nobody awaits (the request was a `Send`, or its caller died), so no client can stop
    /// the loop; a reply the kernel refuses (an invalid message from `handler`) is reported on the
    /// console and the loop goes on. Returns only if receiving fails (for example when the
    /// endpoint is destroyed).
    ///
    /// ```ignore
    /// use userlib::ipc::message;
    /// use userlib::{cap, println};
    ///
    /// const ADD: u32 = 1;
    /// const UNKNOWN: u32 = 0xffff;
    ///
    /// # fn f() {
    /// // Label ADD: reply with the sum of words 0 and 1; anything else: an error label.
    /// let error = cap::own().serve(|request| match request.label() {
    ///     ADD => message(0, &[request.word(0) + request.word(1)]),
    ///     _ => message(UNKNOWN, &[]),
    /// });
    /// println!("adder: stopped serving: {error}");
    /// # }
    /// ```
    pub fn serve(&self, mut handler: impl FnMut(&Received) -> Message) -> SysError {
        let mut request = match self.recv() {
            Ok(r) => r,
            Err(e) => return e,
        };
        loop {
            let (reply, sender) = (handler(&request), request.sender);
            // Only the sender outlives the crossing (for the report), so the request can stay in
            // registers: no spill on the way round.
            request = match self.reply_recv(sender, &reply) {
                Ok(r) => r,
                Err(e) => {
                    crate::println!("serve: reply to {sender:#x} refused: {e}");
                    match self.recv() {
                        Ok(r) => r,
                        Err(e) => return e,
                    }
                }
            };
        }
    }
}

/// Replies to `sender` (a [`Received::sender`]) with a short message.
#[inline]
pub fn reply(sender: u64, msg: &Message) -> Result<()> {
    sys::reply(sender, msg.tag, msg.words)
}

/// Replies with a long message (words beyond the registers go through the IPC buffer).
#[inline]
pub fn reply_long(sender: u64, label: u32, words: &[u64]) -> Result<()> {
    let (tag, regs) = stage_long(label, words, &[])?;
    sys::reply(sender, tag, regs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_messages() {
        let m = message(7, &[1, 2]);
        assert_eq!(m.tag, MsgTag::new(7, 2, 0));
        assert_eq!(m.words, [1, 2, 0, 0]);
        assert_eq!(message(0, &[]).tag.words(), 0);
    }

    #[test]
    #[should_panic]
    fn short_message_too_long() {
        message(1, &[1, 2, 3, 4, 5]);
    }

    #[test]
    fn long_messages_split() {
        let words: std::vec::Vec<u64> = (10..20).collect();
        let (tag, regs) = split_long(3, &words, 2).unwrap();
        assert_eq!((tag.label(), tag.words(), tag.caps()), (3, 10, 2));
        assert_eq!(regs, [10, 11, 12, 13]);
        assert_eq!(split_long(1, &[5], 0).unwrap().1, [5, 0, 0, 0]);
        let too_many = [0u64; MAX_WORDS + 1];
        assert_eq!(split_long(1, &too_many, 0), Err(SysError::InvalidArgument));
        assert_eq!(
            split_long(1, &[], MAX_CAPS + 1),
            Err(SysError::InvalidArgument)
        );
    }

    #[test]
    fn buffer_offsets() {
        assert_eq!(WORDS_AT, 0);
        assert_eq!(SEND_CAPS_AT, MAX_WORDS);
        assert_eq!(RECV_MASK_AT, MAX_WORDS + MAX_CAPS);
        assert_eq!(crate::arch::IPC_BUFFER_WORDS, MAX_WORDS + MAX_CAPS + 1);
    }
}
