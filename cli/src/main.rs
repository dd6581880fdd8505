//! `intellectmoney`: every method of the IntellectMoney Personal and Payout APIs from the
//! command line. The subcommands are generated from the spec (`intellectmoney::cli`, feature
//! `cli`); this file holds the options every call shares, and the workflows (payout, mock
//! server, notification check).

mod batch;
mod receive;
mod say;
mod scenario;

use clap::Parser;
use intellectmoney::payout::Version as PayoutVersion;
use intellectmoney::{Client, Format, PollPolicy};
use std::path::PathBuf;
use std::process::ExitCode;

/// Query the IntellectMoney Personal and Payout APIs. The result is printed as JSON on stdout.
///
/// Credentials may come from the environment: INTELLECTMONEY_USER_TOKEN, INTELLECTMONEY_LOGIN,
/// INTELLECTMONEY_PASSWORD, INTELLECTMONEY_BEARER_TOKEN, INTELLECTMONEY_SIGN_SECRET.
// No `Debug`: the options hold secrets.
#[derive(Parser)]
#[command(name = "intellectmoney", version)]
struct Cli {
    /// The API's base URL.
    #[arg(global = true, long, value_name = "URL", default_value = intellectmoney::DEFAULT_BASE_URL)]
    base_url: String,
    /// The format asked of the Personal API (the Payout API answers in JSON).
    #[arg(long, value_name = "xml|json", default_value = "xml", value_parser = format)]
    format: Format,
    /// A UserToken from getUserToken.
    #[arg(
        global = true,
        long,
        value_name = "T",
        env = "INTELLECTMONEY_USER_TOKEN",
        hide_env_values = true
    )]
    user_token: Option<String>,
    /// The merchant cabinet's login (a UserToken is fetched with it).
    #[arg(
        global = true,
        long,
        value_name = "L",
        env = "INTELLECTMONEY_LOGIN",
        hide_env_values = true,
        requires = "password"
    )]
    login: Option<String>,
    /// The merchant cabinet's password.
    #[arg(
        global = true,
        long,
        value_name = "P",
        env = "INTELLECTMONEY_PASSWORD",
        hide_env_values = true,
        requires = "login"
    )]
    password: Option<String>,
    /// The bearer token (Security → API), sent on signed methods.
    #[arg(
        global = true,
        long,
        value_name = "B",
        env = "INTELLECTMONEY_BEARER_TOKEN",
        hide_env_values = true
    )]
    bearer_token: Option<String>,
    /// The signSecretKey: methods with a Sign template are signed with it.
    #[arg(
        global = true,
        long,
        value_name = "S",
        env = "INTELLECTMONEY_SIGN_SECRET",
        hide_env_values = true
    )]
    sign_secret: Option<String>,
    /// The TLS client identity (PEM: key and certificate chain), for withdrawMoney,
    /// getTransactionData and getAccountData.
    #[arg(global = true, long, value_name = "PEM_FILE")]
    cert: Option<PathBuf>,
    // Its help names the client's defaults from the constants that set them.
    #[arg(global = true, long, value_name = "DURATION", value_parser = duration, help = timeout_help())]
    timeout: Option<std::time::Duration>,
    /// Send HTTPS calls through this proxy (a CONNECT tunnel: TLS stays end to end). Without it
    /// or --proxy-from-env no proxy is used, whatever HTTP_PROXY and the like say.
    #[arg(global = true, long, value_name = "URL", conflicts_with = "proxy_from_env")]
    proxy: Option<String>,
    /// Send HTTPS calls through the proxy of HTTPS_PROXY / ALL_PROXY (NO_PROXY honoured).
    /// Plain-http calls (loopback) never go through a proxy.
    #[arg(global = true, long)]
    proxy_from_env: bool,
    /// The version of the Payout API to sign for: every payout call is signed with its
    /// templates, and a method of another version is refused before it is sent (the mock
    /// server answers this version only). The default is the portal's: the wiki page lost
    /// CreateOperation's template, so only the portal's version signs every call of a payout.
    #[arg(global = true,
        long,
        value_name = "VERSION",
        env = "INTELLECTMONEY_PAYOUT_VERSION",
        default_value_t = PayoutVersion::default(),
        value_parser = payout_versions()
    )]
    payout_version: PayoutVersion,
    #[command(subcommand)]
    command: Top,
}

