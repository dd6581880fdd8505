//! Which journal a command of `payout-batch` works on, and the guards that keep a batch from
//! being paid through a second journal: only `run` makes a journal, and only for a batch that no
//! journal beside it (or named with `--also-journal`) already pays; every other command opens
//! one that exists, is a journal, and belongs to the batch file given.

use super::file::{self, Checked};
use intellectmoney::runtime::batch::{BatchId, Journal, JournalError, SqliteJournal};
use std::path::{Path, PathBuf};

/// How a command starts with its journal.
pub enum Start {
    /// `run`: a new journal, or the one this batch was started with.
    Run {
        /// Other journals whose keys the batch must not share (`--also-journal`).
        also: Vec<PathBuf>,
    },
    /// `resume`: the journal exists and belongs to the batch.
    Resume,
    /// `retry`: as `resume`, then these keys (or every line that ended unpaid) planned again.
    Retry {
        /// The keys.
        keys: Vec<String>,
        /// Every line whose payout ended without moving money.
        unpaid: bool,
    },
}

/// The journal of `path` for a batch file that passed its check, bound to it, hashing with
/// `hash_key`; or why not (nothing sent).
pub fn journal(path: &Path, checked: &Checked, hash_key: &[u8], start: &Start) -> Result<SqliteJournal, String> {
    let batch = BatchId {
        name: checked.shown.clone(),
        sha256: checked.sha256.clone(),
    };
    let journal = match start {
        Start::Run { also } if !path.exists() => {
            guard_new(path, checked, &batch, also)?;
            SqliteJournal::create(path).map_err(|e| e.to_string())?
        }
        _ => SqliteJournal::open_existing(path).map_err(|e| e.to_string())?,
    };
    journal.check_hash_key(hash_key).map_err(|e| e.to_string())?;
    journal.bind(&batch).map_err(|e| e.to_string())?;
    if let Start::Retry { keys, unpaid } = start {
        plan_again(&journal, keys, *unpaid)?;
    }
    Ok(journal)
}

/// Before a new journal is made: no journal beside it is bound to the same batch content, and no
/// key of the batch is in a journal named with `--also-journal`.
fn guard_new(path: &Path, checked: &Checked, batch: &BatchId, also: &[PathBuf]) -> Result<(), String> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A journal for this very content already: the new path is most likely a typo.
    if let Ok(entries) = std::fs::read_dir(&folder) {
        for other in entries.flatten().map(|e| e.path()) {
            if SqliteJournal::peek_batch(&other).is_some_and(|b| b.sha256 == batch.sha256) {
                return Err(format!(
                    "{} is already paid through the journal {}: continue it with `payout-batch resume --journal {}` (a new journal would pay it again); nothing was sent",
                    batch,
                    other.display(),
                    other.display()
                ));
            }
        }
    }
    if also.is_empty() {
        return Ok(());
    }
    let mut keys = file::keys(checked)?;
    keys.sort();
    for other in also {
        let journal = SqliteJournal::open_existing(other).map_err(|e| format!("--also-journal: {e}"))?;
        let mut clash = None;
        journal
            .each(&mut |e| {
                if clash.is_none() && keys.binary_search(&e.key).is_ok() {
                    clash = Some((e.key, e.step.to_string()));
                }
            })
            .map_err(|e| e.to_string())?;
        if let Some((key, step)) = clash {
            return Err(format!(
                "key `{key}` is already in the journal {} ({step}): a new journal would pay it again; nothing was sent",
                other.display()
            ));
        }
    }
    Ok(())
}

/// `retry`: the keys planned again as new attempts, all or none (a key that may have moved
/// money, or is not over, is refused with every other problem, before anything is written).
fn plan_again(journal: &SqliteJournal, keys: &[String], unpaid: bool) -> Result<(), String> {
    let entries = journal.entries().map_err(|e| e.to_string())?;
    let mut chosen = Vec::new();
    let mut problems = Vec::new();
    for key in keys {
        match entries.iter().find(|e| &e.key == key) {
            None => problems.push(JournalError::Unknown(key.clone()).to_string()),
            Some(e) if !e.step.moved_no_money() => problems.push(
                JournalError::NotRetryable {
                    key: key.clone(),
                    step: e.step.to_string(),
                }
                .to_string(),
            ),
            Some(_) => chosen.push(key.clone()),
        }
    }
    if unpaid {
        chosen.extend(
            entries
                .iter()
                .filter(|e| e.step.moved_no_money())
                .map(|e| e.key.clone()),
        );
    }
    if !problems.is_empty() {
        return Err(format!("{}; nothing was sent", problems.join("; ")));
    }
    chosen.sort();
    chosen.dedup();
    for key in &chosen {
        let entry = journal.retry(key).map_err(|e| e.to_string())?;
        eprintln!("intellectmoney: {key}: planned again as attempt {}", entry.attempt);
    }
    if chosen.is_empty() {
        eprintln!("intellectmoney: no line ended unpaid: nothing to retry");
    }
    Ok(())
}
