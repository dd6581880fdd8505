//! The embedded journal: one SQLite file (bundled SQLite), in WAL mode with
//! `synchronous=NORMAL`. Every commit survives `kill -9` (it is in the operating system's hands
//! when it returns). `executing`, recorded before the call that moves money, is put on disk by
//! [`Journal::flush`], which the runner awaits before the call: a thread of the journal syncs the
//! write-ahead log, and with it every commit before, for all the payouts waiting at once (group
//! commit). The other steps reach the disk with the next sync: one fsync per payout instead of
//! four (see [`Step::must_be_durable`] for why losing them to a power loss pays no one twice).

use crate::journal::{ready, Entry, Flushed, Journal, JournalError, JournalFuture, Planned, Step};
use crate::syncer::Syncer;
use intellectmoney_runtime::Uuid;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The schema this version writes and the newest it reads.
pub const SCHEMA_VERSION: i64 = 3;

/// Schema 1's tables. A new journal is made as schema 1 and migrated, in one transaction: the
/// schema is the sum of its migrations, so a migrated journal is the same as a new one.
const SCHEMA_1: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE payouts (
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
) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('schema_version', '1');";

/// From schema 1: attempts, and `operations`, every operation whose execution a key recorded,
/// each under one key and attempt only, so that an id the server gives twice is never executed
/// twice (from a schema-1 journal, the first key of an id is kept).
const MIGRATE_1_TO_2: &str = "
ALTER TABLE payouts ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
CREATE TABLE operations (
    operation_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    step TEXT NOT NULL,
    message TEXT
) WITHOUT ROWID;
INSERT OR IGNORE INTO operations (operation_id, key, attempt, step, message)
    SELECT operation_id, key, 1, step, message FROM payouts
    WHERE operation_id IS NOT NULL AND step NOT IN ('created');
CREATE UNIQUE INDEX operations_attempt ON operations (key, attempt);
CREATE TABLE batch_keys (key TEXT PRIMARY KEY) WITHOUT ROWID;
UPDATE meta SET value = '2' WHERE name = 'schema_version';";

/// From schema 2: messages are stored with card numbers masked. A message written before (a
/// server's failure text, which may quote the card) is masked by [`mask_stored_messages`] in the
/// same transaction.
const MIGRATE_2_TO_3: &str = "UPDATE meta SET value = '3' WHERE name = 'schema_version';";

