//! Decoding helpers named by generated `deserialize_with` attributes. The same helper reads XML
//! (where a scalar may arrive as an element map with `$text` and attributes) and JSON.

use super::text::{EmbeddedJson, TypedText};
use super::tree::Node;
use super::{DateTime, WireEnum};
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

// Here rather than beside the type: a date and time is read as any other text value.
impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        text(d)
    }
}

/// The text of a scalar, whatever its carrier: a string, a number, a bool, or an XML element
/// (its `$text`; attributes and child elements are ignored). Borrowed from the input when the
/// format allows, so that most scalars cost no allocation.
///
/// From JSON a scalar is read as its raw text (serde_json's raw values): a number keeps its
/// exact characters (`4.6800`, `12345678901234567.89`) without going through `f64`, and without
/// `serde_json/arbitrary_precision` switched on for every crate of a user's build.
struct Text<'de>(Option<Cow<'de, str>>);

/// The name under which serde_json hands over a value's raw text (its `RawValue`).
pub(crate) const RAW_JSON: &str = "$serde_json::private::RawValue";

/// A JSON scalar's raw text as text: a string unescaped, `null` as `None`, a number or a bool
/// as written.
pub(crate) fn raw_json_text<E: de::Error>(raw: Cow<'_, str>) -> Result<Option<Cow<'_, str>>, E> {
    Text::from_raw_json(raw).map(|t| t.0)
}

impl<'de> Text<'de> {
    /// A JSON value's raw text as a scalar's text: a string unescaped, `null` as none, a number
    /// or a bool as written; an object or an array as the other formats' carriers read.
    fn from_raw_json<E: de::Error>(raw: Cow<'de, str>) -> Result<Self, E> {
        let quoted = raw.len() >= 2 && raw.starts_with('"');
        if quoted && !raw.contains('\\') {
            let inner = 1..raw.len() - 1;
            return Ok(Text(Some(match raw {
                Cow::Borrowed(s) => Cow::Borrowed(&s[inner]),
                Cow::Owned(s) => Cow::Owned(s[inner].to_owned()),
            })));
        }
        if quoted {
            return serde_json::from_str::<String>(&raw)
                .map(|s| Text(Some(Cow::Owned(s))))
                .map_err(E::custom);
        }
        match raw.as_bytes().first() {
            Some(b'n') if *raw == *"null" => Ok(Text(None)),
            Some(b'{' | b'[') => {
                let t = nested_text(|| {
                    let mut d = serde_json::Deserializer::from_str(&raw);
                    d.deserialize_any(V).map_err(E::custom)
                })?;
                Ok(Text(t.0.map(|c| Cow::Owned(c.into_owned()))))
            }
            _ => Ok(Text(Some(raw))),
        }
    }
}

/// How deep a scalar's object form may nest in JSON (`{"$text":{"$text":…}}`; the XML carrier
/// read from JSON is one or two levels). Each level is read again from its raw text by a
/// deserializer of its own (serde_json's depth limit counts one level in each): without a bound
/// an answer of a megabyte overflowed the stack and aborted the process, and the time grows
/// with the depth times the size, so the bound is kept small.
const MAX_TEXT_NESTING: usize = 8;

thread_local! {
    /// The object forms of scalars being read, one inside the other.
    static TEXT_NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `read` one object form deeper, refusing past [`MAX_TEXT_NESTING`].
fn nested_text<T, E: de::Error>(read: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    /// Puts the depth back when the level ends, by a panic too (a thread of tokio's outlives
    /// a task that panicked, and would keep the depth).
    struct Level(usize);
    impl Drop for Level {
        fn drop(&mut self) {
            TEXT_NESTING.with(|c| c.set(self.0));
        }
    }
    let depth = TEXT_NESTING.with(std::cell::Cell::get);
    if depth >= MAX_TEXT_NESTING {
        return Err(E::custom(format!(
            "a scalar's object form nests deeper than {MAX_TEXT_NESTING} levels"
        )));
    }
    let _level = Level(depth);
    TEXT_NESTING.with(|c| c.set(depth + 1));
    read()
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // serde_json answers this name with the value's raw text (`visit_map` below); every
        // other format hands the value itself on (`visit_newtype_struct`).
        d.deserialize_newtype_struct(RAW_JSON, V)
    }
}

/// A string borrowed from the input where the format lends it (serde's `Cow` always copies).
pub(crate) struct Borrowed<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Borrowed<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct S;
        impl<'de> Visitor<'de> for S {
            type Value = Borrowed<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Borrowed<'de>, E> {
                Ok(Borrowed(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Borrowed<'de>, E> {
                Ok(Borrowed(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Borrowed<'de>, E> {
                Ok(Borrowed(Cow::Owned(v)))
            }
        }
        d.deserialize_str(S)
    }
}

/// The visitor of [`Text`].
struct V;

impl<'de> Visitor<'de> for V {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar value")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Text<'de>, D::Error> {
        d.deserialize_any(V)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Owned(v))))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
        Ok(Text(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Text<'de>, E> {
        Ok(Text(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text<'de>, D::Error> {
        Text::deserialize(d)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'de>, A::Error> {
        let mut text = Some(Cow::Borrowed(""));
        while let Some(Borrowed(key)) = map.next_key::<Borrowed<'de>>()? {
            if key == RAW_JSON {
                return Text::from_raw_json(map.next_value::<Borrowed<'de>>()?.0);
            }
            if key == "$text" || key == "$value" {
                text = map.next_value::<Text<'de>>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Text(text))
    }
}

/// The format-free core of the scalar helpers: what a scalar's text (`None` when nil or
/// absent) reads as. The serde helpers below and the generated XML decoders ([`crate::xml`])
/// both call these, so a text reads as the same value on either path.
pub mod scalar {
    use super::super::text::EmbeddedJson;
    use super::super::DateTime;
    use serde::de::DeserializeOwned;
    use std::fmt;
    use std::str::FromStr;

    const REQUIRED: &str = "a value is required here, but it is empty or nil";

    fn parse<T: FromStr>(raw: &str) -> Result<T, String>
    where
        T::Err: fmt::Display,
    {
        raw.trim()
            .parse()
            .map_err(|e| format!("{e} (value `{}`)", snippet(raw)))
    }

    pub(crate) fn snippet(raw: &str) -> String {
        let s: String = raw.chars().take(60).collect();
        if s.len() < raw.len() {
            format!("{s}…")
        } else {
            s
        }
    }

    /// A required scalar parsed from its trimmed text.
    pub fn required<T: FromStr>(s: Option<&str>) -> Result<T, String>
    where
        T::Err: fmt::Display,
    {
        match s {
            Some(s) if !s.trim().is_empty() => parse(s),
            _ => Err(REQUIRED.into()),
        }
    }

    /// An optional scalar: nil, absent and empty are `None`.
    pub fn optional<T: FromStr>(s: Option<&str>) -> Result<Option<T>, String>
    where
        T::Err: fmt::Display,
    {
        match s {
            Some(s) if !s.trim().is_empty() => parse(s).map(Some),
            _ => Ok(None),
        }
    }

    /// A decimal read exactly: one with more digits than `Decimal` holds (28 places) is
    /// refused, never rounded.
    pub fn decimal(s: Option<&str>) -> Result<rust_decimal::Decimal, String> {
        match s {
            Some(s) if !s.trim().is_empty() => exact_decimal(s),
            _ => Err(REQUIRED.into()),
        }
    }

    /// An optional decimal, read exactly.
    pub fn opt_decimal(s: Option<&str>) -> Result<Option<rust_decimal::Decimal>, String> {
        match s {
            Some(s) if !s.trim().is_empty() => exact_decimal(s).map(Some),
            _ => Ok(None),
        }
    }

    fn exact_decimal(s: &str) -> Result<rust_decimal::Decimal, String> {
        rust_decimal::Decimal::from_str_exact(s.trim())
            .map_err(|e| format!("`{}` is not a decimal this client holds exactly: {e}", snippet(s)))
    }

    /// An optional date-time: the server's `0001-01-01T00:00:00` is `None` too.
    pub fn opt_datetime(s: Option<&str>) -> Result<Option<DateTime>, String> {
        Ok(optional::<DateTime>(s)?.filter(|v| !v.is_none_date()))
    }

    /// A required JSON document inside a string.
    pub fn json<T: DeserializeOwned>(s: Option<&str>) -> Result<EmbeddedJson<T>, String> {
        opt_json(s).ok_or_else(|| "a JSON document is required here, but the string is empty".into())
    }

    /// An optional JSON document inside a string: empty, nil and absent are `None`; a text that
    /// is not the document is kept as it is (`EmbeddedJson::value` is then `None`).
    pub fn opt_json<T: DeserializeOwned>(s: Option<&str>) -> Option<EmbeddedJson<T>> {
        match s {
            Some(s) if !s.trim().is_empty() => Some(EmbeddedJson::parse(s)),
            _ => None,
        }
    }
}

fn snippet(raw: &str) -> String {
    scalar::snippet(raw)
}

/// A required scalar parsed from its trimmed text.
pub fn text<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<T, D::Error>
where
    T::Err: fmt::Display,
{
    scalar::required(Text::deserialize(d)?.0.as_deref()).map_err(de::Error::custom)
}

/// An optional scalar: nil, absent and empty are `None`.
pub fn opt_text<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Option<T>, D::Error>
where
    T::Err: fmt::Display,
{
    scalar::optional(Option::<Text>::deserialize(d)?.and_then(|t| t.0).as_deref()).map_err(de::Error::custom)
}

/// The text of a value the wiki says to ignore (a field with `lenient: true`): read as
/// [`Text`] reads a scalar, except that a list is none rather than an error. With the parse
/// that follows made infallible, no shape of such a value fails the answer.
struct Lenient<'de>(Option<Cow<'de, str>>);

impl<'de> Deserialize<'de> for Lenient<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(RAW_JSON, LenientVisitor)
    }
}

/// The visitor of [`Lenient`]: [`V`]'s, and a JSON list or object as none.
struct LenientVisitor;

impl<'de> Visitor<'de> for LenientVisitor {
    type Value = Lenient<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Lenient<'de>, D::Error> {
        d.deserialize_any(LenientVisitor)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Lenient<'de>, E> {
        V.visit_borrowed_str(v).map(|t| Lenient(t.0))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient<'de>, E> {
        V.visit_str(v).map(|t| Lenient(t.0))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Lenient<'de>, E> {
        V.visit_string(v).map(|t| Lenient(t.0))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Lenient<'de>, E> {
        V.visit_bool(v).map(|t| Lenient(t.0))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lenient<'de>, E> {
        V.visit_i64(v).map(|t| Lenient(t.0))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient<'de>, E> {
        V.visit_u64(v).map(|t| Lenient(t.0))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lenient<'de>, E> {
        V.visit_f64(v).map(|t| Lenient(t.0))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Lenient<'de>, E> {
        Ok(Lenient(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Lenient<'de>, E> {
        Ok(Lenient(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Lenient<'de>, D::Error> {
        Lenient::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lenient<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Lenient(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lenient<'de>, A::Error> {
        let mut text = Some(Cow::Borrowed(""));
        while let Some(Borrowed(key)) = map.next_key::<Borrowed<'de>>()? {
            if key == RAW_JSON {
                let raw = map.next_value::<Borrowed<'de>>()?.0;
                // A JSON list or object is no value of a scalar: none (a text would read an
                // object as its empty text).
                if raw.starts_with(['[', '{']) {
                    return Ok(Lenient(None));
                }
                return Text::from_raw_json(raw).map(|t| Lenient(t.0));
            }
            if key == "$text" || key == "$value" {
                text = map.next_value::<Lenient<'de>>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Lenient(text))
    }
}

/// The text of a value the wiki says to ignore, `None` when nil or absent.
fn ignorable_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    Ok(Option::<Lenient<'de>>::deserialize(d)?.and_then(|t| t.0))
}

/// A scalar the wiki says to ignore (`lenient: true`): parsed when it parses, else `None`, so
/// that a surprise value never fails the answer.
pub fn lenient<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Option<T>, D::Error>
where
    T::Err: fmt::Display,
{
    Ok(ignorable_text(d)?.and_then(|t| scalar::optional(Some(&t)).ok().flatten()))
}

/// A text the wiki says to ignore (see [`lenient`]), untrimmed: an object or a list reads as
/// none, where a text field would fail.
pub fn lenient_string<'de, D: Deserializer<'de>, T: From<String>>(d: D) -> Result<Option<T>, D::Error> {
    Ok(ignorable_text(d)?.map(|t| T::from(t.into_owned())))
}

/// A structure the wiki says to ignore (`lenient: true`): read when it reads, else `None`, so
/// that a surprise inside never fails the answer. JSON is read from the value's raw text, its
/// numbers exact; the serde XML reader's value is held whole in a buffer of the runtime's own
/// and tried.
pub fn lenient_value<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_newtype_struct(RAW_JSON, Ignorable::<T>(PhantomData, true))
}

/// A list the wiki says to ignore (see [`lenient_value`]): empty when it does not read.
pub fn lenient_list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    // A nil wrapper's items are read all the same, as [`list`] reads them.
    let list = d.deserialize_newtype_struct(RAW_JSON, Ignorable::<ListOf<T>>(PhantomData, false))?;
    Ok(list.map_or_else(Vec::new, |l| l.0))
}

/// A list read as [`list`] reads one.
struct ListOf<T>(Vec<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for ListOf<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        list(d).map(ListOf)
    }
}

/// The visitor of [`lenient_value`]: the raw JSON text (serde_json), or the XML reader's value;
/// `true` when a nil element reads as none.
struct Ignorable<T>(PhantomData<T>, bool);

impl<'de, T: DeserializeOwned> Visitor<'de> for Ignorable<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        match map.next_key::<Borrowed<'de>>()? {
            Some(Borrowed(key)) if key == RAW_JSON => {
                let raw = map.next_value::<Borrowed<'de>>()?.0;
                match serde_json::from_str::<Option<T>>(&raw) {
                    Ok(value) => Ok(value),
                    Err(_) if item_limit_hit() => Err(de::Error::custom(ITEM_LIMIT)),
                    Err(_) => Ok(None),
                }
            }
            // Not serde_json's raw value: a map read past.
            Some(_) => {
                map.next_value::<IgnoredAny>()?;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(None)
            }
            None => Ok(None),
        }
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        // Nil (by quick-xml's reading of the namespaces) is none; anything else is held whole
        // and tried, so that a failure inside never leaves the reader mid-element.
        match self.1 {
            true => d.deserialize_option(self),
            false => self.visit_some(d),
        }
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        match Node::capture(d)?.try_as() {
            None if item_limit_hit() => Err(de::Error::custom(ITEM_LIMIT)),
            value => Ok(value),
        }
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
}

/// A decimal the wiki says to ignore (see [`lenient`]).
pub fn lenient_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<rust_decimal::Decimal>, D::Error> {
    Ok(ignorable_text(d)?.and_then(|t| scalar::opt_decimal(Some(&t)).ok().flatten()))
}

/// A date-time the wiki says to ignore (see [`lenient`]).
pub fn lenient_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime>, D::Error> {
    Ok(ignorable_text(d)?.and_then(|t| scalar::opt_datetime(Some(&t)).ok().flatten()))
}

/// A decimal read exactly: one with more digits than `Decimal` holds (28 places) is refused,
/// never rounded.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<rust_decimal::Decimal, D::Error> {
    scalar::decimal(Text::deserialize(d)?.0.as_deref()).map_err(de::Error::custom)
}

