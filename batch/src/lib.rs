//! Payout batches that survive crashes: exactly one payout per key, resumable, with a journal
//! on disk. The generated crate names this crate `intellectmoney::batch` (its feature `batch`).
//!
//! IntellectMoney's Payout API has no idempotency key: each creation makes a new operation. But
//! money moves only on execution, an operation created and never executed moves nothing, and
//! the state of an operation tells whether an execution was received. So a journal that records
//! each step before and after it is taken can always decide what to do next
//! ([`pay_once`]):
//!
//! - `creating` with no operation recorded (the answer was lost, or the process died): the
//!   operation, if any, was never executed; it is created again, and the lost one is counted as
//!   an orphan;
//! - `executing`: the execution may have been sent, so it is never sent again: the operation's
//!   state decides, and one that still reads created is fenced (deleted, then read back; it
//!   ends `deleted`, nothing paid, and `payout-batch retry` pays it anew);
//! - an operation in process or completed is never executed a second time.
//!
//! The journal ([`Journal`]) is a trait, and the runner ([`pay_once`]) is written against it
//! alone; [`SqliteJournal`] keeps it in one SQLite file, needing no server. Card numbers are never stored: the journal keeps a keyed hash of each secret
//! parameter (to tell a changed request under an old key), and the file a batch is run from stays
//! the source of the numbers.
//!
//! A journal shared by several workers (PostgreSQL, each worker claiming rows with
//! `SELECT … FOR UPDATE SKIP LOCKED`) implements the same trait, and must guarantee what this one
//! does: `plan` is atomic per key and refuses another request under it; a recorded step
//! survives the worker's end, and `flush` returns only when every step recorded before it is on
//! disk (a PostgreSQL journal whose commits are synchronous needs no more than the default); and one key is driven by one worker at a time (the row stays claimed from
//! `creating` or `executing` until the step after it is recorded).

mod binding;
mod journal;
#[cfg(feature = "postgres")]
mod postgres;
mod runner;
mod sqlite;
mod syncer;

pub use binding::{keyed_digest, peek, BatchId, Peek};
pub use journal::{Entry, Flushed, Journal, JournalError, JournalFuture, Planned, Step};
#[cfg(feature = "postgres")]
pub use postgres::{
    is_postgres_url, redact, Location, PostgresJournal, DEFAULT_LEASE, DEFAULT_SCHEMA, POSTGRES_SCHEMA_VERSION,
};
pub use runner::{pay_once, planned, BatchError};
pub use sqlite::{Attempt, Durability, SqliteJournal, SCHEMA_VERSION};
