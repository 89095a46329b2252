//! Cases 6, 11, 12: wait, kill, orphans.
use crate::checks::{exited_with, filled_page, fork_child, Checks, SCRATCH};
use test_programs::wait::yield_until;
use userlib::abi::memsrv::{ExitHow, ForkMode, MemError};
use userlib::println;
use userlib::process::Error;
use userlib::process::{self, getpid, yield_now, Status};

fn forever() -> i32 {
    loop {
        yield_now();
    }
}

fn child(c: &mut Checks, body: impl FnOnce() -> i32) -> u64 {
    match fork_child(ForkMode::CopyOnWrite, body) {
        Ok(pid) => pid,
        Err(e) => {
            c.check(false, &alloc::format!("fork failed: {e}"));
            0
        }
    }
}

pub fn statuses(c: &mut Checks) {
    let codes = [10, 11, 12];
    let mut pids = [0; 3];
    for (i, code) in codes.into_iter().enumerate() {
        pids[i] = child(c, move || {
            for _ in 0..i * 20 {
                yield_now();
            }
            code
        });
    }
    let runner = child(c, forever);
    c.check(
        process::try_wait(runner) == Err(Error::Mem(MemError::WouldBlock)),
        "try_wait on a running child: WouldBlock",
    );
    c.check(
        exited_with(pids[1], 11),
        "waitpid returns that child's status",
    );
    let mut rest = [process::wait(), process::wait()];
    rest.sort_by_key(|r| r.map_or(0, |s| s.pid));
    let want = |i: usize| {
        Ok(Status {
            pid: pids[i],
            how: ExitHow::Exited,
            code: codes[i] as i64,
        })
    };
    let mut expected = [want(0), want(2)];
    expected.sort_by_key(|r| r.map_or(0, |s| s.pid));
    c.check(
        rest == expected,
        "wait returns the others, each with its status",
    );
    c.check(
        process::try_wait(0) == Err(Error::Mem(MemError::WouldBlock)),
        "try_wait for any child while one runs: WouldBlock",
    );
    let killed = Ok(Status {
        pid: runner,
        how: ExitHow::Killed,
        code: -1,
    });
    c.check(
        process::kill(runner).is_ok() && process::waitpid(runner) == killed,
        "a killed child's status says so",
    );
    c.check(
        process::wait() == Err(Error::Mem(MemError::NoChild)),
        "wait with no children: NoChild",
    );
    c.check(
        process::try_wait(0) == Err(Error::Mem(MemError::NoChild)),
        "try_wait with no children: NoChild",
    );
    c.check(
        process::waitpid(pids[1]) == Err(Error::Mem(MemError::NoChild)),
        "a child is waited for once",
    );
}

pub fn kill_descendants(c: &mut Checks) {
    let parent = getpid();
    let middle = child(c, move || {
        // Two grandchildren, one with a child of its own, all running forever.
        let g1 = fork_child(ForkMode::CopyOnWrite, forever);
        let g2 = fork_child(ForkMode::CopyOnWrite, || {
            let _ = fork_child(ForkMode::CopyOnWrite, forever);
            forever()
        });
        match (g1, g2) {
            (Ok(g1), Ok(g2)) => println!("forktest:11: child {} forked {g1} and {g2}", getpid()),
            _ => println!("forktest:11: child {}: fork failed", getpid()),
        }
        // A third child, once the line is out: what the parent waits for.
        let _ = fork_child(ForkMode::CopyOnWrite, forever);
        forever()
    });
    // Let the child make its descendants (the system test checks that its line came first): on
    // several CPUs it runs beside this one, so a number of yields is no wait.
    let made = yield_until(|| children_of(middle) >= 3);
    c.check(made, "the child made its descendants");
    println!("forktest:11: pid {parent} kills child {middle}");
    let killed = Ok(Status {
        pid: middle,
        how: ExitHow::Killed,
        code: -1,
    });
    c.check(
        process::kill(middle).is_ok() && process::waitpid(middle) == killed,
        "the child was killed",
    );
    c.check(
        process::wait() == Err(Error::Mem(MemError::NoChild)),
        "its descendants are not the parent's children",
    );
    // That they are gone, and every frame with them, is init's census check at the end.
}

/// How many live children `pid` has (the memory server's list).
fn children_of(pid: u64) -> usize {
    let mut count = 0;
    let mut from = 0;
    while let Ok(p) = process::process_from(from) {
        count += usize::from(p.parent == pid);
        from = p.pid + 1;
    }
    count
}

pub fn orphans(c: &mut Checks) {
    // The child starts a grandchild that outlives it, and exits with the grandchild's pid.
    let middle = child(c, || {
        let grandchild = fork_child(ForkMode::CopyOnWrite, || {
            for _ in 0..50 {
                yield_now();
            }
            // An orphan that allocates and exits: the memory server must reap it.
            i32::from(!filled_page(SCRATCH, getpid()))
        });
        grandchild.map_or(-2, |pid| pid as i32)
    });
    let got = process::waitpid(middle);
    let Ok(Status {
        how: ExitHow::Exited,
        code: grandchild,
        ..
    }) = got
    else {
        c.check(false, &alloc::format!("the child's status: {got:?}"));
        return;
    };
    c.check(grandchild > 0, "the child forked a grandchild and exited");
    let grandchild = grandchild as u64;
    // Init adopted it; only the first process of its job (this one) may end it now, so a
    // process of the job that does not lead it is refused.
    let other = child(c, move || {
        i32::from(process::kill(grandchild) != Err(Error::Mem(MemError::NoChild)))
    });
    c.check(
        exited_with(other, 0),
        "a process cannot kill another's child",
    );
    c.check(
        process::waitpid(grandchild) == Err(Error::Mem(MemError::NoChild))
            && process::try_wait(grandchild) == Err(Error::Mem(MemError::NoChild)),
        "nor wait for it",
    );
    // Give the orphan time to finish; init's census at the end shows it was reaped.
    for _ in 0..500 {
        yield_now();
    }
    c.check(
        process::wait() == Err(Error::Mem(MemError::NoChild)),
        "no children left",
    );
}
