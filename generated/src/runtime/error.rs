//! Errors of the runtime that this crate's models can produce.

use std::fmt;

/// A request the client refused to send: which parameter, and which documented rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    /// The method (`getInvoicesHistory`).
    pub method: &'static str,
    /// The parameter, a dotted path inside documents (`MerchantReceipt.inn`).
    pub param: String,
    /// The rule broken.
    pub rule: String,
}

impl RequestError {
    /// A refusal.
    pub fn new(method: &'static str, param: impl Into<String>, rule: impl Into<String>) -> Self {
        RequestError {
            method,
            param: param.into(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: parameter `{}` {}; the request was not sent",
            self.method, self.param, self.rule
        )
    }
}

impl std::error::Error for RequestError {}

/// A response body that could not be decoded: the method, the path of the field, what was
/// wrong, and a snippet of the body. The whole body stays reachable in `body`.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The method whose answer it was.
    pub method: &'static str,
    /// The field path (`Result.InvoicesHistoryList[0].Amount.Amount`), as far as it is known.
    pub path: String,
    /// What was wrong.
    pub message: String,
    /// The body as received.
    pub body: String,
}

impl DecodeError {
    /// The first 200 characters of the body.
    pub fn snippet(&self) -> String {
        let s: String = self.body.chars().take(200).collect();
        if s.len() < self.body.len() {
            format!("{s}…")
        } else {
            s
        }
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("message", &self.message)
            .field("snippet", &self.snippet())
            .finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode the answer of {} at `{}`: {}; body starts: {}",
            self.method,
            self.path,
            self.message,
            self.snippet()
        )
    }
}

impl std::error::Error for DecodeError {}
