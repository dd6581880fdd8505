//! A real HTTP/1.1 server on loopback for wire tests: it records every request it receives,
//! byte for byte, and answers as the test says — with an example, a status page, a body that
//! breaks off, a delay, or a dropped connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`.
    pub method: String,
    /// `/personal/user/getUserToken`.
    pub path: String,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The TLS client certificate the peer presented (DER), on a TLS server.
    pub client_certificate: Option<Vec<u8>>,
}

impl Received {
    /// The value of a header, if it was sent (once).
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut found = self.headers.iter().filter(|(n, _)| n == name);
        let first = found.next().map(|(_, v)| v.as_str());
        assert!(found.next().is_none(), "header `{name}` sent twice");
        first
    }

    /// The body as text.
    pub fn body_text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }
}

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A complete answer.
    Http {
        /// Status code.
        status: u16,
        /// `Content-Type`.
        content_type: String,
        /// Body.
        body: String,
    },
    /// A `200` whose body stops after `sent` bytes of `body`, then the connection closes.
    Truncated {
        /// The whole body (its length is announced).
        body: String,
        /// How many bytes are sent.
        sent: usize,
    },
    /// A `200` whose body stops after `sent` bytes of `body`, then the connection is reset (a TCP
    /// RST, not an orderly close).
    Reset {
        /// The whole body (its length is announced).
        body: String,
        /// How many bytes are sent.
        sent: usize,
    },
    /// A `200` that sends `sent` bytes of `body` at once and the rest after `pause`.
    Slow {
        /// The whole body (its length is announced).
        body: String,
        /// How many bytes are sent at once.
        sent: usize,
        /// The wait before the rest.
        pause: Duration,
    },
    /// A `200` with these bytes as an XML body (they need not be UTF-8).
    Bytes(Vec<u8>),
    /// The connection is closed without an answer.
    Close,
    /// Waits, then answers.
    Delay(Duration, Box<Answer>),
}

impl Answer {
    /// `200` with an XML body.
    pub fn xml(body: impl Into<String>) -> Self {
        Answer::Http {
            status: 200,
            content_type: "text/xml; charset=utf-8".into(),
            body: body.into(),
        }
    }

    /// `200` with a JSON body.
    pub fn json(body: impl Into<String>) -> Self {
        Answer::Http {
            status: 200,
            content_type: "application/json; charset=utf-8".into(),
            body: body.into(),
        }
    }
}

type Handler = dyn Fn(&Received, usize) -> Answer + Send + Sync;

/// The server; it stops when dropped (the listener thread ends with the process).
pub struct Server {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    tls: bool,
}

impl Server {
    /// Starts a server whose handler gets each request and its index (0 for the first).
    pub fn start(handler: impl Fn(&Received, usize) -> Answer + Send + Sync + 'static) -> Server {
        Server::listen(None, handler)
    }

    /// A server over TLS with this configuration (`https://localhost:<port>`).
    pub fn start_tls(
        config: Arc<rustls::ServerConfig>,
        handler: impl Fn(&Received, usize) -> Answer + Send + Sync + 'static,
    ) -> Server {
        Server::listen(Some(config), handler)
    }

