//! The PostgreSQL journal on a real server (the throwaway cluster of `scripts/postgres.sh`; each
//! test has a database of its own), paying through the mock: its recorded requests are the
//! truth. Without a server each test says it was skipped (CI runs them).

use intellectmoney::batch::{
    pay_once, BatchError, BatchId, Journal, JournalError, PostgresJournal, Step, POSTGRES_SCHEMA_VERSION,
};
use intellectmoney::mock::{MockServer, PayoutScript};
use intellectmoney::payout::{CreateOperation, ExecuteOperation};
use intellectmoney::runtime::client::PollPolicy;
use intellectmoney::Client;
use intellectmoney_tests::{postgres, wiki};
use std::collections::HashMap;

const SECRET: &str = "sign-secret";
const HASH_KEY: &[u8] = b"batch key";

fn mock(script: PayoutScript) -> MockServer {
    MockServer::builder().sign_secret(SECRET).payout(script).start()
}

fn client(mock: &MockServer) -> Client {
    Client::builder()
        .base_url(mock.url())
        .user_token("t")
        .bearer_token("bearer")
        .sign_secret(SECRET)
        .build()
        .unwrap()
}

fn request(amount: &str) -> intellectmoney::payout::CreateOperation {
    let mut request = wiki::card_payout();
    request.amount = wiki::dec(amount);
    request
}

async fn pay(
    c: &Client,
    j: &dyn Journal,
    key: &str,
    amount: &str,
) -> Result<Step, BatchError<intellectmoney::IntellectMoney>> {
    pay_once(c, j, key, request(amount), HASH_KEY, PollPolicy::for_tests()).await
}

async fn worker(url: &str, name: &str) -> PostgresJournal {
    PostgresJournal::open(url, true)
        .await
        .unwrap()
        .join(Some(name), None)
        .await
        .unwrap()
}

/// Executions per operation id, as the mock received them.
fn executions(mock: &MockServer) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for r in mock.requests_for::<ExecuteOperation>() {
        *seen
            .entry(r.param("PayoutOperationId").unwrap().to_owned())
            .or_default() += 1;
    }
    seen
}

async fn sql(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .batch_execute("SET search_path = intellectmoney_journal")
        .await
        .unwrap();
    client
}

#[tokio::test]
async fn a_key_is_paid_once_and_read_back_exactly() {
    let Some(url) = postgres::database("paid_once").await else {
        return;
    };
    let mock = mock(PayoutScript::Complete { polls: 1 });
    let c = client(&mock);
    let j = worker(&url, "w1").await;
    for run in 0..2 {
        let step = pay(&c, &j, "seller-1/2026-W48", "1234.56").await.unwrap();
        assert!(matches!(step, Step::Completed(_)), "run {run}: {step:?}");
    }
    assert_eq!(mock.requests_for::<CreateOperation>().len(), 1);
    assert_eq!(mock.requests_for::<ExecuteOperation>().len(), 1);
    let entries = j.entries().await.unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.planned.amount, wiki::dec("1234.56"));
    assert_eq!(e.planned.currency, "RUB");
    assert_eq!((e.orphans, e.attempt), (0, 1));
    // The card number is kept only as a keyed hash.
    assert!(!e.planned.params.contains("4111"), "{}", e.planned.params);
    assert!(e.planned.params.contains("hmac-sha256:"), "{}", e.planned.params);
    // The claim is released once the runner is done: no key is in flight.
    assert!(j.in_flight().await.unwrap().is_empty());
    // Another request under the key is refused, naming what differs.
    let other = pay(&c, &j, "seller-1/2026-W48", "1.00").await.unwrap_err();
    assert!(
        matches!(&other, BatchError::Journal(JournalError::Conflict { fields, .. }) if fields == &["Amount"]),
        "{other}"
    );
    // Numeric, not text: the server adds the amounts.
    let total: String = sql(&url)
        .await
        .query_one("SELECT sum(amount)::text FROM payouts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, "1234.56");
}

