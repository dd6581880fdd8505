//! The generated XML decoders (the client's XML path) against the serde path (quick-xml's
//! deserializer with the runtime's helpers), the reference they are checked against: every wiki
//! example, each of its elements changed in the ways a server or a proxy changes them, and a
//! catalogue of odd documents decode to the same value on both paths, or are refused by both.
//! Every document is read as the answer of every method, and by both lanes of the generated
//! decoders (the plain lexer, which reads every wiki example, and quick-xml's reader). The
//! `xml_serde` fuzz target does the same with arbitrary input (fuzz/README.md).
#![allow(deprecated)]

use intellectmoney::runtime::xml::{self, FromXml};
use intellectmoney::runtime::{decode_xml, decode_xml_as, xml_serde, ApiRequest, DecodeError, EnvelopeOf};
use intellectmoney::IntellectMoney;
use intellectmoney_tests::example;
use regex::Regex;
use std::fmt::Debug;

/// What one method made of one document, read as its answer (the envelope) and as its bare
/// result (some wiki examples show only that): for each reading, `true` when both paths read
/// the same value, `false` when both refused it; `Err` with the outcomes when they disagree.
fn agree<R: ApiRequest>(body: &str) -> Result<[bool; 2], String>
where
    EnvelopeOf<R>: PartialEq + Debug,
    R::Output: PartialEq + Debug,
{
    let name = R::METHOD.name;
    lanes::<EnvelopeOf<R>>(name, body)?;
    lanes::<R::Output>(name, body)?;
    let envelope = same(name, decode_xml::<R>(body), xml_serde::decode_xml::<R>(body))?;
    let bare = same(
        name,
        decode_xml_as::<IntellectMoney, R::Output>(name, body),
        xml_serde::decode_xml_as::<IntellectMoney, R::Output>(name, body),
    )?;
    Ok([envelope, bare])
}

/// The generated decoders' two lanes (the plain lexer, quick-xml's reader) give the same
/// outcome, errors included.
fn lanes<T: FromXml + PartialEq + Debug>(method: &str, body: &str) -> Result<(), String> {
    let (plain, quick) = (xml::from_str::<T>(body), xml::from_str_quick::<T>(body));
    match plain == quick {
        true => Ok(()),
        false => Err(format!("{method}: the lanes differ\nplain {plain:?}\nquick {quick:?}")),
    }
}

fn same<T: PartialEq + Debug>(
    method: &str,
    new: Result<T, DecodeError>,
    reference: Result<T, DecodeError>,
) -> Result<bool, String> {
    match (new, reference) {
        (Ok(new), Ok(reference)) if new == reference => Ok(true),
        (Err(_), Err(_)) => Ok(false),
        (new, reference) => Err(format!(
            "{method}: generated {:?}\nserde {:?}",
            new.map_err(|e| format!("{} at {}", e.message, e.path)),
            reference.map_err(|e| format!("{} at {}", e.message, e.path))
        )),
    }
}

/// `agree` for every spec method.
type Check = fn(&str) -> Result<[bool; 2], String>;
macro_rules! checks {
    ($($method:path),*) => { [$(agree::<$method> as Check),*] };
}

/// The wiki example of every method, by method.
fn examples() -> Vec<String> {
    macro_rules! files {
        ($($method:path),*) => {
            vec![$({
                let m = <$method as ApiRequest>::METHOD;
                example(&format!("{}/{}.response.xml", m.api, m.name))
            }),*]
        };
    }
    intellectmoney::for_each_method!(files)
}

/// Reads each document with its check; returns how many documents were read, and how many
/// both paths accepted in the reading that is given with it (0: envelope, 1: bare result).
fn check_all<'a>(readings: impl IntoIterator<Item = (&'a str, &'a Check, usize)>) -> (usize, usize) {
    let (mut read, mut accepted) = (0, 0);
    let mut disagreements = Vec::new();
    for (doc, check, reading) in readings {
        read += 1;
        match check(doc) {
            Ok(both) => accepted += usize::from(both[reading]),
            Err(e) => disagreements.push(format!("{e}\ndocument: {doc}")),
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements, the first ones:\n\n{}",
        disagreements.len(),
        disagreements.iter().take(5).cloned().collect::<Vec<_>>().join("\n\n")
    );
    (read, accepted)
}

