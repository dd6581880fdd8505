//! The fields the wiki says to ignore (`lenient: true` in the spec: the properties of
//! `<InvoiceData>` and `<HistoryData>` that only the example shows) never fail an answer. Each is
//! fed values of another type, in XML (the generated reader and the serde reference) and in JSON,
//! and the answer still decodes: that field reads as none, every other value as before. The same
//! surprise in a field that is not lenient still fails, so the surprises are real.

use intellectmoney::personal::{GetInvoicesHistory, GetPaymentsHistory};
use intellectmoney::runtime::{decode_json, decode_xml, xml_serde, ApiRequest};
use intellectmoney_codegen::ir::{Ir, Ty};
use intellectmoney_tests::{example, spec_ir};
use regex::Regex;
use serde_json::Value;

/// How a lenient field reads a surprise in one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Reads {
    /// It reads text (a text or an enum): a surprise in words is a value of it, only an object
    /// or a list is a surprise.
    textual: bool,
}

/// The structs an answer of `method` holds, from its result down (the envelope's common types
/// need no walk: no field there is lenient).
fn structs_of(ir: &Ir, method: &str) -> Vec<String> {
    fn walk(ir: &Ir, ty: &Ty, out: &mut Vec<String>) {
        match ty {
            Ty::List(inner) | Ty::Json(inner) => walk(ir, inner, out),
            Ty::Struct(_, name) if !out.contains(name) => {
                out.push(name.clone());
                let fields = ir
                    .apis
                    .iter()
                    .flat_map(|a| &a.types)
                    .filter(|t| &t.name == name)
                    .flat_map(|t| &t.fields);
                for f in fields {
                    walk(ir, &f.ty, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let m = ir
        .apis
        .iter()
        .flat_map(|a| &a.methods)
        .find(|m| m.wire == method)
        .unwrap();
    walk(ir, &m.result, &mut out);
    out
}

/// The lenient fields of an answer of `method` by wire name, and how each reads a surprise:
/// only those whose name no strict field of the same answer shares (`PurchaseOrderId` of
/// `<InvoiceData>` is in the wiki's table, and a surprise there is an error, as it should be).
fn lenient_fields(ir: &Ir, method: &str) -> Vec<(String, Reads)> {
    let structs = structs_of(ir, method);
    let fields: Vec<_> = ir
        .apis
        .iter()
        .flat_map(|a| &a.types)
        .filter(|t| structs.contains(&t.name))
        .flat_map(|t| &t.fields)
        .collect();
    let strict = |wire: &str| fields.iter().any(|f| f.wire == wire && !f.lenient);
    let mut out: Vec<(String, Reads)> = fields
        .iter()
        .filter(|f| f.lenient && !strict(&f.wire))
        .map(|f| {
            let reads = Reads {
                textual: matches!(f.ty.wire(), Ty::String | Ty::Enum(..)),
            };
            (f.wire.clone(), reads)
        })
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

fn xml_element(field: &str) -> Regex {
    // `<F>text</F>`, `<F/>`, or nil: `<F xsi:nil="true" />`.
    Regex::new(&format!(r"<{field}>[^<]*</{field}>|<{field}(\s[^>]*)?/>")).unwrap()
}

fn json_value(field: &str) -> Regex {
    Regex::new(&format!(
        r#""{field}"\s*:\s*("(?:[^"\\]|\\.)*"|[-0-9.eE+]+|true|false|null)"#
    ))
    .unwrap()
}

/// The example of `method` with every value of `field` replaced by `surprise`, in the example's
/// syntax.
fn xml_with(method: &str, field: &str, surprise: &str) -> String {
    let text = example(&format!("personal/{method}.response.xml"));
    let element = xml_element(field);
    assert!(
        element.is_match(&text),
        "`{field}` is not in the XML example of {method}"
    );
    element
        .replace_all(&text, format!("<{field}>{surprise}</{field}>"))
        .into_owned()
}

fn json_with(method: &str, field: &str, surprise: &str) -> String {
    let text = example(&format!("personal/{method}.response.json"));
    let value = json_value(field);
    assert!(
        value.is_match(&text),
        "`{field}` is not in the JSON example of {method}"
    );
    value
        .replace_all(&text, format!("\"{field}\": {surprise}"))
        .into_owned()
}

fn as_value(a: &impl serde::Serialize) -> Value {
    serde_json::to_value(a).unwrap()
}

const XML_SURPRISES: &[&str] = &["not a value", "<Inner>1</Inner>", "12.5.7"];
const JSON_SURPRISES: &[&str] = &[r#""not a value""#, r#"{"Inner": 1}"#, "[1, 2]", r#""12.5.7""#];

/// Feeds each surprise to `field` in `R`'s examples: the answer decodes, in XML (the generated
/// reader and the serde reference alike) and in JSON; every other value reads as before; the
/// field itself reads as none, unless it reads text and the surprise is words.
fn surprises<R>(field: &str, reads: Reads)
where
    R: ApiRequest<Api = intellectmoney::IntellectMoney>,
    R::Output: serde::Serialize,
{
    let method = R::METHOD.name;
    let xml_before = decode_xml::<R>(&example(&format!("personal/{method}.response.xml"))).unwrap();
    let json_before = decode_json::<R>(&example(&format!("personal/{method}.response.json"))).unwrap();
    let expect = |got: Value, before: Value, what: &str| {
        let before = without(before, field);
        if reads.textual {
            assert_eq!(without(got, field), before, "{what}");
        } else {
            assert_eq!(got, before, "{what}");
        }
    };
    for surprise in XML_SURPRISES {
        let text = xml_with(method, field, surprise);
        let what = format!("{method}: {field} = {surprise} (XML)");
        let got = decode_xml::<R>(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
        let reference = xml_serde::decode_xml::<R>(&text).unwrap_or_else(|e| panic!("{what}, serde: {e}"));
        assert_eq!(
            as_value(&reference),
            as_value(&got),
            "{what}: the serde reference differs"
        );
        expect(as_value(&got), as_value(&xml_before), &what);
    }
    for surprise in JSON_SURPRISES {
        let what = format!("{method}: {field} = {surprise} (JSON)");
        let got = decode_json::<R>(&json_with(method, field, surprise)).unwrap_or_else(|e| panic!("{what}: {e}"));
        if surprise.starts_with(['{', '[']) {
            // An object or a list is no value of any scalar: none.
            assert_eq!(as_value(&got), without(as_value(&got), field), "{what}: read as none");
        }
        expect(as_value(&got), as_value(&json_before), &what);
    }
}

#[test]
fn a_surprise_in_a_field_the_wiki_says_to_ignore_never_fails_the_answer() {
    let ir = spec_ir();
    let all: Vec<String> = ir
        .apis
        .iter()
        .flat_map(|a| &a.types)
        .flat_map(|t| &t.fields)
        .filter(|f| f.lenient)
        .map(|f| f.wire.clone())
        .collect();
    assert!(all.len() >= 24, "{all:?}");
    let mut fed = std::collections::BTreeSet::new();
    // Each field in whichever of the two history answers holds it.
    for (method, field, reads) in ["getInvoicesHistory", "getPaymentsHistory"]
        .into_iter()
        .flat_map(|m| lenient_fields(&ir, m).into_iter().map(move |(f, r)| (m, f, r)))
    {
        let holds = xml_element(&field).is_match(&example(&format!("personal/{method}.response.xml")))
            && json_value(&field).is_match(&example(&format!("personal/{method}.response.json")));
        if !holds {
            continue;
        }
        match method {
            "getInvoicesHistory" => surprises::<GetInvoicesHistory>(&field, reads),
            _ => surprises::<GetPaymentsHistory>(&field, reads),
        }
        fed.insert(field);
    }
    let missed: Vec<&String> = all.iter().filter(|f| !fed.contains(*f)).collect();
    assert!(missed.is_empty(), "lenient fields no surprise was fed to: {missed:?}");
}

#[test]
fn the_same_surprise_in_a_field_that_is_not_lenient_fails() {
    // `Id` of <InvoiceData> is in the wiki's table: its type is the API's promise.
    let method = "getInvoicesHistory";
    assert!(decode_xml::<GetInvoicesHistory>(&xml_with(method, "PaymentNumber", "not a value")).is_err());
    assert!(decode_json::<GetInvoicesHistory>(&json_with(method, "PaymentNumber", r#""not a value""#)).is_err());
}
