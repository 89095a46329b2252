//! Host tests of typed messages: encoding into register and IPC-buffer words (the buffer is a
//! per-thread array on the host: `arch.rs`), decoding, and what servers and clients make of
//! requests and replies of the wrong protocol, length, kind or capabilities.
use super::client::decode_reply;
use super::serve::respond;
use super::server::{caps_rejection, too_long};
use super::*;
use crate::ipc::{self, Received};
use abi::wire::{self, ReplyKind, REG_BYTES};
use abi::{CapSlot, Message, MsgTag};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, MaxSize, Debug, PartialEq)]
enum Small {
    Get(u32),
    Put { key: u8, value: u64 },
}

#[derive(Serialize, Deserialize, MaxSize, Debug, PartialEq)]
enum Error {
    Nope,
}

/// A protocol of one-byte requests.
struct Tiny;

impl Protocol for Tiny {
    const ID: u16 = 0x5;
    const NAME: &'static str = "tiny";
    type Request = u8;
    type Reply = u32;
    type Error = Error;
}

/// A protocol whose `Put` carries a capability.
struct WithCaps;

impl Protocol for WithCaps {
    const ID: u16 = 0x7;
    const NAME: &'static str = "with-caps";
    type Request = Small;
    type Reply = ();
    type Error = Error;
    fn caps(request: &Small) -> usize {
        matches!(request, Small::Put { .. }) as usize
    }
}

type Bytes = heapless::Vec<u8, 600>;

fn bytes(n: usize) -> Bytes {
    (0..n).map(|i| i as u8).collect()
}

#[test]
fn small_values_stay_in_registers() {
    let (len, regs) = encode(&Small::Put { key: 3, value: 300 }).unwrap();
    assert!(len <= REG_BYTES);
    assert_eq!(
        decode::<Small>(len, &regs),
        Some(Small::Put { key: 3, value: 300 })
    );
    let (len, regs) = encode(&Small::Get(7)).unwrap();
    assert_eq!((len, regs[0]), (2, 0x0700));
}

#[test]
fn a_short_message_leaves_the_ipc_buffer_alone() {
    for i in 0..8 {
        ipc::set_ipc_word(i, 0xdead);
    }
    let (len, _) = encode(&Small::Get(7)).unwrap();
    assert_eq!(len, 2);
    assert!((0..8).all(|i| ipc::ipc_word(i) == 0xdead));
}

#[test]
fn decoding_is_exact() {
    let (len, regs) = encode(&Small::Get(7)).unwrap();
    // A byte too many or too few does not decode, nor does an unknown variant.
    assert_eq!(decode::<Small>(len + 1, &regs), None);
    assert_eq!(decode::<Small>(len - 1, &regs), None);
    assert_eq!(decode::<Small>(1, &[9, 0, 0, 0]), None);
    assert_eq!(decode::<Small>(MAX_BYTES + 1, &regs), None);
}

#[test]
fn long_values_go_on_in_the_ipc_buffer() {
    for n in [31, 32, 33, 40, 46, 47, 100, 510] {
        let value = bytes(n);
        let (len, regs) = encode(&value).expect("fits");
        let prefix = if n < 128 { 1 } else { 2 };
        assert_eq!(len, n + prefix);
        // The register words hold the first bytes: the length, then 0, 1, 2, ...
        assert_eq!(regs[1].to_le_bytes()[0], (8 - prefix) as u8);
        assert_eq!(decode::<Bytes>(len, &regs), Some(value), "{n} bytes");
    }
    // Beyond the register words, bytes are read from the buffer: a changed word is seen.
    let (len, regs) = encode(&bytes(100)).expect("fits");
    ipc::set_ipc_word(10, 0);
    let changed = decode::<Bytes>(len, &regs).expect("still bytes");
    assert_eq!(
        (&changed[..79], &changed[79..87]),
        (&bytes(79)[..], &[0u8; 8][..])
    );
}

#[test]
fn a_partial_last_word_is_written_whole() {
    let (len, regs) = encode(&bytes(44)).expect("fits");
    assert_eq!(len, 45);
    // Bytes 40..45 (the values 39..44) are the low bytes of word 5.
    assert_eq!(
        ipc::ipc_word(5),
        u64::from_le_bytes([39, 40, 41, 42, 43, 0, 0, 0])
    );
    assert_eq!(
        ipc::ipc_word(4),
        u64::from_le_bytes([31, 32, 33, 34, 35, 36, 37, 38])
    );
    assert_eq!(decode::<Bytes>(len, &regs), Some(bytes(44)));
}

