//! The COM1 UART (16550): the kernel's console on `-serial stdio`. The kernel transmits and keeps
//! the line-control and modem-control registers; the serial-input driver gets the receive side
//! (`abi::device::KERNEL_PORTS`, docs/drivers.md).
use super::cpu::{port_in, port_out};

const COM1: u16 = 0x3F8;

/// 115200 baud, 8N1, FIFOs on, interrupts off (we poll); OUT2 on, so that the receive interrupt
/// the serial-input driver enables reaches the PIC (IRQ 4).
pub fn init() {
    // (register, value) in order: no interrupts; the divisor latch, divisor 1 = 115200 baud (low,
    // high byte); 8 bits, no parity, one stop bit; FIFO on, cleared, interrupt at each byte (no key
    // kept waiting); DTR, RTS, OUT2 (the interrupt line's gate).
    for (register, value) in [(1, 0), (3, 0x80), (0, 1), (1, 0), (3, 3), (2, 7), (4, 0x0B)] {
        port_out(COM1 + register, 1, value);
    }
}

pub fn write_byte(byte: u8) {
    while port_in(COM1 + 5, 1) & 0x20 == 0 {
        core::hint::spin_loop();
    }
    port_out(COM1, 1, byte.into());
}

pub fn write_str(s: &str) {
    for b in s.bytes() {
        if b == b'\n' {
            write_byte(b'\r');
        }
        write_byte(b);
    }
}
