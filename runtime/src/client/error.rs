//! The one error type of the client.

use crate::api::{Api, Meaning, StateCode};
use crate::redact::{printable, Redactor};
use crate::{DecodeError, RequestError, Uuid};
use std::fmt;

/// Everything that can go wrong with a call, told apart so that a caller can act on it.
///
/// None of the variants holds a secret: request bodies are never kept, and whatever an answer
/// quotes of the request's secrets (in any encoding) is removed from bodies, snippets and the
/// server's texts before the error is returned. Server text is shown with control characters
/// escaped.
///
/// `A` is the generated API, whose status codes `Refused` and `Rejected` carry; the generated
/// crate names it `intellectmoney::Error`.
// Display, Error and From are written out below rather than derived: a dependent's build then
// compiles no proc-macro for them (thiserror's), which costs more than these lines.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<A: Api> {
    /// The client refused to send the request: a parameter breaks a documented rule.
    Request(RequestError),
    /// The request did not get an answer: connection, TLS, timeout, or a broken body. Only a
    /// failure to connect ([`TransportKind::Connect`], [`Error::was_not_sent`]) means the server
    /// received nothing; after any other (a TLS error too: TLS 1.3 can refuse a client
    /// certificate after the request was written), a call that writes or moves money may have
    /// been processed.
    Transport {
        /// The method.
        method: &'static str,
        /// What failed.
        kind: TransportKind,
        /// The underlying error (reqwest's, with the default transport).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An HTTP status other than 2xx.
    Status {
        /// The method.
        method: &'static str,
        /// The status code.
        status: u16,
        /// The start of the body, secrets masked.
        snippet: String,
    },
    /// The body could not be decoded (the method, the field path, a snippet; the body is in it).
    Decode(DecodeError),
    /// IntellectMoney did not process the request (`OperationState.Code` 2, or an unknown code).
    Refused {
        /// The method.
        method: &'static str,
        /// The code.
        code: A::ServiceCode,
        /// The API's text.
        desc: Option<String>,
        /// The operation id, when the answer had one.
        operation_id: Option<Uuid>,
    },
    /// The method refused the request (`Result.State.Code` 2 "authentication failed", or a code
    /// the spec does not know).
    Rejected {
        /// The method.
        method: &'static str,
        /// The code.
        code: A::RequestCode,
        /// The API's text; names the wrong parameter when one was wrong.
        desc: Option<String>,
        /// The operation id, when the answer had one.
        operation_id: Option<Uuid>,
    },
    /// The request was queued for asynchronous processing (`OperationState.Code` 1): there is no
    /// result yet. It must not be sent again; its outcome is looked up by the operation id.
    Queued {
        /// The method.
        method: &'static str,
        /// The operation id.
        operation_id: Option<Uuid>,
    },
    /// The answer was larger than the client's limit (`ClientBuilder::max_body_size`); it was
    /// not read further.
    TooLarge {
        /// The method.
        method: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The call did not end within its deadline (`ClientBuilder::deadline`, or the payout
    /// flow's), retries included. For a call that writes or moves money, the server may have
    /// processed it: look it up before sending it again.
    Deadline {
        /// The method.
        method: &'static str,
        /// The deadline.
        deadline: std::time::Duration,
    },
    /// A call that writes or moves money may have been processed, and no answer says whether:
    /// look it up (by `operation_id` when known); do not send it again. `cause` is what went
    /// wrong (no answer, no answer in time, a 5xx, "queued", an answer that cannot be read).
    Unsettled {
        /// The method.
        method: &'static str,
        /// The operation, when known.
        operation_id: Option<Uuid>,
        /// What went wrong.
        cause: Box<Error<A>>,
    },
    /// Paging stopped: a page repeated the previous one, held more items than `Take`, or the
    /// page limit was reached (`ClientBuilder::max_pages`). The pages before it were delivered.
    Paging {
        /// The method.
        method: &'static str,
        /// The page (1-based) where it stopped.
        page: usize,
        /// Why.
        problem: PagingProblem,
    },
    /// The client could not be built (bad base URL, identity, …).
    Config(String),
}

impl<A: Api> fmt::Display for Error<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Request(e) => fmt::Display::fmt(e, f),
            Error::Transport { method, kind, source } => {
                write!(f, "{method}: {kind} error: {}", chain(source.as_ref()))
            }
            Error::Status {
                method,
                status,
                snippet,
            } => {
                write!(f, "{method}: unexpected HTTP status {status}: {}", printable(snippet))
            }
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::Refused { method, code, desc, .. } => write!(
                f,
                "{method}: refused by IntellectMoney, not processed (OperationState.Code {code}){}",
                desc_suffix(desc)
            ),
            Error::Rejected { method, code, desc, .. } => write!(
                f,
                "{method}: rejected by the method (Result.State.Code {code}){}",
                desc_suffix(desc)
            ),
            Error::Queued { method, operation_id } => {
                write!(f, "{method}: queued for asynchronous processing")?;
                match operation_id {
                    Some(id) => write!(f, " as operation {id}"),
                    None => Ok(()),
                }
            }
            Error::TooLarge { method, limit } => write!(f, "{method}: the answer is larger than {limit} bytes"),
            Error::Deadline { method, deadline } => {
                write!(f, "{method}: no answer within the deadline of {deadline:?}")
            }
            Error::Unsettled {
                method,
                operation_id,
                cause,
            } => {
                write!(
                    f,
                    "{method}: the outcome is unknown and the server may have processed it ({cause}); look it up"
                )?;
                if let Some(id) = operation_id {
                    write!(f, " (operation {id})")?;
                }
                f.write_str(", do not send it again")
            }
            Error::Paging { method, page, problem } => write!(f, "{method}: paging stopped at page {page}: {problem}"),
            Error::Config(message) => write!(f, "client configuration: {message}"),
        }
    }
}

