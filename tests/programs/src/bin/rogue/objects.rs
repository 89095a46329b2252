//! Kernel objects: destroying what must stay, using what was destroyed, capabilities with rights
//! taken away, and every object table and all of memory exhausted — then given back, counted
//! again to show every entry and frame returned (objects whose last capability goes must be
//! reclaimed; init's census after the batch checks the same from outside).
use test_programs::hostile::case::{
    check, refusal, refused, survival, works, Case, Checked, Failure,
};
use userlib::SysError::*;
use userlib::{slots, sys, AddressSpace, CapSlot, FramePool, Rights, SysError, Task};

const POOL: FramePool = FramePool(slots::POOL);
const SPACE: AddressSpace = AddressSpace(slots::SELF_SPACE);
const SCRATCH: CapSlot = CapSlot(20);
const OTHER: CapSlot = CapSlot(21);
/// Holder tasks (never started) keep objects the rogue has no slots for: one per 64.
const HOLDERS: u32 = 40;
const MAX_HOLDERS: u32 = 4;
/// A region of the rogue's space it maps nothing else in.
const FRESH: u64 = 0x0000_6000_0000_0000;

pub const CASES: &[Case] = &[
    refusal(100, "destroy its own address space", InUse, || {
        SPACE.destroy()
    }),
    refusal(101, "destroy itself", BadTaskState, || {
        Task(slots::SELF_TASK).destroy()
    }),
    refusal(102, "map into a destroyed address space", StaleCap, || {
        POOL.create_address_space(SCRATCH)?.destroy()?;
        let frame = POOL.alloc()?;
        let result = AddressSpace(SCRATCH).map(POOL, frame, 0x1000, userlib::PageRights::WRITE);
        POOL.free(frame)?;
        result
    }),
    survival(103, "destroy an address space a task runs in", || {
        let space = works(POOL.create_address_space(SCRATCH), "create a space")?;
        works(space.create_task(OTHER), "create a task in it")?;
        refused(space.destroy(), InUse, "destroy it with a task in it")?;
        works(Task(OTHER).destroy(), "destroy the task")?;
        works(space.destroy(), "destroy it empty")?;
        refused(space.destroy(), StaleCap, "destroy it again")?;
        works(space.delete(), "delete")?;
        works(Task(OTHER).delete(), "delete")
    }),
    refusal(104, "mint a badge on the frame pool", WrongKind, || {
        sys::cap_mint(slots::POOL, SCRATCH, Rights::all(), 1)
    }),
    refusal(
        105,
        "install a destroyed endpoint as a fault endpoint",
        StaleCap,
        || {
            POOL.create_endpoint(SCRATCH)?.destroy()?;
            Task(slots::SELF_TASK).set_fault(userlib::Endpoint(SCRATCH))
        },
    ),
    refusal(
        106,
        "install an endpoint without SEND as a fault endpoint",
        MissingRights,
        || {
            sys::cap_copy(slots::OWN, SCRATCH, Rights::RECEIVE)?;
            sys::task_set_fault(slots::SELF_TASK, SCRATCH)
        },
    ),
    refusal(
        107,
        "allocate through a pool copy without MAP",
        MissingRights,
        || {
            sys::cap_copy(slots::POOL, SCRATCH, Rights::all() - Rights::MAP)?;
            sys::frame_alloc(SCRATCH).map(drop)
        },
    ),
    refusal(
        108,
        "query through a space copy without READ",
        MissingRights,
        || {
            sys::cap_copy(slots::SELF_SPACE, SCRATCH, Rights::MAP)?;
            sys::as_query(SCRATCH, 0xB8000).map(drop)
        },
    ),
    refusal(
        109,
        "destroy through a space copy without CONTROL",
        MissingRights,
        || {
            sys::cap_copy(slots::SELF_SPACE, SCRATCH, Rights::MAP | Rights::READ)?;
            sys::as_destroy(SCRATCH)
        },
    ),
    refusal(
        110,
        "read registers through a task copy without READ",
        MissingRights,
        || {
            sys::cap_copy(slots::SELF_TASK, SCRATCH, Rights::CONTROL)?;
            sys::task_read_regs(SCRATCH)
        },
    ),
    refusal(
        111,
        "stop itself through a task copy without CONTROL",
        MissingRights,
        || {
            sys::cap_copy(slots::SELF_TASK, SCRATCH, Rights::READ)?;
            sys::task_stop(SCRATCH)
        },
    ),
    refusal(
        112,
        "create an address space into an occupied slot",
        SlotOccupied,
        || POOL.create_address_space(slots::OWN).map(drop),
    ),
    refusal(113, "create a task into slot 64", InvalidSlot, || {
        SPACE.create_task(CapSlot(64)).map(drop)
    }),
    survival(114, "endpoints until the table is full, twice", || {
        twice(|slot| POOL.create_endpoint(slot).map(drop))
    }),
    survival(115, "address spaces until the table is full, twice", || {
        twice(|slot| POOL.create_address_space(slot).map(drop))
    }),
    survival(116, "tasks until the table is full, twice", || {
        twice(|slot| SPACE.create_task(slot).map(drop))
    }),
    survival(117, "every free frame, then give them back", all_frames),
    survival(
        118,
        "objects whose last capability is deleted are reclaimed",
        reclaimed,
    ),
    // Leaks on purpose, so that the test sees init notice and fail the run (a pool holder can
    // leak; see docs/security.md). Not part of the suite's batches.
    survival(190, "leak a frame (init must report it)", || {
        works(POOL.alloc(), "allocate a frame")?;
        Ok(())
    }),
    survival(
        191,
        "leak a task that holds itself (init must report it)",
        || {
            let task = Task(OTHER);
            works(sys::as_create(slots::POOL, SCRATCH), "create a space")?;
            works(sys::task_create(SCRATCH, OTHER), "create a task")?;
            works(
                task.give_cap(OTHER, CapSlot(9), Rights::all()),
                "give it itself",
            )?;
            works(sys::cap_delete(OTHER), "drop the task")?;
            works(sys::cap_delete(SCRATCH), "drop the space")
        },
    ),
];

