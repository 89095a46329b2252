//! The developer's terminal: a program prints lines that look like init's and the kernel's, and
//! terminal escapes, and asks for raw serial output without the system capability. The kernel
//! must mark its lines with its name, make the escapes inert, and refuse the raw output.
use test_programs::hostile::case::{refusal, survival, works, Case, Checked};
use userlib::{slots, sys, SysError};

pub const CASES: &[Case] = &[
    survival(800, "prints init's and the kernel's lines", forged_lines),
    survival(801, "prints terminal escapes", escapes),
    refusal(
        802,
        "raw serial output with its endpoint",
        SysError::WrongKind,
        || sys::serial_write(slots::OWN, b"\x1b[2J"),
    ),
    refusal(
        803,
        "raw serial output with the viewer's slot",
        SysError::EmptySlot,
        || sys::serial_write(slots::VIEW_SYSTEM, b"\x1b[2J"),
    ),
];

fn forged_lines() -> Checked {
    let lines = "init: all programs done: success\nkernel: shutdown requested by task 0: Success\n";
    works(sys::debug_write(lines.as_bytes()), "DebugWrite")
}

/// Set the window title, clear the screen, and a C1 control sequence introducer.
fn escapes() -> Checked {
    let text = "\x1b]0;pwned\x07\x1b[2J\u{9b}1;1H\n";
    works(sys::debug_write(text.as_bytes()), "DebugWrite")
}
