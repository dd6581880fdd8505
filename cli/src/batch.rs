//! `payout-batch`: payouts from a CSV file, each line paid once under its key, through a journal
//! on disk that a killed or interrupted run continues from (`run` again, or `resume`).

use futures_util::StreamExt;
use intellectmoney::payout::CreateOperation;
use intellectmoney::runtime::batch::{BatchError, Entry, Journal, JournalError, SqliteJournal};
use intellectmoney::runtime::ApiRequest;
use intellectmoney::{Client, PollPolicy};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The columns of a batch file, in any order after its header; the last four may be left out.
pub const COLUMNS: &[&str] = &[
    "key",
    "provider",
    "amount",
    "currency",
    "recipient_name",
    "pan",
    "account",
    "bank_id",
    "eshop_id",
];

/// One line of a batch: its key and its payout.
pub struct Line {
    /// The merchant's key, unique in the journal.
    pub key: String,
    /// The payout.
    pub request: CreateOperation,
}

/// Reads every line of a batch file, or every problem in it (`file:line:column: …`): a file
/// with any problem is refused whole, so that nothing of it is sent.
pub fn read(path: &Path) -> Result<Vec<Line>, Vec<String>> {
    let shown = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| vec![format!("{shown}: {e}")])?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| vec![format!("{shown}:1: {e}")])?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut problems = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if !COLUMNS.contains(&name.as_str()) {
            problems.push(format!(
                "{shown}:1:{}: unknown column `{name}`; the columns are {}",
                i + 1,
                COLUMNS.join(", ")
            ));
        }
    }
    for required in &COLUMNS[..5] {
        if !header.iter().any(|h| h == required) {
            problems.push(format!("{shown}:1: the column `{required}` is missing"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut lines = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{shown}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let at = |column: &str| match header.iter().position(|h| h == column) {
            Some(i) => format!("{shown}:{line}:{} ({column})", i + 1),
            None => format!("{shown}:{line} (no column `{column}`)"),
        };
        // A key twice in one file is a problem whatever else the lines hold.
        let key = header.iter().position(|h| h == "key").and_then(|i| record.get(i));
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            if let Some(first) = seen.insert(key.to_owned(), line) {
                problems.push(format!("{}: key `{key}` is also on line {first}", at("key")));
            }
        }
        match parse_line(&header, &record, &at) {
            Ok(l) => lines.push(l),
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

/// One record: every field checked, each problem named by its place.
fn parse_line(header: &[String], record: &csv::StringRecord, at: &dyn Fn(&str) -> String) -> Result<Line, Vec<String>> {
    let field = |name: &str| {
        let value = header.iter().position(|h| h == name).and_then(|i| record.get(i));
        value.filter(|v| !v.is_empty()).map(str::to_owned)
    };
    let mut problems = Vec::new();
    let mut need = |name: &str| {
        let v = field(name);
        if v.is_none() {
            problems.push(format!("{}: required", at(name)));
        }
        v
    };
    let (key, provider, amount, currency, recipient) = (
        need("key"),
        need("provider"),
        need("amount"),
        need("currency"),
        need("recipient_name"),
    );
    let mut check = |name: &str, r: Result<(), String>| {
        if let Err(e) = r {
            problems.push(format!("{}: {e}", at(name)));
        }
    };
    let provider = provider.and_then(|p| crate::provider(&p).map_err(|e| check("provider", Err(e))).ok());
    let amount = amount.and_then(|a| crate::parse::decimal(&a).map_err(|e| check("amount", Err(e))).ok());
    let currency = currency.and_then(|c| {
        crate::parse::enum_value::<intellectmoney::personal::Currency>(&c)
            .map_err(|e| check("currency", Err(e)))
            .ok()
    });
    let eshop_id = field("eshop_id").and_then(|e| {
        e.parse::<intellectmoney::common::EshopId>()
            .map_err(|e| check("eshop_id", Err(e.to_string())))
            .ok()
    });
    let (Some(key), Some(provider), Some(amount), Some(currency), Some(recipient)) =
        (key, provider, amount, currency, recipient)
    else {
        return Err(problems);
    };
    let mut request = CreateOperation::new(provider, amount, currency, recipient);
    if let Some(v) = field("pan") {
        request = request.pan(v);
    }
    if let Some(v) = field("account") {
        request = request.account(v);
    }
    if let Some(v) = field("bank_id") {
        request = request.bank_id(v);
    }
    if let Some(v) = eshop_id {
        request = request.eshop_id(v);
    }
    // The client's own checks, named by the column of the parameter they are about.
    if let Err(e) = request.validate() {
        let column = column_of(&e.param);
        problems.push(format!("{}: {} {}", at(column), e.param, e.rule));
    }
    if problems.is_empty() {
        Ok(Line { key, request })
    } else {
        Err(problems)
    }
}

/// The column that holds a parameter.
fn column_of(param: &str) -> &'static str {
    match param {
        "PreferenceType" => "provider",
        "Amount" => "amount",
        "Currency" => "currency",
        "RecipientName" => "recipient_name",
        "Pan" => "pan",
        "Account" => "account",
        "BankId" => "bank_id",
        "EshopId" => "eshop_id",
        _ => "key",
    }
}

/// How the lines of a run ended.
#[derive(Default)]
struct Tally {
    steps: BTreeMap<&'static str, usize>,
    conflicts: usize,
    stopped: usize,
}

/// How a run goes: payouts in flight at once, and the most started per second.
pub struct Pace {
    /// Payouts in flight at once (at least 1).
    pub in_flight: usize,
    /// The most payouts started per second (`None`: no limit).
    pub per_second: Option<u32>,
}

/// What a payout of a run ended as.
enum Ended {
    Step(&'static str),
    Conflict,
    NotDone,
    /// The journal failed: the run stops.
    Journal(JournalError),
}

/// `payout-batch run`: every line, `pace.in_flight` at a time; Ctrl-C (or a journal that
/// fails) stops starting new ones, and those in flight finish and are recorded. The same
/// command continues.
pub async fn run(
    client: &Client,
    journal_path: &Path,
    file: &Path,
    hash_key: &[u8],
    poll: PollPolicy,
    pace: Pace,
) -> ExitCode {
    let Some(lines) = read_or_tell(file) else {
        return ExitCode::from(2);
    };
    let journal = match SqliteJournal::open(journal_path) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("intellectmoney: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = stop_on_ctrl_c();
    let paid = pay_all(client, &journal, lines, hash_key, poll, &pace, &stop).await;
    let mut tally = match paid {
        Ok(t) => t,
        Err(e) => {
            eprintln!("intellectmoney: {e} (nothing was sent after it)");
            return ExitCode::FAILURE;
        }
    };
    if stop.load(Ordering::SeqCst) {
        eprintln!("intellectmoney: stopped; run the same command to continue");
        tally.stopped += 1;
    }
    let code = summary(&tally);
    // The amounts, per state and currency, of the whole journal.
    totals(&journal);
    code
}

/// The lines of the file, or (printed) every problem in it.
fn read_or_tell(file: &Path) -> Option<Vec<Line>> {
    match read(file) {
        Ok(lines) => Some(lines),
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            let (n, shown) = (problems.len(), file.display());
            eprintln!("intellectmoney: {n} problem(s) in {shown}: nothing was sent");
            None
        }
    }
}

/// A flag set by Ctrl-C.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("intellectmoney: stopping after the payouts in flight (Ctrl-C)");
            flag.store(true, Ordering::SeqCst);
        }
    });
    stop
}

