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
        .filter(|f| f.lenient && !strict(&f.wire) && !composite(&f.ty))
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

/// A structure or a list: what the scalar surprises do not fit.
fn composite(ty: &Ty) -> bool {
    matches!(ty.wire(), Ty::Struct(..) | Ty::List(_))
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
    xml_replaced(method, field, &xml_element(field), surprise)
}

/// The XML example of `method` with each match of `element` replaced by
/// `<field>{content}</field>`.
fn xml_replaced(method: &str, field: &str, element: &Regex, content: &str) -> String {
    let text = example(&format!("personal/{method}.response.xml"));
    assert!(
        element.is_match(&text),
        "`{field}` is not in the XML example of {method}"
    );
    element
        .replace_all(&text, format!("<{field}>{content}</{field}>"))
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

/// An XML answer decoded by the generated reader, checked equal to the serde reference's.
fn xml_both_paths<R>(text: &str, what: &str) -> Value
where
    R: ApiRequest<Api = intellectmoney::IntellectMoney>,
    R::Output: serde::Serialize,
{
    let got = as_value(&decode_xml::<R>(text).unwrap_or_else(|e| panic!("{what}: {e}")));
    let reference = as_value(&xml_serde::decode_xml::<R>(text).unwrap_or_else(|e| panic!("{what}, serde: {e}")));
    assert_eq!(reference, got, "{what}: the serde reference differs");
    got
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
        expect(xml_both_paths::<R>(&text, &what), as_value(&xml_before), &what);
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
        .filter(|f| f.lenient && !composite(&f.ty))
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

/// The span of the JSON value after `"field":` at `from` in `text` (an object, a list or a
/// scalar), brackets matched and strings passed over.
fn json_value_span(text: &str, field: &str, from: usize) -> Option<(usize, usize)> {
    let name = format!("\"{field}\"");
    let at = from + text[from..].find(&name)? + name.len();
    let start = at + text[at..].find(|c: char| c != ':' && !c.is_whitespace())?;
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in text[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => {
                in_string = !in_string;
                if !in_string && depth == 0 {
                    return Some((start, start + i + 1));
                }
            }
            '[' | '{' if !in_string => depth += 1,
            ']' | '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return Some((start, start + i + 1));
                }
            }
            ',' | '}' | ']' if !in_string && depth == 0 => return Some((start, start + i)),
            _ => {}
        }
    }
    None
}

/// The JSON example of `method` with every value of `field` replaced by `surprise`.
fn json_composite_with(method: &str, field: &str, surprise: &str) -> String {
    let mut text = example(&format!("personal/{method}.response.json"));
    let mut from = 0;
    let mut replaced = 0;
    while let Some((a, b)) = json_value_span(&text, field, from) {
        text.replace_range(a..b, surprise);
        from = a + surprise.len();
        replaced += 1;
    }
    assert!(replaced > 0, "`{field}` is not in the JSON example of {method}");
    text
}

/// The XML example of `method` with every element `field` (with its content) replaced by
/// `<field>{inner}</field>`.
fn xml_composite_with(method: &str, field: &str, inner: &str) -> String {
    let element = Regex::new(&format!(r"(?s)<{field}>.*?</{field}>|<{field}(\s[^>]*)?/>")).unwrap();
    xml_replaced(method, field, &element, inner)
}

/// The first field of a structure whose text must parse (a number, a decimal, a flag, a date):
/// where a surprise inside it fails a strict read.
fn parsed_field(ir: &Ir, name: &str) -> Option<String> {
    let s = ir.apis.iter().flat_map(|a| &a.types).find(|t| t.name == name)?;
    s.fields
        .iter()
        .find(|f| matches!(f.ty.wire(), Ty::Int | Ty::Long | Ty::Decimal | Ty::Bool | Ty::DateTime))
        .map(|f| f.wire.clone())
}

