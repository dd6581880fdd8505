//! The embedded journal: one SQLite file (bundled SQLite), in WAL mode with
//! `synchronous=NORMAL`. Every commit survives `kill -9` (it is in the operating system's hands
//! when it returns). `executing`, recorded before the call that moves money, is put on disk by
//! [`Journal::flush`], which the runner awaits before the call: a thread of the journal syncs the
//! write-ahead log, and with it every commit before, for all the payouts waiting at once (group
//! commit). The other steps reach the disk with the next sync: one fsync per payout instead of
//! four (see [`Step::must_be_durable`] for why losing them to a power loss pays no one twice).

use super::journal::{Entry, Flushed, Journal, JournalError, Planned, Step};
use super::syncer::Syncer;
use crate::Uuid;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The schema this version writes and the newest it reads.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payouts (
    key TEXT PRIMARY KEY,
    method TEXT NOT NULL,
    params TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    step TEXT NOT NULL,
    operation_id TEXT,
    message TEXT,
    orphans INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;";

/// A journal in one SQLite file. Its connection is behind a lock: the payouts in flight write
/// one at a time (each write is short; SQLite has one writer anyway). The syncs are shared
/// (group commit): one sync of the log serves every payout waiting for one.
pub struct SqliteJournal {
    conn: Mutex<Connection>,
    syncer: Syncer,
    durability: Durability,
    path: PathBuf,
}

/// How much of the journal is on disk when a write returns. Every write survives a killed
/// process (`kill -9`) either way; the choice is about a power loss or an operating system crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// The step recorded before the call that moves money (`executing`) is on disk before that
    /// call, with every write made before it (the runner awaits [`Journal::flush`]); the other
    /// steps reach the disk with the next such sync. One fsync per payout. A power loss can take back only steps from which
    /// the runner still pays once ([`Step::must_be_durable`]); it can make a report miss an
    /// orphan.
    #[default]
    MoneySteps,
    /// Every write is on disk before it returns: three fsyncs per payout (shared by the payouts
    /// in flight), and a report exact after a power loss too.
    EveryStep,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal").field("path", &self.path).finish()
    }
}

