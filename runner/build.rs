//! Lists the user programs: cargo tells the build script where it built every binary of the
//! `programs` crate (artifact dependency), and we write that list for `image.rs`.
use std::fmt::Write;

fn main() {
    let mut programs: Vec<(String, String)> = std::env::vars()
        .filter_map(|(key, path)| {
            Some((
                key.strip_prefix("CARGO_BIN_FILE_PROGRAMS_")?.to_string(),
                path,
            ))
        })
        .collect();
    programs.sort();
    let mut out = String::from(
        "/// (name, path) of every user program binary.\nconst PROGRAMS: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &programs {
        writeln!(out, "    ({name:?}, {path:?}),").unwrap();
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("programs.rs");
    std::fs::write(dest, out).unwrap();
}
