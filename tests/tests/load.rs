//! Load: 1,000 concurrent calls from one client against the mock IntellectMoney, 9 reads to a
//! payout. None fails, each reaches the mock exactly once, every answer is the example's value,
//! and the connections the mock sees open at once stay within the pool settings: `n` in flight
//! (`max_connections`) plus `n` idle.
//!
//! The figures (BENCHMARKS.md): `cargo test --release -p intellectmoney-tests --test load -- --nocapture`.

use futures_util::future::join_all;
use intellectmoney::mock::MockServer;
use intellectmoney::personal::GetInvoicesHistory;
use intellectmoney::runtime::decode_xml;
use intellectmoney::{Client, RetryPolicy, DEFAULT_MAX_CONNECTIONS};
use intellectmoney_tests::example;
use intellectmoney_tests::wiki::card_payout;
use std::time::Instant;

const CALLS: usize = 1_000;
const SECRET: &str = "s3cr3t";

/// Runs `CALLS` calls at once through a client allowing `max_connections` (None: the default);
/// returns the mock for its counts.
async fn run(max_connections: Option<usize>) -> MockServer {
    let mock = MockServer::builder().sign_secret(SECRET).start();
    let mut builder = Client::builder()
        .base_url(mock.url())
        .user_token("t")
        .bearer_token("bearer")
        .sign_secret(SECRET)
        // A failure must show, not be hidden by a retry.
        .retry(RetryPolicy::never());
    if let Some(n) = max_connections {
        builder = builder.max_connections(n);
    }
    let limit = max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
    let client = builder.build().unwrap();
    let expected = decode_xml::<GetInvoicesHistory>(&example("personal/getInvoicesHistory.response.xml"))
        .unwrap()
        .result
        .map(std::sync::Arc::new)
        .unwrap();

    let started = Instant::now();
    let calls = (0..CALLS).map(|i| {
        let client = client.clone();
        let expected = expected.clone();
        tokio::spawn(async move {
            if i % 10 == 0 {
                client
                    .create_operation(card_payout())
                    .await
                    .map(|r| r.result.payout_operation_id.is_some())
            } else {
                client
                    .get_invoices_history(GetInvoicesHistory::new(10))
                    .await
                    .map(|r| r.result == *expected)
            }
        })
    });
    let outcomes = join_all(calls).await;
    let elapsed = started.elapsed();

    let failures: Vec<String> = outcomes
        .into_iter()
        .map(|joined| joined.expect("no task panics"))
        .filter_map(|r| match r {
            Ok(true) => None,
            Ok(false) => Some("an answer differs from the example".to_owned()),
            Err(e) => Some(e.to_string()),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {CALLS} calls failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    // Each call reached the mock exactly once, and the mock accepted every one.
    let requests = mock.requests();
    let count = |method: &str| requests.iter().filter(|r| r.method == Some(method)).count();
    assert_eq!(
        (requests.len(), count("CreateOperation"), count("getInvoicesHistory")),
        (CALLS, CALLS / 10, CALLS - CALLS / 10)
    );
    let refused: Vec<_> = requests.iter().filter_map(|r| r.refused.as_deref()).collect();
    assert!(
        refused.is_empty(),
        "the mock refused: {:?}",
        &refused[..refused.len().min(5)]
    );
    let seen = mock.connections();
    eprintln!(
        "{CALLS} concurrent calls, max_connections {limit}: {:.0} ms, {:.0} calls/s; connections accepted {}, at most {} open at once",
        elapsed.as_secs_f64() * 1e3,
        CALLS as f64 / elapsed.as_secs_f64(),
        seen.accepted,
        seen.max_open
    );
    assert!(
        seen.max_open <= 2 * limit,
        "{} connections open at once, above {limit} in flight and {limit} idle",
        seen.max_open
    );
    mock
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_all_succeed_within_the_connection_bound() {
    let mock = run(Some(8)).await;
    // The calls did run side by side, on more than one connection.
    assert!(mock.connections().max_open >= 2, "{:?}", mock.connections());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_bound_holds_too() {
    run(None).await;
}