/// Every line, `pace.in_flight` at a time, until `stop`; a journal that fails sets `stop` and is
/// returned once the payouts in flight have ended.
async fn pay_all(
    client: &Client,
    journal: &SqliteJournal,
    lines: Vec<Line>,
    hash_key: &[u8],
    poll: PollPolicy,
    pace: &Pace,
    stop: &AtomicBool,
) -> Result<Tally, JournalError> {
    // A progress bar on a terminal; plain lines (stdout) either way.
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::new(lines.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    // The starts share one clock: each payout waits for its tick before it is sent.
    let gap = pace.per_second.map(|n| std::time::Duration::from_secs(1) / n.max(1));
    let ticks = gap.map(|g| tokio::sync::Mutex::new(tokio::time::interval(g)));
    let (ticks, bar) = (&ticks, &bar);
    let mut ended = futures_util::stream::iter(lines)
        .take_while(|_| std::future::ready(!stop.load(Ordering::SeqCst)))
        .map(|line| async move {
            if let Some(ticks) = ticks {
                ticks.lock().await.tick().await;
            }
            if stop.load(Ordering::SeqCst) {
                return Ended::NotDone;
            }
            let ended = pay(client, journal, line, hash_key, poll).await;
            bar.inc(1);
            if matches!(ended, Ended::Journal(_)) {
                stop.store(true, Ordering::SeqCst);
            }
            ended
        })
        .buffer_unordered(pace.in_flight.max(1));
    let mut tally = Tally::default();
    let mut failed = None;
    while let Some(e) = ended.next().await {
        match e {
            Ended::Step(name) => *tally.steps.entry(name).or_default() += 1,
            Ended::Conflict => tally.conflicts += 1,
            Ended::NotDone => tally.stopped += 1,
            Ended::Journal(e) => failed = failed.or(Some(e)),
        }
    }
    bar.finish_and_clear();
    failed.map_or(Ok(tally), Err)
}

/// One line, paid once, its end printed.
async fn pay(client: &Client, journal: &SqliteJournal, line: Line, hash_key: &[u8], poll: PollPolicy) -> Ended {
    match client.pay_once(journal, &line.key, line.request, hash_key, poll).await {
        Ok(step) => {
            println!("{}: {step}", line.key);
            Ended::Step(step.name())
        }
        Err(BatchError::Journal(e @ JournalError::Conflict { .. })) => {
            eprintln!("intellectmoney: {e}");
            Ended::Conflict
        }
        Err(BatchError::Journal(e)) => Ended::Journal(e),
        Err(e) => {
            eprintln!(
                "intellectmoney: {}: {e} (the journal says where it is; run again)",
                line.key
            );
            Ended::NotDone
        }
    }
}

/// The run's summary, and its exit code: 0 every line paid; 3 some ended unpaid or conflicted;
/// 4 some are not done (pending, stopped): run again.
fn summary(t: &Tally) -> ExitCode {
    let parts: Vec<String> = t.steps.iter().map(|(k, v)| format!("{k} {v}")).collect();
    eprintln!(
        "intellectmoney: {}; conflicts {}; not done {}",
        parts.join(", "),
        t.conflicts,
        t.stopped
    );
    let unpaid = ["failed", "not_enough_money", "deleted"];
    let not_done = t.stopped + t.steps.get("pending").copied().unwrap_or(0);
    if not_done > 0 {
        ExitCode::from(4)
    } else if t.conflicts > 0 || unpaid.iter().any(|s| t.steps.contains_key(s)) {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// A parameter of an entry's request, as recorded.
fn param<'a>(e: &'a Entry, name: &str) -> Option<&'a str> {
    e.planned
        .params
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

/// `payout-batch report` (`rows`: one row per key, CSV or JSON lines) and `status` (totals
/// only): totals per step and currency on stderr.
pub fn report(journal_path: &Path, rows: bool, json: bool) -> ExitCode {
    let entries = match SqliteJournal::open(journal_path).and_then(|j| j.entries()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("intellectmoney: {e}");
            return ExitCode::FAILURE;
        }
    };
    let printed = match (rows, json) {
        (false, _) => Ok(()),
        (true, true) => json_rows(&entries),
        (true, false) => csv_rows(&entries),
    };
    if let Err(e) = printed {
        eprintln!("intellectmoney: cannot print the report: {e}");
        return ExitCode::FAILURE;
    }
    print_totals(&entries);
    ExitCode::SUCCESS
}

/// The columns of a report row, for one entry.
fn row(e: &Entry) -> [String; 7] {
    [
        e.key.clone(),
        e.step.name().to_owned(),
        e.step.operation_id().map(|i| i.to_string()).unwrap_or_default(),
        param(e, "Amount").unwrap_or_default().to_owned(),
        param(e, "Currency").unwrap_or_default().to_owned(),
        e.orphans.to_string(),
        e.step.message().unwrap_or_default().to_owned(),
    ]
}

const REPORT_COLUMNS: [&str; 7] = [
    "key",
    "step",
    "operation_id",
    "amount",
    "currency",
    "orphans",
    "message",
];

fn csv_rows(entries: &[Entry]) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record(REPORT_COLUMNS)?;
    for e in entries {
        out.write_record(row(e))?;
    }
    out.flush()?;
    Ok(())
}

