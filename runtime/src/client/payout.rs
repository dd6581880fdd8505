//! The payout flow: create a payout, execute it, and poll its state until it is final or a
//! deadline passes. Nothing that moves money is ever sent twice: once `ExecuteOperation` may
//! have reached the server, whatever happened to its answer, only the state decides; an
//! operation that still reads created is fenced by a deletion, never executed again.
//!
//! Which methods create, execute and look up a payout, and what their answers' states mean, the
//! generated API says through [`PayoutApi`] (the spec's `payout_*` roles).

use super::{AttemptFailure, Client, Error, RetryDecision, RetryPolicy};
use crate::api::{Api, Fate, PayoutApi, PayoutRequest, Progress};
use crate::{ApiRequest, Effect, Uuid};
use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::Duration;
use tokio::time::Instant;
use tracing::Instrument;

/// How the flow polls `GetOperationState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// The first delay between two polls; it doubles (with jitter) up to `max_delay`.
    pub min_delay: Duration,
    /// The longest delay between two polls.
    pub max_delay: Duration,
    /// How long the whole flow may take — creation, execution and polling, every retry and
    /// wait included — before it gives up with [`PayoutOutcome::Pending`] (or, when even the
    /// creation did not answer in time, [`Error::Unsettled`]).
    pub deadline: Duration,
}

impl PollPolicy {
    /// Polls 10 ms to 50 ms apart for at most 10 s: for tests against the mock, whose payouts
    /// change state on every poll (a test with the default policy waits seconds).
    pub fn for_tests() -> Self {
        PollPolicy {
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            deadline: Duration::from_secs(10),
        }
    }
}

impl Default for PollPolicy {
    /// From 1 s up to 30 s apart, for 10 minutes.
    fn default() -> Self {
        PollPolicy {
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            deadline: Duration::from_secs(600),
        }
    }
}

/// How a payout ended (`S` is the API's payout state; the generated crate names this
/// `intellectmoney::PayoutOutcome`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayoutOutcome<S> {
    /// The money was paid out.
    Completed {
        /// The payout.
        operation_id: Uuid,
    },
    /// The payout failed.
    Failed {
        /// The payout.
        operation_id: Uuid,
        /// `ErrorMessage`, when the API gave one.
        error_message: Option<String>,
    },
    /// There was not enough money on the account.
    NotEnoughMoney {
        /// The payout.
        operation_id: Uuid,
    },
    /// The payout was deleted.
    Deleted {
        /// The payout.
        operation_id: Uuid,
    },
    /// Still not final at the deadline: look it up later with `GetOperationState`.
    Pending {
        /// The payout.
        operation_id: Uuid,
        /// The last state seen (`None` if no poll answered).
        last_state: Option<S>,
    },
}

impl<S> PayoutOutcome<S> {
    /// The payout's id.
    pub fn operation_id(&self) -> Uuid {
        match self {
            PayoutOutcome::Completed { operation_id }
            | PayoutOutcome::Failed { operation_id, .. }
            | PayoutOutcome::NotEnoughMoney { operation_id }
            | PayoutOutcome::Deleted { operation_id }
            | PayoutOutcome::Pending { operation_id, .. } => *operation_id,
        }
    }

    /// Whether the money was paid out.
    pub fn is_completed(&self) -> bool {
        matches!(self, PayoutOutcome::Completed { .. })
    }
}

/// The retry table's row for a failed call of the flow (`effect` from the spec): a call that
/// writes or moves money is never sent again, and a read is polled again while its answer may
/// change (the flow's own delays pace it, so the table's are not used).
fn decision(effect: Effect, failure: AttemptFailure) -> RetryDecision {
    const FLOW: RetryPolicy = RetryPolicy {
        max_retries: usize::MAX,
        min_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };
    FLOW.decide(effect, failure, 0, 0.0)
}

/// What is left of the flow's time.
fn remaining(end: Instant) -> Duration {
    end.saturating_duration_since(Instant::now())
}

/// A creation that failed: nothing was paid either way (a created operation moves nothing until
/// executed), but unless it was certainly not sent or refused, an operation may exist
/// ([`Error::Unsettled`] without an operation id).
fn creation_failed<A: Api>(method: &'static str, effect: Effect, e: Error<A>) -> Error<A> {
    if matches!(e, Error::Unsettled { .. }) {
        return e;
    }
    match decision(effect, e.failure_of(method)) {
        RetryDecision::Unsettled => Error::Unsettled {
            method,
            operation_id: None,
            cause: Box::new(e),
        },
        _ => e,
    }
}

