//! Encoding: a serde serializer that writes postcard's bytes (its wire format, byte for byte)
//! straight into message words. Every step is inlined into the caller, so a small request such
//! as `Ping(u64)` compiles to a few stores into register words, with no buffer, no per-byte call
//! and no copy (postcard's own serializer, generic over any output, was ~110 instructions there).
//! The first [`REG_BYTES`] bytes go into register words; the rest into the IPC buffer, touched only
//! by messages that need it.
use crate::ipc;
use abi::msg::REG_WORDS;
use abi::wire::{MAX_BYTES, REG_BYTES};
use core::fmt::{self, Display};
use serde::ser::{self, Serialize};

/// Why a value did not encode: it is longer than a message, or it is a sequence of unknown
/// length (postcard's format needs the length first).
#[derive(Debug)]
pub struct EncodeError;

impl Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the value does not encode into one message")
    }
}

impl ser::StdError for EncodeError {}

impl ser::Error for EncodeError {
    fn custom<T: Display>(_: T) -> Self {
        EncodeError
    }
}

type Result<T = ()> = core::result::Result<T, EncodeError>;

/// The bytes written so far: the register part as bytes (zero beyond `len`), and the IPC-buffer
/// word being filled.
pub(super) struct Writer {
    head: [u8; REG_BYTES],
    len: usize,
    pending: u64,
}

impl Writer {
    #[inline(always)]
    fn new() -> Self {
        Writer {
            head: [0; REG_BYTES],
            len: 0,
            pending: 0,
        }
    }

    #[inline(always)]
    fn push(&mut self, byte: u8) -> Result {
        if self.len < REG_BYTES {
            self.head[self.len] = byte;
            self.len += 1;
            Ok(())
        } else {
            self.push_buffer(byte)
        }
    }

    /// A byte past the registers: into the IPC buffer, a whole word at a time.
    fn push_buffer(&mut self, byte: u8) -> Result {
        if self.len >= MAX_BYTES {
            return Err(EncodeError);
        }
        let shift = (self.len % 8) * 8;
        self.pending |= (byte as u64) << shift;
        if shift == 56 {
            ipc::set_ipc_word(self.len / 8, core::mem::take(&mut self.pending));
        }
        self.len += 1;
        Ok(())
    }

    #[inline(always)]
    fn extend(&mut self, bytes: &[u8]) -> Result {
        let end = self.len + bytes.len();
        if end <= REG_BYTES {
            self.head[self.len..end].copy_from_slice(bytes);
            self.len = end;
            return Ok(());
        }
        bytes.iter().try_for_each(|&b| self.push(b))
    }

    /// LEB128, as postcard writes every integer wider than a byte.
    #[inline(always)]
    fn varint(&mut self, mut value: u64) -> Result {
        while value >= 0x80 {
            self.push(value as u8 | 0x80)?;
            value >>= 7;
        }
        self.push(value as u8)
    }

    /// The same for `u128`: its groups above `u64`'s range, then `varint`.
    #[inline(always)]
    fn varint_u128(&mut self, mut value: u128) -> Result {
        while value > u64::MAX as u128 {
            self.push(value as u8 | 0x80)?;
            value >>= 7;
        }
        self.varint(value as u64)
    }

    /// (byte count, register words); a partial last word beyond the registers is written now.
    #[inline(always)]
    fn finish(self) -> (usize, [u64; REG_WORDS]) {
        if self.len % 8 != 0 && self.len > REG_BYTES {
            ipc::set_ipc_word(self.len / 8, self.pending);
        }
        let mut regs = [0u64; REG_WORDS];
        for (word, chunk) in regs.iter_mut().zip(self.head.as_chunks::<8>().0) {
            *word = u64::from_le_bytes(*chunk);
        }
        (self.len, regs)
    }
}

impl fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.extend(s.as_bytes()).map_err(|_| fmt::Error)
    }
}

