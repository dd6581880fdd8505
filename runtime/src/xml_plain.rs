//! A tokenizer for plain XML, the XML that answers are: tags, attributes and text with
//! references, nothing else after the prolog. It gives the events that quick-xml's reader gives
//! for such a document (the same [`Event`]s, borrowed from the input the same way), at about
//! two and a half times its speed: the input is a `&str` already, so it is not checked as
//! UTF-8 again, and its state is a position and the names of the open elements.
//!
//! Whatever it does not model exactly, it declines ([`Declined`]) and the document is read
//! again by quick-xml (see `xml::from_str_located`): a byte order mark, comments, CDATA,
//! processing instructions and declarations (but an XML declaration first), a name that is
//! empty or holds a quote, an end tag that does not close the element open, a tag or reference
//! not closed, the end of the input inside an element. So a document it reads without
//! declining reads as quick-xml reads it; the differential tests and the `xml_serde` fuzz
//! target compare both lanes with the serde path.

use memchr::{memchr, memchr2, memchr3};
use quick_xml::events::{BytesEnd, BytesRef, BytesStart, BytesText, Event};

/// The plain lexer met something it does not model: quick-xml reads the document instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Declined;

/// XML whitespace (not Unicode's), as quick-xml splits a tag's name from its attributes.
pub(crate) fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The offset of the `>` that ends the tag whose content starts at `from` in `b`: the first one
/// outside quoted values, as quick-xml's `ElementParser` finds it.
pub(crate) fn tag_end(b: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + memchr3(b'>', b'"', b'\'', b.get(from..)?)?;
        if b[at] == b'>' {
            return Some(at);
        }
        let close = memchr(b[at], &b[at + 1..])?;
        from = at + 1 + close + 1;
    }
}

/// The lexer: a position in the input and the names of the open elements (to check each end
/// tag against, as quick-xml's `check_end_names` does).
#[derive(Clone)]
pub(crate) struct PlainLexer<'a> {
    input: &'a str,
    pos: usize,
    open: Vec<&'a str>,
    /// The end of an empty element (`<a/>`), given next: quick-xml's `expand_empty_elements`.
    pending_end: Option<&'a str>,
}

impl<'a> PlainLexer<'a> {
    /// A lexer of `input` from `pos` (just past the XML declaration, read by quick-xml, or 0).
    pub(crate) fn new(input: &'a str, pos: usize) -> Self {
        PlainLexer {
            input,
            pos,
            open: Vec::new(),
            pending_end: None,
        }
    }

    /// The offset just past the last event read (quick-xml's `buffer_position`).
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Whether the text just read is whole: a reference would continue it, and so would a
    /// comment, CDATA section, processing instruction or document type (quick-xml's lane drops
    /// or merges them and goes on with the text after; here the next event declines them).
    #[inline]
    pub(crate) fn text_ends(&self) -> bool {
        let b = self.input.as_bytes();
        match b.get(self.pos) {
            Some(b'&') => false,
            Some(_) => !matches!(b.get(self.pos + 1), Some(b'!' | b'?')),
            None => true,
        }
    }

