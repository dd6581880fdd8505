//! Peak memory of pagination: streaming 100,000 items holds no more than streaming 10,000
//! (within 10%), because one page is held at a time. Measured with a counting allocator that
//! counts the bytes live from allocations made on the test's thread, where the current-thread
//! runtime runs the client, its connection and the stream; the loopback server's threads (which
//! record every request) are not counted.
//!
//! And the worst answer the body limit lets through — 16 MiB of empty list items, in JSON and in
//! XML — decodes to an error within a stated multiple of that limit, because the client builds
//! at most `max_items` list items per answer.
//!
//! The figures: `cargo test -p intellectmoney-tests --test memory -- --nocapture`.

use futures_util::StreamExt;
use intellectmoney::personal::GetInvoicesHistory;
use intellectmoney_tests::server::Server;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static MEASURED: Cell<bool> = const { Cell::new(false) };
}

fn measured() -> bool {
    MEASURED.try_with(Cell::get).unwrap_or(false)
}

fn grow(by: isize) {
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if measured() {
            grow(layout.size() as isize);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if measured() {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if measured() {
            grow(new_size as isize - layout.size() as isize);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak of live bytes, above what was live at the start, while `f` runs on this thread.
async fn peak_of<F: std::future::Future<Output = usize>>(f: F) -> (usize, usize) {
    MEASURED.with(|m| m.set(true));
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let result = f.await;
    let peak = PEAK.load(Ordering::Relaxed) - base;
    MEASURED.with(|m| m.set(false));
    (result, peak as usize)
}

const PAGE: i32 = 100;

/// Streams every item of a registry of `total` invoices, `ahead` pages requested at once (1: no
/// prefetch); returns how many came and the peak.
async fn stream_all(total: usize, ahead: usize) -> (usize, usize) {
    let server = Server::invoice_registry(total, None);
    let client = server.client();
    // Warm-up calls, so that the connection pool and its buffers exist before measuring.
    for _ in 0..ahead {
        client.get_invoices_history(GetInvoicesHistory::new(1)).await.unwrap();
    }
    peak_of(async {
        let request = GetInvoicesHistory::new(PAGE);
        let items = match ahead {
            1 => futures_util::future::Either::Left(client.get_invoices_history_items(request)),
            _ => futures_util::future::Either::Right(client.items_prefetch(request, ahead)),
        };
        items
            .fold(
                0usize,
                |n, item| async move { n + usize::from(item.unwrap().id.is_some()) },
            )
            .await
    })
    .await
}

/// Collects every item instead: the control that shows the allocator sees item memory.
async fn collect_all(total: usize) -> (usize, usize) {
    let server = Server::invoice_registry(total, None);
    let client = server.client();
    client.get_invoices_history(GetInvoicesHistory::new(1)).await.unwrap();
    peak_of(async {
        let items: Vec<_> = client
            .get_invoices_history_items(GetInvoicesHistory::new(PAGE))
            .map(Result::unwrap)
            .collect()
            .await;
        items.len()
    })
    .await
}

/// The largest answer the default body limit lets through: empty invoices, as many as fit.
fn worst_answer(json: bool) -> intellectmoney_tests::server::Answer {
    let limit = intellectmoney::DEFAULT_MAX_BODY_SIZE;
    let (head, item, tail) = if json {
        (
            r#"{"OperationState":{"Code":0},"Result":{"State":{"Code":0},"InvoicesHistoryList":["#,
            "{},",
            "{}]}}",
        )
    } else {
        (
            "<Response><OperationState><Code>0</Code></OperationState><Result><State><Code>0</Code></State><InvoicesHistoryList>",
            "<InvoiceData/>",
            "</InvoicesHistoryList></Result></Response>",
        )
    };
    let n = (limit - head.len() - tail.len()) / item.len();
    let body = format!("{head}{}{tail}", item.repeat(n));
    assert!(body.len() <= limit);
    if json {
        intellectmoney_tests::server::Answer::json(body)
    } else {
        intellectmoney_tests::server::Answer::xml(body)
    }
}

/// The peak while the client reads the worst answer; the call must fail on the item limit.
async fn worst_case_peak(json: bool) -> usize {
    let server = Server::always(worst_answer(json));
    let format = if json {
        intellectmoney::Format::Json
    } else {
        intellectmoney::Format::Xml
    };
    let client = intellectmoney::Client::builder()
        .base_url(server.url())
        .user_token("t")
        .format(format)
        .retry(intellectmoney::RetryPolicy::never())
        .build()
        .unwrap();
    let (_, peak) = peak_of(async {
        let e = client
            .get_invoices_history(GetInvoicesHistory::new(10))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("max_items"), "{e}");
        0
    })
    .await;
    peak
}

// One test, so that no other test's allocations run on a measured thread at the same time.
#[tokio::test]
async fn peak_memory_of_pagination_does_not_grow_with_the_item_count() {
    let limit = intellectmoney::DEFAULT_MAX_BODY_SIZE;
    for json in [true, false] {
        let peak = worst_case_peak(json).await;
        let format = if json { "JSON" } else { "XML" };
        eprintln!(
            "worst {format} answer of {limit} B (empty list items): peak {peak} B, {:.2}x the body limit",
            peak as f64 / limit as f64
        );
        assert!(peak <= 4 * limit, "{format}: peak {peak} B is above 4x the body limit");
    }
    let (n_small, small) = stream_all(10_000, 1).await;
    let (n_large, large) = stream_all(100_000, 1).await;
    let (n_kept, kept) = collect_all(10_000).await;
    assert_eq!((n_small, n_large, n_kept), (10_000, 100_000, 10_000));
    eprintln!("pages of {PAGE}: peak {small} B streaming 10,000 items, {large} B streaming 100,000, {kept} B collecting 10,000");
    assert!(
        large as f64 <= small as f64 * 1.10,
        "streaming 100,000 items peaked at {large} B, 10,000 at {small} B: more than 10% apart"
    );
    assert!(
        kept > small * 5,
        "collecting 10,000 items ({kept} B) should dwarf streaming them ({small} B): the measure sees nothing"
    );
    // With 4 pages requested ahead: up to 4 more pages (and their connections) in memory, how
    // many at once depending on when their answers arrive; bounded by 5 pages' worth of the
    // one-page peak, for 100,000 items as for 10,000.
    let (_, ahead_small) = stream_all(10_000, 4).await;
    let (n_ahead, ahead_large) = stream_all(100_000, 4).await;
    assert_eq!(n_ahead, 100_000);
    eprintln!("prefetch(4): peak {ahead_small} B streaming 10,000 items, {ahead_large} B streaming 100,000");
    for (items, peak) in [("10,000", ahead_small), ("100,000", ahead_large)] {
        assert!(
            peak <= small * 5,
            "prefetch(4) over {items} items peaked at {peak} B: above 5 pages' worth ({} B)",
            small * 5
        );
    }
}
