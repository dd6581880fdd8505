//! The client over real HTTP on loopback: for every method of the spec, the exact request
//! (path, headers, body, `Sign`) and the decoded result, in XML and in JSON.

use intellectmoney::runtime::{decode_json_as, decode_xml_as, ApiRequest, Format};
use intellectmoney::{blocking, Client, IntellectMoney};
use intellectmoney_tests::server::{Answer, Received, Server};
use intellectmoney_tests::wiki::{self, Visitor};
use intellectmoney_tests::{example, golden_sign, payout_version, version_for};

const SECRET: &str = "s3cr3t";
const BEARER: &str = "bearer-t0ken";

/// The example answer of a method in a format, wrapped in the envelope when the wiki shows the
/// result alone.
fn example_answer(api: &str, method: &str, format: Format) -> String {
    match format {
        Format::Xml => {
            let text = example(&format!("{api}/{method}.response.xml"));
            let body = text.trim_start_matches('\u{feff}');
            let body = match body.find("?>") {
                Some(i) if body.starts_with("<?xml") => &body[i + 2..],
                _ => body,
            }
            .trim();
            let root = &body[1..body.find([' ', '>']).unwrap()];
            if root == "Response" {
                text
            } else {
                let inner = &body[body.find('>').unwrap() + 1..body.rfind("</").unwrap()];
                format!("<Response><OperationState><Code>0</Code></OperationState><Result>{inner}</Result></Response>")
            }
        }
        Format::Json => {
            let text = example(&format!("{api}/{method}.response.json"));
            if text.contains("\"OperationState\"") {
                text
            } else {
                format!("{{\"OperationState\":{{\"Code\":0}},\"Result\":{text}}}")
            }
        }
    }
}

/// The request body of the example, as the client must send it.
fn example_body(api: &str, method: &str) -> String {
    if api == "personal" {
        example(&format!("personal/{method}.request.form"))
    } else {
        example(&format!("payout/{method}.request.json"))
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("")
            .replace("\": ", "\":")
    }
}

struct OverTheWire {
    format: Format,
    /// `api::method` of the methods whose example answers in the format asked (from the spec).
    answerable: Vec<String>,
    checked: Vec<String>,
}

