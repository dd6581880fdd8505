//! Encoding helpers named by generated `serialize_with` attributes of JSON documents.

use super::WireEnum;
use rust_decimal::Decimal;
use serde::ser::Error as _;
use serde::{Serialize, Serializer};

/// A decimal as a JSON number with its scale (`10.00`, `1.000`).
pub fn decimal_number<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let raw = serde_json::value::RawValue::from_string(v.to_string()).map_err(S::Error::custom)?;
    raw.serialize(s)
}

/// An optional decimal as a JSON number (`None` is skipped by the field's attributes).
pub fn opt_decimal_number<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => decimal_number(d, s),
        None => s.serialize_none(),
    }
}

/// An enum by number.
pub fn enum_code<S: Serializer, T: WireEnum>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    match v.code() {
        Some(c) => s.serialize_i64(c),
        None => Err(S::Error::custom(format!("`{}` has no number to send", v.name()))),
    }
}

/// An optional enum by number.
pub fn opt_enum_code<S: Serializer, T: WireEnum>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(e) => enum_code(e, s),
        None => s.serialize_none(),
    }
}

/// An enum by name.
pub fn enum_name<S: Serializer, T: WireEnum>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.name())
}

/// An optional enum by name.
pub fn opt_enum_name<S: Serializer, T: WireEnum>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(e) => enum_name(e, s),
        None => s.serialize_none(),
    }
}

/// An enum as its API writes it by default (by number for code-written enums such as the state
/// codes, by name otherwise).
pub fn enum_default<S: Serializer, T: WireEnum>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    if T::WIRE_CODE {
        if let Some(c) = v.code() {
            return s.serialize_i64(c);
        }
    }
    s.serialize_str(v.name())
}
