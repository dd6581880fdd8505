//! One payout of a batch, at most once: each step is recorded before the call that takes it and
//! after its answer, and a payout picked up again continues from what the journal and the API
//! say, never executing an operation twice nor a second operation for a key.

use crate::journal::{Journal, JournalError, Planned, Step};
use intellectmoney_runtime::api::{Api, PayoutApi, PayoutRequest};
use intellectmoney_runtime::client::{
    AttemptFailure, Client, Error, PayoutOutcome, PollPolicy, RetryDecision, RetryPolicy, Settling,
};
use intellectmoney_runtime::{RequestError, Uuid, WireParam};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// Why a payout of a batch stopped before a final step. The journal says where it is; running
/// the batch again continues it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError<A: Api> {
    /// The journal refused (a conflict) or failed: nothing was sent after it.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A call failed and left the payout where the journal says (a lost creation stays
    /// `creating`: the next run creates again and counts an orphan).
    #[error(transparent)]
    Call(#[from] Error<A>),
}

impl<A: Api> BatchError<A> {
    /// The operation to look up, when the payout stopped unsettled after its execution was sent.
    pub fn unsettled_operation(&self) -> Option<Uuid> {
        match self {
            BatchError::Call(Error::Unsettled { operation_id, .. }) => *operation_id,
            _ => None,
        }
    }
}

/// What the journal keeps of `request`: its parameters as sent, each of the API's secret and
/// personal parameters replaced by its HMAC-SHA-256 under `hash_key`, their fingerprint, and its
/// amount and currency. Checks the request first (a request the client would refuse is not
/// planned).
pub fn planned<A: PayoutApi, R: PayoutRequest<A>>(request: &R, hash_key: &[u8]) -> Result<Planned, RequestError> {
    request.validate()?;
    let api = (<R::Api as Api>::SECRET_FIELDS, <R::Api as Api>::PERSONAL_FIELDS);
    // The session's token is not part of the request: it is sent empty here and left out.
    let wire = request.wire_params(Some(""))?;
    let params = params_text(&wire, hash_key, |name| api.0.contains(&name) || api.1.contains(&name));
    // Before schema 3, personal parameters were kept in clear.
    let earlier = params_text(&wire, hash_key, |name| api.0.contains(&name));
    let method = R::METHOD.name.to_owned();
    let fingerprint = fingerprint_of(&method, &params);
    let earlier_fingerprint = (earlier != params).then(|| fingerprint_of(&method, &earlier));
    Ok(Planned {
        method,
        params,
        fingerprint,
        earlier_fingerprint,
        amount: request.amount(),
        currency: request.currency(),
    })
}

/// `Name=value` lines of the parameters given, those `hashed` says replaced by their keyed hash.
fn params_text(wire: &[WireParam], hash_key: &[u8], hashed: impl Fn(&str) -> bool) -> String {
    let mut lines = Vec::new();
    for p in wire {
        let value = p.value.as_str();
        if value.is_empty() {
            continue;
        }
        if hashed(p.name) {
            lines.push(format!("{}=hmac-sha256:{}", p.name, keyed_hash(hash_key, value)));
        } else {
            lines.push(format!("{}={value}", p.name));
        }
    }
    lines.join("\n")
}

fn fingerprint_of(method: &str, params: &str) -> String {
    hex(&Sha256::digest(format!("{method}\n{params}").as_bytes()))
}

fn keyed_hash(key: &[u8], value: &str) -> String {
    crate::binding::keyed_digest(key, value.as_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One payout being driven: its client, journal and key, and how long its polling may take.
struct Drive<'a, A: Api> {
    client: &'a Client<A>,
    journal: &'a dyn Journal,
    key: &'a str,
    poll: PollPolicy,
    end: Instant,
}

impl<A: PayoutApi> Drive<'_, A> {
    /// Records `step`; one that must be durable is on disk when this returns.
    async fn record(&self, step: &Step) -> Result<(), JournalError> {
        self.journal.record(self.key, step).await?;
        if step.must_be_durable() {
            self.journal.flush().await?;
        }
        Ok(())
    }
}

/// The step a payout outcome is recorded as.
fn step_of<S>(outcome: PayoutOutcome<S>) -> Step {
    match outcome {
        PayoutOutcome::Completed { operation_id } => Step::Completed(operation_id),
        PayoutOutcome::Failed {
            operation_id,
            error_message,
        } => Step::Failed {
            operation_id: Some(operation_id),
            message: error_message,
        },
        PayoutOutcome::NotEnoughMoney { operation_id } => Step::NotEnoughMoney(operation_id),
        PayoutOutcome::Deleted { operation_id } => Step::Deleted(operation_id),
        PayoutOutcome::Pending { operation_id, .. } => Step::Pending(operation_id),
        // An outcome this crate does not know yet is not taken as final: looked up again.
        other => Step::Pending(other.operation_id()),
    }
}