#[derive(clap::Subcommand)]
enum Top {
    #[command(flatten)]
    Api(Box<intellectmoney::cli::Command>),
    /// Pays out: CreateOperation, ExecuteOperation, then GetOperationState until a final state.
    /// Prints each state as a JSON line, then the outcome. Once the execution may have reached
    /// the server it is never sent again: its state decides, and an operation that still reads
    /// created is deleted (fenced) so that it can never pay. Exit 0: paid; 3: done, nothing
    /// paid (failed, not enough money, deleted): a new payout is safe; 4: unsettled at the
    /// deadline (executed, or in doubt): look it up by its id, never pay it again; 5:
    /// unsettled: the state could not be read after the execution (look it up by its id), or
    /// the creation's answer was lost (an operation may exist, never executed: it moves no
    /// money); 1: nothing was paid (refused or not sent before any execution), safe to retry.
    #[command(allow_negative_numbers = true)]
    Payout {
        /// The payout: the flags of `create-operation`.
        #[command(flatten)]
        request: intellectmoney::cli::PayoutCreateArgs,
        /// How long the whole payout may take, polling included (`90s`, `10m`, `1h`).
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
        deadline: std::time::Duration,
        /// The shortest wait between two polls of its state (`1s`; it doubles up to 30 s).
        #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
        poll_interval: std::time::Duration,
    },
    /// Runs a mock IntellectMoney for tests in other languages: every spec method answered with
    /// its example after checking the request (`Sign` too with --sign-secret; only --user-token
    /// accepted when given). Prints its URL, then serves until killed.
    MockServer {
        /// Where to listen.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        addr: std::net::SocketAddr,
        /// Answers a paged method from a data set of N records, page by page as Skip and Take
        /// ask (`getInvoicesHistory=25`); repeat for several methods.
        #[arg(long, value_name = "METHOD=N", value_parser = records)]
        records: Vec<(String, usize)>,
        /// What the mock does, from a JSON file: how payouts end, data sets, and methods that
        /// refuse, answer an HTTP status (for their next N calls), wait, or lose their answer
        /// (the README's "A mock IntellectMoney" shows the format).
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
    },
    /// Payouts from a CSV file, each line paid at most once under its key, through a journal on
    /// disk (the .db file with its -wal and -shm files) or on PostgreSQL (shared by several
    /// workers): `run` starts a batch, `resume` continues it after a kill or an interruption,
    /// `retry` pays lines that ended unpaid.
    PayoutBatch {
        #[command(subcommand)]
        command: BatchCommand,
    },
    /// Receives Result-URL notifications for a shop written in any language: answers `OK` once
    /// a notification's hash is checked and its event recorded in the inbox, then hands each
    /// event on once, per invoice in state order: to --exec (a command run with the event as
    /// JSON on its stdin; exit 0 is done) or --forward (a URL the event is POSTed to as JSON; a
    /// 2xx answer is done). A failing one is tried again with a doubling wait, then kept dead in
    /// the inbox. Several instances share a PostgreSQL inbox. Prints its URL, then serves until
    /// Ctrl-C.
    Receive {
        /// Where to listen.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// The inbox: an SQLite file (one instance), or a PostgreSQL URL (several; its password
        /// from the URL, PGPASSWORD or INTELLECTMONEY_INBOX, never shown).
        #[arg(long, value_name = "FILE|URL", env = "INTELLECTMONEY_INBOX", hide_env_values = true)]
        journal: String,
        /// The shop's SecretKey (shop settings; getEshopInfo's Eshop.SecretKey).
        #[arg(long, value_name = "KEY", env = "INTELLECTMONEY_SECRET_KEY", hide_env_values = true)]
        secret_key: String,
        /// A command run by `sh -c` for each event, the event as JSON on its stdin.
        #[arg(
            long,
            value_name = "CMD",
            required_unless_present = "forward",
            conflicts_with = "forward"
        )]
        exec: Option<String>,
        /// A URL each event is POSTed to as JSON.
        #[arg(long, value_name = "URL")]
        forward: Option<String>,
        /// How long an event waits for one of an earlier state of its invoice (`2s`).
        #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration)]
        settle: std::time::Duration,
        /// Calls of a failing --exec or --forward before the event is kept dead.
        #[arg(long, value_name = "N", default_value_t = 8)]
        max_attempts: u32,
    },
    /// Reads a Result-URL notification (the raw form body) from stdin, prints it as JSON, and
    /// exits 0 when its hash is valid for the shop's SecretKey, non-zero when not.
    VerifyNotification {
        /// The shop's SecretKey (shop settings; getEshopInfo's Eshop.SecretKey).
        #[arg(long, value_name = "KEY", env = "INTELLECTMONEY_SECRET_KEY", hide_env_values = true)]
        secret_key: String,
    },
}

