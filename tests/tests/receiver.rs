//! The Result-URL receiver over real HTTP on loopback: notifications built and signed as
//! IntellectMoney does (windows-1251 form, MD5 hash), recorded in a real SQLite inbox (one
//! instance) or PostgreSQL (two instances at once), and handed to a handler that counts what it
//! was given.

use intellectmoney::personal::Notification;
use intellectmoney::receiver::{Dispatch, Inbox, Receiver, ReceiverError, SqliteInbox, Status};
use intellectmoney_tests::postgres;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "shop-secret-key";

/// A notification of invoice `order` in `state` (the spec's code), signed with `key`.
fn notification(order: &str, state: &str, amount: &str, key: &str) -> Vec<u8> {
    Notification::builder()
        .field("eshopId", "452996")
        .field("orderId", order)
        .field("serviceName", "Оплата заказа")
        .field("recipientAmount", amount)
        .field("recipientCurrency", "RUB")
        .field("paymentStatus", state)
        .field("userEmail", "buyer@example.com")
        .field("paymentData", "2026-12-04 10:00:00")
        .field("secretKey", "")
        .sign(key)
}

/// The receiver's router served on a loopback port; its URL.
async fn serve(receiver: &Receiver<Notification>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let router = receiver.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

async fn post(url: &str, body: Vec<u8>) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// What a handler was given: (invoice, state, amount).
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// Hands on what is due now to a handler that records what it gets.
async fn hand_on(receiver: &Receiver<Notification>, options: &Dispatch, seen: &Seen) -> usize {
    let seen = seen.clone();
    let mut handler = move |e: intellectmoney::receiver::Event, n: Notification| {
        let seen = seen.clone();
        async move {
            let amount = n.recipient_amount.map(|a| a.to_string()).unwrap_or_default();
            seen.lock().unwrap().push((e.invoice, e.state, amount));
            Ok::<(), String>(())
        }
    };
    receiver.dispatch_due(options, &mut handler).await.unwrap()
}

fn sqlite_receiver(dir: &std::path::Path) -> Receiver<Notification> {
    Receiver::new(KEY, SqliteInbox::open(dir.join("inbox.db")).unwrap()).unwrap()
}

#[tokio::test]
async fn a_notification_is_answered_ok_once_recorded_and_handed_on_once() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = sqlite_receiver(dir.path());
    let url = serve(&receiver).await;
    let body = notification("A-17", "5", "150.50", KEY);
    // IntellectMoney sends it again until it reads OK: the same event each time.
    for _ in 0..3 {
        assert_eq!(post(&url, body.clone()).await, (200, "OK".to_owned()));
    }
    let now = Dispatch::default().settle(Duration::ZERO);
    let seen = Seen::default();
    assert_eq!(hand_on(&receiver, &now, &seen).await, 1);
    assert_eq!(hand_on(&receiver, &now, &seen).await, 0, "handed on once");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, vec![("452996/A-17".into(), "Paid".into(), "150.50".into())]);
    // The form's own secretKey field is not kept; the event is delivered.
    let events = receiver_events(dir.path()).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status, Status::Delivered);
    let stored = std::fs::read(dir.path().join("inbox.db")).unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(KEY));
}

async fn receiver_events(dir: &std::path::Path) -> Vec<intellectmoney::receiver::EventRecord> {
    SqliteInbox::open(dir.join("inbox.db")).unwrap().events().await.unwrap()
}

#[tokio::test]
async fn a_notification_that_does_not_verify_is_refused_and_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = sqlite_receiver(dir.path());
    let url = serve(&receiver).await;
    // Signed with another key, tampered with, not a form, too large: refused with why, never OK.
    let other = notification("A-1", "5", "10.00", "another-key");
    let mut tampered = notification("A-1", "5", "10.00", KEY);
    let at = tampered.windows(6).position(|w| w == b"10.00&").unwrap();
    tampered[at] = b'9';
    for (what, body) in [
        ("other key", other),
        ("tampered", tampered),
        ("garbage", b"%%%".to_vec()),
    ] {
        let (status, text) = post(&url, body).await;
        assert_eq!(status, 400, "{what}: {text}");
        assert!(text.starts_with("refused: "), "{what}: {text}");
    }
    let (status, _) = post(&url, vec![b'a'; 1 << 20]).await;
    assert_eq!(status, 413);
    assert!(receiver_events(dir.path()).await.is_empty(), "nothing recorded");
    // A receiver is never made with an empty key: anyone can hash with it.
    let empty = Receiver::<Notification>::new(" ", SqliteInbox::open(dir.path().join("x.db")).unwrap());
    assert!(matches!(empty, Err(ReceiverError::EmptySecretKey)));
}