/// Masks the card numbers in every stored message (schema 2 stored a server's text as given).
fn mask_stored_messages(conn: &Connection) -> rusqlite::Result<()> {
    for table in ["payouts", "operations"] {
        let key = if table == "payouts" { "key" } else { "operation_id" };
        let rows: Vec<(String, String)> = conn
            .prepare(&format!("SELECT {key}, message FROM {table} WHERE message IS NOT NULL"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, message) in rows {
            let masked = intellectmoney_runtime::redact::mask_card_numbers(&message);
            if masked != message {
                conn.execute(
                    &format!("UPDATE {table} SET message = ?1 WHERE {key} = ?2"),
                    rusqlite::params![masked, id],
                )?;
            }
        }
    }
    Ok(())
}

/// Brings a journal of schema `from` to [`SCHEMA_VERSION`], in one transaction.
fn migrate(conn: &Connection, from: i64) -> rusqlite::Result<()> {
    // The messages it masks are zeroed where they stood, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.execute_batch("BEGIN")?;
    let done = (|| {
        if from < 2 {
            conn.execute_batch(MIGRATE_1_TO_2)?;
        }
        if from < 3 {
            mask_stored_messages(conn)?;
            conn.execute_batch(MIGRATE_2_TO_3)?;
        }
        Ok(())
    })();
    match done {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// A journal in one SQLite file. Its connection is behind a lock: the payouts in flight write
/// one at a time (each write is short; SQLite has one writer anyway). The syncs are shared
/// (group commit): one sync of the log serves every payout waiting for one.
pub struct SqliteJournal {
    conn: Mutex<Connection>,
    syncer: Syncer,
    durability: Durability,
    pub(super) path: PathBuf,
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
    /// Opens the journal at `path`, creating it when no file is there, and holds it alone until
    /// dropped (see [`SqliteJournal::open_existing`] for what an existing file must be). A
    /// command that continues a batch uses [`SqliteJournal::open_existing`] instead: a mistyped
    /// path must not start a new journal.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref();
        if path.exists() {
            Self::open_existing(path)
        } else {
            Self::create(path)
        }
    }

    /// Creates a new journal at `path`; a file already there is refused
    /// ([`JournalError::Exists`]), whatever it holds. The journal is made whole under a
    /// temporary name beside it and then linked into place, so that a process killed meanwhile
    /// leaves no empty or half-made journal at `path`.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref();
        let exists = || JournalError::Exists {
            path: path.display().to_string(),
        };
        if path.exists() {
            return Err(exists());
        }
        let mut temporary = path.as_os_str().to_owned();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        temporary.push(format!(".creating-{}-{nanos}", std::process::id()));
        let temporary = PathBuf::from(temporary);
        let made = Connection::open(&temporary)
            .and_then(|conn| {
                conn.execute_batch(SCHEMA_1)?;
                migrate(&conn, 1)?;
                conn.close().map_err(|(_, e)| e)
            })
            .map_err(|e| storage_at(path, e));
        // A link fails where a file is: two runs starting at once do not both make it.
        let linked = made.and_then(|()| match std::fs::hard_link(&temporary, path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
            other => other.map_err(|e| io_at(path, e)),
        });
        let _ = std::fs::remove_file(&temporary);
        linked?;
        Self::open_existing(path)
    }

    /// Opens the journal at `path`, which must be one: refused when there is no file
    /// ([`JournalError::NotFound`]), or when it is empty, not SQLite, truncated, or another
    /// program's database ([`JournalError::NotAJournal`]), written by a newer version
    /// ([`JournalError::Newer`]), or left by a run that was killed and has since lost its
    /// write-ahead log (`-wal`), which held its last steps ([`JournalError::LogLost`]). Held
    /// alone until dropped: a second opener is refused with [`JournalError::InUse`].
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let not_a_journal = |why: String| JournalError::NotAJournal {
            path: shown.clone(),
            why,
        };
        let size = match std::fs::metadata(path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(JournalError::NotFound { path: shown }),
            Err(e) => return Err(io_at(path, e)),
        };
        if size == 0 {
            return Err(not_a_journal("the file is empty".into()));
        }
        // SQLite opens a file it cannot write read-only, without a word, and fails at the first
        // write with an unclear error: refuse such a file now.
        if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(path) {
            return Err(JournalError::ReadOnly {
                path: shown,
                reason: e.to_string(),
            });
        }
        let log_was_there = log_path(path).exists();
        let conn = Self::connect(path)?;
        let version = read_version(&conn).map_err(not_a_journal)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| not_a_journal(format!("damaged ({e})")))?;
        if check != "ok" {
            return Err(not_a_journal(format!("damaged or truncated ({check})")));
        }
        if version > SCHEMA_VERSION {
            return Err(JournalError::Newer {
                path: shown,
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        // The main file says `open` while a run has the journal: found so with no log beside
        // it, the run was killed and the log, with the steps it held, is gone.
        let state = meta(&conn, "state").map_err(|e| storage_at(path, e))?;
        if state.as_deref() == Some("open") && !log_was_there {
            return Err(JournalError::LogLost { path: shown });
        }
        if version < SCHEMA_VERSION {
            migrate(&conn, version).map_err(|e| storage_at(path, e))?;
        }
        Self::start(path, conn)
    }

    /// A connection to the file, its lock taken and kept (exclusive locking mode), in WAL mode.
    /// A run that finds the lock taken waits a moment, then is refused rather than racing
    /// another run on a key.
    fn connect(path: &Path) -> Result<Connection, JournalError> {
        let shown = path.display().to_string();
        let failed = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                JournalError::InUse { path: shown.clone() }
            }
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                JournalError::NotAJournal {
                    path: shown.clone(),
                    why: format!("not a journal, or a damaged one ({e})"),
                }
            }
            _ => storage_at(path, e),
        };
        let conn = Connection::open(path).map_err(failed)?;
        conn.busy_timeout(std::time::Duration::from_secs(1)).map_err(failed)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE").map_err(failed)?;
        // WAL: a commit appends to the log, and survives a killed process once it returns. The
        // log is synced by `flush` (and after every write with `Durability::EveryStep`).
        conn.pragma_update(None, "journal_mode", "WAL").map_err(failed)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(failed)?;
        // What a row held before it was rewritten (a message, an account in clear) is zeroed,
        // not left in free space.
        conn.pragma_update(None, "secure_delete", "ON").map_err(failed)?;
        conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;").map_err(failed)?;
        Ok(conn)
    }

    /// Marks the journal `open` in its main file (a checkpoint puts it there, not only in the
    /// log), and starts the thread that syncs the log.
    fn start(path: &Path, conn: Connection) -> Result<Self, JournalError> {
        conn.execute(
            "INSERT INTO meta (name, value) VALUES ('state', 'open')
             ON CONFLICT (name) DO UPDATE SET value = 'open'",
            [],
        )
        .and_then(|_| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
        .map_err(|e| storage_at(path, e))?;
        // The log is there, and stays while the journal is open.
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let syncer = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(log_path(path))
            .and_then(|log| Syncer::start(log, &folder))
            .map_err(|e| io_at(path, e))?;
        Ok(SqliteJournal {
            conn: Mutex::new(conn),
            syncer,
            durability: Durability::default(),
            path: path.to_path_buf(),
        })
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
    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn storage(&self, e: rusqlite::Error) -> JournalError {
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

/// `<journal>-wal`: the write-ahead log beside the journal.
fn log_path(path: &Path) -> PathBuf {
    let mut log = path.as_os_str().to_owned();
    log.push("-wal");
    PathBuf::from(log)
}

fn storage_at(path: &Path, e: rusqlite::Error) -> JournalError {
    JournalError::Storage {
        path: path.display().to_string(),
        source: Box::new(e),
    }
}

fn io_at(path: &Path, e: std::io::Error) -> JournalError {
    JournalError::Storage {
        path: path.display().to_string(),
        source: Box::new(e),
    }
}

/// A value of the `meta` table.
pub(super) fn meta(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| r.get(0))
        .optional()
}

/// Whether a database has a journal's tables (`meta` and `payouts`).
pub(super) fn has_journal_tables(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'payouts')",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n == 2)
}

/// The schema version of a journal, or why the file is not one.
fn read_version(conn: &Connection) -> Result<i64, String> {
    let damaged = |e: rusqlite::Error| format!("not a journal, or a damaged one ({e})");
    if !has_journal_tables(conn).map_err(damaged)? {
        return Err("an SQLite database, but not a payout journal (no `meta` and `payouts` tables)".into());
    }
    match meta(conn, "schema_version").map_err(damaged)? {
        Some(v) => v.parse().map_err(|e| format!("schema_version `{v}`: {e}")),
        None => Err("a journal without a schema version".into()),
    }
}

/// The columns of an entry, in the order `read_row` takes them.
const COLUMNS: &str =
    "key, method, params, fingerprint, amount, currency, step, operation_id, message, orphans, attempt";

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
    attempt: u32,
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
        attempt: r.get(10)?,
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
            earlier_fingerprint: None,
            amount,
            currency: row.currency,
        },
        key,
        step,
        orphans: row.orphans,
        attempt: row.attempt,
    })
}

