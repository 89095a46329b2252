//! WeensyOS-style consistency checks, run on init's request (while processes run, and when a batch
//! ends): every page a process has mapped is compared with the server's records and the kernel's
//! map counts, and its page tables with what it is charged for. A broken rule prints a
//! `PAGE TABLE ERROR` line naming the process, the address and the rule.
//!
//! The walk covers the 2 MiB spans the process has a last-level table committed for
//! (`Tables::leaf_spans`): every page it can have is in one, and the work follows what it has
//! committed (the kernel lists a span's mapped pages, `AsPages`, 32 a call; the process is charged
//! for each table), never the distance between its pages — two pages at the two ends of user
//! space cost two spans, not 2^35 pages.
use crate::procs::{Process, Slots};
use crate::Server;
use memsrv::rules::{miscounted, page_rule, tables_unpaid};
use userlib::abi::space::MappedPage;
use userlib::layout::{CONSOLE, PAGE_SIZE, USER_TOP};
use userlib::{println, sys, PageRights};

/// Most mappings one check can tally (beyond that it says it is incomplete).
const MAX_TALLY: usize = 1 << 15;

/// Frame numbers seen mapped, one entry per mapping, and the kernel's count for each.
struct Tally<'a> {
    seen: &'a mut heapless::Vec<(u64, u64, bool), MAX_TALLY>,
    complete: bool,
}

/// The tally's storage: too big for the stack, and one check runs at a time.
static SEEN: spin::Mutex<heapless::Vec<(u64, u64, bool), MAX_TALLY>> =
    spin::Mutex::new(heapless::Vec::new());

/// Pages a last-level table maps.
const SPAN: u64 = 512 * PAGE_SIZE;

impl Server {
    /// Runs the checks; returns the number of rules broken (since the last check: broken rules
    /// seen on the way, `tables_built`, count too).
    pub fn check(&mut self) -> u64 {
        let mut errors = core::mem::take(&mut self.violations);
        let mut seen = SEEN.lock();
        seen.clear();
        let mut tally = Tally {
            seen: &mut seen,
            complete: true,
        };
        for (p, slots) in self.ledger.procs.live() {
            errors += check_process(p, slots, &mut tally);
        }
        // Each frame must be mapped exactly as often as the kernel counts: a difference is a
        // mapping the server does not know of (or a count gone wrong).
        if tally.complete {
            for (frame, found, kernel) in miscounted(tally.seen) {
                println!(
                    "PAGE TABLE ERROR: frame {frame:#x}: mapped {found} times in processes, the kernel counts {kernel}"
                );
                errors += 1;
            }
        } else {
            println!("memsrv: check: more than {MAX_TALLY} mappings; map counts not compared");
        }
        errors
    }
}

impl Server {
    /// `Check`'s reply: the rules broken, and what the server holds for itself (its heap's
    /// pages, its own page tables), which init allows for in its census.
    pub fn check_report(&mut self) -> [u64; 4] {
        let errors = self.check();
        let heap = (crate::heap::end() - crate::heap::BASE) / PAGE_SIZE;
        let tables = sys::as_mapping(crate::OWN_SPACE, CONSOLE).map_or(0, |m| m.tables);
        [errors, heap, tables, 0]
    }

    /// The kernel says `pid`'s space has `tables` page-table frames: more than the process is
    /// charged for means a table was built that nobody paid for.
    pub fn tables_built(&mut self, pid: u64, tables: u64) {
        let Some(p) = self.ledger.procs.get(pid) else {
            return;
        };
        if tables_unpaid(tables, p.tables.count()) {
            println!(
                "PAGE TABLE ERROR: {} (pid {pid}): the kernel counts {tables} page-table frames, \
                 {} are charged",
                p.name(),
                p.tables.count()
            );
            self.violations += 1;
        }
    }
}

/// Checks every page of a process; returns the number of rules broken.
fn check_process(p: &Process, slots: Slots, tally: &mut Tally) -> u64 {
    let r = &p.regions;
    let mut errors = 0;
    // Its tables: the console page is in every space, so the query always answers.
    if let Ok(m) = sys::as_mapping(slots.space(), CONSOLE) {
        if tables_unpaid(m.tables, p.tables.count()) {
            println!(
                "PAGE TABLE ERROR: {} (pid {}): the kernel counts {} page-table frames, {} are charged",
                p.name(),
                p.pid,
                m.tables,
                p.tables.count()
            );
            errors += 1;
        }
    }
    let mut visit = |m: MappedPage| {
        let page = m.addr;
        if page == CONSOLE {
            return; // (the kernel's page, in every space)
        }
        let writable = m.rights.contains(PageRights::WRITE);
        if let Some(rule) = page_rule(r, page, writable, u64::from(m.maps)) {
            println!(
                "PAGE TABLE ERROR: {} (pid {}) {page:#x}: {rule}",
                p.name(),
                p.pid
            );
            errors += 1;
        }
        if tally
            .seen
            .push((m.frame, u64::from(m.maps), m.shared))
            .is_err()
        {
            tally.complete = false;
        }
    };
    for span in p.tables.leaf_spans() {
        let (mut at, end) = (span, (span + SPAN).min(USER_TOP));
        while at < end {
            // (A process being destroyed meanwhile has nothing more to check.)
            let Ok(listed) = sys::as_pages(slots.space(), at, end) else {
                break;
            };
            listed.pages().for_each(&mut visit);
            at = listed.next;
        }
    }
    errors
}
