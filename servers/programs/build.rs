//! Links every program non-PIE at its own fixed base (so gdb can load all their symbols at once
//! and init's loader sees plain `ET_EXEC` files), with page-aligned segments.
//!
//! Every file in `src/bin/` needs a row in `BINS`; the build fails otherwise.

/// Each program and its link base: 16 MiB apart from 0x0200_0000 (init is at 0x0040_0000), in
/// ascending order. Gaps are allowed (0x1b00_0000 is kept for the benchmarks branch).
const BINS: &[(&str, u64)] = &[
    ("hello", 0x0200_0000),
    ("ping", 0x0300_0000),
    ("pong", 0x0400_0000),
    ("ipcbench", 0x0500_0000),
    ("ipcecho", 0x0600_0000),
    ("spin", 0x0700_0000),
    ("captest", 0x0800_0000),
    ("kread", 0x0900_0000),
    ("kwrite", 0x0a00_0000),
    ("kexec", 0x0b00_0000),
    ("faulter", 0x0c00_0000),
    ("regcheck", 0x0d00_0000),
    ("counter", 0x0e00_0000),
    ("count", 0x0f00_0000),
    ("faultbench", 0x1000_0000),
    ("attack", 0x1100_0000),
    ("rogue", 0x1200_0000),
    ("fuzz", 0x1300_0000),
    ("membench", 0x1400_0000),
    ("allocator", 0x1500_0000),
    ("fork", 0x1600_0000),
    ("forkexit", 0x1700_0000),
    ("alloctest", 0x1800_0000),
    ("forktest", 0x1900_0000),
    ("forkbench", 0x1a00_0000),
    ("viewer", 0x1c00_0000),
];

/// The distance between link bases: room for a program's image and the start of its heap.
const SPACING: u64 = 0x0100_0000;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/bin");
    for entry in std::fs::read_dir("src/bin").expect("src/bin") {
        let path = entry.expect("src/bin entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert!(
            BINS.iter().any(|(bin, _)| *bin == name),
            "servers/programs/build.rs: add `{name}` to BINS with its own link base"
        );
    }
    assert_eq!(BINS[0].1, 0x0200_0000, "BINS: the first base");
    for pair in BINS.windows(2) {
        let ((_, low), (high_name, high)) = (pair[0], pair[1]);
        assert!(
            high > low && (high - low) % SPACING == 0,
            "BINS: `{high_name}` must be above the row before it, a multiple of {SPACING:#x} away"
        );
    }
    if std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-none") {
        println!("cargo:rustc-link-arg-bins=--no-pie");
        println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
        for (name, base) in BINS {
            println!("cargo:rustc-link-arg-bin={name}=--image-base={base:#x}");
        }
    }
}
