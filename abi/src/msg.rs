//! Message layout of synchronous IPC.
//!
//! A message is a tag plus up to [`MAX_WORDS`] 64-bit words. The first [`REG_WORDS`] words travel in
//! registers (`rdx, r10, r8, r9`); the rest are read from the sender's IPC buffer and written to the
//! receiver's, at the same index. Up to [`MAX_CAPS`] capabilities can travel too: the sender names its
//! slots in `IpcBuffer::send_caps`, the receiver offers empty slots in `IpcBuffer::recv_mask`.

/// Words carried in registers (the fast path).
pub const REG_WORDS: usize = 4;
/// Largest message, in words.
pub const MAX_WORDS: usize = 64;
/// Most capabilities one message carries.
pub const MAX_CAPS: usize = 3;

/// The message tag (`rsi`): a label chosen by the protocol, the word count and the capability count,
/// plus flags only the kernel sets on delivery.
///
/// Layout: bits 0..32 label, bits 32..40 words, bits 40..44 caps, bits 44..48 delivery flags
/// ([`MsgTag::CALL`], [`MsgTag::KERNEL`], [`MsgTag::CAPS_LOST`], [`MsgTag::NOTIFIED`]). A tag a task sends must have no
/// flag set (`is_valid`), so no task can forge them.
///
/// ```
/// use abi::msg::{MsgTag, MAX_WORDS};
///
/// // Label 7, two words, no capabilities: small enough for the register-only fast path.
/// let tag = MsgTag::new(7, 2, 0);
/// assert_eq!((tag.label(), tag.words(), tag.caps()), (7, 2, 0));
/// assert!(tag.is_valid() && tag.is_short());
/// // A capability, or more than four words, takes the IPC buffer.
/// assert!(!MsgTag::new(7, 2, 1).is_short() && !MsgTag::new(7, 5, 0).is_short());
/// assert!(!MsgTag::new(7, MAX_WORDS + 1, 0).is_valid());
///
/// // The same tag as a server receives it from a `Call`: the kernel added a flag.
/// let delivered = tag.with(MsgTag::CALL);
/// assert!(delivered.awaits_reply() && !delivered.from_kernel());
/// assert!(!delivered.is_valid()); // a task cannot send a flag
/// assert_eq!(delivered.without_flags(), tag);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MsgTag(pub u64);

impl MsgTag {
    /// Delivery flag: the sender waits for a reply (it used `Call`, or it is a faulted task).
    pub const CALL: u64 = 1 << 44;
    /// Delivery flag: the kernel sent this message (a fault, exception or exit notice); no task can
    /// send a message with this flag.
    pub const KERNEL: u64 = 1 << 45;
    /// Delivery flag: some capabilities the sender attached did not arrive (no slot offered, the
    /// offered slot was occupied, or the sender's capability was gone); `caps()` counts those that did.
    pub const CAPS_LOST: u64 = 1 << 46;
    /// Delivery flag (with [`MsgTag::KERNEL`]): a `Recv` returned the bits of the caller's bound
    /// notification (in the badge register) rather than a message; label and counts are 0.
    pub const NOTIFIED: u64 = 1 << 47;
    const FLAGS: u64 = Self::CALL | Self::KERNEL | Self::CAPS_LOST | Self::NOTIFIED;

