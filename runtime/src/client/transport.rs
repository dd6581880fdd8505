//! The seam under the client: one HTTP exchange, request bytes in, status and body out. The
//! client sends through reqwest ([`ReqwestTransport`], the default); a test or a simulator gives
//! [`ClientBuilder::transport`](super::ClientBuilder::transport) one of its own, to answer in
//! process and to fail in the ways a network fails (not sent; sent, and the answer lost).

use super::TransportKind;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// One request as the client sends it: a POST of `body` to `url` with `headers`.
///
/// `headers` holds `Authorization` and `Sign` on signed methods: a transport must not log or
/// keep it (the client marks `Authorization` sensitive).
#[derive(Clone)]
pub struct HttpRequest {
    /// The spec method it is (`ExecuteOperation`).
    pub method: &'static str,
    /// Where it goes.
    pub url: reqwest::Url,
    /// Its headers: `Content-Type`, `Accept`, and on signed methods `Authorization` and `Sign`.
    pub headers: reqwest::header::HeaderMap,
    /// Its body.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the headers (bearer token) nor the body (password, card number) are shown.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// An answer: its status and its whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body (at most the client's `max_body_size` bytes).
    pub body: Vec<u8>,
}

/// Why an exchange gave no answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportError {
    /// No answer. [`TransportKind::Connect`] says that no byte of the request reached the server
    /// (no connection was made); every other kind, [`TransportKind::Tls`] included, leaves open
    /// that the server received the request and acted on it. A transport of one's own must not
    /// say `Connect` unless it knows that.
    Failed {
        /// What failed.
        kind: TransportKind,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The answer was larger than the limit; it was not read further.
    TooLarge,
}

/// What [`Transport::send`] returns.
pub type Exchange<'a> = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'a>>;

/// Sends one request and reads its answer, up to `max_body_size` bytes. The client calls it once
/// per attempt; it retries only calls that read, and never a call that writes or moves money.
pub trait Transport: Send + Sync + 'static {
    /// One exchange.
    fn send(&self, request: HttpRequest, max_body_size: usize) -> Exchange<'_>;
}

/// The default transport: reqwest, as [`ClientBuilder`](super::ClientBuilder) configures it (TLS,
/// timeouts, proxy, connection pool).
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    /// Sends through this reqwest client.
    pub fn new(http: reqwest::Client) -> Self {
        ReqwestTransport { http }
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest, max_body_size: usize) -> Exchange<'_> {
        Box::pin(async move {
            let resp = self
                .http
                .post(request.url)
                .headers(request.headers)
                .body(request.body)
                .send()
                .await
                .map_err(failed)?;
            let status = resp.status().as_u16();
            let body = read_body(resp, max_body_size).await?;
            Ok(HttpResponse { status, body })
        })
    }
}

/// The body, refused as soon as it grows past the limit (a declared length is checked before
/// anything is read).
async fn read_body(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, TransportError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(TransportError::TooLarge);
    }
    // Sized once when the length is declared: growing by doubling would hold up to twice it.
    let mut body = Vec::with_capacity(resp.content_length().map_or(0, |n| n as usize));
    while let Some(chunk) = resp.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > limit {
            return Err(TransportError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn failed(e: reqwest::Error) -> TransportError {
    TransportError::Failed {
        kind: TransportKind::of(&e),
        source: Box::new(e.without_url()),
    }
}
