//! Secrets that must never reach `Debug`, logs or errors.
//!
//! Own types rather than `secrecy`: generated structs derive `PartialEq` and `Serialize` (the
//! CLI prints results), which `secrecy`'s types deliberately do not offer.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A secret string (password, token, key). `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret itself, for the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(v: String) -> Self {
        Secret(v)
    }
}

impl From<&str> for Secret {
    fn from(v: &str) -> Self {
        Secret(v.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A card number (PAN). `Debug` and `Display` show at most its last four digits.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CardNumber(String);

impl CardNumber {
    /// Wraps a card number.
    pub fn new(value: impl Into<String>) -> Self {
        CardNumber(value.into())
    }
    /// The number itself, for the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// `**** 1111`: the last four characters, when the number has more than four.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() > 4 {
            format!("**** {}", chars[chars.len() - 4..].iter().collect::<String>())
        } else {
            "****".to_owned()
        }
    }
}

impl From<String> for CardNumber {
    fn from(v: String) -> Self {
        CardNumber(v)
    }
}

impl From<&str> for CardNumber {
    fn from(v: &str) -> Self {
        CardNumber(v.to_owned())
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}
