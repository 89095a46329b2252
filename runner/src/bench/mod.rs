//! `make bench`: the benchmark programs' figures in one table beside seL4's and Linux's.
//!
//! Each benchmark program boots alone under `-icount shift=0` (so one guest TSC tick is one guest
//! instruction) and prints a `bench: KEY TICKS ...` line per figure. This module knows which
//! programs to boot, what every key means, and the peers' figures ([`peers`]); it parses the
//! transcripts, builds the table and the JSON record (`target/bench.json`) the charts are drawn
//! from ([`svg`]).
pub mod peers;
pub mod svg;

use crate::options::Options;
use peers::{Row, ROWS};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// A benchmark boot: the program, guest memory (MiB) and a wall-clock limit (seconds).
pub struct Boot {
    pub program: &'static str,
    pub memory_mib: u32,
    pub timeout_secs: u64,
    /// With the memory viewer (in a log), for this many seconds: its refreshes are the figures.
    pub viewer_secs: Option<u64>,
    /// CPUs (`--smp`).
    pub smp: u8,
}

/// Every boot `make bench` makes, in order.
pub const BOOTS: &[Boot] = &[
    Boot {
        program: "ipcbench",
        memory_mib: 128,
        timeout_secs: 600,
        viewer_secs: None,
        smp: 1,
    },
    Boot {
        program: "kernbench",
        memory_mib: 128,
        timeout_secs: 600,
        viewer_secs: None,
        smp: 1,
    },
    Boot {
        program: "keybench",
        memory_mib: 128,
        timeout_secs: 600,
        viewer_secs: None,
        smp: 1,
    },
    Boot {
        program: "faultbench",
        memory_mib: 128,
        timeout_secs: 600,
        viewer_secs: None,
        smp: 1,
    },
    Boot {
        program: "forkbench",
        memory_mib: 512,
        timeout_secs: 1800,
        viewer_secs: None,
        smp: 1,
    },
    // WeensyOS's four allocators fill 32 MiB within two seconds; the viewer refreshes on. (The
    // longest boot, ~30 s of TCG per guest second: they spin in `yield`. The figure is the
    // cheapest snapshot after the first, so fewer seconds give another figure: 3 s gave 915,506
    // against 8 s's 833,709.)
    Boot {
        program: "fork",
        memory_mib: 32,
        timeout_secs: 900,
        viewer_secs: Some(8),
        smp: 1,
    },
    // Several CPUs (docs/benchmarks.md, "Several CPUs"): four, under icount (run in turn, so the
    // TSC counts every CPU's instructions together). Not `smpfork`: two boots of it differ by a
    // few instructions a fork, so its rows are pending.
    Boot {
        program: "smpbench",
        memory_mib: 128,
        timeout_secs: 600,
        viewer_secs: None,
        smp: 4,
    },
];

impl Boot {
    /// Runner options for this boot: headless, quiet, under icount.
    pub fn options(&self) -> Options {
        Options {
            icount: Some(0),
            memory_mib: self.memory_mib,
            timeout: Some(Duration::from_secs(self.timeout_secs)),
            run_for: self.viewer_secs,
            viewer: self.viewer_secs.map(|_| crate::ViewerMode::Log),
            smp: self.smp,
            ..Options::for_test(&[self.program], self.timeout_secs)
        }
    }

    /// The figures of a transcript of this boot.
    pub fn figures(&self, transcript: &str) -> BTreeMap<String, u64> {
        match self.viewer_secs {
            Some(_) => parse_viewer(transcript),
            None => parse(self.program, transcript),
        }
    }
}

