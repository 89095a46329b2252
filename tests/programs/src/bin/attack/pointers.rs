//! Bad pointers and lengths to `DebugWrite`, the syscall that reads user memory: the kernel must
//! check every byte's page against the program's own page tables and refuse with the exact error.
use test_programs::hostile::case::{refusal, survival, works, Case, Checked};
use userlib::layout::{IPC_BUFFER, PAGE_SIZE, STACK_TOP, USER_END, USER_TOP};
use userlib::sys::debug_write_raw as write;
use userlib::SysError::{BadAddress, InvalidArgument, NotMapped};

/// A user address with nothing mapped.
const UNMAPPED: u64 = 0x5000_0000_0000;

pub const CASES: &[Case] = &[
    refusal(300, "DebugWrite of kernel text", BadAddress, || {
        write(0xFFFF_FFFF_8000_0000, 8)
    }),
    refusal(
        301,
        "DebugWrite of the physical-memory window",
        BadAddress,
        || write(0xFFFF_8000_0000_0000, 8),
    ),
    refusal(
        302,
        "DebugWrite whose range wraps around",
        BadAddress,
        || write(u64::MAX - 3, 8),
    ),
    refusal(
        303,
        "DebugWrite across the end of user space",
        BadAddress,
        || write(USER_END - 4, 8),
    ),
    refusal(
        304,
        "DebugWrite of a non-canonical pointer",
        BadAddress,
        || write(0x1234_5678_9abc_def0, 8),
    ),
    refusal(305, "DebugWrite of an unmapped buffer", NotMapped, || {
        write(UNMAPPED, 8)
    }),
    refusal(
        306,
        "DebugWrite from the stack into the unmapped gap",
        NotMapped,
        || write(STACK_TOP - 4, 8),
    ),
    refusal(
        307,
        "DebugWrite of the never-mapped top page",
        NotMapped,
        || write(USER_TOP, 8),
    ),
    refusal(
        308,
        "DebugWrite of 4096 bytes running off the IPC buffer",
        NotMapped,
        || write(IPC_BUFFER + 1, PAGE_SIZE),
    ),
    refusal(309, "DebugWrite of a null pointer", NotMapped, || {
        write(0, 1)
    }),
    refusal(310, "DebugWrite of 4097 bytes", InvalidArgument, || {
        write(STACK_TOP - PAGE_SIZE * 2, PAGE_SIZE + 1)
    }),
    refusal(311, "DebugWrite of u64::MAX bytes", InvalidArgument, || {
        write(STACK_TOP - PAGE_SIZE, u64::MAX)
    }),
    refusal(
        312,
        "DebugWrite of 2^63 bytes at a kernel address",
        InvalidArgument,
        || write(0xFFFF_FFFF_8000_0000, 1 << 63),
    ),
    survival(
        313,
        "DebugWrite of invalid UTF-8 and of nothing",
        odd_writes,
    ),
];

fn odd_writes() -> Checked {
    let bytes = [0xffu8, 0xfe, b'\n'];
    works(
        write(bytes.as_ptr() as u64, 3),
        "DebugWrite of invalid UTF-8",
    )?;
    works(write(0, 0), "DebugWrite of nothing at a null pointer")?;
    works(
        write(UNMAPPED, 0),
        "DebugWrite of nothing at an unmapped address",
    )
}
