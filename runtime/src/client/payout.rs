//! The payout flow: create a payout, execute it, and poll its state until it is final or a
//! deadline passes. Nothing that moves money is ever sent twice: when the fate of
//! `ExecuteOperation` is unknown (timeout, dropped connection, 5xx), the flow polls instead of
//! executing again.
//!
//! Which methods create, execute and look up a payout, and what their answers' states mean, the
//! generated API says through [`PayoutApi`] (the spec's `payout_*` roles).

use super::{Client, Error};
use crate::api::{Fate, PayoutApi, PayoutRequest, Progress};
use crate::{ApiRequest, Uuid};
use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::{Duration, Instant};
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

/// Whether an error leaves the fate of the call unknown (it may have reached the server and been
/// processed): no answer, a 5xx, no answer in time, "queued", or a 200 that cannot be read.
pub(crate) fn fate_unknown<A: PayoutApi>(e: &Error<A>) -> bool {
    matches!(
        e,
        Error::Transport { .. } | Error::Deadline { .. } | Error::Queued { .. } | Error::Decode(_)
    ) || matches!(e, Error::Status { status, .. } if *status >= 500)
}

/// What is left of the flow's time.
fn remaining(end: Instant) -> Duration {
    end.saturating_duration_since(Instant::now())
}

impl<A: PayoutApi> Client<A> {
    /// Creates a payout with any request that creates one, executes it and polls its state until a final state or
    /// `poll.deadline`, which bounds the whole flow (for IntellectMoney: `CreateOperation`,
    /// `ExecuteOperation`, `GetOperationState`). `on_state` sees every change of state. Each
    /// payout call is sent at most once; an execution whose fate is unknown is followed by
    /// polling, never by a second execution.
    ///
    /// What a caller may do next follows from the result:
    /// - `Ok(Completed)`: paid. `Ok(Failed | NotEnoughMoney | Deleted)`: done, nothing paid.
    /// - `Ok(Pending { operation_id, .. })`: may still pay: look it up by its id; never create it
    ///   again.
    /// - `Err(Error::Unsettled { .. })`: the creation's answer was lost: an operation may exist.
    ///   Look for it before creating another.
    /// - any other `Err`: nothing was paid (the server refused, or the request was not sent); a
    ///   new payout is safe.
    pub async fn payout<R: PayoutRequest<A>>(
        &self,
        request: R,
        poll: PollPolicy,
        mut on_state: impl FnMut(Uuid, &A::State),
    ) -> Result<PayoutOutcome<A::State>, Error<A>> {
        let create = R::METHOD.name;
        let end = Instant::now() + poll.deadline;
        let created = match super::within(create, remaining(end), self.send(&request)).await {
            Ok(created) => R::created(created.result),
            Err(e) if fate_unknown(&e) => {
                return Err(Error::Unsettled {
                    method: create,
                    operation_id: None,
                    cause: Box::new(e),
                })
            }
            Err(e) => return Err(e),
        };
        let operation_id = created.operation_id.ok_or_else(|| Error::Unsettled {
            method: create,
            operation_id: None,
            cause: Box::new(Error::Decode(crate::DecodeError::new::<A>(
                create,
                "Result",
                "the payout was created but its id is missing",
                "",
            ))),
        })?;
        let span = tracing::info_span!("payout", payout_operation_id = %operation_id);
        self.execute_and_poll(operation_id, created.state, poll, end, &mut on_state)
            .instrument(span)
            .await
    }

    async fn execute_and_poll(
        &self,
        operation_id: Uuid,
        created: Option<A::State>,
        poll: PollPolicy,
        end: Instant,
        on_state: &mut impl FnMut(Uuid, &A::State),
    ) -> Result<PayoutOutcome<A::State>, Error<A>> {
        let mut last = created;
        let mut error_message = None;
        if let Some(state) = &last {
            on_state(operation_id, state);
        }
        let execute = <A::Execute as ApiRequest>::METHOD.name;
        match super::within(execute, remaining(end), self.send(&A::execute(operation_id))).await {
            Ok(reply) => {
                let progress = A::executed(reply.result);
                if let Some(state) = progress.state {
                    if last.as_ref() != Some(&state) {
                        on_state(operation_id, &state);
                    }
                    last = Some(state);
                    error_message = progress.error_message;
                }
            }
            Err(e) if fate_unknown(&e) => {
                tracing::warn!(error = %e, "the fate of the execution is unknown: polling, not executing again");
            }
            Err(e) => return Err(e),
        }
        self.poll_until_final(operation_id, last, error_message, poll, end, on_state)
            .await
    }

    pub(crate) async fn poll_until_final(
        &self,
        operation_id: Uuid,
        mut last: Option<A::State>,
        error_message: Option<String>,
        poll: PollPolicy,
        end: Instant,
        on_state: &mut impl FnMut(Uuid, &A::State),
    ) -> Result<PayoutOutcome<A::State>, Error<A>> {
        if let Some(outcome) = last.as_ref().and_then(|s| outcome::<A>(operation_id, s, error_message)) {
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
                    operation_id,
                    last_state: last,
                });
            }
            tokio::time::sleep(delay).await;
            match super::within(lookup, remaining(end), self.send(&A::poll(operation_id))).await {
                Ok(reply) => {
                    let Progress {
                        state, error_message, ..
                    } = A::polled(reply.result);
                    if let Some(state) = state {
                        if last.as_ref() != Some(&state) {
                            tracing::info!(state = %state, "payout state");
                            on_state(operation_id, &state);
                        }
                        if let Some(outcome) = outcome::<A>(operation_id, &state, error_message) {
                            return Ok(outcome);
                        }
                        last = Some(state);
                    }
                }
                // A poll changes nothing: a failed one is tried again at the next delay.
                Err(e) if fate_unknown(&e) => tracing::warn!(error = %e, "polling the payout state failed"),
                // The execution was sent: whatever stops the polling, the payout may be moving.
                Err(e) => {
                    return Err(Error::Unsettled {
                        method: lookup,
                        operation_id: Some(operation_id),
                        cause: Box::new(e),
                    })
                }
            }
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
