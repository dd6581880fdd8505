//! A hostile server (or a proxy's error page) on loopback that echoes the request back, in every
//! form it may take — as sent, percent-encoded in either case, HTML-escaped, JSON-escaped, the
//! card number in groups — in a 2xx body that does not decode, a 4xx/5xx page, and the API's own
//! `Desc`: no secret the call carried (UserToken, password, card number, bearer token, sign
//! secret) reaches the error's `Display`, `Debug`, or its fields. Terminal control characters in
//! the server's text are shown escaped.

use intellectmoney::payout::{CreateOperation, PreferenceType};
use intellectmoney::personal::{Currency, GetEshopInfo, GetUserToken};
use intellectmoney::{Client, Error, RetryPolicy};
use intellectmoney_tests::server::{Answer, Received, Server};
use intellectmoney_tests::wiki::dec;

const TOKEN: &str = "TOKEN+s3cr3t/=x";
const PASSWORD: &str = "pass<&>'word";
const PAN: &str = "4111111111111111";
const BEARER: &str = "BEARER-s3cr3t";
const SIGN: &str = "SIGN-s3cr3t";

/// Every way the request is echoed: (name, the echo of the body and headers).
fn echoes(req: &Received) -> Vec<(&'static str, String)> {
    let body = req.body_text();
    let headers = format!(
        "Authorization: {}; Sign: {}",
        req.header("authorization").unwrap_or_default(),
        req.header("sign").unwrap_or_default()
    );
    let decoded: String = form_decode(&body);
    let all = format!("{body} {decoded} {headers}");
    vec![
        ("as sent", all.clone()),
        ("lowercase percent-encoding", lower_hex(&all)),
        ("HTML-escaped", html(&all)),
        ("JSON-escaped", serde_json::to_string(&all).unwrap()),
        (
            "JSON with \\/",
            serde_json::to_string(&all).unwrap().replace('/', "\\/"),
        ),
        ("card in groups", format!("card {} {all}", grouped_pan(&body))),
    ]
}

