//! The HTTP client: transport (reqwest with rustls), the UserToken session, signing headers,
//! retries of calls that change nothing, and the envelope read into [`Reply`] or [`Error`].
//!
//! The generated methods (`client.get_invoices_history(..)`, one per spec method) call
//! [`Client::send`]; everything here is the same for every method.

mod builder;
mod error;
mod pages;
pub(crate) mod payout;
mod raw;
mod retry;
mod secrets;
mod session;
pub mod transport;

pub use builder::{ClientApi, ClientBuilder};
pub use error::{Error, PagingProblem, TransportKind};
pub use payout::{Created, PayoutOutcome, PollPolicy, Settling};
pub use raw::RawRequest;
pub use retry::{AttemptFailure, RetryDecision, RetryPolicy};
pub use secrets::Hold as SecretsHeld;
/// The clock of the payout flow's deadlines (tokio's, so that a test's paused clock moves them).
pub use tokio::time::Instant;
pub use transport::{HttpRequest, HttpResponse, Transport, TransportError};

use crate::api::{Api, Envelope, EnvelopeParts, Meaning, ResultState, StateCode};
use crate::redact::Redactor;
use crate::{encode, snippet, ApiRequest, Effect, EncodeContext, EncodedRequest, Format, MethodInfo, Secret, Uuid};
use session::Session;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// The production endpoint of both APIs.
pub const DEFAULT_BASE_URL: &str = "https://api.intellectmoney.ru";

/// The largest answer the client reads by default: 16 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 16 << 20;

/// How many list items one answer may hold by default, nested lists included: 20,000. A page of
/// the registries is a few hundred invoices with their transactions; the limit keeps a small
/// answer of many empty items from taking memory out of proportion to its size.
pub const DEFAULT_MAX_ITEMS: usize = 20_000;

/// How many pages `pages`/`items` fetch at most by default: 10,000.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// How long the client waits for a connection by default: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one attempt of a call may take by default, its answer's body included: 60 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// How many times a read-only call is sent again by default after a transport error or a 5xx
/// answer: 2 (see [`RetryPolicy`]). A call that writes or moves money never is.
pub const DEFAULT_MAX_RETRIES: usize = 2;

/// The delay before the first retry by default, before jitter: 200 ms (each next one doubles).
pub const DEFAULT_MIN_RETRY_DELAY: Duration = Duration::from_millis(200);

/// The longest delay between retries by default: 2 s.
pub const DEFAULT_MAX_RETRY_DELAY: Duration = Duration::from_secs(2);

/// How many requests a client has in flight at once by default, and how many idle connections
/// it keeps: 32 (see [`ClientBuilder::max_connections`]).
pub const DEFAULT_MAX_CONNECTIONS: usize = 32;

/// A successful answer: the method's result and what the envelope said around it (`A` is the
/// generated API; the generated crate names it `intellectmoney::Reply<T>`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reply<T, A: Api> {
    /// The method's result (`Result`).
    pub result: T,
    /// `OperationId`, when the answer had one.
    pub operation_id: Option<Uuid>,
    /// `EshopId`, when the answer had one.
    pub eshop_id: Option<A::EshopId>,
    /// `Result.State.Desc` when the API processed the request with warnings (`Result.State.Code` 1).
    pub warning: Option<String>,
}

impl<T, A: Api> Reply<T, A> {
    /// A reply holding `result` and nothing else: for fakes of the client in users' tests.
    pub fn new(result: T) -> Self {
        Reply {
            result,
            operation_id: None,
            eshop_id: None,
            warning: None,
        }
    }

    /// The same reply with an `OperationId`.
    pub fn with_operation_id(mut self, id: Uuid) -> Self {
        self.operation_id = Some(id);
        self
    }

    /// The same reply with a warning (`Result.State.Code` 1 and its text).
    pub fn with_warning(mut self, warning: impl Into<String>) -> Self {
        self.warning = Some(warning.into());
        self
    }
}

/// The async client of a generated API (`A`): transport, session, signing, retries and the
/// envelope. Cheap to clone: clones share the connection pool and the session.
///
/// The generated client wraps it and adds one method per spec method; its own methods
/// ([`Client::send`], [`Client::pages`], [`Client::payout`], …) are the same for every method.
pub struct Client<A: Api> {
    inner: Arc<Inner>,
    api: PhantomData<A>,
}

