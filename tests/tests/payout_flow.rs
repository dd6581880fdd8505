//! The payout flow against a scripted server: every outcome, the deadline, and the paths where
//! the fate of ExecuteOperation is unknown — which are polled, never executed again.

use intellectmoney::payout::MassPaymentOperationState as S;
use intellectmoney::runtime::Uuid;
use intellectmoney::{Client, Error, PayoutOutcome, PollPolicy, RetryPolicy};
use intellectmoney_tests::server::{Answer, Received, Server};
use intellectmoney_tests::wiki::card_payout;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ID: &str = "2cf4b4bc-56cf-4ab6-bf4f-1b2aa9743154";

fn state(name: &str, error: Option<&str>) -> Answer {
    let error = error.map_or(String::new(), |e| format!(",\"ErrorMessage\":\"{e}\""));
    Answer::json(format!(
        "{{\"OperationState\":{{\"Code\":0}},\"Result\":{{\"State\":{{\"Code\":0}},\"PayoutOperationId\":\"{ID}\",\"PayoutOperationState\":\"{name}\"{error}}}}}"
    ))
}

/// A server for the three payout methods: `execute` answers ExecuteOperation, `polls` answers
/// the n-th GetOperationState (the last one repeats).
fn server(execute: Answer, polls: Vec<Answer>) -> Server {
    let count = Arc::new(Mutex::new(0usize));
    Server::start(move |req: &Received, _| match req.path.rsplit('/').next().unwrap() {
        "CreateOperation" => state("Created", None),
        "ExecuteOperation" => execute.clone(),
        "GetOperationState" => {
            let mut n = count.lock().unwrap();
            let answer = polls[(*n).min(polls.len() - 1)].clone();
            *n += 1;
            answer
        }
        "DeleteOperation" => Answer::json("{\"OperationState\":{\"Code\":0},\"Result\":true}"),
        other => panic!("unexpected {other}"),
    })
}

fn fast() -> PollPolicy {
    PollPolicy {
        min_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        deadline: Duration::from_secs(5),
    }
}

async fn run(server: &Server, poll: PollPolicy) -> (Result<PayoutOutcome, Error>, Vec<S>) {
    let client = Client::builder()
        .base_url(server.url())
        .user_token("t")
        .bearer_token("bearer")
        .sign_secret("s3cr3t")
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let request = card_payout();
    let mut seen = Vec::new();
    let outcome = client.payout(request, poll, |_, s| seen.push(s.clone())).await;
    (outcome, seen)
}

fn count(server: &Server, method: &str) -> usize {
    server.received().iter().filter(|r| r.path.ends_with(method)).count()
}

fn id() -> Uuid {
    Uuid::parse_str(ID).unwrap()
}

#[tokio::test]
async fn completed() {
    let server = server(
        state("InProcess", None),
        vec![
            state("InProcess", None),
            state("InProcess", None),
            state("Completed", None),
        ],
    );
    let (outcome, seen) = run(&server, fast()).await;
    assert_eq!(outcome.unwrap(), PayoutOutcome::Completed { operation_id: id() });
    assert_eq!(seen, [S::Created, S::InProcess, S::Completed]);
    assert_eq!(
        (count(&server, "CreateOperation"), count(&server, "ExecuteOperation")),
        (1, 1)
    );
    assert_eq!(count(&server, "GetOperationState"), 3);
    let polled = &server.received()[2];
    assert_eq!(
        polled.body_text(),
        format!("{{\"UserToken\":\"t\",\"PayoutOperationId\":\"{ID}\"}}")
    );
}