/// The memory viewer's figures: what a refresh costs once memory is full, from the line each log
/// snapshot starts with (`(a refresh: frame states S, memory server M, drawing D TSC ticks)`;
/// drawing is the previous refresh's). The cheapest of the snapshots after the first (taken
/// before the programs ran), so work that other tasks do meanwhile does not count:
/// `viewer_refresh` = S + M (reading the machine's state), `viewer_drawing` = D.
pub fn parse_viewer(transcript: &str) -> BTreeMap<String, u64> {
    let costs: Vec<[u64; 3]> = transcript
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("--- memory viewer --- (a refresh: frame states ")?;
            let (states, rest) = rest.split_once(", memory server ")?;
            let (server, rest) = rest.split_once(", drawing ")?;
            let drawing = rest.strip_suffix(" TSC ticks)")?;
            let n = |s: &str| s.parse::<u64>().ok();
            Some([n(states)?, n(server)?, n(drawing)?])
        })
        .skip(1)
        .collect();
    let mut figures = BTreeMap::new();
    if let Some(read) = costs.iter().map(|c| c[0] + c[1]).min() {
        figures.insert("viewer_refresh".into(), read);
    }
    if let Some(drawing) = costs.iter().map(|c| c[2]).min() {
        figures.insert("viewer_drawing".into(), drawing);
    }
    figures
}

/// The figures `program` reports in a transcript: its `bench: KEY TICKS ...` lines, which the
/// kernel marks with the name of the program that printed them (`ipcbench: bench: ...`), so no
/// other program can add or change a figure.
pub fn parse(program: &str, transcript: &str) -> BTreeMap<String, u64> {
    let mark = format!("{program}: bench: ");
    transcript
        .lines()
        .filter_map(|line| {
            let mut words = line.strip_prefix(&mark)?.split_whitespace();
            let key = words.next()?;
            let ticks = words.next()?.trim_end_matches(':').parse().ok()?;
            Some((key.to_string(), ticks))
        })
        .collect()
}

/// The ratio of our figure to the best (smallest) peer figure, if any peer has one.
pub fn ratio(row: &Row, ours: u64) -> Option<f64> {
    let best = [row.sel4, row.linux].into_iter().flatten().min()?;
    Some(ours as f64 / best as f64)
}

/// Rows the table lacks: a key no boot reported (rows marked `pending` may be absent).
pub fn missing(figures: &BTreeMap<String, u64>) -> Vec<&'static str> {
    ROWS.iter()
        .filter(|row| row.pending.is_none() && !figures.contains_key(row.key))
        .map(|row| row.key)
        .collect()
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cell(n: Option<u64>) -> String {
    n.map_or("—".into(), thousands)
}

