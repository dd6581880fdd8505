//! JSON with exact numbers. The API writes amounts as JSON numbers with trailing zeros
//! (`"Balance": 4.6800`); through `f64` they would lose their scale or digits. Rather than
//! switching on `serde_json/arbitrary_precision` for every crate of a user's build, the body is
//! first rewritten so that every number outside a string becomes a string holding the same
//! characters; the decoders read numbers from strings anyway.

use serde::de::DeserializeOwned;

/// Rewrites every JSON number literal outside strings as a string literal of the same text.
pub fn quote_numbers(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 8);
    let mut chars = json.char_indices().peekable();
    let mut in_string = false;
    let mut escaped = false;
    while let Some((i, c)) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '-' | '0'..='9' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-') {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push('"');
                out.push_str(&json[i..end]);
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Parses JSON into `T`, numbers keeping their exact text.
pub fn from_str<T: DeserializeOwned>(json: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(&quote_numbers(json))
}

/// Writes a JSON document compactly (decimals as numbers with their scale).
pub fn to_string<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("generated documents always serialize")
}
