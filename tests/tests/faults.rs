//! Every kind of failure, provoked for real over loopback: refused connection, timeout, 500
//! with an HTML page, bursts of 5xx, a body that breaks off, is reset or trickles past the
//! timeout, the API refusing, the request queued, a warning, and an expired UserToken renewed
//! once. Calls that write or move money are never sent twice.

use intellectmoney::common::{RequestStateCode, ServiceOperationState};
use intellectmoney::payout::PayoutOperationData;
use intellectmoney::personal::{GetInvoicesHistory, InvoicesHistoryList};
use intellectmoney::runtime::Uuid;
use intellectmoney::{Client, ClientBuilder, Error, Reply, RetryPolicy, TransportKind};
use intellectmoney_tests::server::{Answer, Received, Server};
use intellectmoney_tests::wiki::card_payout;
use std::time::Duration;

const OP: &str = "f2c33a48-17a5-4b8c-9d1b-33d1e7bd1a01";

fn envelope(code: u8, desc: &str, result: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Response><OperationState><Code>{code}</Code><Desc>{desc}</Desc></OperationState><OperationId>{OP}</OperationId><Result>{result}</Result></Response>"
    )
}

fn invoices(state: u8, desc: &str) -> String {
    envelope(
        0,
        "Успешно обработана",
        &format!("<State><Code>{state}</Code><Desc>{desc}</Desc></State><InvoicesHistoryList />"),
    )
}

const HTML_500: &str = "<html><body><h1>500 Internal Server Error</h1></body></html>";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    }
}

fn client(server: &Server) -> ClientBuilder {
    Client::builder()
        .base_url(server.url())
        .user_token("tok+en/1=")
        .bearer_token("bearer")
        .sign_secret("s3cr3t")
        .timeout(Duration::from_millis(300))
        .retry(fast_retries())
}

/// getInvoicesHistory (a read) through the test client.
async fn read_invoices(server: &Server) -> Result<Reply<InvoicesHistoryList>, Error> {
    client(server)
        .build()
        .unwrap()
        .get_invoices_history(GetInvoicesHistory::new(10))
        .await
}

/// A CreateOperation payout through the test client.
async fn pay(server: &Server) -> Result<Reply<PayoutOperationData>, Error> {
    client(server).build().unwrap().create_operation(card_payout()).await
}