/// Feeds surprises to the structure or list `field` of `R`'s answers: each decodes (XML by the
/// generated reader and the serde reference alike), `field` reads as none or empty, and every
/// other value as before. Each surprise fails the strict read of the same type, so it is real.
fn composite_surprises<R>(ir: &Ir, field: &intellectmoney_codegen::ir::StructField) -> usize
where
    R: ApiRequest<Api = intellectmoney::IntellectMoney>,
    R::Output: serde::Serialize,
{
    let method = R::METHOD.name;
    let (item, list) = match field.ty.wire() {
        Ty::List(item) => (item.as_ref(), true),
        other => (other, false),
    };
    let Ty::Struct(_, name) = item else {
        panic!("{}: not a structure", field.wire)
    };
    let inner = parsed_field(ir, name);
    // An item whose first field holds a list: no scalar reads one.
    let first = &ir
        .apis
        .iter()
        .flat_map(|a| &a.types)
        .find(|t| &t.name == name)
        .unwrap()
        .fields[0]
        .wire;
    let bad_item = match &inner {
        Some(f) => format!(r#"{{"{f}": "not a value"}}"#),
        None => format!(r#"{{"{first}": [1, 2]}}"#),
    };
    let mut json = vec![r#""not a value""#.to_owned()];
    if list {
        json.extend([r#"{"Inner": 1}"#.to_owned(), format!("[{bad_item}]")]);
    } else {
        // (`[1, 2]` would read as a structure's first two fields.)
        json.extend(["[[1, 2]]".to_owned(), bad_item]);
    }
    let wire = &field.wire;
    let before = decode_json::<R>(&example(&format!("personal/{method}.response.json"))).unwrap();
    for surprise in &json {
        let what = format!("{method}: {wire} = {surprise} (JSON)");
        let got =
            decode_json::<R>(&json_composite_with(method, wire, surprise)).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(as_value(&got), without(as_value(&before), wire), "{what}");
    }
    let mut fed = json.len();
    // In XML, a text that must parse fails a structure; a list's failing item is fed by
    // `a_list_the_wiki_says_to_ignore_that_does_not_read_is_empty_on_both_xml_paths`.
    if let (Some(f), false) = (&inner, list) {
        let text = xml_composite_with(method, wire, &format!("<{f}>not a value</{f}>"));
        let what = format!("{method}: {wire} with <{f}>not a value</{f}> (XML)");
        let before = decode_xml::<R>(&example(&format!("personal/{method}.response.xml"))).unwrap();
        assert_eq!(
            xml_both_paths::<R>(&text, &what),
            without(as_value(&before), wire),
            "{what}"
        );
        fed += 1;
    }
    fed
}

#[test]
fn a_surprise_in_a_structure_the_wiki_says_to_ignore_never_fails_the_answer() {
    let ir = spec_ir();
    let fields: Vec<&intellectmoney_codegen::ir::StructField> = ir
        .apis
        .iter()
        .flat_map(|a| &a.types)
        .flat_map(|t| &t.fields)
        .filter(|f| f.lenient && composite(&f.ty))
        .collect();
    assert!(
        fields.len() >= 4,
        "{:?}",
        fields.iter().map(|f| &f.wire).collect::<Vec<_>>()
    );
    for f in fields {
        let holds =
            |method: &str| example(&format!("personal/{method}.response.json")).contains(&format!("\"{}\"", f.wire));
        let mut fed = 0;
        if holds("getInvoicesHistory") {
            fed += composite_surprises::<GetInvoicesHistory>(&ir, f);
        } else if holds("getPaymentsHistory") {
            fed += composite_surprises::<GetPaymentsHistory>(&ir, f);
        }
        assert!(fed > 0, "`{}`: no surprise was fed to it", f.wire);
    }
}

#[test]
fn the_same_surprise_in_a_structure_that_is_not_lenient_fails() {
    // The invoice's `Amount` is a Money of the wiki's table: strict.
    let text = json_composite_with("getInvoicesHistory", "CurrentAmount", r#"{"Amount": "not a value"}"#);
    assert!(decode_json::<GetInvoicesHistory>(&text).is_err());
}

#[test]
fn a_structure_the_wiki_says_to_ignore_must_still_be_well_formed_xml() {
    // A surprise value is passed over; a part that is not XML (a reference that is not
    // defined, a repeated attribute) refuses the answer on both paths, wherever it stands in
    // the structure: the serde reference reads the structure whole, so the generated reader
    // checks the whole of it too.
    for inner in [
        "<Id>1</Id><Unknown><a>&bogus;</a></Unknown>",
        "<Id a=\"1\" a=\"2\">1</Id>",
        "<Id xmlns:xml=\"urn:wrong\">1</Id>",
    ] {
        let text = xml_composite_with("getInvoicesHistory", "PurchaseData", inner);
        assert!(decode_xml::<GetInvoicesHistory>(&text).is_err(), "{inner}");
        assert!(xml_serde::decode_xml::<GetInvoicesHistory>(&text).is_err(), "{inner}");
    }
    // Marked nil, a structure reads as none; a nil field inside it as that field's none.
    let nil = xml_composite_with("getInvoicesHistory", "PurchaseData", "");
    let nil = nil.replacen("<PurchaseData>", "<PurchaseData xsi:nil=\"true\">", 1);
    let got = decode_xml::<GetInvoicesHistory>(&nil).unwrap();
    assert_eq!(
        as_value(&got),
        as_value(&xml_serde::decode_xml::<GetInvoicesHistory>(&nil).unwrap())
    );
    let value = as_value(&got);
    assert!(
        value["Result"]["InvoicesHistoryList"][0]["PurchaseData"].is_null(),
        "{value}"
    );
    assert!(
        value["Result"]["InvoicesHistoryList"][0]["OriginalAmount"].is_object(),
        "{value}"
    );
}

#[test]
fn a_list_the_wiki_says_to_ignore_that_does_not_read_is_empty_on_both_xml_paths() {
    // An item with its key twice fails a strict read (a repeated field) on both paths.
    let doubled = "<KeyValue><Key>a</Key><Key>b</Key><Value>v</Value></KeyValue>";
    let text = xml_composite_with("getInvoicesHistory", "AdditionalInfo", doubled);
    let strict = intellectmoney::runtime::decode_xml_as::<
        intellectmoney::IntellectMoney,
        intellectmoney::personal::KeyValue,
    >("KeyValue", doubled);
    assert!(strict.is_err(), "the item reads strictly: {strict:?}");
    let value = xml_both_paths::<GetInvoicesHistory>(&text, "AdditionalInfo with a doubled key");
    let invoice = &value["Result"]["InvoicesHistoryList"][0];
    // An empty list is left out of the serialized answer.
    assert!(invoice.get("AdditionalInfo").is_none(), "{invoice}");
    assert!(invoice["PurchaseData"].is_object(), "{invoice}");
}

#[test]
fn the_item_limit_fails_the_answer_even_inside_a_list_the_wiki_says_to_ignore() {
    // One invoice (one item), no transactions, and two entries of `AdditionalInfo`: a budget of
    // two items runs out at the second entry. The limit is not a surprise in the list; it fails
    // the answer, on every path.
    let xml = example("personal/getInvoicesHistory.response.xml");
    let history = Regex::new(r"(?s)<HistoryList>.*?</HistoryList>").unwrap();
    let xml = history.replace(&xml, "<HistoryList/>").into_owned();
    let budget = |n: usize, f: &dyn Fn() -> bool| intellectmoney::runtime::de::with_item_budget(n, f);
    assert!(
        budget(3, &|| decode_xml::<GetInvoicesHistory>(&xml).is_ok()),
        "three items are enough"
    );
    assert!(
        budget(2, &|| decode_xml::<GetInvoicesHistory>(&xml).is_err()),
        "generated reader"
    );
    assert!(
        budget(2, &|| xml_serde::decode_xml::<GetInvoicesHistory>(&xml).is_err()),
        "serde reference"
    );
    let json = example("personal/getInvoicesHistory.response.json");
    let json: Value = serde_json::from_str(&json).unwrap();
    let mut json = json;
    json["Result"]["InvoicesHistoryList"][0]["HistoryList"] = serde_json::json!([]);
    let json = json.to_string();
    assert!(
        budget(3, &|| decode_json::<GetInvoicesHistory>(&json).is_ok()),
        "JSON: three are enough"
    );
    assert!(budget(2, &|| decode_json::<GetInvoicesHistory>(&json).is_err()), "JSON");
}
