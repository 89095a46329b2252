//! The display driver's drawing: the console page's 80x25 cells of `attribute << 8 | character`
//! on a pixel framebuffer (there is no VGA text mode), with the CGA colours WeensyOS programs
//! expect and an 8x8 font, doubled where the screen has room. Only rows that changed since the
//! last draw are looked at cell by cell, and only changed cells are drawn: a screen where nothing
//! changes costs a comparison of 25 rows. Plain logic over a byte slice, host-tested.
#![cfg_attr(not(test), no_std)]

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
    /// background colour (bits 12-14; bit 15 would blink on CGA).
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
        let g = &self.geometry;
        if x as u64 >= g.width || y as u64 >= g.height {
            return;
        }
        let bpp = g.bytes_per_pixel as usize;
        let at = (y * g.stride as usize + x) * bpp;
        let Some(px) = self.buf.get_mut(at..at + bpp) else {
            return;
        };
        let [_, r, g, b] = rgb.to_be_bytes();
        let n = bpp.min(3);
        match self.geometry.format {
            PixelFormat::Bgr => px[..n].copy_from_slice(&[b, g, r][..n]),
            PixelFormat::Gray => px[0] = ((r as u16 + g as u16 + b as u16) / 3) as u8,
            PixelFormat::Rgb | PixelFormat::Unknown => px[..n].copy_from_slice(&[r, g, b][..n]),
        }
    }
}

#[cfg(test)]
mod tests;
