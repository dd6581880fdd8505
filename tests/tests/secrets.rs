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