/// A creation's answer, refused when it shows an operation that is not new: one in another state
/// than created is one made (and maybe executed) before, which must not be executed again.
fn fresh<A: PayoutApi>(method: &'static str, created: Progress<A::State>) -> Result<Progress<A::State>, Error<A>> {
    match &created.state {
        Some(state) if !A::is_created(state) => Err(Error::Decode(crate::DecodeError::new::<A>(
            method,
            "Result",
            format!(
                "a new payout is created, but the answer says {state}: an operation made before, not executed again"
            ),
            "",
        ))),
        _ => Ok(created),
    }
}

/// An answer that names another operation than the one asked about: not to be believed.
fn other_operation<A: PayoutApi>(method: &'static str, asked: Uuid, answered: Option<Uuid>) -> Option<Error<A>> {
    let answered = answered.filter(|a| *a != asked)?;
    Some(Error::Decode(crate::DecodeError::new::<A>(
        method,
        "Result",
        format!("the answer is about operation {answered}, not {asked}: not believed"),
        "",
    )))
}

/// Where the flow is with an operation whose execution was sent (or may have been): what
/// [`Client::execute_payout`] returns and [`Client::settle_payout`] takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settling<S> {
    /// The operation.
    pub id: Uuid,
    /// The last state seen.
    pub last: Option<S>,
    /// `ErrorMessage` with it.
    pub error_message: Option<String>,
    /// Whether the execution's fate is in doubt (no answer, or an error): a state that reads
    /// created then does not prove it never arrived, and the operation is fenced by a deletion
    /// rather than executed again.
    pub in_doubt: bool,
}

impl<S> Settling<S> {
    /// An operation whose execution may have been sent, and nothing more is known (a journal
    /// found it `executing` after a crash): its state decides, and one that reads created is
    /// fenced.
    pub fn in_doubt(id: Uuid) -> Self {
        Settling {
            id,
            last: None,
            error_message: None,
            in_doubt: true,
        }
    }
}

/// A payout just created: its id and the state the creation's answer gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created<S> {
    /// The new operation.
    pub operation_id: Uuid,
    /// Its state, when the answer gave one (created).
    pub state: Option<S>,
}

impl<A: PayoutApi> Client<A> {
    /// Creates a payout with any request that creates one, executes it and polls its state until a final state or
    /// `poll.deadline`, which bounds the whole flow (for IntellectMoney: `CreateOperation`,
    /// `ExecuteOperation`, `GetOperationState`). `on_state` sees every change of state. Each
    /// payout call is sent at most once, and never again after a new login.
    ///
    /// Once the execution may have reached the server, only the state decides: an execution
    /// that failed in any way (no answer, an error status, a refusal, an unreadable answer) is
    /// followed by polling. When the state then reads created, the operation is fenced: it is
    /// deleted (`DeleteOperation`, accepted only while an operation is created) and read back,
    /// so that it ends `Deleted`, nothing paid; a deletion refused means the execution arrived,
    /// and the polling goes on.
    ///
    /// What a caller may do next follows from the result:
    /// - `Ok(Completed)`: paid. `Ok(Failed | NotEnoughMoney | Deleted)`: done, nothing paid; a
    ///   new payout is safe.
    /// - `Ok(Pending { operation_id, .. })`: unsettled, may still pay: look it up by its id;
    ///   never create it again.
    /// - `Err(Error::Unsettled { operation_id: Some(..), .. })`: the execution was sent and its
    ///   state could not be read: look it up by its id.
    /// - `Err(Error::Unsettled { operation_id: None, .. })`: the creation's answer was lost: an
    ///   operation may exist, never executed, moving nothing; a new payout is safe for money.
    /// - any other `Err`: nothing was paid (refused, or not sent); a new payout is safe.
    pub async fn payout<R: PayoutRequest<A>>(
        &self,
        request: R,
        poll: PollPolicy,
        mut on_state: impl FnMut(Uuid, &A::State),
    ) -> Result<PayoutOutcome<A::State>, Error<A>> {
        let create = R::METHOD.name;
        let end = Instant::now() + poll.deadline;
        // The card number and account are removed from every text about the payout, not only
        // from the creation's: an answer to a poll may quote them.
        let _held = self.hold_secrets_of(&request);
        let effect = R::METHOD.effect;
        let Created { operation_id, state } = super::within(create, remaining(end), self.create_payout(&request))
            .await
            .map_err(|e| creation_failed(create, effect, e))?;
        let span = tracing::info_span!("payout", payout_operation_id = %operation_id);
        async {
            if let Some(state) = &state {
                on_state(operation_id, state);
            }
            let settling = self.execute_payout(operation_id, state.clone(), end).await?;
            if settling.last != state {
                if let Some(state) = &settling.last {
                    on_state(operation_id, state);
                }
            }
            self.settle_payout(settling, poll, end, &mut on_state).await
        }
        .instrument(span)
        .await
    }

