//! Data sets of records: a paged method answered from N records instead of its example, page by
//! page as `Skip` and `Take` ask, so that a service's own paging loop can be tested. Each record
//! has the shape of the example's first item, and is told apart by its key (the spec's
//! `pagination: key:`), numbered 1 to N. The example's text is edited, not re-encoded: every
//! other value stays byte for byte as the wiki prints it.

use crate::{MockMethod, MockPaging};
use intellectmoney_runtime::Format;
use std::ops::Range;

/// The answer of `method` for this page of a data set of `total` records: `body` (the method's
/// example, enveloped) with its list holding the records `Skip`..`Skip + Take`.
pub(crate) fn page(
    method: &MockMethod,
    format: Format,
    body: &str,
    params: &[(String, String)],
    total: usize,
) -> Result<String, String> {
    let paging = method
        .paging
        .ok_or_else(|| format!("{} does not page", method.info.name))?;
    let key = paging
        .key
        .ok_or_else(|| format!("{}: the spec names no `pagination: key:`", method.info.name))?;
    let number = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
    };
    let skip = number(paging.skip).unwrap_or(0).min(total);
    let take = number(paging.take).unwrap_or(total);
    let records = skip..skip.saturating_add(take).min(total);
    match format {
        Format::Xml => xml_page(body, &paging, key, records),
        Format::Json => json_page(body, &paging, key, records),
    }
    .ok_or_else(|| {
        format!(
            "the example of {} has no item of `{}` to copy",
            method.info.name, paging.items
        )
    })
}

/// The key's value of record `n`, in the kind of the example's own: a GUID, a number or a text.
fn key_value(example: &str, n: usize) -> String {
    let example = example.trim().trim_matches('"');
    if intellectmoney_runtime::Uuid::parse_str(example).is_ok() {
        format!("00000000-0000-4000-8000-{n:012}")
    } else if example.parse::<i64>().is_ok() {
        n.to_string()
    } else {
        format!("record-{n}")
    }
}

fn xml_page(body: &str, paging: &MockPaging, key: &str, records: Range<usize>) -> Option<String> {
    let (open, close) = (format!("<{}>", paging.items), format!("</{}>", paging.items));
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&close)?;
    let item = first_xml_element(&body[start..end])?;
    let (k_open, k_close) = (format!("<{key}>"), format!("</{key}>"));
    let at = item.find(&k_open)? + k_open.len();
    let to = at + item[at..].find(&k_close)?;
    let copies: String = records
        .map(|n| format!("{}{}{}", &item[..at], key_value(&item[at..to], n + 1), &item[to..]))
        .collect();
    Some(format!("{}{copies}{}", &body[..start], &body[end..]))
}

/// The first child element of a list's content, start tag to end tag.
fn first_xml_element(inner: &str) -> Option<&str> {
    let s = inner.find('<')?;
    let name_len = inner[s + 1..].find(|c: char| c == '>' || c == '/' || c.is_whitespace())?;
    let name = &inner[s + 1..s + 1 + name_len];
    let close = format!("</{name}>");
    let e = s + inner[s..].find(&close)? + close.len();
    Some(&inner[s..e])
}

fn json_page(body: &str, paging: &MockPaging, key: &str, records: Range<usize>) -> Option<String> {
    let name = format!("\"{}\"", paging.items);
    let after_name = body.find(&name)? + name.len();
    let open = after_name + body[after_name..].find('[')?;
    let close = open + json_end(&body[open..])?;
    let inner = &body[open + 1..close - 1];
    let first = inner.find('{')?;
    let item = &inner[first..first + json_end(&inner[first..])?];
    let field = format!("\"{key}\"");
    let colon = item.find(&field)? + field.len();
    let at = colon + item[colon..].find(':')? + 1;
    let at = at + item[at..].len() - item[at..].trim_start().len();
    let to = at + json_scalar_len(&item[at..])?;
    let copies: Vec<String> = records
        .map(|n| {
            let old = &item[at..to];
            let value = key_value(old, n + 1);
            let value = if old.starts_with('"') {
                format!("\"{value}\"")
            } else {
                value
            };
            format!("{}{value}{}", &item[..at], &item[to..])
        })
        .collect();
    Some(format!("{}[{}]{}", &body[..open], copies.join(", "), &body[close..]))
}

/// The length of the JSON array or object that `text` starts with (its brackets matched, strings
/// passed over).
fn json_end(text: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '[' | '{' if !in_string => depth += 1,
            ']' | '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The length of the JSON string, number or literal that `text` starts with.
fn json_scalar_len(text: &str) -> Option<usize> {
    if let Some(rest) = text.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return Some(i + 2),
                _ => {}
            }
        }
        return None;
    }
    text.find([',', '}', ']', '\n', ' ']).or(Some(text.len()))
}
