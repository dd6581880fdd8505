//! A value held whole, to be tried as a type and dropped when it does not read: how the serde
//! path reads a structure the wiki says to ignore (`lenient`) without a failure inside it
//! leaving the reader in the middle of the element.
//!
//! serde's own buffer (what `#[serde(untagged)]` uses) cannot serve: it hands an XML element
//! over as a map, and whether the element is nil (`xsi:nil`) is decided by quick-xml against the
//! namespace scopes of the whole document, which a buffered part no longer sees. So the serde XML
//! reference writes that decision into the document first ([`mark_nil`]), as an attribute this
//! tree reads back: an optional value whose element (or whose parent) is nil reads as none, as
//! quick-xml and the generated XML reader read it.

use serde::de::value::{Error, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// The attribute [`mark_nil`] adds to every element quick-xml reads as nil.
macro_rules! nil_marker {
    () => {
        "__intellectmoney_nil"
    };
}

/// How the marker arrives as a map key from serde's XML reader.
const NIL_KEY: &str = concat!("@", nil_marker!());

/// A value as its deserializer presented it.
#[derive(Debug)]
pub(crate) enum Node {
    /// `visit_none`.
    None,
    /// `visit_unit`.
    Unit,
    /// `visit_some`.
    Some(Box<Node>),
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float (never a money amount: those arrive as text).
    F64(f64),
    /// A text.
    Str(String),
    /// A map (an XML element): its entries in order, and whether it is nil.
    Map(Vec<(String, Node)>, bool),
    /// A sequence.
    Seq(Vec<Node>),
}

impl Node {
    /// Reads a whole value from `d`.
    pub(crate) fn capture<'de, D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(Capture)
    }

    /// Reads the held value as `T`; `None` when it does not read as one.
    pub(crate) fn try_as<T: de::DeserializeOwned>(self) -> Option<T> {
        T::deserialize(Replay {
            node: self,
            parent_nil: false,
        })
        .ok()
    }
}

/// Builds a [`Node`] from whatever the deserializer presents.
struct Capture;

impl<'de> DeserializeSeed<'de> for Capture {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::capture(d)
    }
}

impl<'de> Visitor<'de> for Capture {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Unit)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Ok(Node::Some(Box::new(Node::capture(d)?)))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::capture(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Capture)? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let (mut entries, mut nil) = (Vec::new(), false);
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Capture)?;
            nil |= key == NIL_KEY && matches!(&value, Node::Str(v) if v == "true");
            entries.push((key, value));
        }
        Ok(Node::Map(entries, nil))
    }
}

/// A held value read back; `parent_nil` when its parent element is nil (its optional children
/// then read as none, as quick-xml reads them).
struct Replay {
    node: Node,
    parent_nil: bool,
}

impl<'de> Deserializer<'de> for Replay {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.node {
            Node::None => v.visit_none(),
            Node::Unit => v.visit_unit(),
            Node::Some(inner) => v.visit_some(Replay {
                node: *inner,
                parent_nil: false,
            }),
            Node::Bool(b) => v.visit_bool(b),
            Node::I64(n) => v.visit_i64(n),
            Node::U64(n) => v.visit_u64(n),
            Node::F64(n) => v.visit_f64(n),
            Node::Str(s) => v.visit_string(s),
            Node::Map(entries, nil) => v.visit_map(Entries {
                entries: entries.into_iter(),
                nil,
                value: None,
            }),
            Node::Seq(items) => v.visit_seq(Items(items.into_iter())),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.node {
            Node::None => v.visit_none(),
            Node::Map(_, true) => v.visit_none(),
            _ if self.parent_nil => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct enum identifier
    }
}

/// The entries of a held map, read back.
struct Entries {
    entries: std::vec::IntoIter<(String, Node)>,
    nil: bool,
    value: Option<Node>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        let key: StringDeserializer<Error> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let node = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value without its key"))?;
        seed.deserialize(Replay {
            node,
            parent_nil: self.nil,
        })
    }
}

/// The items of a held sequence, read back.
struct Items(std::vec::IntoIter<Node>);

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.0.next() {
            Some(node) => seed
                .deserialize(Replay {
                    node,
                    parent_nil: false,
                })
                .map(Some),
            None => Ok(None),
        }
    }
}

/// `body` with the marker attribute added to every element quick-xml reads as nil (its own
/// `xsi:nil`, with `xsi` bound to the XML Schema instance namespace where it stands), so that a
/// value held in a [`Node`] knows it. Nothing else changes: the marker goes only on elements that
/// already carry attributes, and serde's readers pass over an attribute they do not know. A
/// document that stops parsing is marked up to where it stops (quick-xml stops there too).
#[cfg(feature = "xml-serde")]
pub(crate) fn mark_nil(body: &str) -> std::borrow::Cow<'_, str> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::NsReader::from_str(body);
    let mut at = Vec::new();
    loop {
        let start = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let end = start + 1 + e.name().as_ref().len();
                // Only where the tag's name stands in the text as read (a position quick-xml
                // counts otherwise, say past a BOM, is left unmarked rather than cut wrongly).
                let here = body.as_bytes().get(start) == Some(&b'<') && body.is_char_boundary(end);
                if here && e.attributes().has_nil(reader.resolver()) {
                    at.push(end);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    if at.is_empty() {
        return std::borrow::Cow::Borrowed(body);
    }
    let marker = concat!(" ", nil_marker!(), "=\"true\"");
    let mut out = String::with_capacity(body.len() + at.len() * marker.len());
    let mut from = 0;
    for i in at {
        out.push_str(&body[from..i]);
        out.push_str(marker);
        from = i;
    }
    out.push_str(&body[from..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(all(test, feature = "xml-serde"))]
mod tests {
    use super::mark_nil;

    const XSI: &str = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

    #[test]
    fn an_element_quick_xml_reads_as_nil_is_marked_and_nothing_else_changes() {
        let body = format!("<a {XSI}><Имя>текст</Имя><b xsi:nil=\"true\"/><c xsi:nil=\"false\"/></a>");
        let want = format!(
            "<a {XSI}><Имя>текст</Имя><b __intellectmoney_nil=\"true\" xsi:nil=\"true\"/><c xsi:nil=\"false\"/></a>"
        );
        assert_eq!(mark_nil(&body), want);
    }

    #[test]
    fn a_prefix_not_bound_to_the_schema_instance_is_not_nil() {
        for body in [
            "<a><b xsi:nil=\"true\"/></a>",
            "<a xmlns:xsi=\"urn:other\"><b xsi:nil=\"true\"/></a>",
        ] {
            assert_eq!(mark_nil(body), body);
        }
        let bound = "<a><b i:nil=\"1\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"/></a>";
        assert_eq!(
            mark_nil(bound),
            "<a><b __intellectmoney_nil=\"true\" i:nil=\"1\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"/></a>"
        );
    }

    #[test]
    fn a_byte_order_mark_or_a_broken_document_never_cuts_the_text_wrongly() {
        for body in [
            format!("\u{feff}<a {XSI}><b xsi:nil=\"true\"/></a>"),
            format!("<a {XSI}><b xsi:nil=\"true\"/><c a a></a>"),
            format!("<a {XSI}><ж xsi:nil=\"true\">ё</ж"),
        ] {
            let marked = mark_nil(&body);
            assert_eq!(marked.replace(" __intellectmoney_nil=\"true\"", ""), body);
        }
    }
}
