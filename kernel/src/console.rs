//! The console: an 80x25 grid of CGA-style cells (`attribute << 8 | character`) in one page, the
//! same page user programs get mapped at `abi::layout::CONSOLE` (as WeensyOS maps 0xB8000). The
//! kernel's own output goes to the serial port and into this grid; `framebuffer` draws the grid.
//! The cursor position lives in the page too (after the cells), so user programs printing straight
//! into the page and the kernel share one cursor.
use crate::framebuffer::Screen;
use abi::layout::{CONSOLE_COLUMNS as COLS, CONSOLE_ROWS as ROWS};
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};
use spin::Mutex;

pub const CELLS: usize = COLS * ROWS;
/// Index of the `u16` cursor position, just after the cells.
pub const CURSOR_INDEX: usize = CELLS;
/// Light grey on black, the kernel's colour.
pub const KERNEL_ATTR: u16 = 0x07;

/// Text operations on a console page; plain logic, unit-tested on the host.
pub struct Grid<'a> {
    pub cells: &'a mut [u16; 2048],
}

impl Grid<'_> {
    /// The cursor, repaired if a user program wrote nonsense into it.
    pub fn cursor(&self) -> usize {
        let c = self.cells[CURSOR_INDEX] as usize;
        if c < CELLS {
            c
        } else {
            0
        }
    }

    fn scroll(&mut self) {
        self.cells.copy_within(COLS..CELLS, 0);
        self.cells[CELLS - COLS..CELLS].fill(b' ' as u16 | KERNEL_ATTR << 8);
    }
}

/// Writes in the kernel's colour.
impl Write for Grid<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut cursor = self.cursor();
        for ch in s.chars() {
            if ch == '\n' {
                cursor = (cursor / COLS + 1) * COLS;
            } else {
                let printable = ch.is_ascii() && !ch.is_ascii_control();
                let byte = if printable { ch as u16 } else { b'?' as u16 };
                self.cells[cursor] = KERNEL_ATTR << 8 | byte;
                cursor += 1;
            }
            if cursor >= CELLS {
                self.scroll();
                cursor -= COLS;
            }
        }
        self.cells[CURSOR_INDEX] = cursor as u16;
        Ok(())
    }
}

/// The console page used during early boot, before the frame allocator exists.
static mut EARLY_PAGE: [u16; 2048] = [0; 2048];

/// The console page: `EARLY_PAGE`, then a frame of its own that user programs get mapped.
/// Written by the kernel under `OUTPUT`'s lock and by user programs through their mapping (never
/// at the same time: single core, kernel not preemptible).
static PAGE: AtomicPtr<[u16; 2048]> = AtomicPtr::new(core::ptr::null_mut());

/// The screen the console is drawn on, if any. Its lock also keeps the kernel's writers of the
/// console page apart.
static OUTPUT: Mutex<Option<Screen>> = Mutex::new(None);

/// Draws the console page on the screen, if there is one.
fn draw(screen: &mut Option<Screen>) {
    if let Some(s) = screen {
        s.draw(console_grid().cells);
    }
}

fn console_grid() -> Grid<'static> {
    let mut page = PAGE.load(Ordering::Relaxed);
    if page.is_null() {
        page = &raw mut EARLY_PAGE;
    }
    // SAFETY: `page` is the early static page or the console frame (both live forever); callers
    // hold `OUTPUT`'s lock (or are the panic path, which runs alone), so no other kernel reference
    // to the page exists while this one is used.
    let cells = unsafe { &mut *page };
    Grid { cells }
}

/// Moves the console into its own frame (`cells` is that frame, seen through the physical window).
pub fn move_to_frame(cells: &'static mut [u16; 2048]) {
    let _out = OUTPUT.lock();
    cells.copy_from_slice(console_grid().cells);
    PAGE.store(cells, Ordering::Relaxed);
}

/// Called on every timer tick: redraws what user programs changed in the console page, 20 times
/// a second (unless the kernel is printing: then it is drawn when that is done).
pub fn tick(ticks: u64) {
    if let Some(mut out) = OUTPUT.try_lock().filter(|_| ticks % 5 == 0) {
        draw(&mut out);
    }
}

/// Attaches the framebuffer; from now on the console is drawn on screen too.
pub fn attach_screen(screen: Screen) {
    let mut out = OUTPUT.lock();
    *out = Some(screen);
    draw(&mut out);
}

#[cfg(test)]
std::thread_local! {
    static PRINTED: core::cell::RefCell<std::string::String> = const {
        core::cell::RefCell::new(std::string::String::new())
    };
}

/// Host tests: what this thread's kernel code printed since the last call.
#[cfg(test)]
pub fn printed() -> std::string::String {
    PRINTED.with(|p| core::mem::take(&mut *p.borrow_mut()))
}

/// Who wrote the serial line in progress (0: the kernel, task id + 1: a task), and whether one is
/// in progress: another writer starts a new line, so no one can finish someone else's.
#[cfg(not(test))]
static LINE_OWNER: AtomicU32 = AtomicU32::new(0);
#[cfg(not(test))]
static MID_LINE: AtomicBool = AtomicBool::new(false);
// Host tests: per thread, as what they print is (tests run in parallel).
#[cfg(test)]
std::thread_local! {
    static LINE_OWNER: AtomicU32 = const { AtomicU32::new(0) };
    static MID_LINE: AtomicBool = const { AtomicBool::new(false) };
}

