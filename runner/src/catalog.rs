//! The user programs: the crates that hold them (each with its `programs.list`, `abi::registry`),
//! what kind of program each crate holds, and which programs a run packs into its boot archive.
//!
//! A run packs the system servers and the drivers, the programs its command line names (with the
//! servers they bring), the viewer if it shows it, and — if it names a program that may start
//! others by name (the shell, WeensyOS's, a test or benchmark) — every program a user can run. Every byte costs boot
//! time: the firmware reads the archive from disk before the kernel starts.
use abi::cmdline::{parse_word, Word};
use abi::registry::{self, Entry};
use std::path::PathBuf;

/// The memory viewer's name (init starts it for `viewer:`).
const VIEWER: &str = "viewer";

include!(concat!(env!("OUT_DIR"), "/programs.rs"));

/// What a crate of programs holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Started by the kernel or init, never by hand: init, the memory server, the name service,
    /// the drivers (display, keyboard, serial line) and the input server.
    System,
    /// The memory viewer: a system program too, but packed only for a run that shows it.
    Viewer,
    /// Example servers and clients to copy (the tutorial's among them).
    Example,
    /// WeensyOS's programs.
    WeensyOs,
    /// The interactive shell.
    Shell,
    /// What `make bench` boots.
    Benchmark,
    /// What only the system tests boot: hostile programs, the fuzzer, checks.
    Test,
}

impl Kind {
    /// Programs a user can start by name (from the shell, or as `weensy` starts WeensyOS's).
    pub fn ordinary(self) -> bool {
        matches!(self, Kind::Example | Kind::WeensyOs | Kind::Shell)
    }

    /// May programs of this kind start others by name (the shell any, `weensy` WeensyOS's, tests
    /// and benchmarks their bystanders)? A run of one packs every ordinary program.
    pub fn starts_programs(self) -> bool {
        !matches!(self, Kind::System | Kind::Viewer | Kind::Example)
    }

    /// When a run packs this kind: always, when started by a program of the run, or when named.
    pub fn packed_when(self) -> &'static str {
        match self {
            Kind::System => "always",
            Kind::Viewer => "when the run shows the viewer (--viewer)",
            _ if self.ordinary() => {
                "when named, or when the run names a program that starts others"
            }
            _ => "when named",
        }
    }
}

/// A crate of programs.
#[derive(Debug)]
pub struct Home {
    /// The cargo package.
    pub package: &'static str,
    /// Its folder, from the top of the checkout.
    pub dir: &'static str,
    pub kind: Kind,
    /// Its `programs.list`.
    pub list: &'static str,
}

macro_rules! home {
    ($package:literal, $dir:literal, $kind:ident) => {
        Home {
            package: $package,
            dir: $dir,
            kind: Kind::$kind,
            list: include_str!(concat!("../../", $dir, "/programs.list")),
        }
    };
}

/// Every crate of programs, in link-base order.
pub static HOMES: &[Home] = &[
    home!("init", "servers/init", System),
    home!("memsrv", "servers/memsrv", System),
    home!("names", "servers/names", System),
    home!("viewer", "servers/viewer", Viewer),
    home!("drivers", "servers/drivers", System),
    home!("examples", "servers/examples", Example),
    home!("weensyos", "servers/weensyos", WeensyOs),
    home!("sh", "servers/sh", Shell),
    home!("benchmarks", "runner/benchmarks", Benchmark),
    home!("test-programs", "tests/programs", Test),
];

/// One program: its line in its crate's list, and the binary cargo built.
#[derive(Clone, Debug)]
pub struct Program {
    pub entry: Entry<'static>,
    pub home: &'static Home,
    pub path: PathBuf,
}

impl Program {
    pub fn name(&self) -> &'static str {
        self.entry.name
    }

    /// Where it is linked.
    pub fn link_base(&self) -> u64 {
        let mut bases = registry::link_bases(self.home.list).expect("the build script read it");
        bases
            .find(|(name, _)| *name == self.name())
            .map_or(0, |(_, base)| base)
    }
}

/// Where cargo put a program's optimised binary (init and the memory server are the runner's own
/// artifact dependencies; the rest come from the build script's list).
fn built_path(name: &str) -> Option<PathBuf> {
    let path = match name {
        "init" => env!("CARGO_BIN_FILE_INIT_init"),
        "memsrv" => env!("CARGO_BIN_FILE_MEMSRV_memsrv"),
        _ => BUILT.iter().find(|(n, _)| *n == name)?.1,
    };
    Some(PathBuf::from(path))
}

/// Every program of every crate, in link-base order.
pub fn all() -> Vec<Program> {
    HOMES
        .iter()
        .flat_map(|home| {
            registry::entries(home.list)
                .flatten()
                .map(move |e| (home, e))
        })
        .map(|(home, entry)| Program {
            entry,
            home,
            path: built_path(entry.name).unwrap_or_default(),
        })
        .collect()
}

/// The program called `name`.
pub fn find(name: &str) -> Option<Program> {
    all().into_iter().find(|p| p.name() == name)
}

