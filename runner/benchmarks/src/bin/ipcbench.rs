//! Measures the kernel's short paths from a process of the memory server: a null syscall, a
//! yield, and IPC call+reply round trips against `ipcecho` (another address space) with 0-4, 16
//! and 64 words and with one capability transferred; and typed calls (`userlib::rpc`): a small one
//! against the `echo` example server, and a 16-byte value put and got with the `kv` example. Prints a `bench: KEY TICKS` line per figure (the median; TSC ticks are
//! guest instructions under --icount), which `make bench` collects.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use examples::protocol::echo::{Echo, Reply, Request};
use examples::protocol::kv::{self, Kv};
use userlib::ipc::{ipc_word, set_ipc_word, set_send_caps};
use userlib::rpc::Client;
use userlib::{names, println, rdtsc_ordered, slots, sys, CapSlot, MsgTag, HZ};

/// Where the capability to `ipcecho` goes (looked up by name at start).
const IPCECHO: CapSlot = CapSlot(8);
/// And the one to `echo`.
const ECHO: CapSlot = CapSlot(9);
/// And the one to `kv`.
const KV: CapSlot = CapSlot(10);

userlib::entry!(main);

const WARMUP: usize = 100;
const SAMPLES: usize = 1000;
/// `ipcecho` deletes the capability a message with this label carries before it replies.
const CAP_LABEL: u32 = 0xcafe;

/// The samples live in .bss rather than on the (small) stack.
static TIMES: [AtomicU64; SAMPLES] = [const { AtomicU64::new(0) }; SAMPLES];

/// Times `f` `WARMUP + SAMPLES` times; returns (min, median) of the last `SAMPLES`.
fn measure(mut f: impl FnMut() -> bool) -> Option<(u64, u64)> {
    for i in 0..WARMUP + SAMPLES {
        let t0 = rdtsc_ordered();
        let ok = f();
        let t1 = rdtsc_ordered();
        if !ok {
            return None;
        }
        if i >= WARMUP {
            TIMES[i - WARMUP].store(t1.wrapping_sub(t0), Relaxed);
        }
    }
    // Insertion sort in place.
    for (i, slot) in TIMES.iter().enumerate().skip(1) {
        let x = slot.load(Relaxed);
        let mut j = i;
        while j > 0 && TIMES[j - 1].load(Relaxed) > x {
            TIMES[j].store(TIMES[j - 1].load(Relaxed), Relaxed);
            j -= 1;
        }
        TIMES[j].store(x, Relaxed);
    }
    Some((TIMES[0].load(Relaxed), TIMES[SAMPLES / 2].load(Relaxed)))
}

/// Measures `f` and prints its `bench:` line; false if `f` failed.
fn report(key: &str, what: &str, f: impl FnMut() -> bool) -> bool {
    let Some((min, med)) = measure(f) else {
        println!("ipcbench: {what} failed");
        return false;
    };
    println!("bench: {key} {med} (min {min}): {what}");
    true
}

/// A call whose message is `words` long (words past the registers were staged in the IPC buffer
/// once, so the figure is the kernel's copy, not the staging) carrying `caps` capabilities; the
/// echo must come back intact.
#[inline(always)]
fn echo(words: usize, caps: usize, label: u32, round: u64) -> bool {
    let tag = MsgTag::new(label, words, caps);
    match sys::call(IPCECHO, tag, [round, 0, 0, 0]) {
        Ok(r) if r.words[0] == round || words == 0 => true,
        Ok(r) => {
            println!("ipcbench: echo returned {} instead of {round}", r.words[0]);
            false
        }
        Err(e) => {
            println!("ipcbench: call failed: {e}");
            false
        }
    }
}

fn main() -> i32 {
    println!("ipcbench: units are TSC ticks: guest instructions under --icount, cycles otherwise");
    let (typed, kv) = match names::lookup("ipcecho", IPCECHO, HZ as u32)
        .and_then(|_| names::connect::<Echo>("echo", ECHO, HZ as u32))
        .and_then(|echo| Ok((echo, names::connect::<Kv>("kv", KV, HZ as u32)?)))
    {
        Ok(clients) => clients,
        Err(e) => {
            println!("ipcbench: cannot find ipcecho, echo and kv: {e:?}");
            return 1;
        }
    };
    let mut ok = report("rdtsc", "rdtsc overhead (included in every figure)", || {
        true
    });
    ok &= report("null_syscall", "null syscall (TaskSelf)", || {
        core::hint::black_box(sys::task_self());
        true
    });
    ok &= report("yield", "yield, nothing else ready", || {
        sys::yield_now();
        true
    });
    let mut round = 0u64;
    for words in [0, 1, 2, 3, 4, 16, 64] {
        let key = match words {
            0 => "ipc_rt",
            1 => "ipc_rt_1w",
            2 => "ipc_rt_2w",
            3 => "ipc_rt_3w",
            4 => "ipc_rt_4w",
            16 => "ipc_rt_16w",
            _ => "ipc_rt_64w",
        };
        for i in 4..words {
            set_ipc_word(i, i as u64 * 0x0101);
        }
        ok &= report(key, "IPC call+reply round trip", || {
            round += 1;
            echo(words, 0, 1, round)
        });
        if words > 4 && ipc_word(words - 1) != (words as u64 - 1) * 0x0101 {
            println!("ipcbench: the echo of {words} words lost the last word");
            ok = false;
        }
    }
    // One capability (our own endpoint) to `ipcecho`, which deletes it and replies.
    set_send_caps(&[slots::OWN]);
    ok &= report(
        "ipc_rt_cap",
        "IPC round trip carrying one capability (the server deletes it: a CapDelete included)",
        || {
            round += 1;
            echo(1, 1, CAP_LABEL, round)
        },
    );
    // The 1-word round trip as a typed call: encoding, checks and decoding on both sides.
    ok &= report(
        "typed_call",
        "typed call+reply (userlib::rpc, Ping(u64) -> Pong(u64))",
        || {
            round += 1;
            match typed.call(&Request::Ping(round)) {
                Ok(Reply::Pong(n)) if n == round => true,
                other => {
                    println!("ipcbench: typed ping {round} answered {other:?}");
                    false
                }
            }
        },
    );
    ok &= kv_rows(kv);
    if ok {
        0
    } else {
        1
    }
}

/// The kv example's `Put` and `Get` of a 16-byte value under a short key: still register-sized
/// both ways (20 bytes and 18), but with a string and a byte vector decoded and moved, in
/// `Request` and `Reply` enums of ~300 bytes each.
fn kv_rows(kv: Client<Kv>) -> bool {
    let key = kv::Key::try_from("bench").expect("a short key");
    let mut value = kv::Value::from_slice(&[0x5a; 16]).expect("16 bytes");
    let mut round = 0u8;
    let mut ok = report("kv_put", "typed call: kv's Put of a 16-byte value", || {
        round = round.wrapping_add(1);
        value[0] = round;
        let put = kv::Request::Put {
            key: key.clone(),
            value: value.clone(),
        };
        matches!(kv.call(&put), Ok(kv::Reply::Stored))
    });
    ok &= report(
        "kv_get",
        "typed call: kv's Get of a 16-byte value",
        || match kv.call(&kv::Request::Get { key: key.clone() }) {
            Ok(kv::Reply::Value(got)) => got == value,
            other => {
                println!("ipcbench: kv's Get answered {other:?}");
                false
            }
        },
    );
    ok
}
