//! A hostile server's echoes, made by this module's own code (not the client's redactor): every
//! form a secret may take when a server or a proxy quotes it back, and a Payout and Personal API
//! on loopback that quotes the secrets it was sent, in those forms, in every text it answers
//! (`Desc`, a warning, `ErrorMessage`).

use crate::server::{Answer, Received, Server};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One form of a secret: what the server writes, and the part of it that must never be shown
/// (all of it, but for base64, whose first and last characters mix in the text around it).
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The encoding's name.
    pub name: &'static str,
    /// What the server writes.
    pub echo: String,
    /// What must not reach any output.
    pub needle: String,
}

/// Every form of `value`, each once (a form that reads the same as an earlier one is left out).
pub fn encodings(value: &str) -> Vec<Encoded> {
    let plain = |name, echo: String| Encoded {
        name,
        needle: echo.clone(),
        echo,
    };
    let mut all = vec![
        plain("as sent", value.to_owned()),
        plain("percent-encoded", percent(value, true, "+")),
        plain("percent-encoded, lowercase hex", percent(value, false, "+")),
        plain("percent-encoded, %20 for a space", percent(value, true, "%20")),
        plain("percent-encoded twice", percent(&percent(value, true, "+"), true, "+")),
        plain("HTML-escaped", html(value, "&#39;")),
        plain("HTML-escaped, hex apostrophe", html(value, "&#x27;")),
        plain("JSON-escaped", json(value, false)),
        plain("JSON-escaped with \\/", json(value, true)),
        plain("JSON \\u-escaped", dotnet_json(value, true)),
        plain("JSON \\u-escaped, lowercase", dotnet_json(value, false)),
    ];
    let names = [
        (false, ["base64 at 0", "base64 at 1", "base64 at 2"]),
        (true, ["base64url at 0", "base64url at 1", "base64url at 2"]),
    ];
    for (url_safe, names) in names {
        for (offset, name) in names.into_iter().enumerate() {
            // The value inside a longer text, at each position of a 3-byte group.
            let text = format!("{}{value}~~~~~~", "x".repeat(offset));
            let echo = base64(text.as_bytes(), url_safe);
            // The first 4 and the last 12 characters mix in the text around the value.
            let needle = echo[4..echo.len() - 12].to_owned();
            all.push(Encoded { name, echo, needle });
        }
    }
    if value.len() >= 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        let groups: Vec<String> = value
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        all.push(plain("in groups, spaces", groups.join(" ")));
        all.push(plain("in groups, dashes", groups.join("-")));
    }
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|e| seen.insert(e.echo.clone()));
    all
}

/// Form encoding written out byte by byte: letters, digits and `*-._` as they are, `space` for a
/// space, every other byte as `%XX`.
fn percent(s: &str, upper: bool, space: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => char::from(b).to_string(),
            b' ' => space.to_owned(),
            _ if upper => format!("%{b:02X}"),
            _ => format!("%{b:02x}"),
        })
        .collect()
}

