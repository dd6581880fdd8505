//! The bad-input catalogue: answers a client meets in the wild, each with the error kind it must
//! give (or the value it must read). None panics, none hangs: bodies are bounded and every case
//! runs under a timeout.

use intellectmoney::personal::{GetInvoicesHistory, InvoiceState};
use intellectmoney::runtime::Format;
use intellectmoney::{Client, Error, RetryPolicy};
use intellectmoney_tests::example;
use intellectmoney_tests::server::{Answer, Server};
use std::time::Duration;

/// What a case must give.
enum Expect {
    /// `Error::kind()` of the error.
    Kind(&'static str),
    /// A successful reply, checked by the function.
    Ok(fn(&intellectmoney::personal::InvoicesHistoryList)),
}

struct Case {
    name: &'static str,
    format: Format,
    answer: Answer,
    expect: Expect,
}

fn xml(body: impl Into<String>) -> Answer {
    Answer::xml(body)
}

fn json(body: impl Into<String>) -> Answer {
    Answer::json(body)
}

fn status(code: u16, content_type: &str, body: &str) -> Answer {
    Answer::Http {
        status: code,
        content_type: content_type.into(),
        body: body.into(),
    }
}

fn envelope_xml(result: &str) -> String {
    format!("<Response><OperationState><Code>0</Code></OperationState><Result><State><Code>0</Code></State>{result}</Result></Response>")
}

fn invoice_xml(fields: &str) -> String {
    envelope_xml(&format!(
        "<InvoicesHistoryList><InvoiceData>{fields}</InvoiceData></InvoicesHistoryList>"
    ))
}

fn cases() -> Vec<Case> {
    let good = example("personal/getInvoicesHistory.response.xml");
    let good_json = example("personal/getInvoicesHistory.response.json");
    let html = "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Server Error</h1></body></html>";
    let nested = format!(
        "<Response><OperationState><Code>0</Code></OperationState><Result>{}{}</Result></Response>",
        "<a>".repeat(50_000),
        "</a>".repeat(50_000)
    );
    let nested_json = format!(
        "{{\"OperationState\":{{\"Code\":0}},\"Result\":{{\"X\":{}1{}}}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let nested_state = format!(
        "<Response><OperationState><Code>0</Code></OperationState><Result><State>{}{}</State></Result></Response>",
        "<a>".repeat(50_000),
        "</a>".repeat(50_000)
    );
    let nested_state_json = format!(
        "{{\"OperationState\":{{\"Code\":0}},\"Result\":{{\"State\":{}1{}}}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let huge = format!("{}{}", envelope_xml("<InvoicesHistoryList>"), " ".repeat(50 << 20));
    let c = |name, format, answer, expect| Case {
        name,
        format,
        answer,
        expect,
    };
    use Expect::{Kind, Ok as Good};
    use Format::{Json as J, Xml as X};
    vec![
        c("truncated XML", X, xml(&good[..good.len() / 2]), Kind("decode")),
        c("truncated JSON", J, json(&good_json[..good_json.len() / 2]), Kind("decode")),
        c("HTML error page with 200", X, status(200, "text/html", html), Kind("decode")),
        c("HTML error page with 502", X, status(502, "text/html", html), Kind("status")),
        c("JSON where XML was asked", X, json(good_json.clone()), Kind("decode")),
        c("XML where JSON was asked", J, xml(good.clone()), Kind("decode")),
        c("empty body", X, xml(""), Kind("decode")),
        c("204 with no body", X, status(204, "text/xml", ""), Kind("decode")),
        c(
            "invalid UTF-8",
            X,
            // windows-1251 «Платеж» inside an otherwise UTF-8 answer.
            Answer::Bytes([envelope_xml("<Desc>").as_bytes(), b"\xcf\xeb\xe0\xf2\xe5\xe6", b"</Desc>"].concat()),
            Kind("decode"),
        ),
        c("a NUL byte", X, xml(invoice_xml("<Id>1\u{0}</Id>")), Kind("decode")),
        c(
            "a byte-order mark before the XML",
            X,
            xml(format!("\u{feff}{good}")),
            Good(|r| assert_eq!(r.invoices_history_list[0].id, Some(3930949846))),
        ),
        c(
            "a byte-order mark before the JSON",
            J,
            json(format!("\u{feff}{good_json}")),
            Good(|r| assert_eq!(r.invoices_history_list[0].id, Some(3930949846))),
        ),
        c(
            "unknown enum values everywhere",
            X,
            xml(invoice_xml("<Id>1</Id><State>Frozen</State>")),
            Good(|r| assert_eq!(r.invoices_history_list[0].state, Some(InvoiceState::Unknown("Frozen".into())))),
        ),
        c(
            "xsi:nil on a required field",
            X,
            xml("<Response xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><OperationState><Code xsi:nil=\"true\" /></OperationState></Response>"),
            Kind("decode"),
        ),
        c("a number too large", X, xml(invoice_xml("<Id>99999999999999999999999</Id>")), Kind("decode")),
        c("an amount with a comma", X, xml(invoice_xml("<Amount><Amount>11,00</Amount></Amount>")), Kind("decode")),
        c("a date in an unknown shape", X, xml(invoice_xml("<CreationDate>15/07/2017</CreationDate>")), Kind("decode")),
        c(
            "no Result with code 0",
            X,
            xml("<Response><OperationState><Code>0</Code></OperationState></Response>"),
            Kind("decode"),
        ),
        c(
            "Result.State.Code 2",
            X,
            xml("<Response><OperationState><Code>0</Code></OperationState><Result><State><Code>2</Code></State></Result></Response>"),
            Kind("rejected"),
        ),
        c(
            "an unknown OperationState code",
            X,
            xml("<Response><OperationState><Code>7</Code></OperationState></Response>"),
            Kind("refused"),
        ),
        // Unknown elements are ignored (the documented rule), however deep: no stack overflow.
        c(
            "deeply nested XML garbage in an unknown element",
            X,
            xml(nested),
            Good(|r| assert!(r.invoices_history_list.is_empty())),
        ),
        c(
            "deeply nested JSON garbage in an unknown member",
            J,
            json(nested_json),
            Good(|r| assert!(r.invoices_history_list.is_empty())),
        ),
        c("deeply nested XML garbage in place of a field", X, xml(nested_state), Kind("decode")),
        c("deeply nested JSON garbage in place of a field", J, json(nested_state_json), Kind("decode")),
        c("a 50 MB body", X, xml(huge), Kind("too large")),
        c("a JSON array instead of an object", J, json("[1,2,3]"), Kind("decode")),
        c("the wrong root element", X, xml("<Html><Body>Hello</Body></Html>"), Kind("decode")),
        c(
            "an entity expansion bomb",
            X,
            xml("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Response><OperationState><Code>0</Code><Desc>&b;</Desc></OperationState></Response>"),
            Kind("decode"),
        ),
        c("a redirect", X, status(302, "text/html", "<a href=\"/elsewhere\">moved</a>"), Kind("status")),
        c("a body cut off mid-transfer", X, Answer::Truncated { body: good.clone(), sent: 300 }, Kind("transport")),
        c(
            "a body slower than the timeout",
            X,
            Answer::Delay(Duration::from_secs(3), Box::new(xml(good.clone()))),
            Kind("transport"),
        ),
        c(
            "numbers sent as strings in JSON",
            J,
            json("{\"OperationState\":{\"Code\":\"0\"},\"Result\":{\"State\":{\"Code\":\"0\"},\"InvoicesHistoryList\":[{\"Id\":\"5\"}]}}"),
            Good(|r| assert_eq!(r.invoices_history_list[0].id, Some(5))),
        ),
    ]
}

#[tokio::test]
async fn every_bad_answer_gives_its_documented_outcome() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for case in cases {
        let server = Server::always(case.answer);
        let client = Client::builder()
            .base_url(server.url())
            .format(case.format)
            .user_token("t")
            .timeout(Duration::from_millis(500))
            .retry(RetryPolicy::never())
            .build()
            .unwrap();
        let call = client.get_invoices_history(GetInvoicesHistory::new(10));
        let result = match tokio::time::timeout(Duration::from_secs(10), call).await {
            Ok(r) => r,
            Err(_) => {
                failures.push(format!("{}: hung", case.name));
                continue;
            }
        };
        match (case.expect, result) {
            (Expect::Kind(kind), Err(e)) if e.kind() == kind => {
                // The error reads as one line naming the method.
                let shown = e.to_string();
                if !shown.contains("getInvoicesHistory") {
                    failures.push(format!("{}: `{shown}` does not name the method", case.name));
                }
            }
            (Expect::Ok(check), Ok(reply)) => check(&reply.result),
            (Expect::Kind(kind), other) => failures.push(format!("{}: expected {kind}, got {other:?}", case.name)),
            (Expect::Ok(_), Err(e)) => failures.push(format!("{}: expected a reply, got {e:?}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_body_limit_is_configurable_and_checked_against_the_declared_length() {
    let server = Server::always(xml(example("personal/getInvoicesHistory.response.xml")));
    let client = Client::builder()
        .base_url(server.url())
        .user_token("t")
        .max_body_size(100)
        .build()
        .unwrap();
    let e = client
        .get_invoices_history(GetInvoicesHistory::new(10))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooLarge { limit: 100, .. }), "{e:?}");
    assert_eq!(e.to_string(), "getInvoicesHistory: the answer is larger than 100 bytes");
}

#[tokio::test]
async fn invalid_utf8_is_named_as_such() {
    let server = Server::always(Answer::Bytes(
        [envelope_xml("<Desc>").as_bytes(), b"\xcf\xeb\xe0", b"</Desc>"].concat(),
    ));
    let client = Client::builder()
        .base_url(server.url())
        .user_token("t")
        .build()
        .unwrap();
    match client.get_invoices_history(GetInvoicesHistory::new(10)).await {
        Err(Error::Decode(d)) => assert!(d.message.starts_with("the body is not UTF-8"), "{d}"),
        other => panic!("{other:?}"),
    }
}
