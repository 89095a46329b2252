//! Text output.
//!
//! - [`print!`](crate::print) / [`println!`](crate::println): formatted into a small stack buffer and
//!   written to the kernel console (serial and screen) with `DebugWrite`, one syscall per line when
//!   it fits in [`LINE_BUFFER`] bytes.
//! - [`put_str`], [`cprint!`](crate::cprint) / [`cprintln!`](crate::cprintln): written straight into
//!   the console page mapped at [`abi::layout::CONSOLE`] (WeensyOS's `console_printf`): 80x25 cells of
//!   `attribute << 8 | character`, with the cursor in the `u16` just after the cells, shared with the
//!   kernel. Output wraps at the end of a row and scrolls at the bottom, like a terminal.

use crate::arch::{console_read, console_write};
use crate::sys;
use abi::layout::{CONSOLE_COLUMNS as COLS, CONSOLE_ROWS as ROWS};
use core::fmt::{self, Write};

/// Cells of the grid.
pub const CELLS: usize = COLS * ROWS;
/// Index of the `u16` cursor position, just after the cells.
pub const CURSOR_INDEX: usize = CELLS;
/// What a cleared cell holds (a space, light grey on black, as the kernel clears).
pub const BLANK: u16 = 0x0700 | b' ' as u16;
/// The attribute [`cprint!`](crate::cprint) uses: bright white on black.
pub const DEFAULT_ATTR: u8 = 0x0f;
/// Bytes `print!` collects before a `DebugWrite`.
pub const LINE_BUFFER: usize = 256;

/// Something holding console cells (the real page, or an array in tests).
pub trait Cells {
    /// The `u16` at `index` (a cell below [`CELLS`], the cursor at [`CURSOR_INDEX`]).
    fn get(&self, index: usize) -> u16;
    /// Writes the `u16` at `index`.
    fn set(&mut self, index: usize, value: u16);
}

impl<const N: usize> Cells for [u16; N] {
    fn get(&self, index: usize) -> u16 {
        self[index]
    }
    fn set(&mut self, index: usize, value: u16) {
        self[index] = value;
    }
}

/// The console page at [`abi::layout::CONSOLE`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ConsolePage;

impl Cells for ConsolePage {
    fn get(&self, index: usize) -> u16 {
        console_read(index)
    }
    fn set(&mut self, index: usize, value: u16) {
        console_write(index, value)
    }
}

/// The cursor, repaired (to the top left) if someone wrote nonsense into it.
pub fn cursor<C: Cells + ?Sized>(cells: &C) -> usize {
    let c = cells.get(CURSOR_INDEX) as usize;
    if c < CELLS {
        c
    } else {
        0
    }
}

fn scroll<C: Cells + ?Sized>(cells: &mut C) {
    for i in COLS..CELLS {
        let v = cells.get(i);
        cells.set(i - COLS, v);
    }
    for i in CELLS - COLS..CELLS {
        cells.set(i, BLANK);
    }
}

/// Writes `s` at the cursor with attribute `attr` and moves the cursor. `\n` starts a new row, `\r`
/// returns to the start of the row, `\x08` (backspace) moves back one cell within it; other
/// control and non-ASCII characters show as `?`. A full screen scrolls up one row.
pub fn write_cells<C: Cells + ?Sized>(cells: &mut C, s: &str, attr: u8) {
    let mut cur = cursor(cells);
    for ch in s.chars() {
        match ch {
            '\n' => cur = (cur / COLS + 1) * COLS,
            '\r' => cur -= cur % COLS,
            '\x08' if !cur.is_multiple_of(COLS) => cur -= 1,
            '\x08' => {}
            _ => {
                let byte = if ch.is_ascii() && !ch.is_ascii_control() {
                    ch as u16
                } else {
                    b'?' as u16
                };
                cells.set(cur, (attr as u16) << 8 | byte);
                cur += 1;
            }
        }
        if cur >= CELLS {
            scroll(cells);
            cur -= COLS;
        }
    }
    cells.set(CURSOR_INDEX, cur as u16);
}

/// Writes `s` into the console page with attribute `attr` (`background << 4 | foreground`).
pub fn put_str(s: &str, attr: u8) {
    write_cells(&mut ConsolePage, s, attr);
}

/// A [`fmt::Write`] into the console page with one attribute.
#[derive(Clone, Copy, Debug)]
pub struct CWriter {
    /// The attribute every character gets (`background << 4 | foreground`).
    pub attr: u8,
}

impl Write for CWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        put_str(s, self.attr);
        Ok(())
    }
}

/// A [`fmt::Write`] that collects bytes and passes them to `flush` whenever the buffer fills (and
/// when asked). Plain logic, so the host tests can use it.
pub struct LineBuffer<F: FnMut(&[u8])> {
    buf: [u8; LINE_BUFFER],
    len: usize,
    flush: F,
}

