//! Making the boot image: the kernel plus a boot archive (ramdisk) holding every user program and
//! the command line (which programs init should start).
use crate::catalog::{self, Program};
use crate::options::{Build, KernelImage, Options};
use crate::{checkout, programs, strip, Error};
use bootloader::{BiosBoot, UefiBoot};
use bootloader_boot_config::{BootConfig, LevelFilter};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

fn kernel_path(kind: KernelImage) -> &'static Path {
    Path::new(match kind {
        KernelImage::Normal => env!("CARGO_BIN_FILE_KERNEL_kernel"),
        KernelImage::Test => env!("CARGO_BIN_FILE_KERNEL_test_kernel"),
    })
}

fn kernel_name(kind: KernelImage) -> &'static str {
    match kind {
        KernelImage::Normal => "kernel",
        KernelImage::Test => "test_kernel",
    }
}

/// The kernel and the user programs to boot.
pub struct Binaries {
    pub kernel: PathBuf,
    pub programs: Vec<Program>,
}

/// The binaries of the build `opts` asks for, with the programs its command line packs
/// ([`catalog::packed`]): the optimised ones cargo built with the runner, or the debuggable ones,
/// built now.
pub fn binaries(opts: &Options) -> Result<Binaries, String> {
    let words: Vec<String> = opts.cmdline().split(' ').map(str::to_string).collect();
    let programs = catalog::packed(&words);
    match opts.build {
        Build::Optimised => Ok(Binaries {
            kernel: kernel_path(opts.kernel).to_path_buf(),
            programs,
        }),
        Build::Debuggable => build_debuggable(opts.kernel, programs),
    }
}

/// Where cargo profile `gdb` puts the bare-metal binaries.
pub fn debuggable_dir() -> PathBuf {
    checkout::root().join("target/x86_64-unknown-none/gdb")
}

/// Builds the kernel and the crates of the programs to pack with cargo profile `gdb` (unoptimised,
/// full debug info; see the workspace Cargo.toml). Only these crates: the runner and the
/// bootloader keep the build they have, and a crate the run does not pack (the tests' programs,
/// say) is not built. Cargo rebuilds only what changed, so this takes a second once done.
fn build_debuggable(kind: KernelImage, mut programs: Vec<Program>) -> Result<Binaries, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.current_dir(checkout::root()).args([
        "build",
        "--quiet",
        "--profile",
        "gdb",
        "--target",
        "x86_64-unknown-none",
        "--target-dir",
        "target",
        "-p",
        "kernel",
    ]);
    let mut packages: Vec<&str> = programs.iter().map(|p| p.home.package).collect();
    packages.dedup();
    for package in &packages {
        build.args(["-p", package]);
    }
    eprintln!(
        "runner: building the debuggable kernel and {} (cargo profile gdb)...",
        packages.join(", ")
    );
    let status = build
        .status()
        .map_err(|e| format!("running cargo for the debuggable build: {e}"))?;
    if !status.success() {
        return Err(format!("the debuggable build failed ({status})"));
    }
    let dir = debuggable_dir();
    for program in &mut programs {
        program.path = dir.join(program.name());
    }
    Ok(Binaries {
        kernel: dir.join(kernel_name(kind)),
        programs,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

/// A boot image: the disk, open but already deleted from the file system (QEMU gets the open file,
/// so nothing is left behind however the run ends), and the binaries it holds, for gdb.
pub struct BootImage {
    pub disk: File,
    pub kernel: PathBuf,
    pub programs: Vec<Program>,
    /// Where QEMU's monitor listens for `--screenshot` (a socket, removed after the run).
    pub monitor: PathBuf,
}

/// Removes a directory when dropped, whatever happens in between.
struct RemovedOnDrop(PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fresh_dir() -> std::io::Result<PathBuf> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mikros-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Checks the requested programs and writes the disk image.
pub fn build_image(opts: &Options) -> Result<BootImage, Error> {
    let all = catalog::all();
    let (system, startable): (Vec<&Program>, Vec<&Program>) =
        all.iter().partition(|p| p.entry.system);
    let names = |programs: &[&Program]| programs.iter().map(|p| p.name()).collect::<Vec<_>>();
    let test_kernel = opts.kernel == KernelImage::Test;
    programs::check_words(
        &opts.programs,
        &names(&startable),
        &names(&system),
        test_kernel,
    )?;
    let Binaries { kernel, programs } = binaries(opts)?;
    let mut contents = vec![(
        abi::registry::ARCHIVE_NAME.to_string(),
        catalog::registry_of(&programs).into_bytes(),
    )];
    for program in &programs {
        let path = &program.path;
        contents.push((
            program.name().to_string(),
            strip::loadable_part(read(path)?),
        ));
    }
    let files: Vec<(&str, &[u8])> = contents
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let archive =
        abi::bootfs::build(&files, &opts.cmdline()).map_err(|e| format!("boot archive: {e:?}"))?;

    let dir = RemovedOnDrop(fresh_dir().map_err(|e| format!("temporary directory: {e}"))?);
    let dir = &dir.0;
    let ramdisk = dir.join("bootfs.img");
    std::fs::write(&ramdisk, archive).map_err(|e| format!("writing {}: {e}", ramdisk.display()))?;
    let loadable_kernel = dir.join("kernel");
    std::fs::write(&loadable_kernel, strip::without_debug_info(read(&kernel)?))
        .map_err(|e| format!("writing {}: {e}", loadable_kernel.display()))?;
    let disk = dir.join("disk.img");
    // The bootloader's own log is quiet unless something goes wrong; the kernel's banner says the rest.
    let mut config = BootConfig::default();
    config.log_level = LevelFilter::Warn;
    config.frame_buffer_logging = false;
    config.frame_buffer.minimum_framebuffer_width = Some(1280);
    config.frame_buffer.minimum_framebuffer_height = Some(800);
    let made = if opts.uefi {
        UefiBoot::new(&loadable_kernel)
            .set_ramdisk(&ramdisk)
            .set_boot_config(&config)
            .create_disk_image(&disk)
    } else {
        BiosBoot::new(&loadable_kernel)
            .set_ramdisk(&ramdisk)
            .set_boot_config(&config)
            .create_disk_image(&disk)
    };
    made.map_err(|e| format!("making the disk image: {e:#}"))?;
    let disk = File::options()
        .read(true)
        .write(true)
        .open(&disk)
        .map_err(|e| format!("opening {}: {e}", disk.display()))?;
    Ok(BootImage {
        disk,
        kernel,
        programs,
        monitor: dir.with_extension("monitor"),
    })
}
