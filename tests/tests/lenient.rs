//! The fields the wiki says to ignore (`lenient: true` in the spec: the properties of
//! `<InvoiceData>` and `<HistoryData>` that only the example shows) never fail an answer. Each is
//! fed values of another type, in XML (the generated reader and the serde reference) and in JSON,
//! and the answer still decodes: that field reads as none, every other value as before. The same
//! surprise in a field that is not lenient still fails, so the surprises are real.

use intellectmoney::personal::GetInvoicesHistory;
use intellectmoney::runtime::{decode_json, decode_xml, xml_serde, ApiRequest};
use intellectmoney_tests::{example, spec_ir};
use regex::Regex;
use serde_json::Value;

/// The wire names of every lenient field of the spec.
fn lenient_fields() -> Vec<String> {
    let mut out: Vec<String> = spec_ir()
        .apis
        .iter()
        .flat_map(|a| &a.types)
        .flat_map(|t| &t.fields)
        .filter(|f| f.lenient)
        .map(|f| f.wire.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `value` with every key `field` removed, at any depth.
fn without(mut value: Value, field: &str) -> Value {
    fn strip(v: &mut Value, field: &str) {
        match v {
            Value::Object(map) => {
                map.remove(field);
                map.values_mut().for_each(|v| strip(v, field));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| strip(v, field)),
            _ => {}
        }
    }
    strip(&mut value, field);
    value
}

/// The example with every value of `field` replaced by `surprise`, in the example's syntax.
fn xml_with(field: &str, surprise: &str) -> String {
    let text = example("personal/getInvoicesHistory.response.xml");
    let element = Regex::new(&format!(r"<{field}>[^<]*</{field}>|<{field}\s*/>")).unwrap();
    assert!(element.is_match(&text), "`{field}` is not in the XML example");
    element
        .replace_all(&text, format!("<{field}>{surprise}</{field}>"))
        .into_owned()
}

fn json_with(field: &str, surprise: &str) -> String {
    let text = example("personal/getInvoicesHistory.response.json");
    let value = Regex::new(&format!(
        r#""{field}"\s*:\s*("(?:[^"\\]|\\.)*"|[-0-9.eE+]+|true|false|null)"#
    ))
    .unwrap();
    assert!(value.is_match(&text), "`{field}` is not in the JSON example");
    value
        .replace_all(&text, format!("\"{field}\": {surprise}"))
        .into_owned()
}

type Answer = intellectmoney::common::Response<<GetInvoicesHistory as ApiRequest>::Output>;

fn as_value(a: &Answer) -> Value {
    serde_json::to_value(a).unwrap()
}

const XML_SURPRISES: &[&str] = &["not a value", "<Inner>1</Inner>", "12.5.7"];
const JSON_SURPRISES: &[&str] = &[r#""not a value""#, r#"{"Inner": 1}"#, "[1, 2]", r#""12.5.7""#];

#[test]
fn a_surprise_in_a_field_the_wiki_says_to_ignore_never_fails_the_answer() {
    let fields = lenient_fields();
    assert!(fields.len() >= 7, "{fields:?}");
    let xml_before = decode_xml::<GetInvoicesHistory>(&example("personal/getInvoicesHistory.response.xml")).unwrap();
    let json_before = decode_json::<GetInvoicesHistory>(&example("personal/getInvoicesHistory.response.json")).unwrap();
    for field in &fields {
        for surprise in XML_SURPRISES {
            let text = xml_with(field, surprise);
            let what = format!("{field} = {surprise} (XML)");
            let got = decode_xml::<GetInvoicesHistory>(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(as_value(&got), without(as_value(&xml_before), field), "{what}");
            let reference =
                xml_serde::decode_xml::<GetInvoicesHistory>(&text).unwrap_or_else(|e| panic!("{what}, serde: {e}"));
            assert_eq!(
                as_value(&reference),
                as_value(&got),
                "{what}: the serde reference differs"
            );
        }
        for surprise in JSON_SURPRISES {
            let what = format!("{field} = {surprise} (JSON)");
            let got = decode_json::<GetInvoicesHistory>(&json_with(field, surprise))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(as_value(&got), without(as_value(&json_before), field), "{what}");
        }
    }
}

#[test]
fn the_same_surprise_in_a_field_that_is_not_lenient_fails() {
    // `Id` of <InvoiceData> is in the wiki's table: its type is the API's promise.
    assert!(decode_xml::<GetInvoicesHistory>(&xml_with("PaymentNumber", "not a value")).is_err());
    assert!(decode_json::<GetInvoicesHistory>(&json_with("PaymentNumber", r#""not a value""#)).is_err());
}
