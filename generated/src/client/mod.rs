//! The HTTP client: transport (reqwest with rustls), the UserToken session, signing headers,
//! retries of calls that change nothing, and the envelope read into [`Reply`] or [`Error`].
//!
//! The generated methods (`client.get_invoices_history(..)`, one per spec method) call
//! [`Client::send`]; everything here is the same for every method.

mod error;
mod pages;
mod payout;
mod raw;
mod retry;
mod session;

pub use error::{Error, PagingProblem, TransportKind};
pub use payout::{PayoutOutcome, PollPolicy};
pub use raw::RawRequest;
pub use retry::RetryPolicy;

use crate::api::common::{RequestStateCode, Response, ServiceOperationState};
use crate::runtime::redact::Redactor;
use crate::runtime::{
    encode, snippet, ApiRequest, Effect, EncodeContext, EncodedRequest, Format, MethodInfo, ResultState, Secret, Uuid,
};
use serde::de::DeserializeOwned;
use session::Session;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
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

/// How many requests a client has in flight at once by default, and how many idle connections
/// it keeps: 32 (see [`ClientBuilder::max_connections`]).
pub const DEFAULT_MAX_CONNECTIONS: usize = 32;

/// `intellectmoney/<version>`, sent as `User-Agent`.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A successful answer: the method's result and what the envelope said around it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reply<T> {
    /// The method's result (`Result`).
    pub result: T,
    /// `OperationId`, when the answer had one.
    pub operation_id: Option<Uuid>,
    /// `EshopId`, when the answer had one.
    pub eshop_id: Option<crate::common::EshopId>,
    /// `Result.State.Desc` when the API processed the request with warnings (`Result.State.Code` 1).
    pub warning: Option<String>,
}

impl<T> Reply<T> {
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

/// Configures a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    format: Format,
    connect_timeout: Duration,
    timeout: Duration,
    bearer_token: Option<Secret>,
    sign_secret: Option<Secret>,
    identity: Option<reqwest::Identity>,
    roots: Vec<reqwest::Certificate>,
    retry: RetryPolicy,
    user_token: Option<Secret>,
    credentials: Option<(String, Secret)>,
    max_body_size: usize,
    max_connections: usize,
    max_items: usize,
    max_pages: usize,
    deadline: Option<Duration>,
    proxy: ProxyChoice,
}

/// Which proxy HTTPS calls go through. Plain-http calls (loopback only) never use one.
#[derive(Clone, PartialEq, Eq)]
enum ProxyChoice {
    /// None: the default, whatever the environment says.
    Off,
    /// `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY`, as the environment gives them.
    FromEnvironment,
    /// This one.
    Url(String),
}

/// A proxy URL without its user and password.
fn proxy_shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => "[unparsable]".into(),
    }
}

impl fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyChoice::Off => f.write_str("Off"),
            ProxyChoice::FromEnvironment => f.write_str("FromEnvironment"),
            ProxyChoice::Url(url) => write!(f, "Url({})", proxy_shown(url)),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("format", &self.format)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("bearer_token", &self.bearer_token)
            .field("sign_secret", &self.sign_secret)
            .field("identity", &self.identity.as_ref().map(|_| "[redacted]"))
            .field("proxy", &self.proxy)
            .field("extra_roots", &self.roots.len())
            .field("retry", &self.retry)
            .field("max_body_size", &self.max_body_size)
            .field("max_connections", &self.max_connections)
            .field("max_items", &self.max_items)
            .field("max_pages", &self.max_pages)
            .field("deadline", &self.deadline)
            .field("user_token", &self.user_token)
            .field("login", &self.credentials.as_ref().map(|(l, _)| l))
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            format: Format::Xml,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            bearer_token: None,
            sign_secret: None,
            identity: None,
            roots: Vec::new(),
            retry: RetryPolicy::default(),
            user_token: None,
            credentials: None,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_items: DEFAULT_MAX_ITEMS,
            max_pages: DEFAULT_MAX_PAGES,
            deadline: None,
            proxy: ProxyChoice::Off,
        }
    }
}