impl SqliteJournal {
    /// Opens the journal at `path`, creating it when it does not exist, and holds it alone
    /// until dropped: a second opener, in this process or another, is refused with
    /// [`JournalError::InUse`], so two runs never drive the same key at once. Refuses a journal
    /// written by a newer version ([`JournalError::Newer`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        let failed = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                JournalError::InUse { path: shown.clone() }
            }
            _ => JournalError::Storage {
                path: shown.clone(),
                source: Box::new(e),
            },
        };
        // SQLite opens a file it cannot write read-only, without a word, and fails at the first
        // write with an unclear error: refuse such a file now.
        if path.exists() {
            if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(&path) {
                return Err(JournalError::ReadOnly {
                    path: shown,
                    reason: e.to_string(),
                });
            }
        }
        let conn = Connection::open(&path).map_err(failed)?;
        // The file's lock is taken now and kept (exclusive locking mode): a run that finds it
        // taken waits a moment, then is refused rather than racing another run on a key.
        conn.busy_timeout(std::time::Duration::from_secs(1)).map_err(failed)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE").map_err(failed)?;
        // WAL: a commit appends to the log, and survives a killed process once it returns. The
        // log is synced by `flush` (and after every write with `Durability::EveryStep`).
        conn.pragma_update(None, "journal_mode", "WAL").map_err(failed)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(failed)?;
        conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;").map_err(failed)?;
        conn.execute_batch(SCHEMA).map_err(failed)?;
        // The schema's commit made the log: it is there, and stays while the journal is open.
        let mut log = path.clone().into_os_string();
        log.push("-wal");
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let syncer = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&log)
            .and_then(|log| Syncer::start(log, &folder))
            .map_err(|e| JournalError::Storage {
                path: shown.clone(),
                source: Box::new(e),
            })?;
        let journal = SqliteJournal {
            conn: Mutex::new(conn),
            syncer,
            durability: Durability::default(),
            path,
        };
        journal.check_version()?;
        Ok(journal)
    }

    /// Sets how much of the journal is on disk when a write returns (default
    /// [`Durability::MoneySteps`]).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Caps the journal's file at about `bytes` (SQLite's `max_page_count`, rounded down to whole
    /// pages, never below what it holds): past it, a write fails as on a full disk, with
    /// [`JournalError::Storage`], and the runner sends nothing that it could not record first.
    pub fn max_size(self, bytes: u64) -> Result<Self, JournalError> {
        {
            let conn = self.conn();
            let page: i64 = conn
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .map_err(|e| self.storage(e))?;
            let pages = (bytes / page.max(1) as u64).max(1);
            // SQLite keeps the larger of this and the pages in use.
            let _: i64 = conn
                .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| r.get(0))
                .map_err(|e| self.storage(e))?;
        }
        Ok(self)
    }

    /// The connection (a panic in another payout's write does not poison it for the rest).
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn storage(&self, e: rusqlite::Error) -> JournalError {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) {
            return JournalError::ReadOnly {
                path: self.path.display().to_string(),
                reason: e.to_string(),
            };
        }
        JournalError::Storage {
            path: self.path.display().to_string(),
            source: Box::new(e),
        }
    }

    /// After a commit: on disk now when every step is to be (the runner flushes the others).
    fn settle(&self) -> Result<(), JournalError> {
        if self.durability == Durability::EveryStep {
            self.syncer.sync_blocking().map_err(|e| self.unsynced(e))?;
        }
        Ok(())
    }

    fn unsynced(&self, reason: String) -> JournalError {
        JournalError::Storage {
            path: self.path.display().to_string(),
            source: format!("cannot put the log on disk: {reason}").into(),
        }
    }

    /// How many times the journal has put its log on disk since it was opened (each sync serves
    /// every payout waiting for one; see [`Step::must_be_durable`]).
    pub fn syncs(&self) -> u64 {
        self.syncer.count()
    }

    /// Writes this version's schema number, or refuses a newer one.
    fn check_version(&self) -> Result<(), JournalError> {
        let conn = self.conn();
        let found: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE name = 'schema_version'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.storage(e))?;
        match found.map(|v| v.parse::<i64>()) {
            None => {
                conn.execute(
                    "INSERT INTO meta (name, value) VALUES ('schema_version', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )
                .map_err(|e| self.storage(e))?;
                Ok(())
            }
            Some(Ok(v)) if v <= SCHEMA_VERSION => Ok(()),
            Some(Ok(v)) => Err(JournalError::Newer {
                path: self.path.display().to_string(),
                found: v,
                known: SCHEMA_VERSION,
            }),
            Some(Err(e)) => Err(JournalError::Damaged(format!("schema_version: {e}"))),
        }
    }

    fn entry(&self, conn: &Connection, key: &str) -> Result<Option<Entry>, JournalError> {
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM payouts WHERE key = ?1"))
            .map_err(|e| self.storage(e))?;
        let row = stmt
            .query_row(params![key], read_row)
            .optional()
            .map_err(|e| self.storage(e))?;
        row.map(into_entry).transpose()
    }
}

impl SqliteJournal {
    /// Runs an update of `key`'s row (an unknown key is an error), then settles it.
    fn update(&self, key: &str, sql: &str, values: impl rusqlite::Params) -> Result<(), JournalError> {
        let changed = self
            .conn()
            .prepare_cached(sql)
            .and_then(|mut update| update.execute(values))
            .map_err(|e| self.storage(e))?;
        if changed == 0 {
            return Err(JournalError::Unknown(key.to_owned()));
        }
        self.settle()
    }
}

/// The columns of an entry, in the order `read_row` takes them.
const COLUMNS: &str = "key, method, params, fingerprint, amount, currency, step, operation_id, message, orphans";

/// A row as stored, before its text is parsed.
struct Row {
    key: String,
    method: String,
    params: String,
    fingerprint: String,
    amount: String,
    currency: String,
    step: String,
    operation_id: Option<String>,
    message: Option<String>,
    orphans: u32,
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        key: r.get(0)?,
        method: r.get(1)?,
        params: r.get(2)?,
        fingerprint: r.get(3)?,
        amount: r.get(4)?,
        currency: r.get(5)?,
        step: r.get(6)?,
        operation_id: r.get(7)?,
        message: r.get(8)?,
        orphans: r.get(9)?,
    })
}