#[tokio::test]
async fn a_key_held_by_a_live_worker_is_left_to_it_and_taken_over_when_it_is_gone() {
    let Some(url) = postgres::database("claims").await else {
        return;
    };
    let mock = mock(PayoutScript::Complete { polls: 0 });
    let c = client(&mock);
    let (a, b) = (worker(&url, "a").await, worker(&url, "b").await);
    let planned = intellectmoney::batch::planned(&request("10.00"), HASH_KEY).unwrap();
    // A claims the key and records its creation as sent; B is refused while A is alive.
    assert_eq!(a.begin("k", &planned).await.unwrap().step, Step::Planned);
    let refused = pay(&c, &b, "k", "10.00").await.unwrap_err();
    assert!(
        matches!(&refused, BatchError::Journal(JournalError::Claimed { worker, .. }) if worker == "a"),
        "{refused}"
    );
    assert!(mock.requests_for::<CreateOperation>().is_empty(), "B sent nothing");
    // B cannot write A's key either.
    let lost = b.record("k", &Step::Planned).await.unwrap_err();
    assert!(matches!(lost, JournalError::ClaimLost { .. }), "{lost}");
    assert_eq!(b.in_flight().await.unwrap(), vec![("a".to_owned(), 1)]);
    // A is gone (its connection closed): B takes the key over at once, from where A left it.
    drop(a);
    let mut waited = 0;
    while b.abandoned().await.unwrap().is_empty() {
        waited += 1;
        assert!(waited < 100, "A's claim never freed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let step = pay(&c, &b, "k", "10.00").await.unwrap();
    assert!(matches!(step, Step::Completed(_)), "{step:?}");
    let e = b.entries().await.unwrap().remove(0);
    assert_eq!(e.orphans, 1, "A's creation, answer lost, counted");
    assert_eq!(mock.requests_for::<ExecuteOperation>().len(), 1);
}

#[tokio::test]
async fn a_worker_thought_gone_writes_nothing_once_its_key_is_taken_over() {
    let Some(url) = postgres::database("fenced").await else {
        return;
    };
    let (a, b) = (worker(&url, "a").await, worker(&url, "b").await);
    let planned = intellectmoney::batch::planned(&request("10.00"), HASH_KEY).unwrap();
    a.begin("k", &planned).await.unwrap();
    // A's lease runs out (frozen, or cut off without its connection closing): B takes over.
    sql(&url)
        .await
        .execute(
            "UPDATE workers SET lease_until = now() - interval '1 second' WHERE name = 'a'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(b.abandoned().await.unwrap(), vec!["k".to_owned()]);
    b.begin("k", &planned).await.unwrap();
    // A wakes up with an operation to execute: its write before the execution is refused, so
    // the execution is never sent by A.
    let id = intellectmoney::runtime::Uuid::from_u128(7);
    let refused = a.record("k", &Step::Executing(id)).await.unwrap_err();
    assert!(matches!(refused, JournalError::ClaimLost { .. }), "{refused}");
    assert!(matches!(
        a.orphan("k").await.unwrap_err(),
        JournalError::ClaimLost { .. }
    ));
    // B's writes stand.
    b.record("k", &Step::Executing(id)).await.unwrap();
    b.record("k", &Step::Completed(id)).await.unwrap();
    assert_eq!(b.entries().await.unwrap()[0].step, Step::Completed(id));
}

#[tokio::test]
async fn an_operation_is_bound_to_one_key_across_workers() {
    let Some(url) = postgres::database("reused").await else {
        return;
    };
    let (a, b) = (worker(&url, "a").await, worker(&url, "b").await);
    let planned = intellectmoney::batch::planned(&request("10.00"), HASH_KEY).unwrap();
    a.begin("k1", &planned).await.unwrap();
    b.begin("k2", &planned).await.unwrap();
    let id = intellectmoney::runtime::Uuid::from_u128(42);
    a.record("k1", &Step::Executing(id)).await.unwrap();
    let reused = b.record("k2", &Step::Executing(id)).await.unwrap_err();
    assert!(
        matches!(&reused, JournalError::OperationReused { owner, attempt: 1, .. } if owner == "k1"),
        "{reused}"
    );
    // Nothing was written for k2.
    let k2 = b.entries().await.unwrap().into_iter().find(|e| e.key == "k2").unwrap();
    assert_eq!(k2.step, Step::Creating);
}

#[tokio::test]
async fn three_workers_paying_one_batch_at_once_pay_each_key_once() {
    let Some(url) = postgres::database("three_workers").await else {
        return;
    };
    let mock = mock(PayoutScript::Complete { polls: 1 });
    let c = client(&mock);
    let keys: Vec<String> = (0..60).map(|i| format!("seller-{i}")).collect();
    let mut tasks = Vec::new();
    for name in ["w1", "w2", "w3"] {
        let (url, c, keys) = (url.clone(), c.clone(), keys.clone());
        tasks.push(tokio::spawn(async move {
            let j = worker(&url, name).await;
            let mut left = 0;
            // Every worker goes through every key, as `payout-batch run` does.
            for key in &keys {
                match pay(&c, &j, key, "10.00").await {
                    Ok(Step::Completed(_)) => {}
                    Err(BatchError::Journal(JournalError::Claimed { .. })) => left += 1,
                    other => panic!("{name} {key}: {other:?}"),
                }
            }
            j.leave().await.unwrap();
            left
        }));
    }
    let mut left = 0;
    for t in tasks {
        left += t.await.unwrap();
    }
    let seen = executions(&mock);
    assert_eq!(seen.len(), keys.len(), "one operation executed per key");
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    assert_eq!(
        mock.requests_for::<CreateOperation>().len(),
        keys.len(),
        "one creation per key"
    );
    eprintln!(
        "3 workers, {} keys: {left} times a key was left to the worker holding it",
        keys.len()
    );
}

#[tokio::test]
async fn the_schema_is_made_once_migrated_and_a_newer_one_refused() {
    let Some(url) = postgres::database("schema").await else {
        return;
    };
    // Nothing there and not to be made: refused, nothing made.
    let missing = PostgresJournal::open(&url, false).await.unwrap_err();
    assert!(matches!(missing, JournalError::NotFound { .. }), "{missing}");
    // Workers starting at once make it once.
    let opened = futures_util::future::join_all((0..4).map(|_| PostgresJournal::open(&url, true))).await;
    assert!(opened.iter().all(|o| o.is_ok()), "{opened:?}");
    let versions: Vec<i32> = sql(&url)
        .await
        .query("SELECT version FROM journal_migrations ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=POSTGRES_SCHEMA_VERSION).collect::<Vec<_>>());
    // A journal migrated by a newer version is refused, not read.
    sql(&url)
        .await
        .execute(
            "INSERT INTO journal_migrations (version) VALUES ($1)",
            &[&(POSTGRES_SCHEMA_VERSION + 1)],
        )
        .await
        .unwrap();
    let newer = PostgresJournal::open(&url, true).await.unwrap_err();
    assert!(matches!(newer, JournalError::Newer { .. }), "{newer}");
    assert!(newer.to_string().contains("upgrade"), "{newer}");
}

#[tokio::test]
async fn a_journal_is_bound_to_one_batch_and_one_hash_key() {
    let Some(url) = postgres::database("binding").await else {
        return;
    };
    let j = worker(&url, "w").await;
    let batch = BatchId {
        name: "payday.csv".into(),
        digest: "ab".repeat(32),
    };
    let mut keys = ["a", "b", "c"].iter().map(|k| Ok(k.to_string()));
    j.bind(&batch, &mut keys).await.unwrap();
    assert_eq!(j.unstarted().await.unwrap(), 3);
    assert_eq!(j.batch().await.unwrap(), Some(batch.clone()));
    // A second worker binding the same batch is fine; another batch is refused, naming both.
    let other = BatchId {
        name: "other.csv".into(),
        digest: "cd".repeat(32),
    };
    let refused = j.bind(&other, &mut std::iter::empty()).await.unwrap_err();
    assert!(matches!(refused, JournalError::OtherBatch { .. }), "{refused}");
    j.bind(&batch, &mut std::iter::empty()).await.unwrap();
    j.check_hash_key(b"one").await.unwrap();
    j.check_hash_key(b"one").await.unwrap();
    let wrong = j.check_hash_key(b"two").await.unwrap_err();
    assert!(matches!(wrong, JournalError::HashKey { .. }), "{wrong}");
}

#[tokio::test]
async fn a_password_in_the_url_is_never_shown() {
    // A server that refuses the connection: its error names the journal without the password.
    let e = PostgresJournal::open("postgres://pay:hunter2@127.0.0.1:9/j?connect_timeout=2", true)
        .await
        .unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("pay:***@127.0.0.1:9"), "{text}");
    // A password holding `@`, in a parameter: the driver reads the URL another way (and fails),
    // and what is shown hides the password all the same.
    let e = PostgresJournal::open("postgres://127.0.0.1:9/j?user=pay&password=hun@ter2", true)
        .await
        .unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains("hun@ter2") && !text.contains("ter2"), "{text}");
}
