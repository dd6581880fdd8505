//! The inbox: every event received, once, with where its handing-on stands.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// What an inbox's method returns: a future of its result.
pub type InboxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, InboxError>> + Send + 'a>>;

/// An event as received, to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The invoice (the hashed fields that name it, joined by `/`).
    pub invoice: String,
    /// Its state, as sent.
    pub state: String,
    /// The state's place in the order an invoice goes through them (0 first).
    pub rank: u32,
    /// The notification's hash.
    pub hash: String,
    /// The notification's fields as sent, but the form's own secret slot (never stored).
    pub fields: Vec<(String, String)>,
}

/// An event claimed to be handed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its id in the inbox: the same for every delivery of it (an idempotency key).
    pub id: i64,
    /// The invoice.
    pub invoice: String,
    /// Its state, as sent.
    pub state: String,
    /// The state's place in the order.
    pub rank: u32,
    /// The notification's fields, as recorded.
    pub fields: Vec<(String, String)>,
    /// How many times it was handed on before (0 the first time).
    pub attempts: u32,
    /// The claim this instance holds on its invoice: its writes about the event count only
    /// while the claim is still its own.
    pub claim: i64,
}

/// Where an event's handing-on stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Not handed on yet (or to be tried again).
    Pending,
    /// Handed on: the handler succeeded.
    Delivered,
    /// Not handed on: an event of a later state of its invoice was handed on first.
    Superseded,
    /// The handler failed `max_attempts` times: kept, with its last error.
    Dead,
}

impl Status {
    /// The name stored.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Delivered => "delivered",
            Status::Superseded => "superseded",
            Status::Dead => "dead",
        }
    }

    /// A status from its stored name.
    pub fn from_name(name: &str) -> Option<Status> {
        Some(match name {
            "pending" => Status::Pending,
            "delivered" => Status::Delivered,
            "superseded" => Status::Superseded,
            "dead" => Status::Dead,
            _ => return None,
        })
    }
}

/// An event as the inbox keeps it, for reports and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Its id.
    pub id: i64,
    /// The invoice.
    pub invoice: String,
    /// Its state.
    pub state: String,
    /// Where it stands.
    pub status: Status,
    /// Times handed on.
    pub attempts: u32,
    /// The handler's last error.
    pub error: Option<String>,
}

/// What recording an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new event, with its id.
    New(i64),
    /// The same event was recorded before (this notification again, or on another instance).
    Duplicate,
}

/// Why the inbox failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    /// The storage failed: nothing was recorded (the notification is refused, to come again).
    #[error("the inbox {at} could not be written or read: {why}")]
    Storage {
        /// The inbox (a file, or a URL without its password).
        at: String,
        /// What the storage said.
        why: String,
    },
    /// The inbox was made by a newer version of this crate.
    #[error("the inbox {at} has schema version {found}; this version reads up to {known}: upgrade")]
    Newer {
        /// The inbox.
        at: String,
        /// Its version.
        found: i64,
        /// The newest this crate reads.
        known: i64,
    },
}

/// A store of events, shared by the instances that receive notifications.
pub trait Inbox: Send + Sync {
    /// Records `event` unless the same invoice, state and hash is there; on disk when it
    /// returns.
    fn record<'a>(&'a self, event: &'a NewEvent) -> InboxFuture<'a, Recorded>;
    /// Claims the next event to hand on, for `lease`: the first, in state order, of an invoice
    /// no one is handling, received at least `settle` ago and due; events of an earlier state
    /// than one handed on are marked superseded first. `None`: nothing to do now.
    fn claim(&self, settle: Duration, lease: Duration) -> InboxFuture<'_, Option<Event>>;
    /// Extends the claim on the event's invoice by `lease` from now, while its handler runs;
    /// `false` when the claim is no longer this instance's (its lease ran out and another took
    /// it).
    fn renew<'a>(&'a self, event: &'a Event, lease: Duration) -> InboxFuture<'a, bool>;
    /// The handler succeeded: the event is delivered, and its invoice free. `false` (nothing
    /// written) when the claim is no longer this instance's.
    fn delivered<'a>(&'a self, event: &'a Event) -> InboxFuture<'a, bool>;
    /// The handler failed with `error`: tried again after `retry_after`, or, `None`, dead.
    /// `false` (nothing written) when the claim is no longer this instance's.
    fn failed<'a>(&'a self, event: &'a Event, error: &'a str, retry_after: Option<Duration>) -> InboxFuture<'a, bool>;
    /// Every event, in the order received.
    fn events(&self) -> InboxFuture<'_, Vec<EventRecord>>;
}

/// Milliseconds since the Unix epoch: the inbox's clock.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A claim's token: random, never 0 (0 is no claim).
pub(crate) fn token() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(now_ms());
    (h.finish() >> 1).max(1) as i64
}

/// The fields as stored (JSON pairs).
pub(crate) fn fields_text(fields: &[(String, String)]) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "[]".into())
}

/// The fields from their stored text.
pub(crate) fn fields_of(text: &str) -> Vec<(String, String)> {
    serde_json::from_str(text).unwrap_or_default()
}