/// The programs a run with these command-line words packs: the system's, the viewer with
/// `viewer:`, the named ones (also by the test kernel's `test:orphan=NAME`) with the
/// servers they bring (`with=`), and theirs; every ordinary one if a named one starts programs.
pub fn packed(words: &[String]) -> Vec<Program> {
    let all = all();
    let mut wanted: Vec<&str> = words
        .iter()
        .filter_map(|w| match parse_word(w) {
            Ok(Word::Program(p)) => Some(p.name),
            // The test kernel starts this one itself (kernel/src/bin/test_kernel.rs).
            Ok(Word::Test(t)) => t.strip_prefix("test:orphan="),
            Ok(Word::Viewer(_)) => Some(VIEWER),
            _ => None,
        })
        .collect();
    let mut i = 0;
    while let Some(&name) = wanted.get(i) {
        let brought = all.iter().filter(|p| p.name() == name);
        for with in brought.flat_map(|p| p.entry.with()) {
            if !wanted.contains(&with) {
                wanted.push(with);
            }
        }
        i += 1;
    }
    let named = |p: &Program| wanted.contains(&p.name());
    let starter = all
        .iter()
        .any(|p| p.home.kind.starts_programs() && named(p));
    all.iter()
        .filter(|p| {
            let kind = p.home.kind;
            kind == Kind::System || named(p) || (starter && kind.ordinary())
        })
        .cloned()
        .collect()
}

/// The lists of the crates `programs` come from, one after another: the registry init reads.
pub fn registry_of(programs: &[Program]) -> String {
    let mut text = String::new();
    for home in HOMES {
        if programs.iter().any(|p| std::ptr::eq(p.home, home)) {
            text.push_str(home.list);
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_reads_and_every_program_was_built() {
        for home in HOMES {
            let programs = registry::link_bases(home.list);
            assert!(
                programs.is_ok(),
                "{}/programs.list: {:?}",
                home.dir,
                programs.err()
            );
        }
        for program in all() {
            assert!(
                program.path.is_file(),
                "{} ({}): no binary",
                program.name(),
                program.home.dir
            );
        }
        for (name, _) in BUILT {
            assert!(find(name).is_some(), "{name} is built but in no list");
        }
    }

    #[test]
    fn names_are_unique_and_link_ranges_apart() {
        let mut ranges: Vec<(u64, &str)> = HOMES
            .iter()
            .flat_map(|h| registry::link_bases(h.list).unwrap())
            .map(|(name, base)| (base, name))
            .collect();
        ranges.sort();
        for pair in ranges.windows(2) {
            let ((a, a_name), (b, b_name)) = (pair[0], pair[1]);
            assert!(a_name != b_name, "{a_name} is listed twice");
            assert!(
                a + registry::LINK_SPACING <= b,
                "{a_name} at {a:#x} and {b_name} at {b:#x} overlap: move one crate's base"
            );
        }
        let mut names: Vec<&str> = ranges.iter().map(|(_, n)| *n).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ranges.len(), "a program is listed twice");
    }

    #[test]
    fn only_system_crates_hold_system_programs() {
        for program in all() {
            let system_home = matches!(program.home.kind, Kind::System | Kind::Viewer);
            assert_eq!(program.entry.system, system_home, "{}", program.name());
        }
    }

    #[test]
    fn a_run_packs_what_it_can_start() {
        let names = |words: &[&str]| -> Vec<&'static str> {
            let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            packed(&words).iter().map(Program::name).collect()
        };
        let packs = |words: &[&str], expected: &[&str], not: &[&str]| {
            let packed = names(words);
            for name in expected {
                assert!(
                    packed.contains(name),
                    "{name} missing for {words:?}: {packed:?}"
                );
            }
            for name in not {
                assert!(
                    !packed.contains(name),
                    "{name} packed for {words:?}: {packed:?}"
                );
            }
        };
        let system = [
            "init", "memsrv", "names", "input", "kbd", "serial", "display",
        ];
        packs(
            &["hello"],
            &system,
            &["viewer", "kv", "allocator", "sh", "attack"],
        );
        packs(&["hello"], &["hello"], &["ipcbench", "fuzz"]);
        packs(
            &["viewer:log", "hello"],
            &["viewer", "hello"],
            &["kv", "sh"],
        );
        // The shell, WeensyOS and tests start programs by name: everything a user can run comes.
        packs(
            &["kv", "kvclient"],
            &["kv", "kvclient"],
            &["hello", "echo", "sh"],
        );
        for starter in ["sh", "weensy", "allocator:1", "forktest:3"] {
            packs(
                &[starter],
                &["hello", "kv", "allocator", "forkexit", "sh"],
                &["attack"],
            );
        }
        // Named test and benchmark programs come with the servers they bring.
        packs(
            &["then", "ipcbench", "attack:3!"],
            &["ipcbench", "ipcecho", "echo", "attack", "hello"],
            &["fuzz"],
        );
        packs(&["regcheck"], &["ipcecho"], &[]);
        packs(&["test:orphan=kread", "hello"], &["kread"], &[]);
    }
}
