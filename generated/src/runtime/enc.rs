//! Writing parameter values the way the spec's encodings say. Each returns the text sent and
//! how it sits in a JSON body (string or bare literal); the `Sign` input uses the same text.

use super::{DateTime, WireEnum, WireValue};
use rust_decimal::Decimal;
use std::fmt::Display;
use time::Date;
use uuid::Uuid;

/// Text (a JSON string).
pub fn text(v: &str) -> WireValue {
    WireValue::Text(v.to_owned())
}

/// A number as written by `Display` (a bare JSON number).
pub fn number<T: Display>(v: &T) -> WireValue {
    WireValue::Literal(v.to_string())
}

fn two_places(v: &Decimal) -> String {
    let mut d = *v;
    d.rescale(2);
    d.to_string()
}

/// A decimal with exactly two places, as a JSON string (`"50.00"`).
pub fn decimal2(v: &Decimal) -> WireValue {
    WireValue::Text(two_places(v))
}

/// A decimal with exactly two places, as a JSON number (`50.00`).
pub fn decimal2_number(v: &Decimal) -> WireValue {
    WireValue::Literal(two_places(v))
}

/// `DD.MM.YYYY`.
pub fn dmy(v: &Date) -> WireValue {
    WireValue::Text(format!("{:02}.{:02}.{:04}", v.day(), v.month() as u8, v.year()))
}

/// Reads `DD.MM.YYYY`, the form [`dmy`] writes (what the CLI and the mock accept).
pub fn parse_dmy(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[day].[month].[year]");
    Date::parse(text.trim(), &format).ok()
}

/// `yyyy-MM-dd HH:mm:ss`.
pub fn space(v: &DateTime) -> WireValue {
    WireValue::Text(v.to_space_format())
}

/// `0` or `1`.
pub fn flag01(v: bool) -> WireValue {
    WireValue::Literal(if v { "1" } else { "0" }.to_owned())
}

/// `true` or `false`.
pub fn true_false(v: bool) -> WireValue {
    WireValue::Literal(v.to_string())
}

/// A GUID, lowercase with hyphens.
pub fn guid(v: &Uuid) -> WireValue {
    WireValue::Text(v.hyphenated().to_string())
}

/// An enum by name.
pub fn enum_name<T: WireEnum>(v: &T) -> WireValue {
    WireValue::Text(v.name().to_owned())
}

/// An enum by number (validation has refused values without one).
pub fn enum_code<T: WireEnum>(v: &T) -> WireValue {
    WireValue::Literal(v.code().map(|c| c.to_string()).unwrap_or_else(|| v.name().to_owned()))
}

/// A document as compact JSON text.
pub fn json<T: serde::Serialize>(v: &T) -> WireValue {
    WireValue::Text(super::json::to_string(v))
}