    /// A tag with `label`, `words` message words and `caps` capabilities. The counts are kept in 8
    /// and 4 bits: larger values are cut off, so keep them within [`MAX_WORDS`] and [`MAX_CAPS`].
    #[inline]
    pub const fn new(label: u32, words: usize, caps: usize) -> MsgTag {
        MsgTag(label as u64 | ((words as u64 & 0xff) << 32) | ((caps as u64 & 0xf) << 40))
    }
    /// The label: what the message means, chosen by the protocol.
    #[inline]
    pub const fn label(self) -> u32 {
        self.0 as u32
    }
    /// How many message words are meaningful.
    #[inline]
    pub const fn words(self) -> usize {
        ((self.0 >> 32) & 0xff) as usize
    }
    /// How many capabilities travel with the message.
    #[inline]
    pub const fn caps(self) -> usize {
        ((self.0 >> 40) & 0xf) as usize
    }
    /// Within the limits, with no flag or unknown bit set: what a task may send.
    #[inline]
    pub const fn is_valid(self) -> bool {
        self.words() <= MAX_WORDS && self.caps() <= MAX_CAPS && self.0 >> 44 == 0
    }
    /// Small enough for the register-only fast path (no capabilities, no flags).
    #[inline]
    pub const fn is_short(self) -> bool {
        self.0 >> 32 <= REG_WORDS as u64
    }
    /// No capabilities or flags and at most [`MAX_WORDS`] words: what the IPC fast path moves (the
    /// words past the registers from IPC buffer to IPC buffer).
    #[inline]
    pub const fn is_plain(self) -> bool {
        self.0 >> 32 <= MAX_WORDS as u64
    }
    /// This tag with delivery flags added (kernel use).
    #[inline]
    pub const fn with(self, flags: u64) -> MsgTag {
        MsgTag(self.0 | (flags & Self::FLAGS))
    }
    /// Only the delivery flags.
    #[inline]
    pub const fn flags(self) -> u64 {
        self.0 & Self::FLAGS
    }
    /// This tag without delivery flags: what the sender sent (and what may be sent on).
    #[inline]
    pub const fn without_flags(self) -> MsgTag {
        MsgTag(self.0 & !Self::FLAGS)
    }
    /// The sender waits for a reply.
    #[inline]
    pub const fn awaits_reply(self) -> bool {
        self.0 & Self::CALL != 0
    }
    /// The kernel sent this (fault, exception, exit): trustworthy, unlike the label alone.
    #[inline]
    pub const fn from_kernel(self) -> bool {
        self.0 & Self::KERNEL != 0
    }
    /// Some attached capabilities did not arrive.
    #[inline]
    pub const fn caps_lost(self) -> bool {
        self.0 & Self::CAPS_LOST != 0
    }
    /// The bound notification's bits, not a message (only the kernel sets this).
    #[inline]
    pub const fn notified(self) -> bool {
        self.0 & Self::NOTIFIED != 0
    }
}

/// A message: tag and words (only `tag.words()` of them are meaningful).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Message {
    /// Label, counts and (on delivery) flags.
    pub tag: MsgTag,
    /// The words that travel in registers; words from [`REG_WORDS`] on are in the IPC buffer.
    pub words: [u64; REG_WORDS],
}

/// The per-task IPC buffer, mapped by convention at [`crate::layout::IPC_BUFFER`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IpcBuffer {
    /// Message words; indices below `REG_WORDS` are unused (they travel in registers).
    pub words: [u64; MAX_WORDS],
    /// Slots of the capabilities to send (the first `tag.caps()` are used).
    pub send_caps: [u64; MAX_CAPS],
    /// Slots offered for received capabilities, one bit per slot (bit `i` offers slot `i`). The
    /// `n`-th capability of a message goes to the `n`-th lowest offered slot, if that slot is empty;
    /// otherwise it is dropped and the tag says [`MsgTag::CAPS_LOST`]. Zero (a fresh buffer) offers
    /// nothing.
    pub recv_mask: u64,
}

/// Labels the kernel uses for messages it sends on a task's behalf to its fault endpoint. They
/// arrive with [`MsgTag::KERNEL`] set; a task may send the same labels, but never that flag, so a
/// handler must check [`MsgTag::from_kernel`] before trusting one.
///
/// Words: 0 = task id, 1 = faulting address (page faults) or exit status, 2 = error code / access,
/// 3 = instruction pointer. The handler replies to resume the task (after fixing the cause), or
/// destroys it.
pub mod fault {
    /// A page fault. Word 2: the x86 page-fault error code (bit 0 present, 1 write, 2 user, 4 fetch).
    pub const PAGE_FAULT: u32 = 0xFFFF_0001;
    /// Another CPU exception. Word 1: the vector; word 2: the error code.
    pub const EXCEPTION: u32 = 0xFFFF_0002;
    /// The task called `Exit`. Word 1: the status. The task does not wait for a reply.
    pub const EXIT: u32 = 0xFFFF_0003;
    /// An `in`/`out` (or `ins`/`outs`): user code has no I/O privilege (ports are reached through
    /// I/O-port capabilities, by syscall). Word 1: the port; word 2: the #GP error code (0).
    pub const IO_PORT: u32 = 0xFFFF_0004;
    /// A *reply* to a faulted task with this label maps a zeroed frame into its space before it
    /// resumes (an L4 pager's map reply): words = the replier's capability to the faulter's space
    /// (`MAP`), its pool capability (`MAP`), the page, its `PageRights`. If it cannot (a bad
    /// capability, another space, the page mapped, no memory) the `Reply`/`ReplyRecv` fails with
    /// the error and nothing else happens: the task still waits. (To a task that called, the label
    /// is the protocol's: nothing is mapped.)
    pub const MAP_ZEROED: u32 = 0xFFFF_0010;

