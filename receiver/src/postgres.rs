//! The inbox shared by several instances: PostgreSQL. Recording is an insert that does nothing
//! when the event is there (two instances recording one notification at once record one
//! event); claiming locks an invoice's row `FOR UPDATE SKIP LOCKED`, so two instances never
//! handle one invoice at a time. Every commit is synchronous.

use crate::inbox::{
    fields_of, fields_text, token, Event, EventRecord, Inbox, InboxError, InboxFuture, NewEvent, Recorded, Status,
};
use crate::sqlite::{CANDIDATES, CLAIM, FINISH, HEAD, RELEASE, RENEW, SUPERSEDE};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::time::Duration;
use tokio_postgres::NoTls;

/// The schema this version writes and reads.
const SCHEMA_VERSION: i32 = 1;

const SCHEMA: &str = "
CREATE TABLE inbox_migrations (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now());
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    invoice text NOT NULL,
    state text NOT NULL,
    rank bigint NOT NULL,
    hash text NOT NULL,
    fields text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    attempts bigint NOT NULL DEFAULT 0,
    error text,
    received bigint NOT NULL,
    UNIQUE (invoice, state, hash)
);
CREATE TABLE invoices (
    invoice text PRIMARY KEY,
    busy_until bigint NOT NULL DEFAULT 0,
    next_at bigint NOT NULL DEFAULT 0,
    claim bigint NOT NULL DEFAULT 0
);
INSERT INTO inbox_migrations (version) VALUES (1);";

/// An inbox on a PostgreSQL server, shared by the instances that receive notifications.
pub struct PostgresInbox {
    pool: Pool,
    at: String,
}

impl std::fmt::Debug for PostgresInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresInbox").field("at", &self.at).finish()
    }
}

/// The server's clock in milliseconds: every instance of a shared inbox reads the same one.
const NOW_MS: &str = "SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint";

/// SQL written for SQLite (`?1`) as PostgreSQL takes it (`$1`).
fn pg(sql: &str) -> String {
    sql.replace('?', "$")
}

