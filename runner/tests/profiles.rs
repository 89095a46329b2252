//! Release and bench builds are at least as optimised as dev builds, for every crate that runs in
//! the guest. Cargo itself says how it would build each unit (`--unit-graph`, which builds
//! nothing): the user programs are the runner's build-dependencies, and those take the
//! `build-override` profile (opt-level 0) unless a `[profile.*.package.*]` entry names them.
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// The guest crates' opt-levels under `profile`: target name → opt-level (the lowest among its
/// units: `abi`, say, is built once for the kernel and once for the programs).
fn guest_opt_levels(profile: &str) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["build", "-p", "runner", "--profile", profile])
        .args(["--unit-graph", "-Z", "unstable-options"])
        .output()
        .expect("running cargo");
    assert!(
        out.status.success(),
        "cargo --unit-graph: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let graph: Value = serde_json::from_slice(&out.stdout).expect("the unit graph is JSON");
    let mut levels = BTreeMap::new();
    for unit in graph["units"].as_array().expect("units") {
        if unit["platform"] != "x86_64-unknown-none" || unit["mode"] != "build" {
            continue;
        }
        let name = unit["target"]["name"].as_str().unwrap_or("?");
        let package = unit["pkg_id"].as_str().unwrap_or("?");
        // Workspace crates only (their package id names their path).
        if !package.starts_with("path+file") {
            continue;
        }
        let level = unit["profile"]["opt_level"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        let entry = levels.entry(name.to_string()).or_insert(level.clone());
        if rank(&level) < rank(entry) {
            *entry = level;
        }
    }
    levels
}

/// 0 < 1 < 2 < 3; "s" and "z" (size) count as 2.
fn rank(level: &str) -> u32 {
    match level {
        "0" => 0,
        "1" => 1,
        "2" | "s" | "z" => 2,
        "3" => 3,
        other => panic!("unknown opt-level {other}"),
    }
}

#[test]
fn release_and_bench_builds_are_at_least_as_optimised_as_dev() {
    let dev = guest_opt_levels("dev");
    for expected in [
        "kernel",
        "userlib",
        "abi",
        "init",
        "memsrv",
        "ipcbench",
        "forkbench",
    ] {
        assert!(
            dev.contains_key(expected),
            "no {expected} unit in the graph: {dev:?}"
        );
    }
    for profile in ["release", "bench"] {
        let other = guest_opt_levels(profile);
        for (name, level) in &dev {
            let theirs = other.get(name).map_or("missing", String::as_str);
            assert!(
                theirs != "missing" && rank(theirs) >= rank(level),
                "{profile} builds {name} at opt-level {theirs}, dev at {level}"
            );
        }
    }
}
