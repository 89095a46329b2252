//! The kernel's console: the serial port, for its own messages, panics and tasks' `DebugWrite`.
//! (The console page user programs get mapped at `abi::layout::CONSOLE` is theirs: userlib's
//! `print!` writes it too, and the display driver draws it on the screen.)
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
#[cfg(test)]
pub use host::printed;

/// Who wrote the serial line in progress (0: the kernel, task id + 1: a task), and whether one is
/// in progress: another writer starts a new line, so no one can finish someone else's. (One
/// writer at a time: the kernel is single-threaded and not preemptible.)
#[cfg(not(test))]
static LINE: (AtomicU32, AtomicBool) = (AtomicU32::new(0), AtomicBool::new(false));

fn with_line<R>(f: impl FnOnce(&AtomicU32, &AtomicBool) -> R) -> R {
    #[cfg(not(test))]
    return f(&LINE.0, &LINE.1);
    #[cfg(test)]
    host::LINE.with(|(owner, mid_line)| f(owner, mid_line))
}

/// Makes `owner` the writer of the current line; true if it starts a fresh one.
fn take_line(owner: u32) -> bool {
    let (mid_line, other) = with_line(|line_owner, mid_line| {
        let mid_line = mid_line.load(Ordering::Relaxed);
        (mid_line, line_owner.swap(owner, Ordering::Relaxed) != owner)
    });
    if mid_line && other {
        let _ = Serial.write_str("\n");
    }
    !mid_line || other
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
    for line in text.split_inclusive('\n') {
        let after_name = line.strip_prefix(name);
        let named = after_name.is_some_and(|r| r.starts_with([':', ' ']));
        if take_line(u32::from(task) + 1) && !named {
            let _ = Serial.write_fmt(format_args!("{name}: "));
        }
        let _ = Serial.write_fmt(format_args!("{}", Inert(line)));
    }
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
        host::print(s);
        Ok(())
    }
}

pub fn print(args: fmt::Arguments) {
    take_line(0);
    let _ = Serial.write_fmt(args);
}

/// Text for the serial port as it is, not made inert (a viewer's terminal escapes; only a holder
/// of the system capability may).
pub fn print_serial(s: &str) {
    let _ = Serial.write_str(s);
}

#[macro_export]
macro_rules! kprintln {
    ($($arg:tt)*) => { $crate::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Host tests: per thread, as what they print is (tests run in parallel).
#[cfg(test)]
mod host {
    use super::{AtomicBool, AtomicU32};
    use core::cell::RefCell;
    use std::string::String;

    std::thread_local! {
        static PRINTED: RefCell<String> = const { RefCell::new(String::new()) };
        pub static LINE: (AtomicU32, AtomicBool) =
            const { (AtomicU32::new(0), AtomicBool::new(false)) };
    }

    pub fn print(s: &str) {
        std::print!("{s}");
        PRINTED.with(|p| p.borrow_mut().push_str(s));
    }

    /// What this thread's kernel code printed since the last call.
    pub fn printed() -> String {
        PRINTED.with(|p| core::mem::take(&mut *p.borrow_mut()))
    }
}
