//! Limits per endpoint object and per job (not per process, so forking more registrants gets a
//! program no more names), and the names reserved for trusted servers.
use crate::{expect, fork_child, refused, status_of, works, Checked};
use core::fmt::Write;
use userlib::abi::names::{NameError, NAMES_PER_ENDPOINT, NAMES_PER_JOB};
use userlib::{cap, names, println};

fn name(prefix: &str, i: usize) -> heapless::String<8> {
    let mut s = heapless::String::new();
    let _ = write!(s, "{prefix}{i}");
    s
}

pub fn run() -> Checked {
    for i in 0..=NAMES_PER_ENDPOINT {
        let got = names::register(&name("nt-", i), cap::own());
        if i < NAMES_PER_ENDPOINT {
            works(got, "register within the endpoint's share")?;
        } else {
            refused(got, NameError::Full)?;
        }
    }
    println!("nametest: an endpoint has at most {NAMES_PER_ENDPOINT} names");

    // A child fills the rest of the job's share with its own endpoint; its child, with an endpoint
    // that has no name yet, still cannot add one.
    let child = fork_child(|| {
        for i in 0..NAMES_PER_JOB - NAMES_PER_ENDPOINT {
            works(
                names::register(&name("nt-c", i), cap::own()),
                "a child registers",
            )?;
        }
        let grandchild =
            fork_child(|| refused(names::register("nt-g", cap::own()), NameError::Full))?;
        expect(
            status_of(grandchild)? == 0,
            "a grandchild took more than the job's share",
        )
    })?;
    expect(
        status_of(child)? == 0,
        "the job's share of names was not kept",
    )?;
    println!(
        "nametest: a job holds at most {NAMES_PER_JOB} names, however many processes register"
    );
    for i in 0..NAMES_PER_ENDPOINT {
        works(names::unregister(&name("nt-", i)), "unregister")?;
    }

    // `counter` and `echo` are registry servers, `memsrv` a system server: only they may.
    for reserved in ["counter", "echo", "memsrv"] {
        refused(names::register(reserved, cap::own()), NameError::Reserved)?;
    }
    println!("nametest: the names of trusted servers are reserved for them");
    Ok(())
}
