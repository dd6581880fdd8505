//! The inbox of one instance: an SQLite file (WAL, `synchronous=FULL`: a recorded event is on
//! disk before `OK` is answered).

use crate::inbox::{
    fields_of, fields_text, now_ms, token, Event, EventRecord, Inbox, InboxError, InboxFuture, NewEvent, Recorded,
    Status,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The schema this version writes and reads.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS inbox_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice TEXT NOT NULL,
    state TEXT NOT NULL,
    rank INTEGER NOT NULL,
    hash TEXT NOT NULL,
    fields TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    received INTEGER NOT NULL,
    UNIQUE (invoice, state, hash)
);
CREATE TABLE IF NOT EXISTS invoices (
    invoice TEXT PRIMARY KEY,
    busy_until INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL DEFAULT 0,
    claim INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO inbox_meta (name, value) VALUES ('schema_version', '1');";

/// An inbox in one SQLite file, for one instance.
pub struct SqliteInbox {
    conn: Mutex<Connection>,
    at: String,
}

impl std::fmt::Debug for SqliteInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteInbox").field("at", &self.at).finish()
    }
}

impl SqliteInbox {
    /// Opens the inbox at `path`, making it when there is none.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteInbox, InboxError> {
        let path = path.as_ref();
        let at = path.display().to_string();
        let storage = |e: rusqlite::Error| InboxError::Storage {
            at: at.clone(),
            why: e.to_string(),
        };
        let conn = Connection::open(path).map_err(storage)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(storage)?;
        // A commit is on disk when it returns: `OK` is answered only then.
        conn.pragma_update(None, "synchronous", "FULL").map_err(storage)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(storage)?;
        // A payout journal is not an inbox: its file is not written into.
        let journal: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'payouts'",
                [],
                |r| r.get(0),
            )
            .map_err(storage)?;
        if journal > 0 {
            return Err(InboxError::Storage {
                at,
                why: "this is a payout journal, not a notification inbox: give the inbox a file of its own".into(),
            });
        }
        conn.execute_batch(SCHEMA).map_err(storage)?;
        let version: i64 = conn
            .query_row("SELECT value FROM inbox_meta WHERE name = 'schema_version'", [], |r| {
                r.get::<_, String>(0)
            })
            .map_err(storage)?
            .parse()
            .unwrap_or(i64::MAX);
        if version > SCHEMA_VERSION {
            return Err(InboxError::Newer {
                at,
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        Ok(SqliteInbox {
            conn: Mutex::new(conn),
            at,
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn storage(&self, e: rusqlite::Error) -> InboxError {
        InboxError::Storage {
            at: self.at.clone(),
            why: e.to_string(),
        }
    }

    fn record_now(&self, e: &NewEvent) -> Result<Recorded, InboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.storage(e))?;
        let id: Option<i64> = tx
            .query_row(
                "INSERT INTO events (invoice, state, rank, hash, fields, received) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (invoice, state, hash) DO NOTHING RETURNING id",
                params![
                    e.invoice,
                    e.state,
                    i64::from(e.rank),
                    e.hash,
                    fields_text(&e.fields),
                    now_ms()
                ],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.storage(e))?;
        tx.execute(
            "INSERT INTO invoices (invoice) VALUES (?1) ON CONFLICT (invoice) DO NOTHING",
            params![e.invoice],
        )
        .map_err(|e| self.storage(e))?;
        tx.commit().map_err(|e| self.storage(e))?;
        Ok(id.map_or(Recorded::Duplicate, Recorded::New))
    }

    fn claim_now(&self, settle: Duration, lease: Duration) -> Result<Option<Event>, InboxError> {
        let now = now_ms();
        let settled = now - settle.as_millis() as i64;
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.storage(e))?;
        let candidates: Vec<String> = {
            let mut stmt = tx.prepare_cached(CANDIDATES).map_err(|e| self.storage(e))?;
            let rows = stmt
                .query_map(params![now, settled], |r| r.get(0))
                .map_err(|e| self.storage(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.storage(e))?
        };
        for invoice in candidates {
            if let Some(mut event) = self.head(&tx, &invoice, settled)? {
                event.claim = token();
                tx.execute(CLAIM, params![invoice, now + lease.as_millis() as i64, event.claim])
                    .map_err(|e| self.storage(e))?;
                tx.commit().map_err(|e| self.storage(e))?;
                return Ok(Some(event));
            }
        }
        tx.commit().map_err(|e| self.storage(e))?;
        Ok(None)
    }

    /// The invoice's first pending event in state order, once events of an earlier state than
    /// one handed on are superseded; `None` when it has none, or it arrived within `settle`.
    fn head(&self, tx: &Transaction<'_>, invoice: &str, settled: i64) -> Result<Option<Event>, InboxError> {
        tx.execute(SUPERSEDE, params![invoice]).map_err(|e| self.storage(e))?;
        let head = tx
            .query_row(HEAD, params![invoice], |r| {
                Ok((
                    Event {
                        id: r.get(0)?,
                        invoice: invoice.to_owned(),
                        state: r.get(1)?,
                        rank: r.get::<_, i64>(2)?.clamp(0, u32::MAX.into()) as u32,
                        fields: fields_of(&r.get::<_, String>(3)?),
                        attempts: r.get::<_, i64>(4)?.max(0) as u32,
                        claim: 0,
                    },
                    r.get::<_, i64>(5)?,
                ))
            })
            .optional()
            .map_err(|e| self.storage(e))?;
        Ok(head.filter(|(_, received)| *received <= settled).map(|(e, _)| e))
    }

    fn finish(&self, event: &Event, status: Status, error: Option<&str>, next_at: i64) -> Result<bool, InboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.storage(e))?;
        let ours = tx
            .execute(RELEASE, params![event.invoice, next_at, event.claim])
            .map_err(|e| self.storage(e))?;
        if ours == 1 {
            tx.execute(FINISH, params![event.id, status.name(), error])
                .map_err(|e| self.storage(e))?;
        }
        tx.commit().map_err(|e| self.storage(e))?;
        Ok(ours == 1)
    }

    fn renew_now(&self, event: &Event, lease: Duration) -> Result<bool, InboxError> {
        let changed = self
            .conn()
            .execute(
                RENEW,
                params![event.invoice, now_ms() + lease.as_millis() as i64, event.claim],
            )
            .map_err(|e| self.storage(e))?;
        Ok(changed == 1)
    }

    fn events_now(&self) -> Result<Vec<EventRecord>, InboxError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, invoice, state, status, attempts, error FROM events ORDER BY id")
            .map_err(|e| self.storage(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(EventRecord {
                    id: r.get(0)?,
                    invoice: r.get(1)?,
                    state: r.get(2)?,
                    status: Status::from_name(&r.get::<_, String>(3)?).unwrap_or(Status::Pending),
                    attempts: r.get::<_, i64>(4)?.max(0) as u32,
                    error: r.get(5)?,
                })
            })
            .map_err(|e| self.storage(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.storage(e))
    }
}

