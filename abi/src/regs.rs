//! A task's user registers, as `TaskReadRegs` / `TaskWriteRegs` lay them out in the IPC buffer.

/// The user-visible register file of a task.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserRegs {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rsp: u64,
    pub rflags: u64,
}

impl UserRegs {
    /// Number of 64-bit words (the IPC buffer holds them from word 0).
    pub const WORDS: usize = 18;

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
