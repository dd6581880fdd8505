//! The shape of an XML document, checked before it is decoded: one root element and nothing
//! after it but whitespace, comments and processing instructions. The decoders (the generated
//! ones and their serde reference) stop at the end of the first element, so trailing garbage or a second root would otherwise pass unseen
//! (JSON's decoder refuses trailing content itself). A scan of the markup only, at memchr speed.

use crate::xml_plain::tag_end;
use memchr::{memchr, memchr2_iter};

/// The root element's name, or why the document is not one element.
pub fn single_root(xml: &str) -> Result<&str, String> {
    single_root_read(xml, None)
}

/// [`single_root`], told where a parser found the root element (`root`: the offsets of its
/// `<` and just past its end tag): the scan then jumps over the root instead of reading it
/// again, and gives the same answer. The jump is taken only when the scan reaches a root
/// element at the same offset and the root holds no `<!` or `<?` markup; without such markup, a
/// root is tags and text, and tags end at the same `>` here as in quick-xml (the first one
/// outside quotes, quick-xml's `ElementParser`), so both find its end at the same place.
pub(crate) fn single_root_read(xml: &str, root: Option<(usize, usize)>) -> Result<&str, String> {
    let b = xml.as_bytes();
    let jump = root.filter(|&(start, end)| start < end && end <= b.len() && plain_markup(&b[start..end]));
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
        let close = tag_end(b, at + 1).ok_or("an unclosed tag")?;
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
                if let Some((_, end)) = jump.filter(|&(start, _)| start == at) {
                    closed = true;
                    i = end;
                    continue;
                }
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

/// Whether `xml` holds no `<!` (comments, CDATA, document types) and no `<?` (processing
/// instructions, declarations).
fn plain_markup(xml: &[u8]) -> bool {
    memchr2_iter(b'!', b'?', xml).all(|k| k == 0 || xml[k - 1] != b'<')
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
    use super::{plain_markup, single_root, single_root_read};
    use crate::TypedText;

    #[test]
    fn told_where_the_root_is_the_same_answer() {
        for doc in [
            "<?xml version=\"1.0\"?>\n<Response a=\"x>y\"><A/><B>t</B></Response>\n<!-- end -->",
            "<r/>",
            "  <r></r>  ",
            "<r></r>garbage",
            "<r></r><r/>",
            "<r></r></x>",
            "<r><!-->x<y>--></r>",
            "<r><?x?><y></r>",
            "<r><![CDATA[<y>]]></r>",
            "<!DOCTYPE r [<!ENTITY a \"<b>\">]><r/>",
            "<!-- <x> --><r>t</r><!-->",
            "<r><a b='>'/></r>",
            "<r>text</r>\u{a0}",
        ] {
            let Ok((_, root)) = crate::xml::from_str_located::<TypedText>(doc) else {
                continue;
            };
            assert_eq!(single_root_read(doc, root), single_root(doc), "{doc}");
        }
        // The reader knows where the root is: from its `<` to just past its end tag.
        for (doc, root) in [("  <r>t</r>x", (2, 10)), ("<a><b/></a>", (0, 11)), ("<a/>  ", (0, 4))] {
            let (_, found) = crate::xml::from_str_located::<TypedText>(doc).unwrap();
            assert_eq!(found, Some(root), "{doc}");
        }
    }

    #[test]
    fn markup_that_ends_differently_here_and_in_quick_xml_is_seen() {
        assert!(plain_markup(b"<r><a x='!?'>Yes! Why?</a></r>"));
        for bad in [&b"<r><!-- c --></r>"[..], b"<r><?pi?></r>", b"<!x"] {
            assert!(!plain_markup(bad));
        }
    }

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
