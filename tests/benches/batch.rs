//! What the payout journal costs: a payout through `pay_once` with its SQLite journal (WAL; three
//! writes per payout, one of them, `executing`, synced to disk before the execution is sent; and
//! with every write synced, `Durability::EveryStep`) against the same payout through the plain
//! payout flow, against the mock on loopback, one at a time and four in flight (see
//! BENCHMARKS.md).
//!
//! Run: `cargo bench -p intellectmoney-tests --bench batch`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures_util::StreamExt;
use intellectmoney::batch::{pay_once, Durability, SqliteJournal};
use intellectmoney::mock::{MockServer, PayoutScript};
use intellectmoney::{Client, PollPolicy};
use intellectmoney_tests::wiki;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const SECRET: &str = "sign-secret";

fn payouts(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mock = MockServer::builder()
        .sign_secret(SECRET)
        .payout(PayoutScript::Complete { polls: 0 })
        .start();
    let client = runtime.block_on(async {
        Client::builder()
            .base_url(mock.url())
            .user_token("t")
            .bearer_token("bearer")
            .sign_secret(SECRET)
            .build()
            .unwrap()
    });
    let poll = PollPolicy {
        min_delay: Duration::ZERO,
        max_delay: Duration::from_millis(1),
        deadline: Duration::from_secs(10),
    };
    let dir = tempfile::tempdir().unwrap();
    let journal = SqliteJournal::open(dir.path().join("payouts.db")).unwrap();
    let every_step = SqliteJournal::open(dir.path().join("every-step.db"))
        .unwrap()
        .durability(Durability::EveryStep);
    let next = AtomicU64::new(0);
    let mut g = c.benchmark_group("payout");
    g.throughput(Throughput::Elements(1));
    g.sample_size(30);
    g.bench_function("payout flow, no journal", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.payout(wiki::card_payout(), poll, |_, _| {}).await.unwrap() })
    });
    for (name, journal) in [
        ("pay_once, journal", &journal),
        ("pay_once, every step synced", &every_step),
    ] {
        g.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let key = format!("seller-{}", next.fetch_add(1, Ordering::Relaxed));
                pay_once(&client, journal, &key, wiki::card_payout(), b"key", poll)
                    .await
                    .unwrap()
            })
        });
    }
    g.finish();

    // A batch as the CLI runs it: 4 payouts in flight, the journal's writes overlapping the
    // other payouts' calls.
    const BATCH: u64 = 40;
    let mut g = c.benchmark_group("batch of 40, 4 in flight");
    g.throughput(Throughput::Elements(BATCH));
    g.sample_size(10);
    g.bench_function("payout flow, no journal", |b| {
        b.to_async(&runtime).iter(|| async {
            futures_util::stream::iter(0..BATCH)
                .map(|_| client.payout(wiki::card_payout(), poll, |_, _| {}))
                .buffer_unordered(4)
                .for_each(|r| async move {
                    r.unwrap();
                })
                .await
        })
    });
    for (name, journal) in [
        ("pay_once, journal", &journal),
        ("pay_once, every step synced", &every_step),
    ] {
        g.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                futures_util::stream::iter(0..BATCH)
                    .map(|_| {
                        let key = format!("seller-{}", next.fetch_add(1, Ordering::Relaxed));
                        let client = &client;
                        async move { pay_once(client, journal, &key, wiki::card_payout(), b"key", poll).await }
                    })
                    .buffer_unordered(4)
                    .for_each(|r| async move {
                        r.unwrap();
                    })
                    .await
            })
        });
    }
    g.finish();
}

criterion_group!(benches, payouts);
criterion_main!(benches);
