//! `make bench`: boots every benchmark program under `-icount shift=0`, twice (the two runs must
//! agree on every figure: under icount they count instructions, deterministically), prints one
//! table beside seL4 and Linux, and writes `target/bench.json`. `--once` boots each once;
//! Progress and every boot's figures go to stderr as they come. `--only PROGRAM` boots only that
//! program's benchmark (no record);
//! `--charts DIR` draws the charts from `target/bench.json` into DIR instead.
use runner::bench::{self, svg, BOOTS};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn target_dir() -> PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the runner lives in the workspace")
        .to_path_buf();
    root.join("target")
}

/// One boot of `boot`: its figures and the wall-clock seconds it took.
fn run_once(boot: &bench::Boot) -> Result<(BTreeMap<String, u64>, f64), String> {
    let started = Instant::now();
    let outcome = runner::run(&boot.options()).map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    if !outcome.verdict.is_success() {
        return Err(format!(
            "{}: {}\n{}",
            boot.program,
            outcome.verdict.describe(),
            outcome.transcript
        ));
    }
    Ok((boot.figures(&outcome.transcript), secs))
}

fn charts(dir: &str) -> Result<(), String> {
    let json = target_dir().join("bench.json");
    let text = std::fs::read_to_string(&json)
        .map_err(|e| format!("{}: {e} (run `make bench` first)", json.display()))?;
    let record: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for (name, svg) in [
        ("bench-fork.svg", svg::fork_chart(&record)),
        ("bench-sel4.svg", svg::sel4_chart(&record)),
    ] {
        let path = PathBuf::from(dir).join(name);
        std::fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("bench: wrote {}", path.display());
    }
    Ok(())
}

/// Boots every benchmark (or only `only`'s), once or twice; prints the table and writes the record
/// (of a whole run only).
fn measure(twice: bool, only: Option<&str>) -> Result<bool, String> {
    let mut figures = BTreeMap::new();
    let mut wall = Vec::new();
    let mut agree = true;
    let boots: Vec<_> = BOOTS
        .iter()
        .filter(|b| only.is_none_or(|p| b.program == p))
        .collect();
    let started = Instant::now();
    for (i, boot) in boots.iter().enumerate() {
        eprintln!(
            "bench: [{}/{}, {:.0} s] booting {}{}{}",
            i + 1,
            boots.len(),
            started.elapsed().as_secs_f64(),
            boot.program,
            if twice { " twice, side by side" } else { "" },
            boot.viewer_secs.map_or(String::new(), |s| format!(
                " ({s} s of guest time: the longest)"
            )),
        );
        // Two boots at once: icount figures do not depend on the host's load.
        let runs: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..if twice { 2 } else { 1 })
                .map(|_| s.spawn(|| run_once(boot)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a boot thread"))
                .collect()
        });
        let runs = runs.into_iter().collect::<Result<Vec<_>, _>>()?;
        let (first, _) = &runs[0];
        for (other, _) in &runs[1..] {
            if other != first {
                agree = false;
                for (key, value) in first {
                    if other.get(key) != Some(value) {
                        eprintln!(
                            "bench: {}: the runs disagree on {key}: {value} and {:?}",
                            boot.program,
                            other.get(key)
                        );
                    }
                }
            }
        }
        wall.push((
            boot.program,
            runs.iter().map(|(_, secs)| *secs).collect::<Vec<f64>>(),
        ));
        for (key, value) in first {
            eprintln!("bench:     {key} {value}");
        }
        figures.extend(first.clone());
    }
    println!("{}", bench::table(&figures));
    if only.is_some() {
        return Ok(agree);
    }
    for (program, secs) in &wall {
        let secs: Vec<String> = secs.iter().map(|s: &f64| format!("{s:.1} s")).collect();
        println!(
            "wall-clock time (TCG, icount) of {program}: {}",
            secs.join(", ")
        );
    }
    let json = target_dir().join("bench.json");
    let record = bench::record(&figures, &wall);
    let text = serde_json::to_string_pretty(&record).map_err(|e| e.to_string())?;
    std::fs::write(&json, text + "\n").map_err(|e| format!("{}: {e}", json.display()))?;
    println!("bench: wrote {}", json.display());
    let missing = bench::missing(&figures);
    if !missing.is_empty() {
        eprintln!("bench: rows missing: {}", missing.join(", "));
    }
    for goal in bench::missed_goals(&figures) {
        println!("bench: goal missed: {goal}");
    }
    if twice && agree {
        println!("bench: both runs agree on every figure");
    }
    Ok(missing.is_empty() && agree)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => measure(true, None),
        ["--once"] => measure(false, None),
        ["--only", program] => measure(true, Some(program)),
        ["--once", "--only", program] => measure(false, Some(program)),
        ["--charts", dir] => charts(dir).map(|()| true),
        _ => Err("usage: bench [--once] [--only PROGRAM] | --charts DIR".into()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}
