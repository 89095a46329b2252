//! Decoding: a serde deserializer for postcard's wire format (what it accepts and refuses is
//! postcard's, checked against postcard by the host tests), reading the message's bytes in place.
//! Every step is inlined into the caller: a small reply such as `Pong(u64)` decodes in a few
//! dozen instructions, where postcard's own deserializer (generic over any input, called through
//! several functions that return their results through memory) took ~200.
use crate::ipc;
use abi::msg::{MAX_WORDS, REG_WORDS};
use abi::wire::{MAX_BYTES, REG_BYTES};
use core::fmt::{self, Display};
use core::mem::MaybeUninit;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

/// Why bytes did not decode: too few, too many, or not what the type says.
#[derive(Debug)]
pub struct DecodeError;

impl Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the bytes are not one value of the type")
    }
}

impl de::StdError for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: Display>(_: T) -> Self {
        DecodeError
    }
}

type Result<T> = core::result::Result<T, DecodeError>;

/// Decodes `len` bytes of a message whose register words are `regs` (the rest from the IPC
/// buffer); `None` unless they are exactly one `T`.
// Forced inline where it counts (release: `make bench`), a function of its own in the debuggable
// build, where gdb breaks on it (docs/debugging.md) and `#[inline(always)]` would still inline it.
#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
pub fn decode<T: DeserializeOwned>(len: usize, regs: &[u64; REG_WORDS]) -> Option<T> {
    if len <= REG_BYTES {
        let mut bytes = [[0u8; 8]; REG_WORDS];
        for (chunk, word) in bytes.iter_mut().zip(regs) {
            *chunk = word.to_le_bytes();
        }
        return exact(&bytes.as_flattened()[..len]);
    }
    if len > MAX_BYTES {
        return None;
    }
    // Only the words the message has are read (and written here: no 512-byte zeroing).
    let words = len.div_ceil(8);
    let mut buffer = [const { MaybeUninit::<[u8; 8]>::uninit() }; MAX_WORDS];
    for (i, chunk) in buffer[..words].iter_mut().enumerate() {
        let word = if i < REG_WORDS {
            regs[i]
        } else {
            ipc::ipc_word(i)
        };
        chunk.write(word.to_le_bytes());
    }
    // SAFETY: the loop above initialised the first `words` elements, and `[u8; 8]` has the layout
    // of `MaybeUninit<[u8; 8]>`.
    let filled: &[[u8; 8]] =
        unsafe { core::slice::from_raw_parts(buffer.as_ptr().cast::<[u8; 8]>(), words) };
    exact(&filled.as_flattened()[..len])
}

/// `bytes` as one `T`, with none left over.
#[inline(always)]
fn exact<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let mut reader = Reader { bytes, at: 0 };
    // One match straight to the result (with `ok()?` and `then_some`, 30 more a typed call: the
    // value, as large as its type's largest variant, was copied between the wrappings).
    match T::deserialize(&mut reader) {
        Ok(value) if reader.at == bytes.len() => Some(value),
        _ => None,
    }
}

/// The bytes and how many are read.
pub(super) struct Reader<'de> {
    bytes: &'de [u8],
    at: usize,
}

impl<'de> Reader<'de> {
    #[inline(always)]
    fn pop(&mut self) -> Result<u8> {
        let byte = *self.bytes.get(self.at).ok_or(DecodeError)?;
        self.at += 1;
        Ok(byte)
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'de [u8]> {
        if n > self.bytes.len() - self.at {
            return Err(DecodeError);
        }
        let taken = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(taken)
    }

    /// LEB128 of at most `MAX` bytes whose last may be at most `LAST` (postcard's rule: no bits
    /// beyond the type's width).
    #[inline(always)]
    fn varint<const MAX: usize, const LAST: u8>(&mut self) -> Result<u64> {
        let mut out = 0u64;
        for i in 0..MAX {
            let byte = self.pop()?;
            out |= ((byte & 0x7f) as u64) << (7 * i);
            if byte & 0x80 == 0 {
                return if i == MAX - 1 && byte > LAST {
                    Err(DecodeError)
                } else {
                    Ok(out)
                };
            }
        }
        Err(DecodeError)
    }

    #[inline(always)]
    fn u16(&mut self) -> Result<u16> {
        self.varint::<3, 0b11>().map(|v| v as u16)
    }
    #[inline(always)]
    fn u32(&mut self) -> Result<u32> {
        self.varint::<5, 0b1111>().map(|v| v as u32)
    }
    #[inline(always)]
    fn u64(&mut self) -> Result<u64> {
        self.varint::<10, 0b1>()
    }
    fn u128(&mut self) -> Result<u128> {
        let mut out = 0u128;
        for i in 0..19 {
            let byte = self.pop()?;
            out |= ((byte & 0x7f) as u128) << (7 * i);
            if byte & 0x80 == 0 {
                return if i == 18 && byte > 0b11 {
                    Err(DecodeError)
                } else {
                    Ok(out)
                };
            }
        }
        Err(DecodeError)
    }
    #[inline(always)]
    fn len(&mut self) -> Result<usize> {
        self.u64().map(|v| v as usize)
    }
}

