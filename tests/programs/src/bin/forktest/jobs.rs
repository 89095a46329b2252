//! Cases played by two or three programs of one batch — separate jobs — that take turns through
//! the name service (`meet.rs`): what one job does must not take what another was promised.
//!
//! | cases | one job | the other |
//! |---|---|---|
//! | 9, 101 | allocates until its quota is used; a process it spawns shares that quota | still allocates 1 MiB |
//! | 13, 14 | commits heap, a stack and copy-on-write pages | `page_alloc`s one page per GiB until refused |
//! | 15, 16 | leaves 100 children unreaped, then forks a bomb | can still fork and spawn |
//! | 17, 18 with 19 or 20 | a parent and child take all the memory they can | `kv` keeps answering |
use crate::checks::{allocate_until_refused, exited_with, fork_child, Checks, SCRATCH};
use crate::commit::{grow, headroom};
use crate::meet::{announce, announce_last, await_name, sleep};
use examples::protocol::kv::{Error as KvError, Key, Kv, Reply, Request, Value};
use userlib::abi::memsrv::{ForkMode, MemError};
use userlib::layout::PAGE_SIZE;
use userlib::process::{self, getpid, yield_now, Error};
use userlib::rpc::{CallError, Client};
use userlib::{names, println, CapSlot, HZ};
use weensyos::pages;

/// How many pages the process case 9 spawns, and case 101, allocate.
pub const HELPER_PAGES: u64 = 256;

/// Case 9: a runaway allocator stops at its job's quota; a process it spawns is in its job and is
/// refused too; another job (case 101) can still allocate.
pub fn runaway_allocator(c: &mut Checks) {
    let (next, why) = allocate_until_refused(SCRATCH);
    let pages = (next - SCRATCH) / PAGE_SIZE;
    println!("forktest:9: the runaway got {pages} pages; page_alloc: {why}");
    c.check(
        why == MemError::OutOfMemory,
        "the runaway is refused with OutOfMemory",
    );
    c.check(pages > HELPER_PAGES, "it got a fair share first");
    c.check(
        process::frame_of(SCRATCH).is_ok(),
        "the memory server still serves the runaway",
    );
    // Spawned, the helper is in this job: it cannot be started, or it is refused its pages.
    let shared = match process::spawn("forktest", crate::limits::HELPER) {
        Ok(pid) => exited_with(pid, 1),
        Err(e) => e == MemError::OutOfMemory,
    };
    c.check(
        shared,
        "a process it spawns shares its job's quota (refused)",
    );
    c.check(announce("forktest-9"), "announce the quota used");
    c.check(await_name("forktest-101"), "the other job allocated");
}

/// Case 101: another job allocates 1 MiB while case 9's job has used its quota.
pub fn another_job(c: &mut Checks) {
    c.check(await_name("forktest-9"), "the runaway used its quota");
    let (next, why) = allocate_until_refused_or(SCRATCH, HELPER_PAGES);
    println!(
        "forktest:101: got {} pages ({why:?})",
        (next - SCRATCH) / PAGE_SIZE
    );
    c.check(
        next == SCRATCH + HELPER_PAGES * PAGE_SIZE,
        "another job can still allocate (1 MiB)",
    );
    c.check(announce_last("forktest-101"), "announce it");
}

/// Maps pages from `from` until `count` are mapped or `page_alloc` refuses.
fn allocate_until_refused_or(from: u64, count: u64) -> (u64, Option<Error>) {
    for i in 0..count {
        if let Err(e) = process::page_alloc(from + i * PAGE_SIZE) {
            return (from + i * PAGE_SIZE, Some(e));
        }
    }
    (from + count * PAGE_SIZE, None)
}

/// Pages of heap written before the fork in case 13, shared copy-on-write with the child.
const SHARED_PAGES: u64 = 64;
/// How deep case 13's stack goes after the attack (bytes).
const DEEP_STACK: usize = 256 * 1024;

/// Uses `bytes` of stack, writing every page of it; returns something of it so it is not
/// optimised away.
#[inline(never)]
fn deep(bytes: usize) -> u64 {
    let mut frame = [0u8; 4096];
    frame[0] = 1;
    let frame = core::hint::black_box(&mut frame);
    if bytes <= 4096 {
        return frame[0] as u64;
    }
    deep(bytes - 4096) + frame[0] as u64
}

