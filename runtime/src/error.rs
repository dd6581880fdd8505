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
/// wrong, and a snippet of the body.
///
/// `Display` and `Debug` mask secret values (in the snippet and in the message, which may quote
/// the value that failed); the fields `message` and `body` hold the raw text, for a caller who
/// asks for it on purpose.
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
    /// The wire names of the API's secret fields, whose values are masked in what it shows.
    pub secret_fields: &'static [&'static str],
}

impl DecodeError {
    /// The first 200 characters of the body, with the values of secret fields masked.
    pub fn snippet(&self) -> String {
        snippet(&self.body, self.secret_fields)
    }

    /// What was wrong, with secret values masked; nothing of the value when the field that
    /// failed is itself secret.
    pub fn shown_message(&self) -> String {
        let field = self.path.rsplit('.').next().unwrap_or_default();
        let field = field.split('[').next().unwrap_or_default();
        if self.secret_fields.contains(&field) {
            "the value is not valid (not shown: the field is secret)".to_owned()
        } else {
            mask_secrets(&self.message, self.secret_fields)
        }
    }
}

/// The first 200 characters of a response body, with the values of the fields named in
/// `secret_fields` (the spec's secret fields) masked: what errors show of a body.
pub fn snippet(body: &str, secret_fields: &[&str]) -> String {
    let masked = mask_secrets(body, secret_fields);
    let s: String = masked.chars().take(200).collect();
    if s.len() < masked.len() {
        format!("{s}…")
    } else {
        s
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("message", &self.shown_message())
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
            super::redact::printable(&self.path),
            super::redact::printable(&self.shown_message()),
            super::redact::printable(&self.snippet())
        )
    }
}

impl std::error::Error for DecodeError {}

/// Replaces the value of every field named in `names` with `[redacted]`: XML elements
/// (`<UserToken>…</UserToken>`) and JSON string members (`"UserToken": "…"`). A value cut off by
/// the end of the body is masked to the end.
pub fn mask_secrets(body: &str, names: &[&str]) -> String {
    let mut out = body.to_owned();
    for name in names {
        out = mask_xml(&out, name);
        out = mask_json(&out, name);
        out = mask_form(&out, name);
    }
    out
}

/// `Name=value` pairs (a form body echoed back, a query string): the value up to the next `&`,
/// space, quote or tag. A name that only ends another word (`XUserToken=`) is left alone.
fn mask_form(body: &str, name: &str) -> String {
    let key = format!("{name}=");
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find(&key) {
        let starts_name = rest[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        out.push_str(&rest[..i + key.len()]);
        rest = &rest[i + key.len()..];
        if !starts_name {
            continue;
        }
        out.push_str("[redacted]");
        let end = rest
            .find(|c: char| c == '&' || c == '"' || c == '<' || c.is_whitespace())
            .unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn mask_xml(body: &str, name: &str) -> String {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find(&open) {
        out.push_str(&rest[..i + open.len()]);
        rest = &rest[i + open.len()..];
        out.push_str("[redacted]");
        rest = rest.find(&close).map_or("", |j| &rest[j..]);
    }
    out.push_str(rest);
    out
}

fn mask_json(body: &str, name: &str) -> String {
    let key = format!("\"{name}\"");
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find(&key) {
        out.push_str(&rest[..i + key.len()]);
        rest = &rest[i + key.len()..];
        let after_colon = rest.trim_start().strip_prefix(':').map(str::trim_start);
        let Some(value) = after_colon.and_then(|v| v.strip_prefix('"')) else {
            continue;
        };
        out.push_str(": \"[redacted]\"");
        let mut escaped = false;
        let end = value.char_indices().find(|&(_, c)| {
            let stop = !escaped && c == '"';
            escaped = !escaped && c == '\\';
            stop
        });
        rest = end.map_or("", |(j, _)| &value[j + 1..]);
    }
    out.push_str(rest);
    out
}
