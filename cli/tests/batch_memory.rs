//! The peak memory of `payout-batch run` does not grow with the number of lines: the file is
//! checked and then read one line at a time, the keys are checked for duplicates in a temporary
//! file, and the journal is read one entry at a time for the totals. The CLI runs as a child
//! process against the mock (in this process); its peak resident size is the kernel's high-water
//! mark of its memory (`VmHWM` in `/proc/<pid>/status`), read every 10 ms until it ends. (Not
//! `wait4`'s `ru_maxrss`: it keeps the high-water mark of the process before `exec`, here a copy
//! of this test with its mock.)
//!
//! The journal's page cache (2 MiB, SQLite's default) and that of the keys (512 KiB) fill up
//! over the first thousands of lines; past them nothing grows. CI compares 8,000 lines with
//! 24,000. The figure in BENCHMARKS.md (10,000 against 100,000):
//!
//! ```text
//! MEMORY_SMALL=10000 MEMORY_LARGE=100000 cargo test -p intellectmoney-cli --release --test batch_memory -- --nocapture
//! ```

mod common;

use common::{env_or, Batch};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Runs a batch of `lines` to its end; the CLI's peak resident size in KiB.
fn peak_kib(lines: u64) -> i64 {
    let batch = Batch::new(lines);
    let started = Instant::now();
    let mut child = batch
        .run(&["--poll-interval", "0s", "--in-flight", "8"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        // Once the process has ended (a zombie until reaped), its status has no memory lines.
        if let Some(kib) = std::fs::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(high_water_kib)
        {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "the run of {lines} lines ended with {status}");
    println!(
        "{lines} lines: peak resident size {peak} KiB, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    peak
}

/// `VmHWM` of a `/proc/<pid>/status`, in KiB.
fn high_water_kib(status: &str) -> Option<i64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn peak_memory_does_not_grow_with_the_lines() {
    let (small, large) = (env_or("MEMORY_SMALL", 8_000), env_or("MEMORY_LARGE", 24_000));
    let (a, b) = (peak_kib(small), peak_kib(large));
    let per_line = (b - a) as f64 * 1024.0 / (large - small) as f64;
    println!("growth: {per_line:.0} bytes per line");
    // Lines kept in memory would cost hundreds of bytes each (a payout request and its key).
    assert!(
        per_line < 64.0,
        "{small} lines: {a} KiB; {large} lines: {b} KiB ({per_line:.0} bytes per line)"
    );
}