/// Case 13: the bystander. It commits heap (written before a fork, so copy-on-write with a
/// child), and as much more heap as its job may have; once case 14 has taken every frame it
/// could, it touches all of it, a deep stack, and the child writes the shared pages. None of that
/// may fail: it was all committed before.
pub fn committed_bystander(c: &mut Checks) {
    let shared = grow(SHARED_PAGES);
    let pid = getpid();
    for i in 0..SHARED_PAGES {
        // SAFETY: heap pages just committed by `grow`, where no Rust object lives.
        unsafe { pages::fill(shared + i * PAGE_SIZE, pid) };
    }
    let child = fork_child(ForkMode::CopyOnWrite, || {
        if !await_name("sparse-done") {
            return 2;
        }
        let me = getpid();
        for i in 0..SHARED_PAGES {
            let page = shared + i * PAGE_SIZE;
            // SAFETY: the heap pages the parent wrote, inherited copy-on-write.
            unsafe {
                if !pages::holds(page, pid) {
                    return 3;
                }
                pages::fill(page, me);
            }
        }
        0
    });
    let Ok(child) = child else {
        c.check(false, "fork the child that shares pages");
        return;
    };
    let more = headroom() * 9 / 10;
    let heap = grow(more);
    println!("forktest:13: committed {more} heap pages and {SHARED_PAGES} shared ones");
    c.check(announce("sparse-ready"), "announce the commitment");
    c.check(await_name("sparse-done"), "the attack is over");
    for i in 0..more {
        // SAFETY: heap pages committed by `grow` above, nothing lives there.
        unsafe { pages::write(heap + i * PAGE_SIZE, 0, i) };
    }
    c.check(true, "every committed heap page could be touched");
    c.check(deep(DEEP_STACK) > 0, "a deep stack could be touched");
    c.check(
        exited_with(child, 0),
        "the child wrote every copy-on-write page",
    );
}

/// Case 14: the attack. One page per GiB costs three frames (a page, a last-level table and a
/// directory): it must be charged for all three, and be refused cleanly when its job has no more.
pub fn sparse_allocator(c: &mut Checks) {
    c.check(
        await_name("sparse-ready"),
        "the bystander committed its memory",
    );
    let mut n = 0u64;
    let why = loop {
        // From 2 GiB up, one page per GiB (far below the scratch area and the stack).
        let addr = (n + 2) << 30;
        match process::page_alloc(addr) {
            Ok(()) => n += 1,
            Err(e) => break e,
        }
    };
    println!("forktest:14: {n} pages, one per GiB, then page_alloc: {why}");
    c.check(why == MemError::OutOfMemory, "refused with OutOfMemory");
    c.check(
        announce_last("sparse-done"),
        "announce the end of the attack",
    );
}

/// Children case 15 leaves unreaped: more than a job may have records, so only the zombie policy
/// (a parent keeps 8) lets them all be forked.
const UNREAPED: u32 = 100;

/// A fork bomb: fork until refused a while, then wait to be killed.
fn bomb() -> i32 {
    let mut refused = 0;
    while refused < 50 {
        match process::fork() {
            Ok(_) => {}
            Err(_) => {
                refused += 1;
                yield_now();
            }
        }
    }
    loop {
        sleep(HZ);
    }
}

/// Case 15: 100 children never waited for, then a fork bomb; case 16 forks and spawns meanwhile.
pub fn zombies_and_bomb(c: &mut Checks) {
    let (mut forked, mut refused) = (0, 0);
    while forked < UNREAPED && refused < 100_000 {
        match process::fork() {
            Ok(0) => process::exit(0),
            Ok(_) => forked += 1,
            // Children not ended yet: the job's live processes are bounded.
            Err(Error::Mem(MemError::TooManyProcesses)) => {
                refused += 1;
                yield_now();
            }
            Err(e) => {
                println!("forktest:15: fork: {e}");
                break;
            }
        }
    }
    c.check(
        forked == UNREAPED,
        "100 children forked, none waited for: zombies do not block forks",
    );
    c.check(announce("zombies"), "announce the zombies");
    c.check(
        await_name("bystander-1"),
        "the bystander forked and spawned",
    );
    c.check(
        fork_child(ForkMode::CopyOnWrite, bomb).is_ok(),
        "start the bomb",
    );
    // Time for the bomb to fill its job.
    sleep(HZ);
    c.check(announce("bomb"), "announce the bomb");
    c.check(
        await_name("bystander-2"),
        "the bystander forked and spawned",
    );
    c.check(process::kill(0).is_ok(), "kill the bomb");
}

