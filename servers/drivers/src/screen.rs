//! The display driver's drawing: the console page's 80x25 cells of `attribute << 8 | character`
//! on a pixel framebuffer (there is no VGA text mode), with the CGA colours WeensyOS programs
//! expect and an 8x8 font, doubled where the screen has room. Only rows that changed since the
//! last draw are looked at cell by cell, and only changed cells are drawn: a screen where nothing
//! changes costs a comparison of 25 rows. Plain logic over a byte slice, host-tested.
use font8x8::legacy::BASIC_LEGACY;
use userlib::abi::device::{Geometry, PixelFormat};
use userlib::layout::{CONSOLE_COLUMNS as COLS, CONSOLE_ROWS as ROWS};

/// Cells of the console grid.
pub const CELLS: usize = COLS * ROWS;

/// The CGA palette as 0xRRGGBB.
pub const PALETTE: [u32; 16] = [
    0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa, 0x555555,
    0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff,
];

/// A framebuffer and what is on it.
pub struct Screen<'a> {
    pixels: Pixels<'a>,
    /// The cells on screen.
    shown: [u16; CELLS],
    /// Nothing drawn yet: the next draw draws every cell.
    blank: bool,
}

impl<'a> Screen<'a> {
    /// A screen over `buf` (the framebuffer's bytes), cleared to black.
    pub fn new(buf: &'a mut [u8], geometry: Geometry) -> Screen<'a> {
        let roomy = geometry.width >= COLS as u64 * 16 && geometry.height >= ROWS as u64 * 16;
        buf.fill(0);
        let scale = if roomy { 2 } else { 1 };
        Screen {
            pixels: Pixels {
                buf,
                geometry,
                scale,
            },
            shown: [0; CELLS],
            blank: true,
        }
    }

    /// Draws the cells of `cells` (a console page) that differ from what is shown; returns how
    /// many it drew. A row that did not change costs one comparison.
    pub fn draw(&mut self, cells: &[u16]) -> usize {
        let Some(cells) = cells.get(..CELLS) else {
            return 0;
        };
        let (all, mut drawn) = (core::mem::take(&mut self.blank), 0);
        let rows = cells.chunks(COLS).zip(self.shown.chunks_mut(COLS));
        for (row, (now, was)) in rows.enumerate().filter(|(_, (n, w))| all || n != w) {
            for (col, (&cell, old)) in now.iter().zip(was.iter_mut()).enumerate() {
                if all || cell != *old {
                    *old = cell;
                    self.pixels.draw_cell(col, row, cell);
                    drawn += 1;
                }
            }
        }
        drawn
    }
}

/// The framebuffer's bytes and how to draw on them.
struct Pixels<'a> {
    buf: &'a mut [u8],
    geometry: Geometry,
    /// Pixels per font pixel (1 or 2), chosen so the 80x25 cells fit.
    scale: usize,
}

impl Pixels<'_> {
    /// A cell: its character's glyph in the foreground colour (attribute bits 8-11) on the
    /// background colour (bits 12-14; bit 15 would blink on CGA), clipped to the screen. Row by
    /// row, each pixel's bytes worked out once per cell: a full redraw (a scroll) is half a million
    /// pixels.
    fn draw_cell(&mut self, col: usize, row: usize, cell: u16) {
        let glyph = BASIC_LEGACY[(cell & 0x7f) as usize];
        let fg = self.pixel(PALETTE[((cell >> 8) & 0xf) as usize]);
        let bg = self.pixel(PALETTE[((cell >> 12) & 0x7) as usize]);
        let (g, size, scale) = (&self.geometry, 8 * self.scale, self.scale);
        let (bpp, x0) = (g.bytes_per_pixel as usize, col * size);
        let width = size.min((g.width as usize).saturating_sub(x0));
        let n = bpp.min(4);
        if bpp == 0 || width == 0 {
            return;
        }
        for y in (0..size).take_while(|y| ((row * size + y) as u64) < g.height) {
            let at = ((row * size + y) * g.stride as usize + x0) * bpp;
            let Some(line) = self.buf.get_mut(at..at + width * bpp) else {
                return;
            };
            let bits = glyph[y / scale];
            for (x, px) in line.chunks_exact_mut(bpp).enumerate() {
                let colour = if bits & (1 << (x / scale)) != 0 {
                    &fg
                } else {
                    &bg
                };
                px[..n].copy_from_slice(&colour[..n]);
            }
        }
    }

    /// The bytes of a pixel of colour `rgb` (0xRRGGBB) in the screen's format (the first
    /// `bytes_per_pixel` of them are used).
    fn pixel(&self, rgb: u32) -> [u8; 4] {
        let [_, r, g, b] = rgb.to_be_bytes();
        match self.geometry.format {
            PixelFormat::Bgr => [b, g, r, 0],
            PixelFormat::Gray => [((r as u16 + g as u16 + b as u16) / 3) as u8, 0, 0, 0],
            PixelFormat::Rgb | PixelFormat::Unknown => [r, g, b, 0],
        }
    }
}

#[cfg(test)]
mod tests;
