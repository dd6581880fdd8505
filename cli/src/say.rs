//! Everything the command writes goes through here, so that what is true of one line is true of
//! all of them:
//!
//! - every secret the process knows — its options (UserToken, password, bearer token, sign
//!   secret, proxy password, the batch's hash key, a notification's SecretKey), every UserToken
//!   the client got, and the card numbers and accounts of the payouts in flight — is removed, in
//!   every form ([`Redactor`]);
//! - on stderr, which shows server text (an error, a warning, a failure reason), card numbers
//!   are also masked by their shape, and control characters escaped: a line is one honest line
//!   (a method's result on stdout had its texts masked so by the runtime, `Output::scrubbed`);
//! - a closed pipe (`| head`) ends the output quietly: nothing more is written to it, and the
//!   command goes on (a batch keeps paying) and ends with its own exit code, never a panic.

use intellectmoney::runtime::redact::{mask_card_numbers, printable, Redactor};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

struct Known {
    options: Redactor,
    client: Option<intellectmoney::Client>,
}

static KNOWN: Mutex<Known> = Mutex::new(Known {
    options: Redactor::EMPTY,
    client: None,
});
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

fn known() -> std::sync::MutexGuard<'static, Known> {
    KNOWN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Adds secrets given on the command line or in the environment.
pub fn secrets<'a>(values: impl IntoIterator<Item = &'a str>) {
    let added = Redactor::new(values);
    let mut k = known();
    k.options = k.options.and(&added);
}

/// The client whose secrets (the UserTokens it got, the payouts in flight) are removed too.
pub fn client(client: &intellectmoney::Client) {
    known().client = Some(client.clone());
}

/// Every secret known now.
pub fn redactor() -> Redactor {
    let k = known();
    match &k.client {
        Some(c) => k.options.and(&c.redactor()),
        None => k.options.clone(),
    }
}

/// Text for stdout (JSON, CSV, a line per payout): secrets removed, control characters escaped
/// (line breaks of a text of several lines, such as pretty JSON, kept).
pub fn out_text(text: &str) {
    let line = inert(&redactor().scrub(text));
    above_the_bar(|| write_line(std::io::stdout().lock(), &STDOUT_CLOSED, &line));
}

/// A line for stderr: secrets removed, card numbers masked, control characters escaped (line
/// breaks of a message of several lines kept).
pub fn err_text(text: &str) {
    let line = inert(&mask_card_numbers(&redactor().scrub(&in_cli_words(text))));
    above_the_bar(|| write_line(std::io::stderr().lock(), &STDERR_CLOSED, &line));
}

/// The live progress bar of a batch run, while one is on the terminal.
static BAR: std::sync::Mutex<Option<indicatif::ProgressBar>> = std::sync::Mutex::new(None);

/// Makes `bar` the live one (`None`: there is none): every line printed from then on, by any
/// part of the program, goes above it, and no stale copy of it is left in the scroll.
pub fn live_bar(bar: Option<indicatif::ProgressBar>) {
    *BAR.lock().unwrap_or_else(|e| e.into_inner()) = bar;
}

/// Clears the live bar off the terminal and lets it go (a run that exits at once leaves no bar
/// under the shell's prompt).
pub fn clear_bar() {
    if let Some(bar) = BAR.lock().unwrap_or_else(|e| e.into_inner()).take() {
        bar.finish_and_clear();
    }
}

fn above_the_bar(write: impl FnOnce()) {
    let bar = BAR.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match bar {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// The library's messages name its builder calls; the command line's user has flags and
/// environment variables instead.
const CLI_WORDS: &[(&str, &str)] = &[
    ("the client was built without", "the command was given no"),
    ("build the client with", "give"),
    (".bearer_token(..)", "--bearer-token (or INTELLECTMONEY_BEARER_TOKEN)"),
    (".sign_secret(..)", "--sign-secret (or INTELLECTMONEY_SIGN_SECRET)"),
    (
        ".credentials(login, password)",
        "--login and --password (or INTELLECTMONEY_LOGIN and INTELLECTMONEY_PASSWORD)",
    ),
    (".user_token(..)", "--user-token (or INTELLECTMONEY_USER_TOKEN)"),
    ("the client is set to the", "--payout-version is the"),
];

/// `text` with the library's words for its settings replaced by the command line's.
pub fn in_cli_words(text: &str) -> String {
    CLI_WORDS
        .iter()
        .fold(text.to_owned(), |t, (library, cli)| t.replace(library, cli))
}

/// Control characters escaped, but for the line breaks between the lines of `text`.
fn inert(text: &str) -> String {
    text.split('\n').map(printable).collect::<Vec<_>>().join("\n")
}

fn write_line(mut w: impl Write, closed: &AtomicBool, line: &str) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if writeln!(w, "{line}").and_then(|()| w.flush()).is_err() {
        // A closed pipe, or a full disk: nothing more goes there; the work goes on.
        closed.store(true, Ordering::Relaxed);
    }
}

/// `println!` through [`out_text`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::say::out_text(&format!($($arg)*)) };
}

/// `eprintln!` through [`err_text`].
macro_rules! err {
    ($($arg:tt)*) => { $crate::say::err_text(&format!($($arg)*)) };
}

pub(crate) use {err, out};
