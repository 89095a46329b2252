//! Links the kernel non-PIE at a fixed high address, so gdb finds its symbols without offsets
//! on both BIOS and UEFI boots.
fn main() {
    if std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-none") {
        println!("cargo:rustc-link-arg-bins=--no-pie");
        println!("cargo:rustc-link-arg-bins=--image-base=0xffffffff80000000");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