/// The subcommands of `payout-batch`.
#[derive(clap::Subcommand)]
enum BatchCommand {
    /// Starts a batch: makes its journal and pays every line (run again, the same command
    /// continues it). The file has a header, a column `key`, and a column per flag of
    /// `create-operation`, named as the flag with underscores (`--recipient-name`:
    /// `recipient_name`) and taking what it takes; a file with any problem is refused, naming each
    /// line and column, and nothing is sent. A journal belongs to the file it was made for: run
    /// with another file, it is refused. A new journal is refused when a journal beside it
    /// already pays this file, or when a journal named with --also-journal has one of its keys.
    /// Exit 0: every line paid; 2: refused, nothing sent; 3: some ended unpaid or under a
    /// conflicting key; 4: some are not done or unsettled (resume).
    Run {
        #[command(flatten)]
        pay: PayArgs,
        /// Another journal whose keys this batch must not share (a key paid there is not paid
        /// again through a new journal). May be given more than once.
        #[arg(long, value_name = "FILE")]
        also_journal: Vec<PathBuf>,
    },
    /// Continues a batch through its journal, which must exist and belong to this file (never
    /// makes one). Exit codes as `run`.
    Resume {
        #[command(flatten)]
        pay: PayArgs,
    },
    /// Pays again, each with a new operation recorded as a new attempt of its key, lines whose
    /// payout ended without moving money (failed, not enough money, deleted, refused before
    /// sending); then continues the batch. A line completed, executing or unsettled is refused,
    /// and nothing is sent. Exit codes as `run`.
    Retry {
        #[command(flatten)]
        pay: PayArgs,
        /// The keys to pay again.
        #[arg(value_name = "KEY", required_unless_present = "unpaid")]
        keys: Vec<String>,
        /// Every line that ended without moving money.
        #[arg(long)]
        unpaid: bool,
    },
    /// Totals per state and currency.
    Status {
        /// The journal (it must exist): a file, or a PostgreSQL URL (read live while workers pay).
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "INTELLECTMONEY_JOURNAL",
            hide_env_values = true
        )]
        journal: PathBuf,
        /// text (lines) or json (one object: by_state, failed_reasons, orphans, not_started).
        #[arg(long, value_name = "text|json", default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// One row per key (state, operation, amount, currency, orphans, message), then the totals.
    Report {
        /// The journal (it must exist): a file, or a PostgreSQL URL (read live while workers pay).
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "INTELLECTMONEY_JOURNAL",
            hide_env_values = true
        )]
        journal: PathBuf,
        /// csv or json (JSON lines).
        #[arg(long, value_name = "csv|json", default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
    },
}

