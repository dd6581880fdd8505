//! The forms a secret value may take when a server, a proxy or a log quotes it back.

use base64::Engine;

/// Every form of `value` an echo may carry: as sent; percent-encoded (either case of hex, `+` or
/// `%20` for a space, once or twice); HTML-escaped; JSON-escaped (`\/`, `\u002B`, …); base64 and
/// base64url, of the value and of its percent-encoded form, at any alignment inside a longer
/// base64 text; a card number in groups of four.
pub(super) fn forms(value: &str) -> Vec<String> {
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
    v.extend(base64_cores(value.as_bytes()));
    if form != value {
        v.extend(base64_cores(form.as_bytes()));
    }
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

/// The part of the base64 (standard and URL-safe) of any text holding `bytes` that depends on
/// `bytes` alone, for each of the three positions `bytes` can start at within a 3-byte group.
/// The characters that mix in the bytes before or after are left out, so the core is found
/// inside the base64 of a whole body that quotes the value.
fn base64_cores(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::with_capacity(6);
    for engine in [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for offset in 0..3usize {
            let mut shifted = vec![0u8; offset];
            shifted.extend_from_slice(bytes);
            let encoded = engine.encode(&shifted);
            // Characters holding any bit of the `offset` bytes before: 0, 2 or 3 of them.
            let skip = [0, 2, 3][offset];
            // Characters whose 6 bits all come from the value (the last one may mix in what
            // follows).
            let whole = shifted.len() * 8 / 6;
            if whole > skip {
                out.push(encoded[skip..whole].to_owned());
            }
        }
    }
    out
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