    /// The first step of [`Client::payout`], for a caller that records each step (a journal):
    /// sends the creation once. Every error is classified: [`Error::Unsettled`] (without an
    /// operation id) when an operation may exist — the answer was lost or unreadable, or shows an
    /// operation made before, which must not be executed; any other error created nothing, and
    /// [`Error::failure_of`] tells whether the API refused it or it was never sent.
    ///
    /// Hold [`Client::hold_secrets_of`] for the request while its steps run, as `payout` and the
    /// batch runner do: an answer to any of them may quote the recipient's account, which is
    /// removed from errors and logs only while it is held (card numbers are masked always).
    pub async fn create_payout<R: PayoutRequest<A>>(&self, request: &R) -> Result<Created<A::State>, Error<A>> {
        let create = R::METHOD.name;
        let failed = |e| creation_failed(create, R::METHOD.effect, e);
        let reply = self.send(request).await.map_err(failed)?;
        let created = fresh::<A>(create, R::created(reply.result)).map_err(failed)?;
        // Created, but which operation is unknown: like a lost answer.
        let operation_id = created.operation_id.ok_or_else(|| {
            failed(Error::Decode(crate::DecodeError::new::<A>(
                create,
                "Result",
                "the payout was created but its id is missing",
                "",
            )))
        })?;
        Ok(Created {
            operation_id,
            state: created.state,
        })
    }

    /// The second step of [`Client::payout`]: sends the one execution of `id` (`created` is the
    /// state its creation gave). An error is returned only when it certainly did not reach the
    /// server (the operation stays created and moved nothing); every other failure is a fate in
    /// doubt, for [`Client::settle_payout`]. A caller that records steps records `executing`
    /// durably before calling this, never calls it twice for one operation, and holds the
    /// request's secrets ([`Client::create_payout`]).
    pub async fn execute_payout(
        &self,
        id: Uuid,
        created: Option<A::State>,
        end: Instant,
    ) -> Result<Settling<A::State>, Error<A>> {
        let execute = <A::Execute as ApiRequest>::METHOD.name;
        let mut settling = Settling {
            id,
            last: created,
            error_message: None,
            in_doubt: false,
        };
        match super::within(execute, remaining(end), self.send(&A::execute(id))).await {
            Ok(reply) => {
                let progress = A::executed(reply.result);
                if let Some(e) = other_operation::<A>(execute, id, progress.operation_id) {
                    tracing::warn!(error = %e, "the execution's answer is about another operation");
                    settling.in_doubt = true;
                } else if let Some(state) = progress.state {
                    settling.last = Some(state);
                    settling.error_message = self.untrusted(progress.error_message);
                }
            }
            Err(e) => {
                let failure = e.failure_of(execute);
                match decision(<A::Execute as ApiRequest>::METHOD.effect, failure) {
                    // Certainly not sent.
                    RetryDecision::Stop if failure != AttemptFailure::Refused => return Err(e),
                    // Queued: received, and to be processed. Nothing is in doubt, and the
                    // operation is not fenced: a state that still reads created only means the
                    // queue has not run yet.
                    _ if failure == AttemptFailure::Queued => {
                        tracing::info!(error = %e, "the execution was queued: its state decides");
                    }
                    // Unsettled, or refused (a refusal of the execution is not taken at its word):
                    // never sent again, the state decides.
                    _ => {
                        tracing::warn!(error = %e, "the fate of the execution is unknown: its state decides, it is not sent again");
                        settling.in_doubt = true;
                    }
                }
            }
        }
        Ok(settling)
    }

