//! Result-URL notifications: the form body IntellectMoney POSTs to the shop, read in its own
//! charset (windows-1251), its MD5 `hash` checked in constant time, and signed test
//! notifications built for users' own tests. What the fields are and which ones are hashed, in
//! which order, comes from the spec (the generated `Notification`).

use md5::{Digest, Md5};
use std::fmt;
use subtle::ConstantTimeEq;

/// How a notification is written and signed (generated from the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    /// The form's charset.
    pub charset: Charset,
    /// The field that carries the hash.
    pub hash_field: &'static str,
    /// The fields hashed, in order; the name of the secret slot is [`Scheme::secret_slot`].
    pub order: &'static [&'static str],
    /// The order's name for the shop's SecretKey (the form's own field of that name comes empty).
    pub secret_slot: &'static str,
    /// What the shop answers (`OK`).
    pub answer: &'static str,
    /// Every field name the spec knows, as written: a name that differs from one of them only
    /// in case is refused (it would be read as an unknown field next to the real one).
    pub known: &'static [&'static str],
}

/// The largest notification body read: 256 KiB (a real one is under 2 KiB).
pub const MAX_BODY: usize = 256 << 10;

/// The most fields a notification may have: 1,000 (a real one has about 25).
pub const MAX_FIELDS: usize = 1000;

/// A form charset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// windows-1251 (what IntellectMoney sends).
    Windows1251,
    /// UTF-8.
    Utf8,
}

impl Charset {
    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            Charset::Windows1251 => encoding_rs::WINDOWS_1251,
            Charset::Utf8 => encoding_rs::UTF_8,
        }
    }
}

/// Why a notification was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotificationError {
    /// A field's bytes are not valid in the charset, or its percent-encoding is broken.
    Encoding {
        /// The field.
        field: String,
    },
    /// A field's value does not fit its type.
    Value {
        /// The field.
        field: String,
        /// The value as sent.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A field appears more than once. IntellectMoney never repeats a field, and a repeated one
    /// would let an altered copy pass: the hash covers the first, while a reader may take the
    /// last.
    Repeated {
        /// The field.
        field: String,
    },
    /// The notification has no hash.
    MissingHash,
    /// The hash does not match: tampered with, or another SecretKey.
    HashMismatch,
    /// A field's name differs only in case from a field the spec knows.
    CaseVariant {
        /// The name as sent.
        field: String,
        /// The name the spec knows.
        known: &'static str,
    },
    /// The body is larger than [`MAX_BODY`] or has more than [`MAX_FIELDS`] fields.
    TooLarge,
    /// The SecretKey given to check with is empty or only spaces: anyone can compute the hash
    /// of such a key, so no notification is accepted with it.
    EmptySecretKey,
}

impl fmt::Display for NotificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names and values come from whoever posted the form: shown with control characters
        // escaped.
        use crate::redact::printable as p;
        match self {
            NotificationError::Encoding { field } => write!(f, "field `{}` is not valid in the form's charset", p(field)),
            NotificationError::Value { field, value, expected } => {
                write!(f, "field `{}`: `{}` is not {expected}", p(field), p(value))
            }
            NotificationError::Repeated { field } => {
                write!(
                    f,
                    "field `{}` appears more than once: the notification was altered",
                    p(field)
                )
            }
            NotificationError::MissingHash => f.write_str("the notification has no hash"),
            NotificationError::HashMismatch => {
                f.write_str("the hash does not match: the notification was altered or signed with another SecretKey")
            }
            NotificationError::CaseVariant { field, known } => {
                write!(
                    f,
                    "field `{}` differs from `{known}` only in case: the notification was altered",
                    p(field)
                )
            }
            NotificationError::TooLarge => write!(
                f,
                "the notification is larger than {MAX_BODY} bytes or has more than {MAX_FIELDS} fields"
            ),
            NotificationError::EmptySecretKey => f.write_str(
                "the SecretKey to check with is empty: anyone can compute the hash of an empty key, so nothing is accepted with it (the shop's SecretKey is in its settings in the merchant cabinet, and in the shop's information from the Personal API)"
            ),
        }
    }
}

