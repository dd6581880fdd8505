//! Redaction by value: the secret values a call carried (its secret parameters, the bearer token,
//! the sign secret) removed from any text the client shows or returns about its answer, in every
//! form an echo may take them — as sent, percent-encoded (either case of hex, `+` or `%20` for a
//! space), HTML-escaped, JSON-escaped (`\/`, `\u002B`, …) and, for a card number, in groups of
//! four. Masking by field name (`mask_secrets`) cannot catch a server or proxy page that quotes
//! the request in prose; this can.

/// The values to remove, in every form, longest first.
#[derive(Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.needles.len())
    }
}

/// What a removed value is replaced with.
pub const REDACTED: &str = "[redacted]";

impl Redactor {
    /// A redactor of these values. Values shorter than 4 characters are left alone: removing
    /// them would garble ordinary text without protecting anything.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles: Vec<String> = values
            .into_iter()
            .filter(|v| v.chars().count() >= 4)
            .flat_map(forms)
            .collect();
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Redactor { needles }
    }

    /// The text with every form of every value replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        self.scrub_in_place(&mut out);
        out
    }

    /// Replaces every form of every value in `text`; a text with none is left as it is, without
    /// a copy (a large body is not duplicated to find nothing).
    pub fn scrub_in_place(&self, text: &mut String) {
        for needle in &self.needles {
            if text.contains(needle.as_str()) {
                *text = text.replace(needle.as_str(), REDACTED);
            }
        }
    }
}

/// The forms a value may take in an echo of the request.
fn forms(value: &str) -> Vec<String> {
    let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    // Encoded twice, as a proxy that quotes an encoded body in a URL would.
    let twice: String = form_urlencoded::byte_serialize(form.as_bytes()).collect();
    let mut v = vec![
        value.to_owned(),
        lower_hex(&twice),
        twice,
        form.clone(),
        lower_hex(&form),
        form.replace('+', "%20"),
        lower_hex(&form.replace('+', "%20")),
        html_escaped(value, "&#39;"),
        html_escaped(value, "&#x27;"),
        html_escaped(&form, "&#39;"),
    ];
    let json = serde_json::to_string(value).expect("a string serializes");
    let json = json[1..json.len() - 1].to_owned();
    v.push(json.replace('/', "\\/"));
    v.push(unicode_escaped(value, false));
    v.push(unicode_escaped(value, true));
    v.push(json);
    if value.len() >= 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        // A card number as people write it.
        let groups: Vec<&str> = value
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("digits"))
            .collect();
        v.push(groups.join(" "));
        v.push(groups.join("-"));
    }
    v
}

/// Percent-escapes with lowercase hex digits.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

fn html_escaped(value: &str, apostrophe: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', apostrophe)
}

/// JSON as .NET's encoder writes it: every character but letters and digits as `\uXXXX`
/// (`+` → `\u002B`).
fn unicode_escaped(value: &str, upper: bool) -> String {
    let mut out = String::new();
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                if upper {
                    out.push_str(&format!("\\u{u:04X}"));
                } else {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out
}

/// Text from a server made safe for a terminal: control characters (escape sequences, BEL,
/// carriage returns, line breaks) shown as escapes, so that a message stays one honest line.
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_value_is_removed() {
        let token = "AB+cd/ef=gh&'x";
        let r = Redactor::new([token, "4111111111111111", "abc"]);
        for echo in [
            "AB+cd/ef=gh&'x",
            "AB%2Bcd%2Fef%3Dgh%26%27x",
            "AB%2bcd%2fef%3dgh%26%27x",
            "AB%252Bcd%252Fef%253Dgh%2526%2527x",
            "AB+cd/ef=gh&amp;&#39;x",
            "AB+cd/ef=gh&amp;&#x27;x",
            r"AB+cd\/ef=gh&'x",
            r"AB\u002Bcd\u002Fef\u003Dgh\u0026\u0027x",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
        ] {
            let shown = r.scrub(&format!("before {echo} after"));
            assert_eq!(shown, "before [redacted] after", "{echo}");
        }
        assert_eq!(
            r.scrub("abc stays"),
            "abc stays",
            "values under 4 characters are not secrets"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("ok\u{1b}[31mred\u{7}\r\n"), "ok\\u{1b}[31mred\\u{7}\\r\\n");
        assert_eq!(printable("plain"), "plain");
    }
}
