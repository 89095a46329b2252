//! Interrupt handlers: one object per interrupt line (its table index is the line), naming the
//! notification the line signals. The line stays masked from when it fires until `IrqAck`.
pub const MAX_IRQ_LINES: usize = abi::device::IRQ_LINES as usize;

pub struct IrqHandler {
    /// The notification (index, generation) and the bits the line ORs in.
    pub target: Option<(u16, u64, u64)>,
}
