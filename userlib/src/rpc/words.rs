//! Values in message words: postcard's bytes fill the register words first, then the IPC buffer
//! (`abi::wire`).
use crate::ipc;
use abi::msg::REG_WORDS;
use abi::wire::{MAX_BYTES, REG_BYTES};
use serde::{de::DeserializeOwned, Serialize};

/// Writes postcard's bytes straight into message words: the first [`REG_BYTES`] into register
/// words, the rest into the IPC buffer (touched only by messages that need it).
struct WordWriter {
    regs: [u64; REG_WORDS],
    len: usize,
    /// The IPC-buffer word being filled.
    pending: u64,
}

impl postcard::ser_flavors::Flavor for WordWriter {
    type Output = (usize, [u64; REG_WORDS]);

    #[inline]
    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        let (at, shift) = (self.len / 8, (self.len % 8) * 8);
        if at < REG_WORDS {
            self.regs[at] |= (byte as u64) << shift;
        } else if self.len < MAX_BYTES {
            self.pending |= (byte as u64) << shift;
            if shift == 56 {
                ipc::set_ipc_word(at, core::mem::take(&mut self.pending));
            }
        } else {
            return Err(postcard::Error::SerializeBufferFull);
        }
        self.len += 1;
        Ok(())
    }

    #[inline]
    fn finalize(self) -> postcard::Result<Self::Output> {
        if self.len % 8 != 0 && self.len > REG_BYTES {
            ipc::set_ipc_word(self.len / 8, self.pending);
        }
        Ok((self.len, self.regs))
    }
}

/// Encodes `value` into message words: (byte count, register words).
#[inline]
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Option<(usize, [u64; REG_WORDS])> {
    let writer = WordWriter {
        regs: [0; REG_WORDS],
        len: 0,
        pending: 0,
    };
    postcard::serialize_with_flavor(value, writer).ok()
}

/// Decodes `len` bytes of a message whose register words are `regs` (the rest from the IPC
/// buffer); `None` unless they are exactly one `T`.
#[inline]
pub fn decode<T: DeserializeOwned>(len: usize, regs: &[u64; REG_WORDS]) -> Option<T> {
    let exact = |bytes: &[u8]| match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Some(value),
        _ => None,
    };
    if len <= REG_BYTES {
        let mut bytes = [0u8; REG_BYTES];
        for (chunk, w) in bytes.as_chunks_mut::<8>().0.iter_mut().zip(regs) {
            *chunk = w.to_le_bytes();
        }
        return exact(&bytes[..len]);
    }
    if len > MAX_BYTES {
        return None;
    }
    let mut bytes = [0u8; MAX_BYTES];
    let words = len.div_ceil(8);
    for (i, chunk) in bytes.as_chunks_mut::<8>().0[..words].iter_mut().enumerate() {
        *chunk = if i < REG_WORDS {
            regs[i]
        } else {
            ipc::ipc_word(i)
        }
        .to_le_bytes();
    }
    exact(&bytes[..len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Small {
        Get(u32),
        Put { key: u8, value: u64 },
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
    fn decoding_is_exact() {
        let (len, regs) = encode(&Small::Get(7)).unwrap();
        // A byte too many or too few does not decode, nor does an unknown variant.
        assert_eq!(decode::<Small>(len + 1, &regs), None);
        assert_eq!(decode::<Small>(len - 1, &regs), None);
        assert_eq!(decode::<Small>(1, &[9, 0, 0, 0]), None);
        assert_eq!(decode::<Small>(MAX_BYTES + 1, &regs), None);
    }
}
