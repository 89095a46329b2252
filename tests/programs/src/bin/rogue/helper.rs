//! Helper tasks the rogue creates in its own address space: each runs one job (an
//! `extern "C" fn() -> !`) on a stack of its own and shares the rogue's statics. A helper with no
//! fault endpoint that exits or faults is reported and destroyed by the kernel itself; one whose
//! fault endpoint is the rogue's reports to the rogue, which receives the kernel's message.
use test_programs::hostile::case::{check, works, Checked, Failure};
use test_programs::wait::yield_until;
use userlib::abi::inspect::Activity;
use userlib::{slots, sys, AddressSpace, CapSlot, Endpoint, Task, UserRegs};

const STACK_BYTES: usize = 16 * 1024;
const STACKS: usize = 4;

#[repr(C, align(16))]
struct Stack([u8; STACK_BYTES]);

/// The helpers' stacks; each is used by at most one live helper at a time.
static mut STACK_AREA: [Stack; STACKS] = [const { Stack([0; STACK_BYTES]) }; STACKS];

/// The initial stack pointer for stack `n`: 8 below the top, as after a call (the ABI's alignment).
fn stack_pointer(n: usize) -> u64 {
    assert!(n < STACKS, "no helper stack {n}");
    core::ptr::addr_of!(STACK_AREA) as u64 + ((n + 1) * STACK_BYTES) as u64 - 8
}

/// RFLAGS a helper starts with: interrupts on.
pub const START_FLAGS: u64 = 0x202;

pub struct Helper {
    pub task: Task,
    /// Its full task id (what `Reply` names).
    pub id: u64,
}

impl Helper {
    /// A stopped task in the rogue's own space that will run `job` on stack `stack`.
    pub fn new(slot: CapSlot, stack: usize, job: extern "C" fn() -> !) -> Result<Helper, Failure> {
        let space = AddressSpace(slots::SELF_SPACE);
        let (task, id) = works(space.create_task(slot), "create a helper task")?;
        works(task.set_name("rogue-helper"), "name the helper")?;
        let regs = UserRegs {
            rip: job as usize as u64,
            rsp: stack_pointer(stack),
            rflags: START_FLAGS,
            ..UserRegs::default()
        };
        works(task.write_regs(&regs), "set the helper's registers")?;
        Ok(Helper { task, id })
    }

    /// Its index (what fault messages carry as the pid).
    pub fn pid(&self) -> u64 {
        self.id & 0xffff
    }

    pub fn start(&self) -> Result<(), Failure> {
        works(self.task.start(), "start the helper")
    }

    /// Destroys the task (if it still exists) and empties the slot.
    pub fn end(self) {
        let _ = self.task.destroy();
        let _ = self.task.delete();
    }
}

/// Yields until `done()` holds (`test_programs::wait`); fails if it does not in time.
pub fn wait_for(what: &'static str, done: impl FnMut() -> bool) -> Result<(), Failure> {
    match yield_until(done) {
        true => Ok(()),
        false => Err(Failure { what, got: 0 }),
    }
}

/// Waits until the helper is in one of `activities` (`TaskCaps`): blocked where a case needs it
/// before it acts, whatever CPU the helper runs on.
pub fn wait_until(helper: &Helper, activities: &[Activity], what: &'static str) -> Checked {
    wait_for(what, || {
        sys::task_activity(helper.task.0).is_ok_and(|now| activities.contains(&now))
    })
}

/// A fault (or exit) the kernel reported for a helper.
pub struct Fault {
    pub label: u32,
    pub pid: u64,
    /// The faulting address (page faults), the vector (exceptions) or the exit status.
    pub detail: u64,
    pub error: u64,
    pub rip: u64,
}

/// Receives the next message on `ep`, which must be the kernel's report about a helper.
pub fn next_fault(ep: Endpoint) -> Result<Fault, Failure> {
    let msg = works(ep.recv(), "receive a helper's fault")?;
    check(
        msg.from_kernel(),
        "a message from the kernel",
        msg.msg.tag.0,
    )?;
    let w = msg.msg.words;
    Ok(Fault {
        label: msg.label(),
        pid: w[0],
        detail: w[1],
        error: w[2],
        rip: w[3],
    })
}

/// A new endpoint in `slot` (for a helper's faults, or for helpers to talk on).
pub fn endpoint(slot: CapSlot) -> Result<Endpoint, Failure> {
    works(
        sys::endpoint_create(slots::POOL, slot),
        "create an endpoint",
    )
    .map(|()| Endpoint(slot))
}

/// Destroys an endpoint the rogue created and empties its slot.
pub fn end_endpoint(ep: Endpoint) {
    let _ = ep.destroy();
    let _ = ep.delete();
}
/// The kernel's report must be of this kind, about `helper`, with this vector or address.
pub fn fault_is(fault: &Fault, helper: &Helper, label: u32, detail: u64) -> Checked {
    check(
        fault.label == label,
        "the kind of fault",
        fault.label as u64,
    )?;
    check(fault.pid == helper.pid(), "the faulting task", fault.pid)?;
    check(
        fault.detail == detail,
        "the vector or address",
        fault.detail,
    )
}