#[tokio::test]
async fn failed_with_its_message_not_enough_money_and_deleted() {
    let server1 = server(
        state("InProcess", None),
        vec![state("Failed", Some("Карта заблокирована"))],
    );
    let (outcome, _) = run(&server1, fast()).await;
    assert_eq!(
        outcome.unwrap(),
        PayoutOutcome::Failed {
            operation_id: id(),
            error_message: Some("Карта заблокирована".into())
        }
    );
    let server2 = server(state("NotEnoughMoney", None), vec![]);
    let (outcome, _) = run(&server2, fast()).await;
    assert_eq!(outcome.unwrap(), PayoutOutcome::NotEnoughMoney { operation_id: id() });
    assert_eq!(
        count(&server2, "GetOperationState"),
        0,
        "final after execution: no poll"
    );
    let server3 = server(state("InProcess", None), vec![state("Deleted", None)]);
    let (outcome, _) = run(&server3, fast()).await;
    assert_eq!(outcome.unwrap(), PayoutOutcome::Deleted { operation_id: id() });
}

#[tokio::test]
async fn still_in_process_at_the_deadline_is_pending() {
    let server = server(state("InProcess", None), vec![state("InProcess", None)]);
    let poll = PollPolicy {
        deadline: Duration::from_millis(100),
        ..fast()
    };
    let (outcome, seen) = run(&server, poll).await;
    assert_eq!(
        outcome.unwrap(),
        PayoutOutcome::Pending {
            operation_id: id(),
            last_state: Some(S::InProcess)
        }
    );
    assert_eq!(seen, [S::Created, S::InProcess]);
    assert!(count(&server, "GetOperationState") >= 1);
}

#[tokio::test]
async fn an_execution_of_unknown_fate_is_polled_never_repeated() {
    for (what, execute) in [
        ("dropped connection", Answer::Close),
        (
            "timeout",
            Answer::Delay(Duration::from_secs(2), Box::new(state("InProcess", None))),
        ),
        (
            "502",
            Answer::Http {
                status: 502,
                content_type: "text/html".into(),
                body: "<html>Bad Gateway</html>".into(),
            },
        ),
    ] {
        let server = server(
            execute,
            vec![Answer::Close, state("SentToBank", None), state("Completed", None)],
        );
        let (outcome, seen) = run(&server, fast()).await;
        assert!(outcome.as_ref().unwrap().is_completed(), "{what}: {outcome:?}");
        assert_eq!(count(&server, "ExecuteOperation"), 1, "{what}: executed once");
        assert_eq!(count(&server, "CreateOperation"), 1, "{what}: created once");
        // A failed poll is polled again.
        assert_eq!(count(&server, "GetOperationState"), 3, "{what}");
        assert_eq!(seen, [S::Created, S::SentToBank, S::Completed], "{what}");
    }
}

/// An execution answered with a refusal, an error status or an unknown code may have been
/// received: it is never reported as "nothing was paid". The state decides (here: it was
/// executed, and completes), and the execution is not sent again.
#[tokio::test]
async fn a_failed_execution_is_followed_by_its_state_never_reported_unpaid() {
    let answers = [
        (
            "refused",
            Answer::json("{\"OperationState\":{\"Code\":2,\"Desc\":\"Недостаточно прав\"}}"),
        ),
        ("unknown code", Answer::json("{\"OperationState\":{\"Code\":7}}")),
        (
            "Result.State 5",
            Answer::json("{\"OperationState\":{\"Code\":0},\"Result\":{\"State\":{\"Code\":5}}}"),
        ),
    ];
    let statuses = [400, 408, 409, 429, 307].map(|status| {
        let answer = Answer::Http {
            status,
            content_type: "text/html".into(),
            body: "<html>no</html>".into(),
        };
        ("status", answer)
    });
    for (what, answer) in answers.into_iter().chain(statuses) {
        let server = server(answer, vec![state("InProcess", None), state("Completed", None)]);
        let (outcome, _) = run(&server, fast()).await;
        assert!(outcome.as_ref().is_ok_and(|o| o.is_completed()), "{what}: {outcome:?}");
        assert_eq!(count(&server, "ExecuteOperation"), 1, "{what}: executed once");
    }
}

