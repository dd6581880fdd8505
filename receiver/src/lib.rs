//! Result-URL notifications received once. IntellectMoney POSTs a form to the shop's Result URL
//! each time an invoice changes state, and sends it again until the shop answers HTTP 200 `OK`;
//! behind a load balancer the same notification can reach two instances, twice, and out of
//! order. This crate answers it and hands each event on once:
//!
//! - [`Receiver::accept`] reads the form in its charset, checks its hash with the shop's
//!   SecretKey (an empty key is refused when the receiver is made), records the event in the
//!   [`Inbox`] (durably: a commit on disk), and only then answers `OK`. A refused notification
//!   gets 400 with why (logged, card numbers masked); one that could not be recorded gets 503,
//!   so that IntellectMoney sends it again.
//! - An event is an invoice (the hashed fields the spec names) in a state: one notification of
//!   it is recorded, however many arrive, on however many instances (a unique key on the
//!   invoice, the state and the hash).
//! - [`Receiver::dispatch`] hands each event to the shop's handler, per invoice in the order an
//!   invoice goes through its states (the spec's): an event waits `settle` after it arrived for
//!   one of an earlier state, and one of an earlier state arriving after a later one was handed
//!   on is recorded `superseded`, not handed. A failing handler is called again with a growing
//!   delay; after `max_attempts` the event is `dead` (kept with its last error). One invoice is
//!   handled by one instance at a time.
//!
//! An event is handed on once unless the process dies while its handler runs: then it is handed
//! again once its lease runs out (at least once, never lost). Give the handler the event's
//! [`Event::id`] to make it idempotent.
//!
//! The inbox is an SQLite file for one instance ([`SqliteInbox`]), or PostgreSQL for several
//! (`PostgresInbox`, feature `postgres`).

mod dispatch;
mod inbox;
#[cfg(feature = "postgres")]
mod postgres;
mod receiver;
mod sqlite;

pub use dispatch::Dispatch;
pub use inbox::{Event, EventRecord, Inbox, InboxError, InboxFuture, NewEvent, Recorded, Status};
#[cfg(feature = "postgres")]
pub use postgres::PostgresInbox;
pub use receiver::{Answer, Receiver, ReceiverError};
pub use sqlite::SqliteInbox;
