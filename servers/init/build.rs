//! Links init non-PIE at its own fixed base, below the programs' (see servers/programs/build.rs).
fn main() {
    if std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-none") {
        println!("cargo:rustc-link-arg-bins=--no-pie");
        println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
        println!("cargo:rustc-link-arg-bins=--image-base=0x400000");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
