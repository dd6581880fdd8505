//! Values as a user types them: dates `DD.MM.YYYY`, decimals `50.00`, enums by name (or
//! number), documents as JSON.

use crate::{Date, DateTime, Decimal, Uuid, WireEnum};
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// `50.00` (the scale is kept: it is sent as typed).
pub fn decimal(s: &str) -> Result<Decimal, String> {
    Decimal::from_str(s.trim()).map_err(|e| format!("`{s}` is not a decimal like 50.00 ({e})"))
}

/// `true`/`false` (also `1`/`0`).
pub fn boolean(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("`{s}` is not true or false")),
    }
}

/// `DD.MM.YYYY`.
pub fn date(s: &str) -> Result<Date, String> {
    crate::enc::parse_dmy(s).ok_or_else(|| format!("`{s}` is not a date DD.MM.YYYY"))
}

/// An ISO 8601 date-time (`2024-05-01T10:00:00`, with or without offset) or `yyyy-MM-dd HH:mm:ss`.
pub fn datetime(s: &str) -> Result<DateTime, String> {
    DateTime::from_str(s.trim()).map_err(|e| format!("`{s}` is not a date-time ({e})"))
}

/// A GUID.
pub fn guid(s: &str) -> Result<Uuid, String> {
    Uuid::parse_str(s.trim()).map_err(|e| format!("`{s}` is not a GUID ({e})"))
}

/// An enum value by its name (any case) or its number; anything else is refused, listing the
/// names.
pub fn enum_value<E: WireEnum + Clone + 'static>(s: &str) -> Result<E, String> {
    let wanted = s.trim();
    E::all()
        .iter()
        .find(|v| v.name().eq_ignore_ascii_case(wanted) || v.code().is_some_and(|c| c.to_string() == wanted))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = E::all().iter().map(|v| v.name()).collect();
            format!("`{s}` is not one of {}", names.join(", "))
        })
}

/// A document (MerchantReceipt, …) as JSON; numbers keep their exact text.
pub fn document<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    crate::json::from_str(s).map_err(|e| format!("not a valid document: {e}"))
}
