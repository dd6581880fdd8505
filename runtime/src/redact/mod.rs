//! Redaction by value: the secret values the client knows (its credentials, every UserToken it
//! was given, the bearer token, the sign secret, the secret parameters of the calls and payouts
//! in flight) removed from any text the client shows or returns, in every form an echo may take
//! them (see [`forms`](self) below: as sent, percent-encoded, HTML- and JSON-escaped, base64 at
//! any alignment, a card number in groups). Masking by field name (`mask_secrets`) cannot catch a
//! server or proxy page that quotes the request in prose; this can. Text a server wrote is also
//! made inert for where it is shown: card numbers found by their shape are masked
//! ([`mask_card_numbers`]), control characters escaped ([`printable`]), a CSV cell kept from
//! being read as a formula ([`csv_cell`]).

mod cards;
mod forms;
mod url;

pub use cards::{mask_card_numbers, masked};
pub use url::{url_password, url_passwords};

use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::Arc;

/// The values to remove, in every form. Cheap to clone; [`Redactor::and`] joins two.
#[derive(Clone, Default)]
pub struct Redactor {
    layers: Vec<Arc<Layer>>,
}

/// One set of values: every form of each, found in one pass (the longest match wins).
struct Layer {
    automaton: AhoCorasick,
    forms: usize,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let forms: usize = self.layers.iter().map(|l| l.forms).sum();
        write!(f, "Redactor({forms} forms)")
    }
}

/// What a removed value is replaced with.
pub const REDACTED: &str = "[redacted]";

impl Redactor {
    /// A redactor of nothing (for a `static`).
    pub const EMPTY: Redactor = Redactor { layers: Vec::new() };

    /// A redactor of these values. Values shorter than 4 characters are left alone: removing
    /// them would garble ordinary text without protecting anything.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles: Vec<String> = values
            .into_iter()
            .filter(|v| v.chars().count() >= 4)
            .flat_map(forms::forms)
            .collect();
        needles.sort();
        needles.dedup();
        if needles.is_empty() {
            return Redactor::default();
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&needles)
            .expect("a few thousand short patterns fit the automaton's limits");
        Redactor {
            layers: vec![Arc::new(Layer {
                automaton,
                forms: needles.len(),
            })],
        }
    }

    /// A redactor of the values of both.
    pub fn and(&self, other: &Redactor) -> Redactor {
        let mut layers = self.layers.clone();
        layers.extend(other.layers.iter().cloned());
        Redactor { layers }
    }

    /// Whether it removes nothing.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
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
        for layer in &self.layers {
            if layer.automaton.is_match(text.as_str()) {
                let mut out = String::with_capacity(text.len());
                layer.automaton.replace_all_with(text, &mut out, |_, _, dst| {
                    dst.push_str(REDACTED);
                    true
                });
                *text = out;
            }
        }
    }

    /// Text a server wrote (a `Desc`, an `ErrorMessage`, a page), as it may leave the process:
    /// the values removed, and any other card number masked by its shape. Control characters
    /// are left for where it is shown ([`printable`], [`csv_cell`]).
    pub fn untrusted(&self, text: &str) -> String {
        mask_card_numbers(&self.scrub(text))
    }
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

/// A cell of a CSV file that a spreadsheet will not run: control characters escaped, and a cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return prefixed with `'`, as OWASP
/// recommends against CSV injection (the writer quotes the cell when it needs it).
pub fn csv_cell(text: &str) -> String {
    let starts_formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let shown = printable(text);
    if starts_formula {
        format!("'{shown}")
    } else {
        shown
    }
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
        // The token inside a longer base64 text at each of the three positions, standard and
        // URL-safe (computed by Python's base64 module): what is left are the few characters
        // that mix in the bytes around it.
        for echo in [
            "QUIrY2QvZWY9Z2gmJ3h6eg==",
            "eEFCK2NkL2VmPWdoJid4eno=",
            "eHlBQitjZC9lZj1naCYneHp6",
            "QUIrY2QvZWY9Z2gmJ3hx",
            "eEFCK2NkL2VmPWdoJid4cQ==",
            "eHlBQitjZC9lZj1naCYneHE=",
        ] {
            let shown = r.scrub(echo);
            let left: Vec<&str> = shown.split(REDACTED).collect();
            assert!(left.len() == 2 && left.iter().all(|l| l.len() <= 6), "{echo}: {shown}");
        }
        assert_eq!(
            r.scrub("abc stays"),
            "abc stays",
            "values under 4 characters are not secrets"
        );
    }

    #[test]
    fn a_cell_is_never_a_formula() {
        assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        for lead in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(lead).starts_with('\''), "{lead:?}");
        }
        assert_eq!(csv_cell("plain, text"), "plain, text");
        assert_eq!(csv_cell("a\u{1b}]8;;x"), "a\\u{1b}]8;;x");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("ok\u{1b}[31mred\u{7}\r\n"), "ok\\u{1b}[31mred\\u{7}\\r\\n");
        assert_eq!(printable("plain"), "plain");
    }
}