#[test]
fn a_message_holds_at_most_max_bytes() {
    let (len, _) = encode(&bytes(MAX_BYTES - 2)).expect("fits exactly");
    assert_eq!(len, MAX_BYTES);
    assert_eq!(encode(&bytes(MAX_BYTES - 1)), None);
}

fn received(label: u32, words: usize, caps: usize, flags: u64, regs: [u64; 4]) -> Received {
    Received {
        badge: 9,
        sender: 3,
        msg: Message {
            tag: MsgTag::new(label, words, caps),
            words: regs,
        },
        flags,
    }
}

/// A request of `P` as a client would send it.
fn request<P: Protocol>(request: &P::Request, caps: usize, flags: u64) -> Received {
    let (len, regs) = encode(request).expect("fits");
    let label = wire::request_label(P::ID, len);
    received(label, wire::words_for(len), caps, flags, regs)
}

#[test]
fn a_server_decodes_its_own_protocols_requests() {
    let msg = request::<WithCaps>(&Small::Get(4), 0, MsgTag::CALL);
    assert_eq!(decode_request::<WithCaps>(&msg), Ok(Small::Get(4)));
    ipc::set_recv_slots(&[CapSlot(8)]);
    let put = Small::Put { key: 1, value: 2 };
    let msg = request::<WithCaps>(&put, 1, MsgTag::CALL);
    assert_eq!(decode_request::<WithCaps>(&msg), Ok(put));
}

#[test]
fn another_protocols_request_or_a_kernel_notice_is_the_wrong_protocol() {
    let msg = request::<Tiny>(&1, 0, MsgTag::CALL);
    assert_eq!(
        decode_request::<WithCaps>(&msg),
        Err(Rejection::WrongProtocol)
    );
    let notice = request::<Tiny>(&1, 0, MsgTag::KERNEL);
    assert_eq!(
        decode_request::<Tiny>(&notice),
        Err(Rejection::WrongProtocol)
    );
    assert_eq!(decode_request::<Tiny>(&request::<Tiny>(&1, 0, 0)), Ok(1));
}

#[test]
fn a_request_of_the_wrong_length_or_bytes_is_refused() {
    let label = wire::request_label(Tiny::ID, 1);
    let short = received(label, 0, 0, MsgTag::CALL, [1, 0, 0, 0]);
    assert_eq!(decode_request::<Tiny>(&short), Err(Rejection::BadLength));
    let long = received(label, 2, 0, MsgTag::CALL, [1, 0, 0, 0]);
    assert_eq!(decode_request::<Tiny>(&long), Err(Rejection::BadLength));
    let two = received(
        wire::request_label(Tiny::ID, 2),
        1,
        0,
        MsgTag::CALL,
        [1, 0, 0, 0],
    );
    assert_eq!(decode_request::<Tiny>(&two), Err(Rejection::Undecodable));
    let bad = received(wire::request_label(WithCaps::ID, 1), 1, 0, 0, [7, 0, 0, 0]);
    assert_eq!(
        decode_request::<WithCaps>(&bad),
        Err(Rejection::Undecodable)
    );
}

#[test]
fn a_request_with_the_wrong_capabilities_is_refused() {
    ipc::set_recv_slots(&[CapSlot(8)]);
    let put = Small::Put { key: 1, value: 2 };
    let none = request::<WithCaps>(&put, 0, MsgTag::CALL);
    assert_eq!(decode_request::<WithCaps>(&none), Err(Rejection::WrongCaps));
    let extra = request::<WithCaps>(&Small::Get(1), 1, MsgTag::CALL);
    assert_eq!(
        decode_request::<WithCaps>(&extra),
        Err(Rejection::WrongCaps)
    );
    let lost = request::<WithCaps>(&put, 1, MsgTag::CALL | MsgTag::CAPS_LOST);
    assert_eq!(decode_request::<WithCaps>(&lost), Err(Rejection::WrongCaps));
    // With no slot offered, a capability the request needs cannot arrive: the server's doing.
    ipc::set_recv_slots(&[]);
    let lost = request::<WithCaps>(&put, 1, MsgTag::CALL | MsgTag::CAPS_LOST);
    assert_eq!(decode_request::<WithCaps>(&lost), Err(Rejection::NoCapSlot));
}