impl SqliteJournal {
    /// `plan`, a new key inserted at `first` (`planned`, or `creating` for `begin`: one write).
    /// Says whether the key was new.
    fn plan_at(&self, key: &str, planned: &Planned, first: &Step) -> Result<(Entry, bool), JournalError> {
        let conn = self.conn();
        if let Some(mut entry) = self.entry(&conn, key)? {
            if Some(&entry.planned.fingerprint) == planned.earlier_fingerprint.as_ref() {
                // Planned by an earlier version, its account in clear: the same request, stored
                // now as this version stores it.
                conn.prepare_cached("UPDATE payouts SET params = ?2, fingerprint = ?3 WHERE key = ?1")
                    .and_then(|mut update| update.execute(params![key, planned.params, planned.fingerprint]))
                    .map_err(|e| self.storage(e))?;
                entry.planned.params = planned.params.clone();
                entry.planned.fingerprint = planned.fingerprint.clone();
            }
            if let Some(conflict) = crate::journal::conflict(key, &entry, planned) {
                return Err(conflict);
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
            attempt: 1,
        };
        Ok((entry, true))
    }
}

impl SqliteJournal {
    /// Binds operation `op` to `key`'s current attempt, in the transaction that records its
    /// execution; an operation bound to another key or attempt is refused.
    fn bind_operation(&self, conn: &Connection, key: &str, op: Uuid, id: &str) -> Result<(), JournalError> {
        let attempt: u32 = conn
            .prepare_cached("SELECT attempt FROM payouts WHERE key = ?1")
            .and_then(|mut select| select.query_row([key], |r| r.get(0)).optional())
            .map_err(|e| self.storage(e))?
            .ok_or_else(|| JournalError::Unknown(key.to_owned()))?;
        let owner: Option<(String, u32)> = conn
            .prepare_cached("SELECT key, attempt FROM operations WHERE operation_id = ?1")
            .and_then(|mut select| select.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(|e| self.storage(e))?;
        match owner {
            Some((owner, a)) if owner == key && a == attempt => Ok(()),
            Some((owner, attempt)) => Err(JournalError::OperationReused {
                key: key.to_owned(),
                operation_id: op,
                owner,
                attempt,
            }),
            // (key, attempt) is unique too: one attempt never binds two operations.
            None => conn
                .prepare_cached(
                    "INSERT INTO operations (operation_id, key, attempt, step) VALUES (?1, ?2, ?3, 'executing')",
                )
                .and_then(|mut insert| insert.execute(params![id, key, attempt]))
                .map(|_| ())
                .map_err(|e| self.storage(e)),
        }
    }

    /// Every operation whose execution a key recorded (sent, or maybe sent), in key and attempt
    /// order, with how it ended.
    pub fn operations(&self) -> Result<Vec<Attempt>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT key, attempt, operation_id, step, message FROM operations ORDER BY key, attempt")
            .map_err(|e| self.storage(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })
            .map_err(|e| self.storage(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, attempt, id, step, message) = row.map_err(|e| self.storage(e))?;
            let operation_id =
                Uuid::parse_str(&id).map_err(|e| JournalError::Damaged(format!("operation id `{id}`: {e}")))?;
            out.push(Attempt {
                key,
                attempt,
                operation_id,
                step,
                message,
            });
        }
        Ok(out)
    }
}

impl Drop for SqliteJournal {
    /// Marks the journal closed: a journal found `open` without its log was left by a killed run
    /// whose log is gone ([`JournalError::LogLost`]).
    fn drop(&mut self) {
        let conn = self.conn();
        if let Err(e) = conn.execute("UPDATE meta SET value = 'closed' WHERE name = 'state'", []) {
            tracing::warn!(error = %e, "the journal could not be marked closed");
        }
    }
}

/// One operation of a key's attempt, as the journal's history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The key.
    pub key: String,
    /// Which attempt of the key (1, then one more per retry).
    pub attempt: u32,
    /// The operation whose execution was recorded.
    pub operation_id: Uuid,
    /// The step it ended at (`executing` while not over).
    pub step: String,
    /// Its message, when it failed.
    pub message: Option<String>,
}

