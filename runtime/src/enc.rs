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

/// Reads `DD.MM.YYYY`, the form [`dmy`] writes (what the CLI and the mock accept): two digits
/// of day, two of month, four of year.
pub fn parse_dmy(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(day, 2) && digits(month, 2) && digits(year, 4)) {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dmy_is_read_back_and_nothing_else_is() {
        let date = parse_dmy(" 15.07.2017 ").unwrap();
        assert_eq!((date.day(), date.month() as u8, date.year()), (15, 7, 2017));
        assert_eq!(dmy(&date).as_str(), "15.07.2017");
        for bad in [
            "15.7.2017",
            "2017-07-15",
            "31.02.2017",
            "15.07.17",
            "15.07.2017.1",
            "aa.07.2017",
            "",
        ] {
            assert_eq!(parse_dmy(bad), None, "{bad}");
        }
    }
}
