//! Every secret a client knows, for redaction: kept for its life (the password, the bearer token,
//! the sign secret, every UserToken it was given or got), or held while a payout that carries it
//! is in flight (a card number, a recipient's account). Any text the client returns or logs
//! about an answer is scrubbed of all of them, not only of the secrets of the request answered:
//! a server may quote the card of the payout in an answer to the poll that follows it.

use crate::redact::Redactor;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub(crate) struct Secrets {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    kept: BTreeSet<String>,
    /// Each value with the number of holds on it.
    held: BTreeMap<String, usize>,
    /// The redactor of all of them, made again after a change.
    built: Option<Redactor>,
}

impl Secrets {
    /// Keeps `value` for the client's life (an empty value is not a secret).
    pub(crate) fn keep(&self, value: &str) {
        if value.is_empty() {
            return;
        }
        let mut state = self.lock();
        if state.kept.insert(value.to_owned()) {
            state.built = None;
        }
    }

    /// Holds `values` until the returned hold is dropped.
    pub(crate) fn hold(self: &Arc<Self>, values: Vec<String>) -> Hold {
        let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        if !values.is_empty() {
            let mut state = self.lock();
            for v in &values {
                *state.held.entry(v.clone()).or_default() += 1;
            }
            state.built = None;
        }
        Hold {
            secrets: self.clone(),
            values,
        }
    }

    /// A redactor of every value kept or held now.
    pub(crate) fn redactor(&self) -> Redactor {
        let mut state = self.lock();
        if let Some(built) = &state.built {
            return built.clone();
        }
        let built = Redactor::new(state.kept.iter().chain(state.held.keys()).map(String::as_str));
        state.built = Some(built.clone());
        built
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Values held for redaction while a payout is in flight
/// ([`Client::hold_secrets_of`](super::Client::hold_secrets_of)); released when dropped.
#[must_use = "the values are released when the hold is dropped"]
pub struct Hold {
    secrets: Arc<Secrets>,
    values: Vec<String>,
}

impl std::fmt::Debug for Hold {
    /// How many values are held, never which.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsHeld")
            .field("values", &self.values.len())
            .finish()
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if self.values.is_empty() {
            return;
        }
        let mut state = self.secrets.lock();
        for v in &self.values {
            if let Some(n) = state.held.get_mut(v) {
                *n -= 1;
                if *n == 0 {
                    state.held.remove(v);
                }
            }
        }
        state.built = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_values_are_redacted_until_every_hold_is_dropped() {
        let secrets = Arc::new(Secrets::default());
        secrets.keep("kept-token");
        let first = secrets.hold(vec!["4111111111111111".into()]);
        let second = secrets.hold(vec!["4111111111111111".into(), String::new()]);
        let text = "kept-token 4111111111111111";
        assert_eq!(secrets.redactor().scrub(text), "[redacted] [redacted]");
        drop(first);
        assert_eq!(
            secrets.redactor().scrub(text),
            "[redacted] [redacted]",
            "one hold is left"
        );
        drop(second);
        assert_eq!(secrets.redactor().scrub(text), "[redacted] 4111111111111111");
    }
}
