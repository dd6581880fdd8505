//! When a call is sent again: one pure decision ([`RetryPolicy::decide`]) over what the call
//! does, how its attempt failed and how many retries came before, tested as a table. The money
//! rule is a row of it: a call that writes or moves money is never sent twice by the client.

use super::{Error, TransportKind, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_DELAY, DEFAULT_MIN_RETRY_DELAY};
use crate::{Api, Effect};
use std::time::Duration;

/// Retries of calls that read only (the spec's `effect: read`), on transport errors and 5xx
/// answers. Calls that write or move money are never retried, whatever the policy says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: usize,
    /// The first delay; each next one doubles, with random jitter added.
    pub min_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// [`DEFAULT_MAX_RETRIES`] retries, the first after [`DEFAULT_MIN_RETRY_DELAY`] (plus
    /// jitter), each next one twice as long, at most [`DEFAULT_MAX_RETRY_DELAY`] apart.
    fn default() -> Self {
        RetryPolicy {
            max_retries: DEFAULT_MAX_RETRIES,
            min_delay: DEFAULT_MIN_RETRY_DELAY,
            max_delay: DEFAULT_MAX_RETRY_DELAY,
        }
    }
}

/// How a call failed, as far as sending it again is concerned: how an attempt ended
/// (`NotConnected`, `NoAnswer`, `Status`, `TooLarge`: all the client's retry loop sees), or what
/// the client or the answer said (the rest, which the payout flow meets). [`Error::failure_of`]
/// and [`Error::failure`] tell it from an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// The request never reached the server: no connection was made, or ([`Error::failure_of`]
    /// only) the error is about another call made first (the login).
    NotConnected,
    /// The client refused to send the request (a parameter, the configuration): it never reached
    /// the server, and sending it again as it is changes nothing.
    NotSent,
    /// Sent, and no answer came back (the connection broke, the attempt or the flow timed out,
    /// TLS failed after the request may have been written), or the payout flow already found the
    /// call in doubt (`Error::Unsettled`).
    NoAnswer,
    /// An answer with an HTTP status other than 2xx.
    Status(u16),
    /// An answer past the client's limits: a body larger than its limit, or a list past its page
    /// or item limits, or repeating a page (`Error::Paging`).
    TooLarge,
    /// An answer that cannot be read, or that is about another operation.
    Unreadable,
    /// The API answered that the call is queued: received, to be processed.
    Queued,
    /// The API answered that it refused the call (a processing refusal, or a result's status
    /// other than success, a warning or "authentication failed"): by its word, it did nothing.
    /// The payout flow does not take a refused execution at its word: its state decides.
    Refused,
    /// The API answered "authentication failed": for a call that moves money, not proof that
    /// nothing was done.
    AuthenticationFailed,
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Send the call again after this delay.
    RetryAfter(Duration),
    /// Give up; the error stands. The call only reads, certainly did not reach the server, or
    /// the API refused it.
    Stop,
    /// Give up and never send the call again: it writes or moves money and the server may have
    /// processed it. What it did is to be looked up (the payout flow does).
    Unsettled,
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// What follows an attempt of a call with `effect` that ended in `failure`, after `retries`
    /// retries. `jitter` (in `0..1`) is the random part of the delay, drawn by the caller so that
    /// the decision itself is pure: the delay is the doubled base plus up to as much again, at
    /// most `max_delay`.
    pub fn decide(&self, effect: Effect, failure: AttemptFailure, retries: usize, jitter: f64) -> RetryDecision {
        let transient = match failure {
            AttemptFailure::NotConnected
            | AttemptFailure::NoAnswer
            | AttemptFailure::Unreadable
            | AttemptFailure::Queued => true,
            AttemptFailure::Status(status) => status >= 500,
            AttemptFailure::NotSent
            | AttemptFailure::TooLarge
            | AttemptFailure::Refused
            | AttemptFailure::AuthenticationFailed => false,
        };
        match effect {
            // The money rule. Not connected or not sent: nothing happened, but sending again is
            // the caller's choice, never the client's. Refused: the API says it did nothing.
            // Anything else may have been done: never sent again.
            Effect::Write | Effect::Money
                if matches!(
                    failure,
                    AttemptFailure::NotConnected | AttemptFailure::NotSent | AttemptFailure::Refused
                ) =>
            {
                RetryDecision::Stop
            }
            Effect::Write | Effect::Money => RetryDecision::Unsettled,
            Effect::Read if transient && retries < self.max_retries => {
                RetryDecision::RetryAfter(self.delay(retries, jitter))
            }
            Effect::Read => RetryDecision::Stop,
        }
    }

    /// The delay before retry `retries + 1`: `min_delay` doubled `retries` times, plus `jitter`
    /// of itself, at most `max_delay`.
    fn delay(&self, retries: usize, jitter: f64) -> Duration {
        let doublings = u32::try_from(retries).unwrap_or(u32::MAX).min(31);
        let base = self.min_delay.saturating_mul(1 << doublings).min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let extra = Duration::try_from_secs_f64(base.as_secs_f64() * jitter).unwrap_or(self.max_delay);
        base.saturating_add(extra).min(self.max_delay)
    }
}

impl<A: Api> Error<A> {
    /// How this error's call failed, as [`RetryPolicy::decide`] takes it. An error about another
    /// call than `method` (the login made first) means `method` never reached the server.
    pub fn failure_of(&self, method: &str) -> AttemptFailure {
        match self.method() {
            Some(m) if m != method => AttemptFailure::NotConnected,
            _ => self.failure(),
        }
    }