/// Every document read as the answer of every method.
fn every_method<'a>(docs: &'a [String], checks: &'a [Check]) -> impl Iterator<Item = (&'a str, &'a Check, usize)> {
    docs.iter()
        .flat_map(move |d| checks.iter().map(move |c| (d.as_str(), c, 0)))
}

/// How the wiki shows an example: as the whole answer (0) or as the bare result (1).
fn reading(check: &Check, example: &str) -> usize {
    let both = check(example).expect("the paths agree on the examples");
    assert!(both[0] || both[1], "its own method reads each example");
    usize::from(!both[0])
}

#[test]
fn every_wiki_example_reads_the_same_on_both_paths() {
    let docs = examples();
    let checks = intellectmoney::for_each_method!(checks);
    assert_eq!(docs.len(), checks.len());
    for (doc, check) in docs.iter().zip(&checks) {
        reading(check, doc);
        assert!(xml::reads_plain(doc), "the plain lexer reads the example:\n{doc}");
    }
    check_all(every_method(&docs, &checks));
}

/// Each leaf element (`<Name>text</Name>`) of each example, changed one at a time.
fn leaf_mutations(doc: &str) -> Vec<String> {
    let leaf = Regex::new(r"<([A-Za-z][\w.-]*)>([^<]*)</([A-Za-z][\w.-]*)>").unwrap();
    let mut out = Vec::new();
    for c in leaf.captures_iter(doc) {
        let (whole, name, text) = (c.get(0).unwrap(), &c[1], &c[2]);
        let variants = [
            String::new(),
            format!("{}{}", whole.as_str(), whole.as_str()),
            format!("<{name}> {text} </{name}>"),
            format!("<{name}></{name}>"),
            format!("<{name}/>"),
            format!("<{name} xsi:nil=\"true\">{text}</{name}>"),
            format!("<{name} xsi:nil=\"true\"/>"),
            format!("<{name}><![CDATA[{text}]]></{name}>"),
            format!("<{name}>{text}<!-- c --></{name}>"),
            format!("<{name}>&amp;{text}&#x41;</{name}>"),
            format!("<{name}>{text}&bogus;</{name}>"),
            format!("<{name}><$value>{text}</$value></{name}>"),
            format!("<{name}><$text>{text}</$text></{name}>"),
            format!("<{name}><x>1</x>{text}</{name}>"),
            format!("<{name}>{text}<x/>tail</{name}>"),
            format!("<{name}><{name}>{text}</{name}></{name}>"),
            format!("<p:{name} xmlns:p=\"urn:p\">{text}</p:{name}>"),
            format!("<{name} a>{text}</{name}>"),
            format!("<{name} a=\"1\" a=\"2\">{text}</{name}>"),
            format!("<{name} xmlns:xml=\"urn:wrong\">{text}</{name}>"),
            format!("<{name} xsi:type=\"xsd:string\">{text}</{name}>"),
            format!("<{name} i:nil=\"1\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">{text}</{name}>"),
            format!("<{name} xsi:nil=\"true\" xmlns:xsi=\"urn:other\">{text}</{name}>"),
            format!("<{name}>{text}\r\n</{name}>"),
            format!("<{name}>{text}</{name}><Unknown><a>&bogus;</a></Unknown>"),
            format!("<{name}>{text}0000000000000000000000000000001</{name}>"),
        ];
        for v in variants {
            out.push(format!("{}{v}{}", &doc[..whole.start()], &doc[whole.end()..]));
        }
    }
    out
}

/// Each element that holds others (`<Name>` followed by a child), marked nil, given an
/// attribute, or doubled in name by a prefix, one at a time.
fn parent_mutations(doc: &str) -> Vec<String> {
    let parent = Regex::new(r"<([A-Za-z][\w.-]*)>(\s*<)").unwrap();
    let mut out = Vec::new();
    for c in parent.captures_iter(doc) {
        let (tag, name, after) = (c.get(0).unwrap(), &c[1], &c[2]);
        for v in [
            format!("<{name} xsi:nil=\"true\">{after}"),
            format!("<{name} a=\"&lt;\">{after}"),
            format!("<{name}>text{after}"),
            format!("<{name}><!DOCTYPE x>{after}"),
        ] {
            out.push(format!("{}{v}{}", &doc[..tag.start()], &doc[tag.end()..]));
        }
    }
    out
}

#[test]
fn every_element_of_every_example_changed_reads_the_same_on_both_paths() {
    // Each changed example is read as the answer of its own method.
    let checks = intellectmoney::for_each_method!(checks);
    let mut readings = Vec::new();
    for (doc, check) in examples().iter().zip(&checks) {
        let how = reading(check, doc);
        for changed in leaf_mutations(doc).into_iter().chain(parent_mutations(doc)) {
            readings.push((changed, check, how));
        }
    }
    let (read, accepted) = check_all(readings.iter().map(|(d, c, how)| (d.as_str(), *c, *how)));
    eprintln!("{read} changed documents, {accepted} read by both paths alike, the rest refused by both");
    assert!(read > 1_000, "{read} documents");
    // The changes are not all refusals: most still read as their method's answer.
    assert!(accepted > read / 2, "{accepted} of {read} accepted");
}

const ENVELOPE: &str = r#"<Response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><OperationState><Code>0</Code></OperationState>"#;

fn envelope(result: &str) -> String {
    format!("{ENVELOPE}{result}</Response>")
}

#[test]
fn odd_documents_read_the_same_on_both_paths() {
    let mut docs: Vec<String> = [
        "",
        "   ",
        "text",
        "<Response/>",
        "<Response>",
        "</Response>",
        "<?xml version=\"1.1\"?><Response><OperationState><Code>0</Code><Desc>a\r\nb\u{85}c\u{2028}</Desc></OperationState></Response>",
        // Blank only once decoded (XML 1.1 reads NEL as a line feed): no text, as on the serde path.
        "<?xml version=\"1.1\"?><Response><OperationState><Code>0</Code><Desc>\u{85}</Desc></OperationState></Response>",
        // A declaration inside an element skipped within a value the wiki says to ignore: the
        // serde path captures the whole value, declaration included, and reads NEL as a line
        // feed from there on; so does the generated reader, which checks the value as it reads.
        "<Response><OperationState><Code>0</Code></OperationState><Result><InvoicesHistoryList><InvoiceData><PurchaseData><X><?xml version=\"1.1\"?></X></PurchaseData><OrganizationName>A\u{85}B</OrganizationName></InvoiceData></InvoicesHistoryList></Result></Response>",
        "<?xml version=\"2.0\"?><Response/>",
        "<!DOCTYPE Response><Response><OperationState><Code>0</Code></OperationState></Response>",
        "<Response><OperationState><Code>0</Code></OperationState></Response>trailing",
        "<Response><OperationState><Code>0</Code></OperationState></Response><Response/>",
        "text<Response><OperationState><Code>0</Code></OperationState></Response>",
        "<Response xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"><OperationState><Code>0</Code></OperationState><OperationId>50a55d0c-a754-47ca-b355-56362cf52a98</OperationId></Response>",
        "<Response><OperationState><Code>0</Code></OperationState></Wrong>",
        "<Response><OperationState><Code>0&#0;</Code></OperationState></Response>",
        "<Response><OperationState><Code>&#x30;</Code><Desc>&#-1;&#x;</Desc></OperationState></Response>",
        "<Response><OperationState><Code>0</Code><Desc>&#+65;</Desc></OperationState></Response>",
        "<Response><OperationState><Code>0</Code><Desc>&lt;&gt;&apos;&quot;</Desc></OperationState></Response>",
        // A bare `bool` (DeleteOperation's result) read from a whole document: the serde path
        // takes a document's first text as the value, whitespace included (found by the
        // `xml_serde` fuzz target).
        "  <Code>0</Code>",
        "true",
        " 1 ",
        "<![CDATA[false]]>",
        "true<Response/>",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for result in [
        "<Result xsi:nil=\"true\"/>",
        "<Result/>",
        "<Result> true </Result>",
        "<Result>1</Result>",
        "<Result>True</Result>",
        "<Result><a/></Result>",
        "<Result>true<a/></Result>",
        "<Result><State><Code>0</Code></State><Errors><string>a</string><string> </string><string/><@x>y</@x><$text>z</$text></Errors></Result>",
        "<Result><Errors>text<string>a<b/></string></Errors></Result>",
        "<Result><Errors xsi:nil=\"true\"><string>a</string></Errors></Result>",
        "<Result><InvoicesHistoryList>text<InvoiceData/><Other><Id>1</Id></Other></InvoicesHistoryList></Result>",
        "<Result><InvoicesHistoryList><InvoiceData xsi:nil=\"true\"/></InvoicesHistoryList></Result>",
        "<Result><Content><CustomerContact><Key>k</Key><Value xsi:type=\"xsd:string\" xmlns:type=\"urn:t\" xml:type=\"x\">v</Value></CustomerContact></Content></Result>",
        "<Result><State><Code><$value><$text>0</$text></$value></Code></State></Result>",
    ] {
        docs.push(envelope(result));
    }
    let deep = format!(
        "<State><Code>{}0{}</Code></State>",
        "<$value>".repeat(200),
        "</$value>".repeat(200)
    );
    docs.push(envelope(&format!("<Result>{deep}</Result>")));
    let deep_ok = format!(
        "<State><Code>{}0{}</Code></State>",
        "<$value>".repeat(100),
        "</$value>".repeat(100)
    );
    docs.push(envelope(&format!("<Result>{deep_ok}</Result>")));
    let skipped = format!("<Result>{}{}</Result>", "<a>".repeat(10_000), "</a>".repeat(10_000));
    docs.push(envelope(&skipped));
    let checks = intellectmoney::for_each_method!(checks);
    check_all(every_method(&docs, &checks));
}

/// The deepest document the reader allows (128 elements read as maps: the envelope, its
/// result, the state, its code and 124 `$value` elements in it) decodes on a thread with a 1 MiB stack, on both lanes, in this build's
/// profile: a debug build once needed about 2 MiB, all of a test thread's stack.
#[test]
fn the_deepest_document_allowed_decodes_on_a_small_stack() {
    use intellectmoney::common::RequestStateCode;
    type Answer = intellectmoney::common::Response<intellectmoney::personal::InvoicesHistoryList>;
    let nested = |levels: usize| {
        envelope(&format!(
            "<Result><State><Code>{}0{}</Code></State></Result>",
            "<$value>".repeat(levels),
            "</$value>".repeat(levels)
        ))
    };
    let outcome = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let deepest = nested(124);
            let plain = xml::from_str::<Answer>(&deepest).map(|a| a.result.and_then(|r| r.state));
            let quick = xml::from_str_quick::<Answer>(&deepest).map(|a| a.result.and_then(|r| r.state));
            let too_deep = xml::from_str::<Answer>(&nested(125)).map(|_| ());
            (plain, quick, too_deep)
        })
        .expect("a thread")
        .join()
        .expect("no overflow");
    let (plain, quick, too_deep) = outcome;
    let state = plain.expect("128 levels read");
    // Code 0 is the wiki's "processed".
    assert_eq!(state.expect("a state").code, RequestStateCode::Success);
    assert_eq!(
        quick.expect("128 levels read").expect("a state").code,
        RequestStateCode::Success
    );
    let refused = too_deep.expect_err("129 levels refused");
    assert!(refused.message.contains("deeper than 128"), "{refused:?}");
}

/// A document read as one text (a bare `String` or `bool` answer) is its first text, merged
/// with what follows a comment, CDATA section, processing instruction or document type: the
/// plain lexer, which declines those, must not stop at the text before them (a reviewer's
/// counterexamples).
#[test]
fn a_text_before_markup_the_plain_lexer_declines_reads_as_quick_xml_reads_it() {
    for doc in [
        "a<!--c-->b",
        "a<![CDATA[b]]>",
        "a<?p?>b",
        "a<!DOCTYPE d>b",
        " <![CDATA[x]]>",
        "a&amp;b",
        "a",
        "a<b>",
    ] {
        assert_eq!(
            xml::from_str::<String>(doc),
            xml::from_str_quick::<String>(doc),
            "{doc}"
        );
    }
    for doc in ["1<![CDATA[0]]>", "1<!---->0", "1<?p?>", "0"] {
        assert_eq!(xml::from_str::<bool>(doc), xml::from_str_quick::<bool>(doc), "{doc}");
    }
    assert_eq!(xml::from_str::<String>("a<!--c-->b").as_deref(), Ok("ab"));
}
