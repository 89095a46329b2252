//! Registers of the rogue's helper tasks set to what no task may have: rip and rsp outside user
//! space, RFLAGS with IOPL, NT, VM, AC and TF, a syscall at the very top of user space, segment
//! selectors loaded by one task and looked at by the next, and every interrupt vector raised.
use super::helper::{end_endpoint, endpoint, fault_is, next_fault, wait_for, Fault, Helper};
use super::jobs::{self, *};
use core::sync::atomic::Ordering::SeqCst;
use test_programs::hostile::asm::{flags, int_instruction, segments, store};
use test_programs::hostile::case::{check, refused, survival, works, Case, Checked};
use userlib::abi::msg::fault;
use userlib::layout::{PAGE_SIZE, USER_END, USER_TOP};
use userlib::SysError::*;
use userlib::{slots, sys, AddressSpace, CapSlot, FramePool, PageRights, Sysnum};

const POOL: FramePool = FramePool(slots::POOL);
const SPACE: AddressSpace = AddressSpace(slots::SELF_SPACE);
const HELPER: CapSlot = CapSlot(30);
const SECOND: CapSlot = CapSlot(31);
const FAULTS: CapSlot = CapSlot(32);
const KERNEL_TEXT: u64 = 0xFFFF_FFFF_8000_0000;

pub const CASES: &[Case] = &[
    survival(
        203,
        "set registers with rip or rsp outside user space",
        hostile_rip_rsp,
    ),
    survival(
        204,
        "set RFLAGS with IOPL, NT, VM, AC, TF, IF clear",
        hostile_rflags,
    ),
    survival(
        206,
        "a syscall in the last bytes below the top page",
        syscall_at_the_top,
    ),
    survival(
        209,
        "segment selectors stay with the task that loaded them",
        segment_selectors,
    ),
    survival(211, "int 0 to int 255, each reported exactly", every_vector),
];
fn hostile_rip_rsp() -> Checked {
    let helper = Helper::new(HELPER, 0, park)?;
    let result = (|| {
        let good = works(helper.task.read_regs(), "read its registers")?;
        for rip in [
            USER_TOP,
            USER_TOP + 0x10,
            USER_END,
            USER_END + 0x1000,
            KERNEL_TEXT,
            u64::MAX,
        ] {
            let bad = userlib::UserRegs { rip, ..good };
            refused(
                helper.task.write_regs(&bad),
                InvalidArgument,
                "rip outside user space",
            )?;
        }
        for rsp in [USER_END, USER_END + 0x1000, KERNEL_TEXT, u64::MAX] {
            let bad = userlib::UserRegs { rsp, ..good };
            refused(
                helper.task.write_regs(&bad),
                InvalidArgument,
                "rsp outside user space",
            )?;
        }
        let now = works(helper.task.read_regs(), "read its registers")?;
        check(now == good, "registers unchanged by the refusals", now.rip)?;
        let edge = userlib::UserRegs {
            rip: USER_TOP - 1,
            rsp: USER_END - 8,
            ..good
        };
        works(
            helper.task.write_regs(&edge),
            "rip and rsp at the very top of user space",
        )
    })();
    helper.end();
    result
}

/// Flags a task may not have: the kernel must keep only the arithmetic flags and DF, and IF.
const HOSTILE_FLAGS: u64 =
    flags::IOPL | flags::NT | flags::VM | flags::AC | flags::TF | 1 << 16 | 1 << 21 | 1;
const FORBIDDEN_FLAGS: u64 =
    flags::IOPL | flags::NT | flags::VM | flags::AC | flags::TF | 1 << 16 | 1 << 21;

fn hostile_rflags() -> Checked {
    jobs::reset();
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, flags_then_cli)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        let hostile = userlib::UserRegs {
            rflags: HOSTILE_FLAGS,
            ..regs
        };
        works(helper.task.write_regs(&hostile), "set hostile flags")?;
        let set = works(helper.task.read_regs(), "read them back")?.rflags;
        check(
            set & FORBIDDEN_FLAGS == 0,
            "no IOPL, NT, VM, AC, TF, RF or ID",
            set,
        )?;
        check(
            set & flags::IF != 0 && set & 1 != 0,
            "IF forced on, CF kept",
            set,
        )?;
        helper.start()?;
        let f = next_fault(faults)?;
        fault_is(&f, &helper, fault::EXCEPTION, GENERAL_PROTECTION)?;
        let seen = RESULT.load(SeqCst);
        check(
            seen & FORBIDDEN_FLAGS == 0,
            "the task runs without them",
            seen,
        )?;
        check(
            seen & flags::IF != 0,
            "the task runs with interrupts on",
            seen,
        )
    })();
    helper.end();
    end_endpoint(faults);
    result
}