    /// The rest of a leaf element whose start tag was just read, `text</name>` or the end of
    /// `<name/>`, read at once: its text (undecoded, maybe empty), or `None` with nothing read
    /// when the element holds anything else (a reference, markup, an end tag written otherwise).
    /// quick-xml gives the same as a text event (none for an empty text) and the end tag.
    #[inline]
    pub(crate) fn leaf_text(&mut self) -> Option<&'a str> {
        if self.pending_end.take().is_some() {
            return Some("");
        }
        let b = self.input.as_bytes();
        let from = self.pos;
        let lt = from + memchr2(b'<', b'&', &b[from..])?;
        let name = *self.open.last()?;
        let after = lt + 2 + name.len();
        let closes = b[lt] == b'<'
            && b.get(lt + 1) == Some(&b'/')
            && b.get(lt + 2..after) == Some(name.as_bytes())
            && b.get(after) == Some(&b'>');
        if !closes {
            return None;
        }
        self.open.pop();
        self.pos = after + 1;
        Some(&self.input[from..lt])
    }

    /// The next event.
    #[inline]
    pub(crate) fn next(&mut self) -> Result<Event<'a>, Declined> {
        if let Some(name) = self.pending_end.take() {
            return Ok(Event::End(BytesEnd::new(name)));
        }
        let b = self.input.as_bytes();
        match b.get(self.pos) {
            None if self.open.is_empty() => Ok(Event::Eof),
            None => Err(Declined),
            Some(b'<') => match b.get(self.pos + 1) {
                Some(b'/') => self.end_tag(),
                Some(b'!' | b'?') | None => Err(Declined),
                Some(_) => self.start_tag(),
            },
            Some(b'&') => self.reference(),
            Some(_) => Ok(self.text()),
        }
    }

    /// Text up to the next markup or reference (never empty: the first byte is neither).
    fn text(&mut self) -> Event<'a> {
        let rest = &self.input.as_bytes()[self.pos..];
        let end = self.pos + memchr2(b'<', b'&', rest).unwrap_or(rest.len());
        let text = &self.input[self.pos..end];
        self.pos = end;
        Event::Text(BytesText::from_escaped(text))
    }

    /// `&name;`, as quick-xml reads one: up to the first `;`, `&` or `<` after the `&`, which
    /// must be the `;` (a lone `&` is an error there).
    fn reference(&mut self) -> Result<Event<'a>, Declined> {
        let from = self.pos + 1;
        let end = self.first_before(from, b';', [b'&', b'<'])?;
        self.pos = end + 1;
        Ok(Event::GeneralRef(BytesRef::new(&self.input[from..end])))
    }

    /// `</name>`, closing the element open (names compared as quick-xml compares them, after
    /// trailing whitespace is trimmed).
    fn end_tag(&mut self) -> Result<Event<'a>, Declined> {
        let from = self.pos + 2;
        // quick-xml reads an end tag past quoted values; without quotes, to the first `>`.
        let end = self.first_before(from, b'>', [b'"', b'\''])?;
        let name = self.input[from..end].trim_end_matches([' ', '\t', '\r', '\n']);
        if self.open.pop() != Some(name) {
            return Err(Declined);
        }
        self.pos = end + 1;
        Ok(Event::End(BytesEnd::new(name)))
    }

    /// `<name attributes>` or `<name attributes/>`, its end found as quick-xml finds it: the
    /// first `>` outside quoted values.
    fn start_tag(&mut self) -> Result<Event<'a>, Declined> {
        let from = self.pos + 1;
        let end = tag_end(self.input.as_bytes(), from).ok_or(Declined)?;
        let (content, empty) = match self.input[from..end].strip_suffix('/') {
            Some(content) => (content, true),
            None => (&self.input[from..end], false),
        };
        let name_len = content.bytes().position(is_xml_space).unwrap_or(content.len());
        let name = &content[..name_len];
        if name.is_empty() || name.contains(['"', '\'', '<']) {
            return Err(Declined);
        }
        match empty {
            true => self.pending_end = Some(name),
            false => self.open.push(name),
        }
        self.pos = end + 1;
        Ok(Event::Start(BytesStart::from_content(content, name_len)))
    }

    /// The offset of the first `want` from `from`, when it comes before either of `stops` and
    /// before the end of the input.
    fn first_before(&self, from: usize, want: u8, [stop, other]: [u8; 2]) -> Result<usize, Declined> {
        let b = self.input.as_bytes();
        let at = from + memchr3(want, stop, other, &b[from..]).ok_or(Declined)?;
        match b[at] == want {
            true => Ok(at),
            false => Err(Declined),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Declined, PlainLexer};
    use quick_xml::events::Event;
    use quick_xml::Reader;

    /// Every event of `doc` by both lexers, until the end or the plain one declines (after an
    /// XML declaration, read by quick-xml as the reader does): the plain lexer's events and
    /// offsets are quick-xml's.
    fn events(doc: &str) -> Result<usize, Declined> {
        let mut quick = Reader::from_str(doc);
        quick.config_mut().expand_empty_elements = true;
        let mut from = 0;
        if doc.starts_with("<?xml ") {
            assert!(matches!(quick.read_event(), Ok(Event::Decl(_))), "{doc}");
            from = quick.buffer_position() as usize;
        }
        let mut plain = PlainLexer::new(doc, from);
        for read in 0.. {
            let event = plain.next()?;
            let expected = quick.read_event().expect("quick-xml reads what the plain lexer reads");
            assert_eq!(event, expected, "event {read} of {doc}");
            assert_eq!(
                plain.position() as u64,
                quick.buffer_position(),
                "offset after event {read} of {doc}"
            );
            if event == Event::Eof {
                return Ok(read);
            }
        }
        unreachable!()
    }

    #[test]
    fn plain_documents_give_quick_xml_s_events() {
        for doc in [
            "<a>text</a>",
            "<a/>",
            "<a />",
            "<a\tb='1'\n/>",
            "<a b=\"x>y\" c='\"'>t</a>",
            "<a b=\"x/\">t</a>",
            "<a b=x/>",
            "<a//>",
            "<p:a xmlns:p=\"urn:x\"><p:b>1</p:b></p:a>",
            "<a>x &amp; y &#1092;&#x444; &bogus; &;</a>",
            "<a>&lt;</a>",
            "<a>line\r\nend\rx</a>",
            "<a>]]> > '\"</a>",
            "<a></a  >",
            "<a>\n  <b>1</b>\n  <c/>\n</a>\n  ",
            "<Ответ><Код>0</Код></Ответ>",
            "text only",
            "",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Response>\r\n  <A>1</A>\n</Response>\n",
            "<?xml version='1.1'?><a>x\u{85}y</a>",
        ] {
            events(doc).unwrap_or_else(|_| panic!("the plain lexer reads {doc}"));
        }
    }

    #[test]
    fn what_it_does_not_model_is_declined() {
        for doc in [
            "<a><!-- c --></a>",
            "<a><![CDATA[x]]></a>",
            "<!DOCTYPE a><a/>",
            "<a><?pi x?></a>",
            "<?xml-stylesheet href=\"a\"?><a/>",
            "<a></b>",
            "<a></a b>",
            "<a></a \">\">",
            "<a>",
            "<a>text",
            "<a b=\"1>",
            "<a",
            "<",
            "<>",
            "< a>",
            "<a\"b>x</a\"b>",
            "</a>",
            "<a>&amp</a>",
            "<a>&x<b/></a>",
            "<a>x &",
            "<?xml version=\"1.0\"?><!-- c --><a/>",
            "<?xml version=\"1.0\"?><?xml version=\"1.0\"?><a/>",
        ] {
            assert_eq!(events(doc), Err(Declined), "{doc}");
        }
    }
}
