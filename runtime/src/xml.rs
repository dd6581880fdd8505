//! The pull reader that generated XML decoders stand on (one `FromXml` impl per spec structure,
//! in the style of smithy-rs's `aws-smithy-xml`): events from quick-xml's reader, element names
//! compared as bytes, scalars read straight from the text of the event.
//!
//! It reads a document exactly as the serde path (`quick_xml::de` with the helpers of
//! [`crate::de`]) reads it, which stays as the reference it is checked against (the `xml_serde`
//! fuzz target): the same events (text, CDATA and references merged into one text, comments
//! and processing instructions dropped, whitespace-only text between elements skipped, line ends
//! normalized), the same namespace scopes (an `xsi:nil` counts only where `xsi` is bound to the
//! XML Schema instance namespace, on the element or on its parent), the same skipping of unknown
//! elements, the same depth limit and the same refusals (a field twice, a required field
//! missing, an element inside a list's text item). Scalars go through the same functions as
//! the serde helpers ([`crate::de::scalar`]), so a text reads as the same value either way.
//!
//! Events come from one of two lanes. A document is read first by a plain lexer of the
//! runtime's own, which gives quick-xml's events for the XML that answers are (tags, attributes,
//! text and references after an XML declaration) about two and a half times faster, and
//! declines anything else (comments, CDATA, processing instructions, a document type, a byte
//! order mark, a malformed tag). When it declines, quick-xml's reader reads the document
//! again, and its outcome is the answer ([`from_str_quick`] reads with it alone); where it does
//! not, its events are quick-xml's, and the decoders give the same value or the same error on
//! either lane.

use crate::de::scalar;
use crate::xml_plain::{is_xml_space, Declined, PlainLexer};
use crate::{DateTime, Decimal, EmbeddedJson, TypedText};
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event};
use quick_xml::name::{NamespaceResolver, QName};
use quick_xml::{Reader, XmlVersion};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The start tag of an element whose content is read next.
pub type Start<'a> = BytesStart<'a>;

/// How deep elements read as maps may nest (quick-xml's deserializer allows the same).
const MAX_DEPTH: usize = 128;

/// Why a document did not decode, and where: the field path (`Result.InvoicesHistoryList[0].Amount`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// The field path, empty at the root.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

impl XmlError {
    fn new(message: impl Into<String>) -> Self {
        XmlError {
            path: String::new(),
            message: message.into(),
        }
    }

    /// The same error, one field further out.
    pub fn at(mut self, field: &str) -> Self {
        self.path = match self.path.as_bytes().first() {
            None => field.to_owned(),
            Some(b'[') => format!("{field}{}", self.path),
            Some(_) => format!("{field}.{}", self.path),
        };
        self
    }

