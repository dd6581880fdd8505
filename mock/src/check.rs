//! The checks the mock makes of a request, as the real API would: required parameters, their
//! encodings, and the `Sign` header.

use crate::{Kind, MockMethod, Need};
use intellectmoney_runtime::{sign_hash, sign_input, SignSlot, WireParam, WireValue};
use std::str::FromStr;

/// The body's parameters as text, in order.
pub(crate) fn params(method: &MockMethod, body: &[u8]) -> Result<Vec<(String, String)>, String> {
    match method.info.body {
        intellectmoney_runtime::BodyFormat::Form => Ok(form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()),
        intellectmoney_runtime::BodyFormat::Json => {
            let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
            // Numbers keep their exact text (`50.00`).
            let quoted = intellectmoney_runtime::json::quote_numbers(text);
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&quoted).map_err(|e| format!("the body is not a JSON object: {e}"))?;
            Ok(map
                .into_iter()
                .map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k, text)
                })
                .collect())
        }
    }
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The first broken rule, as the API's `Desc` would say it.
pub(crate) fn check(method: &MockMethod, params: &[(String, String)]) -> Result<(), String> {
    for rule in method.params {
        let value = get(params, rule.name);
        let required = match &rule.need {
            Need::Always => true,
            Need::No => false,
            Need::When(other, values) => match get(params, other) {
                None => false,
                Some(_) if values.is_empty() => true,
                Some(v) => {
                    let other_rule = method.params.iter().find(|r| r.name == *other);
                    let name = match other_rule.map(|r| &r.kind) {
                        Some(Kind::Enum(all)) => all()
                            .into_iter()
                            .find(|(n, c)| n.eq_ignore_ascii_case(v) || c.is_some_and(|c| c.to_string() == v))
                            .map(|(n, _)| n),
                        _ => None,
                    };
                    name.is_some_and(|n| values.contains(&n))
                }
            },
        };
        match value {
            None if required => return Err(format!("Parameter {} is required", rule.name)),
            None => {}
            Some(v) => {
                if let Some(expected) = kind_error(&rule.kind, v) {
                    return Err(format!("Parameter {}: `{v}` is not {expected}", rule.name));
                }
            }
        }
    }
    Ok(())
}

fn kind_error(kind: &Kind, v: &str) -> Option<&'static str> {
    let ok = match kind {
        Kind::Text => true,
        Kind::Integer => v.parse::<i64>().is_ok(),
        Kind::Decimal => rust_decimal::Decimal::from_str(v).is_ok(),
        Kind::Decimal2 => {
            rust_decimal::Decimal::from_str(v).is_ok() && v.split_once('.').is_some_and(|(_, f)| f.len() == 2)
        }
        Kind::Flag01 => v == "0" || v == "1",
        Kind::TrueFalse => v == "true" || v == "false",
        Kind::Dmy => intellectmoney_runtime::enc::parse_dmy(v).is_some(),
        Kind::DateTime => intellectmoney_runtime::DateTime::from_str(v).is_ok(),
        Kind::Guid => intellectmoney_runtime::Uuid::parse_str(v).is_ok(),
        Kind::Enum(all) => all()
            .into_iter()
            .any(|(n, c)| n == v || c.is_some_and(|c| c.to_string() == v)),
        Kind::Json => serde_json::from_str::<serde_json::Value>(v).is_ok(),
    };
    if ok {
        return None;
    }
    Some(match kind {
        Kind::Text => "text",
        Kind::Integer => "a whole number",
        Kind::Decimal => "a decimal",
        Kind::Decimal2 => "a decimal with two places",
        Kind::Flag01 => "0 or 1",
        Kind::TrueFalse => "true or false",
        Kind::Dmy => "a date DD.MM.YYYY",
        Kind::DateTime => "a date-time",
        Kind::Guid => "a GUID",
        Kind::Enum(_) => "a known value",
        Kind::Json => "JSON",
    })
}

/// The `Sign` the request should carry with this template, computed from the values received.
pub(crate) fn sign_with(method: &MockMethod, slots: &[SignSlot], params: &[(String, String)], secret: &str) -> String {
    let wire: Vec<WireParam> = params
        .iter()
        .filter_map(|(n, v)| {
            method
                .params
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(n))
                .map(|r| WireParam::new(r.name, WireValue::Text(v.clone())))
        })
        .collect();
    sign_hash(&sign_input(slots, &wire, secret))
}
