//! One payout of a batch, exactly once: each step is recorded before the call that takes it and
//! after its answer, and a payout picked up again continues from what the journal and the API
//! say, never executing an operation twice.

use super::journal::{Journal, JournalError, Planned, Step};
use crate::api::{Api, PayoutApi, PayoutRequest};
use crate::client::payout::fate_unknown;
use crate::client::{Client, Error, PayoutOutcome, PollPolicy};
use crate::{RequestError, Uuid};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::time::Instant;

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

/// What the journal keeps of `request`: its parameters as sent, each of the API's secret
/// parameters replaced by its HMAC-SHA-256 under `hash_key`, their fingerprint, and its amount and
/// currency. Checks the request first (a request the client would refuse is not planned).
pub fn planned<A: PayoutApi, R: PayoutRequest<A>>(request: &R, hash_key: &[u8]) -> Result<Planned, RequestError> {
    request.validate()?;
    let secret = <R::Api as Api>::SECRET_FIELDS;
    let mut lines = Vec::new();
    // The session's token is not part of the request: it is sent empty here and left out.
    for p in request.wire_params(Some(""))? {
        let value = p.value.as_str();
        if value.is_empty() {
            continue;
        }
        if secret.contains(&p.name) {
            lines.push(format!("{}=hmac-sha256:{}", p.name, keyed_hash(hash_key, value)));
        } else {
            lines.push(format!("{}={value}", p.name));
        }
    }
    let method = R::METHOD.name.to_owned();
    let params = lines.join("\n");
    let fingerprint = hex(&Sha256::digest(format!("{method}\n{params}").as_bytes()));
    Ok(Planned {
        method,
        params,
        fingerprint,
        amount: request.amount(),
        currency: request.currency(),
    })
}

fn keyed_hash(key: &[u8], value: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(value.as_bytes());
    hex(&mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One payout being driven: its journal and key, and how long its polling may take.
struct Drive<'a> {
    journal: &'a dyn Journal,
    key: &'a str,
    poll: PollPolicy,
    end: Instant,
}

impl Drive<'_> {
    /// Records `step`; one that must be durable is on disk when this returns.
    async fn record(&self, step: &Step) -> Result<(), JournalError> {
        self.journal.record(self.key, step)?;
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
    }
}

impl<A: PayoutApi> Client<A> {
    /// Pays `request` under `key` at most once, whatever happened to earlier runs: plans it in
    /// the journal (a different request under a known key is refused), then takes each step
    /// the journal says is next, recording it before and after the call. Returns the step
    /// reached: a final one, or `Pending` when `poll.deadline` passed (run again later).
    ///
    /// `hash_key` keys the hash that stands for secret parameters (card numbers) in the journal:
    /// keep it the same for a batch, or its keys no longer match their requests. The journal's
    /// writes are made on the calling task; one per payout, `executing`, waits for an fsync
    /// before the execution is sent (a fraction of a millisecond on a local disk; see
    /// BENCHMARKS.md).
    pub async fn pay_once<R: PayoutRequest<A>>(
        &self,
        journal: &dyn Journal,
        key: &str,
        request: R,
        hash_key: &[u8],
        poll: PollPolicy,
    ) -> Result<Step, BatchError<A>> {
        let planned = planned(&request, hash_key).map_err(Error::Request)?;
        // Planned, it is recorded `creating` now: its creation is sent first.
        let mut step = journal.begin(key, &planned)?.step;
        let d = Drive {
            journal,
            key,
            poll,
            end: Instant::now() + poll.deadline,
        };
        loop {
            step = match step {
                done if done.is_final() => return Ok(done),
                Step::Planned => self.batch_create(&d, &request).await?,
                Step::Creating => {
                    // The last creation's answer was lost: its operation, if it exists, was never
                    // executed and moves nothing. Counted, and created again (the journal still
                    // says `creating`).
                    journal.orphan(key)?;
                    self.batch_create(&d, &request).await?
                }
                Step::Created(id) => {
                    d.record(&Step::Executing(id)).await?;
                    self.batch_execute(&d, id).await?
                }
                Step::Executing(id) => self.batch_resume(&d, id).await?,
                // Not final at the last deadline: the state decides again. Still created (the
                // execution was refused or never arrived), it is executed, recorded first.
                Step::Pending(id) => {
                    d.record(&Step::Executing(id)).await?;
                    self.batch_resume(&d, id).await?
                }
                other => return Ok(other),
            };
            if matches!(step, Step::Pending(_)) {
                return Ok(step);
            }
        }
    }

    /// The creation, recorded `creating` before (by `begin`, or by the run that lost its
    /// answer). A created operation is returned as `Created` without a write of its own: the
    /// next write, `executing` with its id, says it (a crash between the two leaves `creating`,
    /// and the operation is an orphan never executed). A refusal is recorded as `failed`.
    async fn batch_create<R: PayoutRequest<A>>(&self, d: &Drive<'_>, request: &R) -> Result<Step, BatchError<A>> {
        let step = match self.send(request).await {
            Ok(reply) => match R::created(reply.result).operation_id {
                Some(id) => return Ok(Step::Created(id)),
                // Created, but which operation is unknown: like a lost answer.
                None => {
                    return Err(Error::Unsettled {
                        method: R::METHOD.name,
                        operation_id: None,
                        cause: Box::new(Error::Decode(crate::DecodeError::new::<A>(
                            R::METHOD.name,
                            "Result",
                            "the payout was created but its id is missing",
                            "",
                        ))),
                    }
                    .into())
                }
            },
            Err(e) if fate_unknown(&e) => return Err(e.into()),
            // Refused for the session (a token that could not be renewed): nothing was created,
            // and the next run tries again.
            Err(e) if e.is_authentication_failed() => {
                d.record(&Step::Planned).await?;
                return Err(e.into());
            }
            Err(Error::Refused { desc, .. }) | Err(Error::Rejected { desc, .. }) => Step::Failed {
                operation_id: None,
                message: desc,
            },
            Err(e) => return Err(e.into()),
        };
        d.record(&step).await?;
        Ok(step)
    }

    /// The execution (recorded `executing` before), then the state until final or the deadline.
    async fn batch_execute(&self, d: &Drive<'_>, id: Uuid) -> Result<Step, BatchError<A>> {
        let state = match self.send(&A::execute(id)).await {
            Ok(reply) => A::executed(reply.result).state,
            // Sent, maybe done: the state says; never a second execution on a guess.
            Err(e) if fate_unknown(&e) => None,
            Err(Error::Refused { .. }) | Err(Error::Rejected { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        self.batch_follow(d, id, state).await
    }

    /// An execution that may or may not have been sent: the state decides. Still created: it was
    /// not, and is executed now; anything else: it was, and is followed.
    async fn batch_resume(&self, d: &Drive<'_>, id: Uuid) -> Result<Step, BatchError<A>> {
        let state = A::polled(self.send(&A::poll(id)).await?.result).state;
        match state {
            Some(s) if A::is_created(&s) => self.batch_execute(d, id).await,
            other => self.batch_follow(d, id, other).await,
        }
    }

    /// Polls until a final state or the deadline, and records where it ended.
    async fn batch_follow(&self, d: &Drive<'_>, id: Uuid, last: Option<A::State>) -> Result<Step, BatchError<A>> {
        let outcome = self
            .poll_until_final(id, last, None, d.poll, d.end, &mut |_, _| {})
            .await?;
        let step = step_of(outcome);
        d.record(&step).await?;
        Ok(step)
    }
}