fn into_entry(row: Row) -> Result<Entry, JournalError> {
    let key = row.key;
    let damaged = |what: String| JournalError::Damaged(format!("key `{key}`: {what}"));
    let id = match row.operation_id.as_deref().map(Uuid::parse_str) {
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => return Err(damaged(format!("operation id: {e}"))),
        None => None,
    };
    let amount = row
        .amount
        .parse()
        .map_err(|e| damaged(format!("amount `{}`: {e}", row.amount)))?;
    let step = Step::from_parts(&row.step, id, row.message).ok_or_else(|| damaged(format!("step `{}`", row.step)))?;
    Ok(Entry {
        planned: Planned {
            method: row.method,
            params: row.params,
            fingerprint: row.fingerprint,
            amount,
            currency: row.currency,
        },
        key,
        step,
        orphans: row.orphans,
    })
}

impl SqliteJournal {
    /// `plan`, a new key inserted at `first` (`planned`, or `creating` for `begin`: one write).
    /// Says whether the key was new.
    fn plan_at(&self, key: &str, planned: &Planned, first: &Step) -> Result<(Entry, bool), JournalError> {
        let conn = self.conn();
        if let Some(entry) = self.entry(&conn, key)? {
            if entry.planned.fingerprint != planned.fingerprint {
                return Err(JournalError::Conflict {
                    key: key.to_owned(),
                    was: entry.planned.fingerprint,
                    now: planned.fingerprint.clone(),
                });
            }
            return Ok((entry, false));
        }
        conn.prepare_cached(
            "INSERT INTO payouts (key, method, params, fingerprint, amount, currency, step)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut insert| {
            insert.execute(params![
                key,
                planned.method,
                planned.params,
                planned.fingerprint,
                planned.amount.to_string(),
                planned.currency,
                first.name()
            ])
        })
        .map_err(|e| self.storage(e))?;
        drop(conn);
        self.settle()?;
        let entry = Entry {
            key: key.to_owned(),
            planned: planned.clone(),
            step: Step::Planned,
            orphans: 0,
        };
        Ok((entry, true))
    }
}

impl Journal for SqliteJournal {
    fn plan(&self, key: &str, planned: &Planned) -> Result<Entry, JournalError> {
        Ok(self.plan_at(key, planned, &Step::Planned)?.0)
    }

    fn begin(&self, key: &str, planned: &Planned) -> Result<Entry, JournalError> {
        let (entry, new) = self.plan_at(key, planned, &Step::Creating)?;
        // A new key was inserted as `creating`; one planned before is moved there now.
        if !new && entry.step == Step::Planned {
            self.record(key, &Step::Creating)?;
        }
        Ok(entry)
    }

    fn record(&self, key: &str, step: &Step) -> Result<(), JournalError> {
        let id = step.operation_id().map(|id| id.to_string());
        self.update(
            key,
            "UPDATE payouts SET step = ?2, operation_id = ?3, message = ?4 WHERE key = ?1",
            params![key, step.name(), id, step.message()],
        )
    }

    fn orphan(&self, key: &str) -> Result<(), JournalError> {
        self.update(
            key,
            "UPDATE payouts SET orphans = orphans + 1 WHERE key = ?1",
            params![key],
        )
    }

    fn flush(&self) -> Flushed<'_> {
        Box::pin(async move {
            match self.durability {
                // Every write was synced when it returned.
                Durability::EveryStep => Ok(()),
                _ => self.syncer.sync().await.map_err(|e| self.unsynced(e)),
            }
        })
    }

    fn each(&self, f: &mut dyn FnMut(Entry)) -> Result<(), JournalError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {COLUMNS} FROM payouts ORDER BY key"))
            .map_err(|e| self.storage(e))?;
        let rows = stmt.query_map([], read_row).map_err(|e| self.storage(e))?;
        for row in rows {
            f(into_entry(row.map_err(|e| self.storage(e))?)?);
        }
        Ok(())
    }
}