#[tokio::test]
async fn events_of_an_invoice_are_handed_on_in_state_order() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = sqlite_receiver(dir.path());
    let url = serve(&receiver).await;
    // Paid (5) arrives before Created (3), within the settle time: Created is handed on first.
    assert_eq!(post(&url, notification("B-1", "5", "10.00", KEY)).await.0, 200);
    assert_eq!(post(&url, notification("B-1", "3", "10.00", KEY)).await.0, 200);
    let options = Dispatch::default().settle(Duration::from_millis(300));
    let seen = Seen::default();
    assert_eq!(
        hand_on(&receiver, &options, &seen).await,
        0,
        "nothing before the settle time"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(hand_on(&receiver, &options, &seen).await, 2);
    // Held (6) comes after Paid was handed on: an earlier state, superseded, never handed on.
    assert_eq!(post(&url, notification("B-1", "6", "10.00", KEY)).await.0, 200);
    // Refunded (8) is later: handed on.
    assert_eq!(post(&url, notification("B-1", "8", "10.00", KEY)).await.0, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(hand_on(&receiver, &options, &seen).await, 1);
    let states: Vec<String> = seen.lock().unwrap().iter().map(|s| s.1.clone()).collect();
    assert_eq!(states, ["Created", "Paid", "Refunded"]);
    let events = receiver_events(dir.path()).await;
    let held = events.iter().find(|e| e.state == "Held").unwrap();
    assert_eq!(held.status, Status::Superseded);
}

#[tokio::test]
async fn a_failing_handler_is_called_again_then_the_event_is_dead_and_the_invoice_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = sqlite_receiver(dir.path());
    let url = serve(&receiver).await;
    assert_eq!(post(&url, notification("C-1", "3", "10.00", KEY)).await.0, 200);
    assert_eq!(post(&url, notification("C-1", "5", "10.00", KEY)).await.0, 200);
    let options = Dispatch::default()
        .settle(Duration::ZERO)
        .retries(3, Duration::from_millis(50));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut handler = {
        let calls = calls.clone();
        move |e: intellectmoney::receiver::Event, _n: Notification| {
            let calls = calls.clone();
            async move {
                calls.lock().unwrap().push((e.state.clone(), e.attempts));
                // Created always fails, quoting a card number and the SecretKey (a command
                // given the key as an argument, say): neither is kept.
                match e.state.as_str() {
                    "Created" => Err(format!(
                        "the shop's database is down, card 4111111111111111, `handler --key {KEY}`"
                    )),
                    _ => Ok(()),
                }
            }
        }
    };
    for _ in 0..20 {
        receiver.dispatch_due(&options, &mut handler).await.unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let calls = calls.lock().unwrap().clone();
    // Three calls of Created (attempts 0, 1, 2), and only then Paid: the invoice's order holds.
    assert_eq!(
        calls,
        vec![
            ("Created".into(), 0),
            ("Created".into(), 1),
            ("Created".into(), 2),
            ("Paid".into(), 0)
        ]
    );
    let events = receiver_events(dir.path()).await;
    let created = events.iter().find(|e| e.state == "Created").unwrap();
    assert_eq!((created.status, created.attempts), (Status::Dead, 3));
    let error = created.error.clone().unwrap();
    assert!(
        error.contains("database is down") && !error.contains("4111111111111111") && !error.contains(KEY),
        "{error}"
    );
    assert_eq!(
        events.iter().find(|e| e.state == "Paid").unwrap().status,
        Status::Delivered
    );
}

#[tokio::test]
async fn two_instances_on_one_postgres_inbox_hand_each_event_on_once_in_order() {
    let Some(url) = postgres::database("receiver_two").await else {
        return;
    };
    use intellectmoney::receiver::PostgresInbox;
    let a = Receiver::<Notification>::new(KEY, PostgresInbox::open(&url).await.unwrap()).unwrap();
    let b = Receiver::<Notification>::new(KEY, PostgresInbox::open(&url).await.unwrap()).unwrap();
    let (url_a, url_b) = (serve(&a).await, serve(&b).await);
    // 30 invoices, three states each, sent in a shuffled order, each to both instances at once,
    // and a third of them twice more.
    let mut sends = Vec::new();
    for i in 0..30 {
        for state in ["3", "5", "8"] {
            sends.push((format!("D-{i}"), state));
        }
    }
    let mut rng = intellectmoney_tests::Rng(20261204);
    for i in (1..sends.len()).rev() {
        sends.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let mut posts = Vec::new();
    for (n, (order, state)) in sends.iter().enumerate() {
        let body = notification(order, state, "10.00", KEY);
        let times = if n % 3 == 0 { 2 } else { 1 };
        for _ in 0..times {
            posts.push((url_a.clone(), body.clone()));
            posts.push((url_b.clone(), body.clone()));
        }
    }
    let answers =
        futures_util::future::join_all(posts.into_iter().map(|(u, body)| async move { post(&u, body).await })).await;
    assert!(answers.iter().all(|a| a == &(200, "OK".to_owned())), "{answers:?}");
    // Both instances hand on at once, to one handler that notes who got what.
    let options = Dispatch::default().settle(Duration::from_millis(200));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = Seen::default();
    let (na, nb) = tokio::join!(
        async {
            let mut n = 0;
            for _ in 0..20 {
                n += hand_on(&a, &options, &seen).await;
            }
            n
        },
        async {
            let mut n = 0;
            for _ in 0..20 {
                n += hand_on(&b, &options, &seen).await;
            }
            n
        }
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 90, "each event once: {na} + {nb}");
    let mut per_invoice: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (invoice, state, _) in &seen {
        per_invoice.entry(invoice.clone()).or_default().push(state.clone());
    }
    for (invoice, states) in &per_invoice {
        assert_eq!(states, &["Created", "Paid", "Refunded"], "{invoice}: in state order");
    }
    eprintln!("two instances: {na} and {nb} events handed on");
}

/// A handler slower than the lease keeps its invoice (its claim is renewed while it runs): a
/// second dispatcher beside it does not hand the same event on again.
#[tokio::test]
async fn a_handler_slower_than_the_lease_keeps_its_event() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = sqlite_receiver(dir.path());
    let url = serve(&receiver).await;
    assert_eq!(post(&url, notification("E-1", "5", "10.00", KEY)).await.0, 200);
    let options = Dispatch::default()
        .settle(Duration::ZERO)
        .lease(Duration::from_millis(300));
    let calls = Arc::new(Mutex::new(0));
    let slow = |calls: Arc<Mutex<i32>>| {
        move |_e: intellectmoney::receiver::Event, _n: Notification| {
            let calls = calls.clone();
            async move {
                *calls.lock().unwrap() += 1;
                tokio::time::sleep(Duration::from_millis(1200)).await;
                Ok::<(), String>(())
            }
        }
    };
    let (mut first, mut second) = (slow(calls.clone()), slow(calls.clone()));
    let other = async {
        let mut n = 0;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            n += receiver.dispatch_due(&options, &mut second).await.unwrap();
        }
        n
    };
    // Without the renewal the two would take the event from each other for ever: bounded.
    let both = async { tokio::join!(receiver.dispatch_due(&options, &mut first), other) };
    let (a, b) = tokio::time::timeout(Duration::from_secs(30), both)
        .await
        .expect("the event went back and forth between the two dispatchers");
    assert_eq!((a.unwrap(), b), (1, 0), "handed on once");
    assert_eq!(*calls.lock().unwrap(), 1);
    let events = receiver_events(dir.path()).await;
    assert_eq!((events[0].status, events[0].attempts), (Status::Delivered, 1));
}
