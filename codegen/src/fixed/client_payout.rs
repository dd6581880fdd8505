//! The payout flow on the client (copied only for a spec with the payout roles). Fixed code: the
//! generator copies this file as it is.

use crate::runtime::client::{Created, Instant, PollPolicy, Settling};
use crate::runtime::{PayoutApi, PayoutRequest, Uuid};
use crate::{Client, Error, IntellectMoney, PayoutOutcome};

/// The payout's state, as the API writes it.
type State = <IntellectMoney as PayoutApi>::State;

// Each method hands over to the engine's method of the same name, where the rules that keep a
// payout from being paid twice are written in full (the link in each summary).
impl Client {
    /// Creates a payout with any request that creates one, executes it once, and polls its state
    /// until it is final or `poll.deadline` passes; `on_state` sees every change of state. Never
    /// sends a payout call twice ([the rules, and what to do after each result](crate::runtime::client::Client::payout)).
    pub async fn payout<R: PayoutRequest<IntellectMoney>>(
        &self,
        request: R,
        poll: PollPolicy,
        on_state: impl FnMut(Uuid, &State),
    ) -> Result<PayoutOutcome, Error> {
        (**self).payout(request, poll, on_state).await
    }

    /// The first step of [`Self::payout`], for a caller that records each step (a journal):
    /// sends the creation once. Hold [`Self::hold_secrets_of`] for the request while its steps
    /// run ([details](crate::runtime::client::Client::create_payout)).
    pub async fn create_payout<R: PayoutRequest<IntellectMoney>>(&self, request: &R) -> Result<Created<State>, Error> {
        (**self).create_payout(request).await
    }

    /// The second step of [`Self::payout`]: sends the one execution of `id`
    /// ([details](crate::runtime::client::Client::execute_payout)).
    pub async fn execute_payout(&self, id: Uuid, created: Option<State>, end: Instant) -> Result<Settling<State>, Error> {
        (**self).execute_payout(id, created, end).await
    }

    /// The last step of [`Self::payout`]: polls until a final state or `end`, never executing
    /// ([details](crate::runtime::client::Client::settle_payout)).
    pub async fn settle_payout(
        &self,
        settling: Settling<State>,
        poll: PollPolicy,
        end: Instant,
        on_state: &mut impl FnMut(Uuid, &State),
    ) -> Result<PayoutOutcome, Error> {
        (**self).settle_payout(settling, poll, end, on_state).await
    }
}
