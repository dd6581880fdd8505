//! An export that fetches ahead: 200 pages of getInvoicesHistory (100 invoices each, the last one
//! short) from a server that takes 50 ms to answer each, through `items_prefetch(.., 4)`. Its
//! floor is 200 × 50 ms / 4 = 2.5 s of waiting, plus the time the same export takes with no
//! latency at all (loopback, decoding), measured in the same run (see BENCHMARKS.md).
//!
//! Run: `cargo bench -p intellectmoney-tests --bench prefetch`.

use criterion::{criterion_group, criterion_main, Criterion};
use futures_util::StreamExt;
use intellectmoney::personal::GetInvoicesHistory;
use intellectmoney_tests::server::{registry_page, Server};
use std::time::Duration;

const PAGES: usize = 200;
const TAKE: usize = 100;
/// 199 full pages and a short one.
const INVOICES: usize = (PAGES - 1) * TAKE + TAKE / 2;
const AHEAD: usize = 4;

fn registry(latency: Duration) -> Server {
    Server::start(move |req, _| {
        std::thread::sleep(latency);
        registry_page(req, INVOICES)
    })
}

fn export(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut g = c.benchmark_group("export of 200 pages, prefetch(4)");
    g.sample_size(10);
    for (name, latency) in [
        ("50 ms a page", Duration::from_millis(50)),
        ("no latency", Duration::ZERO),
    ] {
        let server = registry(latency);
        let client = server.client();
        g.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let items = client
                    .items_prefetch(GetInvoicesHistory::new(TAKE as i32), AHEAD)
                    .fold(0usize, |n, item| async move {
                        item.unwrap();
                        n + 1
                    })
                    .await;
                assert_eq!(items, INVOICES);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, export);
criterion_main!(benches);
