//! When and how often a call that changes nothing is sent again.

use backon::{BackoffBuilder, ExponentialBuilder};
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
    /// Two retries, after about 200 ms and 400 ms (plus jitter), at most 2 s apart.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The delays before each retry.
    pub(crate) fn delays(&self) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
            .with_jitter()
            .build()
    }
}