#[test]
fn too_few_slots_is_the_servers_doing() {
    // A request needing one capability, at a server offering none: not the client's fault.
    assert_eq!(caps_rejection(1, 0), Rejection::NoCapSlot);
    assert_eq!(caps_rejection(2, 1), Rejection::NoCapSlot);
    // Slots enough, or a request that needs none: the client sent the wrong number.
    assert_eq!(caps_rejection(1, 1), Rejection::WrongCaps);
    assert_eq!(caps_rejection(0, 0), Rejection::WrongCaps);
}

#[test]
fn a_client_sees_each_kind_of_answer() {
    let ok = reply_message::<Tiny>(&Ok(7), 0);
    assert_eq!(decode_reply::<Tiny>(&ok), Ok((7, 0)));
    let with_cap = reply_message::<Tiny>(&Ok(300), 1);
    assert_eq!(with_cap.tag.caps(), 1);
    assert_eq!(decode_reply::<Tiny>(&with_cap), Ok((300, 1)));
    let err = reply_message::<Tiny>(&Err(Error::Nope), 0);
    assert_eq!(wire::label_high(err.tag.label()), ReplyKind::Err.raw());
    assert_eq!(
        decode_reply::<Tiny>(&err),
        Err(CallError::Server(Error::Nope))
    );
    // A rejection's one word is no byte count (issue 17: it read as BadReply).
    for why in [
        Rejection::WrongCaps,
        Rejection::Undecodable,
        Rejection::NoCapSlot,
    ] {
        let rejected = decode_reply::<Tiny>(&rejection(why));
        assert_eq!(rejected, Err(CallError::Rejected(why)));
    }
    let unknown = Message {
        tag: MsgTag::new(wire::reply_label(ReplyKind::Rejected, 0), 1, 0),
        words: [99, 0, 0, 0],
    };
    assert_eq!(decode_reply::<Tiny>(&unknown), Err(CallError::BadReply));
}

#[test]
fn a_reply_that_does_not_decode_is_bad() {
    let bad_error = Message {
        tag: MsgTag::new(wire::reply_label(ReplyKind::Err, 1), 1, 0),
        words: [5, 0, 0, 0],
    };
    assert_eq!(decode_reply::<Tiny>(&bad_error), Err(CallError::BadReply));
    let bad_reply = Message {
        tag: MsgTag::new(wire::reply_label(ReplyKind::Ok, 1), 1, 0),
        words: [0x80, 0, 0, 0],
    };
    assert_eq!(decode_reply::<Tiny>(&bad_reply), Err(CallError::BadReply));
    let no_kind = Message {
        tag: MsgTag::new(0x7777 << 16, 0, 0),
        words: [0; 4],
    };
    assert_eq!(decode_reply::<Tiny>(&no_kind), Err(CallError::BadReply));
}

#[test]
fn a_reply_too_long_is_the_servers_fault_not_the_requests() {
    let too_long = too_long(600);
    assert_eq!(
        wire::label_high(too_long.tag.label()),
        ReplyKind::TooLong.raw()
    );
    assert_eq!(
        decode_reply::<Tiny>(&too_long),
        Err(CallError::ReplyTooLong(600))
    );
}

/// A reply type whose `MaxSize` understates (the bug `reply_message` reports).
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Understated(Bytes);

impl MaxSize for Understated {
    const POSTCARD_MAX_SIZE: usize = 1;
}

struct Liar;

impl Protocol for Liar {
    const ID: u16 = 0x9;
    const NAME: &'static str = "liar";
    type Request = u8;
    type Reply = Understated;
    type Error = Understated;
}

#[test]
fn a_reply_that_does_not_fit_says_how_long_it_is() {
    let reply = reply_message::<Liar>(&Ok(Understated(bytes(600))), 0);
    assert_eq!(
        wire::label_high(reply.tag.label()),
        ReplyKind::TooLong.raw()
    );
    assert_eq!(reply.words[0], 602);
    let error = reply_message::<Liar>(&Err(Understated(bytes(520))), 0);
    assert_eq!(
        decode_reply::<Liar>(&error),
        Err(CallError::ReplyTooLong(522))
    );
}

