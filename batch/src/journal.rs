//! The journal: every payout of a batch under its key, with the step it has reached, written
//! before and after each call, and on disk before the one call that moves money.

use intellectmoney_runtime::Uuid;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// Where a payout is. The runner records each step before the call that takes it
/// (`Creating`, then `Executing` with the created operation's id) and after its answer (a final
/// state), so that after a crash the journal always says what may have happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Known, nothing sent.
    Planned,
    /// A creation was sent (or was about to be); its answer was not recorded.
    Creating,
    /// Created as this operation; not executed: the execution was certainly not sent (no
    /// connection), and the next run sends it. (`pay_once` otherwise goes from `Creating` to
    /// `Executing` with the id in one write.)
    Created(Uuid),
    /// The execution of this operation was sent (or was about to be). It is never sent again:
    /// the operation's state decides, and an operation that still reads created is fenced by a
    /// deletion.
    Executing(Uuid),
    /// Paid.
    Completed(Uuid),
    /// Failed, nothing paid (the operation, when one was created; the API's message).
    Failed {
        /// The operation, when one was created.
        operation_id: Option<Uuid>,
        /// Why.
        message: Option<String>,
    },
    /// Not enough money on the account; nothing paid.
    NotEnoughMoney(Uuid),
    /// Deleted; nothing paid.
    Deleted(Uuid),
    /// The creation answered an operation the journal holds for another key (`owner`): it was
    /// not executed for this key, but it may carry this key's request. Final, and never retried
    /// on its own: check with IntellectMoney by hand which payout the operation is.
    Shared {
        /// The operation.
        operation_id: Uuid,
        /// The key the journal holds it for.
        owner: String,
    },
    /// Executed (or its execution in doubt) and not final when the deadline passed: unsettled.
    /// The next run looks it up again; it is never executed or created again.
    Pending(Uuid),
}

impl Step {
    /// The names of the steps a run ends a line with, in the order a summary lists them.
    pub const ENDS: &'static [&'static str] = &[
        "completed",
        "failed",
        "not_enough_money",
        "deleted",
        "shared",
        "pending",
    ];

    /// The name stored in the journal.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Planned => "planned",
            Step::Creating => "creating",
            Step::Created(_) => "created",
            Step::Executing(_) => "executing",
            Step::Completed(_) => "completed",
            Step::Failed { .. } => "failed",
            Step::NotEnoughMoney(_) => "not_enough_money",
            Step::Deleted(_) => "deleted",
            Step::Pending(_) => "pending",
            Step::Shared { .. } => "shared",
        }
    }

    /// The operation, when one is known.
    pub fn operation_id(&self) -> Option<Uuid> {
        match self {
            Step::Planned | Step::Creating => None,
            Step::Failed { operation_id, .. } => *operation_id,
            Step::Shared { operation_id, .. } => Some(*operation_id),
            Step::Created(id)
            | Step::Executing(id)
            | Step::Completed(id)
            | Step::NotEnoughMoney(id)
            | Step::Deleted(id)
            | Step::Pending(id) => Some(*id),
        }
    }

    /// Whether the payout has ended (nothing more will be sent for it).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Step::Completed(_) | Step::Failed { .. } | Step::NotEnoughMoney(_) | Step::Deleted(_) | Step::Shared { .. }
        )
    }

    /// Whether the payout ended without moving money (failed, not enough money, deleted): the
    /// steps a retry may start again from.
    pub fn moved_no_money(&self) -> bool {
        matches!(self, Step::Failed { .. } | Step::NotEnoughMoney(_) | Step::Deleted(_))
    }

    /// A step from its stored name, operation id and message.
    pub fn from_parts(name: &str, operation_id: Option<Uuid>, message: Option<String>) -> Option<Step> {
        let id = || operation_id;
        Some(match name {
            "planned" => Step::Planned,
            "creating" => Step::Creating,
            "created" => Step::Created(id()?),
            "executing" => Step::Executing(id()?),
            "completed" => Step::Completed(id()?),
            "failed" => Step::Failed { operation_id, message },
            "not_enough_money" => Step::NotEnoughMoney(id()?),
            "deleted" => Step::Deleted(id()?),
            "pending" => Step::Pending(id()?),
            "shared" => Step::Shared {
                operation_id: id()?,
                owner: message?,
            },
            _ => return None,
        })
    }

    /// Whether this step must be on disk (surviving a power loss) before the runner goes on: the
    /// runner awaits [`Journal::flush`] after recording it. Only `Executing`, recorded before the
    /// one call that moves money. Every other
    /// step, lost with the last moments before a power loss, leaves the journal at an earlier
    /// step from which the runner still pays once:
    ///
    /// - `Planned` or `Creating` lost: the key is created again; the operation created before
    ///   (if any) was never executed and moves nothing (it is not counted as an orphan);
    /// - a final step or `Pending` lost: the journal says `Executing`, and the operation's state
    ///   is asked, never executed again: still created, it is fenced (deleted);
    /// - `Failed` of a refused creation lost: created again (the refused one made nothing).
    pub fn must_be_durable(&self) -> bool {
        matches!(self, Step::Executing(_))
    }

    /// The message of a failure; for `Shared`, the key that holds the operation.
    pub fn message(&self) -> Option<&str> {
        match self {
            Step::Failed { message, .. } => message.as_deref(),
            Step::Shared { owner, .. } => Some(owner),
            _ => None,
        }
    }
}

