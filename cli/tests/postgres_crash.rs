//! Crash tests of `payout-batch run` on a PostgreSQL journal shared by three worker processes:
//! workers killed with SIGKILL at random moments and started again, until every worker ends by
//! itself. The mock (in this process) counts what really happened: every key must be executed
//! exactly once, by whichever worker, and the journal must say each is completed.
//!
//! Needs a PostgreSQL server (`eval "$(bash scripts/postgres.sh start)"`; CI starts one), else
//! says it was skipped. CI runs a short version; the long run (issue 30's figure: 50 runs of 200
//! lines, 3 workers):
//!
//! ```text
//! PG_CRASH_RUNS=50 cargo test -p intellectmoney-cli --release --test postgres_crash -- --nocapture
//! ```
//!
//! A failure prints its seed; `PG_CRASH_SEED=<seed>` replays it.

mod common;

use common::{batch_command, env_or, Batch};
use intellectmoney::batch::{PostgresJournal, Step};
use intellectmoney::payout::{CreateOperation, ExecuteOperation};
use intellectmoney_tests::Rng;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How many workers share the batch.
const WORKERS: usize = 3;

/// A worker process, and what it was started as.
struct Worker {
    child: Option<Child>,
    done: bool,
}

/// One crash run: three workers on one batch, killed until every one ends by itself; returns
/// how many kills there were.
fn crash_run(seed: u64, lines: u64, url: &str) -> usize {
    let batch = Batch::new(lines);
    let journal = Path::new(url);
    let log = batch.file.with_extension("log");
    let start = |sub: &str| -> Child {
        let options: &[&str] = match sub {
            "retry" => &["--poll-interval", "0s", "--unpaid"],
            _ => &["--poll-interval", "0s"],
        };
        let mut command: Command = batch_command(&batch.mock, sub, journal, &batch.file, options);
        // What the workers said, for a failure's message.
        let said = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        command.stdout(Stdio::null()).stderr(said).spawn().unwrap()
    };
    let mut workers: Vec<Worker> = (0..WORKERS)
        .map(|_| Worker {
            child: Some(start("run")),
            done: false,
        })
        .collect();
    let mut rng = Rng(seed | 1);
    let mut kills = 0;
    let mut rounds = 0;
    while !workers.iter().all(|w| w.done) {
        rounds += 1;
        assert!(rounds < 5000, "seed {seed}: the batch never finished");
        // A random moment; the window doubles every 30 kills (up to 6.4 s), so that on a slow
        // machine the workers still get far enough to finish.
        let window = 100 << (kills / 30).min(6);
        std::thread::sleep(Duration::from_millis(rng.next() % window));
        // Kill one worker still running, half of the time.
        let victim = (rng.next() % WORKERS as u64) as usize;
        if rng.next().is_multiple_of(2) {
            if let Some(child) = workers[victim].child.as_mut() {
                if child.try_wait().unwrap().is_none() {
                    child.kill().unwrap(); // SIGKILL
                    child.wait().unwrap();
                    kills += 1;
                    workers[victim].child = Some(start("run"));
                }
            }
        }
        for w in workers.iter_mut().filter(|w| !w.done) {
            let Some(child) = w.child.as_mut() else { continue };
            match child.try_wait().unwrap().map(|s| s.code()) {
                None => {}
                Some(Some(0)) => w.done = true,
                // Unpaid lines (an execution in doubt fenced by a deletion): paid again.
                Some(Some(3)) => w.child = Some(start("retry")),
                Some(Some(4)) => w.child = Some(start("run")),
                Some(other) => {
                    let said = std::fs::read_to_string(&log).unwrap_or_default();
                    let tail: Vec<&str> = said.lines().rev().take(15).collect();
                    panic!(
                        "seed {seed}: a worker ended with {other:?}; the workers' last words:\n{}",
                        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                    )
                }
            }
        }
    }
    check(seed, lines, &batch.mock, url);
    kills
}

/// What the mock saw against what the journal says.
fn check(seed: u64, lines: u64, mock: &intellectmoney::mock::MockServer, url: &str) {
    let mut executions: HashMap<String, usize> = HashMap::new();
    for r in mock.requests_for::<ExecuteOperation>() {
        *executions
            .entry(r.param("PayoutOperationId").unwrap().to_owned())
            .or_default() += 1;
    }
    let entries = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let journal = PostgresJournal::open(url, false).await.unwrap();
            intellectmoney::batch::Journal::entries(&journal).await.unwrap()
        });
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
    assert!(
        executions.values().all(|&n| n == 1),
        "seed {seed}: an operation executed twice"
    );
    assert_eq!(
        executions.len() as u64,
        lines,
        "seed {seed}: an extra operation was executed"
    );
    let creations = mock.requests_for::<CreateOperation>().len() as u64;
    let orphans: u64 = entries.iter().map(|e| u64::from(e.orphans)).sum();
    let retries: u64 = entries.iter().map(|e| u64::from(e.attempt - 1)).sum();
    assert!(
        creations >= lines && creations <= lines + orphans + retries,
        "seed {seed}: {creations} creations for {lines} lines, {orphans} orphans, {retries} retries"
    );
}

#[test]
fn killed_workers_sharing_a_postgres_journal_pay_every_key_exactly_once() {
    let runs = env_or("PG_CRASH_RUNS", 2);
    let lines = env_or("PG_CRASH_LINES", 200);
    let first = std::env::var("PG_CRASH_SEED")
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
        let Some(url) = intellectmoney_tests::postgres::database_blocking("pg_crash") else {
            return;
        };
        let seed = first.wrapping_add(run);
        eprintln!("crash run {run}: seed {seed}");
        kills += crash_run(seed, lines, &url);
    }
    eprintln!("{runs} runs of {lines} lines, {WORKERS} workers, {kills} kills: every key executed exactly once");
    assert!(kills > 0, "no worker was killed: the test proved nothing");
}