impl<A: Api> std::error::Error for Error<A> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The two wrapped errors stand for themselves: their causes are this error's.
            Error::Request(e) => std::error::Error::source(e),
            Error::Decode(e) => std::error::Error::source(e),
            Error::Transport { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl<A: Api> From<RequestError> for Error<A> {
    fn from(e: RequestError) -> Self {
        Error::Request(e)
    }
}

impl<A: Api> From<DecodeError> for Error<A> {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

/// An error and its causes, down to the operating system's reason (`Connection refused`).
fn chain(e: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn desc_suffix(desc: &Option<String>) -> String {
    match desc {
        Some(d) if !d.is_empty() => format!(": {}", printable(d)),
        _ => String::new(),
    }
}

impl<A: Api> Error<A> {
    /// The error with every secret the client knows, and the request carried, removed from the
    /// server's text, and any card number in it masked.
    pub(crate) fn redacted(self, r: &Redactor) -> Self {
        match self {
            Error::Decode(mut e) => {
                e.body = r.untrusted(&e.body);
                e.message = r.untrusted(&e.message);
                Error::Decode(e)
            }
            Error::Status {
                method,
                status,
                snippet,
            } => Error::Status {
                method,
                status,
                snippet: r.untrusted(&snippet),
            },
            Error::Refused {
                method,
                code,
                desc,
                operation_id,
            } => Error::Refused {
                method,
                code,
                desc: desc.map(|d| r.untrusted(&d)),
                operation_id,
            },
            Error::Rejected {
                method,
                code,
                desc,
                operation_id,
            } => Error::Rejected {
                method,
                code,
                desc: desc.map(|d| r.untrusted(&d)),
                operation_id,
            },
            Error::Unsettled {
                method,
                operation_id,
                cause,
            } => Error::Unsettled {
                method,
                operation_id,
                cause: Box::new(cause.redacted(r)),
            },
            other => other,
        }
    }

    /// The method the error is about (`None` for configuration errors).
    pub fn method(&self) -> Option<&'static str> {
        match self {
            Error::Request(e) => Some(e.method),
            Error::Decode(e) => Some(e.method),
            Error::Transport { method, .. }
            | Error::Status { method, .. }
            | Error::Refused { method, .. }
            | Error::Rejected { method, .. }
            | Error::Queued { method, .. }
            | Error::Paging { method, .. }
            | Error::Deadline { method, .. }
            | Error::Unsettled { method, .. }
            | Error::TooLarge { method, .. } => Some(method),
            Error::Config(_) => None,
        }
    }

    /// A short name of the kind of failure (`transport`, `status`, `decode`, `refused`,
    /// `rejected`, `queued`, `request`, `config`): what the tracing spans record as outcome.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Request(_) => "request",
            Error::Transport { .. } => "transport",
            Error::Status { .. } => "status",
            Error::Decode(_) => "decode",
            Error::Refused { .. } => "refused",
            Error::Rejected { .. } => "rejected",
            Error::Queued { .. } => "queued",
            Error::TooLarge { .. } => "too large",
            Error::Paging { .. } => "paging",
            Error::Deadline { .. } => "deadline",
            Error::Unsettled { .. } => "unsettled",
            Error::Config(_) => "config",
        }
    }

    /// Whether the request certainly did not reach the server: refused by the client before
    /// sending (a parameter, the configuration), or no connection made (refused, unreachable, a
    /// name that does not resolve). Nothing the call would do was done; sending it again is safe.
    /// Every other error of a call that writes or moves money leaves open that it was processed
    /// (a TLS error too: it may come after the request was written).
    /// The same rule as the retry table's ([`Error::failure`]: `NotSent` or `NotConnected`).
    pub fn was_not_sent(&self) -> bool {
        use super::AttemptFailure::{NotConnected, NotSent};
        matches!(self.failure(), NotSent | NotConnected)
    }

    /// Whether the server said the UserToken is missing, wrong or expired.
    pub fn is_authentication_failed(&self) -> bool {
        matches!(self, Error::Rejected { code, .. } if code.meaning() == Meaning::AuthenticationFailed)
    }
}

