//! Proxies are off unless the caller turns them on, and never carry a plain-http call: with
//! `HTTP_PROXY`, `http_proxy`, `ALL_PROXY` and `HTTPS_PROXY` all pointing at a recording proxy on
//! loopback, a call to a plain-http loopback server goes straight to it (its UserToken never
//! reaches the proxy), by default and even when the environment's proxies are turned on; an HTTPS
//! call goes through the proxy only when asked, as a `CONNECT` tunnel (TLS end to end). Its own
//! test binary: the environment is the process's.

use intellectmoney::personal::GetEshopInfo;
use intellectmoney::{Client, RetryPolicy};
use intellectmoney_tests::server::{Answer, Server};
use intellectmoney_tests::tls::Pki;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A proxy that records each request's head and tunnels `CONNECT`s.
struct RecordingProxy {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    fn start() -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let log = heads.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || tunnel(stream, &log));
            }
        });
        RecordingProxy { url, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn tunnel(mut client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    log.lock().unwrap().push(head.clone());
    let Some(target) = head.strip_prefix("CONNECT ").and_then(|r| r.split(' ').next()) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    let Ok(mut server) = TcpStream::connect(target) else {
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::spawn(move || std::io::copy(&mut c2, &mut s2));
    let _ = std::io::copy(&mut server, &mut client);
}

fn eshops() -> Answer {
    Answer::xml(
        "<Response><OperationState><Code>0</Code></OperationState><Result><State><Code>0</Code></State><EshopInfoDatas /></Result></Response>",
    )
}

#[tokio::test]
async fn proxies_are_off_by_default_and_never_carry_plain_http() {
    let proxy = RecordingProxy::start();
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
    ] {
        std::env::set_var(var, &proxy.url);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let plain = Server::always(eshops());
    for from_env in [false, true] {
        let mut builder = Client::builder()
            .base_url(plain.url())
            .user_token("TOKEN-s3cr3t")
            .retry(RetryPolicy::never());
        if from_env {
            builder = builder.proxy_from_environment();
        }
        builder
            .build()
            .unwrap()
            .get_eshop_info(GetEshopInfo::new(1))
            .await
            .unwrap();
    }
    assert_eq!(plain.received().len(), 2, "both calls reached the server directly");

    // HTTPS (this test server asks for the merchant's certificate): direct by default, through
    // the proxy (a CONNECT tunnel) when asked.
    let pki = Pki::new();
    let tls = Server::start_tls(pki.server_config(), |_, _| eshops());
    let base = tls.url().replace("127.0.0.1", "localhost");
    let tls_builder = || {
        Client::builder()
            .base_url(&base)
            .user_token("TOKEN-s3cr3t")
            .root_certificates_pem(pki.ca_pem.as_bytes())
            .unwrap()
            .identity_pem(pki.client_identity_pem.as_bytes())
            .unwrap()
            .retry(RetryPolicy::never())
    };
    let https = |env: bool| {
        let b = tls_builder();
        if env { b.proxy_from_environment() } else { b }.build().unwrap()
    };
    https(false).get_eshop_info(GetEshopInfo::new(1)).await.unwrap();
    assert!(
        proxy.heads().is_empty(),
        "nothing went to the proxy: {:?}",
        proxy.heads()
    );
    https(true).get_eshop_info(GetEshopInfo::new(1)).await.unwrap();
    let explicit = tls_builder()
        .proxy(format!(
            "http://user:pw-s3cr3t@{}",
            proxy.url.trim_start_matches("http://")
        ))
        .build()
        .unwrap();
    assert!(!format!("{explicit:?}").contains("pw-s3cr3t"));
    explicit.get_eshop_info(GetEshopInfo::new(1)).await.unwrap();
    let heads = proxy.heads();
    assert_eq!(heads.len(), 2, "{heads:?}");
    for head in &heads {
        assert!(head.starts_with("CONNECT localhost:"), "{head}");
        assert!(!head.contains("TOKEN-s3cr3t"), "{head}");
    }
    assert_eq!(tls.received().len(), 3);
}
