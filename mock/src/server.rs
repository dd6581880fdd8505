//! The mock's HTTP server: a thread of its own with its own runtime, so that it serves sync and
//! async tests alike, on a loopback port.

use crate::check;
use crate::payout::Payouts;
use crate::{MockApi as Api, MockCode, MockEnvelope};
use crate::{MockMethod, MockRequest, MockRole, Override, PayoutScript, PayoutShape, PayoutStep};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use intellectmoney_runtime::Format;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What a builder collects, shared with the running server.
#[derive(Default)]
struct Config {
    addr: Option<SocketAddr>,
    sign_secret: Option<String>,
    lax_signing: bool,
    user_token: Option<String>,
    credentials: Option<(String, String)>,
    payout: PayoutScript,
    /// The version chosen of each API that has versions (the others answer their default).
    versions: Vec<(&'static str, &'static str)>,
}

/// Configures a [`MockServer`] of the generated API `A`.
pub struct MockBuilder<A: Api> {
    config: Config,
    api: PhantomData<A>,
}

impl<A: Api> Default for MockBuilder<A> {
    fn default() -> Self {
        MockBuilder {
            config: Config::default(),
            api: PhantomData,
        }
    }
}

// The secrets it checks against never reach `Debug`.
impl<A: Api> std::fmt::Debug for MockBuilder<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.config;
        f.debug_struct("MockBuilder")
            .field("addr", &c.addr)
            .field("sign_secret", &c.sign_secret.as_ref().map(|_| "[redacted]"))
            .field("lax_signing", &c.lax_signing)
            .field("user_token", &c.user_token.as_ref().map(|_| "[redacted]"))
            .field("login", &c.credentials.as_ref().map(|(l, _)| l))
            .field("payout", &c.payout)
            .field("versions", &c.versions)
            .finish()
    }
}

impl<A: Api> MockBuilder<A> {
    /// Listens on this address (default: a free loopback port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.config.addr = Some(addr);
        self
    }

    /// Checks `Sign` on every method with a template, against this signSecretKey.
    pub fn sign_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.sign_secret = Some(secret.into());
        self
    }

    /// Answers this version of an API (default: the spec's default): its methods only, each
    /// checked against this version's `Sign` template; a request of another version is refused
    /// with a message that names both.
    pub fn api_version<V: intellectmoney_runtime::ApiVersion>(mut self, version: V) -> Self {
        self.config.versions.retain(|(api, _)| *api != V::API);
        self.config.versions.push((V::API, version.name()));
        self
    }

    /// Accepts a method the spec says is always signed without `Authorization` and `Sign` (by
    /// default the mock refuses it, as IntellectMoney does). For tests of what happens then.
    pub fn lax_signing(mut self) -> Self {
        self.config.lax_signing = true;
        self
    }

    /// Accepts only this UserToken (any other answers "authentication failed", code 2); getUserToken
    /// hands it out.
    pub fn user_token(mut self, token: impl Into<String>) -> Self {
        self.config.user_token = Some(token.into());
        self
    }

    /// getUserToken accepts only this login and password.
    pub fn credentials(mut self, login: impl Into<String>, password: impl Into<String>) -> Self {
        self.config.credentials = Some((login.into(), password.into()));
        self
    }

    /// How payouts end (default: completed after one poll in process).
    pub fn payout(mut self, script: PayoutScript) -> Self {
        self.config.payout = script;
        self
    }

    /// Starts the server.
    pub fn start(self) -> MockServer<A> {
        let config = self.config;
        let addr = config.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = std::net::TcpListener::bind(addr).expect("the mock cannot listen");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let versions = A::VERSIONS
            .iter()
            .filter_map(|v| {
                intellectmoney_runtime::api::version_of::<A>(&config.versions, v.api).map(|name| (v.api, name))
            })
            .collect();
        let state = Arc::new(State {
            versions,
            payouts: Mutex::new(Payouts::new(config.payout.clone())),
            config,
            methods: A::methods().iter().flat_map(|api| api.iter()).collect(),
            envelope: A::ENVELOPE,
            secret_fields: A::SECRET_FIELDS,
            overrides: Mutex::new(HashMap::new()),
            records: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            accepted: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            max_open: AtomicUsize::new(0),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the mock's runtime");
            runtime.block_on(serve(listener, shared, stopped));
        });
        MockServer {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
            api: PhantomData,
        }
    }
}

