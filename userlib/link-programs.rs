//! The build script every crate of programs shares (`build = ".../userlib/link-programs.rs"` in
//! its Cargo.toml). It reads the crate's `programs.list` (`abi::registry`), checks that the list
//! and the crate's binaries agree, and links each program non-PIE at its own base, with
//! page-aligned segments: init's loader then sees plain `ET_EXEC` files, and gdb can hold every
//! program's symbols at once. `runner/src/catalog.rs` checks that no two crates' bases overlap.
use abi::registry::{self, ListError};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=programs.list");
    println!("cargo:rerun-if-changed=src");
    let package = std::env::var("CARGO_PKG_NAME").expect("cargo sets CARGO_PKG_NAME");
    let list = std::fs::read_to_string("programs.list")
        .unwrap_or_else(|e| panic!("{package}: reading programs.list: {e}"));
    let programs: Vec<(&str, u64)> = match registry::link_bases(&list) {
        Ok(programs) => programs.collect(),
        Err(ListError::NoBase) => panic!("{package}/programs.list: needs one `base 0x...` line"),
        Err(ListError::Bad(registry::BadLine(line))) => panic!(
            "{package}/programs.list: cannot read {line:?} \
             (NAME [server] [system] [with=A,B] -- about)"
        ),
    };
    let binaries = binaries(&package);
    for name in &binaries {
        assert!(
            programs.iter().any(|(n, _)| n == name),
            "{package}/programs.list: add a line for the program `{name}`"
        );
    }
    for (name, _) in &programs {
        assert!(
            binaries.iter().any(|b| b == name),
            "{package}/programs.list names `{name}`, but the crate has no such binary \
             (src/bin/{name}.rs or src/bin/{name}/main.rs)"
        );
    }
    if std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-none") {
        println!("cargo:rustc-link-arg-bins=--no-pie");
        println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
        for (name, base) in programs {
            println!("cargo:rustc-link-arg-bin={name}=--image-base={base:#x}");
        }
    }
}

/// The crate's binaries, as cargo finds them: `src/main.rs` (named after the package),
/// `src/bin/NAME.rs` and `src/bin/NAME/main.rs`.
fn binaries(package: &str) -> Vec<String> {
    let mut names = Vec::new();
    if Path::new("src/main.rs").exists() {
        names.push(package.to_string());
    }
    let Ok(dir) = std::fs::read_dir("src/bin") else {
        return names;
    };
    for entry in dir {
        let path = entry.expect("reading src/bin").path();
        let is_program =
            path.extension().is_some_and(|e| e == "rs") || path.join("main.rs").exists();
        if let Some(name) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|_| is_program)
        {
            names.push(name.to_string());
        }
    }
    names
}
