//! JSON with exact numbers. The API writes amounts as JSON numbers with trailing zeros
//! (`"Balance": 4.6800`); through `f64` they would lose their scale or digits. The decoders
//! read every scalar from its raw text (`de::Text`, on serde_json's raw values), so answers are
//! parsed as they are, without `serde_json/arbitrary_precision` switched on for every crate of
//! a user's build. [`quote_numbers`] rewrites numbers as strings of the same text, for the mock,
//! which checks request bodies as generic JSON values.

use serde::de::DeserializeOwned;

/// Rewrites every JSON number literal outside strings as a string literal of the same text.
///
/// Works on bytes and copies untouched stretches whole: the text inside strings is skipped with
/// `memchr`, which matters because most of an answer is string content.
pub fn quote_numbers(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len() + json.len() / 8);
    // `json[..copied]` is already in `out`; every cut falls on an ASCII byte, so on a char boundary.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i + 1),
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                out.push_str(&json[copied..start]);
                out.push('"');
                out.push_str(&json[start..i]);
                out.push('"');
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&json[copied..]);
    out
}

/// The index just past the quote that closes the string whose content starts at `from` (the
/// end of the input when it is unterminated; the JSON parser reports that).
fn string_end(bytes: &[u8], mut from: usize) -> usize {
    while let Some(k) = memchr::memchr2(b'"', b'\\', &bytes[from..]) {
        if bytes[from + k] == b'"' {
            return from + k + 1;
        }
        // A backslash escapes the next byte (for `\uXXXX` the rest is plain text).
        from = (from + k + 2).min(bytes.len());
    }
    bytes.len()
}

/// Parses JSON into `T`, numbers keeping their exact text (the generated types read every
/// scalar from its raw text: `de::Text`).
pub fn from_str<T: DeserializeOwned>(json: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(json)
}

/// Writes a JSON document compactly (decimals as numbers with their scale).
pub fn to_string<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("generated documents always serialize")
}

#[cfg(test)]
mod tests {
    use super::quote_numbers;

    #[test]
    fn numbers_outside_strings_are_quoted_with_their_text() {
        assert_eq!(
            quote_numbers(r#"{"a":11.0000,"b":[-1,2e-3,0],"c":true,"d":null}"#),
            r#"{"a":"11.0000","b":["-1","2e-3","0"],"c":true,"d":null}"#
        );
    }

    #[test]
    fn strings_are_left_alone_escapes_included() {
        let json = r#"{"Счёт 12":"№ \"3930949846\" 4.5","e":"\\","u":"\u0031 2","n":7}"#;
        assert_eq!(
            quote_numbers(json),
            r#"{"Счёт 12":"№ \"3930949846\" 4.5","e":"\\","u":"\u0031 2","n":"7"}"#
        );
    }

    #[test]
    fn broken_input_is_passed_on_without_panicking() {
        for json in [r#"{"a":"unterminated"#, r#"{"a":"ends in \"#, "\\", "-", "\"", ""] {
            let _ = quote_numbers(json);
        }
        assert_eq!(quote_numbers(r#"["x\"#), r#"["x\"#);
    }
}