/// A running mock. Stops when dropped.
pub struct MockServer<A: Api> {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    api: PhantomData<A>,
}

impl<A: Api> std::fmt::Debug for MockServer<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer").field("addr", &self.addr).finish()
    }
}

struct State {
    config: Config,
    /// The version answered of each API that has versions.
    versions: Vec<(&'static str, &'static str)>,
    /// Every method of the API, from the generated tables.
    methods: Vec<&'static MockMethod>,
    /// The API's envelope, codes and words (generated).
    envelope: MockEnvelope,
    /// The API's secret fields, masked in what the mock shows.
    secret_fields: &'static [&'static str],
    /// Each method's behaviour, and how many more calls it lasts (`None`: until reset).
    overrides: Mutex<HashMap<String, (Override, Option<usize>)>>,
    /// The methods answered from a data set of records, and how many.
    records: Mutex<HashMap<&'static str, usize>>,
    requests: Mutex<Vec<MockRequest>>,
    payouts: Mutex<Payouts>,
    accepted: AtomicUsize,
    open: AtomicUsize,
    max_open: AtomicUsize,
}

/// The connections a mock has seen (for load tests: how many a client opened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connections {
    /// Accepted since the start.
    pub accepted: usize,
    /// Open now.
    pub open: usize,
    /// The most that were open at the same time.
    pub max_open: usize,
}

/// Counts a connection as open while it lives.
struct OpenConnection(Arc<State>);

