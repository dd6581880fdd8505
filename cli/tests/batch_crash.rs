//! Crash tests of `payout-batch run`: the CLI killed with SIGKILL at random moments, then run
//! again until it finishes by itself. The mock (in this process) counts what really happened:
//! every key must be executed exactly once, and the journal must read back whole.
//!
//! CI runs a short version. The long run (issue 13's figure: 50 runs of 200 lines):
//!
//! ```text
//! CRASH_RUNS=50 CRASH_LINES=200 cargo test -p intellectmoney-cli --release --test batch_crash -- --nocapture
//! ```
//!
//! A failure prints its seed; `CRASH_SEED=<seed>` replays it.

mod common;

use common::{batch_run, env_or, Batch, BIN, SECRET};
use intellectmoney::batch::{SqliteJournal, Step};
use intellectmoney::mock::MockServer;
use intellectmoney::payout::{CreateOperation, ExecuteOperation};
use intellectmoney_tests::Rng;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// One crash run against the mock: kills until the batch ends paid; returns how many times it
/// was killed.
fn crash_run(seed: u64, lines: u64) -> usize {
    let batch = Batch::new(lines);
    let kills = kill_until_paid(seed, |sub, options| batch.command(sub, options));
    check(seed, lines, &batch.mock, &batch.journal);
    kills
}

/// Runs a batch as an operator drives it, killing each run at a random moment: `run` again after
/// a kill or an unfinished run (exit 4), `retry --unpaid` after lines ended unpaid (exit 3:
/// executions in doubt fenced by a deletion), until it ends paid. `command(sub, options)` is the
/// CLI's `payout-batch <sub>`. Returns how many times it was killed.
fn kill_until_paid(seed: u64, command: impl Fn(&str, &[&str]) -> Command) -> usize {
    let mut rng = Rng(seed | 1);
    let mut kills = 0;
    let mut next = "run";
    loop {
        let options: &[&str] = match next {
            "retry" => &["--poll-interval", "0s", "--unpaid"],
            _ => &["--poll-interval", "0s"],
        };
        let mut child = command(next, options)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Killed at a random moment of its first 150 ms; the window doubles every 50 kills (up
        // to 9.6 s), so that on a slow machine, where starting the CLI takes most of 150 ms, the
        // runs still get far enough to finish the batch.
        let window = 150 << (kills / 50).min(6);
        std::thread::sleep(Duration::from_millis(rng.next() % window));
        match child.try_wait().unwrap() {
            Some(status) => match status.code() {
                Some(0) => return kills,
                Some(3) => next = "retry",
                Some(4) => next = "run",
                _ => panic!("seed {seed}: `{next}` ended with {status}"),
            },
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                assert!(kills < 500, "seed {seed}: the batch never finished");
            }
        }
    }
}