    /// The name of a CPU exception vector ("interrupt" from 32 on).
    pub fn vector_name(vector: u64) -> &'static str {
        const NAMES: [&str; 32] = [
            "#DE divide error",
            "#DB debug",
            "NMI",
            "#BP breakpoint",
            "#OF overflow",
            "#BR bound range",
            "#UD invalid opcode",
            "#NM device not available",
            "#DF double fault",
            "coprocessor segment overrun",
            "#TS invalid TSS",
            "#NP segment not present",
            "#SS stack fault",
            "#GP general protection",
            "#PF page fault",
            "reserved",
            "#MF x87 floating point",
            "#AC alignment check",
            "#MC machine check",
            "#XM SIMD floating point",
            "#VE virtualization",
            "#CP control protection",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "#HV hypervisor injection",
            "#VC VMM communication",
            "#SX security",
            "reserved",
        ];
        NAMES.get(vector as usize).copied().unwrap_or("interrupt")
    }

    /// "reading", "writing" or "executing": the access a page-fault error code describes.
    #[inline]
    pub fn access(error_code: u64) -> &'static str {
        if error_code & 0x10 != 0 {
            "executing"
        } else if error_code & 2 != 0 {
            "writing"
        } else {
            "reading"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_round_trips() {
        let t = MsgTag::new(0xdead_beef, 7, 2);
        assert_eq!((t.label(), t.words(), t.caps()), (0xdead_beef, 7, 2));
        assert!(t.is_valid());
        assert!(!t.is_short());
        assert!(MsgTag::new(1, 4, 0).is_short());
        assert!(!MsgTag::new(1, 0, 1).is_short());
        assert!(MsgTag::new(1, MAX_WORDS, 0).is_plain());
        assert!(!MsgTag::new(1, MAX_WORDS + 1, 0).is_plain());
        assert!(!MsgTag::new(1, 0, 1).is_plain());
        assert!(!MsgTag::new(1, 0, 0).with(MsgTag::CALL).is_plain());
    }

    #[test]
    fn delivery_flags_cannot_be_sent() {
        let t = MsgTag::new(fault::PAGE_FAULT, 4, 0);
        assert!(!t.from_kernel() && !t.awaits_reply() && !t.caps_lost());
        let delivered = t.with(MsgTag::KERNEL | MsgTag::CALL);
        assert!(delivered.from_kernel() && delivered.awaits_reply());
        assert_eq!(
            (delivered.label(), delivered.words()),
            (fault::PAGE_FAULT, 4)
        );
        assert!(!delivered.is_valid(), "a task cannot send a flagged tag");
        assert_eq!(delivered.without_flags(), t);
        assert_eq!(delivered.flags(), MsgTag::KERNEL | MsgTag::CALL);
        assert!(!t.with(MsgTag::CAPS_LOST).is_valid());
        assert!(!MsgTag(t.0 | 1 << 47).is_valid());
    }

    #[test]
    fn oversized_tags_are_invalid() {
        assert!(!MsgTag::new(0, MAX_WORDS + 1, 0).is_valid());
        assert!(!MsgTag::new(0, 0, MAX_CAPS + 1).is_valid());
        assert!(!MsgTag(1 << 50).is_valid());
    }
}