impl ClientBuilder {
    /// The base URL (default [`DEFAULT_BASE_URL`]). Plain `http` is accepted only for loopback
    /// addresses (tests, local mocks).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The response format asked of the Personal API (XML, its default, or JSON). Methods that
    /// answer in one format only (the Payout API: JSON) use that one.
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a whole attempt may take, body included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long a whole call may take, its retries, their waits and a renewal of the UserToken
    /// included (default: no limit beyond the attempts' timeouts). Past it the call ends with
    /// [`Error::Deadline`]; for a call that writes or moves money, the server may have processed
    /// it.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The bearer token of the merchant cabinet (Security → API), sent as
    /// `Authorization: Bearer …` on signed methods.
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// The signSecretKey: with it, every method that has a `Sign` template is signed.
    pub fn sign_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.sign_secret = Some(secret.into());
        self
    }

    /// The TLS client identity, PEM: the private key and the certificate chain in one buffer.
    /// Needed by the methods authenticated by certificate (withdrawMoney, getTransactionData,
    /// getAccountData).
    pub fn identity_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let identity =
            reqwest::Identity::from_pem(pem).map_err(|e| Error::Config(format!("TLS client identity: {e}")))?;
        self.identity = Some(identity);
        Ok(self)
    }

    /// The TLS client identity as PKCS#12 (`.p12`/`.pfx`) with its password (feature `pkcs12`).
    /// rustls takes PEM, so the key and the certificate chain are converted in memory.
    #[cfg(feature = "pkcs12")]
    pub fn identity_pkcs12(self, der: &[u8], password: &str) -> Result<Self, Error> {
        let pem = pkcs12_to_pem(der, password)?;
        self.identity_pem(pem.expose().as_bytes())
    }

    /// Trusts these CA certificates (PEM, one or more) besides the system's: for a proxy or a
    /// test server with its own CA. Certificates are always verified.
    pub fn root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let certs =
            reqwest::Certificate::from_pem_bundle(pem).map_err(|e| Error::Config(format!("root certificates: {e}")))?;
        if certs.is_empty() {
            return Err(Error::Config("root certificates: no certificate in the PEM".into()));
        }
        self.roots.extend(certs);
        Ok(self)
    }

    /// The largest answer read (default [`DEFAULT_MAX_BODY_SIZE`]); a larger one is
    /// [`Error::TooLarge`].
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// How many requests are in flight at once (default [`DEFAULT_MAX_CONNECTIONS`]; at least
    /// 1), each on a connection of its own; the pool keeps as many idle connections for reuse.
    /// Calls beyond it wait their turn, and their timeout starts once they are sent.
    ///
    /// So at most `n` connections are busy and `n` idle: at most `2n` are open. More than `n`
    /// are open only briefly, because the pool takes a connection back a moment after its answer
    /// has been read, and a call that starts in that moment opens a new one. reqwest has no
    /// stricter per-host limit (reqwest issue #1517).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Retries of read-only calls (default [`RetryPolicy::default`]; [`RetryPolicy::never`]
    /// turns them off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A UserToken obtained elsewhere. Without login and password it cannot be renewed.
    pub fn user_token(mut self, token: impl Into<Secret>) -> Self {
        self.user_token = Some(token.into());
        self
    }

    /// The merchant cabinet's login and password: the client gets a UserToken with
    /// getUserToken before the first call that needs one, and a new one, once, when a call
    /// answers "authentication failed".
    pub fn credentials(mut self, login: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.credentials = Some((login.into(), password.into()));
        self
    }

    /// How many list items one answer may hold, nested lists included (default
    /// [`DEFAULT_MAX_ITEMS`]); an answer with more is a decode error.
    pub fn max_items(mut self, items: usize) -> Self {
        self.max_items = items;
        self
    }

    /// How many pages `pages`/`items` fetch at most (default [`DEFAULT_MAX_PAGES`]); past it the
    /// stream ends with [`Error::Paging`].
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Sends HTTPS calls through this proxy (`http://` or `https://` URL). The proxy sees only
    /// the host: the call is a `CONNECT` tunnel and TLS stays end to end. Plain-http calls
    /// (loopback only) never go through a proxy, since it would see the token in clear.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxyChoice::Url(url.into());
        self
    }

    /// Sends HTTPS calls through the proxy the environment names (`HTTPS_PROXY`, `ALL_PROXY`,
    /// `NO_PROXY`). Without this (or [`Self::proxy`]) no proxy is used, whatever the
    /// environment says; plain-http calls never use one.
    pub fn proxy_from_environment(mut self) -> Self {
        self.proxy = ProxyChoice::FromEnvironment;
        self
    }

    /// Builds a blocking client (feature `blocking`).
    #[cfg(feature = "blocking")]
    pub fn build_blocking(self) -> Result<crate::blocking::Client, Error> {
        crate::blocking::Client::new(self)
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = reqwest::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base URL `{}`: {e}", self.base_url)))?;
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            "http" => {
                return Err(Error::Config(format!(
                    "base URL `{}`: plain http is allowed only for loopback addresses",
                    self.base_url
                )))
            }
            other => {
                return Err(Error::Config(format!(
                    "base URL `{}`: unsupported scheme `{other}`",
                    self.base_url
                )))
            }
        }
        let mut http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            // A redirected POST would resend the body elsewhere: redirects are answers, not
            // followed.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(self.max_connections)
            .https_only(base.scheme() == "https");
        http = match (&self.proxy, base.scheme()) {
            (ProxyChoice::FromEnvironment, "https") => http,
            (ProxyChoice::Url(url), "https") => {
                let proxy = reqwest::Proxy::https(url.as_str())
                    .map_err(|e| Error::Config(format!("proxy `{}`: {e}", proxy_shown(url))))?;
                http.proxy(proxy)
            }
            // Off, or a plain-http (loopback) base: nothing between the client and the server.
            _ => http.no_proxy(),
        };
        if let Some(identity) = self.identity {
            http = http.identity(identity);
        }
        if !self.roots.is_empty() {
            http = http.tls_certs_merge(self.roots);
        }
        let http = http.build().map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                format: self.format,
                bearer_token: self.bearer_token,
                sign_secret: self.sign_secret,
                retry: self.retry,
                max_body_size: self.max_body_size,
                max_items: self.max_items,
                max_pages: self.max_pages,
                deadline: self.deadline,
                in_flight: tokio::sync::Semaphore::new(self.max_connections),
                session: Session::new(self.user_token, self.credentials),
            }),
        })
    }
}