impl OpenConnection {
    fn new(state: Arc<State>) -> Self {
        state.accepted.fetch_add(1, Ordering::SeqCst);
        let open = state.open.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_open.fetch_max(open, Ordering::SeqCst);
        OpenConnection(state)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<A: Api> MockServer<A> {
    /// A mock with the defaults, on a free loopback port.
    pub fn start() -> MockServer<A> {
        MockBuilder::default().start()
    }

    /// A builder.
    pub fn builder() -> MockBuilder<A> {
        MockBuilder::default()
    }

    /// `http://127.0.0.1:<port>`: the client's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers `method` this way from now on. The method is its spec name in any case
    /// (`getInvoicesHistory`, `GetInvoicesHistory`), or better its request type's
    /// `METHOD.name` (`GetInvoicesHistory::METHOD.name`).
    ///
    /// # Panics
    ///
    /// When the spec has no such method: a test that sets a misspelt one must not silently
    /// test the example instead.
    pub fn set(&self, method: &str, behaviour: Override) {
        let name = self.state.spec_name(method);
        self.state
            .overrides
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned(), (behaviour, None));
    }

    /// Answers `method` this way for its next `times` calls, then as usual again: a burst of
    /// errors (`Override::Respond { status: 503, .. }` three times) that a retry outlasts.
    ///
    /// # Panics
    /// When the spec has no such method (as [`Self::set`]).
    pub fn set_times(&self, method: &str, behaviour: Override, times: usize) {
        let name = self.state.spec_name(method);
        let mut overrides = self.state.overrides.lock().unwrap_or_else(|e| e.into_inner());
        if times == 0 {
            overrides.remove(name);
        } else {
            overrides.insert(name.to_owned(), (behaviour, Some(times)));
        }
    }

    /// Whether the spec has this method (its name in any case).
    pub fn knows(&self, method: &str) -> bool {
        self.state
            .methods
            .iter()
            .any(|m| m.info.name.eq_ignore_ascii_case(method))
    }

    /// Answers the method of request type `R` this way from now on: the typed form of
    /// [`Self::set`] (`mock.set_for::<GetEshopInfo>(..)`), where a misspelling does not compile.
    pub fn set_for<R: intellectmoney_runtime::ApiRequest<Api = A>>(&self, behaviour: Override) {
        self.set(R::METHOD.name, behaviour);
    }

    /// Answers a paged method (`getInvoicesHistory`, any case) from a data set of `total`
    /// records from now on: each page holds the records `Skip`..`Skip + Take`, each shaped like
    /// the example's first item and numbered 1 to `total` by its key, so that a paging loop can
    /// be tested (a page shorter than `Take` is the last).
    ///
    /// # Panics
    /// When the spec has no such method, or the method does not page by a key
    /// ([`Self::try_records`] says so instead).
    pub fn records(&self, method: &str, total: usize) {
        if let Err(why) = self.try_records(method, total) {
            panic!("{why}");
        }
    }

    /// [`Self::records`], or why the method has no data set.
    pub fn try_records(&self, method: &str, total: usize) -> Result<(), String> {
        let keyed = |m: &&&MockMethod| m.paging.is_some_and(|p| p.key.is_some());
        let Some(found) = self
            .state
            .methods
            .iter()
            .find(|m| m.info.name.eq_ignore_ascii_case(method))
        else {
            let known: Vec<&str> = self.state.methods.iter().filter(keyed).map(|m| m.info.name).collect();
            return Err(format!(
                "the mock has no method `{method}`; the methods with a data set: {}",
                known.join(", ")
            ));
        };
        if !keyed(&found) {
            let able: Vec<&str> = self.state.methods.iter().filter(keyed).map(|m| m.info.name).collect();
            return Err(format!(
                "{} has no data set of records (the spec gives it no `pagination: key:`); the methods that have one: {}",
                found.info.name,
                able.join(", ")
            ));
        }
        self.state
            .records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(found.info.name, total);
        Ok(())
    }

    /// [`Self::records`] for the method of request type `R`.
    pub fn records_for<R: intellectmoney_runtime::Paginated<Api = A>>(&self, total: usize) {
        self.records(R::METHOD.name, total);
    }

    /// The requests received so far for the method of request type `R`.
    pub fn requests_for<R: intellectmoney_runtime::ApiRequest<Api = A>>(&self) -> Vec<MockRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == Some(R::METHOD.name))
            .collect()
    }

    /// Answers `method` with its example again (any case; panics on a method the spec lacks).
    pub fn reset(&self, method: &str) {
        let name = self.state.spec_name(method);
        self.state
            .overrides
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<MockRequest> {
        self.state.requests.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The connections seen so far.
    pub fn connections(&self) -> Connections {
        Connections {
            accepted: self.state.accepted.load(Ordering::SeqCst),
            open: self.state.open.load(Ordering::SeqCst),
            max_open: self.state.max_open.load(Ordering::SeqCst),
        }
    }

    /// Runs until the process ends (the CLI's `mock-server`).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<A: Api> Drop for MockServer<A> {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(listener: std::net::TcpListener, state: Arc<State>, mut stopped: tokio::sync::oneshot::Receiver<()>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        // hyper writes a head and a body in separate segments; with Nagle's algorithm the body
        // would wait for the client's delayed ACK (40 ms on Linux).
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let counted = OpenConnection::new(state.clone());
        tokio::spawn(async move {
            let _counted = counted;
            // An answer lost on purpose is an error of the service: hyper closes the connection.
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { answer(&state, req).await.ok_or("the answer is lost on purpose") }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

fn reply(status: u16, content_type: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response")
}

/// An answer: the envelope with this processing code and its words, and the result if any.
/// Written in the spec's order (serde_json's maps would sort the keys).
fn envelope(e: &MockEnvelope, format: Format, state: MockCode, desc: &str, result: Option<&str>) -> String {
    let status = status(format, e.service_code, state.code, e.service_desc.map(|t| (t, desc)));
    let status = match e.service {
        Some(service) => nest(format, service, &status),
        None => status,
    };
    let name = e.result;
    match format {
        Format::Xml => {
            let result = result.map(|r| format!("<{name}>{r}</{name}>")).unwrap_or_default();
            let root = e.root;
            format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><{root}>{status}{result}</{root}>")
        }
        Format::Json => {
            let result = result
                .map(|r| format!(",{}:{r}", json_string(name)))
                .unwrap_or_default();
            format!("{{{status}{result}}}")
        }
    }
}

/// A code's element and, when there is one, its text's element: `<Code>0</Code><Desc>…</Desc>`
/// in XML, the members `"Code":0,"Desc":"…"` in JSON.
fn status(format: Format, code_name: &str, code: i64, text: Option<(&str, &str)>) -> String {
    let code = match format {
        Format::Xml => format!("<{code_name}>{code}</{code_name}>"),
        Format::Json => format!("{}:{code}", json_string(code_name)),
    };
    let text = text.map(|(name, words)| match format {
        Format::Xml => format!("<{name}>{}</{name}>", xml_escape(words)),
        Format::Json => format!(",{}:{}", json_string(name), json_string(words)),
    });
    code + &text.unwrap_or_default()
}

/// An element holding `inner` (markup in XML; in JSON, an object's members).
fn nest(format: Format, name: &str, inner: &str) -> String {
    match format {
        Format::Xml => format!("<{name}>{inner}</{name}>"),
        Format::Json => format!("{}:{{{inner}}}", json_string(name)),
    }
}

/// A text as a JSON string, quoted and escaped.
fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn send(format: Format, body: String) -> Response<Full<Bytes>> {
    match format {
        Format::Xml => reply(200, "text/xml; charset=utf-8", body),
        Format::Json => reply(200, "application/json; charset=utf-8", body),
    }
}

/// A `Result` holding only its status (`State`, when the method's result has one) with this
/// code and its words.
fn state_only(e: &MockEnvelope, method: &MockMethod, format: Format, code: MockCode) -> Option<String> {
    let (field, code_field) = method.state?;
    let status = status(format, code_field, code.code, e.request_desc.map(|t| (t, code.text)));
    let state = nest(format, field, &status);
    Some(match format {
        Format::Xml => state,
        // The result is an object of its own.
        Format::Json => format!("{{{state}}}"),
    })
}

/// The answer to a request, or `None` when it is to be lost ([`Override::LoseAnswer`]).
async fn answer(state: &State, req: Request<Incoming>) -> Option<Response<Full<Bytes>>> {
    let path = req.uri().path().to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let method = state.method_at(&path);
    let mut record = MockRequest {
        method: method.map(|m| m.info.name),
        path: path.clone(),
        headers,
        params: Vec::new(),
        refused: None,
        secret_fields: state.secret_fields,
    };
    let Some(method) = method else {
        state.requests.lock().unwrap_or_else(|e| e.into_inner()).push(record);
        return Some(reply(404, "text/plain; charset=utf-8", format!("no method at {path}")));
    };
    let accept = record.header("accept").unwrap_or_default().to_owned();
    let format = method
        .info
        .responses
        .iter()
        .find(|r| r.accept.is_some_and(|a| accept.contains(a)))
        .or_else(|| method.info.responses.first())
        .map_or(Format::Xml, |r| r.format);
    let behaviour = state.take_override(method.info.name);
    let lose = matches!(behaviour, Some(Override::LoseAnswer));
    let (response, params, refused) = respond(state, method, &record, &body, format, behaviour).await;
    record.params = params;
    record.refused = refused;
    state.requests.lock().unwrap_or_else(|e| e.into_inner()).push(record);
    (!lose).then_some(response)
}

type Answered = (Response<Full<Bytes>>, Vec<(String, String)>, Option<String>);

async fn respond(
    state: &State,
    method: &MockMethod,
    record: &MockRequest,
    body: &[u8],
    format: Format,
    behaviour: Option<Override>,
) -> Answered {
    let refuse = |params: Vec<(String, String)>, why: String| -> Answered {
        let body = envelope(&state.envelope, format, state.envelope.failed, &why, None);
        (send(format, body), params, Some(why))
    };
    match behaviour {
        Some(Override::Respond {
            status,
            content_type,
            body,
        }) => return (reply(status, &content_type, body), Vec::new(), None),
        Some(Override::Delay(d)) => tokio::time::sleep(d).await,
        _ => {}
    }
    let media = method.info.content_type.split(';').next().unwrap_or_default();
    if !record.header("content-type").is_some_and(|c| c.starts_with(media)) {
        return refuse(Vec::new(), format!("Content-Type must be {}", method.info.content_type));
    }
    let params = match check::params(method, body) {
        Ok(p) => p,
        Err(why) => return refuse(Vec::new(), why + &state.other_version_hint(method, body)),
    };
    if let Some(Override::Refuse(why)) = behaviour {
        return refuse(params, why);
    }
    if let Err(why) = check::check(method, &params) {
        let hint = state.other_version_hint(method, body);
        return refuse(params, why + &hint);
    }
    if let Some(why) = state.version_problem(method) {
        return refuse(params, why);
    }
    if let Some(why) = signing_problem(state, method, record, &params) {
        return refuse(params, why);
    }
    match authentication_result(state, method, format, &params) {
        Some(Ok(result)) => return (processed(state, format, &result), params, None),
        Some(Err(why)) => return refuse(params, why),
        None => {}
    }
    if let Some(MockRole::Payout(step, shape)) = &method.role {
        return match payout_result(state, *step, shape, format, &params) {
            Ok(result) => (processed(state, format, &result), params, None),
            Err(why) => refuse(params, why),
        };
    }
    let records = state
        .records
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(method.info.name)
        .copied();
    let body = example_body(&state.envelope, method, format).and_then(|body| {
        records.map_or(Ok(body.clone()), |n| {
            crate::records::page(method, format, &body, &params, n)
        })
    });
    match body {
        Ok(body) => (send(format, body), params, None),
        Err(why) => refuse(params, why),
    }
}

/// An answer processed by the API (the envelope's processed code, with its words) with this
/// result.
fn processed(state: &State, format: Format, result: &str) -> Response<Full<Bytes>> {
    let e = &state.envelope;
    send(format, envelope(e, format, e.processed, e.processed.text, Some(result)))
}

/// A parameter's value by its name in any case.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why the call's signing is refused, if it is: a method the spec always signs, sent without
/// `Authorization` and `Sign` (unless the mock is lax), or a `Sign` that the mock's secret does
/// not give with the template of the mock's version (naming the version whose template does).
fn signing_problem(
    state: &State,
    method: &MockMethod,
    record: &MockRequest,
    params: &[(String, String)],
) -> Option<String> {
    let config = &state.config;
    if method.info.sign_required && !config.lax_signing {
        let bearer = record
            .header("authorization")
            .is_some_and(|a| a.starts_with("Bearer ") && a.len() > 7);
        if !bearer || record.header("sign").is_none() {
            return Some("Authorization and Sign are required".into());
        }
    }
    let secret = config.sign_secret.as_deref()?;
    let version = state.version_of(method.info.api);
    let slots = method.info.sign_for(version)?;
    let sent = record.header("sign");
    if sent == Some(check::sign_with(method, slots, params, secret).as_str()) {
        return None;
    }
    let other = method
        .info
        .sign
        .iter()
        .filter(|t| t.version.is_some() && t.version != version)
        .find(|t| sent == Some(check::sign_with(method, t.slots, params, secret).as_str()))
        .and_then(|t| t.version);
    Some(match (other, version) {
        (Some(other), Some(mine)) => format!(
            "Invalid Sign: it is made with the {other} version's template, and this server answers the {mine} version of the {} API",
            method.info.api
        ),
        _ => "Invalid Sign".into(),
    })
}

impl State {
    /// The behaviour set for `method`, counting one call against a limited one.
    fn take_override(&self, method: &str) -> Option<Override> {
        let mut overrides = self.overrides.lock().unwrap_or_else(|e| e.into_inner());
        let (behaviour, left) = overrides.get_mut(method)?;
        let behaviour = behaviour.clone();
        if let Some(n) = left {
            *n -= 1;
            if *n == 0 {
                overrides.remove(method);
            }
        }
        Some(behaviour)
    }

    /// The version this mock answers of `api` (`None`: the API has no versions).
    fn version_of(&self, api: &str) -> Option<&'static str> {
        self.versions.iter().find(|(a, _)| *a == api).map(|(_, v)| *v)
    }

    /// The method at `path`: of the mock's version where two versions share a path.
    fn method_at(&self, path: &str) -> Option<&'static MockMethod> {
        let mut at = self
            .methods
            .iter()
            .copied()
            .filter(|m| m.info.path.eq_ignore_ascii_case(path));
        let first = at.clone().next();
        at.find(|m| m.info.in_version(self.version_of(m.info.api))).or(first)
    }

    /// Where a refused request is a method of another version at the same path (the portal's
    /// CreateOperation sent to a mock of the wiki's), what to say of it.
    fn other_version_hint(&self, method: &MockMethod, body: &[u8]) -> String {
        let Some(mine) = self.version_of(method.info.api) else {
            return String::new();
        };
        self.methods
            .iter()
            .filter(|m| m.info.path.eq_ignore_ascii_case(method.info.path) && !std::ptr::eq(**m, method))
            .find(|m| check::params(m, body).and_then(|p| check::check(m, &p)).is_ok())
            .map(|m| {
                format!(
                    " (the request is {} of the {} version of the {} API, and this server answers the {mine} version)",
                    m.info.name,
                    m.info.version.unwrap_or_default(),
                    m.info.api
                )
            })
            .unwrap_or_default()
    }

    /// Why a method of another version than the mock's is refused.
    fn version_problem(&self, method: &MockMethod) -> Option<String> {
        let mine = self.version_of(method.info.api)?;
        (!method.info.in_version(Some(mine))).then(|| {
            format!(
                "{} is a method of the {} version of the {} API, and this server answers the {mine} version",
                method.info.name,
                method.info.version.unwrap_or_default(),
                method.info.api
            )
        })
    }
}

/// The `Result` when the mock's credentials decide the answer: a session token that is not the
/// mock's, and for the token method (its `token` role) wrong credentials or the token handed out.
fn authentication_result(
    state: &State,
    method: &MockMethod,
    format: Format,
    params: &[(String, String)],
) -> Option<Result<String, String>> {
    let (config, e) = (&state.config, &state.envelope);
    // The result's status says so, or (a result without one) the envelope refuses.
    let refused = || {
        let code = e.authentication_failed;
        state_only(e, method, format, code).ok_or_else(|| code.text.to_owned())
    };
    if let (Some(expected), Some(sent)) = (&config.user_token, method.session.and_then(|s| param(params, s))) {
        if sent != expected {
            return Some(refused());
        }
    }
    let Some(MockRole::Token {
        login: login_param,
        password: password_param,
        token: token_field,
        state: status,
    }) = &method.role
    else {
        return None;
    };
    if let Some((login, password)) = &config.credentials {
        if param(params, login_param) != Some(login.as_str())
            || param(params, password_param) != Some(password.as_str())
        {
            return Some(refused());
        }
    }
    let token = config.user_token.as_deref()?;
    let mut fields = status_fields(e, *status);
    fields.push((token_field, serde_json::Value::from(token)));
    Some(Ok(result_fields(format, &fields)))
}

/// The successful status of a result, if it has one (`State.Code` 0), as its first field.
fn status_fields(
    e: &MockEnvelope,
    status: Option<(&'static str, &'static str)>,
) -> Vec<(&'static str, serde_json::Value)> {
    status
        .map(|(field, code)| (field, serde_json::json!({ code: e.success.code })))
        .into_iter()
        .collect()
}

/// A `Result` of these fields in `format`: a JSON object, or XML elements (an object's members
/// as child elements); a null field is left out.
fn result_fields(format: Format, fields: &[(&str, serde_json::Value)]) -> String {
    let present = fields.iter().filter(|(_, v)| !v.is_null());
    match format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> =
                present.map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
            serde_json::Value::Object(map).to_string()
        }
        Format::Xml => present.map(|(k, v)| xml_element(k, v)).collect(),
    }
}

