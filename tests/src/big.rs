//! Large answers built from the wiki's own getInvoicesHistory example, for the benchmarks, the
//! decode profile and the memory measurements: the wiki's invoice (with its three history
//! records) repeated, each copy with its own `Id`.

use crate::example;

/// The first `Id` given to a copy; copy `i` gets `FIRST_ID + i`.
pub const FIRST_ID: u64 = 3_000_000_000;

/// The wiki's XML answer with its one invoice repeated `count` times.
pub fn invoices_xml(count: usize) -> String {
    let text = example("personal/getInvoicesHistory.response.xml");
    let start = text.find("<InvoiceData>").expect("the example has an invoice");
    let end = text.find("</InvoiceData>").expect("the example has an invoice") + "</InvoiceData>".len();
    let invoice = &text[start..end];
    let mut out = String::with_capacity(text.len() + invoice.len() * count);
    out.push_str(&text[..start]);
    for i in 0..count {
        out.push_str(&invoice.replace("<Id>3930949846</Id>", &format!("<Id>{}</Id>", FIRST_ID + i as u64)));
    }
    out.push_str(&text[end..]);
    out
}

/// The wiki's JSON answer with its one invoice repeated `count` times, written compactly as the
/// server writes it; number texts such as `11.0000` are kept as the wiki writes them.
pub fn invoices_json(count: usize) -> String {
    let text = compact(&example("personal/getInvoicesHistory.response.json"));
    let key = "\"InvoicesHistoryList\":";
    let list_at = text.find(key).expect("the example has a list") + key.len();
    let open = list_at + text[list_at..].find('[').expect("the list is an array");
    let close = matching_bracket(&text, open);
    let invoice = text[open + 1..close].trim();
    let mut out = String::with_capacity(text.len() + invoice.len() * count);
    out.push_str(&text[..=open]);
    for i in 0..count {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&invoice.replacen("3930949846", &(FIRST_ID + i as u64).to_string(), 1));
    }
    out.push_str(&text[close..]);
    out
}

/// JSON without the whitespace outside strings.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c.is_whitespace() {
            continue;
        } else {
            in_string = c == '"';
        }
        out.push(c);
    }
    out
}

/// The index of the `]` that closes the `[` at `open` (the example has no brackets in strings).
fn matching_bracket(text: &str, open: usize) -> usize {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate().skip(open) {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced brackets in the JSON example")
}
