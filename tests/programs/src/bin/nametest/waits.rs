//! Held lookups: only calls are held (a sent lookup has nobody to answer), at most a few per job
//! (forked children get a program no more places), and a waiter's place goes when it ends.
use crate::{expect, fork_child, refused, sleep, Checked, Failed};
use userlib::abi::names::{Name, NameError, Request, MAX_WAIT_TICKS, PROTOCOL, WAITS_PER_JOB};
use userlib::abi::wire;
use userlib::rpc::CallError;
use userlib::{names, println, process, rpc, sys, CapSlot, MsgTag};

const FOUND: CapSlot = CapSlot(8);
/// A name nobody registers.
const NEVER: &str = "nt-never";

pub fn run() -> Checked {
    sent_lookups_are_not_held()?;
    waiters_of_a_job()
}

/// Had the service held lookups only sent, they would take the job's places: ours would be Busy.
fn sent_lookups_are_not_held() -> Checked {
    let request = Request::Lookup {
        name: Name::try_from(NEVER).unwrap_or_default(),
        wait_ticks: MAX_WAIT_TICKS,
    };
    let (len, words) = rpc::encode(&request).ok_or(Failed)?;
    let tag = MsgTag::new(wire::request_label(PROTOCOL, len), wire::words_for(len), 0);
    for _ in 0..=WAITS_PER_JOB {
        let sent = sys::send(names::endpoint().slot(), tag, words);
        expect(sent.is_ok(), "sending a lookup failed")?;
    }
    refused(names::lookup(NEVER, FOUND, 5), NameError::NotFound)?;
    println!("nametest: a lookup only sent is never held");
    Ok(())
}

/// Children wait for a name that never comes: the job's share is held, the rest are `Busy` at
/// once; once the waiters are killed, their places are free again.
fn waiters_of_a_job() -> Checked {
    const CHILDREN: usize = WAITS_PER_JOB + 2;
    let mut running: heapless::Vec<u64, CHILDREN> = heapless::Vec::new();
    for _ in 0..CHILDREN {
        // A child exits 0 if it was told `Busy` at once; a held one waits 10 s (it is killed).
        let child = fork_child(|| match names::lookup(NEVER, FOUND, MAX_WAIT_TICKS) {
            Err(CallError::Server(NameError::Busy)) => Ok(()),
            _ => Err(Failed),
        })?;
        let _ = running.push(child);
    }
    let mut busy = 0;
    for _ in 0..100 {
        if busy == CHILDREN - WAITS_PER_JOB {
            break;
        }
        sleep(5);
        let mut i = 0;
        while i < running.len() {
            match process::try_wait(running[i]) {
                Ok(status) => {
                    expect(status.code == 0, "a waiting child was not told Busy")?;
                    busy += 1;
                    running.swap_remove(i);
                }
                Err(_) => i += 1,
            }
        }
    }
    expect(
        busy == CHILDREN - WAITS_PER_JOB,
        "more children than the job's share were held",
    )?;
    // The job's places are taken by the children still waiting: ours is refused too.
    refused(names::lookup(NEVER, FOUND, 5), NameError::Busy)?;
    for &pid in &running {
        expect(process::kill(pid).is_ok(), "kill a waiting child")?;
        let _ = process::waitpid(pid);
    }
    // Their places went with them: ours is held now (and times out).
    refused(names::lookup(NEVER, FOUND, 5), NameError::NotFound)?;
    println!(
        "nametest: a job has at most {WAITS_PER_JOB} waiting lookups, freed when a waiter ends"
    );
    Ok(())
}