fn json_rows(entries: &[Entry]) -> Result<(), Box<dyn std::error::Error>> {
    for e in entries {
        let object: serde_json::Map<String, serde_json::Value> = REPORT_COLUMNS
            .iter()
            .zip(row(e))
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(v)))
            .collect();
        println!("{}", serde_json::Value::Object(object));
    }
    Ok(())
}

/// The journal's totals, on stderr.
fn totals(journal: &SqliteJournal) {
    match journal.entries() {
        Ok(entries) => print_totals(&entries),
        Err(e) => eprintln!("intellectmoney: {e}"),
    }
}

/// Payouts and their amounts per state and currency, on stderr.
fn print_totals(entries: &[Entry]) {
    let mut totals: BTreeMap<(&str, &str), (usize, intellectmoney::runtime::Decimal)> = BTreeMap::new();
    for e in entries {
        let currency = param(e, "Currency").unwrap_or_default();
        let amount = crate::parse::decimal(param(e, "Amount").unwrap_or_default()).unwrap_or_default();
        let total = totals.entry((e.step.name(), currency)).or_default();
        total.0 += 1;
        total.1 += amount;
    }
    for ((step, currency), (n, sum)) in totals {
        eprintln!("{step} {currency}: {n} payout(s), {sum}");
    }
}
