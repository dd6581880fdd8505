//! A full session — login, an expired token renewed, a signed payout, failures — with every
//! `Debug` and `Display` text and all tracing output captured: none of the secrets shows.

use intellectmoney::payout::{CreateOperation, PreferenceType};
use intellectmoney::personal::{GetEshopInfo, GetInvoicesHistory, GetUserToken};
use intellectmoney::{Client, RetryPolicy};
use intellectmoney_tests::capture::Capture;
use intellectmoney_tests::server::{Answer, Received, Server};
use intellectmoney_tests::wiki::dec;

const PASSWORD: &str = "PASSWORD-s3cr3t";
const TOKEN_OLD: &str = "OLDTOKEN+s3cr3t/=";
const TOKEN_NEW: &str = "NEWTOKEN+s3cr3t/=";
const BEARER: &str = "BEARER-s3cr3t";
const SIGN: &str = "SIGN-s3cr3t";
const PAN: &str = "4111111111111111";

fn envelope(result: &str) -> String {
    format!("<Response><OperationState><Code>0</Code></OperationState><Result>{result}</Result></Response>")
}

#[tokio::test]
async fn no_secret_in_debug_errors_or_traces() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.subscriber());

    let server = Server::start(|req: &Received, _| match req.path.as_str() {
        "/personal/user/getUserToken" => Answer::xml(envelope(&format!(
            "<State><Code>0</Code></State><UserToken>{TOKEN_NEW}</UserToken>"
        ))),
        "/personal/payment/getInvoicesHistory" if req.body_text().contains("OLDTOKEN") => Answer::xml(envelope(
            "<State><Code>2</Code><Desc>Аутентификация не пройдена</Desc></State>",
        )),
        "/personal/payment/getInvoicesHistory" => {
            // A broken answer that echoes the token: the decode error must mask it.
            Answer::xml(envelope(&format!(
                "<State><Code>0</Code></State><UserToken>{TOKEN_NEW}</UserToken><InvoicesHistoryList><InvoiceData><Id>x</Id></InvoiceData></InvoicesHistoryList>"
            )))
        }
        // Not XML at all, echoing the form body: the decode error must mask the pair.
        p if p.ends_with("getEshopInfo") => Answer::xml(format!("bad request: {}", req.body_text())),
        _ => Answer::Http {
            status: 500,
            content_type: "text/plain".into(),
            body: format!("failed for UserToken={TOKEN_NEW}"),
        },
    });
    let builder = Client::builder()
        .base_url(server.url())
        .credentials("merchant@example.com", PASSWORD)
        .user_token(TOKEN_OLD)
        .bearer_token(BEARER)
        .sign_secret(SIGN)
        .retry(RetryPolicy::never());
    let mut shown = format!("{builder:?}\n");
    let client = builder.build().unwrap();
    shown += &format!("{client:?}\n");

    let request = GetInvoicesHistory::new(10);
    let e = client.get_invoices_history(request).await.unwrap_err();
    shown += &format!("{e}\n{e:?}\n");
    assert!(matches!(e, intellectmoney::Error::Decode(_)), "{e:?}");

    let payout = CreateOperation::new(
        PreferenceType::OutBankCard,
        dec("50.00"),
        intellectmoney::personal::Currency::Rub,
        "Иванов Иван",
    )
    .pan(PAN);
    shown += &format!("{payout:?}\n");
    let e = client.create_operation(payout).await.unwrap_err();
    shown += &format!("{e}\n{e:?}\n{client:?}\n");
    shown += &format!("{:?}\n", GetUserToken::new("merchant@example.com", PASSWORD));
    let e = client.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(matches!(e, intellectmoney::Error::Decode(_)), "{e:?}");
    assert!(e.to_string().contains("UserToken=[redacted]&Take=3"), "{e}");
    shown += &format!("{e}\n{e:?}\n");

    let traces = capture.text();
    assert!(
        traces.contains("getInvoicesHistory"),
        "the spans are captured:\n{traces}"
    );
    assert!(traces.contains("outcome"), "{traces}");
    let everything = format!("{shown}\n{traces}");
    // The requests really carried the secrets, so their absence above means something.
    let sent: Vec<String> = server
        .received()
        .iter()
        .map(|r| format!("{:?} {}", r.headers, r.body_text()))
        .collect();
    assert!(sent.iter().any(|s| s.contains("PASSWORD-s3cr3t")));
    assert!(sent.iter().any(|s| s.contains("Bearer BEARER-s3cr3t")));
    for secret in [
        PASSWORD, "OLDTOKEN", "NEWTOKEN", BEARER, SIGN, PAN, "41111111", "s3cr3t",
    ] {
        assert!(!everything.contains(secret), "`{secret}` shows in:\n{everything}");
    }
}

/// A read refused with a 5xx whose body quotes a card number the client was never given, past
/// where the error's snippet is cut: the number is masked before the cut, so neither the error
/// nor the retry's log shows its leading digits.
#[tokio::test]
async fn a_card_number_cut_by_the_snippet_is_masked_before_the_cut() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.subscriber());
    let server = Server::start(|_: &Received, _| Answer::Http {
        status: 503,
        content_type: "text/plain".into(),
        body: format!("{} card 5555555555554444 declined", "x".repeat(185)),
    });
    let retry = RetryPolicy {
        max_retries: 1,
        min_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(2),
    };
    let client = Client::builder()
        .base_url(server.url())
        .user_token(TOKEN_OLD)
        .retry(retry)
        .build()
        .unwrap();
    let e = client.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(matches!(e, intellectmoney::Error::Status { status: 503, .. }), "{e:?}");
    let traces = capture.text();
    assert!(traces.contains("retrying a read-only call"), "{traces}");
    let everything = format!("{e}\n{e:?}\n{traces}");
    assert!(
        everything.contains("card 555555*"),
        "the snippet reaches the card: {everything}"
    );
    assert!(!everything.contains("5555555"), "{everything}");
}
