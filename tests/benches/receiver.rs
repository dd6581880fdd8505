//! Throughput of the Result-URL receiver: notifications per second and the latency to `OK`
//! (median, p99), with one and two instances, each against a baseline measured in the same run:
//! the same HTTP server answering `OK` without checking or recording anything. The load is 64
//! clients on loopback, each POSTing distinct signed notifications one after the other; with two
//! instances the clients alternate between them (a load balancer).
//!
//! ```text
//! eval "$(bash scripts/postgres.sh start)"    # for the PostgreSQL rows
//! cargo bench -p intellectmoney-tests --bench receiver
//! ```
//!
//! `RECEIVER_BENCH_N` sets the notifications per row (default 4,000).

use intellectmoney::personal::Notification;
use intellectmoney::receiver::{PostgresInbox, Receiver, SqliteInbox};
use std::time::{Duration, Instant};

const KEY: &str = "bench-secret-key";
const CLIENTS: usize = 64;

fn notification(i: usize) -> Vec<u8> {
    Notification::builder()
        .field("eshopId", "452996")
        .field("orderId", format!("B-{i}"))
        .field("serviceName", "Оплата заказа")
        .field("recipientAmount", "150.50")
        .field("recipientCurrency", "RUB")
        .field("paymentStatus", "5")
        .field("userEmail", "buyer@example.com")
        .field("paymentData", "2026-12-04 10:00:00")
        .field("secretKey", "")
        .sign(KEY)
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// `n` notifications POSTed by `CLIENTS` clients across `urls`; notifications per second, and
/// the median and p99 latency to the answer. Every answer must be `OK`.
async fn load(urls: &[String], n: usize, offset: usize) -> (f64, Duration, Duration) {
    let bodies: Vec<Vec<u8>> = (0..n).map(|i| notification(offset + i)).collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let mine: Vec<Vec<u8>> = bodies.iter().skip(c).step_by(CLIENTS).cloned().collect();
        let (http, url) = (http.clone(), urls[c % urls.len()].clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(mine.len());
            for body in mine {
                let sent = Instant::now();
                let r = http.post(&url).body(body).send().await.unwrap();
                let status = r.status();
                let text = r.text().await.unwrap();
                assert!(status.is_success() && text == "OK", "{status} {text}");
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    (n as f64 / elapsed.as_secs_f64(), at(0.5), at(0.99))
}

fn row(label: &str, (rate, median, p99): (f64, Duration, Duration), baseline: f64) {
    println!(
        "{label:<44} {rate:>8.0}/s  median {:>6.2} ms  p99 {:>7.2} ms  {:.2}× the baseline",
        median.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        rate / baseline
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n: usize = std::env::var("RECEIVER_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let ok = || axum::Router::new().route("/", axum::routing::post(|| async { "OK" }));
    let bare = [serve(ok()).await];
    let bare_two = [serve(ok()).await, serve(ok()).await];
    let baseline = load(&bare, n, 0).await;
    row("baseline: a bare server answering OK", baseline, baseline.0);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Receiver::<Notification>::new(KEY, SqliteInbox::open(dir.path().join("inbox.db")).unwrap()).unwrap();
    let url = serve(sqlite.router()).await;
    row("1 instance, SQLite inbox", load(&[url], n, n).await, baseline.0);
    let Some(db) = intellectmoney_tests::postgres::database("receiver_bench").await else {
        return;
    };
    let one = Receiver::<Notification>::new(KEY, PostgresInbox::open(&db).await.unwrap()).unwrap();
    let two = Receiver::<Notification>::new(KEY, PostgresInbox::open(&db).await.unwrap()).unwrap();
    let (u1, u2) = (serve(one.router()).await, serve(two.router()).await);
    row(
        "1 instance, PostgreSQL inbox",
        load(std::slice::from_ref(&u1), n, 2 * n).await,
        baseline.0,
    );
    let baseline_two = load(&bare_two, n, 0).await;
    row("baseline: two bare servers", baseline_two, baseline_two.0);
    row(
        "2 instances, one PostgreSQL inbox",
        load(&[u1, u2], n, 3 * n).await,
        baseline_two.0,
    );
}
