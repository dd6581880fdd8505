//! The HTTP side: a notification read, checked, recorded, and answered.

use crate::inbox::{Inbox, NewEvent, Recorded};
use intellectmoney_runtime::notification::{NotificationError, ResultNotification, MAX_BODY};
use intellectmoney_runtime::redact::{mask_card_numbers, printable};
use std::marker::PhantomData;
use std::sync::Arc;

/// Receives the notifications of type `N` (the generated `Notification`) for one shop.
pub struct Receiver<N> {
    pub(crate) inbox: Arc<dyn Inbox>,
    pub(crate) secret_key: intellectmoney_runtime::Secret,
    /// Woken when an event is recorded: the dispatcher looks at once.
    pub(crate) recorded: Arc<tokio::sync::Notify>,
    _n: PhantomData<fn() -> N>,
}

impl<N> std::fmt::Debug for Receiver<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("secret_key", &self.secret_key)
            .finish_non_exhaustive()
    }
}

impl<N> Clone for Receiver<N> {
    fn clone(&self) -> Self {
        Receiver {
            inbox: self.inbox.clone(),
            secret_key: self.secret_key.clone(),
            recorded: self.recorded.clone(),
            _n: PhantomData,
        }
    }
}

/// Why a receiver was not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiverError {
    /// The shop's SecretKey is empty: anyone can compute the hash of an empty key, so no
    /// notification would be trusted.
    #[error("the shop's SecretKey is empty: anyone can compute the hash of an empty key, so no notification is accepted with it")]
    EmptySecretKey,
}

/// What the receiver answers IntellectMoney: the status and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// 200 (accepted: `OK`), 400 (refused: sent again, and refused again), 503 (not recorded:
    /// sent again, to be recorded then).
    pub status: u16,
    /// `OK`, or why not.
    pub body: String,
    /// The event, when accepted: new, or recorded before.
    pub recorded: Option<Recorded>,
}

impl<N: ResultNotification> Receiver<N> {
    /// A receiver checking hashes with the shop's `secret_key` (shop settings;
    /// getEshopInfo's `Eshop.SecretKey`) and recording events in `inbox`.
    pub fn new(secret_key: &str, inbox: impl Inbox + 'static) -> Result<Self, ReceiverError> {
        if secret_key.trim().is_empty() {
            return Err(ReceiverError::EmptySecretKey);
        }
        Ok(Receiver {
            inbox: Arc::new(inbox),
            secret_key: intellectmoney_runtime::Secret::new(secret_key.to_owned()),
            recorded: Arc::new(tokio::sync::Notify::new()),
            _n: PhantomData,
        })
    }

    /// Reads the form `body` as received, checks its hash, records its event, and says what to
    /// answer: `OK` only once the event is on disk.
    pub async fn accept(&self, body: &[u8]) -> Answer {
        let event = match self.event_of(body) {
            Ok(event) => event,
            Err(why) => {
                // The sender's text: card numbers masked, control characters escaped.
                let why = printable(&mask_card_numbers(&why.to_string()));
                tracing::warn!(reason = %why, "a notification was refused");
                return Answer {
                    status: 400,
                    body: format!("refused: {why}"),
                    recorded: None,
                };
            }
        };
        match self.inbox.record(&event).await {
            Ok(recorded) => {
                if let Recorded::New(id) = recorded {
                    tracing::info!(id, invoice = %event.invoice, state = %event.state, "a notification was recorded");
                    self.recorded.notify_waiters();
                }
                Answer {
                    status: 200,
                    body: N::SCHEME.answer.to_owned(),
                    recorded: Some(recorded),
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "a notification could not be recorded: refused, to be sent again");
                Answer {
                    status: 503,
                    body: "not recorded: send it again".into(),
                    recorded: None,
                }
            }
        }
    }

    /// The event a body is, once its hash is checked.
    fn event_of(&self, body: &[u8]) -> Result<NewEvent, NotificationError> {
        if body.len() > MAX_BODY {
            return Err(NotificationError::TooLarge);
        }
        let fields = N::SCHEME.decode(body)?;
        let notification = N::verified(fields.clone(), self.secret_key.expose())?;
        let scheme = N::SCHEME;
        let hash = fields
            .iter()
            .find(|(n, _)| n == scheme.hash_field)
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let (state, rank) = notification.state().unwrap_or_default();
        Ok(NewEvent {
            invoice: notification.invoice(),
            state,
            rank,
            hash,
            // The form's own field of the secret's name is never kept (it comes empty; one that
            // does not is a secret).
            fields: fields.into_iter().filter(|(n, _)| n != scheme.secret_slot).collect(),
        })
    }

    /// An axum router answering notifications POSTed to `/` (nest it under the shop's Result
    /// URL path). Bodies over the notification's limit are refused (413).
    pub fn router(&self) -> axum::Router {
        use axum::extract::{DefaultBodyLimit, State};
        use axum::http::StatusCode;
        let answer = |State(receiver): State<Receiver<N>>, body: axum::body::Bytes| async move {
            let a = receiver.accept(&body).await;
            (
                StatusCode::from_u16(a.status).unwrap_or(StatusCode::BAD_REQUEST),
                a.body,
            )
        };
        axum::Router::new()
            .route("/", axum::routing::post(answer))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(self.clone())
    }
}
