//! Which journal a command of `payout-batch` works on (an SQLite file, or a PostgreSQL URL that
//! several workers share), and the guards that keep a batch from
//! being paid through a second journal. Only `run` makes a journal; every other command opens
//! one that exists, is a journal, and belongs to the batch file given. On every start, no other
//! journal beside it or beside the batch file (nor one named with `--also-journal`) may pay this
//! file's content or any of its keys: a key names one payout for ever.

use super::file::{self, Checked};
use intellectmoney::batch::{
    is_postgres_url, keyed_digest, peek, BatchId, Journal, JournalError, PostgresJournal, SqliteJournal, Step,
};
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

/// A journal a command works on: an SQLite file, or a schema on a PostgreSQL server that
/// several workers share.
pub enum Opened {
    /// One file, held by one run.
    Sqlite(SqliteJournal),
    /// On a server, this process one of its workers (or a reader, for `status` and `report`).
    Postgres(Box<PostgresJournal>),
}

impl Opened {
    /// The journal, as the runner takes it.
    pub fn journal(&self) -> &dyn Journal {
        match self {
            Opened::Sqlite(j) => j,
            Opened::Postgres(j) => j.as_ref(),
        }
    }

    /// How many keys of the batch no run has started.
    pub async fn unstarted(&self) -> Result<u64, JournalError> {
        match self {
            Opened::Sqlite(j) => j.unstarted(),
            Opened::Postgres(j) => j.unstarted().await,
        }
    }
}

/// The PostgreSQL URL that `path` is, if it is one (`postgres://…`, `postgresql://…`).
pub fn postgres_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|p| is_postgres_url(p))
}

/// The journal of `path` (a file, or a PostgreSQL URL) for a batch file that passed its check,
/// bound to it, hashing with `hash_key`; or why not (nothing sent).
pub async fn journal(path: &Path, checked: &Checked, hash_key: &[u8], start: &Start) -> Result<Opened, String> {
    let batch = BatchId {
        name: checked.shown.clone(),
        digest: keyed_digest(hash_key, checked.sha256.as_bytes()),
    };
    let also = match start {
        Start::Run { also } => also.as_slice(),
        _ => &[],
    };
    let opened = match postgres_url(path) {
        Some(url) => Opened::Postgres(Box::new(postgres(url, checked, hash_key, (&batch, also), start).await?)),
        None => Opened::Sqlite(sqlite(path, checked, hash_key, (&batch, also), start)?),
    };
    if let Start::Retry { keys, unpaid } = start {
        plan_again(opened.journal(), keys, *unpaid).await?;
    }
    Ok(opened)
}

/// The SQLite journal at `path`, made by `run` when there is none.
fn sqlite(
    path: &Path,
    checked: &Checked,
    hash_key: &[u8],
    (batch, also): (&BatchId, &[PathBuf]),
    start: &Start,
) -> Result<SqliteJournal, String> {
    // Before a journal is made (nothing left behind when refused), and once it is bound: two
    // runs starting at once through two journals see each other then.
    let journal = match start {
        Start::Run { .. } if !path.exists() => {
            guard(Some(path), checked, batch, also)?;
            SqliteJournal::create(path).map_err(|e| e.to_string())?
        }
        _ => SqliteJournal::open_existing(path).map_err(|e| e.to_string())?,
    };
    journal.check_hash_key(hash_key).map_err(|e| e.to_string())?;
    let mut keys = file_keys(checked);
    journal.bind(batch, &mut keys).map_err(other_batch)?;
    guard(Some(path), checked, batch, also)?;
    Ok(journal)
}

/// The PostgreSQL journal at `url`, this process joined as one of its workers; its tables made
/// by `run` when there are none (the first of several workers starting at once makes them).
async fn postgres(
    url: &str,
    checked: &Checked,
    hash_key: &[u8],
    (batch, also): (&BatchId, &[PathBuf]),
    start: &Start,
) -> Result<PostgresJournal, String> {
    // No journal file beside the batch file may pay it (the file's folder; the server holds
    // no files).
    guard(None, checked, batch, also)?;
    let create = matches!(start, Start::Run { .. });
    let journal = PostgresJournal::open(url, create).await.map_err(|e| e.to_string())?;
    let journal = journal.join(None, None).await.map_err(|e| e.to_string())?;
    journal.check_hash_key(hash_key).await.map_err(|e| e.to_string())?;
    let mut keys = file_keys(checked);
    journal.bind(batch, &mut keys).await.map_err(other_batch)?;
    Ok(journal)
}

/// The keys of the batch file, as a journal's `bind` reads them.
fn file_keys(checked: &Checked) -> impl Iterator<Item = Result<String, JournalError>> + '_ {
    file::keys(checked).map(|k| {
        k.map_err(|e| JournalError::Storage {
            path: checked.shown.clone(),
            source: e.into(),
        })
    })
}