/// An optional decimal, read exactly (see [`decimal`]).
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<rust_decimal::Decimal>, D::Error> {
    scalar::opt_decimal(Option::<Text>::deserialize(d)?.and_then(|t| t.0).as_deref()).map_err(de::Error::custom)
}

/// An optional date-time: the server's `0001-01-01T00:00:00` is `None` too.
pub fn opt_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime>, D::Error> {
    scalar::opt_datetime(Option::<Text>::deserialize(d)?.and_then(|t| t.0).as_deref()).map_err(de::Error::custom)
}

/// A required string, untrimmed.
pub fn string<'de, D: Deserializer<'de>, T: From<String>>(d: D) -> Result<T, D::Error> {
    Ok(T::from(Text::deserialize(d)?.0.unwrap_or_default().into_owned()))
}

/// An optional string, untrimmed: an empty element is `Some("")`, nil and absent are `None`.
pub fn opt_string<'de, D: Deserializer<'de>, T: From<String>>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Option::<Text>::deserialize(d)?
        .and_then(|t| t.0)
        .map(|s| T::from(s.into_owned())))
}

thread_local! {
    /// List items the decode under way may still build (`None`: no limit).
    static ITEMS_LEFT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    /// Whether the budget refused an item during this decode.
    static ITEMS_EXCEEDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The refusal of an item past the budget.
const ITEM_LIMIT: &str = "the answer holds more list items than the client's limit (ClientBuilder::max_items)";

/// Whether the item budget refused an item during this decode: a lenient value that failed
/// because of it must not hide it (the limit fails the answer wherever the items are).
pub(crate) fn item_limit_hit() -> bool {
    ITEMS_EXCEEDED.with(std::cell::Cell::get)
}

/// Runs `decode` with at most `max` list items built in all, nested lists included: a small
/// answer of many empty items (`[{},{},…]`) cannot take memory out of proportion to its size.
/// Decoding is synchronous, so the budget is the calling thread's for its duration.
pub fn with_item_budget<T>(max: usize, decode: impl FnOnce() -> T) -> T {
    let before = ITEMS_LEFT.with(|c| c.replace(Some(max)));
    let exceeded = ITEMS_EXCEEDED.with(|c| c.replace(false));
    let out = decode();
    ITEMS_LEFT.with(|c| c.set(before));
    ITEMS_EXCEEDED.with(|c| c.set(exceeded));
    out
}

/// The budget left and whether it was exceeded: to be put back by [`set_item_budget`] when a
/// reading is given up and read again (the XML plain lane's).
pub(crate) fn item_budget() -> (Option<usize>, bool) {
    (ITEMS_LEFT.with(std::cell::Cell::get), item_limit_hit())
}

/// Puts back the budget [`item_budget`] gave.
pub(crate) fn set_item_budget((left, exceeded): (Option<usize>, bool)) {
    ITEMS_LEFT.with(|c| c.set(left));
    ITEMS_EXCEEDED.with(|c| c.set(exceeded));
}

/// Counts one list item against the budget.
pub(crate) fn take_item<E: de::Error>() -> Result<(), E> {
    ITEMS_LEFT.with(|c| match c.get() {
        Some(0) => {
            ITEMS_EXCEEDED.with(|e| e.set(true));
            Err(E::custom(ITEM_LIMIT))
        }
        Some(n) => {
            c.set(Some(n - 1));
            Ok(())
        }
        None => Ok(()),
    })
}

/// A list: a JSON array, or an XML wrapper element whose every child is an item (whatever its
/// name); an empty or nil wrapper is an empty list. Every item counts against the budget of
/// [`with_item_budget`].
pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut v = Vec::new();
            while let Some(item) = seq.next_element()? {
                take_item()?;
                v.push(item);
            }
            Ok(v)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
            let mut v = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if key.starts_with('@') || key == "$text" {
                    map.next_value::<IgnoredAny>()?;
                } else {
                    take_item()?;
                    v.push(map.next_value()?);
                }
            }
            Ok(v)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            if v.trim().is_empty() {
                Ok(Vec::new())
            } else {
                Err(E::custom(format!("expected a list, found text `{}`", snippet(v))))
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Vec<T>, D2::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// A required JSON document inside a string.
pub fn json<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<EmbeddedJson<T>, D::Error> {
    scalar::json(Option::<Text>::deserialize(d)?.and_then(|t| t.0).as_deref()).map_err(de::Error::custom)
}

/// An optional JSON document inside a string: empty, nil and absent are `None`; a text that is
/// not the document is kept as it is (`EmbeddedJson::value` is then `None`).
pub fn opt_json<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<EmbeddedJson<T>>, D::Error> {
    Ok(scalar::opt_json(
        Option::<Text>::deserialize(d)?.and_then(|t| t.0).as_deref(),
    ))
}

/// An enum by name or number; unknown values are kept.
pub fn wire_enum<'de, D: Deserializer<'de>, T: WireEnum>(d: D) -> Result<T, D::Error> {
    Ok(T::from_wire(&Text::deserialize(d)?.0.unwrap_or_default()))
}

/// [`TypedText`] from any format: a string, an XML element (its `$text`, and its `xsi:type` as
/// `@type`), or a JSON value's raw text.
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
                    if key == RAW_JSON {
                        // JSON: the value's raw text, a number with its exact characters.
                        let raw = map.next_value::<Borrowed<'de>>()?.0;
                        if raw.starts_with(['{', '[']) {
                            return nested_text(|| {
                                serde_json::Deserializer::from_str(&raw)
                                    .deserialize_any(V)
                                    .map_err(de::Error::custom)
                            });
                        }
                        let text = raw_json_text::<A::Error>(raw)?;
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
        d.deserialize_newtype_struct(RAW_JSON, V)
    }
}

