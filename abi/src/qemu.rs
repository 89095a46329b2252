//! How the guest tells the runner how the run ended (QEMU's `isa-debug-exit` device).
//!
//! Writing `code` to the port makes QEMU exit with status `(code << 1) | 1`.

/// The I/O port of the `isa-debug-exit` device (`-device isa-debug-exit,iobase=0xf4,iosize=0x04`).
pub const DEBUG_EXIT_PORT: u16 = 0xf4;

numbered_enum! {
    /// Why the guest ended the run.
    pub enum ExitCode: u32 {
        /// Everything asked for ran and succeeded.
        Success = 0x10,
        /// The init server reports that a program failed.
        Failure = 0x11,
        /// The kernel panicked (or hit an exception in kernel mode).
        KernelPanic = 0x12,
    }
}

impl ExitCode {
    /// The exit status QEMU's process reports for this code.
    pub const fn qemu_status(self) -> i32 {
        ((self as u32 as i32) << 1) | 1
    }

    /// The code behind a QEMU exit status, if it came from the guest.
    pub fn from_qemu_status(status: i32) -> Option<ExitCode> {
        if status & 1 == 0 {
            return None;
        }
        ExitCode::from_raw((status >> 1) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for &code in ExitCode::ALL {
            assert_eq!(ExitCode::from_qemu_status(code.qemu_status()), Some(code));
        }
        assert_eq!(ExitCode::Success.qemu_status(), 33);
        assert_eq!(ExitCode::from_qemu_status(0), None);
        assert_eq!(ExitCode::from_qemu_status(1), None);
    }
}