/// What the journal keeps of a payout's request: the method, its parameters as sent with every
/// secret or personal value (a card number, an account) replaced by a keyed hash, and a
/// fingerprint of the whole. No secret is stored in clear; the file the batch is run from stays the source of the card
/// numbers, and the fingerprint tells whether it still says the same for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The spec method that creates it.
    pub method: String,
    /// `Name=value` lines of the parameters, secrets hashed.
    pub params: String,
    /// Lowercase hex SHA-256 of `method` and `params`.
    pub fingerprint: String,
    /// The fingerprint journals of schema 2 and before gave the same request, when it differs
    /// (they kept personal parameters, an account, in clear): a key recorded so is the same
    /// request, and its row is rewritten with the hash. `None` for a journal's own entries.
    pub earlier_fingerprint: Option<String>,
    /// How much it pays (the spec's `payout_amount` parameter), for reports.
    pub amount: intellectmoney_runtime::Decimal,
    /// In which currency (the spec's `payout_currency` parameter, as sent), for reports.
    pub currency: String,
}

/// One payout of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The merchant's key (`seller-1842/2026-W48`), unique in the journal.
    pub key: String,
    /// Its request.
    pub planned: Planned,
    /// Where it is.
    pub step: Step,
    /// Creations whose answer was lost and that were made again: operations that exist, were
    /// never executed, and move no money.
    pub orphans: u32,
    /// Which attempt of the key this is (1, then one more for each retry of a payout that ended
    /// without moving money).
    pub attempt: u32,
}

/// What a journal's method returns: a future of its result. A journal on a server
/// ([`PostgresJournal`](crate::PostgresJournal)) answers over the network, and the payouts in
/// flight go on while it does; the embedded one answers at once (its futures are ready).
pub type JournalFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

/// What [`Journal::flush`] returns.
pub type Flushed<'a> = JournalFuture<'a, ()>;

/// A future that is ready at once with `result`.
pub(crate) fn ready<'a, T: Send + 'a>(result: Result<T, JournalError>) -> JournalFuture<'a, T> {
    Box::pin(std::future::ready(result))
}

