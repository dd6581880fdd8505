//! The journal on a PostgreSQL server, shared by several workers (processes on one machine or
//! many) paying one batch. It keeps what the SQLite journal keeps, with the same rules, and one
//! more: a key is driven by one worker at a time. A worker claims a key in `begin` (the row
//! locked `FOR UPDATE` while it decides), keeps it until `release`, and writes each step only
//! while the key is still its own; the key of a worker gone (its connection closed, or its lease
//! run out) is taken over by the next worker that begins it.
//!
//! Every commit is synchronous (`synchronous_commit=on` for the journal's connections): a step
//! is on the server's disk when its write returns, so [`Journal::flush`] has nothing to do.

mod location;
mod schema;
mod worker;

pub use location::{is_postgres_url, redact, Location, DEFAULT_SCHEMA};
pub use schema::POSTGRES_SCHEMA_VERSION;

use crate::journal::{Entry, Journal, JournalError, JournalFuture, Planned, Step};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::time::Duration;
use tokio_postgres::NoTls;
use worker::{alive_sql, Presence};

/// How long a worker's lease lasts when not set: a worker that stops renewing it (frozen, or cut
/// off from the server without its connection closing) is taken over after this long.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// A journal on a PostgreSQL server. Opened as a reader ([`PostgresJournal::open`]) it reads
/// and reports; joined as a worker ([`PostgresJournal::join`]) it claims and pays keys.
pub struct PostgresJournal {
    pool: Pool,
    at: Location,
    presence: Option<Presence>,
}

impl std::fmt::Debug for PostgresJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal")
            .field("at", &self.at)
            .field("worker", &self.presence.as_ref().map(|p| &p.name))
            .finish()
    }
}

/// A driver's error as the journal's, naming the journal without its password.
pub(crate) fn storage(at: &Location, e: tokio_postgres::Error) -> JournalError {
    // The driver's own text of a server's error is "db error": the server's message says why.
    let why = match e.as_db_error() {
        Some(db) => format!("{} ({}): {}", db.severity(), db.code().code(), db.message()),
        None => e.to_string(),
    };
    JournalError::Storage {
        path: at.shown.clone(),
        source: why.into(),
    }
}

impl PostgresJournal {
    /// Opens the journal at `url` (`postgres://user@host/db`, with `schema=NAME` for the schema
    /// of its tables; see [`Location::parse`]), making its tables when `create` and there are
    /// none, migrating them when made by an older version. Refused: no journal there and not
    /// `create` ([`JournalError::NotFound`]); made by a newer version ([`JournalError::Newer`]).
    pub async fn open(url: &str, create: bool) -> Result<PostgresJournal, JournalError> {
        let at = Location::parse(url)?;
        let manager = Manager::from_config(
            at.config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| JournalError::Storage {
                path: at.shown.clone(),
                source: Box::new(e),
            })?;
        let journal = PostgresJournal {
            pool,
            at,
            presence: None,
        };
        let mut client = journal.client().await?;
        schema::prepare(&mut client, &journal.at, create).await?;
        drop(client);
        Ok(journal)
    }

    /// Joins the journal as a worker named `name` (default: host and process id) with a lease of
    /// `lease` ([`DEFAULT_LEASE`]): from now on it claims the keys it begins.
    pub async fn join(mut self, name: Option<&str>, lease: Option<Duration>) -> Result<Self, JournalError> {
        let name = name.map_or_else(worker::default_name, str::to_owned);
        let lease = lease.unwrap_or(DEFAULT_LEASE).max(Duration::from_secs(1));
        self.presence = Some(Presence::join(&self.at, &name, lease).await?);
        Ok(self)
    }

    /// Where the journal is, as it may be shown (no password).
    pub fn location(&self) -> &Location {
        &self.at
    }

    /// This worker's name, once joined.
    pub fn worker_name(&self) -> Option<&str> {
        self.presence.as_ref().map(|p| p.name.as_str())
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, JournalError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => storage(&self.at, e),
            other => JournalError::Storage {
                path: self.at.shown.clone(),
                source: Box::new(other),
            },
        })
    }

    fn storage(&self, e: tokio_postgres::Error) -> JournalError {
        storage(&self.at, e)
    }

    /// This worker's id, or why it cannot write (it never joined, or its lease was lost).
    fn me(&self) -> Result<i32, JournalError> {
        match &self.presence {
            Some(p) => Ok(p.id),
            None => Err(JournalError::Storage {
                path: self.at.shown.clone(),
                source: "the journal was opened to read: join it as a worker to pay (PostgresJournal::join)".into(),
            }),
        }
    }
}

mod batch;
mod claims;
mod entries;

impl Journal for PostgresJournal {
    fn plan<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry> {
        Box::pin(self.plan_unclaimed(key, planned))
    }

    fn begin<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry> {
        Box::pin(self.begin_claimed(key, planned))
    }

    fn record<'a>(&'a self, key: &'a str, step: &'a Step) -> JournalFuture<'a, ()> {
        Box::pin(self.record_claimed(key, step))
    }

    fn orphan<'a>(&'a self, key: &'a str) -> JournalFuture<'a, ()> {
        Box::pin(self.orphan_claimed(key))
    }

    fn retry<'a>(&'a self, key: &'a str) -> JournalFuture<'a, Entry> {
        Box::pin(self.retry_key(key))
    }

    fn release<'a>(&'a self, key: &'a str) -> JournalFuture<'a, ()> {
        Box::pin(self.release_key(key))
    }

    fn each<'a>(&'a self, f: &'a mut (dyn FnMut(Entry) + Send)) -> JournalFuture<'a, ()> {
        Box::pin(self.each_entry(f))
    }
}
