//! Which checkout the runner belongs to. Cargo bakes the artifact paths of the kernel and programs
//! into the runner at compile time, so a runner copied or moved with its `target/` would boot the
//! other tree's binaries; `.cargo/config.toml` sets `MIKROS_CHECKOUT` so that cargo rebuilds the
//! runner when the checkout moves, and [`check`] refuses to run if that ever did not happen.
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The root of the checkout this runner was compiled in.
pub fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    // (Cargo gives the `.cargo` directory's parent as `/path/.`; components() drops the dot.)
    ROOT.get_or_init(|| Path::new(env!("MIKROS_CHECKOUT")).components().collect())
}

/// The checkout cargo is running us from, if we run under cargo (`cargo run`, `cargo test`): it
/// sets `MIKROS_CHECKOUT` at run time too, and the package's manifest directory.
fn running_in() -> Option<PathBuf> {
    if let Some(checkout) = std::env::var_os("MIKROS_CHECKOUT") {
        return Some(PathBuf::from(checkout));
    }
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    Some(manifest_dir.parent()?.to_path_buf())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Err with an explanation if this runner was built in another checkout than the one it runs in,
/// or if that checkout's binaries are gone.
pub fn check() -> Result<(), String> {
    mismatch(
        root(),
        running_in().as_deref(),
        Path::new(env!("CARGO_BIN_FILE_KERNEL_kernel")),
    )
}

fn mismatch(built_in: &Path, running_in: Option<&Path>, kernel: &Path) -> Result<(), String> {
    let rebuild = "rebuild it here with `cargo clean -p runner` (then run again)";
    if let Some(here) = running_in {
        if !same_dir(built_in, here) {
            return Err(format!(
                "this runner was built in {} but runs in {}: it would boot that checkout's \
                 kernel and programs; {rebuild}",
                built_in.display(),
                here.display()
            ));
        }
    }
    if !kernel.exists() {
        return Err(format!(
            "the kernel this runner was built with ({}) is gone; {rebuild}",
            kernel.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_checkout_is_refused() {
        let here = root();
        let kernel = Path::new(env!("CARGO_BIN_FILE_KERNEL_kernel"));
        assert!(mismatch(here, Some(here), kernel).is_ok());
        assert!(mismatch(here, None, kernel).is_ok());
        let elsewhere = std::env::temp_dir();
        let refused = mismatch(here, Some(&elsewhere), kernel).unwrap_err();
        assert!(refused.contains("cargo clean -p runner"), "{refused}");
        assert!(mismatch(here, Some(here), &here.join("no-such-kernel")).is_err());
    }
}