/// Killed runs against a server whose states lag two polls behind the truth and whose
/// executions are answered "queued": a line found `executing` whose state reads `Created` may
/// well have been executed, and is never executed again.
#[test]
fn killed_batches_against_a_lagging_state_pay_every_key_once() {
    use intellectmoney_tests::payouts::{Execute, Payouts, Script};
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let lines = env_or("CRASH_LINES", 200) / 2;
    let server = Payouts::start(Script {
        lag: 2,
        in_process: 1,
        execute: Execute::Queued,
        ..Script::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (file, journal) = (dir.path().join("batch.csv"), dir.path().join("payouts.db"));
    let mut text = String::from("key,preference_type,amount,currency,recipient_name,account,bank_id\n");
    for i in 0..lines {
        text.push_str(&format!("k{i},OutSbp,77.00,RUB,k{i},79990000000,100000000111\n"));
    }
    std::fs::write(&file, text).unwrap();
    let kills = kill_until_paid(seed, |sub, options| {
        let mut command = Command::new(BIN);
        command
            .args(["--base-url", &server.url(), "--user-token", "t", "--bearer-token", "b"])
            .args([
                "--sign-secret",
                SECRET,
                "payout-batch",
                sub,
                "--hash-key",
                common::HASH_KEY,
            ])
            .args(options)
            .arg("--journal")
            .arg(&journal)
            .arg(&file);
        command
    });
    let book = server.book.lock().unwrap();
    for (id, n) in book.executions() {
        assert_eq!(n, 1, "seed {seed}: operation {id} received {n} executions");
    }
    let paid = book.paid_per_recipient();
    assert_eq!(paid.len() as u64, lines, "seed {seed}: every key paid");
    assert!(
        paid.values().all(|&n| n == 1),
        "seed {seed}: a key paid twice: {paid:?}"
    );
    eprintln!("seed {seed}: {lines} lines, {kills} kills, every key paid once");
}

/// What the mock saw against what the journal says.
fn check(seed: u64, lines: u64, mock: &MockServer, journal: &Path) {
    let mut executions: HashMap<String, usize> = HashMap::new();
    for r in mock.requests_for::<ExecuteOperation>() {
        *executions
            .entry(r.param("PayoutOperationId").unwrap().to_owned())
            .or_default() += 1;
    }
    let entries = SqliteJournal::open(journal).unwrap().entries().unwrap();
    assert_eq!(entries.len() as u64, lines, "seed {seed}: keys lost");
    for e in &entries {
        let Step::Completed(id) = e.step else {
            panic!("seed {seed}: {} ended {:?}", e.key, e.step)
        };
        assert_eq!(
            executions.get(&id.to_string()),
            Some(&1),
            "seed {seed}: {} executed ≠ once",
            e.key
        );
    }
    // No operation executed twice, and none executed but the one paid for each key.
    assert!(
        executions.values().all(|&n| n == 1),
        "seed {seed}: an operation executed twice"
    );
    assert_eq!(
        executions.len() as u64,
        lines,
        "seed {seed}: an extra operation was executed"
    );
    let orphans: u32 = entries.iter().map(|e| e.orphans).sum();
    let creations = mock.requests_for::<CreateOperation>().len() as u64;
    assert!(creations >= lines, "seed {seed}");
    // One creation per attempt (a retry of a line fenced after a kill is one more), and one per
    // creation whose answer a kill lost.
    let retries: u64 = entries.iter().map(|e| u64::from(e.attempt - 1)).sum();
    assert!(
        creations <= lines + u64::from(orphans) + retries,
        "seed {seed}: creations not accounted for"
    );
    let conn = rusqlite::Connection::open(journal).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok", "seed {seed}");
}

#[test]
fn killed_batches_pay_every_key_exactly_once() {
    let runs = env_or("CRASH_RUNS", 3);
    let lines = env_or("CRASH_LINES", 200);
    let first = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let mut kills = 0;
    for run in 0..runs {
        let seed = first.wrapping_add(run);
        eprintln!("crash run {run}: seed {seed}");
        kills += crash_run(seed, lines);
    }
    eprintln!("{runs} runs of {lines} lines, {kills} kills: every key executed exactly once");
    assert!(kills > 0, "no run was killed: the test proved nothing");
}

#[test]
fn a_bad_file_is_refused_whole_naming_each_line_and_column_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (file, journal) = (dir.path().join("batch.csv"), dir.path().join("payouts.db"));
    std::fs::write(
        &file,
        "key,preference_type,amount,currency,recipient_name,pan\n\
         k1,OutBankCard,10.00,RUB,Иванов Иван,4111111111111111\n\
         k2,OutBankCard,10.005,RUB,Иванов Иван,4111111111111111\n\
         k1,Card,10.00,XYZ,Иванов Иван,4111111111111111\n\
         k3,OutSbp,10.00,RUB,Петрова Анна,\n",
    )
    .unwrap();
    let mock = MockServer::builder().sign_secret(SECRET).start();
    let out = batch_run(&mock, &journal, &file, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "batch.csv:3:3 (amount): Amount must have at most 2 places after the dot",
        "batch.csv:4:1 (key): key `k1` is also on line 2",
        "batch.csv:4:2 (preference_type): `Card` is not one of OutBankCard, OutSbp",
        "batch.csv:4:4 (currency): `XYZ` is not one of RUB, TST",
        // The spec's `required_when`, for a column the file does not have.
        "batch.csv:5 (no column `account`): Account required when PreferenceType is OutSbp",
        "5 problem(s) in",
        "nothing was sent",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    assert!(!journal.exists(), "a refused file writes no journal");
}

/// Ctrl-C (SIGINT) mid-run: the payouts in flight finish and are recorded, nothing new starts,
/// the run says it is not done (exit 4); the same command then finishes the batch, each key
/// executed once.
#[test]
fn ctrl_c_stops_after_the_payouts_in_flight() {
    let lines = 300;
    let batch = Batch::new(lines);
    let (mock, journal) = (&batch.mock, &batch.journal);
    let run = || {
        batch
            .run(&["--poll-interval", "0s", "--in-flight", "2", "--per-second", "100"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let child = run();
    // Signalled once some payouts are done (a slow machine takes longer to start).
    let started = std::time::Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        // The run holds its journal alone: the mock's executions tell how far it is.
        if mock.requests_for::<ExecuteOperation>().len() >= 5 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no payout done in 30 s");
    }
    // While it runs, another run of the same journal is refused: two runs never drive one key.
    let second = run().wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(2));
    let second_err = String::from_utf8_lossy(&second.stderr);
    assert!(second_err.contains("in use by another run"), "{second_err}");
    let signalled = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("stopping after the payouts in flight"), "{err}");
    let entries = SqliteJournal::open(journal).unwrap().entries().unwrap();
    let done = entries.iter().filter(|e| e.step.is_final()).count();
    assert!(
        done > 0 && (done as u64) < lines,
        "{done} of {lines} done: the stop came too early or too late"
    );
    for e in &entries {
        assert!(
            e.step.is_final() || e.step == Step::Planned,
            "{} left {:?}: a payout in flight was not finished",
            e.key,
            e.step
        );
    }
    assert_eq!(
        mock.requests_for::<ExecuteOperation>().len(),
        done,
        "executions = payouts done"
    );
    // The same command finishes the batch.
    let out = run().wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    check(0, lines, mock, journal);
    // The report: a header and one row per key, every one completed, and the totals.
    let report = Command::new(BIN)
        .args(["payout-batch", "report", "--journal"])
        .arg(journal)
        .output()
        .unwrap();
    let rows = String::from_utf8_lossy(&report.stdout);
    assert_eq!(rows.lines().count() as u64, lines + 1, "{rows}");
    assert_eq!(rows.lines().filter(|l| l.contains(",completed,")).count() as u64, lines);
    let totals = String::from_utf8_lossy(&report.stderr);
    assert!(
        totals.starts_with(&format!("completed RUB: {lines} payout(s), ")),
        "{totals}"
    );
}

/// `--sync-every-step` syncs each of a payout's three writes (one at a time, no sync is shared);
/// without it, one per payout. The run says how many syncs it made.
#[test]
fn sync_every_step_syncs_each_write() {
    for (flag, per_payout) in [(Some("--sync-every-step"), 3), (None, 1)] {
        let batch = Batch::new(5);
        let mut options = vec!["--poll-interval", "0s", "--in-flight", "1"];
        options.extend(flag);
        let out = batch.run(&options).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let said = format!("the journal was synced to disk {} time(s)", 5 * per_payout);
        assert!(err.contains(&said), "{flag:?}: {err}");
    }
}

/// The totals name why payouts failed and count the orphans: here every creation's answer is
/// lost once (the first run stops, nothing executed), then every payout fails.
#[test]
fn the_totals_name_failures_and_orphans() {
    use intellectmoney::mock::{Override, PayoutScript};
    use intellectmoney::payout::CreateOperation;
    let script = PayoutScript::Fail {
        polls: 0,
        message: "Карта заблокирована".into(),
    };
    let batch = Batch::paying_as(3, script);
    batch.mock.set_for::<CreateOperation>(Override::LoseAnswer);
    let first = batch
        .run(&["--poll-interval", "0s", "--in-flight", "1"])
        .output()
        .unwrap();
    assert_eq!(
        first.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(batch.mock.requests_for::<ExecuteOperation>().is_empty());
    batch
        .mock
        .reset(<CreateOperation as intellectmoney::runtime::ApiRequest>::METHOD.name);
    let second = batch.run(&["--poll-interval", "0s"]).output().unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(3), "{err}");
    for expected in [
        "failed RUB: 3 payout(s), ",
        "failed: 3 × Карта заблокирована",
        "orphans: 3 (created, never executed: they moved no money)",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}
