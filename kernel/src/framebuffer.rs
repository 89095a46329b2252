//! Draws the console grid on the bootloader's pixel framebuffer (there is no VGA text mode), with
//! the CGA colours WeensyOS programs expect. Only cells that changed since the last draw are redrawn.
use abi::layout::{CONSOLE_COLUMNS as COLS, CONSOLE_ROWS as ROWS};
use bootloader_api::info::{FrameBufferInfo, PixelFormat};
use font8x8::legacy::BASIC_LEGACY;

const CELLS: usize = COLS * ROWS;

/// CGA palette as 0xRRGGBB.
const PALETTE: [u32; 16] = [
    0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa, 0x555555,
    0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff,
];

pub struct Screen {
    buf: &'static mut [u8],
    info: FrameBufferInfo,
    /// Pixels per font pixel (1 or 2), chosen so 80x25 cells fit.
    scale: usize,
    /// What is on screen now; `u32::MAX` forces a draw.
    shown: [u32; CELLS],
}

impl Screen {
    pub fn new(buf: &'static mut [u8], info: FrameBufferInfo) -> Screen {
        // Double size if the screen fits the console's 80x25 cells at 16x16 pixels.
        let roomy = info.width >= COLS * 16 && info.height >= ROWS * 16;
        let scale = if roomy { 2 } else { 1 };
        buf.fill(0);
        Screen {
            buf,
            info,
            scale,
            shown: [u32::MAX; CELLS],
        }
    }

    pub fn draw(&mut self, cells: &[u16; 2048]) {
        for (i, &cell) in cells[..CELLS].iter().enumerate() {
            if self.shown[i] != cell as u32 {
                self.shown[i] = cell as u32;
                self.draw_cell(i % COLS, i / COLS, cell);
            }
        }
    }

    fn draw_cell(&mut self, col: usize, row: usize, cell: u16) {
        let glyph = BASIC_LEGACY[(cell & 0x7f) as usize];
        let fg = PALETTE[((cell >> 8) & 0xf) as usize];
        let bg = PALETTE[((cell >> 12) & 0x7) as usize];
        let size = 8 * self.scale;
        for y in 0..size {
            let bits = glyph[y / self.scale];
            for x in 0..size {
                let on = bits & (1 << (x / self.scale)) != 0;
                self.put_pixel(col * size + x, row * size + y, if on { fg } else { bg });
            }
        }
    }

    fn put_pixel(&mut self, x: usize, y: usize, rgb: u32) {
        if x >= self.info.width || y >= self.info.height {
            return;
        }
        let bpp = self.info.bytes_per_pixel;
        let at = (y * self.info.stride + x) * bpp;
        let Some(px) = self.buf.get_mut(at..at + bpp) else {
            return;
        };
        let [_, r, g, b] = rgb.to_be_bytes();
        match self.info.pixel_format {
            PixelFormat::Rgb => px[..3].copy_from_slice(&[r, g, b]),
            PixelFormat::Bgr => px[..3].copy_from_slice(&[b, g, r]),
            PixelFormat::U8 => px[0] = ((r as u16 + g as u16 + b as u16) / 3) as u8,
            _ => px[..3.min(bpp)].copy_from_slice(&[r, g, b][..3.min(bpp)]),
        }
    }
}
