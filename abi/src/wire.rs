//! Typed messages: how a protocol's requests and replies, encoded with postcard
//! (`userlib::rpc`), ride in a kernel message.
//!
//! The encoded bytes fill the message words in order, little-endian: bytes `0..32` in the four
//! register words — so a request or reply of up to [`REG_BYTES`] bytes with no capabilities takes
//! the IPC fast path — and the rest in the IPC buffer, up to [`MAX_BYTES`]. The label carries the
//! exact byte count and, in a request, the protocol's id, so a request meant for another protocol
//! is rejected rather than misread.
//!
//! | label bits | request | reply |
//! |---|---|---|
//! | 0..16 | byte count | byte count |
//! | 16..32 | protocol id | [`ReplyKind`] |
//!
//! A [`ReplyKind::Rejected`] reply has no bytes: word 0 holds the [`Rejection`]. A
//! [`ReplyKind::TooLong`] reply has none either: word 0 holds the byte count the reply needed.
//!
//! ```
//! use abi::msg::MsgTag;
//! use abi::wire::{self, Rejection, ReplyKind};
//!
//! // A request that encodes to 9 bytes, for protocol 0xC0DE: two words, still in registers.
//! let tag = MsgTag::new(wire::request_label(0xC0DE, 9), wire::words_for(9), 0);
//! assert!(tag.is_short());
//! // What a server checks before decoding (`userlib::rpc::decode_request`):
//! assert_eq!(wire::label_high(tag.label()), 0xC0DE); // this protocol?
//! assert!(wire::len_fits(tag.label(), tag.words())); // does the byte count match the words?
//! assert_eq!(wire::label_len(tag.label()), 9);
//! assert!(!wire::len_fits(tag.label(), 1)); // 9 bytes cannot fit in one word
//!
//! // A rejection: no bytes, the reason in word 0.
//! let reply = wire::reply_label(ReplyKind::Rejected, 0);
//! assert_eq!(ReplyKind::from_raw(wire::label_high(reply)), Some(ReplyKind::Rejected));
//! assert_eq!(Rejection::from_raw(Rejection::Undecodable.raw()), Some(Rejection::Undecodable));
//! ```

use crate::msg::{MAX_WORDS, REG_WORDS};

/// Most bytes one typed message carries.
pub const MAX_BYTES: usize = MAX_WORDS * 8;
/// Bytes that travel in registers.
pub const REG_BYTES: usize = REG_WORDS * 8;

/// The label of a request of `len` bytes for `protocol`.
#[inline]
pub const fn request_label(protocol: u16, len: usize) -> u32 {
    (protocol as u32) << 16 | (len as u32 & 0xffff)
}

/// The label of a reply of `len` bytes.
#[inline]
pub const fn reply_label(kind: ReplyKind, len: usize) -> u32 {
    (kind.raw() as u32) << 16 | (len as u32 & 0xffff)
}

/// The protocol id of a request label, or the [`ReplyKind`] number of a reply label.
#[inline]
pub const fn label_high(label: u32) -> u16 {
    (label >> 16) as u16
}

/// The byte count of a typed message's label.
#[inline]
pub const fn label_len(label: u32) -> usize {
    (label & 0xffff) as usize
}

/// Message words needed for `len` bytes.
#[inline]
pub const fn words_for(len: usize) -> usize {
    len.div_ceil(8)
}

/// Does a message with `words` words and this label carry a well-formed byte count?
#[inline]
pub const fn len_fits(label: u32, words: usize) -> bool {
    let len = label_len(label);
    len <= MAX_BYTES && words_for(len) == words
}

numbered_enum! {
    /// What a typed reply carries (label bits 16..32).
    pub enum ReplyKind: u16 {
        /// The request succeeded: the bytes are the protocol's reply.
        Ok = 0,
        /// The server refused it: the bytes are the protocol's error.
        Err = 1,
        /// The request could not be served as sent (word 0: a [`Rejection`]); nothing was done.
        Rejected = 2,
        /// The server handled the request, but its reply needed more than [`MAX_BYTES`] bytes
        /// (word 0: how many) and was not sent: the server's bug, its protocol's sizes are wrong.
        TooLong = 3,
    }
}

numbered_enum! {
    /// Why a typed server rejected a request without acting on it.
    pub enum Rejection: u64 {
        /// The label names another protocol: the capability leads to a different server.
        WrongProtocol = 1,
        /// The byte count does not match the message's words, or exceeds [`MAX_BYTES`].
        BadLength = 2,
        /// The bytes do not decode as one of the protocol's requests.
        Undecodable = 3,
        /// The request carries a different number of capabilities than it needs.
        WrongCaps = 4,
        /// The request needs capabilities, and the server offers fewer slots for them than it
        /// needs (so they were dropped): the server's setup, not the client's request.
        NoCapSlot = 5,
    }
}

impl Rejection {
    /// What went wrong, in words (for the server's report and the client's error).
    pub const fn why(self) -> &'static str {
        match self {
            Rejection::WrongProtocol => "it is another protocol's request",
            Rejection::BadLength => "its byte count does not match its words or is too large",
            Rejection::Undecodable => "its bytes are not one of the protocol's requests",
            Rejection::WrongCaps => {
                "it carries a different number of capabilities than the protocol's `caps` says"
            }
            Rejection::NoCapSlot => {
                "it carries capabilities and the server offers too few slots for them (a server \
                 accepts them only with slots: `rpc::serve`'s `cap_slots`, \
                 `names::register_and_serve_with_caps`)"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        let l = request_label(0xbeef, 300);
        assert_eq!((label_high(l), label_len(l)), (0xbeef, 300));
        let r = reply_label(ReplyKind::Rejected, 0);
        assert_eq!(
            ReplyKind::from_raw(label_high(r)),
            Some(ReplyKind::Rejected)
        );
    }

    #[test]
    fn lengths_must_match_words() {
        assert!(len_fits(request_label(1, 0), 0));
        assert!(len_fits(request_label(1, 9), 2));
        assert!(!len_fits(request_label(1, 9), 1));
        assert!(!len_fits(request_label(1, 9), 3));
        assert!(len_fits(request_label(1, MAX_BYTES), MAX_WORDS));
        assert!(!len_fits(request_label(1, MAX_BYTES + 8), MAX_WORDS + 1));
    }
}