/// The private key and certificate chain of a PKCS#12 archive, as one PEM text (kept secret).
#[cfg(feature = "pkcs12")]
fn pkcs12_to_pem(der: &[u8], password: &str) -> Result<Secret, Error> {
    use base64::Engine;
    let store = p12_keystore::KeyStore::from_pkcs12(der, password, p12_keystore::Pkcs12ImportPolicy::Strict)
        .map_err(|e| Error::Config(format!("PKCS#12 identity: {e}")))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| Error::Config("PKCS#12 identity: no private key with its certificate".into()))?;
    let block = |label: &str, der: &[u8]| {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
    };
    let mut pem = block("PRIVATE KEY", chain.key().as_der());
    for cert in chain.certs() {
        pem.push_str(&block("CERTIFICATE", cert.as_der()));
    }
    Ok(Secret::new(pem))
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The async client of both APIs. Cheap to clone: clones share the connection pool and the
/// session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: reqwest::Url,
    format: Format,
    bearer_token: Option<Secret>,
    sign_secret: Option<Secret>,
    retry: RetryPolicy,
    max_body_size: usize,
    max_items: usize,
    max_pages: usize,
    deadline: Option<Duration>,
    /// One permit per request in flight (`max_connections`).
    in_flight: tokio::sync::Semaphore,
    session: Session,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("format", &self.inner.format)
            .field("bearer_token", &self.inner.bearer_token)
            .field("sign_secret", &self.inner.sign_secret)
            .field("retry", &self.inner.retry)
            .field("session", &self.inner.session)
            .finish()
    }
}

impl Client {
    /// A builder with the defaults: production URL, XML, 10 s to connect, 60 s per attempt, two
    /// retries of read-only calls.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Gets a UserToken with the configured credentials now (the client otherwise does it
    /// before the first call that needs one).
    pub async fn login(&self) -> Result<(), Error> {
        self.inner.session.renew(self, None).await
    }

    /// Forgets the UserToken (the next call that needs one logs in again, if it can).
    pub fn logout(&self) {
        self.inner.session.clear();
    }

