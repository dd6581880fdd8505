//! The writes of a worker: a key claimed in `begin` and released when the runner is done with
//! it, each step written only while the claim is this worker's (fenced), and the keys of workers
//! gone found for takeover.

use super::entries::{entry_of, COLUMNS};
use super::{alive_sql, PostgresJournal};
use crate::journal::{conflict, Entry, JournalError, Planned, Step};
use tokio_postgres::Transaction;

/// The steps of a payout that has ended, as SQL: nothing more is written for them.
const ENDED: &str = "'completed', 'failed', 'not_enough_money', 'deleted', 'shared'";

/// A key's row, locked for this transaction, with who holds it.
struct Held {
    entry: Entry,
    /// The worker that claimed it, if one did.
    by: Option<i32>,
    /// That worker's name.
    by_name: Option<String>,
    /// Whether that worker is alive.
    alive: bool,
}

impl PostgresJournal {
    /// `key`'s row, locked until the transaction ends.
    async fn lock(&self, tx: &Transaction<'_>, key: &str) -> Result<Option<Held>, JournalError> {
        let sql = format!(
            "SELECT {COLUMNS}, claimed_by, (SELECT name FROM workers WHERE id = claimed_by), {}
             FROM payouts WHERE key = $1 FOR UPDATE",
            alive_sql("claimed_by")
        );
        let row = tx.query_opt(&sql, &[&key]).await.map_err(|e| self.storage(e))?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Held {
            entry: entry_of(&row)?,
            by: row.get(11),
            by_name: row.get(12),
            alive: row.get::<_, Option<bool>>(13).unwrap_or(false),
        }))
    }

    /// Inserts `key` when new: `creating` and claimed by `claim` when given, else `planned`.
    /// Says whether it was inserted.
    async fn insert(
        &self,
        tx: &Transaction<'_>,
        key: &str,
        planned: &Planned,
        claim: Option<i32>,
    ) -> Result<bool, JournalError> {
        let amount = planned.amount.to_string();
        let step = if claim.is_some() { "creating" } else { "planned" };
        let inserted = tx
            .execute(
                "INSERT INTO payouts (key, method, params, fingerprint, amount, currency, step, claimed_by)
                 VALUES ($1, $2, $3, $4, $5::text::numeric, $6, $7, $8) ON CONFLICT (key) DO NOTHING",
                &[
                    &key,
                    &planned.method,
                    &planned.params,
                    &planned.fingerprint,
                    &amount,
                    &planned.currency,
                    &step,
                    &claim,
                ],
            )
            .await
            .map_err(|e| self.storage(e))?;
        Ok(inserted == 1)
    }

    /// [`Journal::begin`](crate::Journal::begin) for a worker: plans the key (or checks its
    /// request), claims it, and records `creating` when it was planned; refused when a worker
    /// alive holds it ([`JournalError::Claimed`]).
    pub(super) async fn begin_claimed(&self, key: &str, planned: &Planned) -> Result<Entry, JournalError> {
        let me = self.me()?;
        if self.presence.as_ref().is_some_and(|p| p.is_lost()) {
            return Err(JournalError::Storage {
                path: self.at.shown.clone(),
                source: "this worker's lease could not be renewed: it takes no new key".into(),
            });
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        let inserted = self.insert(&tx, key, planned, Some(me)).await?;
        if inserted {
            tx.commit().await.map_err(|e| self.storage(e))?;
            return Ok(Entry {
                key: key.to_owned(),
                planned: planned.clone(),
                step: Step::Planned,
                orphans: 0,
                attempt: 1,
            });
        }
        let held = self
            .lock(&tx, key)
            .await?
            .ok_or_else(|| JournalError::Unknown(key.to_owned()))?;
        let mut entry = held.entry;
        if Some(&entry.planned.fingerprint) == planned.earlier_fingerprint.as_ref() {
            tx.execute(
                "UPDATE payouts SET params = $2, fingerprint = $3 WHERE key = $1",
                &[&key, &planned.params, &planned.fingerprint],
            )
            .await
            .map_err(|e| self.storage(e))?;
            entry.planned.params = planned.params.clone();
            entry.planned.fingerprint = planned.fingerprint.clone();
        }
        if let Some(conflict) = conflict(key, &entry, planned) {
            return Err(conflict);
        }
        // A payout that has ended is not driven: nothing will be written for it, so it is not
        // claimed (a `retry` of it is never kept waiting by a worker passing over it).
        if entry.step.is_final() {
            // A worker gone may have held it when it ended: its claim goes too.
            if held.by.is_some() && !held.alive {
                tx.execute("UPDATE payouts SET claimed_by = NULL WHERE key = $1", &[&key])
                    .await
                    .map_err(|e| self.storage(e))?;
            }
            tx.commit().await.map_err(|e| self.storage(e))?;
            return Ok(entry);
        }
        match held.by {
            Some(other) if other != me && held.alive => {
                return Err(JournalError::Claimed {
                    key: key.to_owned(),
                    worker: held.by_name.unwrap_or_else(|| format!("worker {other}")),
                })
            }
            Some(other) if other != me => {
                tracing::warn!(
                    key,
                    from = held.by_name.as_deref().unwrap_or("?"),
                    "taking over a key from a worker gone"
                );
            }
            _ => {}
        }
        tx.execute(
            "UPDATE payouts SET claimed_by = $2, updated = now(),
                 step = CASE WHEN step = 'planned' THEN 'creating' ELSE step END
             WHERE key = $1",
            &[&key, &me],
        )
        .await
        .map_err(|e| self.storage(e))?;
        tx.commit().await.map_err(|e| self.storage(e))?;
        Ok(entry)
    }

    /// [`Journal::plan`](crate::Journal::plan): plans the key (no claim), or returns its entry.
    pub(super) async fn plan_unclaimed(&self, key: &str, planned: &Planned) -> Result<Entry, JournalError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        self.insert(&tx, key, planned, None).await?;
        tx.commit().await.map_err(|e| self.storage(e))?;
        drop(client);
        let entry = self
            .entry(key)
            .await?
            .ok_or_else(|| JournalError::Unknown(key.to_owned()))?;
        match conflict(key, &entry, planned) {
            Some(conflict) => Err(conflict),
            None => Ok(entry),
        }
    }

    /// [`Journal::record`](crate::Journal::record), fenced: written only while this worker holds
    /// the key ([`JournalError::ClaimLost`] otherwise), in one transaction with the binding of
    /// its operation.
    pub(super) async fn record_claimed(&self, key: &str, step: &Step) -> Result<(), JournalError> {
        let me = self.me()?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        let held = self
            .lock(&tx, key)
            .await?
            .ok_or_else(|| JournalError::Unknown(key.to_owned()))?;
        if held.by != Some(me) {
            return Err(JournalError::ClaimLost { key: key.to_owned() });
        }
        let id = step.operation_id().map(|id| id.to_string());
        if let Step::Executing(_) = step {
            self.lease_holds(&tx, me).await?;
        }
        match (step, &id) {
            (Step::Executing(op), Some(id)) => self.bind_operation(&tx, key, held.entry.attempt, *op, id).await?,
            (s, Some(id)) if s.is_final() || matches!(s, Step::Pending(_)) => {
                tx.execute(
                    "UPDATE operations SET step = $2, message = $3 WHERE operation_id = $1::text::uuid AND key = $4",
                    &[id, &step.name(), &step.message(), &key],
                )
                .await
                .map_err(|e| self.storage(e))?;
            }
            _ => {}
        }
        tx.execute(
            "UPDATE payouts SET step = $2, operation_id = $3::text::uuid, message = $4, updated = now() WHERE key = $1",
            &[&key, &step.name(), &id, &step.message()],
        )
        .await
        .map_err(|e| self.storage(e))?;
        tx.commit().await.map_err(|e| self.storage(e))
    }

    /// Before the step that precedes an execution: this worker's lease has a third of its length
    /// left, so that the execution is sent well before another worker could take the key (one
    /// that does all the same, after a freeze here, finds the key `executing` and only looks it
    /// up: an operation that still reads created is deleted, never executed twice).
    async fn lease_holds(&self, tx: &Transaction<'_>, me: i32) -> Result<(), JournalError> {
        let margin = self.presence.as_ref().map_or(0.0, |p| p.lease.as_secs_f64() / 3.0);
        let holds: bool = tx
            .query_one(
                "SELECT coalesce((SELECT lease_until > now() + make_interval(secs => $2) FROM workers WHERE id = $1), false)",
                &[&me, &margin],
            )
            .await
            .map_err(|e| self.storage(e))?
            .get(0);
        match holds {
            true => Ok(()),
            false => Err(JournalError::Storage {
                path: self.at.shown.clone(),
                source: "this worker's lease is running out (it could not renew it): no execution is sent on it; another worker takes its keys".into(),
            }),
        }
    }

    /// Binds operation `op` to `key`'s attempt; one bound to another key or attempt is refused.
    async fn bind_operation(
        &self,
        tx: &Transaction<'_>,
        key: &str,
        attempt: u32,
        op: intellectmoney_runtime::Uuid,
        id: &str,
    ) -> Result<(), JournalError> {
        let attempt = attempt as i32;
        tx.execute(
            "INSERT INTO operations (operation_id, key, attempt, step) VALUES ($1::text::uuid, $2, $3, 'executing')
             ON CONFLICT DO NOTHING",
            &[&id, &key, &attempt],
        )
        .await
        .map_err(|e| self.storage(e))?;
        let owner = tx
            .query_opt(
                "SELECT key, attempt FROM operations WHERE operation_id = $1::text::uuid",
                &[&id],
            )
            .await
            .map_err(|e| self.storage(e))?
            .map(|r| (r.get::<_, String>(0), r.get::<_, i32>(1)));
        match owner {
            Some((owner, a)) if owner == key && a == attempt => Ok(()),
            Some((owner, a)) => Err(JournalError::OperationReused {
                key: key.to_owned(),
                operation_id: op,
                owner,
                attempt: a.max(0) as u32,
            }),
            None => Err(JournalError::Damaged(format!(
                "key `{key}`: attempt {attempt} is bound to another operation than {op}"
            ))),
        }
    }

    /// [`Journal::orphan`](crate::Journal::orphan), fenced.
    pub(super) async fn orphan_claimed(&self, key: &str) -> Result<(), JournalError> {
        let me = self.me()?;
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE payouts SET orphans = orphans + 1, updated = now() WHERE key = $1 AND claimed_by = $2",
                &[&key, &me],
            )
            .await
            .map_err(|e| self.storage(e))?;
        drop(client);
        match changed {
            1 => Ok(()),
            _ => match self.entry(key).await? {
                Some(_) => Err(JournalError::ClaimLost { key: key.to_owned() }),
                None => Err(JournalError::Unknown(key.to_owned())),
            },
        }
    }

    /// [`Journal::retry`](crate::Journal::retry): an ended payout, whoever held it last.
    pub(super) async fn retry_key(&self, key: &str) -> Result<Entry, JournalError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        let held = self
            .lock(&tx, key)
            .await?
            .ok_or_else(|| JournalError::Unknown(key.to_owned()))?;
        // Only an ended payout is planned again, and an ended payout is never written by the
        // worker that may still hold it (it only lets go): its claim does not matter.
        if !held.entry.step.moved_no_money() {
            return Err(JournalError::NotRetryable {
                key: key.to_owned(),
                step: held.entry.step.to_string(),
            });
        }
        tx.execute(
            "UPDATE payouts SET step = 'planned', operation_id = NULL, message = NULL, attempt = attempt + 1,
                 claimed_by = NULL, updated = now()
             WHERE key = $1",
            &[&key],
        )
        .await
        .map_err(|e| self.storage(e))?;
        tx.commit().await.map_err(|e| self.storage(e))?;
        Ok(Entry {
            step: Step::Planned,
            attempt: held.entry.attempt + 1,
            ..held.entry
        })
    }

    /// [`Journal::release`](crate::Journal::release): the key is no longer this worker's.
    pub(super) async fn release_key(&self, key: &str) -> Result<(), JournalError> {
        let Ok(me) = self.me() else { return Ok(()) };
        let client = self.client().await?;
        client
            .execute(
                "UPDATE payouts SET claimed_by = NULL WHERE key = $1 AND claimed_by = $2",
                &[&key, &me],
            )
            .await
            .map(|_| ())
            .map_err(|e| self.storage(e))
    }

    /// The keys claimed by workers gone (killed, cut off, or past their lease) and not ended: a
    /// worker takes them over by beginning them again. In key order.
    pub async fn abandoned(&self) -> Result<Vec<String>, JournalError> {
        let me = self.presence.as_ref().map_or(-1, |p| p.id);
        let client = self.client().await?;
        // A payout that ended needs no one: a claim a worker gone left on it just goes.
        let ended = format!(
            "UPDATE payouts SET claimed_by = NULL WHERE claimed_by IS NOT NULL AND claimed_by <> $1 AND step IN ({}) AND NOT {}",
            ENDED,
            alive_sql("claimed_by")
        );
        client.execute(&ended, &[&me]).await.map_err(|e| self.storage(e))?;
        let sql = format!(
            "SELECT key FROM payouts WHERE claimed_by IS NOT NULL AND claimed_by <> $1 AND NOT {} ORDER BY key",
            alive_sql("claimed_by")
        );
        let rows = client.query(&sql, &[&me]).await.map_err(|e| self.storage(e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// How many keys workers alive, other than this one, hold now.
    pub async fn held_by_others(&self) -> Result<u64, JournalError> {
        let me = self.presence.as_ref().map_or(-1, |p| p.id);
        let client = self.client().await?;
        let sql = format!(
            "SELECT count(*) FROM payouts WHERE claimed_by IS NOT NULL AND claimed_by <> $1 AND {}",
            alive_sql("claimed_by")
        );
        let n: i64 = client
            .query_one(&sql, &[&me])
            .await
            .map_err(|e| self.storage(e))?
            .get(0);
        Ok(n.max(0) as u64)
    }

    /// The keys being paid now, by worker alive (name and count), this one's included.
    pub async fn in_flight(&self) -> Result<Vec<(String, u64)>, JournalError> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT w.name, count(*) FROM payouts p JOIN workers w ON w.id = p.claimed_by
             WHERE {} GROUP BY w.name ORDER BY w.name",
            alive_sql("p.claimed_by")
        );
        let rows = client.query(&sql, &[]).await.map_err(|e| self.storage(e))?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1).max(0) as u64))
            .collect())
    }

    /// Leaves the journal: every key this worker still holds is released, and it is marked
    /// ended. (A worker that ends without leaving is taken over as soon as its connection closes.)
    pub async fn leave(&self) -> Result<(), JournalError> {
        let Ok(me) = self.me() else { return Ok(()) };
        let client = self.client().await?;
        client
            .execute("UPDATE payouts SET claimed_by = NULL WHERE claimed_by = $1", &[&me])
            .await
            .map_err(|e| self.storage(e))?;
        client
            .execute("UPDATE workers SET ended = now() WHERE id = $1", &[&me])
            .await
            .map(|_| ())
            .map_err(|e| self.storage(e))
    }
}

#[cfg(test)]
mod tests {
    use super::ENDED;
    use crate::journal::Step;

    /// `ENDED` names the steps `Step::is_final` says are final: those a run ends a line with,
    /// but `pending`.
    #[test]
    fn ended_names_every_final_step() {
        let finals: Vec<&str> = Step::ENDS.iter().copied().filter(|n| *n != "pending").collect();
        let listed: Vec<&str> = ENDED.split(", ").map(|n| n.trim_matches('\'')).collect();
        assert_eq!(finals, listed);
        for name in listed {
            let id = intellectmoney_runtime::Uuid::from_u128(1);
            let step = Step::from_parts(name, Some(id), Some("k".into())).unwrap();
            assert!(step.is_final(), "{name}");
        }
    }
}