    /// How this error's call failed, whichever call it is about.
    pub fn failure(&self) -> AttemptFailure {
        match self {
            Error::Request(_) | Error::Config(_) => AttemptFailure::NotSent,
            _ if self.is_authentication_failed() => AttemptFailure::AuthenticationFailed,
            Error::Transport { kind, .. } if *kind == TransportKind::Connect => AttemptFailure::NotConnected,
            Error::Transport { .. } | Error::Deadline { .. } | Error::Unsettled { .. } => AttemptFailure::NoAnswer,
            Error::Status { status, .. } => AttemptFailure::Status(*status),
            Error::TooLarge { .. } | Error::Paging { .. } => AttemptFailure::TooLarge,
            Error::Queued { .. } => AttemptFailure::Queued,
            Error::Refused { .. } | Error::Rejected { .. } => AttemptFailure::Refused,
            Error::Decode(_) => AttemptFailure::Unreadable,
        }
    }
}

/// A random number in `0..1` for [`RetryPolicy::decide`]'s jitter (std's per-process random
/// hash keys: spreading retries needs no better randomness).
pub(crate) fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new().build_hasher().finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptFailure::*;
    use Effect::*;
    use RetryDecision::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn the_decision_table() {
        let policy = RetryPolicy::default(); // 2 retries, 200 ms doubling, at most 2 s
        #[rustfmt::skip]
        let table = [
            // effect, failure,        retries, jitter, decision
            (Read,  NotConnected,      0, 0.0, RetryAfter(MS(200))),
            (Read,  NoAnswer,          0, 0.0, RetryAfter(MS(200))),
            (Read,  Status(500),       0, 0.5, RetryAfter(MS(300))),
            (Read,  Status(503),       1, 0.0, RetryAfter(MS(400))),
            (Read,  Status(503),       1, 1.0, RetryAfter(MS(800))),
            (Read,  NoAnswer,          2, 0.0, Stop),            // retries spent
            (Read,  Status(404),       0, 0.0, Stop),            // the server answered
            (Read,  Status(429),       0, 0.0, Stop),
            (Read,  TooLarge,          0, 0.0, Stop),
            // The money rule: never sent twice, whatever the policy allows.
            (Write, NotConnected,      0, 0.0, Stop),
            (Money, NotConnected,      0, 0.0, Stop),
            (Write, NoAnswer,          0, 0.0, Unsettled),
            (Money, NoAnswer,          0, 0.0, Unsettled),
            (Money, Status(500),       0, 0.0, Unsettled),
            (Money, Status(400),       0, 0.0, Unsettled),  // a proxy's 4xx proves nothing
            (Money, TooLarge,          0, 0.0, Unsettled),
            // What an answer said (the payout flow): a read is tried again while it may change,
            (Read,  Unreadable,        0, 0.0, RetryAfter(MS(200))),
            (Read,  Queued,            1, 0.0, RetryAfter(MS(400))),
            (Read,  Refused,           0, 0.0, Stop),
            (Read,  NotSent,           0, 0.0, Stop),            // a bad request stays bad
            (Money, NotSent,           0, 0.0, Stop),
            (Write, NotSent,           0, 0.0, Stop),
            (Read,  AuthenticationFailed, 0, 0.0, Stop),
            // a call that writes or moves money stops when it was not sent or the API refused it,
            (Write, Refused,           0, 0.0, Stop),
            (Money, Refused,           0, 0.0, Stop),
            // and stays unsettled on anything that does not prove nothing was done.
            (Money, AuthenticationFailed, 0, 0.0, Unsettled),
            (Money, Unreadable,        0, 0.0, Unsettled),
            (Money, Queued,            0, 0.0, Unsettled),
            (Write, Queued,            0, 0.0, Unsettled),
            (Write, AuthenticationFailed, 0, 0.0, Unsettled),
            (Write, Unreadable,        0, 0.0, Unsettled),
            (Write, Status(503),       0, 0.0, Unsettled),
        ];
        for (effect, failure, retries, jitter, want) in table {
            assert_eq!(
                policy.decide(effect, failure, retries, jitter),
                want,
                "{effect:?} {failure:?} after {retries} retries"
            );
        }
    }

    #[test]
    fn delays_double_up_to_the_longest() {
        let policy = RetryPolicy {
            max_retries: 10,
            min_delay: MS(100),
            max_delay: MS(1000),
        };
        let delays: Vec<RetryDecision> = (0..6).map(|n| policy.decide(Read, NoAnswer, n, 0.0)).collect();
        let want = [100, 200, 400, 800, 1000, 1000].map(|ms| RetryAfter(MS(ms)));
        assert_eq!(delays, want);
        // Jitter never passes the longest delay either.
        assert_eq!(policy.decide(Read, NoAnswer, 3, 0.9), RetryAfter(MS(1000)));
        assert_eq!(RetryPolicy::never().decide(Read, NoAnswer, 0, 0.0), Stop);
        // A jitter that is not a number counts as none; the longest delays do not overflow.
        assert_eq!(policy.decide(Read, NoAnswer, 0, f64::NAN), RetryAfter(MS(100)));
        let longest = RetryPolicy {
            max_retries: 1,
            min_delay: Duration::MAX,
            max_delay: Duration::MAX,
        };
        assert_eq!(longest.decide(Read, NoAnswer, 0, 1.0), RetryAfter(Duration::MAX));
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