/// The card number the request carried, written in groups of four (empty when it carried none).
fn grouped_pan(body: &str) -> String {
    let Some(at) = body.find("\"Pan\":\"") else {
        return String::new();
    };
    let digits: String = body[at + 7..].chars().take_while(char::is_ascii_digit).collect();
    digits
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

fn form_decode(body: &str) -> String {
    if body.trim_start().starts_with('{') {
        return body.to_owned();
    }
    form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Form encoding with lowercase hex digits, written out byte by byte (apart from the client's
/// own encoder and its redaction, which these cases test).
fn lower_hex(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => char::from(b).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02x}"),
        })
        .collect()
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// How the answer carries the echo.
#[derive(Clone, Copy, Debug)]
enum Carrier {
    /// A 200 that is not the envelope.
    Undecodable,
    /// A 500 page.
    ServerError,
    /// The envelope refusing the call, its `Desc` quoting the request.
    RefusedDesc,
}

fn answer(carrier: Carrier, echo: &str, json: bool) -> Answer {
    match carrier {
        Carrier::Undecodable if json => Answer::json(format!("{{\"error\": \"{}\"}}", echo.replace('"', "'"))),
        Carrier::Undecodable => Answer::xml(format!("<html><body>{echo}</body></html>")),
        Carrier::ServerError => Answer::Http {
            status: 500,
            content_type: "text/html".into(),
            body: format!("<p>failed: {echo}</p>"),
        },
        Carrier::RefusedDesc if json => {
            Answer::json(serde_json::json!({"OperationState": {"Code": 2, "Desc": echo}}).to_string())
        }
        Carrier::RefusedDesc => Answer::xml(format!(
            "<Response><OperationState><Code>2</Code><Desc>{}</Desc></OperationState></Response>",
            html(echo)
        )),
    }
}

fn client(server: &Server) -> Client {
    Client::builder()
        .base_url(server.url())
        .user_token(TOKEN)
        .bearer_token(BEARER)
        .sign_secret(SIGN)
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}

fn assert_clean(what: &str, e: &Error) {
    let mut shown = format!("{e}\n{e:?}\n");
    match e {
        Error::Decode(d) => shown += &format!("{}\n{}\n", d.body, d.message),
        Error::Status { snippet, .. } => shown += snippet,
        Error::Refused { desc, .. } | Error::Rejected { desc, .. } => shown += desc.as_deref().unwrap_or_default(),
        _ => {}
    }
    for secret in [
        TOKEN,
        PASSWORD,
        PAN,
        BEARER,
        SIGN,
        "s3cr3t",
        "1111 1111",
        "pass&lt;",
        "pass%3c",
        "pass%3C",
    ] {
        assert!(!shown.contains(secret), "{what}: `{secret}` shows in:\n{shown}");
    }
}

#[tokio::test]
async fn echoed_secrets_never_reach_an_error() {
    let mut checked = 0;
    for carrier in [Carrier::Undecodable, Carrier::ServerError, Carrier::RefusedDesc] {
        for (i, name) in [
            "as sent",
            "lowercase percent-encoding",
            "HTML-escaped",
            "JSON-escaped",
            "JSON with \\/",
            "card in groups",
        ]
        .iter()
        .enumerate()
        {
            let server = Server::start(move |req: &Received, _| {
                let json = req.path.contains("payout");
                answer(carrier, &echoes(req)[i].1, json)
            });
            let c = client(&server);
            let what = format!("{carrier:?} / {name}");
            let e = c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
            assert_clean(&format!("getEshopInfo: {what}"), &e);
            let payout =
                CreateOperation::new(PreferenceType::OutBankCard, dec("50.00"), Currency::Rub, "Иванов Иван").pan(PAN);
            let e = c.create_operation(payout).await.unwrap_err();
            assert_clean(&format!("CreateOperation: {what}"), &e);
            let e = c
                .get_user_token(GetUserToken::new("merchant@example.com", PASSWORD))
                .await
                .unwrap_err();
            assert_clean(&format!("getUserToken: {what}"), &e);
            checked += 3;
        }
    }
    assert_eq!(checked, 3 * 6 * 3);
}

#[tokio::test]
async fn control_characters_in_server_text_are_escaped() {
    let server = Server::always(Answer::xml(
        "<Response><OperationState><Code>2</Code><Desc>bad\u{1b}[2J\u{7}\rfake prompt$ </Desc></OperationState></Response>",
    ));
    let e = client(&server).get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    let shown = e.to_string();
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    // (XML reads the carriage return as a line break: either way it is escaped.)
    assert!(shown.contains("bad\\u{1b}[2J\\u{7}\\nfake prompt$"), "{shown}");
    let server = Server::always(Answer::Http {
        status: 502,
        content_type: "text/plain".into(),
        body: "gateway\u{1b}]0;owned\u{7}".into(),
    });
    let e = client(&server).get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(!e.to_string().chars().any(char::is_control), "{e}");
}

#[tokio::test]
async fn a_call_ends_at_its_deadline_retries_included() {
    // A read is retried on timeouts; each attempt could wait 60 s. The deadline bounds them all.
    let server = Server::always(Answer::Delay(
        std::time::Duration::from_secs(30),
        Box::new(Answer::xml("<Response/>")),
    ));
    let client = Client::builder()
        .base_url(server.url())
        .user_token("t")
        .deadline(std::time::Duration::from_millis(500))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = client.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    eprintln!(
        "a read with a deadline of 500 ms against a server that never answers: {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            e,
            Error::Deadline {
                method: "getEshopInfo",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// The wiki's getEshopInfo answer with `edit` applied to its XML.
fn eshop_answer(edit: impl Fn(String) -> String) -> Answer {
    Answer::xml(edit(intellectmoney_tests::example(
        "personal/getEshopInfo.response.xml",
    )))
}

#[tokio::test]
async fn xml_must_be_one_response_element_and_nothing_after() {
    let cases: Vec<(&str, Answer, &str)> = vec![
        (
            "trailing garbage",
            eshop_answer(|x| format!("{x}garbage")),
            "content after the root element",
        ),
        (
            "a second root",
            eshop_answer(|x| format!("{x}{x}")),
            "a second root element",
        ),
        (
            "another root",
            eshop_answer(|x| x.replace("<Response", "<Answer").replace("</Response>", "</Answer>")),
            "root element is `<Answer>`, not `<Response>`",
        ),
    ];
    for (what, answer, message) in cases {
        let server = Server::always(answer);
        let e = client(&server).get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{what}: {e:?}");
        assert!(e.to_string().contains(message), "{what}: {e}");
    }
    // The untouched answer still decodes, with a comment after it.
    let server = Server::always(eshop_answer(|x| format!("{x}\n<!-- served by the test -->\n")));
    client(&server).get_eshop_info(GetEshopInfo::new(3)).await.unwrap();
}

/// getAccountData's wiki answer in JSON with its `Balance` (`4.6800`) written as `balance`,
/// as a client of this crate reads it over loopback.
async fn account_with_balance(
    balance: &str,
) -> Result<intellectmoney::Reply<intellectmoney::api::personal::AccountInfoData>, Error> {
    let json = intellectmoney_tests::example("personal/getAccountData.response.json");
    assert!(json.contains("\"Balance\": 4.6800"));
    let server = Server::always(Answer::json(
        json.replace("\"Balance\": 4.6800", &format!("\"Balance\": {balance}")),
    ));
    let c = Client::builder()
        .base_url(server.url())
        .format(intellectmoney::Format::Json)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    c.get_account_data(intellectmoney::personal::GetAccountData::new(6111111111))
        .await
}

#[tokio::test]
async fn a_decimal_this_client_cannot_hold_exactly_is_refused_not_rounded() {
    // 29 places: `Decimal` holds 28, and would round the last one away.
    let e = account_with_balance("0.12345678901234567890123456789")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a decimal this client holds exactly"), "{e}");
}

#[tokio::test]
async fn a_scalar_nested_deep_in_its_object_form_is_refused_not_a_crash() {
    // `{"$text": …}` is how a scalar's XML carrier looks in JSON; each level is read again from
    // its raw text, and a megabyte of them overflowed the stack (the process aborted).
    let nested = |levels: usize| format!("{}4.6800{}", r#"{"$text":"#.repeat(levels), "}".repeat(levels));
    // Within the bound (8 levels) the value reads as it would bare.
    let read = account_with_balance(&nested(8)).await.unwrap();
    assert_eq!(read.result.balance, Some(dec("4.6800")));
    for levels in [9, 100_000] {
        let e = account_with_balance(&nested(levels)).await.unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{levels}: {e:?}");
        assert!(e.to_string().contains("nests deeper than 8 levels"), "{levels}: {e}");
    }
    // A refusal leaves the depth as it found it: the bound is whole for the next answer.
    let read = account_with_balance(&nested(8)).await.unwrap();
    assert_eq!(read.result.balance, Some(dec("4.6800")));
}