    fn at_index(mut self, index: usize) -> Self {
        self.path = match self.path.as_bytes().first() {
            None => format!("[{index}]"),
            Some(b'[') => format!("[{index}]{}", self.path),
            Some(_) => format!("[{index}].{}", self.path),
        };
        self
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn err(e: impl fmt::Display) -> XmlError {
    XmlError::new(e.to_string())
}

/// A structure the generated code reads from its element.
pub trait FromXml: Sized {
    /// Reads the element whose start tag `start` was just read, up to and with its end tag.
    fn from_xml(r: &mut XmlReader<'_>, start: Start<'_>) -> Result<Self, XmlError>;

    /// Reads a whole document: its root element, of any name, after any whitespace.
    fn from_document(r: &mut XmlReader<'_>) -> Result<Self, XmlError> {
        let root = r.root()?;
        Self::from_xml(r, root)
    }
}

/// What an answer decodes into: read from XML by [`FromXml`] (generated for every spec
/// structure) and from JSON by serde.
pub trait Decodable: DeserializeOwned + FromXml {}

impl<T: DeserializeOwned + FromXml> Decodable for T {}

/// Decodes a whole document into `T` (its root element, of any name; what follows the root is
/// not read, as with the serde path: `xml_shape::single_root` checks that).
pub fn from_str<T: FromXml>(text: &str) -> Result<T, XmlError> {
    from_str_located(text).map(|(value, _)| value)
}

/// [`from_str`] read by quick-xml's reader alone, never by the plain lexer: the reference the
/// two lanes are compared with (the differential tests and the `xml_serde` fuzz target).
pub fn from_str_quick<T: FromXml>(text: &str) -> Result<T, XmlError> {
    read_with(&mut XmlReader::new(text)).map(|(value, _)| value)
}

/// Whether the plain lexer reads the root element of `text` to its end tag without declining
/// (see [the module's documentation](self)): a document it declines is read by quick-xml's
/// reader alone, about 1.6 times slower. Answers as servers write them are read by the plain
/// lexer.
pub fn reads_plain(text: &str) -> bool {
    let Some(mut r) = XmlReader::plain(text) else {
        return false;
    };
    let mut open = 0usize;
    loop {
        match r.raw() {
            Ok(Event::Start(_)) => open += 1,
            Ok(Event::End(_)) if open <= 1 => return !r.declined,
            Ok(Event::End(_)) => open -= 1,
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// A decoded value, and where its root element was: the offsets of its `<` and just past its
/// end tag, when the reader knows them.
type Located<T> = (T, Option<(usize, usize)>);

/// [`from_str`], and where the root element was found (for `xml_shape::single_root_read`).
/// Read by the plain lexer first ([`crate::xml_plain`]); when it declines the document,
/// quick-xml's reader reads it again and its outcome is the answer. Where the plain lexer does
/// not decline, its events are quick-xml's, so the decoders read the same value, or fail at
/// the same element with the same error, on either lane.
pub(crate) fn from_str_located<T: FromXml>(text: &str) -> Result<Located<T>, XmlError> {
    if let Some(outcome) = plain_lane(text) {
        return outcome;
    }
    read_with(&mut XmlReader::new(text))
}

/// The document read by the plain lexer, or `None` when it declined (the items it counted are
/// given back to the budget: quick-xml's lane counts them again).
fn plain_lane<T: FromXml>(text: &str) -> Option<Result<Located<T>, XmlError>> {
    let mut r = XmlReader::plain(text)?;
    let budget = crate::de::item_budget();
    let outcome = read_with(&mut r);
    if r.declined {
        crate::de::set_item_budget(budget);
        return None;
    }
    Some(outcome)
}

fn read_with<T: FromXml>(r: &mut XmlReader<'_>) -> Result<Located<T>, XmlError> {
    let value = T::from_document(r)?;
    // Past the root's end tag only when nothing was read after it.
    let end = Some(r.position()).filter(|_| r.ahead.is_none());
    Ok((value, r.root_start.zip(end)))
}

/// An event as decoders see it: text is merged (text, CDATA and references) and its line ends
/// normalized.
enum Ev<'a> {
    Start(BytesStart<'a>),
    End,
    Text(Cow<'a, str>),
    /// A text of one event whose bytes are XML whitespace, not decoded yet: most texts of an
    /// indented document are these, and a map passes over them without decoding them.
    Blank(BytesText<'a>),
    Eof,
}

/// XML whitespace (not Unicode's).
fn is_blank(text: &str) -> bool {
    text.bytes().all(is_xml_space)
}

/// Refuses a start tag whose attributes are malformed, repeated, or hold a reference that is not
/// defined.
fn check_attributes(start: &Start<'_>) -> Result<(), XmlError> {
    if has_attributes(start) {
        for a in start.attributes() {
            a.map_err(err)?.normalized_value(XmlVersion::Implicit1_0).map_err(err)?;
        }
    }
    Ok(())
}

/// Whether a start tag has attributes (anything but whitespace after its name).
fn has_attributes(start: &Start<'_>) -> bool {
    !is_blank(start.attributes_raw())
}

/// The pull reader. Cloned, it is a bookmark: a value the wiki says to ignore is read from a
/// copy, and on failure read past from the bookmark instead.
#[derive(Clone)]
pub struct XmlReader<'a> {
    source: Source<'a>,
    /// Set when the plain lexer declined the document: the plain lane's reading is then over,
    /// whatever catches the error (a value being tried returns it at once instead of reading
    /// again from its bookmark, which would forget the decline).
    declined: bool,
    version: XmlVersion,
    /// The event read past the end of a text to learn that the text ended (never a text-like
    /// one), or the error that reading it gave: it is the next to be read.
    ahead: Option<Result<Event<'a>, XmlError>>,
    ns: NamespaceResolver,
    /// How many elements are open (all of them, unlike `depth`).
    level: u32,
    /// The levels of the open elements that opened a namespace scope: only an element with
    /// attributes can declare a namespace, so the others open none (most of a document).
    scoped: Vec<u32>,
    depth: usize,
    /// Inside how many values the wiki says to ignore (`tried`): there, every part of the
    /// element is checked as it is read (every attribute's value, skipped elements read
    /// through), so that a value that reads is known to be well-formed without a second pass.
    strict: u32,
    input: &'a str,
    /// The offset of the root element's `<`, once it is read.
    root_start: Option<usize>,
}

/// Where events come from: quick-xml's reader, or the plain lexer (see [`crate::xml_plain`]).
#[derive(Clone)]
enum Source<'a> {
    Quick(Reader<&'a [u8]>),
    Plain(PlainLexer<'a>),
}

/// An element being read as a map (a structure, a scalar's element, a list): what its children
/// need to know of it.
pub struct Map {
    nil: bool,
}

impl<'a> XmlReader<'a> {
    /// A reader of `text`.
    pub fn new(text: &'a str) -> Self {
        let mut reader = Reader::from_str(text);
        reader.config_mut().expand_empty_elements = true;
        XmlReader {
            source: Source::Quick(reader),
            declined: false,
            version: XmlVersion::Implicit1_0,
            ahead: None,
            ns: NamespaceResolver::default(),
            level: 0,
            scoped: Vec::new(),
            depth: 0,
            strict: 0,
            input: text,
            root_start: None,
        }
    }

    /// A reader of `text` whose events come from the plain lexer, after the XML declaration
    /// (read by quick-xml) when there is one; `None` for a document that starts with a byte
    /// order mark (quick-xml drops it) or with another processing instruction.
    fn plain(text: &'a str) -> Option<Self> {
        let mut r = Self::new(text);
        let mut at = 0;
        if text.starts_with('\u{feff}') {
            return None;
        }
        if text.starts_with("<?") {
            let Source::Quick(reader) = &mut r.source else {
                unreachable!("a new reader is quick-xml's")
            };
            let Ok(Event::Decl(d)) = reader.read_event() else {
                return None;
            };
            r.version = d.xml_version().ok()?;
            at = r.position();
        }
        r.source = Source::Plain(PlainLexer::new(text, at));
        Some(r)
    }

    /// The offset just past the last event read.
    fn position(&self) -> usize {
        match &self.source {
            Source::Quick(reader) => usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX),
            Source::Plain(lexer) => lexer.position(),
        }
    }

    /// The plain lexer declined the document: noted, and an error that ends the plain lane's
    /// reading.
    #[cold]
    fn decline(&mut self, Declined: Declined) -> XmlError {
        self.declined = true;
        XmlError::new("the plain lexer declined the document")
    }

    /// The next event that decoders see: declarations are noted, comments and processing
    /// instructions dropped.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn raw(&mut self) -> Result<Event<'a>, XmlError> {
        if let Some(event) = self.ahead.take() {
            return event;
        }
        let reader = match &mut self.source {
            Source::Plain(lexer) => {
                let next = lexer.next();
                return next.map_err(|declined| self.decline(declined));
            }
            Source::Quick(reader) => reader,
        };
        loop {
            match reader.read_event().map_err(err)? {
                Event::Decl(d) => self.version = d.xml_version().map_err(err)?,
                Event::Comment(_) | Event::PI(_) => {}
                event => return Ok(event),
            }
        }
    }

    /// The next event, texts merged; a lone whitespace text is left undecoded.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn read_event(&mut self) -> Result<Ev<'a>, XmlError> {
        if let (None, Source::Plain(lexer)) = (&self.ahead, &mut self.source) {
            // Straight from the plain lexer's event to the decoders' (the general path below,
            // through `raw`, costs a tenth of the decode more).
            match lexer.next() {
                Ok(Event::Start(e)) => return Ok(Ev::Start(e)),
                Ok(Event::End(_)) => return Ok(Ev::End),
                Ok(Event::Text(e)) if lexer.text_ends() => return Ok(self.lone_text(e)),
                Ok(event) => self.ahead = Some(Ok(event)),
                Err(declined) => return Err(self.decline(declined)),
            }
        }
        loop {
            return match self.raw()? {
                Event::Start(e) => Ok(Ev::Start(e)),
                Event::End(_) => Ok(Ev::End),
                Event::Eof => Ok(Ev::Eof),
                Event::Text(e) if self.text_ends_here() => Ok(self.lone_text(e)),
                Event::Text(e) => {
                    let next = self.raw();
                    self.text_then(e, next)
                }
                Event::CData(e) => self.merge(e.xml_content(self.version)),
                Event::GeneralRef(e) => {
                    let mut text = String::new();
                    resolve_reference(&mut text, &e)?;
                    self.merge(text.into())
                }
                // A document type declaration, and (never seen with `expand_empty_elements`)
                // empty elements.
                _ => continue,
            };
        }
    }

    /// The text that begins with `first`, `next` being the event read after it.
    fn text_then(&mut self, first: BytesText<'a>, next: Result<Event<'a>, XmlError>) -> Result<Ev<'a>, XmlError> {
        let text_follows = matches!(
            next,
            Ok(Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) | Event::DocType(_))
        );
        self.ahead = Some(next);
        if text_follows {
            return self.merge(first.xml_content(self.version));
        }
        Ok(self.lone_text(first))
    }

    /// Whether the text just read is whole, known without reading the next event: the plain
    /// lexer knows when a tag follows it (before a reference, a comment, a CDATA section, a
    /// processing instruction or a document type, the next event is read as quick-xml's lane
    /// reads it, and the lexer declines all but the reference).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn text_ends_here(&self) -> bool {
        matches!(&self.source, Source::Plain(lexer) if lexer.text_ends())
    }

    /// A text that nothing continues.
    fn lone_text(&self, text: BytesText<'a>) -> Ev<'a> {
        match is_blank(&text) {
            true => Ev::Blank(text),
            false => Ev::Text(text.xml_content(self.version)),
        }
    }

    /// Appends every text-like event that follows to `text`.
    fn merge(&mut self, mut text: Cow<'a, str>) -> Result<Ev<'a>, XmlError> {
        loop {
            match self.raw() {
                Ok(Event::Text(e)) => text.to_mut().push_str(&e.xml_content(self.version)),
                Ok(Event::CData(e)) => text.to_mut().push_str(&e.xml_content(self.version)),
                Ok(Event::GeneralRef(e)) => resolve_reference(text.to_mut(), &e)?,
                Ok(Event::DocType(_)) => {}
                next => {
                    self.ahead = Some(next);
                    return Ok(Ev::Text(text));
                }
            }
        }
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn next(&mut self) -> Result<Ev<'a>, XmlError> {
        let event = self.read_event()?;
        match &event {
            Ev::Start(e) => self.enter(e)?,
            Ev::End => self.leave(),
            _ => {}
        }
        Ok(event)
    }

    /// An element starts: its namespace declarations open a scope, when it has attributes (one
    /// without declares nothing, and its scope would be empty).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn enter(&mut self, start: &Start<'_>) -> Result<(), XmlError> {
        self.level += 1;
        if has_attributes(start) {
            self.ns.push(start).map_err(err)?;
            self.scoped.push(self.level);
        }
        Ok(())
    }

    /// The element entered last ends, and its scope with it.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn leave(&mut self) {
        if self.scoped.last() == Some(&self.level) {
            self.scoped.pop();
            self.ns.pop();
        }
        self.level = self.level.saturating_sub(1);
    }

    /// The text of an event, decoded.
    fn text_of(&self, text: Ev<'a>) -> Option<Cow<'a, str>> {
        match text {
            Ev::Text(t) => Some(t),
            Ev::Blank(t) => Some(t.xml_content(self.version)),
            _ => None,
        }
    }

    /// Skips the rest of the element whose start tag was just read, without reading its
    /// content's text.
    pub fn skip(&mut self, start: Start<'_>) -> Result<(), XmlError> {
        if self.strict > 0 {
            // Read through, every part checked. An XML declaration inside (quick-xml reports one
            // anywhere) then sets how the rest is read, as the serde path's capture of the
            // whole value does (`xml_decoders.rs`).
            return self.check_well_formed(start);
        }
        if let Source::Plain(_) = self.source {
            return self.skip_plain();
        }
        let name = start.name();
        let mut depth = 0;
        if let Some(event) = self.ahead.take() {
            match event? {
                Event::Start(e) if e.name() == name => depth += 1,
                Event::End(e) if e.name() == name => {
                    self.leave();
                    return Ok(());
                }
                _ => {}
            }
        }
        let Source::Quick(reader) = &mut self.source else {
            unreachable!("the plain lane skips above")
        };
        for _ in 0..=depth {
            reader.read_to_end(name).map_err(err)?;
        }
        self.leave();
        Ok(())
    }

    /// [`Self::skip`] on the plain lexer: events read up to the end tag of the element (the
    /// lexer checks every end tag against its start, as quick-xml's `read_to_end` does).
    fn skip_plain(&mut self) -> Result<(), XmlError> {
        let mut depth = 0usize;
        loop {
            match self.raw()? {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => break,
                Event::End(_) => depth -= 1,
                Event::Eof => {
                    return Err(XmlError::new(
                        "unexpected end of the document: an element is not closed",
                    ))
                }
                _ => {}
            }
        }
        self.leave();
        Ok(())
    }

    /// Opens the element whose start tag was just read as a map: its attributes are checked
    /// (malformed ones are refused) and its `xsi:nil` noted for its children.
    pub fn open(&mut self, start: &Start<'_>) -> Result<Map, XmlError> {
        if self.depth >= MAX_DEPTH {
            return Err(XmlError::new(format!(
                "the document nests deeper than {MAX_DEPTH} elements"
            )));
        }
        let mut nil = false;
        if has_attributes(start) {
            match self.strict > 0 {
                true => check_attributes(start)?,
                false => {
                    for a in start.attributes() {
                        a.map_err(err)?;
                    }
                }
            }
            nil = start.attributes().has_nil(&self.ns);
        }
        self.depth += 1;
        Ok(Map { nil })
    }

    /// The next child element of the open map, or `None` at its end tag (the map is then closed).
    /// Text between children is passed over.
    pub fn next_child(&mut self, _map: &Map) -> Result<Option<Start<'a>>, XmlError> {
        loop {
            match self.map_event()? {
                Child::Element(e) => return Ok(Some(e)),
                Child::Text(_) => {}
                Child::End => return Ok(None),
            }
        }
    }

    /// The next event, a whitespace-only text passed over (texts are merged, so what follows one
    /// is never text).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn next_past_blank(&mut self) -> Result<Ev<'a>, XmlError> {
        match self.next()? {
            Ev::Blank(_) => self.next(),
            Ev::Text(t) if is_blank(&t) => self.next(),
            event => Ok(event),
        }
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn map_event(&mut self) -> Result<Child<'a>, XmlError> {
        match self.next_past_blank()? {
            Ev::Start(e) => Ok(Child::Element(e)),
            Ev::Text(t) => Ok(Child::Text(t)),
            Ev::Blank(_) => unreachable!("texts are merged"),
            Ev::End => {
                self.depth -= 1;
                Ok(Child::End)
            }
            Ev::Eof => Err(XmlError::new(
                "unexpected end of the document: an element is not closed",
            )),
        }
    }