/// Creates objects with `create` until it fails, keeping each in a holder task's table; then
/// destroys the holders, which releases them all. Returns how many were made (holders included,
/// as they are tasks too) and why it stopped.
fn fill(create: fn(CapSlot) -> Result<(), SysError>) -> Result<(u64, SysError), Failure> {
    let (mut made, mut holders, mut parked) = (0u64, 0u32, 0u64);
    let stop = loop {
        if parked % 64 == 0 {
            if holders == MAX_HOLDERS {
                break None;
            }
            match SPACE.create_task(CapSlot(HOLDERS + holders)) {
                Ok(_) => (holders, made) = (holders + 1, made + 1),
                Err(e) => break Some(e),
            }
        }
        match create(SCRATCH) {
            Ok(()) => made += 1,
            Err(e) => break Some(e),
        }
        let holder = Task(CapSlot(HOLDERS + holders - 1));
        let kept = holder.give_cap(SCRATCH, CapSlot((parked % 64) as u32), Rights::all());
        let _ = sys::cap_delete(SCRATCH);
        works(kept, "park the object in a holder")?;
        parked += 1;
    };
    for h in 0..holders {
        let holder = Task(CapSlot(HOLDERS + h));
        works(holder.destroy(), "destroy a holder")?;
        works(holder.delete(), "delete a holder")?;
    }
    match stop {
        Some(e) => Ok((made, e)),
        None => Err(Failure {
            what: "the table filled up",
            got: made,
        }),
    }
}

/// Fills a table twice: both times it must end in `OutOfMemory` after as many objects, so every
/// one made the first time was reclaimed.
fn twice(create: fn(CapSlot) -> Result<(), SysError>) -> Checked {
    let (first, why) = fill(create)?;
    check(why == OutOfMemory, "stopped by OutOfMemory", why.raw())?;
    let (second, why) = fill(create)?;
    check(
        why == OutOfMemory,
        "stopped by OutOfMemory again",
        why.raw(),
    )?;
    // The bystander may end meanwhile and free its objects, never take any: hence "at least".
    check(second >= first, "as many objects the second time", second)
}

/// How many frames the bitmap can record (128 MiB of RAM has fewer).
pub const MAX_FRAME: usize = 64 * 1024;