/// Why paging stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingProblem {
    /// The server sent the same page again: following it would never end.
    RepeatedPage,
    /// The page held more items than `Take` asked for.
    PageTooLarge {
        /// `Take`.
        take: i64,
        /// How many it held.
        items: usize,
    },
    /// As many pages as `ClientBuilder::max_pages` allows were fetched.
    TooManyPages {
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for PagingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PagingProblem::RepeatedPage => f.write_str("the server sent the same page again"),
            PagingProblem::PageTooLarge { take, items } => {
                write!(f, "the page holds {items} items, more than Take = {take}")
            }
            PagingProblem::TooManyPages { limit } => write!(f, "{limit} pages fetched, the client's limit (max_pages)"),
        }
    }
}

/// What part of the transport failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection (refused, unreachable, DNS).
    Connect,
    /// The TLS handshake failed (certificate, client identity, protocol).
    Tls,
    /// No complete answer within the timeout.
    Timeout,
    /// The answer's body broke off or could not be read.
    Body,
    /// Anything else.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connection",
            TransportKind::Tls => "TLS",
            TransportKind::Timeout => "timeout",
            TransportKind::Body => "response body",
            TransportKind::Other => "transport",
        })
    }
}

impl TransportKind {
    /// Classifies a reqwest error.
    pub(crate) fn of(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            TransportKind::Timeout
        } else if is_tls(e) {
            TransportKind::Tls
        } else if e.is_connect() {
            TransportKind::Connect
        } else if e.is_body() || e.is_decode() {
            TransportKind::Body
        } else {
            TransportKind::Other
        }
    }
}

/// Whether an error of the TLS library is anywhere in the chain. `io::Error` hides its inner
/// error from `source()` (and hyper nests one inside another), so those are unwrapped by hand.
fn is_tls(e: &reqwest::Error) -> bool {
    fn tls(err: &(dyn std::error::Error + 'static)) -> bool {
        #[cfg(feature = "rustls")]
        if err.is::<rustls::Error>() {
            return true;
        }
        #[cfg(feature = "native-tls")]
        if err.is::<native_tls::Error>() {
            return true;
        }
        #[cfg(all(feature = "native-tls", not(any(windows, target_vendor = "apple"))))]
        if err.is::<openssl::ssl::Error>() || err.is::<openssl::error::ErrorStack>() {
            return true;
        }
        if let Some(inner) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            if tls(inner) {
                return true;
            }
        }
        err.source().is_some_and(tls)
    }
    tls(e)
}