/// The table, one row per operation (a section line before each group), as Markdown: it reads
/// in a terminal and pastes into `docs/benchmarks.md`.
pub fn table(figures: &BTreeMap<String, u64>) -> String {
    let mut out = String::from(
        "| operation | mikros | seL4 | Linux | ratio to the best peer | goal |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    let mut group = "";
    for row in ROWS {
        if row.group != group {
            group = row.group;
            out += &format!("| **{group}** | | | | | |\n");
        }
        let ours = figures.get(row.key).copied();
        let ours_cell = match (ours, row.pending) {
            (Some(n), _) => thousands(n),
            (None, Some(why)) => format!("({why})"),
            (None, None) => "MISSING".into(),
        };
        let ratio_cell = ours
            .and_then(|n| ratio(row, n))
            .map_or("—".into(), |r| format!("{r:.2}"));
        let goal_cell = match row.goal {
            Some(peers::Goal::AtMost(n)) => format!("≤ {}", thousands(n)),
            Some(peers::Goal::SameAs(key)) => format!("= `{key}`"),
            Some(peers::Goal::Within(key, pct)) => format!("`{key}` ± {pct}%"),
            None => String::new(),
        };
        out += &format!(
            "| {}{} | {ours_cell} | {} | {} | {ratio_cell} | {goal_cell} |\n",
            row.label,
            row.note.map_or(String::new(), |n| format!(" ({n})")),
            cell(row.sel4),
            cell(row.linux),
        );
    }
    out
}

/// Is every goal met? Lists the ones that are not.
pub fn missed_goals(figures: &BTreeMap<String, u64>) -> Vec<String> {
    let mut missed = Vec::new();
    for row in ROWS {
        let Some(ours) = figures.get(row.key).copied() else {
            continue;
        };
        match row.goal {
            Some(peers::Goal::AtMost(n)) if ours > n => {
                missed.push(format!("{}: {} > {}", row.key, ours, n))
            }
            Some(peers::Goal::SameAs(key)) if figures.get(key) != Some(&ours) => {
                missed.push(format!(
                    "{}: {} ≠ {} ({key})",
                    row.key,
                    ours,
                    figures.get(key).unwrap_or(&0)
                ))
            }
            Some(peers::Goal::Within(key, pct)) => {
                let base = figures.get(key).copied().unwrap_or(0);
                if ours * 100 > base * (100 + pct) || ours * 100 < base * (100 - pct) {
                    missed.push(format!(
                        "{}: {} not within {pct}% of {base} ({key})",
                        row.key, ours
                    ));
                }
            }
            _ => {}
        }
    }
    missed
}

/// The JSON record: every row with our figure and the peers', and each boot's wall-clock time.
pub fn record(figures: &BTreeMap<String, u64>, wall: &[(&str, Vec<f64>)]) -> Value {
    let rows: Vec<Value> = ROWS
        .iter()
        .map(|row| {
            let ours = figures.get(row.key).copied();
            json!({
                "key": row.key,
                "group": row.group,
                "operation": row.label,
                "note": row.note,
                "mikros": ours,
                "sel4": row.sel4,
                "linux": row.linux,
                "ratio_to_best_peer": ours.and_then(|n| ratio(row, n)),
            })
        })
        .collect();
    let boots: Vec<Value> = wall
        .iter()
        .map(|(program, secs)| json!({ "program": program, "wall_seconds": secs }))
        .collect();
    json!({
        "units": "guest instructions under QEMU -icount shift=0 (mikros, seL4, Linux alike)",
        "peers": peers::METHOD,
        "rows": rows,
        "boots": boots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_lines_parse() {
        let t = "hello\nipcbench: bench: ipc_rt 392 (min 390): IPC\n\
                 ipcbench: bench: fork_cow_64m 1287991: fork\nipcbench: bench: broken\n\
                 hello: bench: x 1\nbench: y 1\n";
        let f = parse("ipcbench", t);
        assert_eq!(f.get("ipc_rt"), Some(&392));
        assert_eq!(f.get("fork_cow_64m"), Some(&1_287_991));
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn viewer_snapshots_parse() {
        let line = |s, m, d| {
            format!("--- memory viewer --- (a refresh: frame states {s}, memory server {m}, drawing {d} TSC ticks)\n")
        };
        let t = line(10, 20, 0) + &line(100, 900, 700) + "PHYSICAL\n" + &line(100, 800, 650);
        let f = parse_viewer(&t);
        assert_eq!(f.get("viewer_refresh"), Some(&900));
        assert_eq!(f.get("viewer_drawing"), Some(&650));
        assert!(
            parse_viewer(&line(1, 2, 3)).is_empty(),
            "the first is before any program"
        );
    }

    #[test]
    fn every_key_is_unique_and_missing_rows_are_named() {
        let mut keys: Vec<_> = ROWS.iter().map(|r| r.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), ROWS.len());
        let mut f = BTreeMap::new();
        for row in ROWS {
            f.insert(row.key.to_string(), 1);
        }
        assert!(missing(&f).is_empty());
        f.remove("ipc_rt");
        assert_eq!(missing(&f), ["ipc_rt"]);
        assert!(table(&f).contains("MISSING"));
    }

    #[test]
    fn within_goals_allow_ten_percent() {
        let figures = |n| BTreeMap::from([("smp_pairs_1".into(), 400), ("smp_pairs_4".into(), n)]);
        let missed = |n| {
            missed_goals(&figures(n))
                .iter()
                .any(|m| m.starts_with("smp_pairs_4"))
        };
        assert!(!missed(440) && !missed(360));
        assert!(missed(441) && missed(359));
    }

    #[test]
    fn numbers_and_ratios() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_287_991), "1,287,991");
        assert_eq!(thousands(443), "443");
        let row = ROWS.iter().find(|r| r.key == "null_syscall").unwrap();
        assert_eq!(ratio(row, 50), Some(0.5), "seL4's 100 is the best peer");
    }
}
