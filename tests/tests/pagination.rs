//! Paginated methods as streams over a server holding thousands of invoices: every item once, in
//! order, a page fetched only when the previous one is used up (so memory holds one page), and
//! the end found at a short or empty page.

use futures_util::StreamExt;
use intellectmoney::personal::GetInvoicesHistory;
use intellectmoney::{blocking, Client, Error, RetryPolicy};
use intellectmoney_tests::server::Server;

#[tokio::test]
async fn items_stream_page_by_page_and_stop_at_a_short_page() {
    let server = Server::invoice_registry(2503, None);
    let client = server.client();
    let mut items = std::pin::pin!(client.get_invoices_history_items(GetInvoicesHistory::new(100)));
    let mut seen = 0usize;
    while let Some(item) = items.next().await {
        let invoice = item.unwrap();
        assert_eq!(invoice.id, Some(seen as i64));
        seen += 1;
        // Lazy: the page holding item `seen - 1` is the last one fetched, so at most one page is
        // held, however many items pass.
        assert_eq!(server.received().len(), (seen - 1) / 100 + 1, "after {seen} items");
    }
    assert_eq!(seen, 2503);
    let sent = server.received();
    assert_eq!(sent.len(), 26, "25 full pages and a short one; no request after it");
    assert_eq!(sent[0].body_text(), "UserToken=t&Take=100");
    assert_eq!(sent[1].body_text(), "UserToken=t&Skip=100&Take=100");
    assert_eq!(sent[25].body_text(), "UserToken=t&Skip=2500&Take=100");
}

