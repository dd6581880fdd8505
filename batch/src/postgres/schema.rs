//! The PostgreSQL journal's tables, made and brought up to date by versioned migrations, each
//! applied once, in order, in the transaction that records it (`journal_migrations`). A journal
//! migrated by a newer version of this crate is refused, not read.

use super::location::Location;
use crate::journal::JournalError;
use tokio_postgres::Client;

/// The schema versions this crate knows, in order: each one's statements.
const MIGRATIONS: &[(i32, &str)] = &[(1, MIGRATION_1)];

/// The newest schema version this crate writes and reads.
pub const POSTGRES_SCHEMA_VERSION: i32 = 1;

/// Version 1: the SQLite journal's tables (schema 3), amounts as `numeric` and operations as
/// `uuid`, with the claims of several workers: `payouts.claimed_by` is the worker driving the
/// key (none: no one), `workers` every worker that joined, alive while it holds its advisory
/// lock and renews its lease.
const MIGRATION_1: &str = "
CREATE TABLE journal_meta (name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE workers (
    id integer PRIMARY KEY,
    name text NOT NULL,
    started timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz NOT NULL,
    ended timestamptz
);
CREATE TABLE payouts (
    key text PRIMARY KEY,
    method text NOT NULL,
    params text NOT NULL,
    fingerprint text NOT NULL,
    amount numeric NOT NULL,
    currency text NOT NULL,
    step text NOT NULL,
    operation_id uuid,
    message text,
    orphans integer NOT NULL DEFAULT 0,
    attempt integer NOT NULL DEFAULT 1,
    claimed_by integer REFERENCES workers (id),
    updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payouts_claimed ON payouts (claimed_by) WHERE claimed_by IS NOT NULL;
CREATE TABLE operations (
    operation_id uuid PRIMARY KEY,
    key text NOT NULL,
    attempt integer NOT NULL,
    step text NOT NULL,
    message text,
    UNIQUE (key, attempt)
);
CREATE TABLE batch_keys (key text PRIMARY KEY);
";

/// What `prepare` found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// The schema had no journal: made now.
    Made,
    /// A journal, at this version before any migration now.
    Journal(i32),
}

/// Makes the journal's schema (when `create`) or checks it is there, and migrates it to
/// [`POSTGRES_SCHEMA_VERSION`], under a lock that serializes the workers starting at once.
pub(crate) async fn prepare(client: &mut Client, at: &Location, create: bool) -> Result<Found, JournalError> {
    let storage = |e: tokio_postgres::Error| super::storage(at, e);
    let tx = client.transaction().await.map_err(storage)?;
    // Workers that start together wait here for the first to make the tables.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('intellectmoney journal schema'))",
        &[],
    )
    .await
    .map_err(storage)?;
    let has_table = tx
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'journal_migrations'",
            &[&at.schema],
        )
        .await
        .map_err(storage)?
        .get::<_, i64>(0)
        == 1;
    let found = match has_table {
        true => {
            let row = tx
                .query_one("SELECT coalesce(max(version), 0) FROM journal_migrations", &[])
                .await
                .map_err(storage)?;
            Found::Journal(row.get(0))
        }
        false if create => {
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {0}; CREATE TABLE {0}.journal_migrations (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now());",
                at.schema
            ))
            .await
            .map_err(storage)?;
            Found::Made
        }
        false => return Err(JournalError::NotFound { path: at.shown.clone() }),
    };
    let from = match found {
        Found::Made => 0,
        Found::Journal(v) => v,
    };
    if from > POSTGRES_SCHEMA_VERSION {
        return Err(JournalError::Newer {
            path: at.shown.clone(),
            found: from.into(),
            known: POSTGRES_SCHEMA_VERSION.into(),
        });
    }
    for (version, statements) in MIGRATIONS.iter().filter(|(v, _)| *v > from) {
        tx.batch_execute(statements).await.map_err(storage)?;
        tx.execute("INSERT INTO journal_migrations (version) VALUES ($1)", &[version])
            .await
            .map_err(storage)?;
    }
    tx.commit().await.map_err(storage)?;
    Ok(found)
}