/// An invoice claimed until `?2` under the token `?3`.
pub(crate) const CLAIM: &str = "UPDATE invoices SET busy_until = ?2, claim = ?3 WHERE invoice = ?1";

/// A claim extended to `?2`, if it is still token `?3`'s.
pub(crate) const RENEW: &str = "UPDATE invoices SET busy_until = ?2 WHERE invoice = ?1 AND claim = ?3";

/// A claim let go, the invoice's next attempt at `?2`, if it is still token `?3`'s.
pub(crate) const RELEASE: &str =
    "UPDATE invoices SET busy_until = 0, next_at = ?2, claim = 0 WHERE invoice = ?1 AND claim = ?3";

/// How an event's handing-on ended (only while it is pending: a claim's late answer never
/// undoes another's).
pub(crate) const FINISH: &str =
    "UPDATE events SET status = ?2, attempts = attempts + 1, error = ?3 WHERE id = ?1 AND status = 'pending'";

/// Invoices with an event due and no one handling them, the longest waiting first.
pub(crate) const CANDIDATES: &str = "
SELECT i.invoice FROM invoices i
WHERE i.busy_until <= ?1 AND i.next_at <= ?1
  AND EXISTS (SELECT 1 FROM events e WHERE e.invoice = i.invoice AND e.status = 'pending' AND e.received <= ?2)
ORDER BY (SELECT min(e.received) FROM events e WHERE e.invoice = i.invoice AND e.status = 'pending')
LIMIT 16";

/// Events of an earlier state than one handed on: superseded, never handed on.
pub(crate) const SUPERSEDE: &str = "
UPDATE events SET status = 'superseded'
WHERE invoice = ?1 AND status = 'pending'
  AND rank < (SELECT coalesce(max(rank), -1) FROM events WHERE invoice = ?1 AND status = 'delivered')";

/// An invoice's first pending event, in state order, then as received.
pub(crate) const HEAD: &str = "
SELECT id, state, rank, fields, attempts, received FROM events
WHERE invoice = ?1 AND status = 'pending' ORDER BY rank, received, id LIMIT 1";

impl Inbox for SqliteInbox {
    fn record<'a>(&'a self, event: &'a NewEvent) -> InboxFuture<'a, Recorded> {
        Box::pin(std::future::ready(self.record_now(event)))
    }

    fn claim(&self, settle: Duration, lease: Duration) -> InboxFuture<'_, Option<Event>> {
        Box::pin(std::future::ready(self.claim_now(settle, lease)))
    }

    fn renew<'a>(&'a self, event: &'a Event, lease: Duration) -> InboxFuture<'a, bool> {
        Box::pin(std::future::ready(self.renew_now(event, lease)))
    }

    fn delivered<'a>(&'a self, event: &'a Event) -> InboxFuture<'a, bool> {
        Box::pin(std::future::ready(self.finish(event, Status::Delivered, None, 0)))
    }

    fn failed<'a>(&'a self, event: &'a Event, error: &'a str, retry_after: Option<Duration>) -> InboxFuture<'a, bool> {
        let result = match retry_after {
            Some(after) => self.finish(event, Status::Pending, Some(error), now_ms() + after.as_millis() as i64),
            None => self.finish(event, Status::Dead, Some(error), 0),
        };
        Box::pin(std::future::ready(result))
    }

    fn events(&self) -> InboxFuture<'_, Vec<EventRecord>> {
        Box::pin(std::future::ready(self.events_now()))
    }
}