/// Pays `request` under `key` at most once, whatever happened to earlier runs: plans it in
/// the journal (a different request under a known key is refused), then takes each step
/// the journal says is next, recording it before and after the call. Returns the step
/// reached: a final one, or `Pending` when `poll.deadline` passed with the payout unsettled
/// (run again later: it is looked up, never executed again).
///
/// The rules, for every path (a lost answer, a crash, a new login, a run again):
/// - an operation is executed at most once: `executing` is on disk before its execution is
///   sent, and a payout found `executing` or `pending` is only looked up. One that still
///   reads created is fenced: deleted, then read back; it ends `deleted`, nothing paid;
/// - a key has at most one executed operation: an operation id the journal holds for another
///   key or attempt is never executed (the line ends [`Step::Shared`], to be checked by
///   hand), and a new attempt is made only by [`Journal::retry`] of a payout that ended
///   without moving money;
/// - a creation whose answer was lost is made again by the next run (its operation, never
///   executed, is counted as an orphan).
///
/// `hash_key` keys the hash that stands for secret parameters (card numbers) in the journal:
/// keep it the same for a batch, or its keys no longer match their requests. The journal's
/// writes are made on the calling task; one per payout, `executing`, waits for an fsync
/// before the execution is sent (a fraction of a millisecond on a local disk; see
/// BENCHMARKS.md).
pub async fn pay_once<A: PayoutApi, R: PayoutRequest<A>>(
    client: &Client<A>,
    journal: &dyn Journal,
    key: &str,
    request: R,
    hash_key: &[u8],
    poll: PollPolicy,
) -> Result<Step, BatchError<A>> {
    let planned = planned(&request, hash_key).map_err(Error::Request)?;
    // Its card number and account are removed from every text about it while it is paid.
    let _held = client.hold_secrets_of(&request);
    // Planned, it is recorded `creating` now: its creation is sent first. A shared journal
    // gives the key to this process until it is released below (or refuses: another drives it).
    let step = journal.begin(key, &planned).await?.step;
    let d = Drive {
        client,
        journal,
        key,
        poll,
        end: Instant::now() + poll.deadline,
    };
    let ended = d.drive(step, &request).await;
    // Whatever happened, the journal says where the key is: another process (or the next run)
    // may take it from there.
    if let Err(e) = journal.release(key).await {
        tracing::warn!(key, error = %e, "the key could not be released (it is, when this process ends)");
    }
    ended
}

impl<A: PayoutApi> Drive<'_, A> {
    /// Takes each step the journal says is next, from `step`, until a final one or `Pending`.
    async fn drive<R: PayoutRequest<A>>(&self, mut step: Step, request: &R) -> Result<Step, BatchError<A>> {
        loop {
            step = match step {
                done if done.is_final() => return Ok(done),
                Step::Planned => self.create(request).await?,
                Step::Creating => {
                    // The last creation's answer was lost: its operation, if it exists, was never
                    // executed and moves nothing. Counted, and created again (the journal still
                    // says `creating`).
                    self.journal.orphan(self.key).await?;
                    self.create(request).await?
                }
                Step::Created(id) => self.execute(id).await?,
                // The execution may have been sent: never again. The state decides.
                Step::Executing(id) | Step::Pending(id) => self.settle(Settling::in_doubt(id)).await?,
                other => return Ok(other),
            };
            if matches!(step, Step::Pending(_)) {
                return Ok(step);
            }
        }
    }
}

impl<A: PayoutApi> Drive<'_, A> {
    /// The creation, recorded `creating` before (by `begin`, or by the run that lost its
    /// answer). A created operation is returned as `Created` without a write of its own: the
    /// next write, `executing` with its id, says it (a crash between the two leaves `creating`,
    /// and the operation is an orphan never executed). A refusal is recorded as `failed`; a
    /// creation certainly not sent goes back to `planned`.
    async fn create<R: PayoutRequest<A>>(&self, request: &R) -> Result<Step, BatchError<A>> {
        let e = match self.client.create_payout(request).await {
            Ok(created) => return Ok(Step::Created(created.operation_id)),
            Err(e) => e,
        };
        let failure = e.failure_of(R::METHOD.name);
        match RetryPolicy::never().decide(R::METHOD.effect, failure, 0, 0.0) {
            RetryDecision::Stop if failure == AttemptFailure::Refused => {
                let message = match &e {
                    Error::Refused { desc, .. } | Error::Rejected { desc, .. } => desc.clone(),
                    _ => None,
                };
                let step = Step::Failed {
                    operation_id: None,
                    message: message.or_else(|| Some(e.to_string())),
                };
                self.record(&step).await?;
                return Ok(step);
            }
            // Nothing reached the server: the next run creates it.
            RetryDecision::Stop => self.record(&Step::Planned).await?,
            // Unsettled: an operation may exist; the journal says `creating`.
            _ => {}
        }
        Err(e.into())
    }

    /// The one execution of `id`: recorded `executing` (on disk) first, then sent, then the
    /// state until final or the deadline. An operation the journal holds for another key is not
    /// executed: the line ends failed, nothing sent.
    async fn execute(&self, id: Uuid) -> Result<Step, BatchError<A>> {
        let d = self;
        match d.record(&Step::Executing(id)).await {
            Ok(()) => {}
            // Whose payout the operation is cannot be told from the answer: not executed, and
            // not retried on its own either (it may be this key's, executed under the other).
            Err(JournalError::OperationReused { owner, .. }) => {
                let step = Step::Shared {
                    operation_id: id,
                    owner,
                };
                tracing::warn!(key = d.key, step = %step, "the creation answered another key's operation");
                d.record(&step).await?;
                return Ok(step);
            }
            Err(e) => return Err(e.into()),
        }
        match d.client.execute_payout(id, None, d.end).await {
            Ok(settling) => d.settle(settling).await,
            Err(e) => {
                // Certainly not sent: the operation is created and was never executed.
                d.record(&Step::Created(id)).await?;
                Err(e.into())
            }
        }
    }

    /// Polls until a final state or the deadline (fencing an operation in doubt that reads
    /// created), and records where it ended.
    async fn settle(&self, settling: Settling<A::State>) -> Result<Step, BatchError<A>> {
        let outcome = (self.client)
            .settle_payout(settling, self.poll, self.end, &mut |_, _| {})
            .await?;
        let step = step_of(outcome);
        self.record(&step).await?;
        Ok(step)
    }
}
