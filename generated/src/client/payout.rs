//! The payout flow: create a payout, execute it, and poll its state until it is final or a
//! deadline passes. Nothing that moves money is ever sent twice: when the fate of
//! `ExecuteOperation` is unknown (timeout, dropped connection, 5xx), the flow polls instead of
//! executing again.

use super::{Client, Error};
use crate::payout::{CreateOperation, ExecuteOperation, GetOperationState, MassPaymentOperationState};
use crate::runtime::Uuid;
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
    /// How long to poll before giving up with [`PayoutOutcome::Pending`].
    pub deadline: Duration,
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

/// How a payout ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayoutOutcome {
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
        last_state: Option<MassPaymentOperationState>,
    },
}

impl PayoutOutcome {
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

/// Whether an error leaves the fate of the call unknown (it may have reached the server).
fn fate_unknown(e: &Error) -> bool {
    matches!(e, Error::Transport { .. }) || matches!(e, Error::Status { status, .. } if *status >= 500)
}

impl Client {
    /// Creates a payout (`CreateOperation`), executes it (`ExecuteOperation`) and polls
    /// `GetOperationState` until a final state or `poll.deadline`. `on_state` sees every change
    /// of state. Each payout call is sent at most once; an execution whose fate is unknown is
    /// followed by polling, never by a second execution.
    ///
    /// An error of `CreateOperation` is returned as is (with a transport error, the payout may
    /// exist: look for it before creating another).
    pub async fn payout(
        &self,
        request: CreateOperation,
        poll: PollPolicy,
        mut on_state: impl FnMut(Uuid, &MassPaymentOperationState),
    ) -> Result<PayoutOutcome, Error> {
        let created = self.create_operation(request).await?;
        let operation_id = created.result.payout_operation_id.ok_or_else(|| {
            Error::Decode(crate::runtime::DecodeError {
                method: "CreateOperation",
                path: "Result.PayoutOperationId".into(),
                message: "the payout was created but its id is missing".into(),
                body: String::new(),
            })
        })?;
        let span = tracing::info_span!("payout", payout_operation_id = %operation_id);
        self.execute_and_poll(operation_id, created.result.payout_operation_state, poll, &mut on_state)
            .instrument(span)
            .await
    }

    async fn execute_and_poll(
        &self,
        operation_id: Uuid,
        created: Option<MassPaymentOperationState>,
        poll: PollPolicy,
        on_state: &mut impl FnMut(Uuid, &MassPaymentOperationState),
    ) -> Result<PayoutOutcome, Error> {
        let mut last = created;
        let mut error_message = None;
        if let Some(state) = &last {
            on_state(operation_id, state);
        }
        match self.execute_operation(ExecuteOperation::new(operation_id)).await {
            Ok(reply) => {
                if let Some(state) = reply.result.payout_operation_state {
                    if last.as_ref() != Some(&state) {
                        on_state(operation_id, &state);
                    }
                    last = Some(state);
                    error_message = reply.result.error_message;
                }
            }
            Err(e) if fate_unknown(&e) => {
                tracing::warn!(error = %e, "the fate of ExecuteOperation is unknown: polling, not executing again");
            }
            Err(e) => return Err(e),
        }
        let started = Instant::now();
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(poll.min_delay)
            .with_max_delay(poll.max_delay)
            .without_max_times()
            .with_jitter()
            .build();
        loop {
            if let Some(state) = &last {
                if state.is_final() {
                    return Ok(outcome(operation_id, state, error_message));
                }
            }
            let delay = delays.next().unwrap_or(poll.max_delay);
            if started.elapsed() + delay > poll.deadline {
                return Ok(PayoutOutcome::Pending {
                    operation_id,
                    last_state: last,
                });
            }
            tokio::time::sleep(delay).await;
            match self.get_operation_state(GetOperationState::new(operation_id)).await {
                Ok(reply) => {
                    if let Some(state) = reply.result.payout_operation_state {
                        if last.as_ref() != Some(&state) {
                            tracing::info!(state = %state, "payout state");
                            on_state(operation_id, &state);
                        }
                        if state.is_final() {
                            return Ok(outcome(operation_id, &state, reply.result.error_message));
                        }
                        last = Some(state);
                    }
                }
                // A poll changes nothing: a failed one is tried again at the next delay.
                Err(e) if fate_unknown(&e) => tracing::warn!(error = %e, "polling the payout state failed"),
                Err(e) => return Err(e),
            }
        }
    }
}

fn outcome(operation_id: Uuid, state: &MassPaymentOperationState, error_message: Option<String>) -> PayoutOutcome {
    match state {
        MassPaymentOperationState::Completed => PayoutOutcome::Completed { operation_id },
        MassPaymentOperationState::NotEnoughMoney => PayoutOutcome::NotEnoughMoney { operation_id },
        MassPaymentOperationState::Deleted => PayoutOutcome::Deleted { operation_id },
        _ => PayoutOutcome::Failed {
            operation_id,
            error_message,
        },
    }
}
