//! The memory viewer (`--viewer`): its plain snapshots on the serial console (the runner's output
//! is not a terminal here) show the four allocators of `fork` owning memory, pages shared
//! copy-on-write after the fork, and the frame the test kernel leaks on purpose; `--screenshot`
//! saves the screen as a PNG.
use runner::{KernelImage, Options, Outcome, Verdict, ViewerMode};
use system_tests::*;

/// The physical map's cells in one snapshot: the rows labelled `NM`, columns 5..69.
fn physical_cells(snapshot: &str) -> String {
    snapshot
        .lines()
        .filter(|line| {
            let label = line.get(..4).unwrap_or("").trim_start();
            label.ends_with('M') && label[..label.len() - 1].parse::<u32>().is_ok()
        })
        .map(|line| line.get(5..69.min(line.len())).unwrap_or(""))
        .collect()
}

/// The snapshots printed before the run's time was up.
fn snapshots(out: &Outcome) -> Vec<&str> {
    let before_end = out
        .transcript
        .split("init: time is up")
        .next()
        .unwrap_or("");
    before_end.split("--- memory viewer ---").skip(1).collect()
}

#[test]
fn the_viewer_shows_owners_sharing_and_a_leak() {
    let picture = std::env::temp_dir().join(format!("mikros-viewer-{}.png", std::process::id()));
    let out = run(Options {
        kernel: KernelImage::Test,
        memory_mib: 32,
        viewer: Some(ViewerMode::Log),
        screenshot: Some(picture.clone()),
        ..system_tests::timed(&["test:leak", "fork"], 8)
    });
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "test kernel: leaked frame");
    let shots = snapshots(&out);
    assert!(shots.len() >= 2, "too few snapshots\n{}", out.transcript);
    let last = physical_cells(shots[shots.len() - 1]);
    for (mark, what) in [
        ('2', "pid 2"),
        ('3', "pid 3"),
        ('4', "pid 4"),
        ('5', "pid 5"),
        ('W', "a page shared copy-on-write"),
        ('L', "the leaked frame"),
        ('K', "kernel frames"),
        ('M', "the memory server's frames"),
    ] {
        assert!(
            last.contains(mark),
            "no {what} ({mark:?}) in the physical map\n{}",
            shots[shots.len() - 1]
        );
    }
    // The virtual view moves from process to process; each has its capabilities listed.
    let shown: std::collections::HashSet<&str> = shots
        .iter()
        .filter_map(|s| {
            s.lines()
                .find(|l| l.starts_with("VIRTUAL ADDRESS SPACE FOR "))
        })
        .collect();
    assert!(shown.len() >= 2, "the viewer did not rotate: {shown:?}");
    expect_output(&out, "names");
    expect_output(&out, "memsrv");
    let png = std::fs::read(&picture).expect("the screenshot was saved");
    let _ = std::fs::remove_file(&picture);
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
}

/// Issue 16: a process with a `page_alloc`ed page at each end of user space (forktest 25) spans
/// 2^35 pages. The memory server has the kernel list its mapped pages (`AsPages`, which skips the
/// empty tables between them), so the viewer keeps refreshing while it lives — one look-up a page
/// of the span would hold the viewer (and the server) up for the rest of the run.
#[test]
fn the_viewer_keeps_refreshing_beside_pages_at_both_ends_of_user_space() {
    let out = run(Options {
        run_for: Some(8),
        memory_mib: 32,
        viewer: Some(ViewerMode::Log),
        ..Options::for_test(&["forktest:25"], 6 * 8 + TIMEOUT_SECS)
    });
    expect_verdict(&out, Verdict::Success);
    expect_output(&out, "forktest:25: passed");
    let shown = snapshots(&out)
        .iter()
        .filter(|s| s.contains("VIRTUAL ADDRESS SPACE FOR 2 (forktest, parent 1)"))
        .count();
    assert!(
        shown >= 2,
        "{shown} snapshots of forktest's pages while it lived\n{}",
        out.transcript
    );
}