impl Visitor for OverTheWire {
    fn visit<R>(&mut self, api: &str, token: Option<&'static str>, request: R)
    where
        R: ApiRequest<Api = intellectmoney::IntellectMoney> + Send + Sync,
        R::Output: PartialEq + std::fmt::Debug,
    {
        let name = R::METHOD.name;
        if !self.answerable.contains(&format!("{api}::{name}")) {
            return; // the wiki answers it in the other format only: checked in that one
        }
        // An API answers in the format the spec lists for it (the Payout API: JSON only).
        let answered = intellectmoney_tests::answered_format(api, self.format);
        let answer_body = example_answer(api, name, answered);
        let server = Server::start(move |req: &Received, _| {
            // The server answers in the format the request asks for, as IntellectMoney does.
            let json = matches!(req.header("accept"), Some("text/json" | "application/json"));
            assert_eq!(json, answered == Format::Json, "Accept header");
            if json {
                Answer::json(answer_body.clone())
            } else {
                Answer::xml(answer_body.clone())
            }
        });
        let version = version_for(R::METHOD);
        let mut builder = Client::builder()
            .base_url(server.url())
            .format(self.format)
            .bearer_token(BEARER)
            .sign_secret(SECRET);
        if let Some(v) = version {
            builder = builder.api_version(payout_version(v));
        }
        if let Some(t) = token {
            builder = builder.user_token(t);
        }
        let client = blocking::Client::new(builder).unwrap();
        let reply = client
            .block_on(client.inner().send(&request))
            .unwrap_or_else(|e| panic!("{name}: {e}"));

        let received = server.received();
        assert_eq!(received.len(), 1, "{name}: requests sent");
        let req = &received[0];
        assert_eq!(req.method, "POST", "{name}");
        assert_eq!(req.path, R::METHOD.path, "{name}: path");
        assert_eq!(req.body_text(), example_body(api, name), "{name}: body");
        let content_type = if api == "personal" {
            "application/x-www-form-urlencoded; charset=utf-8"
        } else {
            "application/json"
        };
        assert_eq!(req.header("content-type"), Some(content_type), "{name}: Content-Type");
        assert!(intellectmoney::USER_AGENT.starts_with("intellectmoney/"));
        assert_eq!(
            req.header("user-agent"),
            Some(intellectmoney::USER_AGENT),
            "{name}: User-Agent"
        );
        match golden_sign(name, version).map(|(_, hash)| hash) {
            Some(hash) => {
                assert_eq!(req.header("sign"), Some(hash.as_str()), "{name}: Sign");
                let bearer = format!("Bearer {BEARER}");
                assert_eq!(
                    req.header("authorization"),
                    Some(bearer.as_str()),
                    "{name}: Authorization"
                );
            }
            None => {
                assert_eq!(req.header("sign"), None, "{name}: unsigned");
                assert_eq!(
                    req.header("authorization"),
                    None,
                    "{name}: no bearer without a template"
                );
            }
        }

        // The result equals the example decoded on its own (its values are asserted in
        // examples.rs).
        let body = example_answer(api, name, answered);
        let expected: intellectmoney::common::Response<R::Output> = match answered {
            Format::Xml => decode_xml_as::<IntellectMoney, _>(name, &body).unwrap(),
            Format::Json => decode_json_as::<IntellectMoney, _>(name, &body).unwrap(),
        };
        assert_eq!(Some(reply.result), expected.result, "{name}: result");
        assert_eq!(reply.operation_id, expected.operation_id, "{name}: OperationId");
        assert_eq!(reply.warning, None, "{name}: warning");
        self.checked.push(format!("{api}::{name}"));
    }
}

fn every_method(format: Format) -> Vec<String> {
    let mut v = OverTheWire {
        format,
        answerable: intellectmoney_tests::methods_answered_in(format),
        checked: Vec::new(),
    };
    wiki::personal_requests(&mut v);
    wiki::payout_requests(&mut v);
    v.checked
}

/// Every method checked over the wire in `format`, sorted, against the spec's methods that have
/// an example answering in it: a failure names the methods missing or extra.
fn assert_every_method(format: Format) {
    let mut checked = every_method(format);
    checked.sort();
    let want = intellectmoney_tests::methods_answered_in(format);
    assert!(!want.is_empty());
    assert_eq!(
        checked, want,
        "{format:?}: checked over the wire (left), the spec's methods with such an example (right)"
    );
}

#[test]
fn every_method_over_the_wire_in_xml() {
    assert_every_method(Format::Xml);
}

#[test]
fn every_method_over_the_wire_in_json() {
    assert_every_method(Format::Json);
}

/// A method the spec does not have, described by hand.
static GET_SOMETHING_NEW: intellectmoney::runtime::MethodInfo = intellectmoney::runtime::MethodInfo {
    name: "getSomethingNew",
    api: "personal",
    path: "/personal/x/getSomethingNew",
    body: intellectmoney::runtime::BodyFormat::Form,
    content_type: "application/x-www-form-urlencoded; charset=utf-8",
    responses: &[
        intellectmoney::runtime::ResponseFormat {
            format: Format::Xml,
            accept: None,
        },
        intellectmoney::runtime::ResponseFormat {
            format: Format::Json,
            accept: Some("text/json"),
        },
    ],
    auth: intellectmoney::runtime::Auth::UserToken,
    effect: intellectmoney::runtime::Effect::Read,
    sign: &[intellectmoney::runtime::SignTemplate {
        version: None,
        slots: &[
            intellectmoney::runtime::SignSlot::Param("UserToken"),
            intellectmoney::runtime::SignSlot::Param("EshopId"),
            intellectmoney::runtime::SignSlot::Empty,
            intellectmoney::runtime::SignSlot::Secret,
        ],
    }],
    version: None,
    sign_required: false,
    deprecated: false,
};

#[tokio::test]
async fn a_raw_request_reuses_session_signing_and_envelope() {
    let server = Server::always(Answer::json(
        "{\"OperationState\":{\"Code\":0},\"Result\":{\"State\":{\"Code\":1,\"Desc\":\"careful\"},\"UserToken\":\"x\"}}",
    ));
    let client = Client::builder()
        .base_url(server.url())
        .format(Format::Json)
        .user_token("raw+tok")
        .bearer_token(BEARER)
        .sign_secret(SECRET)
        .build()
        .unwrap();
    let request = intellectmoney::RawRequest::new(&GET_SOMETHING_NEW)
        .user_token("UserToken")
        .literal("EshopId", "450063");
    let reply: intellectmoney::Reply<intellectmoney::personal::UserTokenData> = client.raw(&request).await.unwrap();
    assert_eq!(reply.warning.as_deref(), Some("careful"));
    let sent = server.received();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/personal/x/getSomethingNew");
    assert_eq!(sent[0].body_text(), "UserToken=raw%2Btok&EshopId=450063");
    assert_eq!(sent[0].header("accept"), Some("text/json"));
    // printf '%s' 'raw+tok::450063::::s3cr3t' | sha256sum
    assert_eq!(
        sent[0].header("sign"),
        Some("a8c424a61bc2bfcfa250fd49bf00d4afcdea80b40f5b405e59cd40a66f98bbae")
    );
    assert_eq!(sent[0].header("authorization"), Some("Bearer bearer-t0ken"));
}