impl<F: FnMut(&[u8])> LineBuffer<F> {
    /// An empty buffer that hands full loads of bytes to `flush`.
    pub fn new(flush: F) -> Self {
        LineBuffer {
            buf: [0; LINE_BUFFER],
            len: 0,
            flush,
        }
    }
    /// Hands the collected bytes to `flush`.
    pub fn flush(&mut self) {
        if self.len > 0 {
            (self.flush)(&self.buf[..self.len]);
            self.len = 0;
        }
    }
}

impl<F: FnMut(&[u8])> Write for LineBuffer<F> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        while !bytes.is_empty() {
            if self.len == LINE_BUFFER {
                self.flush();
            }
            let n = bytes.len().min(LINE_BUFFER - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
        Ok(())
    }
}

impl<F: FnMut(&[u8])> Drop for LineBuffer<F> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Formats to the kernel console (used by `print!`/`println!`).
#[doc(hidden)]
pub fn _print(args: fmt::Arguments, newline: bool) {
    let mut out = LineBuffer::new(|b: &[u8]| {
        // Nothing sensible to do if the console refuses; output is best effort.
        let _ = sys::debug_write(b);
    });
    let _ = out.write_fmt(args);
    if newline {
        let _ = out.write_str("\n");
    }
}

/// Formats into the console page (used by `cprint!`/`cprintln!`).
#[doc(hidden)]
pub fn _cprint(args: fmt::Arguments, newline: bool) {
    let mut out = CWriter { attr: DEFAULT_ATTR };
    let _ = out.write_fmt(args);
    if newline {
        put_str("\n", DEFAULT_ATTR);
    }
}

/// Prints to the kernel console (serial and screen) with `DebugWrite`.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::_print(format_args!($($arg)*), false) };
}

/// Prints a line to the kernel console (serial and screen) with `DebugWrite`.
#[macro_export]
macro_rules! println {
    () => { $crate::console::_print(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::console::_print(format_args!($($arg)*), true) };
}

/// Prints straight into the console page (bright white).
#[macro_export]
macro_rules! cprint {
    ($($arg:tt)*) => { $crate::console::_cprint(format_args!($($arg)*), false) };
}

/// Prints a line straight into the console page (bright white).
#[macro_export]
macro_rules! cprintln {
    () => { $crate::console::_cprint(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::console::_cprint(format_args!($($arg)*), true) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn page() -> [u16; 2048] {
        let mut p = [BLANK; 2048];
        p[CURSOR_INDEX] = 0;
        p
    }

    fn row(p: &[u16; 2048], r: usize) -> String {
        p[r * COLS..(r + 1) * COLS]
            .iter()
            .map(|&c| (c & 0xff) as u8 as char)
            .collect::<String>()
            .trim_end()
            .into()
    }

    #[test]
    fn writes_with_attribute_and_moves_cursor() {
        let mut p = page();
        write_cells(&mut p, "hi", 0x1e);
        assert_eq!(p[0], 0x1e00 | b'h' as u16);
        assert_eq!(p[1], 0x1e00 | b'i' as u16);
        assert_eq!(cursor(&p), 2);
        write_cells(&mut p, "\nx\ty", 0x07);
        assert_eq!(row(&p, 1), "x?y");
        assert_eq!(cursor(&p), COLS + 3);
        write_cells(&mut p, "\rz", 0x07);
        assert_eq!(row(&p, 1), "z?y");
        // A line editor's rub-out: back, blank, back; never into the row above.
        write_cells(&mut p, "\x08 \x08\x08\x08", 0x07);
        assert_eq!((row(&p, 1).as_str(), cursor(&p)), (" ?y", COLS));
    }

    #[test]
    fn wraps_long_lines() {
        let mut p = page();
        let long = "a".repeat(COLS + 5);
        write_cells(&mut p, &long, 0x07);
        assert_eq!(row(&p, 1), "aaaaa");
        assert_eq!(cursor(&p), COLS + 5);
    }

    #[test]
    fn scrolls_at_the_bottom() {
        let mut p = page();
        for i in 0..ROWS {
            write_cells(&mut p, &std::format!("line {i}\n"), 0x07);
        }
        // The last newline scrolled: line 0 is gone, the bottom row is blank.
        assert_eq!(row(&p, 0), "line 1");
        assert_eq!(row(&p, ROWS - 2), std::format!("line {}", ROWS - 1));
        assert_eq!(row(&p, ROWS - 1), "");
        assert_eq!(cursor(&p), (ROWS - 1) * COLS);
    }

    #[test]
    fn repairs_a_bad_cursor() {
        let mut p = page();
        p[CURSOR_INDEX] = 60000;
        write_cells(&mut p, "ok", 0x07);
        assert_eq!(row(&p, 0), "ok");
        assert_eq!(cursor(&p), 2);
    }

    #[test]
    fn line_buffer_flushes_when_full_and_on_drop() {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        {
            let mut b = LineBuffer::new(|c: &[u8]| chunks.push(c.to_vec()));
            let s = "x".repeat(LINE_BUFFER + 10);
            write!(b, "{s}").unwrap();
        }
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].len(), LINE_BUFFER);
        assert_eq!(chunks[1].len(), 10);
    }
}