impl PostgresInbox {
    /// Opens the inbox at `url` (`postgres://user@host/db?schema=NAME`, the schema of its tables;
    /// default `intellectmoney_inbox`), making its tables when there are none. The password is
    /// never shown.
    pub async fn open(url: &str) -> Result<PostgresInbox, InboxError> {
        let at = intellectmoney_runtime::redact::url_password(url);
        let storage = |why: String| InboxError::Storage { at: at.clone(), why };
        let (base, schema) = split_schema(url).map_err(storage)?;
        let mut config: tokio_postgres::Config = base
            .parse()
            .map_err(|e| storage(format!("not a PostgreSQL URL ({e})")))?;
        config.options(format!("-c synchronous_commit=on -c search_path={schema}"));
        // The password may come from the environment, as libpq reads it (not on the command line).
        if config.get_password().is_none() {
            if let Ok(password) = std::env::var("PGPASSWORD") {
                config.password(password);
            }
        }
        config.application_name("intellectmoney notification inbox");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| storage(e.to_string()))?;
        let inbox = PostgresInbox { pool, at: at.clone() };
        inbox.prepare(&schema).await?;
        Ok(inbox)
    }

    async fn prepare(&self, schema: &str) -> Result<(), InboxError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('intellectmoney inbox schema'))",
            &[],
        )
        .await
        .map_err(|e| self.storage(e))?;
        let exists: i64 = tx
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'inbox_migrations'",
                &[&schema],
            )
            .await
            .map_err(|e| self.storage(e))?
            .get(0);
        if exists == 0 {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .map_err(|e| self.storage(e))?;
            tx.batch_execute(SCHEMA).await.map_err(|e| self.storage(e))?;
        }
        let version: i32 = tx
            .query_one("SELECT coalesce(max(version), 0) FROM inbox_migrations", &[])
            .await
            .map_err(|e| self.storage(e))?
            .get(0);
        if version > SCHEMA_VERSION {
            return Err(InboxError::Newer {
                at: self.at.clone(),
                found: version.into(),
                known: SCHEMA_VERSION.into(),
            });
        }
        tx.commit().await.map_err(|e| self.storage(e))
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, InboxError> {
        self.pool.get().await.map_err(|e| InboxError::Storage {
            at: self.at.clone(),
            why: e.to_string(),
        })
    }

    fn storage(&self, e: tokio_postgres::Error) -> InboxError {
        let why = match e.as_db_error() {
            Some(db) => format!("{} ({}): {}", db.severity(), db.code().code(), db.message()),
            None => e.to_string(),
        };
        InboxError::Storage {
            at: self.at.clone(),
            why,
        }
    }

    async fn record_now(&self, e: &NewEvent) -> Result<Recorded, InboxError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        let now: i64 = tx.query_one(NOW_MS, &[]).await.map_err(|e| self.storage(e))?.get(0);
        let row = tx
            .query_opt(
                "INSERT INTO events (invoice, state, rank, hash, fields, received) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (invoice, state, hash) DO NOTHING RETURNING id",
                &[
                    &e.invoice,
                    &e.state,
                    &i64::from(e.rank),
                    &e.hash,
                    &fields_text(&e.fields),
                    &now,
                ],
            )
            .await
            .map_err(|e| self.storage(e))?;
        tx.execute(
            "INSERT INTO invoices (invoice) VALUES ($1) ON CONFLICT (invoice) DO NOTHING",
            &[&e.invoice],
        )
        .await
        .map_err(|e| self.storage(e))?;
        tx.commit().await.map_err(|e| self.storage(e))?;
        Ok(row.map_or(Recorded::Duplicate, |r| Recorded::New(r.get(0))))
    }

    async fn claim_now(&self, settle: Duration, lease: Duration) -> Result<Option<Event>, InboxError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        let now: i64 = tx.query_one(NOW_MS, &[]).await.map_err(|e| self.storage(e))?.get(0);
        let settled = now - settle.as_millis() as i64;
        // Two instances never take one invoice: its row stays locked until this commits, and
        // is busy until the handler's end (or the lease's).
        let candidates = tx
            .query(
                &format!("{} FOR UPDATE OF i SKIP LOCKED", pg(CANDIDATES)),
                &[&now, &settled],
            )
            .await
            .map_err(|e| self.storage(e))?;
        for row in candidates {
            let invoice: String = row.get(0);
            tx.execute(&pg(SUPERSEDE), &[&invoice])
                .await
                .map_err(|e| self.storage(e))?;
            let head = tx
                .query_opt(&pg(HEAD), &[&invoice])
                .await
                .map_err(|e| self.storage(e))?;
            let Some(head) = head.filter(|h| h.get::<_, i64>(5) <= settled) else {
                continue;
            };
            let claim = token();
            tx.execute(&pg(CLAIM), &[&invoice, &(now + lease.as_millis() as i64), &claim])
                .await
                .map_err(|e| self.storage(e))?;
            tx.commit().await.map_err(|e| self.storage(e))?;
            return Ok(Some(Event {
                id: head.get(0),
                invoice,
                state: head.get(1),
                rank: head.get::<_, i64>(2).clamp(0, u32::MAX.into()) as u32,
                fields: fields_of(&head.get::<_, String>(3)),
                attempts: head.get::<_, i64>(4).max(0) as u32,
                claim,
            }));
        }
        tx.commit().await.map_err(|e| self.storage(e))?;
        Ok(None)
    }

    /// `next_in`: the next attempt, in milliseconds from now on the server's clock (0: at once).
    async fn finish(
        &self,
        event: &Event,
        status: Status,
        error: Option<&str>,
        next_in: i64,
    ) -> Result<bool, InboxError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        let now: i64 = tx.query_one(NOW_MS, &[]).await.map_err(|e| self.storage(e))?.get(0);
        let next_at = if next_in > 0 { now + next_in } else { 0 };
        let ours = tx
            .execute(&pg(RELEASE), &[&event.invoice, &next_at, &event.claim])
            .await
            .map_err(|e| self.storage(e))?;
        if ours == 1 {
            tx.execute(&pg(FINISH), &[&event.id, &status.name(), &error])
                .await
                .map_err(|e| self.storage(e))?;
        }
        tx.commit().await.map_err(|e| self.storage(e))?;
        Ok(ours == 1)
    }

    async fn renew_now(&self, event: &Event, lease: Duration) -> Result<bool, InboxError> {
        let client = self.client().await?;
        let now: i64 = client.query_one(NOW_MS, &[]).await.map_err(|e| self.storage(e))?.get(0);
        let changed = client
            .execute(
                &pg(RENEW),
                &[&event.invoice, &(now + lease.as_millis() as i64), &event.claim],
            )
            .await
            .map_err(|e| self.storage(e))?;
        Ok(changed == 1)
    }

    async fn events_now(&self) -> Result<Vec<EventRecord>, InboxError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, invoice, state, status, attempts, error FROM events ORDER BY id",
                &[],
            )
            .await
            .map_err(|e| self.storage(e))?;
        Ok(rows
            .iter()
            .map(|r| EventRecord {
                id: r.get(0),
                invoice: r.get(1),
                state: r.get(2),
                status: Status::from_name(r.get(3)).unwrap_or(Status::Pending),
                attempts: r.get::<_, i64>(4).max(0) as u32,
                error: r.get(5),
            })
            .collect())
    }
}

/// The URL without the project's `schema=` parameter, and the schema.
fn split_schema(url: &str) -> Result<(String, String), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), "intellectmoney_inbox".into()));
    };
    let mut schema = "intellectmoney_inbox".to_owned();
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("schema", name)) => schema = name.to_owned(),
            _ => rest.push(pair),
        }
    }
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(format!(
            "schema `{schema}`: 1 to 63 lowercase letters, digits and `_`, not starting with a digit"
        ));
    }
    match rest.is_empty() {
        true => Ok((base.to_owned(), schema)),
        false => Ok((format!("{base}?{}", rest.join("&")), schema)),
    }
}

impl Inbox for PostgresInbox {
    fn record<'a>(&'a self, event: &'a NewEvent) -> InboxFuture<'a, Recorded> {
        Box::pin(self.record_now(event))
    }

    fn claim(&self, settle: Duration, lease: Duration) -> InboxFuture<'_, Option<Event>> {
        Box::pin(self.claim_now(settle, lease))
    }

    fn renew<'a>(&'a self, event: &'a Event, lease: Duration) -> InboxFuture<'a, bool> {
        Box::pin(self.renew_now(event, lease))
    }

    fn delivered<'a>(&'a self, event: &'a Event) -> InboxFuture<'a, bool> {
        Box::pin(self.finish(event, Status::Delivered, None, 0))
    }

    fn failed<'a>(&'a self, event: &'a Event, error: &'a str, retry_after: Option<Duration>) -> InboxFuture<'a, bool> {
        Box::pin(async move {
            match retry_after {
                Some(after) => {
                    let wait = (after.as_millis() as i64).max(1);
                    self.finish(event, Status::Pending, Some(error), wait).await
                }
                None => self.finish(event, Status::Dead, Some(error), 0).await,
            }
        })
    }

    fn events(&self) -> InboxFuture<'_, Vec<EventRecord>> {
        Box::pin(self.events_now())
    }
}