/// What `run`, `resume` and `retry` take.
#[derive(clap::Args)]
struct PayArgs {
    /// The journal: an SQLite file, with its -wal and -shm files beside it while a run has it or
    /// after a run was killed (keep them together); or a PostgreSQL URL
    /// (`postgres://user@host/db?schema=payday_w48`) that several workers share: run the same
    /// command on each machine, and each line is paid by one of them, once.
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "INTELLECTMONEY_JOURNAL",
        hide_env_values = true
    )]
    journal: PathBuf,
    /// The batch (CSV).
    file: PathBuf,
    /// The key of the hash that stands for card numbers in the journal (required; keep it the
    /// same for a batch: the journal refuses another). Not the sign secret: a secret rotated
    /// mid-batch must not change the hashes.
    #[arg(long, value_name = "KEY", env = "INTELLECTMONEY_BATCH_KEY", hide_env_values = true)]
    hash_key: String,
    /// How long each payout may take, polling included (`90s`, `10m`).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
    deadline: std::time::Duration,
    /// The shortest wait between two polls of a payout's state (`1s`; `0s` in tests).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    poll_interval: std::time::Duration,
    /// Payouts in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    in_flight: usize,
    /// The most payouts started per second (default: no limit).
    #[arg(long, value_name = "N")]
    per_second: Option<u32>,
    /// Sync every step of the journal to disk, not only the one before each execution (a
    /// report exact after a power loss, at three fsyncs per payout instead of one).
    #[arg(long)]
    sync_every_step: bool,
}

/// Each journal a batch command names: refused when it is a connection string, and its
/// password (a URL's) kept out of every line.
fn journals_given(command: &BatchCommand) -> Result<(), String> {
    let (journal, also): (&std::path::Path, &[PathBuf]) = match command {
        BatchCommand::Status { journal, .. } | BatchCommand::Report { journal, .. } => (journal, &[]),
        BatchCommand::Run { pay, also_journal } => (&pay.journal, also_journal),
        BatchCommand::Resume { pay } | BatchCommand::Retry { pay, .. } => (&pay.journal, &[]),
    };
    batch::not_a_connection_string("--journal", journal)?;
    say::secrets(batch::journal_passwords(journal).iter().map(String::as_str));
    for other in also {
        batch::not_a_connection_string("--also-journal", other)?;
        say::secrets(batch::journal_passwords(other).iter().map(String::as_str));
    }
    Ok(())
}