/// A refusal to bind, with what to do when the journal pays another batch.
fn other_batch(e: JournalError) -> String {
    match e {
        JournalError::OtherBatch { .. } => format!(
            "{e}. A file changed after its run began is a new batch: put its new or changed lines under new keys in a new file, and run that with a new journal (keys already in this one are refused)"
        ),
        e => e.to_string(),
    }
}

/// No journal beside `path` (in its folder), nor one of `also`, pays the same content or holds a
/// key of the batch. A file beside it that is not a journal is passed over; a journal that
/// cannot be read is a refusal (fail closed).
fn guard(path: Option<&Path>, checked: &Checked, batch: &BatchId, also: &[PathBuf]) -> Result<(), String> {
    let folder_of = |p: &Path| match p.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The journal's folder, and the batch file's: a journal kept beside its file is found even
    // when the new one is made elsewhere.
    let mut folders: Vec<PathBuf> = path.map(folder_of).into_iter().collect();
    let file_folder = folder_of(Path::new(&checked.shown));
    if folders
        .first()
        .is_none_or(|f| std::fs::canonicalize(&file_folder).ok() != std::fs::canonicalize(f).ok())
    {
        folders.push(file_folder);
    }
    let mine = path.and_then(|p| std::fs::canonicalize(p).ok());
    for folder in folders {
        let beside = std::fs::read_dir(&folder)
            .map_err(|e| format!("cannot read the folder {}: {e}", folder.display()))?
            .flatten()
            .map(|e| e.path());
        for other in beside {
            if mine.is_some() && std::fs::canonicalize(&other).ok() == mine {
                continue;
            }
            check_other(&other, checked, batch, false)?;
        }
    }
    for other in also {
        check_other(other, checked, batch, true)?;
    }
    Ok(())
}

/// One other journal: refused when it pays this content or holds a key of this batch.
fn check_other(other: &Path, checked: &Checked, batch: &BatchId, named: bool) -> Result<(), String> {
    let shown = super::shown(other);
    let Some(peeked) = peek(other).map_err(|e| e.to_string())? else {
        return match named {
            true => Err(format!("--also-journal {shown}: not a payout journal")),
            false => Ok(()),
        };
    };
    if peeked.batch.as_ref().is_some_and(|b| b.digest == batch.digest) {
        return Err(format!(
            "{batch} is already paid through the journal {shown}: continue it with `payout-batch resume --journal {shown} {}` (another journal would pay it again); nothing was sent",
            checked.shown
        ));
    }
    let mut clash = None;
    let mut failed = None;
    peeked
        .each_key(&mut |key| match file::has_key(checked, key) {
            Ok(false) => true,
            Ok(true) => {
                clash = Some(key.to_owned());
                false
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        })
        .map_err(|e| e.to_string())?;
    if let Some(e) = failed {
        return Err(e);
    }
    match clash {
        Some(key) => Err(format!(
            "key `{key}` is also in the journal {shown}: a key names one payout, and another journal would pay it again; give this batch's lines new keys; nothing was sent"
        )),
        None => Ok(()),
    }
}

/// `retry`: the keys planned again as new attempts, all or none (a key that may have moved
/// money, or is not over, is refused with every other problem, before anything is written). A
/// key already planned again and not begun (a retry killed part-way) is left as it is; one
/// whose new attempt has begun is not over, and refused.
async fn plan_again(journal: &dyn Journal, keys: &[String], unpaid: bool) -> Result<(), String> {
    let entries = journal.entries().await.map_err(|e| e.to_string())?;
    let mut chosen = Vec::new();
    let mut problems = Vec::new();
    for key in keys {
        match entries.iter().find(|e| &e.key == key) {
            None => problems.push(JournalError::Unknown(key.clone()).to_string()),
            Some(e) if e.attempt > 1 && e.step == Step::Planned => {
                crate::say::err!("intellectmoney: {key}: already planned again (attempt {})", e.attempt)
            }
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
        let seen = entries.iter().find(|e| &e.key == key).map_or(0, |e| e.attempt);
        match journal.retry(key).await {
            Ok(entry) => crate::say::err!("intellectmoney: {key}: planned again as attempt {}", entry.attempt),
            // Another run of a shared journal planned it again meanwhile: done, not refused.
            Err(JournalError::NotRetryable { .. }) if again_since(journal, key, seen).await => {
                crate::say::err!("intellectmoney: {key}: already planned again by another run")
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    if chosen.is_empty() {
        crate::say::err!("intellectmoney: no line ended unpaid: nothing to plan again");
    }
    Ok(())
}

/// Whether `key` has a newer attempt than `seen` now (another run planned it again).
async fn again_since(journal: &dyn Journal, key: &str, seen: u32) -> bool {
    match journal.entries().await {
        Ok(entries) => entries.iter().any(|e| e.key == key && e.attempt > seen),
        Err(_) => false,
    }
}
