//! A worker of a shared journal: registered in `workers`, alive while it holds its advisory lock
//! (released by the server the moment its connection ends: a killed process's lines are taken
//! over at once) and renews its lease (a process frozen, or cut off without its connection
//! closing, is taken over when the lease runs out). Its claims are fenced: every write checks
//! that the key is still claimed by it, so a worker thought gone writes nothing once another
//! has taken its keys.

use super::location::Location;
use crate::journal::JournalError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::{Client, NoTls};

/// The first key of the workers' advisory locks (`pg_try_advisory_lock(WORKER_LOCKS, id)`).
const WORKER_LOCKS: i32 = 0x494D_4A57; // "IMJW"

/// Whether worker `$1` (a column or parameter holding its id) is alive: its lock held in this
/// database, its lease not run out, not ended. SQL text, for the queries that need it.
pub(crate) fn alive_sql(id: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM workers w WHERE w.id = {id} AND w.ended IS NULL AND w.lease_until > now())
          AND EXISTS (SELECT 1 FROM pg_locks l
                      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        AND l.classid = {WORKER_LOCKS}::oid AND l.objid = ({id})::oid))"
    )
}

/// This process's presence: its id and name, the connection that holds its lock, and the task
/// that renews its lease.
pub(crate) struct Presence {
    pub(crate) id: i32,
    pub(crate) name: String,
    /// How long its lease lasts once renewed.
    pub(crate) lease: Duration,
    /// Set when the lease could not be renewed: no new key is claimed.
    pub(crate) lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
    _client: Arc<Client>,
}

impl Drop for Presence {
    fn drop(&mut self) {
        // The connection ends with the last handle on it: the lock goes with it.
        self.renewer.abort();
    }
}

impl Presence {
    /// Registers a worker named `name` with a lease of `lease`, on a connection of its own.
    pub(crate) async fn join(at: &Location, name: &str, lease: Duration) -> Result<Presence, JournalError> {
        let storage = |e: tokio_postgres::Error| super::storage(at, e);
        let (client, connection) = at.config.connect(NoTls).await.map_err(storage)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "the journal's presence connection ended");
            }
        });
        let seconds = lease.as_secs_f64();
        let id = loop {
            // A random id: two journals (schemas) of one database never share a lock.
            let id = (rand_u32() >> 1) as i32;
            let locked: bool = client
                .query_one("SELECT pg_try_advisory_lock($1, $2)", &[&WORKER_LOCKS, &id])
                .await
                .map_err(storage)?
                .get(0);
            if !locked {
                continue;
            }
            let inserted = client
                .execute(
                    "INSERT INTO workers (id, name, lease_until) VALUES ($1, $2, now() + make_interval(secs => $3))
                     ON CONFLICT (id) DO NOTHING",
                    &[&id, &name, &seconds],
                )
                .await
                .map_err(storage)?;
            if inserted == 1 {
                break id;
            }
            client
                .execute("SELECT pg_advisory_unlock($1, $2)", &[&WORKER_LOCKS, &id])
                .await
                .map_err(storage)?;
        };
        let client = Arc::new(client);
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = tokio::spawn(renew(client.clone(), id, lease, lost.clone()));
        Ok(Presence {
            id,
            name: name.to_owned(),
            lease,
            lost,
            renewer,
            _client: client,
        })
    }

    /// Whether the lease could not be renewed (this worker may be thought gone).
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

/// Renews the lease a third of its length before it runs out, until the connection fails.
async fn renew(client: Arc<Client>, id: i32, lease: Duration, lost: Arc<AtomicBool>) {
    let seconds = lease.as_secs_f64();
    loop {
        tokio::time::sleep(lease / 3).await;
        let renewed = client
            .execute(
                "UPDATE workers SET lease_until = now() + make_interval(secs => $2) WHERE id = $1",
                &[&id, &seconds],
            )
            .await;
        if let Err(e) = renewed {
            tracing::warn!(error = %e, worker = id, "the journal lease could not be renewed: no new key is taken");
            lost.store(true, Ordering::SeqCst);
            return;
        }
    }
}

/// A random number from the operating system's hasher seed (no dependency for one number).
fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish() as u32
}

/// This host's name and process id: how a worker is named by default.
pub(crate) fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}
