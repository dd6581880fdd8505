//! The client's configuration: endpoint, formats, timeouts, credentials, TLS, limits, proxy.

use super::{
    Client, Error, Inner, RetryPolicy, Session, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_ITEMS, DEFAULT_MAX_PAGES,
};
use crate::api::Api;
use crate::{Format, Secret};
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// An API with a generated client (implemented by the generated crate): what
/// [`ClientBuilder::build`] gives.
pub trait ClientApi: Api {
    /// The generated client: the runtime's [`Client`] with one method per spec method.
    type Client: From<Client<Self>> + std::ops::Deref<Target = Client<Self>> + Send + Sync;
}

/// Configures a [`Client`].
pub struct ClientBuilder<A: Api> {
    base_url: String,
    format: Format,
    connect_timeout: Duration,
    timeout: Duration,
    bearer_token: Option<Secret>,
    sign_secret: Option<Secret>,
    versions: Vec<(&'static str, &'static str)>,
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
    transport: Option<Arc<dyn super::Transport>>,
    api: PhantomData<A>,
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

impl<A: Api> fmt::Debug for ClientBuilder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("format", &self.format)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("bearer_token", &self.bearer_token)
            .field("sign_secret", &self.sign_secret)
            .field("versions", &self.versions)
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
            .field("transport", &self.transport.as_ref().map_or("reqwest", |_| "custom"))
            .finish()
    }
}

impl<A: Api> Default for ClientBuilder<A> {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            format: Format::Xml,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_ATTEMPT_TIMEOUT,
            bearer_token: None,
            sign_secret: None,
            versions: Vec::new(),
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
            transport: None,
            api: PhantomData,
        }
    }
}

impl<A: Api> ClientBuilder<A> {
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

    /// How long to wait for a connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a whole attempt may take, body included (default [`DEFAULT_ATTEMPT_TIMEOUT`]).
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

    /// The version of an API the client calls (default: the one the spec names as default, with
    /// its reason): every method of that API is signed with this version's template, and a
    /// method of another version is refused before it is sent, so that one flow never mixes
    /// two versions.
    pub fn api_version<V: crate::ApiVersion>(mut self, version: V) -> Self {
        self.versions.retain(|(api, _)| *api != V::API);
        self.versions.push((V::API, version.name()));
        self
    }

    /// The TLS client identity, PEM: the private key and the certificate chain in one buffer.
    /// Needed by the methods authenticated by certificate (withdrawMoney, getTransactionData,
    /// getAccountData).
    pub fn identity_pem(mut self, pem: &[u8]) -> Result<Self, Error<A>> {
        #[cfg(feature = "rustls")]
        let identity = reqwest::Identity::from_pem(pem);
        // native-tls reads the chain's certificates and the key from the same text.
        #[cfg(not(feature = "rustls"))]
        let identity = reqwest::Identity::from_pkcs8_pem(pem, pem);
        let identity = identity.map_err(|e| Error::Config(format!("TLS client identity: {e}")))?;
        self.identity = Some(identity);
        Ok(self)
    }

    /// The TLS client identity as PKCS#12 (`.p12`/`.pfx`) with its password (feature `pkcs12`).
    /// rustls takes PEM, so the key and the certificate chain are converted in memory;
    /// native-tls reads the archive itself.
    #[cfg(feature = "pkcs12")]
    pub fn identity_pkcs12(self, der: &[u8], password: &str) -> Result<Self, Error<A>> {
        #[cfg(feature = "rustls")]
        {
            let pem = pkcs12_to_pem(der, password)?;
            self.identity_pem(pem.expose().as_bytes())
        }
        #[cfg(not(feature = "rustls"))]
        {
            let identity = reqwest::Identity::from_pkcs12_der(der, password)
                .map_err(|e| Error::Config(format!("PKCS#12 identity: {e}")))?;
            let mut builder = self;
            builder.identity = Some(identity);
            Ok(builder)
        }
    }

    /// Trusts these CA certificates (PEM, one or more) besides the system's: for a proxy or a
    /// test server with its own CA. Certificates are always verified.
    pub fn root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, Error<A>> {
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

    /// Builds the client.
    pub fn build(self) -> Result<A::Client, Error<A>>
    where
        A: ClientApi,
    {
        self.build_core().map(A::Client::from)
    }

    /// Sends every request through `transport` instead of reqwest: for tests and simulations
    /// that answer in process (and fail as a network fails) without sockets. The TLS, proxy,
    /// timeout and connection-pool settings are reqwest's and do not apply to it; the base URL,
    /// the limits, the retries, the deadline and the session do.
    pub fn transport(mut self, transport: impl super::Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Builds the runtime's client, without the generated methods.
    pub fn build_core(self) -> Result<Client<A>, Error<A>> {
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
        let http = reqwest::Client::builder();
        // The backend the identity was read for (rustls when both are built in).
        #[cfg(feature = "rustls")]
        let http = http.tls_backend_rustls();
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        let http = http.tls_backend_native();
        let mut http = http
            .user_agent(A::USER_AGENT)
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
        let transport: Arc<dyn super::Transport> = match self.transport {
            Some(t) => t,
            None => Arc::new(super::transport::ReqwestTransport::new(
                http.build().map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
            )),
        };
        let secrets = Arc::new(super::secrets::Secrets::default());
        let proxy_password = match &self.proxy {
            ProxyChoice::Url(url) => reqwest::Url::parse(url)
                .ok()
                .and_then(|u| u.password().map(str::to_owned)),
            _ => None,
        };
        let known = [&self.bearer_token, &self.sign_secret, &self.user_token]
            .into_iter()
            .flatten()
            .chain(self.credentials.as_ref().map(|(_, password)| password));
        for secret in known {
            secrets.keep(secret.expose());
        }
        if let Some(p) = proxy_password {
            secrets.keep(&p);
        }
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                base,
                format: self.format,
                bearer_token: self.bearer_token,
                sign_secret: self.sign_secret,
                versions: self.versions,
                retry: self.retry,
                max_body_size: self.max_body_size,
                max_items: self.max_items,
                max_pages: self.max_pages,
                deadline: self.deadline,
                in_flight: tokio::sync::Semaphore::new(self.max_connections),
                session: Session::new(self.user_token, self.credentials),
                secrets,
            }),
            api: PhantomData,
        })
    }
}

/// The private key and certificate chain of a PKCS#12 archive, as one PEM text (kept secret).
#[cfg(all(feature = "pkcs12", feature = "rustls"))]
fn pkcs12_to_pem<A: Api>(der: &[u8], password: &str) -> Result<Secret, Error<A>> {
    use base64::Engine;
    let store = p12_keystore::KeyStore::from_pkcs12(der, password)
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
    let mut pem = block("PRIVATE KEY", chain.key());
    for cert in chain.chain() {
        pem.push_str(&block("CERTIFICATE", cert.as_der()));
    }
    Ok(Secret::new(pem))
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