/// A journal of payouts, shared by the payouts in flight. Every write survives the process's end
/// (`kill -9`) once it returns; after a step that [must be durable](Step::must_be_durable), the
/// runner awaits [`flush`](Journal::flush), which puts every write made so far on disk (a power
/// loss keeps them), before the call that moves money. A key's request never changes once
/// planned. One key is driven by one task at a time: a journal shared by several processes
/// gives a key to the one whose [`begin`](Journal::begin) claimed it, refuses the others
/// ([`JournalError::Claimed`]) until [`release`](Journal::release), and refuses every write of a
/// process whose claim was taken over ([`JournalError::ClaimLost`]).
pub trait Journal: Send + Sync {
    /// Plans `key` with this request, or returns its entry when the journal has it; a different
    /// request under a known key is [`JournalError::Conflict`], and nothing is written.
    fn plan<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry>;
    /// What the runner calls first for a key: [`plan`](Journal::plan), then, when the key is at
    /// `Planned` (new, or planned before), records `Creating`, since its creation is sent next.
    /// Returns the entry as it was before (a new key: `Planned`). The default makes the two
    /// writes; a journal can make one (the SQLite one inserts a new key as `creating`). A
    /// journal shared by several processes claims the key here, for this process, until
    /// [`release`](Journal::release).
    fn begin<'a>(&'a self, key: &'a str, planned: &'a Planned) -> JournalFuture<'a, Entry> {
        Box::pin(async move {
            let entry = self.plan(key, planned).await?;
            if entry.step == Step::Planned {
                self.record(key, &Step::Creating).await?;
            }
            Ok(entry)
        })
    }
    /// Records the step a payout has reached. `Executing` binds its operation to the key's
    /// attempt: an operation already bound to another key or attempt is refused with
    /// [`JournalError::OperationReused`], and nothing is written.
    fn record<'a>(&'a self, key: &'a str, step: &'a Step) -> JournalFuture<'a, ()>;
    /// Counts a creation whose answer was lost (the runner creates again).
    fn orphan<'a>(&'a self, key: &'a str) -> JournalFuture<'a, ()>;
    /// Plans `key` again as a new attempt, with a new operation: only when its payout ended
    /// without moving money (failed, not enough money, deleted); anything else is
    /// [`JournalError::NotRetryable`]. The ended attempt stays in the journal's history.
    fn retry<'a>(&'a self, key: &'a str) -> JournalFuture<'a, Entry>;
    /// Puts every write made so far on disk. Awaited, not blocking: the payouts in flight go on
    /// meanwhile, and one sync can serve all that wait at once. The default does nothing, for a
    /// journal whose every write is on disk when it returns (a database's synchronous commit).
    fn flush(&self) -> Flushed<'_> {
        ready(Ok(()))
    }
    /// The runner is done with `key` for now (it ended, or stopped where the journal says): a
    /// journal shared by several processes lets another take it. The default does nothing (one
    /// process drives the whole journal).
    fn release<'a>(&'a self, key: &'a str) -> JournalFuture<'a, ()> {
        let _ = key;
        ready(Ok(()))
    }
    /// Gives every entry to `f`, in key order, one at a time (a journal of any size is read in
    /// constant memory).
    fn each<'a>(&'a self, f: &'a mut (dyn FnMut(Entry) + Send)) -> JournalFuture<'a, ()>;
    /// Every entry, in key order.
    fn entries(&self) -> JournalFuture<'_, Vec<Entry>> {
        Box::pin(async move {
            let mut all = Vec::new();
            self.each(&mut |e| all.push(e)).await?;
            Ok(all)
        })
    }
}

/// The parameters in which two planned requests differ, by name (`method` when the methods
/// differ): from the `Name=value` lines a journal keeps of each.
pub fn differing(was: (&str, &str), now: (&str, &str)) -> Vec<String> {
    let lines = |text: &str| -> std::collections::BTreeMap<String, String> {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    };
    if was.0 != now.0 {
        return vec!["method".into()];
    }
    let (a, b) = (lines(was.1), lines(now.1));
    let names: std::collections::BTreeSet<&String> =
        a.keys().chain(b.keys()).filter(|n| a.get(*n) != b.get(*n)).collect();
    names.into_iter().cloned().collect()
}

/// The conflict of `planned` with the request a journal holds for `key` (`entry`), if they
/// differ: what every journal's `plan` refuses.
pub(crate) fn conflict(key: &str, entry: &Entry, planned: &Planned) -> Option<JournalError> {
    if entry.planned.fingerprint == planned.fingerprint {
        return None;
    }
    let fields = differing(
        (&entry.planned.method, &entry.planned.params),
        (&planned.method, &planned.params),
    );
    Some(JournalError::Conflict {
        key: key.to_owned(),
        was: entry.planned.fingerprint.clone(),
        now: planned.fingerprint.clone(),
        fields,
    })
}

