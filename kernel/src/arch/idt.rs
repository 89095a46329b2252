//! The interrupt descriptor table: every vector points at an entry stub in `arch::trap`.
use super::gdt::{DEBUG_IST, DOUBLE_FAULT_IST, MACHINE_CHECK_IST, NMI_IST};
use super::trap::{stub_address, stub_vector, STUB_COUNT};
use spin::Once;
use x86_64::structures::idt::InterruptDescriptorTable;
use x86_64::VirtAddr;

static IDT: Once<InterruptDescriptorTable> = Once::new();

/// Builds the table (once) and loads it on this CPU.
pub fn init() {
    let idt = IDT.call_once(|| {
        let mut idt = InterruptDescriptorTable::new();
        let stub = |v: usize| VirtAddr::new(stub_address(v));
        // SAFETY: each address is an entry stub that saves state and handles vector `v` correctly,
        // and each IST index refers to a stack set up by `gdt::init`.
        unsafe {
            idt[1].set_handler_addr(stub(1)).set_stack_index(DEBUG_IST);
            idt[2].set_handler_addr(stub(2)).set_stack_index(NMI_IST);
            // DPL 3: a user `int3` is reported as a breakpoint rather than a protection fault.
            idt.breakpoint
                .set_handler_addr(stub(3))
                .set_privilege_level(x86_64::PrivilegeLevel::Ring3);
            idt.double_fault
                .set_handler_addr(stub(8))
                .set_stack_index(DOUBLE_FAULT_IST);
            idt.invalid_tss.set_handler_addr(stub(10));
            idt.segment_not_present.set_handler_addr(stub(11));
            idt.stack_segment_fault.set_handler_addr(stub(12));
            idt.general_protection_fault.set_handler_addr(stub(13));
            idt.page_fault.set_handler_addr(stub(14));
            idt.alignment_check.set_handler_addr(stub(17));
            idt.machine_check
                .set_handler_addr(stub(18))
                .set_stack_index(MACHINE_CHECK_IST);
            idt.cp_protection_exception.set_handler_addr(stub(21));
            idt.vmm_communication_exception.set_handler_addr(stub(29));
            idt.security_exception.set_handler_addr(stub(30));
            // Vectors without an error code, which the crate's index reaches (the others by name).
            let plain = [0u8, 4, 5, 6, 7, 16, 19, 20, 28].into_iter();
            for v in plain {
                idt[v].set_handler_addr(stub(v.into()));
            }
            for i in 32..STUB_COUNT {
                idt[stub_vector(i)].set_handler_addr(stub(i));
            }
        }
        idt
    });
    idt.load();
}