/// A fork and a spawn must work, and both children end as they should.
fn fork_and_spawn(c: &mut Checks, when: &str) {
    let child = fork_child(ForkMode::CopyOnWrite, || 7);
    c.check(
        child.is_ok_and(|pid| exited_with(pid, 7)),
        &alloc::format!("{when}: fork works"),
    );
    let spawned = process::spawn("hello", 0);
    c.check(
        spawned.is_ok_and(|pid| exited_with(pid, 0)),
        &alloc::format!("{when}: spawn works ({spawned:?})"),
    );
}

/// Case 16: beside case 15.
pub fn forks_beside_a_bomb(c: &mut Checks) {
    c.check(
        await_name("zombies"),
        "the other job has 100 unreaped children",
    );
    fork_and_spawn(c, "beside 100 unreaped children");
    c.check(announce("bystander-1"), "announce it");
    c.check(await_name("bomb"), "the other job forked a bomb");
    fork_and_spawn(c, "beside a fork bomb");
    c.check(announce_last("bystander-2"), "announce it");
}

/// Cases 17 and 18: a parent and a child take all the memory they can (each used to get half of
/// all memory); then they hold it until the `kv` client is done.
pub fn hog(c: &mut Checks, name: &str) {
    let child_name = if name == "hog-a" {
        "hog-a-child"
    } else {
        "hog-b-child"
    };
    let child = fork_child(ForkMode::CopyOnWrite, || {
        let (next, _) = allocate_until_refused(SCRATCH + (1 << 40));
        let pages = (next - SCRATCH - (1 << 40)) / PAGE_SIZE;
        println!("forktest: {name}'s child holds {pages} pages");
        if !announce(child_name) || !await_name("kvfill-done") {
            return 1;
        }
        0
    });
    let Some(child) = c.forked(child) else {
        return;
    };
    c.check(await_name(child_name), "the child took what it could");
    let (next, _) = allocate_until_refused(SCRATCH);
    println!(
        "forktest: {name} holds {} pages",
        (next - SCRATCH) / PAGE_SIZE
    );
    c.check(announce(name), "announce it");
    c.check(
        exited_with(child, 0),
        "the child held on until kv was tried",
    );
}

/// Keys the `kv` client stores: as many as `kv` keeps for one client.
const KV_KEYS: u32 = 64;

/// Cases 19 and 20: `kv`'s client, once the hogs hold their memory: 64 new keys. Every call must
/// be answered — stored, or refused `NoMemory` when the system has no memory for `kv` (case 20,
/// beside two hogs) — and `kv` must still answer afterwards.
pub fn kv_beside_hogs(c: &mut Checks, hogs: &[&str]) {
    // (No allocation from here on: once the hogs hold their memory, this program's heap cannot
    // grow either.)
    for hog in hogs {
        c.check(await_name(hog), "a hog holds its memory");
    }
    let kv: Client<Kv> = match names::connect("kv", CapSlot(13), HZ as u32) {
        Ok(kv) => kv,
        Err(e) => {
            println!("forktest: connect to kv: {e:?}");
            c.check(false, "connect to kv");
            return;
        }
    };
    let value = Value::from_slice(&[0x5a; 256]).unwrap_or_default();
    let (mut stored, mut no_memory, mut broken) = (0u32, 0u32, 0u32);
    for i in 0..KV_KEYS {
        let mut key = Key::new();
        let _ = core::fmt::write(&mut key, format_args!("key {i}"));
        let put = Request::Put {
            key,
            value: value.clone(),
        };
        match kv.call(&put) {
            Ok(Reply::Stored) => stored += 1,
            Err(CallError::Server(KvError::NoMemory)) => no_memory += 1,
            other => {
                if broken == 0 {
                    println!("forktest: kv put {i}: {other:?}");
                }
                broken += 1;
            }
        }
    }
    println!("forktest: kv stored {stored}, refused {no_memory} (NoMemory), {broken} broken");
    c.check(broken == 0, "kv answered every put");
    c.check(
        kv.call(&Request::Count) == Ok(Reply::Count(stored)),
        "kv still answers, and holds what it stored",
    );
    if hogs.len() == 1 {
        c.check(stored == KV_KEYS, "kv's own job has room: every key stored");
    } else {
        c.check(
            no_memory > 0,
            "with no memory left, kv says NoMemory rather than dying",
        );
    }
    c.check(announce_last("kvfill-done"), "announce the end");
}
