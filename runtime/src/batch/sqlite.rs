//! The embedded journal: one SQLite file (bundled SQLite), in WAL mode with `synchronous=FULL`,
//! so that a step is on disk when `record` returns and survives `kill -9` and a power loss.

use super::journal::{Entry, Journal, JournalError, Planned, Step};
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
    step TEXT NOT NULL,
    operation_id TEXT,
    message TEXT,
    orphans INTEGER NOT NULL DEFAULT 0
);";

/// A journal in one SQLite file. Its connection is behind a lock: the payouts in flight write
/// one at a time (each write is short; SQLite has one writer anyway).
pub struct SqliteJournal {
    conn: Mutex<Connection>,
    path: PathBuf,
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
        let conn = Connection::open(&path).map_err(failed)?;
        // The file's lock is taken now and kept (exclusive locking mode): a run that finds it
        // taken waits a moment, then is refused rather than racing another run on a key.
        conn.busy_timeout(std::time::Duration::from_secs(1)).map_err(failed)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE").map_err(failed)?;
        // WAL with full synchronization: a committed step survives a power loss, not only a
        // killed process.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(failed)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(failed)?;
        conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;").map_err(failed)?;
        conn.execute_batch(SCHEMA).map_err(failed)?;
        let journal = SqliteJournal {
            conn: Mutex::new(conn),
            path,
        };
        journal.check_version()?;
        Ok(journal)
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
        JournalError::Storage {
            path: self.path.display().to_string(),
            source: Box::new(e),
        }
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
            .prepare_cached(
                "SELECT key, method, params, fingerprint, step, operation_id, message, orphans
                 FROM payouts WHERE key = ?1",
            )
            .map_err(|e| self.storage(e))?;
        let row = stmt
            .query_row(params![key], read_row)
            .optional()
            .map_err(|e| self.storage(e))?;
        row.map(into_entry).transpose()
    }
}

/// A row as stored.
type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    u32,
);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn into_entry(row: Row) -> Result<Entry, JournalError> {
    let (key, method, params, fingerprint, step, operation_id, message, orphans) = row;
    let id = match operation_id.as_deref().map(Uuid::parse_str) {
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => return Err(JournalError::Damaged(format!("key `{key}`: operation id: {e}"))),
        None => None,
    };
    let step = Step::from_parts(&step, id, message)
        .ok_or_else(|| JournalError::Damaged(format!("key `{key}`: step `{step}`")))?;
    Ok(Entry {
        key,
        planned: Planned {
            method,
            params,
            fingerprint,
        },
        step,
        orphans,
    })
}

impl Journal for SqliteJournal {
    fn plan(&self, key: &str, planned: &Planned) -> Result<Entry, JournalError> {
        let conn = self.conn();
        if let Some(entry) = self.entry(&conn, key)? {
            if entry.planned.fingerprint != planned.fingerprint {
                return Err(JournalError::Conflict {
                    key: key.to_owned(),
                    was: entry.planned.fingerprint,
                    now: planned.fingerprint.clone(),
                });
            }
            return Ok(entry);
        }
        conn.execute(
            "INSERT INTO payouts (key, method, params, fingerprint, step) VALUES (?1, ?2, ?3, ?4, 'planned')",
            params![key, planned.method, planned.params, planned.fingerprint],
        )
        .map_err(|e| self.storage(e))?;
        Ok(Entry {
            key: key.to_owned(),
            planned: planned.clone(),
            step: Step::Planned,
            orphans: 0,
        })
    }

    fn record(&self, key: &str, step: &Step) -> Result<(), JournalError> {
        let id = step.operation_id().map(|id| id.to_string());
        let changed = self
            .conn()
            .execute(
                "UPDATE payouts SET step = ?2, operation_id = ?3, message = ?4 WHERE key = ?1",
                params![key, step.name(), id, step.message()],
            )
            .map_err(|e| self.storage(e))?;
        if changed == 0 {
            return Err(JournalError::Unknown(key.to_owned()));
        }
        Ok(())
    }

    fn orphan(&self, key: &str) -> Result<(), JournalError> {
        let changed = self
            .conn()
            .execute("UPDATE payouts SET orphans = orphans + 1 WHERE key = ?1", params![key])
            .map_err(|e| self.storage(e))?;
        if changed == 0 {
            return Err(JournalError::Unknown(key.to_owned()));
        }
        Ok(())
    }

    fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT key, method, params, fingerprint, step, operation_id, message, orphans
                 FROM payouts ORDER BY key",
            )
            .map_err(|e| self.storage(e))?;
        let rows = stmt.query_map([], read_row).map_err(|e| self.storage(e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(into_entry(row.map_err(|e| self.storage(e))?)?);
        }
        Ok(out)
    }
}