/// A payout answer in JSON (the Payout API answers in JSON).
fn payout_answer() -> Answer {
    Answer::json(format!(
        "{{\"OperationState\":{{\"Code\":0}},\"OperationId\":\"{OP}\",\"Result\":{{\"State\":{{\"Code\":0}},\"PayoutOperationId\":\"{OP}\"}}}}"
    ))
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .user_token("t")
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let e = client
        .get_invoices_history(GetInvoicesHistory::new(10))
        .await
        .unwrap_err();
    match &e {
        Error::Transport { method, kind, .. } => {
            assert_eq!(*method, "getInvoicesHistory");
            assert_eq!(*kind, TransportKind::Connect);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().starts_with("getInvoicesHistory: connection error"), "{e}");
    // The operating system's reason is in the message, not only in `source()`.
    assert!(e.to_string().to_lowercase().contains("refused"), "{e}");
}

#[tokio::test]
async fn a_timeout_is_retried_for_a_read_and_never_for_a_payout() {
    let slow = Answer::Delay(Duration::from_secs(2), Box::new(Answer::xml(invoices(0, ""))));
    let server = Server::always(slow.clone());
    let e = read_invoices(&server).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(server.received().len(), 3, "one attempt and two retries");

    let server = Server::always(slow);
    let e = pay(&server).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(server.received().len(), 1, "a payout is never sent twice");
}

#[tokio::test]
async fn a_500_page_is_a_status_error_with_a_snippet() {
    let page = Answer::Http {
        status: 500,
        content_type: "text/html".into(),
        body: HTML_500.into(),
    };
    let server = Server::always(page.clone());
    let e = read_invoices(&server).await.unwrap_err();
    match &e {
        Error::Status { status, snippet, .. } => {
            assert_eq!(*status, 500);
            assert_eq!(snippet, HTML_500);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received().len(), 3);

    let server = Server::always(page);
    let e = pay(&server).await.unwrap_err();
    assert!(matches!(e, Error::Status { status: 500, .. }), "{e:?}");
    assert_eq!(server.received().len(), 1, "a payout is never sent twice");
}

#[tokio::test]
async fn a_4xx_is_not_retried() {
    let server = Server::always(Answer::Http {
        status: 404,
        content_type: "text/plain".into(),
        body: "not found".into(),
    });
    let e = read_invoices(&server).await.unwrap_err();
    assert!(matches!(e, Error::Status { status: 404, .. }), "{e:?}");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_retry_that_succeeds_returns_the_result() {
    let server = Server::start(|_, i| {
        if i == 0 {
            Answer::Close
        } else {
            Answer::xml(invoices(0, ""))
        }
    });
    let reply = read_invoices(&server).await.unwrap();
    assert!(reply.result.invoices_history_list.is_empty());
    assert_eq!(server.received().len(), 2);
}

/// Runs a read and a payout, each against a fresh server giving `answer` to every request;
/// returns their errors and how many requests each server received.
async fn read_and_pay_under(answer: Answer) -> ((Error, usize), (Error, usize)) {
    let server = Server::always(answer.clone());
    let read = read_invoices(&server).await.unwrap_err();
    let reads = server.received().len();
    let server = Server::always(answer);
    let paid = pay(&server).await.unwrap_err();
    ((read, reads), (paid, server.received().len()))
}

#[tokio::test]
async fn a_body_reset_midway_is_a_body_error_retried_only_for_a_read() {
    let body = invoices(0, "");
    let ((read, reads), (paid, pays)) = read_and_pay_under(Answer::Reset {
        sent: body.len() / 2,
        body,
    })
    .await;
    for e in [&read, &paid] {
        assert!(
            matches!(
                e,
                Error::Transport {
                    kind: TransportKind::Body,
                    ..
                }
            ),
            "{e:?}"
        );
    }
    assert_eq!(reads, 3, "one attempt and two retries");
    assert_eq!(pays, 1, "a payout is never sent twice");
}

#[tokio::test]
async fn a_body_that_trickles_past_the_timeout_is_a_timeout() {
    let body = invoices(0, "");
    // The head and half the body come at once, the rest long after the 300 ms timeout.
    let ((read, reads), (paid, pays)) = read_and_pay_under(Answer::Slow {
        sent: body.len() / 2,
        body,
        pause: Duration::from_secs(2),
    })
    .await;
    for e in [&read, &paid] {
        assert!(
            matches!(
                e,
                Error::Transport {
                    kind: TransportKind::Timeout,
                    ..
                }
            ),
            "{e:?}"
        );
    }
    assert_eq!(reads, 3, "one attempt and two retries");
    assert_eq!(pays, 1, "a payout is never sent twice");
}

/// A server whose first `burst` answers are 5xx (502, 503, 504 in turn), then the invoices.
fn burst_of_5xx(burst: usize) -> Server {
    Server::start(move |_, i| {
        if i < burst {
            Answer::Http {
                status: [502, 503, 504][i % 3],
                content_type: "text/html".into(),
                body: HTML_500.into(),
            }
        } else {
            Answer::xml(invoices(0, ""))
        }
    })
}

#[tokio::test]
async fn a_5xx_burst_is_ridden_out_by_read_retries_within_their_budget() {
    // Two 5xx then success: the two retries of the policy cover it.
    let server = burst_of_5xx(2);
    let reply = read_invoices(&server).await.unwrap();
    assert!(reply.result.invoices_history_list.is_empty());
    assert_eq!(server.received().len(), 3);

    // Three 5xx: the budget is spent; the last status is the error, and nothing more is sent.
    let server = burst_of_5xx(3);
    let e = read_invoices(&server).await.unwrap_err();
    assert!(matches!(e, Error::Status { status: 504, .. }), "{e:?}");
    assert_eq!(server.received().len(), 3);

    // Ten 5xx under a larger budget: every one is retried, the eleventh attempt succeeds.
    let server = burst_of_5xx(10);
    let reply = client(&server)
        .retry(RetryPolicy {
            max_retries: 10,
            ..fast_retries()
        })
        .build()
        .unwrap()
        .get_invoices_history(GetInvoicesHistory::new(10))
        .await
        .unwrap();
    assert!(reply.result.invoices_history_list.is_empty());
    assert_eq!(server.received().len(), 11);

    // A payout meets the first 5xx of a burst and stops there.
    let server = burst_of_5xx(3);
    let e = pay(&server).await.unwrap_err();
    assert!(matches!(e, Error::Status { status: 502, .. }), "{e:?}");
    assert_eq!(server.received().len(), 1, "a payout is never sent twice");
}

#[tokio::test]
async fn a_truncated_body_is_a_body_error() {
    let body = invoices(0, "");
    let cut = Answer::Truncated {
        sent: body.len() / 2,
        body,
    };
    let server = Server::always(cut.clone());
    let e = client(&server)
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
        .get_invoices_history(GetInvoicesHistory::new(10))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: TransportKind::Body,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(server.received().len(), 1);

    let server = Server::always(cut);
    let e = pay(&server).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert_eq!(server.received().len(), 1, "a payout is never sent twice");
}

#[tokio::test]
async fn a_dropped_connection_never_repeats_a_payout() {
    let server = Server::always(Answer::Close);
    let e = pay(&server).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn operation_state_2_is_refused_with_its_text() {
    let server = Server::always(Answer::xml(envelope(2, "Ошибка: неверный EshopId", "")));
    let e = read_invoices(&server).await.unwrap_err();
    match &e {
        Error::Refused {
            code,
            desc,
            operation_id,
            ..
        } => {
            assert_eq!(*code, ServiceOperationState::Failed);
            assert_eq!(desc.as_deref(), Some("Ошибка: неверный EshopId"));
            assert_eq!(*operation_id, Some(Uuid::parse_str(OP).unwrap()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "getInvoicesHistory: refused by IntellectMoney, not processed (OperationState.Code Failed): Ошибка: неверный EshopId"
    );
    assert_eq!(server.received().len(), 1, "an answer is not retried");
}

#[tokio::test]
async fn operation_state_1_is_queued_with_the_operation_id() {
    let server = Server::always(payout_answer_with_code(1));
    let e = pay(&server).await.unwrap_err();
    match e {
        Error::Queued { method, operation_id } => {
            assert_eq!(method, "CreateOperation");
            assert_eq!(operation_id, Some(Uuid::parse_str(OP).unwrap()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received().len(), 1);
}

fn payout_answer_with_code(code: u8) -> Answer {
    Answer::json(format!(
        "{{\"OperationState\":{{\"Code\":{code},\"Desc\":\"В процессе выполнения\"}},\"OperationId\":\"{OP}\"}}"
    ))
}

#[tokio::test]
async fn result_state_1_is_a_warning_beside_the_result() {
    let server = Server::always(Answer::xml(invoices(1, "Параметр Skip проигнорирован")));
    let reply = read_invoices(&server).await.unwrap();
    assert_eq!(reply.warning.as_deref(), Some("Параметр Skip проигнорирован"));
    assert_eq!(reply.operation_id, Some(Uuid::parse_str(OP).unwrap()));
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_call_repeated() {
    // 0: the call with the old token → code 2; 1: getUserToken; 2: the repeat → success.
    let server = Server::start(|req: &Received, i| match (i, req.path.as_str()) {
        (0, "/personal/payment/getInvoicesHistory") => Answer::xml(invoices(2, "Аутентификация не пройдена")),
        (1, "/personal/user/getUserToken") => Answer::xml(envelope(
            0,
            "",
            "<State><Code>0</Code></State><UserToken>NEW+tok/en=</UserToken>",
        )),
        (2, "/personal/payment/getInvoicesHistory") => Answer::xml(invoices(0, "")),
        _ => panic!("unexpected request {i} {}", req.path),
    });
    let client = client(&server)
        .credentials("merchant@example.com", "pa55word")
        .build()
        .unwrap();
    let reply = client.get_invoices_history(GetInvoicesHistory::new(10)).await.unwrap();
    assert_eq!(reply.warning, None);
    let got = server.received();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].body_text(), "UserToken=tok%2Ben%2F1%3D&Take=10");
    assert_eq!(got[1].body_text(), "Login=merchant%40example.com&Password=pa55word");
    assert_eq!(got[2].body_text(), "UserToken=NEW%2Btok%2Fen%3D&Take=10");
}

#[tokio::test]
async fn a_token_refused_again_after_renewal_is_an_error_not_a_loop() {
    let server = Server::start(|req: &Received, _| match req.path.as_str() {
        "/personal/user/getUserToken" => Answer::xml(envelope(
            0,
            "",
            "<State><Code>0</Code></State><UserToken>t2</UserToken>",
        )),
        _ => Answer::xml(invoices(2, "Аутентификация не пройдена")),
    });
    let client = client(&server).credentials("m", "p").build().unwrap();
    let e = client
        .get_invoices_history(GetInvoicesHistory::new(10))
        .await
        .unwrap_err();
    assert!(e.is_authentication_failed(), "{e:?}");
    match &e {
        Error::Rejected { code, desc, .. } => {
            assert_eq!(*code, RequestStateCode::AuthenticationFailed);
            assert_eq!(desc.as_deref(), Some("Аутентификация не пройдена"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received().len(), 3, "call, login, one repeat");
}

#[tokio::test]
async fn without_credentials_an_expired_token_is_reported() {
    let server = Server::always(Answer::xml(invoices(2, "Аутентификация не пройдена")));
    let e = read_invoices(&server).await.unwrap_err();
    assert!(e.is_authentication_failed(), "{e:?}");
    assert_eq!(server.received().len(), 1);
}

/// A call that moves money, answered "authentication failed", is not sent again after the new
/// login (an answer is not proof that nothing was done, and a money call is sent once): the error
/// is returned, and the next call goes with the new token.
#[tokio::test]
async fn a_payout_refused_for_authentication_is_not_repeated_after_login() {
    let server = Server::start(|req: &Received, i| {
        match (i, req.path.as_str()) {
        (0, "/personal/payout/CreateOperation") => Answer::json(
            "{\"OperationState\":{\"Code\":0},\"Result\":{\"State\":{\"Code\":2,\"Desc\":\"Аутентификация не пройдена\"}}}",
        ),
        (1, "/personal/user/getUserToken") => Answer::xml(envelope(0, "", "<State><Code>0</Code></State><UserToken>t2</UserToken>")),
        (2, "/personal/payout/CreateOperation") => payout_answer(),
        _ => panic!("unexpected request {i} {}", req.path),
    }
    });
    let client = client(&server).credentials("m", "p").build().unwrap();
    let e = client.create_operation(card_payout()).await.unwrap_err();
    assert!(e.is_authentication_failed(), "{e:?}");
    let paths: Vec<String> = server.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        ["/personal/payout/CreateOperation", "/personal/user/getUserToken"],
        "sent once, then a login"
    );
    // The next call has the new token.
    let reply = client.create_operation(card_payout()).await.unwrap();
    assert_eq!(reply.operation_id, Some(Uuid::parse_str(OP).unwrap()));
    let last = server.received().pop().unwrap();
    assert!(String::from_utf8_lossy(&last.body).contains("t2"), "the new token");
}

#[tokio::test]
async fn a_broken_body_names_the_method_and_the_field() {
    let server = Server::always(Answer::xml(envelope(
        0,
        "",
        "<State><Code>0</Code></State><InvoicesHistoryList><InvoiceData><Id>12x</Id></InvoiceData></InvoicesHistoryList>",
    )));
    let e = read_invoices(&server).await.unwrap_err();
    match &e {
        Error::Decode(d) => {
            assert_eq!(d.method, "getInvoicesHistory");
            assert!(d.path.contains("Id"), "{}", d.path);
            assert!(d.body.contains("<Id>12x</Id>"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received().len(), 1, "a decoded answer is not retried");
}

#[tokio::test]
async fn plain_http_is_refused_off_loopback() {
    let e = Client::builder()
        .base_url("http://api.intellectmoney.ru")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert!(e.to_string().contains("loopback"), "{e}");
    assert!(Client::builder().base_url("http://localhost:1").build().is_ok());
    assert!(Client::builder().base_url("http://[::1]:1").build().is_ok());
    assert!(Client::builder().build().is_ok());
}
