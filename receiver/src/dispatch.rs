//! Handing events on: claimed from the inbox one at a time, verified again from what was
//! recorded, given to the shop's handler, and recorded delivered, tried again, or dead.

use crate::inbox::{Event, InboxError};
use crate::receiver::Receiver;
use intellectmoney_runtime::notification::ResultNotification;
use std::future::Future;
use std::time::Duration;

/// How events are handed on.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Dispatch {
    /// How long an event waits after it arrived for one of an earlier state of its invoice
    /// (arrivals out of order within it are handed on in order). Default 2 s.
    pub settle: Duration,
    /// How long an instance holds an invoice while its handler runs; a dead instance's
    /// invoice is taken by another after it. Longer than the handler ever takes. Default 60 s.
    pub lease: Duration,
    /// Calls of a failing handler before the event is dead. Default 8.
    pub max_attempts: u32,
    /// The wait before the second call; it doubles with every failure, up to 10 minutes.
    /// Default 1 s.
    pub first_retry: Duration,
    /// How often the inbox is looked at when nothing was recorded here meanwhile (events
    /// recorded by another instance, retries falling due). Default 250 ms.
    pub poll: Duration,
}

impl Default for Dispatch {
    fn default() -> Self {
        Dispatch {
            settle: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            max_attempts: 8,
            first_retry: Duration::from_secs(1),
            poll: Duration::from_millis(250),
        }
    }
}

impl Dispatch {
    /// The wait before calling again after `attempts` failed calls; `None`: the event is dead.
    pub fn retry_after(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doubled = self.first_retry.saturating_mul(1 << attempts.saturating_sub(1).min(20));
        Some(doubled.min(Duration::from_secs(600)))
    }

    /// The same, with `settle` changed.
    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// The same, with `max_attempts` and `first_retry` changed.
    pub fn retries(mut self, max_attempts: u32, first_retry: Duration) -> Self {
        self.max_attempts = max_attempts.max(1);
        self.first_retry = first_retry;
        self
    }

    /// The same, with `lease` changed.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The same, with `poll` changed.
    pub fn poll(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }
}

impl<N: ResultNotification> Receiver<N> {
    /// Hands every event to `handler` as it becomes due, for ever (run it beside the router;
    /// several instances may run it on one shared inbox). The handler gets the event (its
    /// [`Event::id`] is the same for every call about it) and the notification, verified again
    /// from what was recorded; an `Err` is a failure, called again later. An inbox that fails
    /// (a database restarting) is tried again, a little later each time, and said in the log.
    pub async fn dispatch<H, F, E>(&self, options: &Dispatch, mut handler: H) -> std::convert::Infallible
    where
        H: FnMut(Event, N) -> F,
        F: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let mut backoff = Duration::from_millis(500);
        loop {
            match self.dispatch_due(options, &mut handler).await {
                Ok(0) => {
                    let recorded = self.recorded.notified();
                    let _ = tokio::time::timeout(options.poll, recorded).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, ?backoff, "the inbox failed: tried again later (the events wait there)");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
            }
            backoff = Duration::from_millis(500);
        }
    }

    /// Hands on the events due now, one at a time; returns how many calls of `handler` were
    /// made. While a handler runs, its invoice's claim is renewed (a third of `lease` apart),
    /// so that no other instance takes the event however long the handler takes; if the claim
    /// is lost all the same (this instance was cut off for longer than `lease`), what the
    /// handler did is not recorded here: the instance that took it records its own.
    pub async fn dispatch_due<H, F, E>(&self, options: &Dispatch, handler: &mut H) -> Result<usize, InboxError>
    where
        H: FnMut(Event, N) -> F,
        F: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let mut calls = 0;
        while let Some(event) = self.inbox.claim(options.settle, options.lease).await? {
            let notification = match N::verified(event.fields.clone(), self.secret_key.expose()) {
                Ok(n) => n,
                Err(e) => {
                    // What was recorded no longer verifies (edited, or another SecretKey now).
                    let why = format!("the recorded notification no longer verifies: {e}");
                    tracing::error!(id = event.id, reason = %why, "an event is dead");
                    self.inbox.failed(&event, &why, None).await?;
                    continue;
                }
            };
            calls += 1;
            let outcome = self
                .run_held(options, &event, handler(event.clone(), notification))
                .await?;
            let (id, attempt) = (event.id, event.attempts + 1);
            let recorded = match outcome {
                Ok(()) => self.inbox.delivered(&event).await?,
                Err(e) => {
                    // Kept in the inbox and logged: a handler's text may quote the shop's
                    // SecretKey (a command given it as an argument, say) or a card number.
                    let key = intellectmoney_runtime::redact::Redactor::new([self.secret_key.expose()]);
                    let why = intellectmoney_runtime::redact::printable(&key.untrusted(&e.to_string()));
                    let retry = options.retry_after(attempt);
                    match retry {
                        Some(after) => {
                            tracing::warn!(id, attempt, error = %why, ?after, "the handler failed: called again later")
                        }
                        None => {
                            tracing::error!(id, attempt, error = %why, "the handler failed for the last time: the event is dead")
                        }
                    }
                    self.inbox.failed(&event, &why, retry).await?
                }
            };
            if !recorded {
                tracing::warn!(id, "the event's invoice was taken by another instance while its handler ran here: its outcome is recorded there");
            }
        }
        Ok(calls)
    }

    /// Runs `work` (the handler on `event`) to its end, renewing the claim on the event's
    /// invoice meanwhile.
    async fn run_held<F, E>(&self, options: &Dispatch, event: &Event, work: F) -> Result<Result<(), E>, InboxError>
    where
        F: Future<Output = Result<(), E>>,
    {
        let mut work = std::pin::pin!(work);
        let mut renewals = tokio::time::interval((options.lease / 3).max(Duration::from_millis(10)));
        renewals.tick().await;
        loop {
            tokio::select! {
                outcome = &mut work => return Ok(outcome),
                _ = renewals.tick() => {
                    if !self.inbox.renew(event, options.lease).await? {
                        tracing::warn!(id = event.id, "the claim on the event's invoice was lost while its handler ran");
                    }
                }
            }
        }
    }
}