    /// Sends any request of the spec. The generated methods call this.
    pub async fn send<R: ApiRequest>(&self, request: &R) -> Result<Reply<R::Output>, Error> {
        let method = R::METHOD;
        let span = tracing::info_span!(
            "intellectmoney",
            method = method.name,
            outcome = tracing::field::Empty,
            operation_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
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

    /// The session around one call: a token first when the method needs one, and one renewal
    /// and repeat when the server answers "authentication failed" (the request was refused, so
    /// repeating it cannot do anything twice).
    async fn send_with_session<R: ApiRequest>(&self, request: &R) -> Result<Reply<R::Output>, Error> {
        let session = &self.inner.session;
        let needs_token = R::METHOD.auth != crate::runtime::Auth::None;
        if needs_token {
            session.ensure(self).await?;
        }
        let token = session.token();
        match self.call(request, token.as_ref()).await {
            Err(e) if e.is_authentication_failed() && needs_token && session.can_renew() => {
                tracing::info!("authentication failed: getting a new UserToken and repeating the call once");
                session.renew(self, token.as_ref()).await?;
                self.call(request, session.token().as_ref()).await
            }
            other => other,
        }
    }

    /// One call: encode, send (with retries when the method changes nothing), decode, and read
    /// the envelope.
    async fn call<R: ApiRequest>(&self, request: &R, token: Option<&Secret>) -> Result<Reply<R::Output>, Error> {
        self.check_signing(R::METHOD)?;
        let ctx = EncodeContext {
            user_token: token.map(Secret::expose),
            sign_secret: self.inner.sign_secret.as_ref().map(Secret::expose),
        };
        let encoded = encode(request, &ctx)?;
        self.exchange(&encoded).await
    }

    /// Sends an encoded request and reads the answer into a reply.
    async fn exchange<T: DeserializeOwned + ResultState>(&self, encoded: &EncodedRequest) -> Result<Reply<T>, Error> {
        // Whatever the answer quotes of the request's secrets is removed before an error leaves.
        self.exchange_unredacted(encoded)
            .await
            .map_err(|e| e.redacted(&self.redactor(encoded)))
    }

    async fn exchange_unredacted<T: DeserializeOwned + ResultState>(
        &self,
        encoded: &EncodedRequest,
    ) -> Result<Reply<T>, Error> {
        let method = encoded.method;
        let format = self.format_for(method);
        let body = self.execute(encoded, format).await?;
        if format.format == Format::Xml {
            check_envelope_root(method.name, &body)?;
        }
        let (response, body): (Response<T>, String) =
            crate::runtime::de::with_item_budget(self.inner.max_items, || {
                crate::runtime::decode_owned(method.name, format.format, body)
            })?;
        read_envelope(method.name, response, &body)
    }

    /// A method the server refuses unsigned (`MethodInfo::sign_required`) is sent only with what
    /// signs it: without the bearer token and the sign secret it is refused here, naming them,
    /// rather than by the server (or not at all by a lax test double).
    fn check_signing(&self, method: &MethodInfo) -> Result<(), Error> {
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
        Err(Error::Request(crate::runtime::RequestError::new(
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
    fn format_for(&self, method: &MethodInfo) -> crate::runtime::ResponseFormat {
        method
            .responses
            .iter()
            .find(|r| r.format == self.inner.format)
            .or_else(|| method.responses.first())
            .copied()
            .unwrap_or(crate::runtime::ResponseFormat {
                format: Format::Xml,
                accept: None,
            })
    }

    /// POSTs the body; retries only when the method reads only, and only on transport errors
    /// and 5xx answers.
    async fn execute(&self, encoded: &EncodedRequest, format: crate::runtime::ResponseFormat) -> Result<String, Error> {
        let method = encoded.method;
        let url = self
            .inner
            .base
            .join(method.path)
            .map_err(|e| Error::Config(format!("path `{}`: {e}", method.path)))?;
        let retries = method.effect == Effect::Read;
        let mut delays = self.inner.retry.delays();
        let mut attempt = 1u32;
        loop {
            let mut req = self
                .inner
                .http
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, method.content_type)
                .body(encoded.body.clone());
            if let Some(accept) = format.accept {
                req = req.header(reqwest::header::ACCEPT, accept);
            }
            if method.sign.is_some() {
                if let Some(bearer) = &self.inner.bearer_token {
                    let mut value = reqwest::header::HeaderValue::try_from(format!("Bearer {}", bearer.expose()))
                        .map_err(|_| Error::Config("the bearer token is not a valid header value".into()))?;
                    value.set_sensitive(true);
                    req = req.header(reqwest::header::AUTHORIZATION, value);
                }
                if let Some(sign) = &encoded.sign {
                    req = req.header("Sign", sign.as_str());
                }
            }
            // Held until the body is read: the connection is busy until then. The semaphore is
            // never closed, so a permit always comes.
            let permit = self.inner.in_flight.acquire().await.ok();
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    match self.read_body(method.name, resp).await {
                        Ok(bytes) if status.is_success() => return text_of(method.name, bytes),
                        Ok(bytes) => Err(Error::Status {
                            method: method.name,
                            status: status.as_u16(),
                            // The whole body is scrubbed before a snippet is cut from it.
                            snippet: snippet(&self.redactor(encoded).scrub(&String::from_utf8_lossy(&bytes))),
                        }),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(transport(method.name, e)),
            };
            // Not held while waiting to retry.
            drop(permit);
            let err = match outcome {
                Ok(text) => return Ok(text),
                Err(e) => e,
            };
            let retryable = matches!(&err, Error::Transport { .. })
                || matches!(&err, Error::Status { status, .. } if *status >= 500);
            match delays.next() {
                Some(delay) if retries && retryable => {
                    tracing::warn!(attempt, error = %err, delay_ms = delay.as_millis() as u64, "retrying a read-only call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                _ => return Err(err),
            }
        }
    }
}

impl Client {
    /// The body, refused as soon as it grows past the limit (a declared length is checked
    /// before anything is read).
    async fn read_body(&self, method: &'static str, mut resp: reqwest::Response) -> Result<Vec<u8>, Error> {
        let limit = self.inner.max_body_size;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(Error::TooLarge { method, limit });
        }
        // Sized once when the length is declared: growing by doubling would hold up to twice it.
        let mut body = Vec::with_capacity(resp.content_length().map_or(0, |n| n as usize));
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport(method, e))? {
            if body.len() + chunk.len() > limit {
                return Err(Error::TooLarge { method, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The secret values this request carried: its secret parameters (UserToken, password, card
    /// number), the bearer token and the sign secret.
    fn redactor(&self, encoded: &EncodedRequest) -> Redactor {
        let params = encoded
            .params
            .iter()
            .filter(|p| crate::api::SECRET_FIELDS.contains(&p.name))
            .map(|p| p.value.as_str());
        let keys = [&self.inner.bearer_token, &self.inner.sign_secret]
            .into_iter()
            .flatten()
            .map(Secret::expose);
        Redactor::new(params.chain(keys))
    }
}

/// An XML answer is one `<Response>` element (the spec's envelope, `common::Response`): the serde
/// decoder does not look at the root's name, so another document of the right shape would pass.
fn check_envelope_root(method: &'static str, body: &str) -> Result<(), Error> {
    match crate::runtime::xml_shape::single_root(body) {
        Ok("Response") | Err(_) => Ok(()), // a broken shape is reported by the decoder, with its path
        Ok(other) => Err(Error::Decode(crate::runtime::DecodeError {
            method,
            path: ".".into(),
            message: format!("the answer's root element is `<{other}>`, not `<Response>`"),
            body: body.to_owned(),
        })),
    }
}

/// Runs a call under a deadline: past it, [`Error::Deadline`].
pub(crate) async fn within<T>(
    method: &'static str,
    deadline: Duration,
    call: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::time::timeout(deadline, call)
        .await
        .unwrap_or(Err(Error::Deadline { method, deadline }))
}

/// A 2xx body as text: UTF-8 (a byte-order mark is dropped); anything else is a decode error.
fn text_of(method: &'static str, bytes: Vec<u8>) -> Result<String, Error> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        Error::Decode(crate::runtime::DecodeError {
            method,
            path: ".".into(),
            message: format!("the body is not UTF-8 (byte {valid})"),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

fn transport(method: &'static str, e: reqwest::Error) -> Error {
    Error::Transport {
        method,
        kind: TransportKind::of(&e),
        source: e.without_url(),
    }
}

/// The envelope's codes: processed (with the result, and a warning if `Result.State` says so),
/// queued, or refused.
fn read_envelope<T: ResultState>(method: &'static str, response: Response<T>, body: &str) -> Result<Reply<T>, Error> {
    let operation_id = response.operation_id;
    match response.operation_state.code {
        ServiceOperationState::Processed => {}
        ServiceOperationState::Queued => return Err(Error::Queued { method, operation_id }),
        code => {
            return Err(Error::Refused {
                method,
                code,
                desc: response.operation_state.desc,
                operation_id,
            })
        }
    }
    let Some(result) = response.result else {
        return Err(Error::Decode(crate::runtime::DecodeError {
            method,
            path: "Result".into(),
            message: "OperationState.Code is 0 but the answer has no Result".into(),
            body: body.to_owned(),
        }));
    };
    let mut warning = None;
    if let Some(state) = result.request_state() {
        match &state.code {
            RequestStateCode::Success => {}
            RequestStateCode::Warning => warning = Some(state.desc.clone().unwrap_or_default()),
            code => {
                return Err(Error::Rejected {
                    method,
                    code: code.clone(),
                    desc: state.desc.clone(),
                    operation_id,
                })
            }
        }
    }
    Ok(Reply {
        result,
        operation_id,
        eshop_id: response.eshop_id,
        warning,
    })
}
