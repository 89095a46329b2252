//! A task's user registers, as `TaskReadRegs` / `TaskWriteRegs` lay them out in the IPC buffer.

/// The user-visible register file of a task.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserRegs {
    /// General-purpose register `rax`.
    pub rax: u64,
    /// General-purpose register `rbx`.
    pub rbx: u64,
    /// General-purpose register `rcx`.
    pub rcx: u64,
    /// General-purpose register `rdx`.
    pub rdx: u64,
    /// General-purpose register `rsi`.
    pub rsi: u64,
    /// General-purpose register `rdi`.
    pub rdi: u64,
    /// General-purpose register `rbp`.
    pub rbp: u64,
    /// General-purpose register `r8`.
    pub r8: u64,
    /// General-purpose register `r9`.
    pub r9: u64,
    /// General-purpose register `r10`.
    pub r10: u64,
    /// General-purpose register `r11`.
    pub r11: u64,
    /// General-purpose register `r12`.
    pub r12: u64,
    /// General-purpose register `r13`.
    pub r13: u64,
    /// General-purpose register `r14`.
    pub r14: u64,
    /// General-purpose register `r15`.
    pub r15: u64,
    /// The instruction pointer: where the task resumes.
    pub rip: u64,
    /// The stack pointer.
    pub rsp: u64,
    /// The flags register (`TaskWriteRegs` keeps only the user-controllable flags and sets `IF`).
    pub rflags: u64,
}

impl UserRegs {
    /// Number of 64-bit words (the IPC buffer holds them from word 0).
    pub const WORDS: usize = 18;

    /// The registers as IPC-buffer words, in field order (`rax` first, `rflags` last).
    pub fn to_words(&self) -> [u64; Self::WORDS] {
        [
            self.rax,
            self.rbx,
            self.rcx,
            self.rdx,
            self.rsi,
            self.rdi,
            self.rbp,
            self.r8,
            self.r9,
            self.r10,
            self.r11,
            self.r12,
            self.r13,
            self.r14,
            self.r15,
            self.rip,
            self.rsp,
            self.rflags,
        ]
    }

    /// The registers from IPC-buffer words in field order (the inverse of [`UserRegs::to_words`]).
    pub fn from_words(w: &[u64; Self::WORDS]) -> UserRegs {
        UserRegs {
            rax: w[0],
            rbx: w[1],
            rcx: w[2],
            rdx: w[3],
            rsi: w[4],
            rdi: w[5],
            rbp: w[6],
            r8: w[7],
            r9: w[8],
            r10: w[9],
            r11: w[10],
            r12: w[11],
            r13: w[12],
            r14: w[13],
            r15: w[14],
            rip: w[15],
            rsp: w[16],
            rflags: w[17],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        let mut w = [0u64; UserRegs::WORDS];
        for (i, x) in w.iter_mut().enumerate() {
            *x = i as u64 * 3 + 1;
        }
        assert_eq!(UserRegs::from_words(&w).to_words(), w);
    }
}