fn xml_element(name: &str, value: &serde_json::Value) -> String {
    let inner = match value {
        serde_json::Value::Object(members) => members.iter().map(|(k, v)| xml_element(k, v)).collect(),
        serde_json::Value::String(s) => xml_escape(s),
        other => other.to_string(),
    };
    format!("<{name}>{inner}</{name}>")
}

/// The `Result` of a payout method from the scripted payout flow, or why it is refused.
fn payout_result(
    state: &State,
    step: PayoutStep,
    shape: &PayoutShape,
    format: Format,
    params: &[(String, String)],
) -> Result<String, String> {
    let (id, st, message) =
        state
            .payouts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .step(step, shape, param(params, shape.id_param))?;
    if step == PayoutStep::Delete {
        // A deletion answers whether it deleted (the spec's `bool`).
        return Ok("true".into());
    }
    let mut fields = status_fields(&state.envelope, shape.status);
    fields.push((shape.id_field, serde_json::Value::from(id.to_string())));
    fields.push((shape.state_field, serde_json::Value::from(st)));
    if let Some(error) = shape.error_field {
        fields.push((error, message.map_or(serde_json::Value::Null, serde_json::Value::from)));
    }
    Ok(result_fields(format, &fields))
}

/// The method's example answer in `format` (wrapped when the spec's example is bare).
fn example_body(e: &MockEnvelope, method: &MockMethod, format: Format) -> Result<String, String> {
    let example = match format {
        Format::Xml => method.xml,
        Format::Json => method.json,
    };
    let example = example.ok_or_else(|| format!("the spec has no {format:?} example of {}", method.info.name))?;
    Ok(if method.bare {
        wrap(e, format, example)
    } else {
        example.to_owned()
    })
}

/// An example that holds the result alone, inside the envelope.
fn wrap(e: &MockEnvelope, format: Format, example: &str) -> String {
    let ok = e.processed;
    match format {
        Format::Json => envelope(e, format, ok, ok.text, Some(example.trim())),
        Format::Xml => {
            let body = example.trim_start_matches('\u{feff}').trim();
            let body = match body.strip_prefix("<?xml") {
                Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r).trim(),
                None => body,
            };
            let inner_start = body.find('>').map_or(0, |i| i + 1);
            let inner_end = body.rfind("</").unwrap_or(body.len());
            envelope(e, format, ok, ok.text, Some(&body[inner_start..inner_end]))
        }
    }
}

impl State {
    /// The spec's name of a method given in any case.
    fn spec_name(&self, method: &str) -> &'static str {
        match self.methods.iter().find(|m| m.info.name.eq_ignore_ascii_case(method)) {
            Some(m) => m.info.name,
            None => {
                let known: Vec<&str> = self.methods.iter().map(|m| m.info.name).collect();
                panic!(
                    "the mock has no method `{method}`; the spec's are: {}",
                    known.join(", ")
                )
            }
        }
    }
}
