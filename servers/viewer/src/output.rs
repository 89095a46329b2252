//! Showing the picture: in the console page (the display driver draws it on the framebuffer), and
//! on the serial console — redrawn in place with ANSI escapes when the runner's output is a terminal,
//! or as plain text snapshots (one in `LOG_EVERY` refreshes) when it is a log.
use crate::draw::{Grid, CELLS};
use core::fmt::Write;
use userlib::abi::cmdline::ViewerMode;
use userlib::console::{Cells, ConsolePage, CURSOR_INDEX};
use userlib::layout::CONSOLE_COLUMNS as COLS;
use userlib::sys;

/// Plain snapshots in a log: one in this many refreshes.
const LOG_EVERY: u64 = 4;
/// Where the terminal's scrolling region starts: the picture's rows stay above it.
const LOG_ROW: usize = 27;

/// Bytes of serial output collected before a write.
type Text = heapless::String<8192>;

pub fn to_screen(grid: &Grid) {
    let mut page = ConsolePage;
    for (i, &c) in grid.iter().enumerate() {
        if page.get(i) != c {
            page.set(i, c);
        }
    }
    // The cursor at the bottom row: lines others print scroll the picture, which the next
    // refresh puts back.
    page.set(CURSOR_INDEX, (CELLS - COLS) as u16);
}

/// Sets the terminal up: cleared, the rows below the picture scrolling on their own.
pub fn start(mode: ViewerMode) {
    if mode == ViewerMode::Tty {
        let mut t = Text::new();
        let _ = write!(t, "\x1b[2J\x1b[{LOG_ROW}r\x1b[{LOG_ROW};1H");
        let _ = sys::serial_write(crate::gather::SYSTEM, t.as_bytes());
    }
}

/// Whether this refresh reaches the serial console.
pub fn shows(mode: ViewerMode, refresh: u64) -> bool {
    mode == ViewerMode::Tty || refresh.is_multiple_of(LOG_EVERY)
}

/// Shows the picture on the serial console; a log's snapshot says what a refresh costs: reading
/// the frame states, asking the memory server, and drawing (the previous refresh's), in TSC
/// ticks (instructions under `-icount shift=0`).
pub fn to_serial(grid: &Grid, mode: ViewerMode, refresh: u64, cost: [u64; 3]) {
    let mut t = Text::new();
    match mode {
        ViewerMode::Tty => {
            let _ = t.push_str("\x1b7\x1b[H");
            for row in grid.chunks(COLS) {
                ansi_row(&mut t, row);
                let _ = t.push_str("\x1b[0m\x1b[K\n");
            }
            let _ = t.push_str("\x1b8");
        }
        ViewerMode::Log if shows(mode, refresh) => {
            let [states, server, drawing] = cost;
            let _ = writeln!(
                t,
                "--- memory viewer --- (a refresh: frame states {states}, memory server {server}, \
                 drawing {drawing} TSC ticks)"
            );
            for row in grid.chunks(COLS) {
                let line: heapless::String<COLS> = row.iter().map(|&c| c as u8 as char).collect();
                let _ = writeln!(t, "{}", line.trim_end());
            }
        }
        ViewerMode::Log => return,
    }
    let _ = sys::serial_write(crate::gather::SYSTEM, t.as_bytes());
}

/// A row with a colour change only where the attribute changes.
fn ansi_row(t: &mut Text, row: &[u16]) {
    let mut attr = None;
    for &c in row {
        let a = (c >> 8) as u8;
        if attr != Some(a) {
            let (fg, bg) = (ansi(a & 0x0f), ansi((a >> 4) & 0x07));
            let bright = if a & 0x08 != 0 { 60 } else { 0 };
            let _ = write!(t, "\x1b[0;{};{}m", 30 + fg + bright, 40 + bg);
            attr = Some(a);
        }
        let _ = t.push(c as u8 as char);
    }
}

/// A CGA colour's ANSI number (the orders differ: CGA has blue at 1, ANSI red).
fn ansi(cga: u8) -> u8 {
    [0, 4, 2, 6, 1, 5, 3, 7][(cga & 0x07) as usize]
}