fn all_frames() -> Checked {
    let mut taken = [0u64; MAX_FRAME / 64];
    let count = take_all_frames(&mut taken)?;
    // With nothing left, whatever needs a frame must fail cleanly.
    let some = first_frame(&taken).unwrap_or(0);
    let starved = [
        refused(POOL.alloc(), OutOfMemory, "alloc with no frame free"),
        refused(
            POOL.create_address_space(SCRATCH),
            OutOfMemory,
            "create a space with no frame free",
        ),
        refused(
            SPACE.map(POOL, some, FRESH, userlib::PageRights::WRITE),
            OutOfMemory,
            "map needing tables",
        ),
    ];
    let given = give_back(&taken);
    for result in starved {
        result?;
    }
    check(given? == count, "every frame taken is given back", count)?;
    // And memory is whole again: as many frames can be taken a second time.
    let mut again = [0u64; MAX_FRAME / 64];
    let second = take_all_frames(&mut again)?;
    give_back(&again)?;
    check(second >= count, "as many frames the second time", second)
}

pub fn take_all_frames(taken: &mut [u64]) -> Result<u64, Failure> {
    let mut count = 0;
    loop {
        match POOL.alloc() {
            Ok(frame) if (frame as usize) < MAX_FRAME => {
                let (word, bit) = (frame as usize / 64, frame % 64);
                check(
                    taken[word] & 1 << bit == 0,
                    "a frame handed out once",
                    frame,
                )?;
                taken[word] |= 1 << bit;
                count += 1;
            }
            Ok(frame) => {
                let _ = POOL.free(frame);
                give_back(taken)?;
                return Err(Failure {
                    what: "a frame number the bitmap can hold",
                    got: frame,
                });
            }
            Err(OutOfMemory) => return Ok(count),
            Err(e) => {
                return Err(Failure {
                    what: "OutOfMemory at the end",
                    got: e.raw(),
                })
            }
        }
    }
}

fn first_frame(taken: &[u64]) -> Option<u64> {
    let word = taken.iter().position(|&w| w != 0)?;
    Some(word as u64 * 64 + taken[word].trailing_zeros() as u64)
}

pub fn give_back(taken: &[u64]) -> Result<u64, Failure> {
    let mut count = 0;
    for (word, &bits) in taken.iter().enumerate() {
        for bit in (0..64).filter(|b| bits & 1 << b != 0) {
            works(POOL.free(word as u64 * 64 + bit), "free a frame taken")?;
            count += 1;
        }
    }
    Ok(count)
}

/// The regression test for objects leaked on last-capability delete: deleting the only
/// capability to an endpoint, an address space or a task must reclaim it (a space that still has
/// a task goes with that task), so the tables hold as many new objects afterwards. (The bystander
/// may end meanwhile and free its own objects, never take any: hence "at least".)
fn reclaimed() -> Checked {
    let endpoint = |slot| POOL.create_endpoint(slot).map(drop);
    let space = |slot| POOL.create_address_space(slot).map(drop);
    let task = |slot| SPACE.create_task(slot).map(drop);
    let before = [fill(endpoint)?.0, fill(space)?.0, fill(task)?.0];
    for _ in 0..3 {
        let ep = works(POOL.create_endpoint(SCRATCH), "create an endpoint")?;
        works(ep.delete(), "delete its only capability")?;
        let space = works(POOL.create_address_space(SCRATCH), "create a space")?;
        works(space.delete(), "delete its only capability")?;
        let (task, _) = works(SPACE.create_task(SCRATCH), "create a task")?;
        works(task.delete(), "delete its only capability")?;
        let space = works(POOL.create_address_space(SCRATCH), "create a space")?;
        works(space.create_task(OTHER), "create a task in it")?;
        works(space.delete(), "delete the space's capability")?;
        works(sys::cap_delete(OTHER), "delete the task's, the last")?;
    }
    let after = [fill(endpoint)?.0, fill(space)?.0, fill(task)?.0];
    for (what, (b, a)) in ["endpoints reclaimed", "spaces reclaimed", "tasks reclaimed"]
        .into_iter()
        .zip(before.into_iter().zip(after))
    {
        check(a >= b, what, a)?;
    }
    Ok(())
}