/// The journal's own methods answer at once (a local file): what [`Journal`]'s do, without a
/// future. Through the trait, their futures are ready when made.
impl SqliteJournal {
    /// [`Journal::plan`], at once.
    pub fn plan(&self, key: &str, planned: &Planned) -> Result<Entry, JournalError> {
        Ok(self.plan_at(key, planned, &Step::Planned)?.0)
    }

    /// [`Journal::begin`], at once: a new key is inserted as `creating` (one write).
    pub fn begin(&self, key: &str, planned: &Planned) -> Result<Entry, JournalError> {
        let (entry, new) = self.plan_at(key, planned, &Step::Creating)?;
        // A new key was inserted as `creating`; one planned before is moved there now.
        if !new && entry.step == Step::Planned {
            SqliteJournal::record(self, key, &Step::Creating)?;
        }
        Ok(entry)
    }

    /// [`Journal::record`], at once.
    pub fn record(&self, key: &str, step: &Step) -> Result<(), JournalError> {
        let id = step.operation_id().map(|id| id.to_string());
        {
            let conn = self.conn();
            // One commit: an operation bound to a key is never left without the step that says
            // its execution may have been sent.
            let tx = conn.unchecked_transaction().map_err(|e| self.storage(e))?;
            match (step, &id) {
                (Step::Executing(op), Some(id)) => self.bind_operation(&tx, key, *op, id)?,
                // The history of the key's own operation: how it ended.
                (s, Some(id)) if s.is_final() || matches!(s, Step::Pending(_)) => {
                    tx.prepare_cached(
                        "UPDATE operations SET step = ?2, message = ?3 WHERE operation_id = ?1 AND key = ?4",
                    )
                    .and_then(|mut update| update.execute(params![id, step.name(), step.message(), key]))
                    .map_err(|e| self.storage(e))?;
                }
                _ => {}
            }
            let changed = tx
                .prepare_cached("UPDATE payouts SET step = ?2, operation_id = ?3, message = ?4 WHERE key = ?1")
                .and_then(|mut update| update.execute(params![key, step.name(), id, step.message()]))
                .map_err(|e| self.storage(e))?;
            if changed == 0 {
                return Err(JournalError::Unknown(key.to_owned()));
            }
            tx.commit().map_err(|e| self.storage(e))?;
        }
        self.settle()
    }