#[test]
fn sizes_are_what_postcard_writes_at_most() {
    // u8: 1 byte; u32: a varint of up to 5; the error: its variant number.
    assert_eq!(max_sizes::<Tiny>(), (1, 5));
    // The larger of the reply and the error counts.
    struct ErrorLarger;
    impl Protocol for ErrorLarger {
        const ID: u16 = 0x8;
        const NAME: &'static str = "error-larger";
        type Request = ();
        type Reply = ();
        type Error = u64;
    }
    assert_eq!(max_sizes::<ErrorLarger>(), (0, 10));
    #[derive(Serialize, Deserialize, MaxSize)]
    struct Page(heapless::Vec<u64, 60>);
    struct Big;
    impl Protocol for Big {
        const ID: u16 = 0x6;
        const NAME: &'static str = "big";
        type Request = ();
        type Reply = Page;
        type Error = ();
    }
    // 60 varints of up to 10 bytes and a length: more than a message, so a call or a server
    // of `Big` would not compile (`Fits`).
    assert_eq!(max_sizes::<Big>(), (0, 601));
    assert!(max_sizes::<Big>().1 > abi::wire::MAX_BYTES);
}

#[test]
fn a_reply_whose_length_does_not_match_is_bad() {
    let mut ok = reply_message::<Tiny>(&Ok(7), 0);
    ok.tag = MsgTag::new(ok.tag.label(), 3, 0);
    assert_eq!(decode_reply::<Tiny>(&ok), Err(CallError::BadReply));
}

#[test]
fn a_rejection_is_its_reason_in_one_word() {
    let reply = rejection(Rejection::BadLength);
    assert_eq!(reply.tag.label(), wire::reply_label(ReplyKind::Rejected, 0));
    assert_eq!(
        (reply.tag.words(), reply.words[0]),
        (1, Rejection::BadLength.raw())
    );
}

#[test]
fn a_handler_may_send_capabilities_with_its_reply() {
    let mut call = Call {
        badge: 4,
        caps: &[],
        reply_caps: heapless::Vec::new(),
        sender: 3,
        deferred: false,
    };
    call.reply_with_cap(CapSlot(12));
    assert_eq!(call.reply_caps.as_slice(), [CapSlot(12)]);
}

/// Defers odd requests (keeping them to answer later), answers even ones at once.
#[derive(Default)]
struct Later(std::vec::Vec<Deferred>);

impl Server<Tiny> for Later {
    fn handle(&mut self, call: &mut Call, request: u8) -> Result<u32, Error> {
        if request % 2 == 1 {
            self.0.push(call.defer());
        }
        Ok(request as u32)
    }
}

#[test]
fn a_deferred_request_gets_no_reply_now_and_its_answer_later() {
    let mut server = Later::default();
    let mut rejected = 0;
    let even = request::<Tiny>(&2, 0, MsgTag::CALL);
    let reply = respond::<Tiny, _>(&even, &[], &mut server, &mut rejected).expect("a reply");
    assert_eq!(decode_reply::<Tiny>(&reply), Ok((2, 0)));
    let odd = request::<Tiny>(&3, 0, MsgTag::CALL);
    assert_eq!(
        respond::<Tiny, _>(&odd, &[], &mut server, &mut rejected),
        None
    );
    // The token answers the caller (`received` says sender 3, badge 9).
    assert_eq!(
        server.0,
        [Deferred {
            sender: 3,
            badge: 9
        }]
    );
    assert_eq!(rejected, 0);
}

#[test]
fn call_errors_say_what_happened() {
    let said = |e: CallError<Error>| std::format!("{e}");
    assert_eq!(
        said(CallError::Server(Error::Nope)),
        "the server answered Nope"
    );
    assert!(said(CallError::Rejected(Rejection::WrongCaps)).starts_with("rejected (WrongCaps): "));
    assert!(said(SysError::StaleCap.into()).starts_with("the kernel refused the call: "));
    assert_eq!(
        said(CallError::BadReply),
        "the reply is not this protocol's"
    );
    assert_eq!(
        said(CallError::TooLong),
        "the request encodes to more than 512 bytes"
    );
    assert!(said(CallError::ReplyTooLong(600)).starts_with("the server's reply needed 600 bytes"));
}
