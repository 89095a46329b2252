//! Links the memory server non-PIE at its own fixed base, between init's and the programs'.
fn main() {
    if std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-none") {
        println!("cargo:rustc-link-arg-bins=--no-pie");
        println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
        println!("cargo:rustc-link-arg-bins=--image-base=0x1000000");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