impl std::error::Error for NotificationError {}

/// Refuses fields whose names repeat, in any case (`amount` and `Amount` are one field twice).
fn refuse_repeated(fields: &[(String, String)]) -> Result<(), NotificationError> {
    let mut seen = std::collections::HashSet::new();
    match fields.iter().find(|(name, _)| !seen.insert(name.to_ascii_lowercase())) {
        Some((name, _)) => Err(NotificationError::Repeated { field: name.clone() }),
        None => Ok(()),
    }
}

impl Scheme {
    /// Refuses a field whose name is a known one in another case.
    pub fn refuse_case_variants(&self, fields: &[(String, String)]) -> Result<(), NotificationError> {
        for (name, _) in fields {
            if let Some(known) = self.known.iter().find(|k| **k != name && k.eq_ignore_ascii_case(name)) {
                return Err(NotificationError::CaseVariant {
                    field: name.clone(),
                    known,
                });
            }
        }
        Ok(())
    }

    /// The fields of a form body in order, percent-decoded and read in the scheme's charset.
    pub fn decode(&self, body: &[u8]) -> Result<Vec<(String, String)>, NotificationError> {
        let body = trim_ascii(body);
        if body.len() > MAX_BODY || body.split(|&b| b == b'&').count() > MAX_FIELDS {
            return Err(NotificationError::TooLarge);
        }
        let mut pairs = Vec::new();
        for part in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match part.iter().position(|&b| b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &part[part.len()..]),
            };
            let name = self.text(name, None)?;
            let value = self.text(value, Some(&name))?;
            pairs.push((name, value));
        }
        refuse_repeated(&pairs)?;
        self.refuse_case_variants(&pairs)?;
        Ok(pairs)
    }

    fn text(&self, raw: &[u8], field: Option<&str>) -> Result<String, NotificationError> {
        let bad = || NotificationError::Encoding {
            field: field.unwrap_or("(a name)").to_owned(),
        };
        let plus: Vec<u8> = raw.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        let mut bytes = Vec::with_capacity(plus.len());
        let mut i = 0;
        while i < plus.len() {
            if plus[i] == b'%' {
                let hex = plus.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                bytes.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            } else {
                bytes.push(plus[i]);
                i += 1;
            }
        }
        let (text, had_errors) = self.charset.encoding().decode_without_bom_handling(&bytes);
        if had_errors {
            return Err(bad());
        }
        Ok(text.into_owned())
    }

    /// The hash of fields (as sent) with the shop's SecretKey: lowercase hex MD5 over the
    /// charset's bytes of the `order` values joined by `::`.
    pub fn hash(&self, fields: &[(String, String)], secret_key: &str) -> String {
        let values: Vec<&str> = self
            .order
            .iter()
            .map(|name| {
                if *name == self.secret_slot {
                    secret_key
                } else {
                    fields.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
                }
            })
            .collect();
        let joined = values.join("::");
        let (bytes, _, _) = self.charset.encoding().encode(&joined);
        Md5::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Checks the `hash` field against the shop's SecretKey, in constant time. Fields whose names
    /// repeat are refused first ([`NotificationError::Repeated`]).
    pub fn verify(&self, fields: &[(String, String)], secret_key: &str) -> Result<(), NotificationError> {
        if secret_key.trim().is_empty() {
            return Err(NotificationError::EmptySecretKey);
        }
        // Fields read by other means (`from_fields`) are checked here too.
        refuse_repeated(fields)?;
        self.refuse_case_variants(fields)?;
        let sent = fields
            .iter()
            .find(|(n, _)| n == self.hash_field)
            .map(|(_, v)| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
            .ok_or(NotificationError::MissingHash)?;
        let expected = self.hash(fields, secret_key);
        if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
            Ok(())
        } else {
            Err(NotificationError::HashMismatch)
        }
    }

    /// A form body of `fields` in the scheme's charset, percent-encoded as IntellectMoney does
    /// (`+` for a space, lowercase hex), with the `hash` made with `secret_key` appended.
    pub fn sign(&self, fields: &[(String, String)], secret_key: &str) -> Vec<u8> {
        let hash = self.hash(fields, secret_key);
        let mut out = Vec::new();
        let all = fields
            .iter()
            .filter(|(n, _)| n != self.hash_field)
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain([(self.hash_field, hash.as_str())]);
        for (i, (name, value)) in all.enumerate() {
            if i > 0 {
                out.push(b'&');
            }
            self.encode_into(&mut out, name);
            out.push(b'=');
            self.encode_into(&mut out, value);
        }
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>, text: &str) {
        let (bytes, _, _) = self.charset.encoding().encode(text);
        for &b in bytes.iter() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b),
                b' ' => out.push(b'+'),
                _ => out.extend_from_slice(format!("%{b:02x}").as_bytes()),
            }
        }
    }
}