/// `payout-batch`.
async fn payout_batch(cli: &mut Cli, command: BatchCommand) -> ExitCode {
    if let Err(e) = journals_given(&command) {
        crate::say::err!("intellectmoney: configuration: {e}; nothing was sent");
        return ExitCode::from(2);
    }
    let (pay, start) = match command {
        BatchCommand::Status { journal, format } => {
            return batch::report(&journal, false, format == "json").await;
        }
        BatchCommand::Report { journal, format } => {
            return batch::report(&journal, true, format == "json").await;
        }
        BatchCommand::Run { pay, also_journal } => (pay, batch::Start::Run { also: also_journal }),
        BatchCommand::Resume { pay } => (pay, batch::Start::Resume),
        BatchCommand::Retry { pay, keys, unpaid } => (pay, batch::Start::Retry { keys, unpaid }),
    };
    say::secrets([pay.hash_key.as_str()]);
    if pay.hash_key.trim().is_empty() {
        crate::say::err!("intellectmoney: configuration: --hash-key (INTELLECTMONEY_BATCH_KEY) is empty: it keys the hash that keeps card numbers out of the journal");
        return ExitCode::from(2);
    }
    let client = match client(cli) {
        Ok(c) => c,
        Err(e) => {
            crate::say::err!("intellectmoney: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    say::client(&client);
    let poll = PollPolicy {
        min_delay: pay.poll_interval,
        max_delay: pay
            .poll_interval
            .max(std::time::Duration::from_secs(30))
            .min(pay.deadline),
        deadline: pay.deadline,
    };
    let durability = match pay.sync_every_step {
        true => intellectmoney::batch::Durability::EveryStep,
        false => intellectmoney::batch::Durability::MoneySteps,
    };
    let pace = batch::Pace {
        in_flight: pay.in_flight,
        per_second: pay.per_second,
        durability,
    };
    let paths = (pay.journal.as_path(), pay.file.as_path());
    batch::run(&client, paths, pay.hash_key.as_bytes(), start, poll, pace).await
}

/// The help of `--timeout`: the client's own timeouts and retries, as their constants set them.
fn timeout_help() -> String {
    format!(
        "The longest a call may take, its retries included (`90s`, `10m`, `1h`); default: each attempt's own timeout ({} s), up to {} attempts for a read",
        intellectmoney::DEFAULT_ATTEMPT_TIMEOUT.as_secs(),
        intellectmoney::DEFAULT_MAX_RETRIES + 1
    )
}

fn duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not a duration like 90s, 10m or 1h (at most {MAX_DURATION_HOURS}h)");
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let unit_seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(bad()),
    };
    // An overflowing or absurd value is refused, not wrapped into a short one.
    let seconds = n
        .checked_mul(unit_seconds)
        .filter(|&t| t <= MAX_DURATION_HOURS * 3600)
        .ok_or_else(bad)?;
    Ok(std::time::Duration::from_secs(seconds))
}

/// The longest duration the CLI takes: a week.
const MAX_DURATION_HOURS: u64 = 7 * 24;

/// `payout`: the whole flow, each state on a line, the outcome last.
async fn payout(client: &Client, top: Top) -> ExitCode {
    let Top::Payout {
        request,
        deadline,
        poll_interval,
    } = top
    else {
        unreachable!("called for the payout subcommand");
    };
    // The keys of its JSON lines: the payout answer's own names, from the spec.
    use intellectmoney::cli::{PAYOUT_ERROR, PAYOUT_ID, PAYOUT_STATE};
    let request = request.into_request();
    let poll = intellectmoney::PollPolicy {
        min_delay: poll_interval,
        max_delay: poll_interval.max(std::time::Duration::from_secs(30)).min(deadline),
        deadline,
    };
    let printed = client
        .payout(request, poll, |id, state| {
            crate::say::out!(
                "{}",
                serde_json::json!({ PAYOUT_ID: id, PAYOUT_STATE: state.to_string() })
            );
        })
        .await;
    match printed {
        Ok(outcome) => {
            use intellectmoney::PayoutOutcome as O;
            let (name, error, code) = match &outcome {
                O::Completed { .. } => ("Completed", None, 0),
                O::Failed { error_message, .. } => ("Failed", error_message.clone(), 3),
                O::NotEnoughMoney { .. } => ("NotEnoughMoney", None, 3),
                O::Deleted { .. } => ("Deleted", None, 3),
                O::Pending { .. } => ("Pending", None, 4),
                _ => ("Unknown", None, 3),
            };
            crate::say::out!(
                "{}",
                serde_json::json!({ "Outcome": name, PAYOUT_ID: outcome.operation_id(), PAYOUT_ERROR: error })
            );
            ExitCode::from(code)
        }
        // Sent, and what it did is unknown: never reported as unpaid.
        Err(e @ intellectmoney::Error::Unsettled { .. }) => {
            match &e {
                intellectmoney::Error::Unsettled {
                    operation_id: Some(id), ..
                } => {
                    crate::say::err!("intellectmoney: unsettled: {e}");
                    crate::say::err!("intellectmoney: operation {id} may be paying: look it up (get-operation-state --payout-operation-id {id}); do not pay it again");
                    crate::say::out!("{}", serde_json::json!({ "Outcome": "Unsettled", PAYOUT_ID: id }));
                }
                _ => {
                    crate::say::err!("intellectmoney: unsettled: {e}");
                    crate::say::err!(
                        "intellectmoney: an operation may have been created; it was never executed and moves no money"
                    );
                }
            }
            ExitCode::from(5)
        }
        Err(e) => {
            crate::say::err!(
                "intellectmoney: {} error (nothing was paid; safe to retry): {e}",
                e.kind()
            );
            ExitCode::FAILURE
        }
    }
}

/// `verify-notification`: exit 0 only for a notification whose hash matches.
fn verify_notification(secret_key: &str) -> ExitCode {
    use std::io::Read;
    if secret_key.trim().is_empty() {
        crate::say::err!("intellectmoney: configuration: --secret-key (INTELLECTMONEY_SECRET_KEY) is empty: anyone can compute the hash of an empty key, so no notification is accepted with it");
        return ExitCode::from(2);
    }
    let mut body = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut body) {
        crate::say::err!("intellectmoney: cannot read stdin: {e}");
        return ExitCode::from(2);
    }
    let notification = match intellectmoney::personal::Notification::parse(&body) {
        Ok(n) => n,
        Err(e) => {
            crate::say::err!("intellectmoney: notification error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Nothing of a notification whose hash does not match is printed: only the error.
    match notification.verify(secret_key) {
        Ok(mut trusted) => {
            // The form's own `secretKey` comes empty; one that does not is a secret all the same.
            if trusted.secret_key.as_ref().is_some_and(|k| !k.expose().is_empty()) {
                trusted.secret_key = Some(intellectmoney::runtime::redact::REDACTED.into());
            }
            match serde_json::to_string_pretty(&trusted) {
                Ok(text) => crate::say::out!("{text}"),
                Err(e) => crate::say::err!("intellectmoney: cannot print the notification: {e}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            crate::say::err!("intellectmoney: notification error: {e}");
            ExitCode::FAILURE
        }
    }
}

impl Cli {
    /// The secrets among the options (the proxy's password included), to be removed from
    /// everything printed.
    fn secrets(&self) -> Vec<String> {
        let proxy_passwords = self
            .proxy
            .as_deref()
            .map(intellectmoney::runtime::redact::url_passwords);
        [&self.user_token, &self.password, &self.bearer_token, &self.sign_secret]
            .into_iter()
            .flatten()
            .cloned()
            .chain(proxy_passwords.into_iter().flatten())
            .collect()
    }
}

fn format(s: &str) -> Result<Format, String> {
    match s.to_ascii_lowercase().as_str() {
        "xml" => Ok(Format::Xml),
        "json" => Ok(Format::Json),
        _ => Err(format!("`{s}` is not xml or json")),
    }
}

/// A method the mock answers from a data set of records (the first the spec pages), for examples.
fn paged_method() -> &'static str {
    use intellectmoney::mock::MockApi;
    let mut methods = intellectmoney::IntellectMoney::methods()
        .iter()
        .flat_map(|api| api.iter());
    methods.find(|m| m.paging.is_some()).map_or("METHOD", |m| m.info.name)
}

/// `METHOD=N` of `mock-server --records`.
fn records(s: &str) -> Result<(String, usize), String> {
    let (method, n) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not METHOD=N ({}=25)", paged_method()))?;
    let n = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number of records"))?;
    Ok((method.trim().to_owned(), n))
}

/// The spec's versions of the Payout API, by name.
fn payout_versions() -> impl clap::builder::TypedValueParser<Value = PayoutVersion> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(PayoutVersion::ALL.iter().map(|v| v.as_str()))
        .map(|s| s.parse().expect("a listed version parses"))
}

fn client(cli: &mut Cli) -> Result<Client, String> {
    let mut builder = Client::builder()
        .base_url(cli.base_url.clone())
        .format(cli.format)
        .api_version(cli.payout_version);
    if let Some(t) = cli.user_token.take() {
        builder = builder.user_token(t);
    }
    if let (Some(l), Some(p)) = (cli.login.take(), cli.password.take()) {
        builder = builder.credentials(l, p);
    }
    if let Some(b) = cli.bearer_token.take() {
        builder = builder.bearer_token(b);
    }
    if let Some(s) = cli.sign_secret.take() {
        builder = builder.sign_secret(s);
    }
    if let Some(t) = cli.timeout {
        builder = builder.deadline(t).timeout(t);
    }
    if let Some(p) = &cli.proxy {
        builder = builder.proxy(p);
    } else if cli.proxy_from_env {
        builder = builder.proxy_from_environment();
    }
    if let Some(path) = &cli.cert {
        let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        builder = builder.identity_pem(&pem).map_err(|e| e.to_string())?;
    }
    builder.build().map_err(|e| e.to_string())
}

/// `receive`: its secrets kept out of every line, then the server.
async fn receive(
    listen: std::net::SocketAddr,
    journal: String,
    secret_key: String,
    (exec, forward): (Option<String>, Option<String>),
    (settle, max_attempts): (std::time::Duration, u32),
) -> ExitCode {
    say::secrets([secret_key.as_str()]);
    if let Err(e) = batch::not_a_connection_string("--journal", std::path::Path::new(&journal)) {
        crate::say::err!("intellectmoney: configuration: {e}");
        return ExitCode::from(2);
    }
    say::secrets(
        batch::journal_passwords(std::path::Path::new(&journal))
            .iter()
            .map(String::as_str),
    );
    let forward_passwords = forward.as_deref().map(intellectmoney::runtime::redact::url_passwords);
    say::secrets(forward_passwords.iter().flatten().map(String::as_str));
    let target = match (exec, forward) {
        (Some(command), _) => receive::Target::Exec(command),
        (None, Some(url)) => receive::Target::Forward(url),
        (None, None) => unreachable!("clap requires --exec or --forward"),
    };
    let dispatch = intellectmoney::receiver::Dispatch::default()
        .settle(settle)
        .retries(max_attempts, std::time::Duration::from_secs(1));
    receive::run(receive::Options {
        listen,
        inbox: journal,
        secret_key,
        target,
        dispatch,
    })
    .await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut cli = Cli::parse();
    say::secrets(cli.secrets().iter().map(String::as_str));
    // libpq's variable, which the journal and the inbox read too.
    say::secrets(std::env::var("PGPASSWORD").ok().as_deref());
    // The subcommand is taken out of `cli`, whose options then build the client.
    let top = std::mem::replace(
        &mut cli.command,
        Top::VerifyNotification {
            secret_key: String::new(),
        },
    );
    if let Top::VerifyNotification { secret_key } = &top {
        say::secrets([secret_key.as_str()]);
        return verify_notification(secret_key);
    }
    if let Top::Receive {
        listen,
        journal,
        secret_key,
        exec,
        forward,
        settle,
        max_attempts,
    } = top
    {
        let target = (exec, forward);
        return receive(listen, journal, secret_key, target, (settle, max_attempts)).await;
    }
    if let Top::PayoutBatch { command } = top {
        return payout_batch(&mut cli, command).await;
    }
    if let Top::MockServer {
        addr,
        records,
        scenario,
    } = &top
    {
        let scenario = match scenario.as_deref().map(scenario::Scenario::read).transpose() {
            Ok(s) => s.unwrap_or_default(),
            Err(why) => {
                crate::say::err!("intellectmoney: --scenario: {why}");
                return ExitCode::from(2);
            }
        };
        let mut mock = intellectmoney::mock::MockServer::builder()
            .addr(*addr)
            .api_version(cli.payout_version);
        if let Some(script) = scenario.payout() {
            mock = mock.payout(script);
        }
        if let Some(s) = cli.sign_secret.take() {
            mock = mock.sign_secret(s);
        }
        if let Some(t) = cli.user_token.take() {
            mock = mock.user_token(t);
        }
        if let (Some(l), Some(p)) = (cli.login.take(), cli.password.take()) {
            mock = mock.credentials(l, p);
        }
        let mock = mock.start();
        for (method, n) in records {
            if let Err(why) = mock.try_records(method, *n) {
                crate::say::err!("intellectmoney: --records: {why}");
                return ExitCode::from(2);
            }
        }
        if let Err(why) = scenario.apply(&mock) {
            crate::say::err!("intellectmoney: --scenario: {why}");
            return ExitCode::from(2);
        }
        crate::say::out!("{}", mock.url());
        mock.wait();
        return ExitCode::SUCCESS;
    }
    let client = match client(&mut cli) {
        Ok(c) => c,
        Err(e) => {
            crate::say::err!("intellectmoney: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    say::client(&client);
    let command = match top {
        Top::Api(command) => command,
        payout_command => return payout(&client, payout_command).await,
    };
    match (*command).run(&client).await {
        Ok(out) => {
            if let Some(w) = &out.warning {
                crate::say::err!("intellectmoney: warning: {w}");
            }
            if let Some(json) = &out.json {
                match serde_json::to_string_pretty(json) {
                    Ok(text) => crate::say::out!("{text}"),
                    Err(e) => {
                        crate::say::err!("intellectmoney: cannot print the result: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            crate::say::err!("intellectmoney: {} error: {e}", e.kind());
            ExitCode::FAILURE
        }
    }
}
