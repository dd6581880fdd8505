//! Reading the PostgreSQL journal's entries: a row as an [`Entry`], and every entry in key order,
//! a page at a time.

use super::PostgresJournal;
use crate::journal::{Entry, JournalError, Planned, Step};
use intellectmoney_runtime::Uuid;

/// The columns of an entry, in the order [`entry_of`] reads them.
pub(super) const COLUMNS: &str =
    "key, method, params, fingerprint, amount::text, currency, step, operation_id::text, message, orphans, attempt";

/// How many entries one query reads.
const PAGE: i64 = 1000;

/// An entry from a row of [`COLUMNS`].
pub(super) fn entry_of(row: &tokio_postgres::Row) -> Result<Entry, JournalError> {
    let key: String = row.get(0);
    let damaged = |what: String| JournalError::Damaged(format!("key `{key}`: {what}"));
    let id = match row.get::<_, Option<String>>(7).as_deref().map(Uuid::parse_str) {
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => return Err(damaged(format!("operation id: {e}"))),
        None => None,
    };
    let amount: String = row.get(4);
    let amount = amount.parse().map_err(|e| damaged(format!("amount `{amount}`: {e}")))?;
    let step_name: String = row.get(6);
    let step = Step::from_parts(&step_name, id, row.get(8)).ok_or_else(|| damaged(format!("step `{step_name}`")))?;
    Ok(Entry {
        planned: Planned {
            method: row.get(1),
            params: row.get(2),
            fingerprint: row.get(3),
            earlier_fingerprint: None,
            amount,
            currency: row.get(5),
        },
        step,
        orphans: row.get::<_, i32>(9).max(0) as u32,
        attempt: row.get::<_, i32>(10).max(1) as u32,
        key,
    })
}

impl PostgresJournal {
    /// Gives every entry to `f`, in key order, reading a page of them at a time (constant
    /// memory; a reader beside running workers sees each page as it is then).
    pub async fn each_entry(&self, f: &mut (dyn FnMut(Entry) + Send)) -> Result<(), JournalError> {
        let client = self.client().await?;
        let first = client
            .prepare(&format!("SELECT {COLUMNS} FROM payouts ORDER BY key LIMIT $1"))
            .await
            .map_err(|e| self.storage(e))?;
        let next = client
            .prepare(&format!(
                "SELECT {COLUMNS} FROM payouts WHERE key > $2 ORDER BY key LIMIT $1"
            ))
            .await
            .map_err(|e| self.storage(e))?;
        let mut last: Option<String> = None;
        loop {
            let rows = match &last {
                None => client.query(&first, &[&PAGE]).await,
                Some(after) => client.query(&next, &[&PAGE, after]).await,
            }
            .map_err(|e| self.storage(e))?;
            for row in &rows {
                f(entry_of(row)?);
            }
            match rows.last() {
                Some(row) if rows.len() as i64 == PAGE => last = Some(row.get(0)),
                _ => return Ok(()),
            }
        }
    }

    /// The entry of `key`, if the journal has it.
    pub async fn entry(&self, key: &str) -> Result<Option<Entry>, JournalError> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("SELECT {COLUMNS} FROM payouts WHERE key = $1"), &[&key])
            .await
            .map_err(|e| self.storage(e))?;
        row.as_ref().map(entry_of).transpose()
    }
}
