//! Checks of documented limits, run before anything is sent.

use super::{RequestError, WireEnum};
use rust_decimal::Decimal;

/// A length in characters within `[min, max]`.
pub fn length(
    method: &'static str,
    param: &str,
    value: &str,
    min: Option<u32>,
    max: Option<u32>,
) -> Result<(), RequestError> {
    let n = value.chars().count() as u32;
    if let Some(min) = min {
        if n < min {
            return Err(RequestError::new(
                method,
                param,
                format!("must be at least {min} characters long, is {n}"),
            ));
        }
    }
    if let Some(max) = max {
        if n > max {
            return Err(RequestError::new(
                method,
                param,
                format!("must be at most {max} characters long, is {n}"),
            ));
        }
    }
    Ok(())
}

/// A length in characters that is one of `allowed` (`10 or 12`).
pub fn lengths(method: &'static str, param: &str, value: &str, allowed: &[u32]) -> Result<(), RequestError> {
    let n = value.chars().count() as u32;
    if allowed.contains(&n) {
        return Ok(());
    }
    let allowed: Vec<String> = allowed.iter().map(u32::to_string).collect();
    Err(RequestError::new(
        method,
        param,
        format!("must be {} characters long, is {n}", allowed.join(" or ")),
    ))
}

/// An integer at least `min`.
pub fn min(method: &'static str, param: &str, value: i64, min: i64) -> Result<(), RequestError> {
    if value < min {
        return Err(RequestError::new(
            method,
            param,
            format!("must be at least {min}, is {value}"),
        ));
    }
    Ok(())
}

/// A decimal: above zero when `positive`; at most `places` decimals (nothing is rounded away);
/// at most `max_digits` digits and `max_len` characters as written with `places` decimals.
pub fn decimal(
    method: &'static str,
    param: &str,
    value: &Decimal,
    positive: bool,
    places: Option<u32>,
    max_digits: Option<u32>,
    max_len: Option<u32>,
) -> Result<(), RequestError> {
    if positive && value <= &Decimal::ZERO {
        return Err(RequestError::new(
            method,
            param,
            format!("must be above zero, is {value}"),
        ));
    }
    let mut written = *value;
    if let Some(places) = places {
        if value.normalize().scale() > places {
            return Err(RequestError::new(
                method,
                param,
                format!("must have at most {places} places after the dot, is {value}"),
            ));
        }
        written.rescale(places);
    }
    let text = written.to_string();
    if let Some(max) = max_digits {
        let digits = text.chars().filter(char::is_ascii_digit).count() as u32;
        if digits > max {
            return Err(RequestError::new(
                method,
                param,
                format!("must have at most {max} digits, `{text}` has {digits}"),
            ));
        }
    }
    if let Some(max) = max_len {
        if text.chars().count() as u32 > max {
            return Err(RequestError::new(
                method,
                param,
                format!("must be at most {max} characters as written, `{text}` is longer"),
            ));
        }
    }
    Ok(())
}

/// An enum sent by number must have one.
pub fn enum_code<T: WireEnum>(method: &'static str, param: &str, value: &T) -> Result<(), RequestError> {
    match value.code() {
        Some(_) => Ok(()),
        None => Err(RequestError::new(
            method,
            param,
            format!("`{}` has no number, and this parameter is sent by number", value.name()),
        )),
    }
}