/// Encodes `value` into message words: (byte count, register words); `None` if it is longer
/// than [`MAX_BYTES`].
#[inline(always)]
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Option<(usize, [u64; REG_WORDS])> {
    let mut writer = Writer::new();
    value.serialize(&mut writer).ok()?;
    Some(writer.finish())
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

macro_rules! varint_as_u64 {
    ($($method:ident($t:ty)),*) => {$(
        #[inline(always)]
        fn $method(self, v: $t) -> Result {
            self.varint(v as u64)
        }
    )*};
}

macro_rules! zigzag_as_i64 {
    ($($method:ident($t:ty)),*) => {$(
        #[inline(always)]
        fn $method(self, v: $t) -> Result {
            self.varint(zigzag(v as i64))
        }
    )*};
}

impl ser::Serializer for &mut Writer {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn is_human_readable(&self) -> bool {
        false
    }

    #[inline(always)]
    fn serialize_bool(self, v: bool) -> Result {
        self.push(v as u8)
    }
    #[inline(always)]
    fn serialize_i8(self, v: i8) -> Result {
        self.push(v as u8)
    }
    #[inline(always)]
    fn serialize_u8(self, v: u8) -> Result {
        self.push(v)
    }
    varint_as_u64!(serialize_u16(u16), serialize_u32(u32), serialize_u64(u64));
    zigzag_as_i64!(serialize_i16(i16), serialize_i32(i32), serialize_i64(i64));
    #[inline(always)]
    fn serialize_i128(self, v: i128) -> Result {
        self.varint_u128(((v << 1) ^ (v >> 127)) as u128)
    }
    #[inline(always)]
    fn serialize_u128(self, v: u128) -> Result {
        self.varint_u128(v)
    }
    fn serialize_f32(self, v: f32) -> Result {
        self.extend(&v.to_le_bytes())
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.extend(&v.to_le_bytes())
    }
    fn serialize_char(self, v: char) -> Result {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    #[inline(always)]
    fn serialize_str(self, v: &str) -> Result {
        self.serialize_bytes(v.as_bytes())
    }
    #[inline(always)]
    fn serialize_bytes(self, v: &[u8]) -> Result {
        self.varint(v.len() as u64)?;
        self.extend(v)
    }
    #[inline(always)]
    fn serialize_none(self) -> Result {
        self.push(0)
    }
    #[inline(always)]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        self.push(1)?;
        value.serialize(self)
    }
    #[inline(always)]
    fn serialize_unit(self) -> Result {
        Ok(())
    }
    #[inline(always)]
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        Ok(())
    }
    #[inline(always)]
    fn serialize_unit_variant(self, _: &'static str, index: u32, _: &'static str) -> Result {
        self.varint(index as u64)
    }
    #[inline(always)]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result {
        v.serialize(self)
    }
    #[inline(always)]
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        value: &T,
    ) -> Result {
        self.varint(index as u64)?;
        value.serialize(self)
    }
    #[inline(always)]
    fn serialize_seq(self, len: Option<usize>) -> Result<Self> {
        self.varint(len.ok_or(EncodeError)? as u64)?;
        Ok(self)
    }
    #[inline(always)]
    fn serialize_tuple(self, _: usize) -> Result<Self> {
        Ok(self)
    }
    #[inline(always)]
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self> {
        Ok(self)
    }
    #[inline(always)]
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self> {
        self.varint(index as u64)?;
        Ok(self)
    }
    #[inline(always)]
    fn serialize_map(self, len: Option<usize>) -> Result<Self> {
        self.serialize_seq(len)
    }
    #[inline(always)]
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self> {
        Ok(self)
    }
    #[inline(always)]
    fn serialize_struct_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self> {
        self.varint(index as u64)?;
        Ok(self)
    }

    /// Postcard's way: the text is formatted twice, once to count its bytes (the length goes
    /// first), once to write them.
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result {
        use core::fmt::Write;
        struct Count(usize);
        impl Write for Count {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 += s.len();
                Ok(())
            }
        }
        let mut count = Count(0);
        write!(count, "{value}").map_err(|_| EncodeError)?;
        self.varint(count.0 as u64)?;
        write!(self, "{value}").map_err(|_| EncodeError)
    }
}

/// Every compound is its parts in order (the length, if any, went first).
macro_rules! compound {
    ($($trait:ident { $($method:ident),* }),*) => {$(
        impl ser::$trait for &mut Writer {
            type Ok = ();
            type Error = EncodeError;
            $(
                #[inline(always)]
                fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                    value.serialize(&mut **self)
                }
            )*
            #[inline(always)]
            fn end(self) -> Result {
                Ok(())
            }
        }
    )*};
}

compound!(
    SerializeSeq { serialize_element },
    SerializeTuple { serialize_element },
    SerializeTupleStruct { serialize_field },
    SerializeTupleVariant { serialize_field },
    SerializeMap {
        serialize_key,
        serialize_value
    }
);

macro_rules! compound_struct {
    ($($trait:ident),*) => {$(
        impl ser::$trait for &mut Writer {
            type Ok = ();
            type Error = EncodeError;
            #[inline(always)]
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _: &'static str,
                value: &T,
            ) -> Result {
                value.serialize(&mut **self)
            }
            #[inline(always)]
            fn end(self) -> Result {
                Ok(())
            }
        }
    )*};
}

compound_struct!(SerializeStruct, SerializeStructVariant);
