//! WeensyOS-style consistency checks, run on request (init runs them when a run ends): every page
//! a process may have mapped is compared with the server's records and the kernel's map counts.
//! A broken rule prints a `PAGE TABLE ERROR` line naming the process, the address and the rule.
use crate::procs::{Process, Slots};
use crate::Server;
use userlib::layout::PAGE_SIZE;
use userlib::{println, sys, PageRights};

/// Most mappings one check can tally (beyond that it says it is incomplete).
const MAX_TALLY: usize = 1 << 15;

/// Frame numbers seen mapped, one entry per mapping, and the kernel's count for each.
struct Tally<'a> {
    seen: &'a mut heapless::Vec<(u64, u64), MAX_TALLY>,
    complete: bool,
}

/// The tally's storage: too big for the stack, and one check runs at a time.
static SEEN: spin::Mutex<heapless::Vec<(u64, u64), MAX_TALLY>> =
    spin::Mutex::new(heapless::Vec::new());

impl Server {
    /// Runs the checks; returns the number of rules broken.
    pub fn check(&mut self) -> u64 {
        let mut errors = 0;
        let mut seen = SEEN.lock();
        seen.clear();
        let mut tally = Tally {
            seen: &mut seen,
            complete: true,
        };
        for (p, slots) in self.procs.live() {
            errors += check_process(p, slots, &mut tally);
        }
        // Each frame must be mapped exactly as often as the kernel counts: a difference is a
        // mapping the server does not know of (or a count gone wrong).
        tally.seen.sort_unstable();
        for run in tally.seen.chunk_by(|a, b| a.0 == b.0) {
            let (frame, kernel) = run[0];
            if tally.complete && run.len() as u64 != kernel {
                println!(
                    "PAGE TABLE ERROR: frame {frame:#x}: mapped {} times in processes, the kernel counts {kernel}",
                    run.len()
                );
                errors += 1;
            }
        }
        if !tally.complete {
            println!("memsrv: check: more than {MAX_TALLY} mappings; map counts not compared");
        }
        errors
    }
}

/// Checks every page of a process's regions; returns the number of rules broken.
fn check_process(p: &Process, slots: Slots, tally: &mut Tally) -> u64 {
    let r = &p.regions;
    let mut errors = 0;
    let mut visit = |page: u64| {
        let read_only = r.is_read_only(page);
        let Ok(m) = sys::as_mapping(slots.space(), page) else {
            return;
        };
        let writable = m.rights.contains(PageRights::WRITE);
        let rule = if read_only && writable {
            Some("code or read-only data is writable")
        } else if writable && m.maps > 1 {
            Some("a frame shared with another mapping is writable")
        } else {
            None
        };
        if let Some(rule) = rule {
            println!(
                "PAGE TABLE ERROR: {} (pid {}) {page:#x}: {rule}",
                p.name(),
                p.pid
            );
            errors += 1;
        }
        if tally.seen.push((m.frame, m.maps)).is_err() {
            tally.complete = false;
        }
    };
    // The same merged ranges fork shares: each page once, even where `page_alloc`ed pages lie in
    // the heap or the stack region.
    for (start, end) in r.ranges() {
        pages(start, end).for_each(&mut visit);
    }
    errors
}

fn pages(start: u64, end: u64) -> impl Iterator<Item = u64> {
    (start..end).step_by(PAGE_SIZE as usize)
}