/// An execution the server refused and never received in truth: the state reads created, so
/// the operation is fenced (deleted, read back): `Deleted`, nothing paid, for certain.
#[tokio::test]
async fn a_refused_execution_still_created_is_fenced() {
    let server = server(
        Answer::json("{\"OperationState\":{\"Code\":2,\"Desc\":\"Недостаточно прав\"}}"),
        vec![state("Created", None), state("Deleted", None)],
    );
    let (outcome, _) = run(&server, fast()).await;
    assert!(matches!(outcome, Ok(PayoutOutcome::Deleted { .. })), "{outcome:?}");
    assert_eq!(count(&server, "ExecuteOperation"), 1);
    assert_eq!(count(&server, "DeleteOperation"), 1);
}

/// A client that would wait long for each answer: only the flow's deadline can stop it.
async fn run_patient(server: &Server, poll: PollPolicy) -> Result<PayoutOutcome, Error> {
    let client = Client::builder()
        .base_url(server.url())
        .user_token("t")
        .bearer_token("bearer")
        .sign_secret("s3cr3t")
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    client.payout(card_payout(), poll, |_, _| {}).await
}

#[tokio::test]
async fn the_deadline_bounds_the_whole_flow() {
    // GetOperationState never answers in time (each attempt would wait 60 s, three reads).
    let server = server(
        state("InProcess", None),
        vec![Answer::Delay(
            Duration::from_secs(30),
            Box::new(state("Completed", None)),
        )],
    );
    let poll = PollPolicy {
        deadline: Duration::from_millis(800),
        ..fast()
    };
    let started = std::time::Instant::now();
    let outcome = run_patient(&server, poll).await.unwrap();
    let took = started.elapsed();
    eprintln!("payout flow with a deadline of 800 ms against a GetOperationState that never answers: {took:?}");
    assert!(matches!(outcome, PayoutOutcome::Pending { .. }), "{outcome:?}");
    // A bound on behaviour, not a speed figure: the flow stops at its deadline (plus slack),
    // not after 3 × 60 s.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(count(&server, "ExecuteOperation"), 1);
}

#[tokio::test]
async fn a_queued_or_unreadable_execution_is_polled_not_repeated() {
    let queued = Answer::json("{\"OperationState\":{\"Code\":1,\"Desc\":\"в очереди\"},\"OperationId\":\"30bb1437-033e-45cf-887a-15b779483648\"}");
    for execute in [queued, Answer::json("<html>gateway says OK</html>")] {
        let server = server(execute, vec![state("InProcess", None), state("Completed", None)]);
        let (outcome, _) = run(&server, fast()).await;
        assert_eq!(outcome.unwrap(), PayoutOutcome::Completed { operation_id: id() });
        assert_eq!(count(&server, "ExecuteOperation"), 1);
        assert!(count(&server, "GetOperationState") >= 2);
    }
}

#[tokio::test]
async fn a_lost_creation_answer_is_unsettled_and_nothing_is_executed() {
    for lost in [
        Answer::json("{\"not\": \"the envelope\"}"),
        Answer::Http {
            status: 502,
            content_type: "text/plain".into(),
            body: "bad gateway".into(),
        },
        Answer::Delay(Duration::from_secs(30), Box::new(state("Created", None))),
    ] {
        let server = Server::start(move |req: &Received, _| match req.path.rsplit('/').next().unwrap() {
            "CreateOperation" => lost.clone(),
            other => panic!("unexpected {other}"),
        });
        let poll = PollPolicy {
            deadline: Duration::from_millis(800),
            ..fast()
        };
        let e = run_patient(&server, poll).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Unsettled {
                    method: "CreateOperation",
                    operation_id: None,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("may have processed it"), "{e}");
        assert_eq!(server.received().len(), 1, "nothing after the creation");
    }
}

#[tokio::test]
async fn a_refused_poll_after_execution_is_unsettled_with_the_id() {
    let rejected = Answer::json(
        "{\"OperationState\":{\"Code\":0},\"Result\":{\"State\":{\"Code\":2,\"Desc\":\"Аутентификация не пройдена\"}}}",
    );
    let server = server(state("InProcess", None), vec![rejected]);
    let (outcome, _) = run(&server, fast()).await;
    let e = outcome.unwrap_err();
    assert!(
        matches!(e, Error::Unsettled { method: "GetOperationState", operation_id: Some(op), .. } if op == id()),
        "{e:?}"
    );
}
