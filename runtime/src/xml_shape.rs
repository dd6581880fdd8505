//! The shape of an XML document, checked before it is decoded: one root element and nothing
//! after it but whitespace, comments and processing instructions. The decoders (the generated
//! ones and their serde reference) stop at the end of the first element, so trailing garbage or a second root would otherwise pass unseen
//! (JSON's decoder refuses trailing content itself). A scan of the markup only, at memchr speed.

use memchr::memchr;

/// The root element's name, or why the document is not one element.
pub fn single_root(xml: &str) -> Result<&str, String> {
    let b = xml.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    let mut root: Option<&str> = None;
    let mut closed = false;
    loop {
        let next = memchr(b'<', &b[i..]).map(|k| i + k);
        let text_end = next.unwrap_or(b.len());
        if depth == 0 && !xml[i..text_end].trim().is_empty() {
            return Err(outside(&xml[i..text_end], closed));
        }
        let Some(at) = next else { break };
        let rest = &xml[at..];
        if let Some(end) = skip_markup(rest) {
            i = at + end;
            continue;
        }
        let close = find_tag_end(b, at).ok_or("an unclosed tag")?;
        let tag = &xml[at + 1..close];
        if let Some(name) = tag.strip_prefix('/') {
            depth = depth
                .checked_sub(1)
                .ok_or_else(|| format!("an end tag `</{}>` with no start", name.trim()))?;
            closed |= depth == 0;
        } else {
            if depth == 0 && closed {
                return Err(format!("a second root element `<{}>` after the first", tag_name(tag)));
            }
            if depth == 0 {
                root = Some(tag_name(tag));
            }
            if !tag.ends_with('/') {
                depth += 1;
            } else if depth == 0 {
                closed = true;
            }
        }
        i = close + 1;
    }
    match root {
        Some(name) if closed => Ok(name),
        Some(name) => Err(format!("the root element `<{name}>` is not closed")),
        None => Err("no root element".into()),
    }
}

/// Comments, CDATA, processing instructions and declarations: the offset just past them.
fn skip_markup(rest: &str) -> Option<usize> {
    for (open, close) in [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>"), ("<!", ">")] {
        if rest.starts_with(open) {
            return Some(rest.find(close).map_or(rest.len(), |k| k + close.len()));
        }
    }
    None
}

/// The `>` that ends the tag starting at `start`, past quoted attribute values.
fn find_tag_end(b: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    for (k, &c) in b.iter().enumerate().skip(start + 1) {
        match (quote, c) {
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b'>') => return Some(k),
            _ => {}
        }
    }
    None
}

fn tag_name(tag: &str) -> &str {
    tag.split(|c: char| c.is_whitespace() || c == '/')
        .next()
        .unwrap_or_default()
}

fn outside(text: &str, after_root: bool) -> String {
    let shown: String = text.trim().chars().take(40).collect();
    if after_root {
        format!("content after the root element: `{shown}`")
    } else {
        format!("text before the root element: `{shown}`")
    }
}

#[cfg(test)]
mod tests {
    use super::single_root;

    #[test]
    fn one_root_and_nothing_after_it() {
        assert_eq!(
            single_root("<?xml version=\"1.0\"?>\n<!-- c --><Response a=\"x>y\"><A/><B>t</B></Response>\n<!-- end -->"),
            Ok("Response")
        );
        assert_eq!(single_root("<Response/>"), Ok("Response"));
        for (bad, why) in [
            ("<Response></Response>garbage", "content after the root"),
            ("<Response></Response><Response></Response>", "a second root"),
            ("<Response><A></Response>", "not closed"),
            ("text<Response/>", "text before the root"),
            ("", "no root"),
            ("<Response></A></B>", "with no start"),
        ] {
            let e = single_root(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
