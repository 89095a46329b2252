//! Links every program non-PIE at its own fixed base (so gdb can load all their symbols at once
//! and init's loader sees plain `ET_EXEC` files), with page-aligned segments. The bases follow
//! `programs.list` (the one place a program is registered, `abi::registry`): 16 MiB apart from
//! 0x0200_0000 (init is at 0x0040_0000, the memory server at 0x0100_0000). The build fails if the
//! list and `src/bin` disagree.
use abi::registry;

/// The first program's link base.
const FIRST_BASE: u64 = 0x0200_0000;
/// The distance between link bases: room for a program's image and the start of its heap.
const SPACING: u64 = 0x0100_0000;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=programs.list");
    println!("cargo:rerun-if-changed=src/bin");
    let list = std::fs::read_to_string("programs.list").expect("servers/programs/programs.list");
    let mut names = Vec::new();
    for entry in registry::entries(&list) {
        match entry {
            Ok(e) => names.push(e.name.to_string()),
            Err(registry::BadLine(line)) => {
                panic!("programs.list: cannot read {line:?} (NAME [server] [with=A,B] -- about)")
            }
        }
    }
    for entry in std::fs::read_dir("src/bin").expect("src/bin") {
        let path = entry.expect("src/bin entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert!(
            names.iter().any(|n| n == name),
            "servers/programs/programs.list: add a line for `{name}` (src/bin/{name})"
        );
    }
    for name in &names {
        let file = std::path::Path::new("src/bin").join(name);
        assert!(
            file.with_extension("rs").exists() || file.join("main.rs").exists(),
            "programs.list names `{name}`, but there is no src/bin/{name}.rs"
        );
    }
    if std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-none") {
        println!("cargo:rustc-link-arg-bins=--no-pie");
        println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
        for (i, name) in names.iter().enumerate() {
            let base = FIRST_BASE + i as u64 * SPACING;
            println!("cargo:rustc-link-arg-bin={name}=--image-base={base:#x}");
        }
    }
}