    /// The last step of [`Client::payout`]: polls the state of an operation whose execution was
    /// sent (or may have been) until a final state or `end`; never executes it. When the
    /// execution is in doubt and the state reads created, the operation is fenced once
    /// (deleted, then read back). `on_state` sees every change of state. Hold the request's
    /// secrets meanwhile ([`Client::create_payout`]).
    pub async fn settle_payout(
        &self,
        mut s: Settling<A::State>,
        poll: PollPolicy,
        end: Instant,
        on_state: &mut impl FnMut(Uuid, &A::State),
    ) -> Result<PayoutOutcome<A::State>, Error<A>> {
        let id = s.id;
        if let Some(outcome) = s
            .last
            .as_ref()
            .and_then(|st| outcome::<A>(id, st, s.error_message.take()))
        {
            return Ok(outcome);
        }
        let lookup = <A::Poll as ApiRequest>::METHOD.name;
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(poll.min_delay)
            .with_max_delay(poll.max_delay)
            .without_max_times()
            .with_jitter()
            .build();
        loop {
            let delay = delays.next().unwrap_or(poll.max_delay);
            if delay >= remaining(end) {
                return Ok(PayoutOutcome::Pending {
                    operation_id: id,
                    last_state: s.last,
                });
            }
            tokio::time::sleep(delay).await;
            let answer = super::within(lookup, remaining(end), self.send(&A::poll(id))).await;
            let progress = answer.and_then(|reply| {
                let progress = A::polled(reply.result);
                match other_operation::<A>(lookup, id, progress.operation_id) {
                    Some(e) => Err(e),
                    None => Ok(progress),
                }
            });
            match progress {
                Ok(Progress {
                    state: Some(state),
                    error_message,
                    ..
                }) => {
                    if s.last.as_ref() != Some(&state) {
                        tracing::info!(state = %state, "payout state");
                        on_state(id, &state);
                    }
                    if let Some(outcome) = outcome::<A>(id, &state, self.untrusted(error_message)) {
                        return Ok(outcome);
                    }
                    if s.in_doubt && A::is_created(&state) {
                        s.in_doubt = false;
                        self.fence(id, remaining(end)).await;
                    }
                    s.last = Some(state);
                }
                Ok(_) => {}
                // A poll changes nothing: a failed one is tried again at the next delay.
                Err(e)
                    if matches!(
                        decision(<A::Poll as ApiRequest>::METHOD.effect, e.failure()),
                        RetryDecision::RetryAfter(_)
                    ) =>
                {
                    tracing::warn!(error = %e, "polling the payout state failed")
                }
                // The execution was sent: whatever stops the polling, the payout may be moving.
                Err(e) => {
                    return Err(Error::Unsettled {
                        method: lookup,
                        operation_id: Some(id),
                        cause: Box::new(e),
                    })
                }
            }
        }
    }

    /// A server's text (`ErrorMessage`) as it may be shown: every secret the client knows
    /// removed, card numbers masked.
    fn untrusted(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.redactor().untrusted(&t))
    }

    /// Deletes an operation that reads created while its execution is in doubt. Whatever the
    /// answer, the next polls decide: `Deleted` (nothing paid, ever), or the state of an
    /// execution that did arrive (the deletion was refused).
    async fn fence(&self, id: Uuid, left: Duration) {
        let delete = <A::Delete as ApiRequest>::METHOD.name;
        tracing::info!("the state reads created while the execution is in doubt: deleting the operation");
        match super::within(delete, left, self.send(&A::delete(id))).await {
            Ok(_) => tracing::info!("the deletion was answered; only the state read back confirms it"),
            Err(e) => tracing::warn!(error = %e, "the deletion failed: the state decides"),
        }
    }
}
/// The outcome a state gives, if the state is final.
fn outcome<A: PayoutApi>(
    operation_id: Uuid,
    state: &A::State,
    error_message: Option<String>,
) -> Option<PayoutOutcome<A::State>> {
    Some(match A::fate(state) {
        Fate::Open => return None,
        Fate::Completed => PayoutOutcome::Completed { operation_id },
        Fate::NotEnoughMoney => PayoutOutcome::NotEnoughMoney { operation_id },
        Fate::Deleted => PayoutOutcome::Deleted { operation_id },
        Fate::Failed => PayoutOutcome::Failed {
            operation_id,
            error_message,
        },
    })
}
