//! `intellectmoney receive`: the Result-URL receiver as a server of its own, for shops written
//! in any language. Notifications are answered on `--listen` (`OK` once recorded in the inbox
//! at `--journal`), and each event is handed on once, per invoice in state order, to a command
//! (`--exec`, the event as JSON on its stdin; exit 0: done) or a URL (`--forward`, the event
//! POSTed as JSON; a 2xx answer: done). A failing one is tried again later, then kept dead.

use intellectmoney::personal::Notification;
use intellectmoney::receiver::{Dispatch, Event, Inbox, PostgresInbox, Receiver, SqliteInbox};
use std::process::ExitCode;
use std::time::Duration;

/// Where events go.
pub enum Target {
    /// A command run by `sh -c`, the event as JSON on its stdin.
    Exec(String),
    /// A URL the event is POSTed to as JSON.
    Forward(String),
}

/// What `receive` was given.
pub struct Options {
    /// Where to listen.
    pub listen: std::net::SocketAddr,
    /// The inbox: a file (SQLite) or a PostgreSQL URL.
    pub inbox: String,
    /// The shop's SecretKey.
    pub secret_key: String,
    /// Where events go.
    pub target: Target,
    /// How events are handed on.
    pub dispatch: Dispatch,
}

/// How long one `--exec` or `--forward` may take before it counts as failed.
const HAND_ON_TIMEOUT: Duration = Duration::from_secs(300);

/// The variables of the process that hold secrets: a `--exec` command is run without them.
const SECRET_VARIABLES: &[&str] = &[
    "INTELLECTMONEY_SECRET_KEY",
    "INTELLECTMONEY_PASSWORD",
    "INTELLECTMONEY_SIGN_SECRET",
    "INTELLECTMONEY_BEARER_TOKEN",
    "INTELLECTMONEY_USER_TOKEN",
    "INTELLECTMONEY_BATCH_KEY",
    "INTELLECTMONEY_JOURNAL",
    "INTELLECTMONEY_INBOX",
    "PGPASSWORD",
];

/// What the receiver logs (a notification refused, a handler failing, an event dead), on
/// stderr through the CLI's redaction.
fn show_the_log() {
    struct Log;
    impl std::io::Write for Log {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            for line in String::from_utf8_lossy(bytes).lines() {
                crate::say::err!("intellectmoney: {line}");
            }
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_writer(|| Log)
        .with_ansi(false)
        .with_target(false)
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .without_time()
        .try_init();
}

/// Serves until Ctrl-C; a bad set-up exits 2. An inbox that fails is tried again (said on
/// stderr), and the server goes on answering (a notification not recorded is answered 503).
pub async fn run(options: Options) -> ExitCode {
    show_the_log();
    let receiver = match receiver(&options).await {
        Ok(r) => r,
        Err(e) => {
            crate::say::err!("intellectmoney: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(options.listen).await {
        Ok(l) => l,
        Err(e) => {
            crate::say::err!("intellectmoney: cannot listen on {}: {e}", options.listen);
            return ExitCode::from(2);
        }
    };
    let addr = listener.local_addr().map_or(options.listen, |a| a);
    crate::say::out!("http://{addr}/");
    let router = receiver.router();
    let server = axum::serve(listener, router);
    let target = &options.target;
    let http = reqwest::Client::new();
    let handed_on = receiver.dispatch(&options.dispatch, |event, n| hand_on(target, &http, event, n));
    tokio::select! {
        served = server => {
            crate::say::err!("intellectmoney: the server stopped: {served:?}");
            ExitCode::FAILURE
        }
        never = handed_on => match never {},
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}

/// The receiver of the shop's key, its inbox opened (made when there is none).
async fn receiver(options: &Options) -> Result<Receiver<Notification>, String> {
    let inbox: Box<dyn Inbox> = match intellectmoney::batch::is_postgres_url(&options.inbox) {
        true => Box::new(PostgresInbox::open(&options.inbox).await.map_err(|e| e.to_string())?),
        false => Box::new(SqliteInbox::open(&options.inbox).map_err(|e| e.to_string())?),
    };
    Receiver::new(&options.secret_key, Boxed(inbox))
        .map_err(|e| format!("configuration: --secret-key (INTELLECTMONEY_SECRET_KEY): {e}"))
}

/// An inbox chosen at run time.
struct Boxed(Box<dyn Inbox>);

impl Inbox for Boxed {
    fn record<'a>(
        &'a self,
        event: &'a intellectmoney::receiver::NewEvent,
    ) -> intellectmoney::receiver::InboxFuture<'a, intellectmoney::receiver::Recorded> {
        self.0.record(event)
    }
    fn claim(&self, settle: Duration, lease: Duration) -> intellectmoney::receiver::InboxFuture<'_, Option<Event>> {
        self.0.claim(settle, lease)
    }
    fn renew<'a>(&'a self, event: &'a Event, lease: Duration) -> intellectmoney::receiver::InboxFuture<'a, bool> {
        self.0.renew(event, lease)
    }
    fn delivered<'a>(&'a self, event: &'a Event) -> intellectmoney::receiver::InboxFuture<'a, bool> {
        self.0.delivered(event)
    }
    fn failed<'a>(
        &'a self,
        event: &'a Event,
        error: &'a str,
        retry_after: Option<Duration>,
    ) -> intellectmoney::receiver::InboxFuture<'a, bool> {
        self.0.failed(event, error, retry_after)
    }
    fn events(&self) -> intellectmoney::receiver::InboxFuture<'_, Vec<intellectmoney::receiver::EventRecord>> {
        self.0.events()
    }
}