impl<A: Api> Clone for Client<A> {
    fn clone(&self) -> Self {
        Client {
            inner: self.inner.clone(),
            api: PhantomData,
        }
    }
}

struct Inner {
    transport: Arc<dyn Transport>,
    base: reqwest::Url,
    format: Format,
    bearer_token: Option<Secret>,
    sign_secret: Option<Secret>,
    /// The version chosen of each API that has versions (the others use their default).
    versions: Vec<(&'static str, &'static str)>,
    retry: RetryPolicy,
    max_body_size: usize,
    max_items: usize,
    max_pages: usize,
    deadline: Option<Duration>,
    /// One permit per request in flight (`max_connections`).
    in_flight: tokio::sync::Semaphore,
    session: Session,
    /// Every secret the client knows, for redaction.
    secrets: Arc<secrets::Secrets>,
}

impl<A: Api> fmt::Debug for Client<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("format", &self.inner.format)
            .field("bearer_token", &self.inner.bearer_token)
            .field("sign_secret", &self.inner.sign_secret)
            .field("versions", &self.inner.versions)
            .field("retry", &self.inner.retry)
            .field("session", &self.inner.session)
            .finish()
    }
}

impl<A: Api> Client<A> {
    /// A builder with the defaults: the production URL ([`DEFAULT_BASE_URL`]), XML,
    /// [`DEFAULT_CONNECT_TIMEOUT`] to connect, [`DEFAULT_ATTEMPT_TIMEOUT`] per attempt, and
    /// [`DEFAULT_MAX_RETRIES`] retries of read-only calls ([`RetryPolicy::default`]).
    pub fn builder() -> ClientBuilder<A> {
        ClientBuilder::default()
    }

    /// Gets a UserToken with the configured credentials now (the client otherwise does it
    /// before the first call that needs one).
    pub async fn login(&self) -> Result<(), Error<A>> {
        self.inner.session.renew(self, None).await
    }

    /// Forgets the UserToken (the next call that needs one logs in again, if it can).
    pub fn logout(&self) {
        self.inner.session.clear();
    }

