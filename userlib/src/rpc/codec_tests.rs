//! Host tests of the codec against postcard itself: the same bytes out for every kind of value
//! serde has, and the same verdict (and value) for any bytes in, well-formed or not — so the
//! wire format, what `mikros msg` decodes and what servers reject stay postcard's.
use super::{decode, encode};
use crate::ipc;
use abi::wire::MAX_BYTES;
use core::fmt::Debug;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::vec::Vec;

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Newtype(u16);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Kind {
    Empty,
    One(i32),
    Two(u8, char),
    Named {
        flag: bool,
        text: heapless::String<40>,
    },
    Nested(Option<Newtype>),
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Everything {
    b: bool,
    u8: u8,
    i8: i8,
    u16: u16,
    i16: i16,
    u32: u32,
    i32: i32,
    u64: u64,
    i64: i64,
    u128: u128,
    i128: i128,
    f32: f32,
    f64: f64,
    c: char,
    unit: (),
    unit_struct: Unit,
    tuple: (u8, u64),
    kinds: heapless::Vec<Kind, 3>,
    bytes: heapless::Vec<u8, 300>,
    usize: usize,
    isize: isize,
}

/// The message's bytes, read back out of the register words and the IPC buffer.
fn bytes_of(len: usize, regs: &[u64; 4]) -> Vec<u8> {
    let words: Vec<u64> = (0..len.div_ceil(8))
        .map(|i| if i < 4 { regs[i] } else { ipc::ipc_word(i) })
        .collect();
    words
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .take(len)
        .collect()
}

/// `bytes` as a message: (byte count, register words), the rest written to the IPC buffer.
fn message_of(bytes: &[u8]) -> (usize, [u64; 4]) {
    let mut regs = [0u64; 4];
    for (i, chunk) in bytes.chunks(8).enumerate() {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        match regs.get_mut(i) {
            Some(r) => *r = u64::from_le_bytes(word),
            None => ipc::set_ipc_word(i, u64::from_le_bytes(word)),
        }
    }
    (bytes.len(), regs)
}

fn postcard_bytes<T: Serialize>(value: &T) -> Option<Vec<u8>> {
    let mut buf = [0u8; MAX_BYTES];
    postcard::to_slice(value, &mut buf).ok().map(|b| b.to_vec())
}

/// Postcard's verdict on `bytes`: one `T` and nothing left over, or none.
fn postcard_decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Some(value),
        _ => None,
    }
}

fn everything(seed: u64) -> Everything {
    let s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let text = heapless::String::try_from(
        ["", "x", "héllo", "a longer text, 30 bytes long!"][(seed % 4) as usize],
    )
    .unwrap();
    Everything {
        b: s & 1 == 1,
        u8: s as u8,
        i8: s as i8,
        u16: (s >> 3) as u16,
        i16: (s >> 5) as i16,
        u32: (s >> seed % 32) as u32,
        i32: (s >> 7) as i32,
        u64: s >> (seed % 64),
        i64: s as i64 >> (seed % 64),
        u128: (s as u128) << (seed % 64),
        i128: -((s as i128) << (seed % 60)),
        f32: seed as f32 / 3.0,
        f64: -(seed as f64) / 7.0,
        c: ['a', 'é', '€', '😀'][(seed % 4) as usize],
        unit: (),
        unit_struct: Unit,
        tuple: (s as u8, s.rotate_left(17)),
        kinds: [
            Kind::Empty,
            Kind::One(-(seed as i32)),
            Kind::Two(7, 'ß'),
            Kind::Named { flag: true, text },
            Kind::Nested(Some(Newtype(seed as u16))),
            Kind::Nested(None),
        ]
        .into_iter()
        .skip((seed % 4) as usize)
        .take(3)
        .collect(),
        bytes: (0..(seed * 37 % 300)).map(|i| (i * seed) as u8).collect(),
        usize: s as usize >> (seed % 64),
        isize: s as isize >> (seed % 64),
    }
}

#[test]
fn the_bytes_are_postcards() {
    for seed in 0..200 {
        let value = everything(seed);
        let ours = encode(&value).map(|(len, regs)| bytes_of(len, &regs));
        assert_eq!(ours, postcard_bytes(&value), "seed {seed}");
        if let Some(bytes) = ours {
            let (len, regs) = message_of(&bytes);
            assert_eq!(decode::<Everything>(len, &regs), Some(value), "seed {seed}");
        }
    }
    // Small values, in registers, and each integer's edges.
    for v in [0u64, 1, 127, 128, 16383, 16384, u32::MAX as u64, u64::MAX] {
        assert_eq!(encode(&v).map(|(l, r)| bytes_of(l, &r)), postcard_bytes(&v));
        assert_eq!(
            encode(&(v as i64)).map(|(l, r)| bytes_of(l, &r)),
            postcard_bytes(&(v as i64))
        );
    }
    assert_eq!(encode(&Kind::Empty).unwrap().0, 1);
}

