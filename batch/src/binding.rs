//! What ties a journal to its batch: the batch file's keyed content digest and every key of the
//! file, recorded once when the batch starts; and the key of the card-number hash it was made
//! with. A journal beside another can be read for both without opening it as a journal, so that
//! a batch (or a key of it) already paid through one journal is not paid again through another.

use crate::journal::JournalError;
use crate::sqlite::{has_journal_tables, meta, SqliteJournal};
use rusqlite::{params, Connection};
use std::path::Path;

/// Which batch file a journal pays: its name as given and a digest of its content as it was
/// checked (HMAC-SHA-256 under the journal's hash key, so that the journal holds nothing from
/// which a card number could be guessed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchId {
    /// The file's name, as given to the run that made the journal.
    pub name: String,
    /// Lowercase hex keyed digest of its bytes ([`keyed_digest`]).
    pub digest: String,
}

impl std::fmt::Display for BatchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (digest {})",
            self.name,
            &self.digest[..self.digest.len().min(12)]
        )
    }
}

/// The keyed digest (HMAC-SHA-256 under `hash_key`, lowercase hex) of `data`: what a journal
/// keeps of its batch file's content.
pub fn keyed_digest(hash_key: &[u8], data: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(hash_key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

impl SqliteJournal {
    /// The batch the journal pays, once bound ([`SqliteJournal::bind`]).
    pub fn batch(&self) -> Result<Option<BatchId>, JournalError> {
        let conn = self.conn();
        batch_of(&conn).map_err(|e| self.storage(e))
    }

    /// Binds the journal to `batch` and its `keys` the first time (in one commit, put in the
    /// main file at once, where [`peek`] reads them; a key that cannot be read fails the whole,
    /// and nothing is written); after that, another batch (another digest) is refused with
    /// [`JournalError::OtherBatch`], naming both.
    pub fn bind(
        &self,
        batch: &BatchId,
        keys: &mut dyn Iterator<Item = Result<String, JournalError>>,
    ) -> Result<(), JournalError> {
        match self.batch()? {
            Some(was) if was.digest == batch.digest => Ok(()),
            Some(was) => Err(JournalError::OtherBatch {
                path: self.path.display().to_string(),
                was: was.to_string(),
                now: batch.to_string(),
            }),
            None => {
                let conn = self.conn();
                let tx = conn.unchecked_transaction().map_err(|e| self.storage(e))?;
                tx.execute(
                    "INSERT INTO meta (name, value) VALUES ('batch_name', ?1), ('batch_digest', ?2)",
                    params![batch.name, batch.digest],
                )
                .map_err(|e| self.storage(e))?;
                {
                    let mut insert = tx
                        .prepare("INSERT OR IGNORE INTO batch_keys (key) VALUES (?1)")
                        .map_err(|e| self.storage(e))?;
                    for key in keys {
                        insert.execute([key?]).map_err(|e| self.storage(e))?;
                    }
                }
                tx.commit().map_err(|e| self.storage(e))?;
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .map_err(|e| self.storage(e))
            }
        }
    }

    /// How many keys of the journal's batch no run has started yet (none for a journal bound
    /// before keys were recorded).
    pub fn unstarted(&self) -> Result<u64, JournalError> {
        let conn = self.conn();
        conn.query_row(
            "SELECT count(*) FROM batch_keys WHERE key NOT IN (SELECT key FROM payouts)",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as u64)
        .map_err(|e| self.storage(e))
    }

    /// Checks that `hash_key` is the key the journal's card-number hashes were made with (the
    /// first call records a keyed check value, never the key); another key is refused with
    /// [`JournalError::HashKey`] rather than turning every card line into a conflict.
    pub fn check_hash_key(&self, hash_key: &[u8]) -> Result<(), JournalError> {
        let check = format!(
            "hmac-sha256:{}",
            keyed_digest(hash_key, b"intellectmoney payout journal: hash key check")
        );
        let conn = self.conn();
        match meta(&conn, "hash_key_check").map_err(|e| self.storage(e))? {
            Some(was) if was == check => Ok(()),
            Some(_) => Err(JournalError::HashKey {
                path: self.path.display().to_string(),
            }),
            None => conn
                .execute(
                    "INSERT INTO meta (name, value) VALUES ('hash_key_check', ?1)",
                    params![check],
                )
                .map(|_| ())
                .map_err(|e| self.storage(e)),
        }
    }
}

fn batch_of(conn: &Connection) -> rusqlite::Result<Option<BatchId>> {
    let name = meta(conn, "batch_name")?;
    let digest = meta(conn, "batch_digest")?;
    Ok(name.zip(digest).map(|(name, digest)| BatchId { name, digest }))
}

/// A journal file read without opening it as a journal: no lock taken, nothing written (a
/// journal in use by a run is read too, from its main file: what `bind` put there).
pub struct Peek {
    conn: Connection,
    /// The batch it is bound to, if it is.
    pub batch: Option<BatchId>,
}

/// Reads the journal at `path`: `Ok(None)` when the file is not an SQLite database or not a
/// journal; an error when it is a journal that cannot be read.
pub fn peek(path: &Path) -> Result<Option<Peek>, JournalError> {
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
    if read.is_err() || &head != b"SQLite format 3\0" {
        return Ok(None);
    }
    let failed = |e: rusqlite::Error| JournalError::NotAJournal {
        path: path.display().to_string(),
        why: format!("it cannot be read beside a run ({e}); try again, or move it away"),
    };
    let Some(text) = path.to_str() else {
        return Ok(None);
    };
    let mut uri = String::from("file:");
    for b in text.bytes() {
        match b {
            b'?' | b'#' | b'%' | 0x80.. => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(b as char),
        }
    }
    uri.push_str("?immutable=1");
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(uri, flags).map_err(failed)?;
    if !has_journal_tables(&conn).map_err(failed)? {
        return Ok(None);
    }
    let batch = batch_of(&conn).map_err(failed)?;
    Ok(Some(Peek { conn, batch }))
}

impl Peek {
    /// Gives every key the journal holds (its batch's, and those it has paid) to `f`, until `f`
    /// returns `false`.
    pub fn each_key(&self, f: &mut dyn FnMut(&str) -> bool) -> Result<(), JournalError> {
        let has_batch_keys: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'batch_keys'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n == 1)
            .map_err(damaged)?;
        let sql = match has_batch_keys {
            true => "SELECT key FROM batch_keys UNION SELECT key FROM payouts",
            false => "SELECT key FROM payouts",
        };
        let mut stmt = self.conn.prepare(sql).map_err(damaged)?;
        let mut rows = stmt.query([]).map_err(damaged)?;
        while let Some(row) = rows.next().map_err(damaged)? {
            let key: String = row.get(0).map_err(damaged)?;
            if !f(&key) {
                break;
            }
        }
        Ok(())
    }
}

fn damaged(e: rusqlite::Error) -> JournalError {
    JournalError::Damaged(format!("a journal beside it cannot be read: {e}"))
}