    /// [`Journal::retry`], at once.
    pub fn retry(&self, key: &str) -> Result<Entry, JournalError> {
        let entry = self
            .entry(&self.conn(), key)?
            .ok_or_else(|| JournalError::Unknown(key.to_owned()))?;
        if !entry.step.moved_no_money() {
            return Err(JournalError::NotRetryable {
                key: key.to_owned(),
                step: entry.step.to_string(),
            });
        }
        self.update(
            key,
            "UPDATE payouts SET step = 'planned', operation_id = NULL, message = NULL, attempt = attempt + 1
             WHERE key = ?1",
            params![key],
        )?;
        Ok(Entry {
            step: Step::Planned,
            attempt: entry.attempt + 1,
            ..entry
        })
    }

    /// [`Journal::orphan`], at once.
    pub fn orphan(&self, key: &str) -> Result<(), JournalError> {
        self.update(
            key,
            "UPDATE payouts SET orphans = orphans + 1 WHERE key = ?1",
            params![key],
        )
    }

    /// [`Journal::each`], at once.
    pub fn each(&self, f: &mut dyn FnMut(Entry)) -> Result<(), JournalError> {
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

    /// [`Journal::entries`], at once.
    pub fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let mut all = Vec::new();
        SqliteJournal::each(self, &mut |e| all.push(e))?;
        Ok(all)
    }
}

impl Journal for SqliteJournal {
    fn plan<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry> {
        ready(SqliteJournal::plan(self, key, planned))
    }

    fn begin<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry> {
        ready(SqliteJournal::begin(self, key, planned))
    }

    fn record<'a>(&'a self, key: &'a str, step: &'a Step) -> JournalFuture<'a, ()> {
        ready(SqliteJournal::record(self, key, step))
    }

    fn orphan<'a>(&'a self, key: &'a str) -> JournalFuture<'a, ()> {
        ready(SqliteJournal::orphan(self, key))
    }

    fn retry<'a>(&'a self, key: &'a str) -> JournalFuture<'a, Entry> {
        ready(SqliteJournal::retry(self, key))
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

    fn each<'a>(&'a self, f: &'a mut (dyn FnMut(Entry) + Send)) -> JournalFuture<'a, ()> {
        ready(SqliteJournal::each(self, &mut |e| f(e)))
    }
}