#[tokio::test]
async fn an_exact_multiple_ends_at_an_empty_page_and_skip_is_a_start() {
    let server = Server::invoice_registry(300, None);
    let client = server.client();
    let pages: Vec<_> = client
        .get_invoices_history_pages(GetInvoicesHistory::new(100).skip(100))
        .collect()
        .await;
    let sizes: Vec<usize> = pages
        .into_iter()
        .map(|p| p.unwrap().result.invoices_history_list.len())
        .collect();
    assert_eq!(sizes, [100, 100, 0]);
    assert_eq!(server.received().len(), 3);
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_items_before_it() {
    let server = Server::invoice_registry(1000, Some(2));
    let client = server.client();
    let results: Vec<_> = client
        .get_invoices_history_items(GetInvoicesHistory::new(100))
        .collect()
        .await;
    assert_eq!(results.len(), 201, "two pages of items, then the error");
    assert!(results[..200].iter().all(Result::is_ok));
    assert!(matches!(results[200], Err(Error::Refused { .. })), "{:?}", results[200]);
    assert_eq!(server.received().len(), 3);
}

#[test]
fn the_blocking_client_iterates_the_same_items() {
    let server = Server::invoice_registry(250, None);
    let client = blocking::Client::new(
        Client::builder()
            .base_url(server.url())
            .user_token("t")
            .retry(RetryPolicy::never()),
    )
    .unwrap();
    let ids: Vec<i64> = client
        .get_invoices_history_items(GetInvoicesHistory::new(100))
        .map(|r| r.unwrap().id.unwrap())
        .collect();
    assert_eq!(ids, (0..250).collect::<Vec<i64>>());
    assert_eq!(server.received().len(), 3);
}

/// A page of `n` invoices numbered from `from`.
fn page(from: usize, n: usize) -> intellectmoney_tests::server::Answer {
    let items: String = (from..from + n)
        .map(|i| format!("<InvoiceData><Id>{i}</Id></InvoiceData>"))
        .collect();
    intellectmoney_tests::server::Answer::xml(format!(
        "<Response><OperationState><Code>0</Code></OperationState><Result><State><Code>0</Code></State><InvoicesHistoryList>{items}</InvoicesHistoryList></Result></Response>"
    ))
}

#[tokio::test]
async fn a_server_repeating_a_full_page_stops_the_stream() {
    // The hostile case: full pages for ever, the same one each time.
    let server = Server::always(page(0, 10));
    let results: Vec<_> = server
        .client()
        .get_invoices_history_items(GetInvoicesHistory::new(10))
        .collect()
        .await;
    assert_eq!(results.len(), 11, "the first page, then the error");
    assert!(
        matches!(
            results[10],
            Err(Error::Paging {
                page: 2,
                problem: intellectmoney::PagingProblem::RepeatedPage,
                ..
            })
        ),
        "{:?}",
        results[10]
    );
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_page_larger_than_take_is_refused() {
    let server = Server::always(page(0, 11));
    let results: Vec<_> = server
        .client()
        .get_invoices_history_pages(GetInvoicesHistory::new(10))
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    let e = results[0].as_ref().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Paging {
                problem: intellectmoney::PagingProblem::PageTooLarge { take: 10, items: 11 },
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn paging_stops_at_the_page_limit() {
    // Full, distinct pages without end: the limit ends them, one page at a time or 4 ahead.
    for ahead in [1, 4] {
        let server = Server::invoice_registry(usize::MAX / 2, None);
        let client = Client::builder()
            .base_url(server.url())
            .user_token("t")
            .retry(RetryPolicy::never())
            .max_pages(3)
            .build()
            .unwrap();
        let request = GetInvoicesHistory::new(5);
        let results: Vec<_> = match ahead {
            1 => client.get_invoices_history_pages(request).collect().await,
            _ => client.pages_prefetch(request, ahead).collect().await,
        };
        assert_eq!(results.len(), 4, "ahead {ahead}");
        assert!(results[..3].iter().all(Result::is_ok));
        let e = results[3].as_ref().unwrap_err();
        assert!(
            matches!(
                e,
                Error::Paging {
                    page: 4,
                    problem: intellectmoney::PagingProblem::TooManyPages { limit: 3 },
                    ..
                }
            ),
            "ahead {ahead}: {e:?}"
        );
        assert_eq!(server.received().len(), 3, "ahead {ahead}: no request past the limit");
    }
}

/// A registry of `total` invoices whose every answer takes `latency`, noting the most requests
/// it had in hand at once.
fn slow_registry(
    total: usize,
    latency: std::time::Duration,
) -> (Server, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let seen = most.clone();
    // The registry's answers, each after the latency, counted while in hand.
    let server = Server::start(move |req, _| {
        let here = now.fetch_add(1, Ordering::SeqCst) + 1;
        most.fetch_max(here, Ordering::SeqCst);
        std::thread::sleep(latency);
        now.fetch_sub(1, Ordering::SeqCst);
        intellectmoney_tests::server::registry_page(req, total)
    });
    (server, seen)
}

/// With a prefetch of 4, four pages are on their way at once, every item comes once and in
/// order, and after the short page nothing more is requested: at most the 3 pages already on
/// their way go past the end, and none of their items is yielded.
#[tokio::test]
async fn a_prefetch_overlaps_pages_and_keeps_their_order() {
    let (server, most) = slow_registry(2503, std::time::Duration::from_millis(20));
    let client = server.client();
    let ids: Vec<i64> = client
        .items_prefetch(GetInvoicesHistory::new(100), 4)
        .map(|item| item.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(ids, (0..2503).collect::<Vec<i64>>());
    assert_eq!(
        most.load(std::sync::atomic::Ordering::SeqCst),
        4,
        "pages in flight at once"
    );
    let mut skips: Vec<usize> = server
        .received()
        .iter()
        .map(|r| {
            let body = r.body_text();
            body.split('&')
                .find_map(|kv| kv.strip_prefix("Skip="))
                .map_or(0, |v| v.parse().unwrap())
        })
        .collect();
    skips.sort();
    assert_eq!(skips[..26], (0..26).map(|p| p * 100).collect::<Vec<_>>()[..]);
    assert!(skips.len() <= 26 + 3, "requests past the short page: {skips:?}");
    assert!(skips[26..].iter().all(|&s| s > 2500));
}

/// The client's `max_connections` bounds a prefetch: 8 pages asked ahead, 2 in flight.
#[tokio::test]
async fn a_prefetch_keeps_to_max_connections() {
    let (server, most) = slow_registry(1000, std::time::Duration::from_millis(20));
    let client = Client::builder()
        .base_url(server.url())
        .user_token("t")
        .max_connections(2)
        .build()
        .unwrap();
    let pages = client
        .pages_prefetch(GetInvoicesHistory::new(100), 8)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 11, "10 full pages and an empty one");
    assert!(pages.iter().all(Result::is_ok));
    assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// A prefetch holds at most `ahead` pages beyond the one in use, however long the export: memory
/// stays independent of the number of pages.
#[tokio::test]
async fn a_prefetch_runs_at_most_its_pages_ahead() {
    let server = Server::invoice_registry(5000, None);
    let client = server.client();
    let mut items = std::pin::pin!(client.items_prefetch(GetInvoicesHistory::new(50), 3));
    let mut seen = 0usize;
    while let Some(item) = items.next().await {
        assert_eq!(item.unwrap().id, Some(seen as i64));
        seen += 1;
        let in_use = (seen - 1) / 50 + 1;
        let requested = server.received().len();
        assert!(
            requested <= in_use + 3,
            "{requested} pages requested while page {in_use} is used"
        );
    }
    assert_eq!(seen, 5000);
}

/// The blocking client fetches ahead too: 4 pages in flight at once, every item once and in
/// order.
#[test]
fn the_blocking_client_prefetches() {
    let (server, most) = slow_registry(1250, std::time::Duration::from_millis(20));
    let client = blocking::Client::new(Client::builder().base_url(server.url()).user_token("t")).unwrap();
    let ids: Vec<i64> = client
        .items_prefetch(GetInvoicesHistory::new(100), 4)
        .map(|r| r.unwrap().id.unwrap())
        .collect();
    assert_eq!(ids, (0..1250).collect::<Vec<i64>>());
    assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 4);
}
