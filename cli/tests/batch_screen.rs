//! What a batch run tells its operator: a summary that names every way a line can end with its
//! count (zero too), the lines never started after Ctrl-C counted against the file, and a second
//! Ctrl-C that stops at once, after which `resume` finishes the batch with each key paid once.

mod common;

use common::Batch;
use intellectmoney::mock::Override;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The summary line of a run's stderr, and its counts by name.
fn summary(stderr: &str) -> (String, Vec<(String, u64)>) {
    let line = stderr
        .lines()
        .find(|l| l.contains("; conflicts "))
        .unwrap_or_else(|| panic!("no summary in:\n{stderr}"))
        .to_owned();
    let counts = line
        .trim_start_matches("intellectmoney: ")
        .split([',', ';'])
        .map(|part| {
            let part = part.trim();
            let (name, n) = part.rsplit_once(' ').unwrap();
            (name.to_owned(), n.parse().unwrap())
        })
        .collect();
    (line, counts)
}

fn count(counts: &[(String, u64)], name: &str) -> u64 {
    counts
        .iter()
        .find(|(n, _)| n == name)
        .map_or_else(|| panic!("no `{name}` in {counts:?}"), |(_, c)| *c)
}

#[test]
fn the_summary_names_every_way_a_line_ends_with_its_count() {
    let batch = Batch::new(3);
    let out = batch.run(&[]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (line, _) = summary(&stderr);
    assert_eq!(
        line,
        "intellectmoney: completed 3, failed 0, not enough money 0, deleted 0, shared 0, pending 0; conflicts 0; stopped 0; not started 0"
    );
    // `status` prints its totals on stdout (`status > file` keeps them), as text or JSON.
    let status = |format: &str| {
        let out = Command::new(common::BIN)
            .args(["payout-batch", "status", "--format", format, "--journal"])
            .arg(&batch.journal)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        status("text").starts_with("completed RUB: 3 payout(s), "),
        "{}",
        status("text")
    );
    let json: serde_json::Value = serde_json::from_str(&status("json")).unwrap();
    assert_eq!(json["by_state"][0]["payouts"], 3);
    assert_eq!(json["not_started"], 0);
}

/// Sends SIGINT to the process, as Ctrl-C does.
fn interrupt(pid: u32) {
    let ok = Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap();
    assert!(ok.success());
}

#[test]
fn after_ctrl_c_the_lines_never_started_are_counted_and_a_second_ctrl_c_stops_at_once() {
    const LINES: u64 = 40;
    for presses in [1, 2] {
        let batch = Batch::new(LINES);
        // Each execution takes a while: the run is mid-file when interrupted.
        batch
            .mock
            .set("ExecuteOperation", Override::Delay(Duration::from_millis(150)));
        let run = batch
            .run(&["--in-flight", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(900));
        if presses == 1 {
            // `status` while the run holds the journal: the run's counts so far, on stdout.
            let out = Command::new(common::BIN)
                .args(["payout-batch", "status", "--format", "json", "--journal"])
                .arg(&batch.journal)
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{said}");
            let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(
                (live["running"].as_bool(), live["lines"].as_u64()),
                (Some(true), Some(LINES)),
                "{live}"
            );
            assert!(live["done"].as_u64().unwrap() < LINES, "{live}");
        }
        for _ in 0..presses {
            interrupt(run.id());
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = run.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{presses} press(es): {stderr}");
        if presses == 1 {
            let (_, counts) = summary(&stderr);
            let (done, stopped, not_started) = (
                count(&counts, "completed"),
                count(&counts, "stopped"),
                count(&counts, "not started"),
            );
            assert!(done > 0 && not_started > 0, "{stderr}");
            assert_eq!(done + stopped + not_started, LINES, "{stderr}");
        } else {
            assert!(stderr.contains("stopped at once (second Ctrl-C)"), "{stderr}");
        }
        // The same batch resumed: every key paid, each once.
        let resumed = batch.command("resume", &[]).output().unwrap();
        let said = String::from_utf8_lossy(&resumed.stderr);
        assert_eq!(resumed.status.code(), Some(0), "{said}");
        let (_, counts) = summary(&said);
        assert_eq!(count(&counts, "not started"), 0, "{said}");
        let executes = batch
            .mock
            .requests()
            .iter()
            .filter(|r| r.method == Some("ExecuteOperation"))
            .count();
        assert_eq!(executes as u64, LINES, "each key executed once");
    }
}