#[test]
fn what_does_not_fit_does_not_encode() {
    let long: heapless::Vec<u8, 600> = (0..MAX_BYTES as u32).map(|i| i as u8).collect();
    assert_eq!(encode(&long), None);
    assert!(postcard_bytes(&long).is_none());
}

/// A small generator, so the test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Decodes `bytes` both ways as a `T`, checks the verdicts agree, and says if it decoded.
fn agree<T: DeserializeOwned + PartialEq + Debug>(bytes: &[u8]) -> bool {
    let (len, regs) = message_of(bytes);
    let ours = decode::<T>(len, &regs);
    assert_eq!(ours, postcard_decode::<T>(bytes), "{bytes:x?}");
    ours.is_some()
}

#[test]
fn any_bytes_get_postcards_verdict() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut decoded = 0;
    let valid: Vec<Vec<u8>> = (0..40)
        .map(|s| postcard_bytes(&everything(s)).unwrap())
        .collect();
    for round in 0..20_000 {
        let mut bytes = if round % 2 == 0 {
            valid[rng.next() as usize % valid.len()].clone()
        } else {
            (0..rng.next() % 48).map(|_| rng.next() as u8).collect()
        };
        // A few bytes changed, cut or added: near misses of well-formed messages.
        for _ in 0..rng.next() % 3 {
            match rng.next() % 3 {
                0 if !bytes.is_empty() => {
                    let at = rng.next() as usize % bytes.len();
                    bytes[at] = rng.next() as u8;
                }
                1 => bytes.truncate(rng.next() as usize % (bytes.len() + 1)),
                _ => bytes.push(rng.next() as u8),
            }
        }
        bytes.truncate(MAX_BYTES);
        decoded += agree::<Everything>(&bytes) as u32;
        decoded += agree::<Kind>(&bytes) as u32;
        decoded += agree::<(bool, Option<u16>, char)>(&bytes) as u32;
        decoded += agree::<(u32, i16, u128)>(&bytes) as u32;
        decoded += agree::<heapless::String<8>>(&bytes) as u32;
    }
    // Enough of them well-formed that acceptance is compared too, not only refusal.
    assert!(decoded > 2_000, "{decoded}");
}

#[test]
fn edges_get_postcards_verdict() {
    let max = |n: usize, last: u8| {
        let mut bytes = std::vec![0xffu8; n - 1];
        bytes.push(last);
        bytes
    };
    // The widest varint of each type, with its last byte at the most it may be and one above.
    for (bytes, ok) in [(max(10, 1), true), (max(10, 2), false), (max(11, 1), false)] {
        assert_eq!(agree::<u64>(&bytes), ok, "{bytes:x?}");
        assert_eq!(agree::<i64>(&bytes), ok, "{bytes:x?}");
    }
    for (bytes, ok) in [(max(5, 0x0f), true), (max(5, 0x10), false)] {
        assert_eq!(agree::<u32>(&bytes), ok, "{bytes:x?}");
    }
    for (bytes, ok) in [(max(3, 3), true), (max(3, 4), false)] {
        assert_eq!(agree::<u16>(&bytes), ok, "{bytes:x?}");
    }
    for (bytes, ok) in [(max(19, 3), true), (max(19, 4), false)] {
        assert_eq!(agree::<u128>(&bytes), ok, "{bytes:x?}");
    }
    // Tags out of range, lengths beyond the bytes, text that is not UTF-8, a char of two chars.
    assert!(!agree::<bool>(&[2]));
    assert!(!agree::<Option<u8>>(&[2, 0]));
    assert!(!agree::<Kind>(&[5]));
    assert!(!agree::<heapless::String<8>>(&[3, b'a', b'b']));
    assert!(!agree::<heapless::String<8>>(&[2, 0xc3, 0x28]));
    assert!(!agree::<char>(&[2, b'a', b'b']));
    assert!(!agree::<char>(&[5, 0xf0, 0x9f, 0x98, 0x80, 0]));
    assert!(agree::<char>(&[4, 0xf0, 0x9f, 0x98, 0x80]));
    // A length that claims more elements than there are bytes (no reservation for it).
    assert!(!agree::<heapless::Vec<u8, 8>>(&[0xff, 0xff, 0x03, 1]));
}