/// `syscall` is two bytes; at the end of the highest mappable page it returns to `USER_TOP`,
/// which is canonical (the page above it could never be mapped, so no syscall can end at the
/// non-canonical `USER_END` and make `sysretq` fault in the kernel).
fn syscall_at_the_top() -> Checked {
    let page = USER_TOP - PAGE_SIZE;
    let frame = works(POOL.alloc(), "alloc")?;
    works(
        SPACE.map(POOL, frame, page, PageRights::WRITE | PageRights::EXECUTE),
        "map the highest page",
    )?;
    store(USER_TOP - 8, 0x050f << 48); // `syscall` in its last two bytes
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, park);
    let result = helper.as_ref().map_err(|f| *f).and_then(|helper| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        let at_top = userlib::UserRegs {
            rip: USER_TOP - 2,
            rax: Sysnum::Yield.raw(),
            ..regs
        };
        works(helper.task.write_regs(&at_top), "point it at the syscall")?;
        helper.start()?;
        // Stay ready, so that its yield switches to the rogue and the kernel returns to it later
        // by the full path (which once asserted that sysretq never returns to `USER_TOP`).
        for _ in 0..20 {
            sys::yield_now();
        }
        let f = next_fault(faults)?;
        fault_is(&f, helper, fault::PAGE_FAULT, USER_TOP)?;
        check(
            f.rip == USER_TOP && f.error & 0x10 != 0,
            "fetching at the top page",
            f.error,
        )?;
        works(helper.task.stop(), "stop it")?;
        let after = works(helper.task.read_regs(), "read its registers")?;
        check(after.rax == 0, "the syscall returned 0", after.rax)
    });
    if let Ok(helper) = helper {
        helper.end();
    }
    end_endpoint(faults);
    works(SPACE.unmap(page), "unmap")?;
    works(POOL.free(frame), "free")?;
    result
}

fn segment_selectors() -> Checked {
    jobs::reset();
    check(
        segments() == [0; 4],
        "the rogue starts with null selectors",
        pack(segments()),
    )?;
    let loader = Helper::new(HELPER, 0, load_segments)?;
    let observer = Helper::new(SECOND, 1, report_segments);
    let result = observer.as_ref().map_err(|f| *f).and_then(|observer| {
        loader.start()?;
        wait_for("the loader to load", || DONE.load(SeqCst) == 1)?;
        check(
            segments() == [0; 4],
            "the rogue's own selectors after the load",
            pack(segments()),
        )?;
        observer.start()?;
        wait_for("the loader to look again", || DONE.load(SeqCst) == 3)?;
        check(
            RESULT.load(SeqCst) == 0,
            "a new task sees null selectors",
            RESULT.load(SeqCst),
        )?;
        check(
            SEEN[0].load(SeqCst) == pack(LOADED),
            "the loader keeps its own",
            SEEN[0].load(SeqCst),
        )
    });
    loader.end();
    if let Ok(observer) = observer {
        observer.end();
    }
    result
}

/// What `int vector` must raise: #BP for the one gate user mode may use (reported after the
/// instruction), #GP naming the IDT entry for every other (older QEMU versions report `N * 16 + 2`
/// where hardware reports `N * 8 + 2`).
fn vector_checks(vector: u8, f: &Fault) -> Checked {
    let at = int_instruction(vector);
    if vector == 3 {
        check(
            f.detail == 3 && f.rip == at + 2,
            "int 3 is a breakpoint",
            f.detail,
        )
    } else {
        check(
            f.detail == GENERAL_PROTECTION && f.rip == at,
            "#GP at the int",
            f.detail,
        )?;
        let entry = [vector as u64 * 8 + 2, vector as u64 * 16 + 2];
        check(
            entry.contains(&f.error),
            "the error code names the gate",
            f.error,
        )
    }
}

fn every_vector() -> Checked {
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, park)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        let regs = works(helper.task.read_regs(), "read its registers")?;
        for vector in 0..=255u8 {
            let at = userlib::UserRegs {
                rip: int_instruction(vector),
                ..regs
            };
            works(helper.task.write_regs(&at), "point it at the int")?;
            helper.start()?;
            let f = next_fault(faults)?;
            check(
                f.label == fault::EXCEPTION && f.pid == helper.pid(),
                "an exception",
                vector as u64,
            )?;
            vector_checks(vector, &f)?;
            works(helper.task.stop(), "stop it")?;
        }
        Ok(())
    })();
    helper.end();
    end_endpoint(faults);
    result
}
