//! Devices in user space: interrupt lines, I/O ports (and the ones the kernel keeps), and device
//! memory (the framebuffer).

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

/// The device `DeviceFramesCreate` names 0: the framebuffer the bootloader set up, if any.
pub const FRAMEBUFFER: u64 = 0;

/// The display driver's answer (its label) to init's call, which it takes once the screen is
/// mapped: init waits for it, so the page tables of the mapping are there before init counts
/// frames.
pub mod display {
    /// The framebuffer is mapped; the driver draws the console page on it from now on.
    pub const DRAWING: u32 = 0;
    /// The machine has no framebuffer (or it cannot be mapped): the driver ends.
    pub const NO_SCREEN: u32 = 1;
}

numbered_enum! {
    /// How a framebuffer stores a pixel.
    pub enum PixelFormat: u64 {
        /// Red, green, blue bytes, in that order.
        Rgb = 0,
        /// Blue, green, red bytes.
        Bgr = 1,
        /// One grey byte.
        Gray = 2,
        /// Anything else (drawn as RGB).
        Unknown = 3,
    }
}

/// A framebuffer's shape, as `DeviceFramesCreate` returns it in `rdi, rsi, rdx, r10, r8, r9`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Visible pixels per row.
    pub width: u64,
    /// Rows.
    pub height: u64,
    /// Pixels from the start of one row to the next.
    pub stride: u64,
    /// Bytes per pixel.
    pub bytes_per_pixel: u64,
    /// How a pixel's bytes are laid out.
    pub format: PixelFormat,
    /// Pages of device memory (page `n` maps bytes `n * PAGE_SIZE..`).
    pub pages: u64,
}

impl Geometry {
    /// The six result registers.
    pub fn pack(&self) -> [u64; 6] {
        let g = self;
        let format = g.format.raw();
        [
            g.width,
            g.height,
            g.stride,
            g.bytes_per_pixel,
            format,
            g.pages,
        ]
    }

    /// From the six result registers (an unknown format reads as `Unknown`).
    pub fn unpack(r: [u64; 6]) -> Geometry {
        let format = PixelFormat::from_raw(r[4]).unwrap_or(PixelFormat::Unknown);
        let [width, height, stride, bytes_per_pixel, _, pages] = r;
        Geometry {
            width,
            height,
            stride,
            bytes_per_pixel,
            format,
            pages,
        }
    }
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

    #[test]
    fn geometry_round_trips() {
        let g = Geometry {
            width: 1280,
            height: 720,
            stride: 1280,
            bytes_per_pixel: 4,
            format: PixelFormat::Bgr,
            pages: 900,
        };
        assert_eq!(Geometry::unpack(g.pack()), g);
        let odd = Geometry::unpack([1, 2, 3, 4, 99, 5]);
        assert_eq!(odd.format, PixelFormat::Unknown);
    }
}
