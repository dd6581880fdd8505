//! Values with more than one layer: text with its XML `xsi:type`, and JSON inside a string.

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

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

impl<'de> Deserialize<'de> for TypedText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TypedText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text, possibly with an xsi:type attribute")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypedText, E> {
                Ok(TypedText {
                    xsi_type: None,
                    text: v.to_owned(),
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<TypedText, E> {
                Ok(TypedText::default())
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<TypedText, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TypedText, A::Error> {
                let mut out = TypedText::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == crate::de::RAW_JSON {
                        // JSON: the value's raw text, a number with its exact characters.
                        let raw = map.next_value::<crate::de::Borrowed<'de>>()?.0;
                        if raw.starts_with(['{', '[']) {
                            return serde_json::Deserializer::from_str(&raw)
                                .deserialize_any(V)
                                .map_err(de::Error::custom);
                        }
                        let text = crate::de::raw_json_text::<A::Error>(raw)?;
                        return Ok(TypedText {
                            xsi_type: None,
                            text: text.map(std::borrow::Cow::into_owned).unwrap_or_default(),
                        });
                    }
                    match key.as_str() {
                        "@type" => out.xsi_type = Some(map.next_value()?),
                        "$text" | "$value" => out.text = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
        // serde_json hands over the raw text under this name; other formats the value itself.
        d.deserialize_newtype_struct(crate::de::RAW_JSON, V)
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