macro_rules! unsigned {
    ($($method:ident, $visit:ident, $read:ident);*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let v = self.$read()?;
            visitor.$visit(v)
        }
    )*};
}

macro_rules! zigzag {
    ($($method:ident, $visit:ident, $read:ident, $t:ty);*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let v = self.$read()?;
            visitor.$visit((v >> 1) as $t ^ -((v & 1) as $t))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = DecodeError;

    fn is_human_readable(&self) -> bool {
        false
    }
    /// The format does not say what comes: only typed decoding works.
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(DecodeError)
    }
    #[inline(always)]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.pop()? {
            0 => visitor.visit_bool(false),
            1 => visitor.visit_bool(true),
            _ => Err(DecodeError),
        }
    }
    #[inline(always)]
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let v = self.pop()?;
        visitor.visit_i8(v as i8)
    }
    #[inline(always)]
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let v = self.pop()?;
        visitor.visit_u8(v)
    }
    unsigned!(
        deserialize_u16, visit_u16, u16;
        deserialize_u32, visit_u32, u32;
        deserialize_u64, visit_u64, u64;
        deserialize_u128, visit_u128, u128
    );
    zigzag!(
        deserialize_i16, visit_i16, u16, i16;
        deserialize_i32, visit_i32, u32, i32;
        deserialize_i64, visit_i64, u64, i64;
        deserialize_i128, visit_i128, u128, i128
    );
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let bytes = self.take(4)?;
        visitor.visit_f32(f32::from_le_bytes(
            bytes.try_into().map_err(|_| DecodeError)?,
        ))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let bytes = self.take(8)?;
        visitor.visit_f64(f64::from_le_bytes(
            bytes.try_into().map_err(|_| DecodeError)?,
        ))
    }
    /// A char is its UTF-8 bytes, as a str of one char.
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.len()?;
        if len > 4 {
            return Err(DecodeError);
        }
        let text = core::str::from_utf8(self.take(len)?).map_err(|_| DecodeError)?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(DecodeError),
        }
    }
    #[inline(always)]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.len()?;
        let text = core::str::from_utf8(self.take(len)?).map_err(|_| DecodeError)?;
        visitor.visit_borrowed_str(text)
    }
    #[inline(always)]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.len()?;
        let text = core::str::from_utf8(self.take(len)?).map_err(|_| DecodeError)?;
        visitor.visit_str(text)
    }
    #[inline(always)]
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.len()?;
        visitor.visit_borrowed_bytes(self.take(len)?)
    }
    #[inline(always)]
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.len()?;
        visitor.visit_bytes(self.take(len)?)
    }
    #[inline(always)]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.pop()? {
            0 => visitor.visit_none(),
            1 => visitor.visit_some(self),
            _ => Err(DecodeError),
        }
    }
    #[inline(always)]
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
    #[inline(always)]
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value> {
        v.visit_unit()
    }
    #[inline(always)]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }
    #[inline(always)]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.len()?;
        visitor.visit_seq(Items { reader: self, len })
    }
    #[inline(always)]
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(Items { reader: self, len })
    }
    #[inline(always)]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_tuple(len, visitor)
    }
    #[inline(always)]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.len()?;
        visitor.visit_map(Items { reader: self, len })
    }
    #[inline(always)]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_tuple(fields.len(), visitor)
    }
    #[inline(always)]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_enum(self)
    }
    /// Fields and variants are numbered, never named.
    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(DecodeError)
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(DecodeError)
    }
}

/// The elements of a sequence, tuple or map: `len` more to come.
struct Items<'a, 'de> {
    reader: &'a mut Reader<'de>,
    len: usize,
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = DecodeError;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.len == 0 {
            return Ok(None);
        }
        self.len -= 1;
        seed.deserialize(&mut *self.reader).map(Some)
    }

    /// Postcard's guard: a length beyond the bytes left is not believed (nothing is reserved).
    fn size_hint(&self) -> Option<usize> {
        (self.len <= self.reader.bytes.len() - self.reader.at).then_some(self.len)
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, 'de> {
    type Error = DecodeError;

    #[inline(always)]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.len == 0 {
            return Ok(None);
        }
        self.len -= 1;
        seed.deserialize(&mut *self.reader).map(Some)
    }

    #[inline(always)]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.reader)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len)
    }
}

impl<'de> de::EnumAccess<'de> for &mut Reader<'de> {
    type Error = DecodeError;
    type Variant = Self;

    #[inline(always)]
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let index = self.u32()?;
        let variant = seed.deserialize(index.into_deserializer())?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Reader<'de> {
    type Error = DecodeError;

    #[inline(always)]
    fn unit_variant(self) -> Result<()> {
        Ok(())
    }
    #[inline(always)]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }
    #[inline(always)]
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }
    #[inline(always)]
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_tuple(self, fields.len(), visitor)
    }
}