/// The event as JSON: its id (the same for every call about it), invoice, state, attempt, and
/// the notification, verified.
fn event_json(event: &Event, n: &Notification) -> String {
    serde_json::json!({
        "id": event.id,
        "invoice": event.invoice,
        "state": event.state,
        "attempt": event.attempts + 1,
        "notification": n,
    })
    .to_string()
}

/// One event handed to the target; `Err` with why it failed.
async fn hand_on(target: &Target, http: &reqwest::Client, event: Event, n: Notification) -> Result<(), String> {
    let json = event_json(&event, &n);
    match target {
        Target::Exec(command) => exec(command, &json, &event).await,
        Target::Forward(url) => {
            // The URL as it may be shown and kept in the inbox: no password (a token in its
            // query is the shop's to keep out of it).
            let shown = intellectmoney::runtime::redact::url_password(url);
            let answer = http
                .post(url)
                .header("content-type", "application/json")
                .body(json)
                .timeout(Duration::from_secs(30))
                .send()
                .await
                .map_err(|e| format!("{shown}: {}", e.without_url()))?;
            match answer.status().is_success() {
                true => Ok(()),
                false => Err(format!("{shown} answered {}", answer.status())),
            }
        }
    }
}

/// Runs `command` with the event on stdin; exit 0 is done.
async fn exec(command: &str, json: &str, event: &Event) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("sh");
    for name in SECRET_VARIABLES {
        child.env_remove(name);
    }
    let mut child = child
        .args(["-c", command])
        .env("INTELLECTMONEY_EVENT_ID", event.id.to_string())
        .env("INTELLECTMONEY_EVENT_INVOICE", &event.invoice)
        .env("INTELLECTMONEY_EVENT_STATE", &event.state)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its stdin is not a failure.
        let _ = stdin.write_all(json.as_bytes()).await;
    }
    // Killed when it takes too long (the child is dropped with the timed-out future).
    let out = tokio::time::timeout(HAND_ON_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| format!("`{command}` took longer than {} s: stopped", HAND_ON_TIMEOUT.as_secs()))?
        .map_err(|e| format!("`{command}`: {e}"))?;
    match out.status.success() {
        true => Ok(()),
        false => {
            let said = String::from_utf8_lossy(&out.stderr);
            let said: String = said.trim().chars().take(500).collect();
            Err(format!("`{command}` ended with {}: {said}", out.status))
        }
    }
}
