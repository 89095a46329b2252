//! The COM1 UART (16550): the kernel's console on `-serial stdio`. The kernel transmits and keeps
//! the line-control and modem-control registers; the serial-input driver gets the receive side
//! (`abi::device::KERNEL_PORTS`, docs/drivers.md).
use x86_64::instructions::port::Port;

const COM1: u16 = 0x3F8;

fn outb(port: u16, value: u8) {
    // SAFETY: the COM1 registers are I/O ports owned by this driver; writing them has no effect on
    // memory safety.
    unsafe { Port::new(port).write(value) }
}

fn inb(port: u16) -> u8 {
    // SAFETY: as in `outb`; reading the line-status register has no side effects we rely on.
    unsafe { Port::new(port).read() }
}

/// 115200 baud, 8N1, FIFOs on, interrupts off (we poll); OUT2 on, so that the receive interrupt
/// the serial-input driver enables reaches the PIC (IRQ 4).
pub fn init() {
    outb(COM1 + 1, 0x00); // no interrupts
    outb(COM1 + 3, 0x80); // divisor latch
    outb(COM1, 0x01); // divisor 1 = 115200 baud
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); // 8 bits, no parity, one stop bit
    outb(COM1 + 2, 0x07); // FIFO on, cleared, interrupt at each byte (a key is not kept waiting)
    outb(COM1 + 4, 0x0B); // DTR, RTS, OUT2 (the interrupt line's gate)
}

pub fn write_byte(byte: u8) {
    while inb(COM1 + 5) & 0x20 == 0 {
        core::hint::spin_loop();
    }
    outb(COM1, byte);
}

pub fn write_str(s: &str) {
    for b in s.bytes() {
        if b == b'\n' {
            write_byte(b'\r');
        }
        write_byte(b);
    }
}