fn html(s: &str, apostrophe: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => apostrophe.to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn json(s: &str, slash: bool) -> String {
    s.chars()
        .map(|c| match c {
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            '/' if slash => "\\/".to_owned(),
            c if (c as u32) < 0x20 => format!("\\u{:04x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// .NET's JSON: every character but ASCII letters and digits as `\uXXXX`.
fn dotnet_json(s: &str, upper: bool) -> String {
    s.encode_utf16()
        .zip(s.chars().flat_map(|c| std::iter::repeat_n(c, c.len_utf16())))
        .map(|(unit, c)| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else if upper {
                format!("\\u{unit:04X}")
            } else {
                format!("\\u{unit:04x}")
            }
        })
        .collect()
}

/// Base64 (RFC 4648), written out: 6 bits per character, `=` padding for the standard alphabet,
/// none for the URL-safe one.
fn base64(bytes: &[u8], url_safe: bool) -> String {
    let alphabet: Vec<u8> = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".to_vec()
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".to_vec()
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
            } else if !url_safe {
                out.push('=');
            }
        }
    }
    out
}

/// What the hostile server writes before the echoes: a spreadsheet formula, terminal escape
/// sequences (colour, a window title, a hyperlink) and the mark that shows the text arrived.
pub const LEAD: &str = "=HYPERLINK(\"http://evil.example/\";\"click\") \u{1b}[31m\u{1b}]0;owned\u{7}\u{1b}]8;;http://evil.example/\u{1b}\\ECHO-MARK";

/// A Personal and Payout API on loopback that quotes secrets back. Every text it answers holds
/// [`LEAD`] and the echoes of the credentials (`always`); a payout's texts also hold the echoes
/// of the card number or account its creation carried.
pub struct Hostile {
    /// The server.
    pub server: Server,
}

#[derive(Default)]
struct Book {
    always: Vec<String>,
    /// Each operation's own echoes, by id.
    ops: BTreeMap<String, Vec<String>>,
}

impl Hostile {
    /// Starts it. `token` is the UserToken its getUserToken gives; `always` are the echoes of
    /// the credentials, in every answer; `of_payout` makes the echoes of a creation's card
    /// number or account.
    pub fn start(token: &str, always: Vec<String>, of_payout: fn(&str) -> Vec<String>) -> Hostile {
        let book = Arc::new(Mutex::new(Book {
            always,
            ..Book::default()
        }));
        let token = token.to_owned();
        let server = Server::start(move |req: &Received, _| {
            let mut book = book.lock().unwrap();
            answer(&mut book, req, &token, of_payout)
        });
        Hostile { server }
    }
}

fn echo_text(parts: &[String]) -> String {
    format!("{LEAD} {}", parts.join(" | "))
}

fn answer(book: &mut Book, req: &Received, token: &str, of_payout: fn(&str) -> Vec<String>) -> Answer {
    let json_body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let method = req.path.rsplit('/').next().unwrap_or_default();
    let ok = |result: serde_json::Value| {
        Answer::json(serde_json::json!({ "OperationState": { "Code": 0 }, "Result": result }).to_string())
    };
    match method {
        "getUserToken" => ok(serde_json::json!({ "State": { "Code": 0 }, "UserToken": token })),
        // A warning when the request takes 1 item, a refusal otherwise.
        "getEshopInfo" if String::from_utf8_lossy(&req.body).contains("Take=1") => {
            ok(serde_json::json!({ "State": { "Code": 1, "Desc": echo_text(&book.always) } }))
        }
        "getEshopInfo" => Answer::json(
            serde_json::json!({ "OperationState": { "Code": 2, "Desc": echo_text(&book.always) } }).to_string(),
        ),
        "CreateOperation" => {
            let id = format!("00000000-0000-4000-8000-{:012x}", book.ops.len() + 1);
            let secret = json_body["Pan"]
                .as_str()
                .or(json_body["Account"].as_str())
                .unwrap_or_default();
            let mut echoes = book.always.clone();
            echoes.extend(of_payout(secret));
            // Created, and the request quoted in the answer's message all the same.
            let answer = serde_json::json!({
                "State": { "Code": 0 },
                "PayoutOperationId": id,
                "PayoutOperationState": "Created",
                "ErrorMessage": echo_text(&echoes),
            });
            book.ops.insert(id, echoes);
            ok(answer)
        }
        // Refused, quoting everything: the execution is in doubt, and its state decides.
        "ExecuteOperation" => {
            let echoes = &book.ops[json_body["PayoutOperationId"].as_str().unwrap()];
            Answer::json(serde_json::json!({ "OperationState": { "Code": 2, "Desc": echo_text(echoes) } }).to_string())
        }
        "GetOperationState" => {
            let id = json_body["PayoutOperationId"].as_str().unwrap();
            ok(serde_json::json!({
                "State": { "Code": 0 },
                "PayoutOperationId": id,
                "PayoutOperationState": "Failed",
                "ErrorMessage": echo_text(&book.ops[id]),
            }))
        }
        other => panic!("the hostile server does not answer {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_rfc_4648_writes_it() {
        // RFC 4648, section 10.
        for (text, encoded) in [("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(text.as_bytes(), false), encoded);
        }
        assert_eq!(base64(&[0xfb, 0xff], true), "-_8");
    }
}
