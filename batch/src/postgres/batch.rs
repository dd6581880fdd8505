//! What ties a PostgreSQL journal to its batch, as for the SQLite one: the batch file's keyed
//! digest and its keys, recorded once (by the first worker; the others check they pay the same
//! batch), and the check value of the card-number hash's key.

use super::PostgresJournal;
use crate::binding::{keyed_digest, BatchId};
use crate::journal::JournalError;

/// How many keys one insert takes when a batch is bound.
const KEYS_PER_INSERT: usize = 5000;

impl PostgresJournal {
    /// The batch the journal pays, once bound.
    pub async fn batch(&self) -> Result<Option<BatchId>, JournalError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT name, value FROM journal_meta WHERE name IN ('batch_name', 'batch_digest')",
                &[],
            )
            .await
            .map_err(|e| self.storage(e))?;
        let value = |n: &str| {
            rows.iter()
                .find(|r| r.get::<_, &str>(0) == n)
                .map(|r| r.get::<_, String>(1))
        };
        Ok(value("batch_name")
            .zip(value("batch_digest"))
            .map(|(name, digest)| BatchId { name, digest }))
    }

    /// Binds the journal to `batch` and its `keys` the first time (one transaction: a key that
    /// cannot be read fails the whole, and nothing is written; workers binding at once wait for
    /// each other); after that, another batch is refused with [`JournalError::OtherBatch`].
    pub async fn bind(
        &self,
        batch: &BatchId,
        keys: &mut dyn Iterator<Item = Result<String, JournalError>>,
    ) -> Result<(), JournalError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.storage(e))?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ' bind'))",
            &[],
        )
        .await
        .map_err(|e| self.storage(e))?;
        let was = tx
            .query_opt("SELECT value FROM journal_meta WHERE name = 'batch_digest'", &[])
            .await
            .map_err(|e| self.storage(e))?
            .map(|r| r.get::<_, String>(0));
        match was {
            Some(digest) if digest == batch.digest => return Ok(()),
            Some(_) => {
                drop(tx);
                let was = self.batch().await?.map(|b| b.to_string()).unwrap_or_default();
                return Err(JournalError::OtherBatch {
                    path: self.at.shown.clone(),
                    was,
                    now: batch.to_string(),
                });
            }
            None => {}
        }
        tx.execute(
            "INSERT INTO journal_meta (name, value) VALUES ('batch_name', $1), ('batch_digest', $2)",
            &[&batch.name, &batch.digest],
        )
        .await
        .map_err(|e| self.storage(e))?;
        let insert = tx
            .prepare("INSERT INTO batch_keys (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING")
            .await
            .map_err(|e| self.storage(e))?;
        let mut chunk = Vec::with_capacity(KEYS_PER_INSERT);
        for key in keys {
            chunk.push(key?);
            if chunk.len() == KEYS_PER_INSERT {
                tx.execute(&insert, &[&chunk]).await.map_err(|e| self.storage(e))?;
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            tx.execute(&insert, &[&chunk]).await.map_err(|e| self.storage(e))?;
        }
        tx.commit().await.map_err(|e| self.storage(e))
    }

    /// How many keys of the batch no worker has started yet.
    pub async fn unstarted(&self) -> Result<u64, JournalError> {
        let client = self.client().await?;
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM batch_keys b WHERE NOT EXISTS (SELECT 1 FROM payouts p WHERE p.key = b.key)",
                &[],
            )
            .await
            .map_err(|e| self.storage(e))?
            .get(0);
        Ok(n.max(0) as u64)
    }

    /// Checks that `hash_key` is the key the journal's card-number hashes were made with (the
    /// first worker records a keyed check value, never the key); another key is refused with
    /// [`JournalError::HashKey`].
    pub async fn check_hash_key(&self, hash_key: &[u8]) -> Result<(), JournalError> {
        let check = format!(
            "hmac-sha256:{}",
            keyed_digest(hash_key, b"intellectmoney payout journal: hash key check")
        );
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO journal_meta (name, value) VALUES ('hash_key_check', $1) ON CONFLICT (name) DO NOTHING",
                &[&check],
            )
            .await
            .map_err(|e| self.storage(e))?;
        let was: String = client
            .query_one("SELECT value FROM journal_meta WHERE name = 'hash_key_check'", &[])
            .await
            .map_err(|e| self.storage(e))?
            .get(0);
        match was == check {
            true => Ok(()),
            false => Err(JournalError::HashKey {
                path: self.at.shown.clone(),
            }),
        }
    }
}