    /// Sends any request of the spec. The generated methods call this.
    pub async fn send<R: ApiRequest<Api = A>>(&self, request: &R) -> Result<Reply<R::Output, A>, Error<A>> {
        let method = R::METHOD;
        let span = tracing::info_span!(
            "intellectmoney",
            method = method.name,
            outcome = tracing::field::Empty,
            operation_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        async move {
            let result = match self.inner.deadline {
                Some(deadline) => within(method.name, deadline, self.send_with_session(request)).await,
                None => self.send_with_session(request).await,
            };
            let span = tracing::Span::current();
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(reply) => {
                    span.record("outcome", if reply.warning.is_some() { "warning" } else { "ok" });
                    if let Some(id) = reply.operation_id {
                        span.record("operation_id", tracing::field::display(id));
                    }
                }
                Err(e) => {
                    span.record("outcome", e.kind());
                    if let Error::Queued {
                        operation_id: Some(id), ..
                    }
                    | Error::Refused {
                        operation_id: Some(id), ..
                    } = e
                    {
                        span.record("operation_id", tracing::field::display(id));
                    }
                    tracing::debug!(error = %e, "call failed");
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    /// The session around one call: a token first when the method needs one, and a renewal when
    /// the server answers "authentication failed". A call that only reads is then repeated once;
    /// a call that writes or moves money is not (an answer is not proof of what the server did,
    /// and such a call is never sent twice): its error is returned, and the next call has the
    /// new token.
    async fn send_with_session<R: ApiRequest<Api = A>>(&self, request: &R) -> Result<Reply<R::Output, A>, Error<A>> {
        let session = &self.inner.session;
        let needs_token = R::METHOD.auth != crate::Auth::None;
        if needs_token {
            session.ensure(self).await?;
        }
        let token = session.token();
        match self.call(request, token.as_ref()).await {
            Err(e) if e.is_authentication_failed() && needs_token && session.can_renew() => {
                if R::METHOD.effect != Effect::Read {
                    tracing::info!("authentication failed: getting a new UserToken; the call is not repeated");
                    if let Err(renewal) = session.renew(self, token.as_ref()).await {
                        tracing::warn!(error = %renewal, "the UserToken could not be renewed");
                    }
                    return Err(e);
                }
                tracing::info!("authentication failed: getting a new UserToken and repeating the call once");
                session.renew(self, token.as_ref()).await?;
                self.call(request, session.token().as_ref()).await
            }
            other => other,
        }
    }

    /// One call: encode, send (with retries when the method changes nothing), decode, and read
    /// the envelope.
    async fn call<R: ApiRequest<Api = A>>(
        &self,
        request: &R,
        token: Option<&Secret>,
    ) -> Result<Reply<R::Output, A>, Error<A>> {
        self.check_signing(R::METHOD)?;
        let ctx = EncodeContext {
            user_token: token.map(Secret::expose),
            sign_secret: self.inner.sign_secret.as_ref().map(Secret::expose),
            version: self.version_of(R::METHOD),
        };
        let encoded = encode(request, &ctx)?;
        self.exchange(&encoded).await
    }

    /// Sends an encoded request and reads the answer into a reply.
    async fn exchange<T: crate::xml::Decodable + ResultState<A::RequestCode>>(
        &self,
        encoded: &EncodedRequest,
    ) -> Result<Reply<T, A>, Error<A>> {
        // Whatever the answer quotes of any secret the client knows is removed before an error
        // or a warning leaves.
        match self.exchange_unredacted(encoded).await {
            Ok(mut reply) => {
                if let Some(w) = reply.warning.take() {
                    reply.warning = Some(self.call_redactor(encoded).untrusted(&w));
                }
                Ok(reply)
            }
            Err(e) => Err(e.redacted(&self.call_redactor(encoded))),
        }
    }

    async fn exchange_unredacted<T: crate::xml::Decodable + ResultState<A::RequestCode>>(
        &self,
        encoded: &EncodedRequest,
    ) -> Result<Reply<T, A>, Error<A>> {
        let method = encoded.method;
        let format = self.format_for(method);
        let body = self.execute(encoded, format).await?;
        if format.format == Format::Xml {
            check_envelope_root::<A>(method.name, &body)?;
        }
        let (response, body): (A::Envelope<T>, String) = crate::de::with_item_budget(self.inner.max_items, || {
            crate::decode_owned::<A, _>(method.name, format.format, body)
        })?;
        read_envelope(method.name, response.into_parts(), &body)
    }

    /// The version of `method`'s API the client is set to (`None`: the API has no versions).
    pub fn version_of(&self, method: &MethodInfo) -> Option<&'static str> {
        crate::api::version_of::<A>(&self.inner.versions, method.api)
    }

    /// Refuses a method that the client's version of its API does not have (nothing is sent):
    /// the batch runner asks before its first line.
    pub fn check_version(&self, method: &'static MethodInfo) -> Result<(), Error<A>> {
        match self.version_of(method) {
            Some(v) if !method.in_version(Some(v)) => Err(Error::Request(crate::version_refusal(method, v))),
            _ => Ok(()),
        }
    }

    /// A method the server refuses unsigned (`MethodInfo::sign_required`) is sent only with what
    /// signs it: without the bearer token and the sign secret it is refused here, naming them,
    /// rather than by the server (or not at all by a lax test double).
    fn check_signing(&self, method: &MethodInfo) -> Result<(), Error<A>> {
        if !method.sign_required {
            return Ok(());
        }
        let missing: Vec<&str> = [
            (self.inner.bearer_token.is_none(), ".bearer_token(..)"),
            (self.inner.sign_secret.is_none(), ".sign_secret(..)"),
        ]
        .into_iter()
        .filter_map(|(absent, call)| absent.then_some(call))
        .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::Request(crate::RequestError::new(
            method.name,
            "Sign",
            format!(
                "is required: the method is always signed, and the client was built without {}",
                missing.join(" and ")
            ),
        )))
    }

    /// The format asked for: the client's, when the method answers in it; else the method's
    /// default.
    fn format_for(&self, method: &MethodInfo) -> crate::ResponseFormat {
        method
            .responses
            .iter()
            .find(|r| r.format == self.inner.format)
            .or_else(|| method.responses.first())
            .copied()
            .unwrap_or(crate::ResponseFormat {
                format: Format::Xml,
                accept: None,
            })
    }

    /// POSTs the body, again as long as [`RetryPolicy::decide`] says so (only a call that reads
    /// only, only after a transport error or a 5xx answer).
    async fn execute(&self, encoded: &EncodedRequest, format: crate::ResponseFormat) -> Result<String, Error<A>> {
        let method = encoded.method;
        let url = self
            .inner
            .base
            .join(method.path)
            .map_err(|e| Error::Config(format!("path `{}`: {e}", method.path)))?;
        let mut attempt = 1u32;
        loop {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static(method.content_type),
            );
            headers.insert(
                reqwest::header::USER_AGENT,
                reqwest::header::HeaderValue::from_static(A::USER_AGENT),
            );
            if let Some(accept) = format.accept {
                headers.insert(
                    reqwest::header::ACCEPT,
                    reqwest::header::HeaderValue::from_static(accept),
                );
            }
            if method.is_signed() {
                if let Some(bearer) = &self.inner.bearer_token {
                    let mut value = reqwest::header::HeaderValue::try_from(format!("Bearer {}", bearer.expose()))
                        .map_err(|_| Error::Config("the bearer token is not a valid header value".into()))?;
                    value.set_sensitive(true);
                    headers.insert(reqwest::header::AUTHORIZATION, value);
                }
                if let Some(sign) = &encoded.sign {
                    let mut value = reqwest::header::HeaderValue::try_from(sign.as_str())
                        .map_err(|_| Error::Config("the Sign is not a valid header value".into()))?;
                    value.set_sensitive(true);
                    headers.insert("Sign", value);
                }
            }
            let request = HttpRequest {
                method: method.name,
                url: url.clone(),
                headers,
                body: encoded.body.clone().into_bytes(),
            };
            // Held until the body is read: the connection is busy until then. The semaphore is
            // never closed, so a permit always comes.
            let permit = self.inner.in_flight.acquire().await.ok();
            let outcome = match self.inner.transport.send(request, self.inner.max_body_size).await {
                Ok(HttpResponse { status, body }) if (200..300).contains(&status) => return text_of(method.name, body),
                Ok(HttpResponse { status, body }) => Err(Error::Status {
                    method: method.name,
                    status,
                    // The whole body is scrubbed, and its card numbers masked, before a snippet
                    // is cut from it (a cut through a card number would hide it from the mask).
                    snippet: snippet(
                        &self.call_redactor(encoded).untrusted(&String::from_utf8_lossy(&body)),
                        A::SECRET_FIELDS,
                    ),
                }),
                Err(TransportError::TooLarge) => Err(Error::TooLarge {
                    method: method.name,
                    limit: self.inner.max_body_size,
                }),
                Err(TransportError::Failed { kind, source }) => Err(Error::Transport {
                    method: method.name,
                    kind,
                    source,
                }),
            };
            // Not held while waiting to retry.
            drop(permit);
            let err = match outcome {
                Ok(text) => return Ok(text),
                Err(e) => e,
            };
            // Only how the attempt ended: what an answer says is read after.
            let failure = match err.failure() {
                f @ (AttemptFailure::NotConnected
                | AttemptFailure::NoAnswer
                | AttemptFailure::Status(_)
                | AttemptFailure::TooLarge) => f,
                _ => return Err(err),
            };
            let retries = attempt as usize - 1;
            match self
                .inner
                .retry
                .decide(method.effect, failure, retries, retry::jitter())
            {
                RetryDecision::RetryAfter(delay) => {
                    tracing::warn!(attempt, error = %err, delay_ms = delay.as_millis() as u64, "retrying a read-only call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                RetryDecision::Stop | RetryDecision::Unsettled => return Err(err),
            }
        }
    }
}

impl<A: Api> Client<A> {
    /// A redactor of every secret this client knows now: its password, bearer token and sign
    /// secret, every UserToken it was given or got, and the card numbers and accounts of the
    /// payouts in flight. For any text about a call an application shows, logs or stores
    /// ([`Redactor::untrusted`] for text a server wrote); the client's own errors, warnings,
    /// failure messages and logs already went through it.
    pub fn redactor(&self) -> Redactor {
        self.inner.secrets.redactor()
    }

    /// The client's secrets and, besides, the secret and personal parameters this request
    /// carried (UserToken, password, card number, account).
    fn call_redactor(&self, encoded: &EncodedRequest) -> Redactor {
        let params = Redactor::new(sensitive_params::<A>(&encoded.params));
        self.inner.secrets.redactor().and(&params)
    }

    /// Holds the secret and personal values of `request` (a payout's card number or account)
    /// for redaction while the returned hold lives: every text the client returns or logs about
    /// any answer is scrubbed of them, not only the answers to `request` (a server may quote a
    /// payout's card in the answer to a poll that follows it).
    pub fn hold_secrets_of<R: ApiRequest<Api = A>>(&self, request: &R) -> SecretsHeld {
        let values = match request.wire_params(Some("")) {
            Ok(params) => sensitive_params::<A>(&params).map(str::to_owned).collect(),
            Err(_) => Vec::new(),
        };
        self.inner.secrets.hold(values)
    }
}

/// The values of the parameters the spec marks secret or personal.
fn sensitive_params<A: Api>(params: &[crate::WireParam]) -> impl Iterator<Item = &str> {
    params
        .iter()
        .filter(|p| A::SECRET_FIELDS.contains(&p.name) || A::PERSONAL_FIELDS.contains(&p.name))
        .map(|p| p.value.as_str())
}

/// An XML answer is one element named as the spec's envelope (`<Response>`): the serde decoder
/// does not look at the root's name, so another document of the right shape would pass.
fn check_envelope_root<A: Api>(method: &'static str, body: &str) -> Result<(), Error<A>> {
    match crate::xml_shape::single_root(body) {
        Err(_) => Ok(()), // a broken shape is reported by the decoder, with its path
        Ok(root) if root == A::ENVELOPE_ROOT => Ok(()),
        Ok(other) => Err(Error::Decode(crate::DecodeError::new::<A>(
            method,
            ".",
            format!("the answer's root element is `<{other}>`, not `<{}>`", A::ENVELOPE_ROOT),
            body,
        ))),
    }
}

/// Runs a call under a deadline: past it, [`Error::Deadline`].
pub(crate) async fn within<T, A: Api>(
    method: &'static str,
    deadline: Duration,
    call: impl std::future::Future<Output = Result<T, Error<A>>>,
) -> Result<T, Error<A>> {
    tokio::time::timeout(deadline, call)
        .await
        .unwrap_or(Err(Error::Deadline { method, deadline }))
}

/// A 2xx body as text: UTF-8 (a byte-order mark is dropped); anything else is a decode error.
fn text_of<A: Api>(method: &'static str, bytes: Vec<u8>) -> Result<String, Error<A>> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        Error::Decode(crate::DecodeError::new::<A>(
            method,
            ".",
            format!("the body is not UTF-8 (byte {valid})"),
            String::from_utf8_lossy(&bytes),
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// The envelope's codes: processed (with the result, and a warning if `Result.State` says so),
/// queued, or refused.
fn read_envelope<A: Api, T: ResultState<A::RequestCode>>(
    method: &'static str,
    envelope: EnvelopeParts<A, T>,
    body: &str,
) -> Result<Reply<T, A>, Error<A>> {
    let operation_id = envelope.operation_id;
    match envelope.code.meaning() {
        Meaning::Ok => {}
        Meaning::Queued => return Err(Error::Queued { method, operation_id }),
        _ => {
            return Err(Error::Refused {
                method,
                code: envelope.code,
                desc: envelope.desc,
                operation_id,
            })
        }
    }
    let Some(result) = envelope.result else {
        return Err(Error::Decode(crate::DecodeError::new::<A>(
            method,
            "Result",
            "OperationState.Code is 0 but the answer has no Result",
            body,
        )));
    };
    let mut warning = None;
    if let Some((code, desc)) = result.request_state() {
        match code.meaning() {
            Meaning::Ok => {}
            Meaning::Warning => warning = Some(desc.unwrap_or_default().to_owned()),
            _ => {
                return Err(Error::Rejected {
                    method,
                    code: code.clone(),
                    desc: desc.map(str::to_owned),
                    operation_id,
                })
            }
        }
    }
    Ok(Reply {
        result,
        operation_id,
        eshop_id: envelope.eshop_id,
        warning,
    })
}
