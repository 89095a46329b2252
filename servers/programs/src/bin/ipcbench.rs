//! Measures a null syscall and IPC call+reply round trips — raw (against `ipcecho`) and typed
//! (`userlib::rpc`, against `echo`) — in TSC ticks.
#![no_std]
#![no_main]

#[path = "../protocol/echo.rs"]
mod protocol;

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use protocol::{Echo, Reply, Request};
use userlib::ipc::message;
use userlib::{names, println, rdtsc_ordered, sys, CapSlot, HZ};

userlib::entry!(main);

const WARMUP: usize = 100;
const SAMPLES: usize = 1000;

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

fn main() -> i32 {
    let Some((min, med)) = measure(|| true) else {
        return 1;
    };
    println!("ipcbench: units are TSC ticks: guest instructions under --icount, cycles otherwise");
    println!("ipcbench: rdtsc overhead {med} ticks (min {min})");

    let Some((min, med)) = measure(|| {
        core::hint::black_box(sys::task_self());
        true
    }) else {
        return 1;
    };
    println!("ipcbench: null syscall median {med} ticks (min {min})");

    let ep = match names::lookup("ipcecho", CapSlot(8), HZ as u32) {
        Ok(ep) => ep,
        Err(e) => {
            println!("ipcbench: cannot find ipcecho: {e:?}");
            return 1;
        }
    };
    let mut i = 0u64;
    let result = measure(|| {
        i += 1;
        match ep.call(&message(1, &[i])) {
            Ok(r) if r.words[0] == i => true,
            Ok(r) => {
                println!("ipcbench: echo returned {} instead of {i}", r.words[0]);
                false
            }
            Err(e) => {
                println!("ipcbench: call failed: {e}");
                false
            }
        }
    });
    let Some((min, med)) = result else {
        return 1;
    };
    println!("ipcbench: ipc call+reply round trip median {med} ticks (min {min})");

    // The same round trip as a typed call (userlib::rpc): encoding, checks and decoding on both
    // sides, against the `echo` example server.
    let echo = match names::connect::<Echo>("echo", CapSlot(9), HZ as u32) {
        Ok(echo) => echo,
        Err(e) => {
            println!("ipcbench: cannot find echo: {e:?}");
            return 1;
        }
    };
    let result = measure(|| {
        i += 1;
        match echo.call(&Request::Ping(i)) {
            Ok(Reply::Pong(n)) if n == i => true,
            other => {
                println!("ipcbench: typed ping {i} answered {other:?}");
                false
            }
        }
    });
    let Some((min, med)) = result else {
        return 1;
    };
    println!("ipcbench: typed call round trip median {med} ticks (min {min})");
    0
}