    fn listen(
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Received, usize) -> Answer + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = received.clone();
        let tls_used = tls.is_some();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let handler = handler.clone();
                let log = log.clone();
                let tls = tls.clone();
                // A reset is an abortive close: linger 0 on the socket, then every handle dropped.
                let Ok(raw) = stream.try_clone() else { continue };
                let reset = move || {
                    let _ = socket2::SockRef::from(&raw).set_linger(Some(Duration::ZERO));
                };
                std::thread::spawn(move || match tls {
                    None => serve(stream, None, &*handler, &log, &reset),
                    Some(config) => {
                        let Ok(conn) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        let mut tls = rustls::StreamOwned::new(conn, stream);
                        // Finish the handshake before reading, so that the peer's certificate is known.
                        while tls.conn.is_handshaking() {
                            if tls.conn.complete_io(&mut tls.sock).is_err() {
                                return;
                            }
                        }
                        let cert = tls.conn.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec());
                        serve(tls, cert, &*handler, &log, &reset)
                    }
                });
            }
        });
        Server {
            addr,
            received,
            tls: tls_used,
        }
    }

    /// getInvoicesHistory over invoices `0..total`, answering `Skip`/`Take` like the API (in
    /// XML); `fail_at` refuses the request with that index.
    pub fn invoice_registry(total: usize, fail_at: Option<usize>) -> Server {
        Server::start(move |req: &Received, index| {
            if Some(index) == fail_at {
                return Answer::xml(
                    "<Response><OperationState><Code>2</Code><Desc>Ошибка</Desc></OperationState></Response>",
                );
            }
            registry_page(req, total)
        })
    }

    /// A server that answers every request with the same answer.
    pub fn always(answer: Answer) -> Server {
        Server::start(move |_, _| answer.clone())
    }

    /// A client of this server with the UserToken `t` and no retries, which shows every fault.
    pub fn client(&self) -> intellectmoney::Client {
        intellectmoney::Client::builder()
            .base_url(self.url())
            .user_token("t")
            // Payout calls are always signed: the client sends none without these.
            .bearer_token("bearer")
            .sign_secret("s3cr3t")
            .retry(intellectmoney::RetryPolicy::never())
            .build()
            .expect("a loopback client builds")
    }

    /// `http://127.0.0.1:<port>`, or `https://localhost:<port>` over TLS.
    pub fn url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://{}", self.addr)
        }
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve<S: Read + Write>(
    stream: S,
    cert: Option<Vec<u8>>,
    handler: &Handler,
    log: &Mutex<Vec<Received>>,
    reset: &dyn Fn(),
) {
    let mut reader = BufReader::new(stream);
    loop {
        let Some(mut request) = read_request(&mut reader) else {
            return;
        };
        request.client_certificate = cert.clone();
        let index = {
            let mut log = log.lock().unwrap();
            log.push(request.clone());
            log.len() - 1
        };
        let mut answer = handler(&request, index);
        let out = reader.get_mut();
        while let Answer::Delay(d, next) = answer {
            std::thread::sleep(d);
            answer = *next;
        }
        match answer {
            Answer::Http {
                status,
                content_type,
                body,
            } => {
                // One write: a head and a body in separate segments meet delayed ACKs (40 ms).
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if out.write_all(answer.as_bytes()).is_err() || out.flush().is_err() {
                    return;
                }
            }
            Answer::Truncated { body, sent } => {
                let _ = out.write_all(head_of(body.len()).as_bytes());
                let _ = out.write_all(&body.as_bytes()[..sent]);
                let _ = out.flush();
                return;
            }
            Answer::Reset { body, sent } => {
                let _ = out.write_all(head_of(body.len()).as_bytes());
                let _ = out.write_all(&body.as_bytes()[..sent]);
                let _ = out.flush();
                reset();
                return;
            }
            Answer::Slow { body, sent, pause } => {
                let _ = out.write_all(head_of(body.len()).as_bytes());
                let _ = out.write_all(&body.as_bytes()[..sent]);
                let _ = out.flush();
                std::thread::sleep(pause);
                if out.write_all(&body.as_bytes()[sent..]).is_err() || out.flush().is_err() {
                    return;
                }
            }
            Answer::Bytes(body) => {
                if out.write_all(head_of(body.len()).as_bytes()).is_err()
                    || out.write_all(&body).is_err()
                    || out.flush().is_err()
                {
                    return;
                }
            }
            Answer::Close => return,
            Answer::Delay(..) => unreachable!(),
        }
    }
}

/// The head of a `200` XML answer whose body has `len` bytes.
fn head_of(len: usize) -> String {
    format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {len}\r\n\r\n")
}

fn read_request<S: Read>(reader: &mut BufReader<S>) -> Option<Received> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        method,
        path,
        headers,
        body,
        client_certificate: None,
    })
}

/// getInvoicesHistory's answer over invoices `0..total` for a request's `Skip`/`Take` (in XML),
/// as the API pages it.
pub fn registry_page(req: &Received, total: usize) -> Answer {
    let body = req.body_text();
    let field = |name: &str| -> usize {
        body.split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .map_or(0, |v| v.parse().unwrap())
    };
    let (skip, take) = (field("Skip"), field("Take"));
    let items: String = (skip..(skip + take).min(total))
        .map(|i| format!("<InvoiceData><Id>{i}</Id></InvoiceData>"))
        .collect();
    Answer::xml(format!(
        "<Response><OperationState><Code>0</Code></OperationState><Result><State><Code>0</Code></State><InvoicesHistoryList>{items}</InvoicesHistoryList></Result></Response>"
    ))
}