    /// Whether a child is nil: `xsi:nil` on it or on its parent.
    fn is_nil(&self, parent: &Map, start: &Start<'_>) -> bool {
        parent.nil || (has_attributes(start) && start.attributes().has_nil(&self.ns))
    }

    /// The text of a scalar's element: its last stretch of text (untrimmed), or the text of a
    /// child named `$text` or `$value`; other children are passed over; `""` when it has none.
    pub fn text(&mut self, start: Start<'_>) -> Result<Cow<'a, str>, XmlError> {
        self.open(&start)?;
        if let Some(text) = self.plain_leaf() {
            return Ok(self.close_text(text));
        }
        // What almost every scalar is, `<A>text</A>` or `<A></A>`, read without the layers of
        // `map_event`; anything else goes on as `map_event` would.
        let text = match self.raw()? {
            Event::End(_) => return Ok(self.close_text(Cow::Borrowed(""))),
            Event::Text(first) => match self.raw() {
                Ok(Event::End(_)) => {
                    let text = match is_blank(&first) {
                        true => Cow::Borrowed(""),
                        false => first.xml_content(self.version),
                    };
                    return Ok(self.close_text(text));
                }
                next => match self.text_then(first, next)? {
                    Ev::Text(t) if !is_blank(&t) => t,
                    _ => Cow::Borrowed(""),
                },
            },
            event => {
                self.ahead = Some(Ok(event));
                Cow::Borrowed("")
            }
        };
        self.text_rest(text)
    }

    /// The plain lexer's shortcut for a leaf element (see `PlainLexer::leaf_text`): its text,
    /// decoded as the shortcut below decodes it, or `None` with nothing read.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn plain_leaf(&mut self) -> Option<Cow<'a, str>> {
        let (None, Source::Plain(lexer)) = (&self.ahead, &mut self.source) else {
            return None;
        };
        let text = lexer.leaf_text()?;
        Some(match is_blank(text) {
            true => Cow::Borrowed(""),
            false => BytesText::from_escaped(text).xml_content(self.version),
        })
    }

