//! Devices in user space: interrupt lines and I/O ports, and the ones the kernel keeps.

/// Interrupt lines of the two 8259 PICs (vectors 32-47).
pub const IRQ_LINES: u64 = 16;

/// Lines the kernel keeps: the timer (0) and the slave PIC's cascade (2).
pub const KERNEL_IRQ_LINES: u16 = 1 << 0 | 1 << 2;

/// Port ranges (first, last, inclusive) the kernel keeps: never in an I/O-port capability.
pub const KERNEL_PORTS: [(u16, u16); 8] = [
    (0x20, 0x21), // master PIC
    (0x40, 0x43), // PIT: the kernel's timer
    (0x92, 0x92), // system control port A: reset, A20
    (0xA0, 0xA1), // slave PIC
    (0xF4, 0xF7), // QEMU's isa-debug-exit (`qemu::DEBUG_EXIT_PORT`, 4 bytes)
    // COM1: the kernel transmits, and keeps the line control (and its divisor latch) and modem
    // control (OUT2, loopback); the receive side is the serial driver's: data (0x3F8, read),
    // interrupt enable (0x3F9), interrupt id (0x3FA), line status (0x3FD). See docs/drivers.md.
    (0x3FB, 0x3FC),
    (0x3FE, 0x3FF), // modem status, scratch
    (0xCF8, 0xCFF), // PCI configuration and reset control
];

/// The ports `[first, first + count)` as an inclusive range, if `count` is at least 1 and the
/// range stays within the 64 Ki ports.
pub fn port_range(first: u64, count: u64) -> Option<(u16, u16)> {
    let last = first.checked_add(count)?.checked_sub(1)?;
    (count > 0 && last <= 0xFFFF).then_some((first as u16, last as u16))
}

/// Whether any port of `first..=last` is one the kernel keeps.
pub fn kernel_keeps(first: u16, last: u16) -> bool {
    KERNEL_PORTS.iter().any(|&(a, b)| first <= b && a <= last)
}

/// Whether `width` is a port access size (`in`/`out` of a byte, word or double word).
pub fn valid_width(width: u64) -> bool {
    matches!(width, 1 | 2 | 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(port_range(0x70, 2), Some((0x70, 0x71)));
        assert_eq!(port_range(0xFFFF, 1), Some((0xFFFF, 0xFFFF)));
        assert_eq!(port_range(0xFFFF, 2), None);
        assert_eq!(port_range(0x70, 0), None);
        assert_eq!(port_range(u64::MAX, 2), None);
        assert!(kernel_keeps(0x3F0, 0x3FB));
        assert!(!kernel_keeps(0x3F8, 0x3FA) && !kernel_keeps(0x3FD, 0x3FD));
        assert!(kernel_keeps(0x3FC, 0x3FC) && kernel_keeps(0x3F8, 0x3FF));
        assert!(kernel_keeps(0x00, 0xFFFF));
        assert!(kernel_keeps(0xF7, 0xF7));
        assert!(!kernel_keeps(0x70, 0x71));
        assert!(!kernel_keeps(0x2F8, 0x2FF));
    }
}