fn with_line<R>(f: impl FnOnce(&AtomicU32, &AtomicBool) -> R) -> R {
    #[cfg(not(test))]
    return f(&LINE_OWNER, &MID_LINE);
    #[cfg(test)]
    LINE_OWNER.with(|owner| MID_LINE.with(|mid_line| f(owner, mid_line)))
}

/// Makes `owner` the writer of the current line; true if it starts a fresh one.
fn take_line(owner: u32) -> bool {
    let (mid_line, other) = with_line(|line_owner, mid_line| {
        let mid_line = mid_line.load(Ordering::Relaxed);
        (mid_line, line_owner.swap(owner, Ordering::Relaxed) != owner)
    });
    if mid_line && other {
        write_both(format_args!("\n"));
        return true;
    }
    !mid_line
}

/// User text with what a terminal would act on (C0 and C1 controls but newline and tab, and the
/// bidirectional overrides) replaced by `?`, as the screen shows it.
struct Inert<'a>(&'a str);

impl fmt::Display for Inert<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for c in self.0.chars() {
            let active = (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            f.write_char(if active { '?' } else { c })?;
        }
        Ok(())
    }
}

/// A task's `DebugWrite`: inert, and every line it starts marked with its name unless it already
/// begins with it (`hello from pid 2`, `init: ...`), so no program can print a line that passes
/// for another's — `init:` or `kernel:` lines included.
pub fn print_user(task: u16, name: &str, text: &str) {
    let mut out = OUTPUT.lock();
    for line in text.split_inclusive('\n') {
        let named = line
            .strip_prefix(name)
            .is_some_and(|r| r.starts_with([':', ' ']));
        if take_line(u32::from(task) + 1) && !named {
            write_both(format_args!("{name}: "));
        }
        write_both(format_args!("{}", Inert(line)));
    }
    draw(&mut out);
}

/// The serial port. Host tests have none: there the output is the test's, and the test can read
/// it back (`printed`).
struct Serial;

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(last) = s.chars().last() {
            with_line(|_, mid_line| mid_line.store(last != '\n', Ordering::Relaxed));
        }
        #[cfg(not(test))]
        crate::arch::serial::write_str(s);
        #[cfg(test)]
        {
            std::print!("{s}");
            PRINTED.with(|p| p.borrow_mut().push_str(s));
        }
        Ok(())
    }
}

/// To the serial port and into the console page (the caller holds `OUTPUT`'s lock).
fn write_both(args: fmt::Arguments) {
    let _ = Serial.write_fmt(args);
    let _ = console_grid().write_fmt(args);
}

pub fn print(args: fmt::Arguments) {
    let mut out = OUTPUT.lock();
    take_line(0);
    write_both(args);
    draw(&mut out);
}

/// Text for the serial port only, as it is (a viewer's terminal escapes must stay out of the
/// grid; only a holder of the system capability may).
pub fn print_serial(s: &str) {
    let _ = Serial.write_str(s);
}

/// Printing for the panic path: never waits for the lock.
pub fn emergency_print(args: fmt::Arguments) {
    let _ = Serial.write_fmt(args);
    if let Some(mut out) = OUTPUT.try_lock() {
        let _ = console_grid().write_fmt(args);
        draw(&mut out);
    }
}

#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => { $crate::console::print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! kprintln {
    () => { $crate::kprint!("\n") };
    ($($arg:tt)*) => { $crate::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of_row(cells: &[u16; 2048], row: usize) -> std::string::String {
        cells[row * COLS..(row + 1) * COLS]
            .iter()
            .map(|c| (*c as u8) as char)
            .collect()
    }

    #[test]
    fn writes_and_wraps_lines() {
        let mut page = [0u16; 2048];
        let mut g = Grid { cells: &mut page };
        g.write_str("hi\nthere").unwrap();
        assert_eq!(g.cursor(), COLS + 5);
        assert!(text_of_row(g.cells, 0).starts_with("hi"));
        assert!(text_of_row(g.cells, 1).starts_with("there"));
        assert_eq!(g.cells[0] >> 8, 0x07);
    }

    #[test]
    fn scrolls_at_the_bottom() {
        let mut page = [0u16; 2048];
        let mut g = Grid { cells: &mut page };
        for i in 0..ROWS + 2 {
            g.write_str(&std::format!("line {i}\n")).unwrap();
        }
        assert!(text_of_row(g.cells, ROWS - 2).starts_with(&std::format!("line {}", ROWS + 1)));
        assert_eq!(g.cursor(), (ROWS - 1) * COLS);
    }

    #[test]
    fn repairs_a_bad_cursor() {
        let mut page = [0u16; 2048];
        page[CURSOR_INDEX] = 60000;
        let mut g = Grid { cells: &mut page };
        g.write_str("x").unwrap();
        assert_eq!(g.cells[0] as u8, b'x');
    }
}
