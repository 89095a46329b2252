//! Lists the user programs cargo built: it tells the build script where it put every binary of the
//! program crates (artifact build-dependencies), and we write that list for `catalog.rs`.
use std::fmt::Write;

fn main() {
    // `CARGO_BIN_FILE_<CRATE>_<binary>`: the crate's name is upper case, the binary's lower case
    // (`CARGO_BIN_FILE_<CRATE>` alone repeats the binary named after its crate).
    let mut programs: Vec<(String, String)> = std::env::vars()
        .filter_map(|(key, path)| {
            let rest = key.strip_prefix("CARGO_BIN_FILE_")?;
            let at = rest.find(|c: char| c.is_ascii_lowercase())?;
            Some((rest.get(at..)?.to_string(), path))
        })
        .collect();
    programs.sort();
    let mut out = String::from(
        "/// (name, path) of every program binary of the build-dependencies.\n\
         const BUILT: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &programs {
        writeln!(out, "    ({name:?}, {path:?}),").unwrap();
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("programs.rs");
    std::fs::write(dest, out).unwrap();
}
