//! Every call is a `tracing` span that records the method, its duration, its outcome and the
//! operation id.

use intellectmoney::payout::GetOperationState;
use intellectmoney::runtime::Uuid;
use intellectmoney::{Client, RetryPolicy};
use intellectmoney_tests::capture::Capture;
use intellectmoney_tests::example;
use intellectmoney_tests::server::{Answer, Server};

#[tokio::test]
async fn each_call_is_a_span_with_method_duration_outcome_and_operation_id() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.subscriber());
    // The wiki's example, with the envelope's OperationId that real answers carry.
    const OP: &str = "50a55d0c-a754-47ca-b355-56362cf52a98";
    let mut answer: serde_json::Value =
        serde_json::from_str(&example("payout/GetOperationState.response.json")).unwrap();
    answer["OperationId"] = OP.into();
    let answer = answer.to_string();
    let server = Server::start(move |_, i| {
        if i == 0 {
            Answer::json(answer.clone())
        } else {
            Answer::json("{\"OperationState\":{\"Code\":2,\"Desc\":\"Ошибка\"}}")
        }
    });
    let client = Client::builder()
        .base_url(server.url())
        .user_token("t")
        .bearer_token("bearer")
        .sign_secret("s3cr3t")
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let id = Uuid::parse_str("ad22e55f-7e54-4e3a-b04b-0142a0314376").unwrap();
    let reply = client.get_operation_state(GetOperationState::new(id)).await.unwrap();
    client
        .get_operation_state(GetOperationState::new(id))
        .await
        .unwrap_err();

    let text = capture.text();
    let closes: Vec<&str> = text.lines().filter(|l| l.contains("close")).collect();
    assert_eq!(closes.len(), 2, "{text}");
    assert!(
        closes[0].contains("intellectmoney{method=\"GetOperationState\""),
        "{}",
        closes[0]
    );
    assert!(closes[0].contains("outcome=\"ok\""), "{}", closes[0]);
    assert!(closes[0].contains("duration_ms="), "{}", closes[0]);
    assert_eq!(reply.operation_id, Some(Uuid::parse_str(OP).unwrap()));
    assert!(closes[0].contains(&format!("operation_id={OP}")), "{}", closes[0]);
    assert!(closes[1].contains("outcome=\"refused\""), "{}", closes[1]);
}