    /// The end of a scalar's element, read by [`Self::text`]'s shortcut: `text` is its text
    /// (whitespace only counts as none, as `map_event` passes over it). Tested again after
    /// decoding: in XML 1.1, NEL and LINE SEPARATOR become line feeds.
    fn close_text(&mut self, text: Cow<'a, str>) -> Cow<'a, str> {
        self.leave();
        self.depth -= 1;
        match is_blank(&text) {
            true => Cow::Borrowed(""),
            false => text,
        }
    }

    /// The rest of a scalar's element after its text so far.
    fn text_rest(&mut self, mut text: Cow<'a, str>) -> Result<Cow<'a, str>, XmlError> {
        loop {
            match self.map_event()? {
                Child::Text(t) => text = t,
                Child::Element(e) if matches!(local(&e), "$text" | "$value") => text = self.text(e)?,
                Child::Element(e) => self.skip(e)?,
                Child::End => break,
            }
        }
        Ok(text)
    }

    /// The text of an optional scalar's element; `None` when it is nil.
    pub fn opt_text(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<Cow<'a, str>>, XmlError> {
        if self.is_nil(parent, &start) {
            self.skip(start)?;
            return Ok(None);
        }
        self.text(start).map(Some)
    }

    /// The text of an element that holds only text (a list's text item, a `bool`): an element
    /// inside it is refused.
    fn only_text(&mut self, start: &Start<'_>) -> Result<Cow<'a, str>, XmlError> {
        if self.strict > 0 {
            // As `check_well_formed` reads a leaf: within the depth limit, attributes sound.
            self.check_depth(0)?;
            check_attributes(start)?;
        }
        let mixed = |e: &Start<'_>| XmlError::new(format!("an element `<{}>` inside a text value", local(e)));
        let missing = || XmlError::new(format!("the element `<{}>` is not closed", local(start)));
        match self.next()? {
            text @ (Ev::Text(_) | Ev::Blank(_)) => match self.next()? {
                Ev::End => Ok(self.text_of(text).expect("a text")),
                Ev::Start(e) => Err(mixed(&e)),
                Ev::Text(_) | Ev::Blank(_) => unreachable!("texts are merged"),
                Ev::Eof => Err(missing()),
            },
            Ev::End => Ok(Cow::Borrowed("")),
            Ev::Start(e) => Err(mixed(&e)),
            Ev::Eof => Err(missing()),
        }
    }

    /// The root element of a document, after any whitespace.
    fn root(&mut self) -> Result<Start<'a>, XmlError> {
        match self.next_past_blank()? {
            Ev::Start(start) => {
                self.root_start = self.offset_of_tag(&start);
                Ok(start)
            }
            Ev::Text(t) => Err(XmlError::new(format!(
                "expected an element, found text `{}`",
                scalar::snippet(&t)
            ))),
            Ev::Blank(_) => unreachable!("texts are merged"),
            Ev::End => Err(XmlError::new("an end tag before any element")),
            Ev::Eof => Err(XmlError::new("unexpected end of the document: no element")),
        }
    }

    /// The offset of a start tag's `<` in the input (its name is borrowed from the input; a
    /// name that is not, which a reader of a `&str` never gives, has none).
    fn offset_of_tag(&self, start: &Start<'_>) -> Option<usize> {
        let input = self.input.as_bytes().as_ptr_range();
        let name = start.name().0.as_ptr();
        if !input.contains(&name) {
            return None;
        }
        let at = (name as usize - input.start as usize).checked_sub(1)?;
        (self.input.as_bytes()[at] == b'<').then_some(at)
    }

    /// The text of a document read as one text value: its first text (whitespace included), or
    /// the text of its root element, which holds only text.
    fn document_text(&mut self) -> Result<Cow<'a, str>, XmlError> {
        match self.next()? {
            text @ (Ev::Text(_) | Ev::Blank(_)) => Ok(self.text_of(text).expect("a text")),
            Ev::Start(e) => self.only_text(&e),
            Ev::End => Err(XmlError::new("an end tag before any element")),
            Ev::Eof => Err(XmlError::new("unexpected end of the document: no value")),
        }
    }

    /// A required value of a type that reads itself.
    pub fn value<T: FromXml>(&mut self, start: Start<'_>) -> Result<T, XmlError> {
        T::from_xml(self, start)
    }

    /// An optional value of a type that reads itself; `None` when it is nil.
    pub fn opt_value<T: FromXml>(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<T>, XmlError> {
        if self.is_nil(parent, &start) {
            self.skip(start)?;
            return Ok(None);
        }
        T::from_xml(self, start).map(Some)
    }

    /// A list: every child of the wrapper element is an item, whatever its name (but names that
    /// the serde path takes for attributes or text: `@…`, `$text`); each counts against the
    /// answer's item budget.
    pub fn list<T: FromXml>(&mut self, start: Start<'_>) -> Result<Vec<T>, XmlError> {
        let map = self.open(&start)?;
        let mut items = Vec::new();
        while let Some(e) = self.next_child(&map)? {
            let name = local(&e);
            if name.starts_with('@') || name == "$text" {
                self.skip(e)?;
                continue;
            }
            crate::de::take_item::<serde::de::value::Error>().map_err(err)?;
            let at = items.len();
            items.push(T::from_xml(self, e).map_err(|e| e.at_index(at))?);
        }
        Ok(items)
    }

    /// A required scalar parsed from its trimmed text.
    pub fn parse<T: FromStr>(&mut self, start: Start<'_>) -> Result<T, XmlError>
    where
        T::Err: fmt::Display,
    {
        let t = self.text(start)?;
        scalar::required(Some(&t)).map_err(XmlError::new)
    }

    /// An optional scalar parsed from its trimmed text: nil and empty are `None`.
    pub fn opt_parse<T: FromStr>(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<T>, XmlError>
    where
        T::Err: fmt::Display,
    {
        let t = self.opt_text(parent, start)?;
        scalar::optional(t.as_deref()).map_err(XmlError::new)
    }

    /// A scalar the wiki says to ignore (a field with `lenient: true`): its text parsed when it
    /// parses, else `None`, so that a surprise value never fails the answer (a document that is
    /// not XML still does). An element inside it counts for nothing, as [`Self::text`] reads.
    pub fn lenient<T: FromStr>(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<T>, XmlError>
    where
        T::Err: fmt::Display,
    {
        let t = self.opt_text(parent, start)?;
        Ok(t.and_then(|t| scalar::optional(Some(&t)).ok().flatten()))
    }

    /// A decimal the wiki says to ignore (see [`Self::lenient`]).
    pub fn lenient_decimal(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<Decimal>, XmlError> {
        let t = self.opt_text(parent, start)?;
        Ok(t.and_then(|t| scalar::opt_decimal(Some(&t)).ok().flatten()))
    }

    /// A date-time the wiki says to ignore (see [`Self::lenient`]).
    pub fn lenient_datetime(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<DateTime>, XmlError> {
        let t = self.opt_text(parent, start)?;
        Ok(t.and_then(|t| scalar::opt_datetime(Some(&t)).ok().flatten()))
    }

    /// A structure the wiki says to ignore (a field with `lenient: true`): read when it reads,
    /// else `None`, so that a surprise value inside never fails the answer. The element must
    /// still be well-formed XML throughout (every reference defined, every attribute sound):
    /// what the serde path's buffer reads whole, this reader checks, so that both refuse the
    /// same documents.
    pub fn lenient_value<T: FromXml>(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<T>, XmlError> {
        // A nil element is passed over unread: nothing to check (but as any skipped element
        // inside a value being tried).
        if self.is_nil(parent, &start) {
            self.skip(start)?;
            return Ok(None);
        }
        self.tried(start, |r, s| T::from_xml(r, s).map(Some), None)
    }

    /// A list the wiki says to ignore (see [`Self::lenient_value`]): empty when it does not read.
    pub fn lenient_list<T: FromXml>(&mut self, start: Start<'_>) -> Result<Vec<T>, XmlError> {
        self.tried(start, Self::list, Vec::new())
    }

    /// `read` from a bookmark; when it fails (but for the item limit, which fails the answer
    /// wherever the items are, and a decline of the plain lexer), the element is read past as
    /// `empty`. Either way the element must be well-formed throughout: `read` checks every part
    /// as it goes (`strict`), and after a failure the element is read through again from the
    /// bookmark.
    fn tried<R>(
        &mut self,
        start: Start<'_>,
        read: impl FnOnce(&mut Self, Start<'_>) -> Result<R, XmlError>,
        empty: R,
    ) -> Result<R, XmlError> {
        let bookmark = self.clone();
        self.strict += 1;
        match read(self, start.clone()) {
            Ok(value) => {
                self.strict -= 1;
                Ok(value)
            }
            // A decline ends the plain lane's reading: quick-xml's reads the document again.
            Err(e) if crate::de::item_limit_hit() || self.declined => {
                self.strict -= 1;
                Err(e)
            }
            Err(_) => {
                *self = bookmark;
                self.check_well_formed(start)?;
                Ok(empty)
            }
        }
    }

    /// Reads past the rest of the element whose start tag was just read, refusing what is not
    /// well-formed XML anywhere inside (a malformed or repeated attribute, a reference that is
    /// not defined, a namespace bound wrongly, nesting deeper than the limit): what reading every
    /// part of it would refuse, where [`Self::skip`] looks only for its end.
    fn check_well_formed(&mut self, start: Start<'_>) -> Result<(), XmlError> {
        let mut open = 0;
        let mut element = start;
        loop {
            self.check_depth(open)?;
            check_attributes(&element)?;
            open += 1;
            loop {
                match self.next()? {
                    Ev::Start(e) => {
                        element = e;
                        break;
                    }
                    Ev::End if open == 1 => return Ok(()),
                    Ev::End => open -= 1,
                    Ev::Text(_) | Ev::Blank(_) => {}
                    Ev::Eof => {
                        return Err(XmlError::new(
                            "unexpected end of the document: an element is not closed",
                        ))
                    }
                }
            }
        }
    }

    /// Refuses an element `open` levels below the maps open now, past the depth limit.
    fn check_depth(&self, open: usize) -> Result<(), XmlError> {
        match self.depth + open >= MAX_DEPTH {
            true => Err(XmlError::new(format!(
                "the document nests deeper than {MAX_DEPTH} elements"
            ))),
            false => Ok(()),
        }
    }

    /// A required string, untrimmed.
    pub fn string<T: From<String>>(&mut self, start: Start<'_>) -> Result<T, XmlError> {
        Ok(T::from(self.text(start)?.into_owned()))
    }

    /// An optional string, untrimmed: an empty element is `Some("")`, nil is `None`.
    pub fn opt_string<T: From<String>>(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<T>, XmlError> {
        Ok(self.opt_text(parent, start)?.map(|t| T::from(t.into_owned())))
    }

    /// A required decimal, read exactly.
    pub fn decimal(&mut self, start: Start<'_>) -> Result<Decimal, XmlError> {
        let t = self.text(start)?;
        scalar::decimal(Some(&t)).map_err(XmlError::new)
    }

    /// An optional decimal, read exactly.
    pub fn opt_decimal(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<Decimal>, XmlError> {
        let t = self.opt_text(parent, start)?;
        scalar::opt_decimal(t.as_deref()).map_err(XmlError::new)
    }

    /// An optional date-time (the server's `0001-01-01T00:00:00` is `None` too).
    pub fn opt_datetime(&mut self, parent: &Map, start: Start<'_>) -> Result<Option<DateTime>, XmlError> {
        let t = self.opt_text(parent, start)?;
        scalar::opt_datetime(t.as_deref()).map_err(XmlError::new)
    }

    /// A required JSON document inside the text (nil counts as empty, as in the serde path).
    pub fn json<T: DeserializeOwned>(&mut self, parent: &Map, start: Start<'_>) -> Result<EmbeddedJson<T>, XmlError> {
        let t = self.opt_text(parent, start)?;
        scalar::json(t.as_deref()).map_err(XmlError::new)
    }

    /// An optional JSON document inside the text.
    pub fn opt_json<T: DeserializeOwned>(
        &mut self,
        parent: &Map,
        start: Start<'_>,
    ) -> Result<Option<EmbeddedJson<T>>, XmlError> {
        let t = self.opt_text(parent, start)?;
        Ok(scalar::opt_json(t.as_deref()))
    }
}

enum Child<'a> {
    Element(Start<'a>),
    Text(Cow<'a, str>),
    End,
}

/// An element's local name (its prefix dropped), as the serde path matches field names.
pub fn local<'e>(start: &'e Start<'_>) -> &'e str {
    start.local_name().into_inner()
}

/// A structure's field table (generated): every name a field is read under, with the field's
/// index, in the spec's order.
pub type Fields = &'static [(&'static str, u16)];

/// The index of the field a child element is, by its local name, or `None` for an element the
/// structure does not know. The entry after the last one found is tried first: answers write
/// their fields in the spec's order, so one comparison is almost always enough. `next` is that
/// entry's position, kept by the caller from one child to the next.
#[inline]
pub fn field(fields: Fields, child: &Start<'_>, next: &mut usize) -> Option<u16> {
    let name = local(child);
    let at = match fields.get(*next) {
        Some((expected, _)) if *expected == name => *next,
        _ => fields.iter().position(|(known, _)| *known == name)?,
    };
    *next = at + 1;
    Some(fields[at].1)
}

/// Stores a field's value, refusing a field that comes twice.
pub fn set<T>(slot: &mut Option<T>, field: &str, value: Result<T, XmlError>) -> Result<(), XmlError> {
    if slot.is_some() {
        return Err(XmlError::new(format!("duplicate field `{field}`")).at(field));
    }
    *slot = Some(value.map_err(|e| e.at(field))?);
    Ok(())
}

/// A required field's value, or the error that names it.
pub fn required<T>(slot: Option<T>, field: &str) -> Result<T, XmlError> {
    slot.ok_or_else(|| XmlError::new(format!("missing field `{field}`")))
}

/// `&name;` or `&#…;` appended to `out`: the five predefined entities and character references.
fn resolve_reference(out: &mut String, r: &BytesRef<'_>) -> Result<(), XmlError> {
    let name: &str = r;
    if let Some(number) = name.strip_prefix('#') {
        out.push(
            char_reference(number).ok_or_else(|| XmlError::new(format!("invalid character reference `&{name};`")))?,
        );
        return Ok(());
    }
    match quick_xml::escape::resolve_predefined_entity(name) {
        Some(value) => {
            out.push_str(value);
            Ok(())
        }
        None => Err(XmlError::new(format!("unknown entity `&{name};`"))),
    }
}

/// A character reference's number (decimal, or hexadecimal after `x`): no sign, not zero, a
/// Unicode scalar value.
fn char_reference(number: &str) -> Option<char> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}

/// A list of texts: each item is an element that holds only text.
impl FromXml for String {
    fn from_xml(r: &mut XmlReader<'_>, start: Start<'_>) -> Result<Self, XmlError> {
        r.only_text(&start).map(Cow::into_owned)
    }

    fn from_document(r: &mut XmlReader<'_>) -> Result<Self, XmlError> {
        r.document_text().map(Cow::into_owned)
    }
}

/// `true`/`1` or `false`/`0`, around XML whitespace.
impl FromXml for bool {
    fn from_xml(r: &mut XmlReader<'_>, start: Start<'_>) -> Result<Self, XmlError> {
        let t = r.only_text(&start)?;
        boolean(&t)
    }

    fn from_document(r: &mut XmlReader<'_>) -> Result<Self, XmlError> {
        boolean(&r.document_text()?)
    }
}

fn boolean(t: &str) -> Result<bool, XmlError> {
    match t.trim_matches([' ', '\t', '\r', '\n']) {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(XmlError::new(format!(
            "invalid type: string `{}`, expected a boolean",
            scalar::snippet(t)
        ))),
    }
}

/// The text, and the `type` attribute of any prefix (`xsi:type`).
impl FromXml for TypedText {
    fn from_xml(r: &mut XmlReader<'_>, start: Start<'_>) -> Result<Self, XmlError> {
        r.open(&start)?;
        let mut out = TypedText::default();
        for a in start.attributes() {
            let a = a.map_err(err)?;
            if attribute_key(a.key) == "type" {
                out.xsi_type = Some(a.normalized_value(r.version).map_err(err)?.into_owned());
            }
        }
        loop {
            match r.map_event()? {
                Child::Text(t) => out.text = t.into_owned(),
                Child::Element(e) => match local(&e) {
                    "@type" => out.xsi_type = Some(r.only_text(&e)?.into_owned()),
                    "$text" | "$value" => out.text = r.only_text(&e)?.into_owned(),
                    _ => r.skip(e)?,
                },
                Child::End => break,
            }
        }
        Ok(out)
    }
}

/// An attribute's name as the serde path keys it (without its `@`): namespace declarations and
/// `xml:` names whole, others by their local name.
fn attribute_key<'n>(name: QName<'n>) -> &'n str {
    if name.as_namespace_binding().is_some() {
        return name.into_inner();
    }
    match name.decompose() {
        (_, Some(prefix)) if prefix.is_xml() => name.into_inner(),
        (local, _) => local.into_inner(),
    }
}