/// Why the journal refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The key is known with another request: it is never paid under this one.
    #[error("key `{key}`: planned before with another request (what differs: {}): not paid", fields.join(", "))]
    Conflict {
        /// The key.
        key: String,
        /// The fingerprint recorded.
        was: String,
        /// The fingerprint given now.
        now: String,
        /// The parameters that differ (names only: a card number's value is never shown), or
        /// `method` when the requests are of two methods.
        fields: Vec<String>,
    },
    /// The journal was written by a newer version of this crate, whose steps this one may not
    /// know.
    #[error("the journal {path} has schema version {found}; this version reads up to {known}: upgrade the client")]
    Newer {
        /// The journal.
        path: String,
        /// Its version.
        found: i64,
        /// The newest this crate reads.
        known: i64,
    },
    /// Another run holds the journal: one run at a time drives its keys.
    #[error("the journal {path} is in use by another run: wait for it to end (its payouts are recorded there)")]
    InUse {
        /// The journal.
        path: String,
    },
    /// The journal cannot be written (a read-only file or file system): nothing was sent.
    #[error(
        "the journal {path} cannot be written ({reason}): nothing was sent; make it writable, or use another journal"
    )]
    ReadOnly {
        /// The journal.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// A key the journal does not have.
    #[error("key `{0}` is not in the journal")]
    Unknown(String),
    /// The journal holds something this crate cannot read.
    #[error("the journal is damaged: {0}")]
    Damaged(String),
    /// A new journal was asked for where a file already is.
    #[error("{path} already exists: a new batch needs a new journal (to continue the batch it holds: `resume`)")]
    Exists {
        /// The journal.
        path: String,
    },
    /// No journal at this path: a command that continues a batch never creates one.
    #[error("no journal at {path}: check the path (a new journal is made only by `run`, for a new batch)")]
    NotFound {
        /// The path.
        path: String,
    },
    /// The file is not a journal: empty, truncated, damaged, or another program's.
    #[error("{path} is not a payout journal: {why}; nothing was sent")]
    NotAJournal {
        /// The file.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// A run holding the journal was killed, and its write-ahead log (`<journal>-wal`) is gone
    /// since: the last steps it recorded are lost with it, and paying from what is left could
    /// pay twice.
    #[error("{path} was left open by a run that was killed, and its log {path}-wal is missing: its last steps are lost with it. Put the -wal file back beside it (a journal is the .db file with its -wal and -shm files); nothing was sent")]
    LogLost {
        /// The journal.
        path: String,
    },
    /// The journal belongs to another batch file (another content).
    #[error("the journal {path} belongs to the batch {was}, not {now}: a journal pays one batch file, as it was when its run began; nothing was sent")]
    OtherBatch {
        /// The journal.
        path: String,
        /// The batch it was made for (name and content hash).
        was: String,
        /// The batch given now.
        now: String,
    },
    /// The key of the card-number hash is not the one the journal was made with.
    #[error("the hash key is not the one the journal {path} was made with: give the same --hash-key (INTELLECTMONEY_BATCH_KEY); nothing was sent")]
    HashKey {
        /// The journal.
        path: String,
    },
    /// The server gave an operation id that the journal already holds for a key: it is not
    /// executed for another.
    #[error("operation {operation_id} is already key `{owner}`'s (attempt {attempt}): not executed again for `{key}`")]
    OperationReused {
        /// The key that was being paid.
        key: String,
        /// The operation.
        operation_id: Uuid,
        /// The key it belongs to.
        owner: String,
        /// The attempt of that key.
        attempt: u32,
    },
    /// A retry was asked for a key whose payout may have moved money, or is not over.
    #[error("key `{key}` is {step}: only a payout that ended without moving money (failed, not enough money, deleted) is paid again")]
    NotRetryable {
        /// The key.
        key: String,
        /// Where it is.
        step: String,
    },
    /// Another process of a shared journal is driving the key now: this one leaves it alone
    /// (it is taken over only when that process is gone).
    #[error("key `{key}` is being paid by another worker ({worker}): left to it")]
    Claimed {
        /// The key.
        key: String,
        /// The worker that holds it (its host and process id, as it registered).
        worker: String,
    },
    /// This process's claim on the key was taken over by another (this process was thought
    /// gone: it lost its connection, or stopped answering for longer than its lease): nothing
    /// more is written or sent for the key here; the other process continues it.
    #[error(
        "key `{key}` was taken over by another worker (this one was thought gone): nothing more was sent for it here"
    )]
    ClaimLost {
        /// The key.
        key: String,
    },
    /// The storage failed (a full disk): nothing was sent after it.
    #[error("the journal {path} could not be written or read: {source}")]
    Storage {
        /// The journal.
        path: String,
        /// The storage's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operation_id() {
            Some(id) => write!(f, "{} ({id})", self.name()),
            None => f.write_str(self.name()),
        }
    }
}