#[cfg(test)]
mod tests {
    use super::Text;
    use serde::Deserialize;

    fn text(json: &str) -> Option<String> {
        let mut d = serde_json::Deserializer::from_str(json);
        Text::deserialize(&mut d).unwrap().0.map(|c| c.into_owned())
    }

    #[test]
    fn json_scalars_are_read_as_their_raw_text() {
        // Numbers keep every character: no f64 on the way.
        assert_eq!(text("4.6800").as_deref(), Some("4.6800"));
        assert_eq!(text(" 12345678901234567.89 ").as_deref(), Some("12345678901234567.89"));
        assert_eq!(text("-1e-3").as_deref(), Some("-1e-3"));
        assert_eq!(text("true").as_deref(), Some("true"));
        assert_eq!(text("null"), None);
        // Strings are unescaped, untrimmed.
        assert_eq!(text(r#"" a ""#).as_deref(), Some(" a "));
        assert_eq!(text(r#""\u0031\"\\""#).as_deref(), Some("1\"\\"));
        assert_eq!(text(r#""4.50""#).as_deref(), Some("4.50"));
        // An object gives its `$text`, as XML's element carrier does.
        assert_eq!(text(r#"{"@a":"x","$text":1.50}"#).as_deref(), Some("1.50"));
        assert_eq!(text(r#"{"b":1}"#).as_deref(), Some(""));
    }
}
