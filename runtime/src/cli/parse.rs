//! Values as a user types them: dates `DD.MM.YYYY`, decimals `50.00`, enums by name (or
//! number), documents as JSON.

use crate::{Date, DateTime, Decimal, Uuid, WireEnum};
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// `50.00` (the scale is kept: it is sent as typed). Only digits with at most one dot between
/// them: an exponent (`1e3`), a sign, a space inside, a comma or a lone dot is refused rather than
/// read as another amount. How many places a parameter takes is the request's own check (the
/// spec's limits), which names the parameter.
pub fn decimal(s: &str) -> Result<Decimal, String> {
    let refused = |why: &str| format!("`{s}` is not an amount like 50.00: {why}");
    let (whole, fraction) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if let Some(c) = s.chars().find(|c| !c.is_ascii_digit() && *c != '.') {
        return Err(refused(&match c {
            'e' | 'E' => "no exponent; write the digits out".to_owned(),
            '+' | '-' => "no sign".to_owned(),
            ',' => "a dot, not a comma, before the places".to_owned(),
            c if c.is_whitespace() => "no spaces".to_owned(),
            c => format!("`{}` is not a digit", c.escape_debug()),
        }));
    }
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(refused("digits, then at most one dot with digits after it"));
    }
    Decimal::from_str(s).map_err(|e| refused(&e.to_string()))
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

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn amounts_are_digits_with_at_most_one_dot() {
        for ok in ["50.00", "50", "0.5", "1500.00", "007.10"] {
            assert_eq!(decimal(ok).unwrap().to_string(), ok.trim_start_matches("00"), "{ok}");
        }
        for bad in [
            "1e3",
            "1E+3",
            "1.5e2",
            "+50.00",
            "-50.00",
            "1 000.00",
            " 50.00",
            "50.00 ",
            "50,00",
            "1,000.00",
            ".5",
            "5.",
            "",
            "1.2.3",
            "0x10",
            "٥٠",
            "50.0\u{0}",
        ] {
            assert!(decimal(bad).is_err(), "{bad:?} was read as {:?}", decimal(bad));
        }
        assert!(decimal("1e3").unwrap_err().contains("exponent"));
        assert!(decimal("50,00").unwrap_err().contains("comma"));
    }
}
