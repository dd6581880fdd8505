//! Values with more than one layer: text with its XML `xsi:type`, and JSON inside a string.
//! (How they are read from serde's formats is in `de.rs`, with the other readers.)

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};

/// Text that XML may tag with `xsi:type` (`<Value xsi:type="xsd:string">ShopReal</Value>`).
/// JSON carries only the text, so two values are equal when their texts are: the tag is a
/// detail of the XML format, kept for whoever needs it.
#[derive(Debug, Clone, Eq, Default)]
pub struct TypedText {
    /// The `xsi:type` attribute, as written (`xsd:string`), when there was one.
    pub xsi_type: Option<String>,
    /// The text, untrimmed.
    pub text: String,
}

impl PartialEq for TypedText {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Serialize for TypedText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// A JSON document the server sends as the text of a string field (getReceipt's `Response`,
/// which the wiki types as text). Read leniently: the raw text is always kept; the document is
/// there only when the text parses into it, and otherwise `error` says why, so that an answer
/// whose embedded text is not the expected JSON is still read.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedJson<T> {
    /// The text as sent.
    pub raw: String,
    /// The document it holds, when the text is one.
    pub value: Option<T>,
    /// Why the text did not parse into the document.
    pub error: Option<String>,
}

impl<T: DeserializeOwned> EmbeddedJson<T> {
    /// Reads the text (numbers keep their scale); never fails.
    pub fn parse(raw: &str) -> Self {
        match serde_json::from_str(raw) {
            Ok(value) => EmbeddedJson {
                raw: raw.to_owned(),
                value: Some(value),
                error: None,
            },
            Err(e) => EmbeddedJson {
                raw: raw.to_owned(),
                value: None,
                error: Some(e.to_string()),
            },
        }
    }
}

impl<T> Serialize for EmbeddedJson<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}
