//! `intellectmoney receive` as a shop in another language runs it: the binary on a loopback
//! port, an SQLite inbox, and `--exec` writing each event where the test reads it.

use intellectmoney::personal::Notification;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_intellectmoney");
const KEY: &str = "shop-secret-key";

/// POSTs `body` to `addr` (`host:port`) over plain HTTP/1.1; the status and the body.
fn post(addr: &str, body: &[u8]) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn notification(state: &str, key: &str) -> Vec<u8> {
    Notification::builder()
        .field("eshopId", "452996")
        .field("orderId", "A-17")
        .field("serviceName", "Оплата заказа")
        .field("recipientAmount", "150.50")
        .field("recipientCurrency", "RUB")
        .field("paymentStatus", state)
        .field("paymentData", "2026-12-04 10:00:00")
        .field("secretKey", "")
        .sign(key)
}

#[test]
fn a_shop_in_any_language_gets_each_event_once_through_exec() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let mut child = Command::new(BIN)
        .args(["receive", "--listen", "127.0.0.1:0", "--settle", "0s", "--journal"])
        .arg(dir.path().join("inbox.db"))
        .arg("--exec")
        .arg(format!("cat >> '{}'; echo >> '{}'", events.display(), events.display()))
        .env("INTELLECTMONEY_SECRET_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    // Created, then Paid twice (IntellectMoney sends it again until it reads OK), then a forgery.
    assert_eq!(post(&addr, &notification("3", KEY)), (200, "OK".to_owned()));
    for _ in 0..2 {
        assert_eq!(post(&addr, &notification("5", KEY)), (200, "OK".to_owned()));
    }
    let (status, why) = post(&addr, &notification("8", "not-the-key"));
    assert_eq!(status, 400, "{why}");
    // Wait for both events to be handed on.
    let start = Instant::now();
    let lines = loop {
        let text = std::fs::read_to_string(&events).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if lines.len() >= 2 || start.elapsed() > Duration::from_secs(20) {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // A moment more: nothing else may come.
    std::thread::sleep(Duration::from_millis(700));
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&events).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    let json: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(json[0]["state"], "Created");
    assert_eq!(json[1]["state"], "Paid");
    assert_eq!(json[1]["invoice"], "452996/A-17");
    assert_eq!(json[1]["attempt"], 1);
    assert_eq!(json[1]["notification"]["recipientAmount"], "150.50");
    assert_eq!(json[1]["notification"]["serviceName"], "Оплата заказа");
}