/// Form fields as `Debug` shows them: in order, the value of each field named in `secret` as
/// `[redacted]` (a notification's `Debug` uses it).
pub fn masked_fields<'a>(
    fields: impl IntoIterator<Item = (&'a String, &'a String)>,
    secret: &[&str],
) -> Vec<(&'a str, &'a str)> {
    fields
        .into_iter()
        .map(|(name, value)| {
            let shown = if secret.contains(&name.as_str()) {
                crate::redact::REDACTED
            } else {
                value.as_str()
            };
            (name.as_str(), shown)
        })
        .collect()
}

/// Builds a correctly signed notification, for tests of the shop's Result-URL handler.
#[derive(Debug, Clone)]
pub struct Builder {
    scheme: Scheme,
    fields: Vec<(String, String)>,
}

impl Builder {
    /// An empty notification of this scheme.
    pub fn new(scheme: Scheme) -> Self {
        Builder {
            scheme,
            fields: Vec::new(),
        }
    }

    /// Adds a field (in the order given; `hash` is added by [`Builder::sign`]).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// The form body, signed with the shop's SecretKey.
    pub fn sign(&self, secret_key: &str) -> Vec<u8> {
        self.scheme.sign(&self.fields, secret_key)
    }
}

/// The running number of a field named `prefix` + digits + `suffix` (`UserField_3` → 3).
pub fn numbered(name: &str, prefix: &str, suffix: &str) -> Option<u32> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &b[start..end]
}

/// A field's value, `None` when empty.
/// A decimal field read exactly: more places than `Decimal` holds are refused, never rounded.
pub fn decimal_field(
    name: &str,
    value: &str,
    expected: &'static str,
) -> Result<Option<rust_decimal::Decimal>, NotificationError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    rust_decimal::Decimal::from_str_exact(value.trim())
        .map(Some)
        .map_err(|_| NotificationError::Value {
            field: name.to_owned(),
            value: value.to_owned(),
            expected,
        })
}

/// A field of a type read by its `FromStr`.
pub fn field<T: std::str::FromStr>(
    name: &str,
    value: &str,
    expected: &'static str,
) -> Result<Option<T>, NotificationError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    value.trim().parse().map(Some).map_err(|_| NotificationError::Value {
        field: name.to_owned(),
        value: value.to_owned(),
        expected,
    })
}

/// A notification type of an API as a receiver takes it (the generated `Notification` of an API
/// whose spec names its events): verified from its fields, and the (invoice, state) event it
/// is.
pub trait ResultNotification: Sized + Send + 'static {
    /// How it is written and signed.
    const SCHEME: Scheme;
    /// Reads one from its decoded fields and checks its hash with the shop's SecretKey: what
    /// the hash does not cover is moved out of its typed fields.
    fn verified(fields: Vec<(String, String)>, secret_key: &str) -> Result<Self, NotificationError>;
    /// The invoice it is about: the values of the hashed fields that name one (the spec's
    /// `events.invoice`), joined by `/`.
    fn invoice(&self) -> String;
    /// Its state as sent, and the state's place in the order an invoice goes through them (the
    /// spec's `events.order`, 0 first; a state the spec does not know comes last); `None`
    /// when it has none.
    fn state(&self) -> Option<(String, u32)>;
}
