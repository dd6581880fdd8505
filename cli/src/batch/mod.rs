//! `payout-batch`: payouts from a CSV file, each line paid once under its key, through a journal
//! on disk that a killed or interrupted run continues from (`run` again, or `resume`).

mod file;
mod open;
mod screen;

use file::Line;
use futures_util::StreamExt;
use intellectmoney::batch::{
    pay_once, BatchError, Durability, Entry, Journal, JournalError, PostgresJournal, SqliteJournal, Step,
};
use intellectmoney::cli::PayoutCreate;
use intellectmoney::runtime::ApiRequest;
use intellectmoney::{Client, PollPolicy};
use open::Opened;
pub use open::Start;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How the lines of a run ended.
#[derive(Default)]
struct Tally {
    steps: BTreeMap<&'static str, usize>,
    /// Ended unpaid (failed, not enough money, deleted).
    unpaid: usize,
    /// Answered an operation another key holds: not executed, to be checked by hand.
    shared: usize,
    /// Pending at the deadline.
    pending: usize,
    conflicts: usize,
    /// Started, and not done (stopped, or an error the journal records).
    stopped: usize,
    /// Lines of the file never started (the run stopped first).
    not_started: u64,
    /// Lines left to the worker of a shared journal that was paying them.
    elsewhere: u64,
    /// Lines that ended one way or another.
    ended: u64,
}

/// How a run goes: payouts in flight at once, the most started per second, and how much of the
/// journal is on disk when a write returns.
pub struct Pace {
    /// Payouts in flight at once (at least 1).
    pub in_flight: usize,
    /// The most payouts started per second (`None`: no limit).
    pub per_second: Option<u32>,
    /// How much of the journal is on disk when a write returns.
    pub durability: Durability,
}

/// What a payout of a run ended as.
enum Ended {
    Step(Step),
    Conflict,
    NotDone,
    /// Another worker of a shared journal holds the key.
    Elsewhere,
    /// The journal failed: the run stops.
    Journal(JournalError),
}

/// `payout-batch run`, `resume` and `retry`: the file checked (nothing sent when it has a
/// problem), the journal opened as `start` says and bound to the file, then every line not done,
/// `pace.in_flight` at a time, from the bytes that were checked. Ctrl-C (or a journal that
/// fails) stops starting new ones, and those in flight finish and are recorded.
pub async fn run(
    client: &Client,
    (journal_path, file): (&Path, &Path),
    hash_key: &[u8],
    start: Start,
    poll: PollPolicy,
    pace: Pace,
) -> ExitCode {
    // A client set to a version without the batch's create method would refuse every line.
    let create = <PayoutCreate as ApiRequest>::METHOD;
    if client.check_version(create).is_err() {
        crate::say::err!(
            "intellectmoney: the batch pays with {}, a method of the {} version of the Payout API, and --payout-version is {}: nothing was sent",
            create.name,
            create.version.unwrap_or_default(),
            client.version_of(create).unwrap_or_default()
        );
        return ExitCode::from(2);
    }
    let Some(checked) = check_or_tell(file) else {
        return ExitCode::from(2);
    };
    let journal = match open::journal(journal_path, &checked, hash_key, &start).await {
        Ok(Opened::Sqlite(j)) => Opened::Sqlite(j.durability(pace.durability)),
        Ok(j) => j,
        Err(e) => {
            crate::say::err!("intellectmoney: {e}");
            return ExitCode::from(2);
        }
    };
    let lines = match file::lines(&checked) {
        Ok(lines) => lines,
        Err(e) => {
            crate::say::err!("intellectmoney: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = stop_on_ctrl_c();
    let progress = matches!(journal, Opened::Sqlite(_)).then_some(journal_path);
    let screen = screen::Screen::new(checked.count, progress);
    let paid = pay_all(
        client,
        journal.journal(),
        lines,
        hash_key,
        poll,
        (&pace, &screen),
        &stop,
    )
    .await;
    let paid = match (paid, &journal) {
        (Ok(tally), Opened::Postgres(shared)) => {
            let pass = Pass {
                client,
                hash_key,
                poll,
                pace: &pace,
                screen: &screen,
                stop: &stop,
            };
            take_over(shared, &checked, tally, &pass).await
        }
        (paid, _) => paid,
    };
    screen.finish();
    let mut tally = match paid {
        Ok(t) => t,
        Err(e) => {
            crate::say::err!("intellectmoney: {e} (nothing was sent after it)");
            return ExitCode::FAILURE;
        }
    };
    tally.not_started = checked.count.saturating_sub(tally.ended);
    if stop.load(Ordering::SeqCst) {
        crate::say::err!("intellectmoney: stopped; run the same command to continue");
    }
    if file::changed_since(&checked) {
        crate::say::err!(
            "intellectmoney: warning: {} changed during the run: what was paid is the file as it was checked; its changes were not paid (they belong in a new file, under new keys)",
            file.display()
        );
    }
    let code = summary(&tally, journal_path, file);
    if let Opened::Sqlite(j) = &journal {
        crate::say::err!("intellectmoney: the journal was synced to disk {} time(s)", j.syncs());
    }
    // The amounts, per state and currency, of the whole journal.
    let whole = totals(&journal).await;
    if let Opened::Postgres(shared) = &journal {
        if let Err(e) = shared.leave().await {
            crate::say::err!("intellectmoney: {e} (its keys are free for the other workers once this process ends)");
        }
        // The batch is the workers' together: the exit code says how all of it ended.
        return ExitCode::from(code.max(whole));
    }
    ExitCode::from(code)
}

/// What a pass over lines of the file takes besides the lines.
struct Pass<'a> {
    client: &'a Client,
    hash_key: &'a [u8],
    poll: PollPolicy,
    pace: &'a Pace,
    screen: &'a screen::Screen,
    stop: &'a AtomicBool,
}

/// After its pass over the file, a worker of a shared journal stays while other workers pay:
/// it takes over the keys of any that stop (killed, cut off, or past their lease), and ends
/// when no other worker holds a key. So one machine's death does not stop the batch.
async fn take_over(
    shared: &PostgresJournal,
    checked: &file::Checked,
    mut tally: Tally,
    p: &Pass<'_>,
) -> Result<Tally, JournalError> {
    let mut told = false;
    while !p.stop.load(Ordering::SeqCst) {
        let abandoned: std::collections::HashSet<String> = shared.abandoned().await?.into_iter().collect();
        if !abandoned.is_empty() {
            p.screen.err(&format!(
                "intellectmoney: taking over {} line(s) of a worker that stopped",
                abandoned.len()
            ));
            let lines = match file::lines(checked) {
                Ok(lines) => lines.filter(|l| l.as_ref().map_or(true, |l| abandoned.contains(&l.key))),
                Err(e) => {
                    p.screen.err(&format!("intellectmoney: {e}"));
                    break;
                }
            };
            let more = pay_all(p.client, shared, lines, p.hash_key, p.poll, (p.pace, p.screen), p.stop).await?;
            let taken = more.ended.min(tally.elsewhere);
            p.screen.taken_over(taken);
            tally.absorb(more, taken);
            continue;
        }
        let others = shared.held_by_others().await?;
        if others == 0 {
            break;
        }
        if !told {
            p.screen.err(&format!(
                "intellectmoney: waiting for {others} line(s) other workers are paying (taken over if they stop)"
            ));
            told = true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    Ok(tally)
}

impl Tally {
    /// Adds the tally of a pass that took over `taken` lines this one had left to others.
    fn absorb(&mut self, more: Tally, taken: u64) {
        for (name, n) in more.steps {
            *self.steps.entry(name).or_default() += n;
        }
        self.unpaid += more.unpaid;
        self.shared += more.shared;
        self.pending += more.pending;
        self.conflicts += more.conflicts;
        self.stopped += more.stopped;
        self.elsewhere = self.elsewhere - taken + more.elsewhere;
        self.ended += more.ended - taken;
    }
}

/// The file checked, or (printed) every problem in it.
fn check_or_tell(file: &Path) -> Option<file::Checked> {
    match file::check(file) {
        Ok(checked) => Some(checked),
        Err(problems) => {
            for p in &problems {
                crate::say::err!("{p}");
            }
            let (n, shown) = (problems.len(), file.display());
            crate::say::err!("intellectmoney: {n} problem(s) in {shown}: nothing was sent");
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
            crate::say::err!(
                "intellectmoney: stopping after the payouts in flight (Ctrl-C); press Ctrl-C again to stop at once"
            );
            flag.store(true, Ordering::SeqCst);
            // Stopping at once is as safe as a crash, which the journal is made for: every step
            // is recorded before its call is sent, and `resume` settles what was in flight.
            if tokio::signal::ctrl_c().await.is_ok() {
                crate::say::clear_bar();
                crate::say::err!(
                    "intellectmoney: stopped at once (second Ctrl-C): every step recorded stands; `payout-batch resume` looks up the payouts that were in flight, and executes none of them twice"
                );
                std::process::exit(4);
            }
        }
    });
    stop
}

/// Every line (read one at a time; with their count), `pace.in_flight` at a time, until `stop`;
/// a journal that fails sets `stop` and is returned once the payouts in flight have ended, and
/// so does a line that no longer reads.
async fn pay_all(
    client: &Client,
    journal: &dyn Journal,
    lines: impl Iterator<Item = Result<Line, String>>,
    hash_key: &[u8],
    poll: PollPolicy,
    (pace, screen): (&Pace, &screen::Screen),
    stop: &AtomicBool,
) -> Result<Tally, JournalError> {
    // The starts share one clock: each payout waits for its tick before it is sent.
    let gap = pace.per_second.map(|n| std::time::Duration::from_secs(1) / n.max(1));
    let ticks = gap.map(|g| tokio::sync::Mutex::new(tokio::time::interval(g)));
    let ticks = &ticks;
    let mut ended = futures_util::stream::iter(lines)
        .take_while(|_| std::future::ready(!stop.load(Ordering::SeqCst)))
        .map(|line| async move {
            if let Some(ticks) = ticks {
                ticks.lock().await.tick().await;
            }
            if stop.load(Ordering::SeqCst) {
                return Ended::NotDone;
            }
            let line = match line {
                Ok(line) => line,
                Err(problem) => {
                    screen.err(&format!("intellectmoney: {problem}"));
                    stop.store(true, Ordering::SeqCst);
                    return Ended::NotDone;
                }
            };
            let ended = pay(client, journal, line, hash_key, poll, screen).await;
            if matches!(ended, Ended::Journal(_)) {
                stop.store(true, Ordering::SeqCst);
            }
            ended
        })
        .buffer_unordered(pace.in_flight.max(1));
    let mut tally = Tally::default();
    let mut failed = None;
    while let Some(e) = ended.next().await {
        tally.ended += 1;
        match e {
            Ended::Step(step) => {
                *tally.steps.entry(step.name()).or_default() += 1;
                match step {
                    Step::Pending(_) => tally.pending += 1,
                    Step::Completed(_) => {}
                    Step::Shared { .. } => tally.shared += 1,
                    s if s.is_final() => tally.unpaid += 1,
                    _ => {}
                }
            }
            Ended::Conflict => tally.conflicts += 1,
            Ended::NotDone => tally.stopped += 1,
            Ended::Elsewhere => tally.elsewhere += 1,
            Ended::Journal(e) => failed = failed.or(Some(e)),
        }
    }
    failed.map_or(Ok(tally), Err)
}

/// One line, paid once, its end printed above the bar and counted on it.
async fn pay(
    client: &Client,
    journal: &dyn Journal,
    line: Line,
    hash_key: &[u8],
    poll: PollPolicy,
    screen: &screen::Screen,
) -> Ended {
    let (amount, currency) = (line.request.amount, line.request.currency.to_string());
    match pay_once(client, journal, &line.key, line.request, hash_key, poll).await {
        Ok(step) => {
            screen.out(&format!("{}: {step}", line.key));
            screen.ended(&step, amount, &currency);
            Ended::Step(step)
        }
        Err(BatchError::Journal(e @ JournalError::Conflict { .. })) => {
            screen.err(&format!("intellectmoney: {e}"));
            screen.conflict();
            Ended::Conflict
        }
        // Another worker pays it (or, if it stops, the workers take it over).
        Err(BatchError::Journal(JournalError::Claimed { .. })) => {
            screen.elsewhere();
            Ended::Elsewhere
        }
        Err(BatchError::Journal(e)) => Ended::Journal(e),
        Err(e) => {
            let key = &line.key;
            screen.err(&match e.unsettled_operation() {
                Some(id) => format!(
                    "intellectmoney: {key}: {e}. Unsettled: `payout-batch resume` looks operation {id} up again; by hand: `intellectmoney get-operation-state --payout-operation-id {id}`"
                ),
                None => format!("intellectmoney: {key}: {e} (the journal says where it is; `payout-batch resume` goes on)"),
            });
            screen.stopped();
            Ended::NotDone
        }
    }
}

/// The run's summary, what to do next, and its exit code: 0 every line paid; 3 some ended
/// unpaid or conflicted; 4 some are not done (pending, stopped): run again.
fn summary(t: &Tally, journal: &Path, file: &Path) -> u8 {
    // Every way a line can end, with its count, zero too.
    let parts: Vec<String> = Step::ENDS
        .iter()
        .map(|name| format!("{} {}", name.replace('_', " "), t.steps.get(name).copied().unwrap_or(0)))
        .collect();
    let elsewhere = match t.elsewhere {
        0 => String::new(),
        n => format!("; paid by other workers {n}"),
    };
    crate::say::err!(
        "intellectmoney: {}; conflicts {}; stopped {}; not started {}{elsewhere}",
        parts.join(", "),
        t.conflicts,
        t.stopped,
        t.not_started
    );
    let (journal, file) = (shown(journal), file.display());
    if t.pending > 0 {
        crate::say::err!(
            "intellectmoney: {} payout(s) unsettled (executed or in doubt, not final): `payout-batch resume --journal {journal} {file}` looks them up again; they are never executed twice",
            t.pending
        );
    }
    if t.unpaid > 0 {
        crate::say::err!(
            "intellectmoney: {} line(s) ended without moving money: to pay them with a new operation, `payout-batch retry --journal {journal} {file} --unpaid` (or name the keys)",
            t.unpaid
        );
    }
    if t.shared > 0 {
        crate::say::err!(
            "intellectmoney: {} line(s) were answered an operation the journal holds for another key: not executed, and never paid again on their own; check with IntellectMoney which payout that operation is (`payout-batch report` names the other key)",
            t.shared
        );
    }
    if t.stopped + t.pending > 0 || t.not_started > 0 {
        4
    } else if t.conflicts > 0 || t.unpaid > 0 || t.shared > 0 {
        3
    } else {
        0
    }
}

/// Every text a reader of a PostgreSQL journal's URL could take as its password (the driver's
/// reading and the others: `runtime::redact::url_passwords`), to be kept out of everything
/// printed.
pub fn journal_passwords(journal: &Path) -> Vec<String> {
    let Some(url) = open::postgres_url(journal) else {
        return Vec::new();
    };
    let driver = intellectmoney::batch::Location::parse(url)
        .ok()
        .and_then(|l| l.password().map(|p| String::from_utf8_lossy(p).into_owned()));
    let mut all = intellectmoney::runtime::redact::url_passwords(url);
    all.extend(driver);
    all
}

/// Refuses a journal given as libpq's `key=value` connection string (`host=db password=…`):
/// taken as a file name it would write the password into the name of a file, and show it. The
/// text itself is not shown.
pub fn not_a_connection_string(flag: &str, journal: &Path) -> Result<(), String> {
    const KEYWORDS: [&str; 7] = ["host", "hostaddr", "port", "dbname", "user", "password", "sslmode"];
    // libpq allows spaces around `=`.
    let text: String = journal
        .to_string_lossy()
        .split('=')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("=");
    let keyword = |word: &str| {
        word.split_once('=')
            .is_some_and(|(name, _)| KEYWORDS.iter().any(|k| name.eq_ignore_ascii_case(k)))
    };
    match open::postgres_url(journal).is_none() && text.split_whitespace().any(keyword) {
        true => Err(format!(
            "{flag} is a PostgreSQL connection string of key=value words (not shown): give a \
             PostgreSQL journal as a URL, postgres://USER:PASSWORD@HOST/DATABASE, or a file name"
        )),
        false => Ok(()),
    }
}

/// A journal's location as it may be shown: a PostgreSQL URL without its password.
pub fn shown(journal: &Path) -> String {
    match open::postgres_url(journal) {
        Some(url) => intellectmoney::batch::redact(url),
        None => journal.display().to_string(),
    }
}

/// `payout-batch report` (`rows`: one row per key, CSV or JSON lines) and `status` (totals
/// only): totals per step and currency on stderr. The journal is read one entry at a time.
pub async fn report(journal_path: &Path, rows: bool, json: bool) -> ExitCode {
    let journal = match open::postgres_url(journal_path) {
        // Read live, beside the workers paying it.
        Some(url) => match PostgresJournal::open(url, false).await {
            Ok(j) => Opened::Postgres(Box::new(j)),
            Err(e) => {
                crate::say::err!("intellectmoney: {e}");
                return ExitCode::from(2);
            }
        },
        None => match SqliteJournal::open_existing(journal_path) {
            Ok(j) => Opened::Sqlite(j),
            // A run holds the journal: `status` reads the run's progress file instead.
            Err(e @ JournalError::InUse { .. }) if !rows => return running_status(journal_path, json, &e),
            Err(e) => {
                crate::say::err!("intellectmoney: {e}");
                return ExitCode::from(2);
            }
        },
    };
    if rows && !json {
        crate::say::out!("{}", csv_line(REPORT_COLUMNS));
    }
    let mut totals = Totals::default();
    let read = journal
        .journal()
        .each(&mut |e| {
            totals.add(&e);
            if rows {
                let line = if json { json_row(&e) } else { csv_line(row(&e)) };
                crate::say::out!("{line}");
            }
        })
        .await;
    if let Err(e) = read {
        crate::say::err!("intellectmoney: {e}");
        return ExitCode::FAILURE;
    }
    let (unstarted, in_flight) = match read_live(&journal).await {
        Ok(read) => read,
        Err(e) => {
            crate::say::err!("intellectmoney: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut lines = totals.lines(unstarted);
    lines.extend(
        in_flight
            .iter()
            .map(|(worker, n)| format!("in flight: {n} line(s), paid now by worker {worker}")),
    );
    match (rows, json) {
        // The report's rows are its output: the totals go beside them, on stderr.
        (true, _) => lines.iter().for_each(|l| crate::say::err!("{l}")),
        // The totals are the status's output.
        (false, false) => lines.iter().for_each(|l| crate::say::out!("{l}")),
        (false, true) => crate::say::out!("{}", totals.json(unstarted, &in_flight)),
    }
    ExitCode::SUCCESS
}

/// The keys no run has started, and the keys the workers of a shared journal are paying now.
async fn read_live(journal: &Opened) -> Result<(u64, Vec<(String, u64)>), JournalError> {
    let unstarted = journal.unstarted().await?;
    let in_flight = match journal {
        Opened::Postgres(j) => j.in_flight().await?,
        Opened::Sqlite(_) => Vec::new(),
    };
    Ok((unstarted, in_flight))
}

/// `status` while a run holds the journal: that run's counts so far, from its progress file.
fn running_status(journal_path: &Path, json: bool, in_use: &JournalError) -> ExitCode {
    let progress = std::fs::read_to_string(screen::progress_path(journal_path))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    let Some(mut p) = progress else {
        crate::say::err!("intellectmoney: {in_use}");
        return ExitCode::from(2);
    };
    if json {
        p["running"] = serde_json::Value::Bool(true);
        crate::say::out!("{p}");
        return ExitCode::SUCCESS;
    }
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    let (lines, done) = (n(&p["lines"]), n(&p["done"]));
    crate::say::out!(
        "a run is going (process {}): {done} of the file's {lines} line(s) done so far",
        p["pid"]
    );
    for name in Step::ENDS {
        let count = n(&p["steps"][name]);
        crate::say::out!("{}: {count}", name.replace('_', " "));
    }
    crate::say::out!("conflicts: {}; stopped: {}", n(&p["conflicts"]), n(&p["stopped"]));
    if let Some(paid) = p["paid"].as_object() {
        for (currency, sum) in paid {
            crate::say::out!("paid {currency}: {}", sum.as_str().unwrap_or_default());
        }
    }
    crate::say::out!(
        "not ended yet: {} line(s) (in flight, or not started)",
        lines.saturating_sub(done)
    );
    ExitCode::SUCCESS
}

/// The columns of a report row, for one entry.
fn row(e: &Entry) -> [String; 7] {
    [
        e.key.clone(),
        e.step.name().to_owned(),
        e.step.operation_id().map(|i| i.to_string()).unwrap_or_default(),
        e.planned.amount.to_string(),
        e.planned.currency.clone(),
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

/// One entry as a JSON line (JSON escapes every control character).
fn json_row(e: &Entry) -> String {
    let object: serde_json::Map<String, serde_json::Value> = REPORT_COLUMNS
        .iter()
        .zip(row(e))
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(v)))
        .collect();
    serde_json::Value::Object(object).to_string()
}

/// One CSV record, without its line break. Every cell is made inert for a spreadsheet: control
/// characters escaped, and one that starts like a formula (`=`, `+`, `-`, `@`) prefixed with `'`.
fn csv_line<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    use intellectmoney::runtime::redact::csv_cell;
    let mut w = csv::Writer::from_writer(Vec::new());
    let cells: Vec<String> = cells.into_iter().map(|c| csv_cell(c.as_ref())).collect();
    // Writing to memory cannot fail.
    w.write_record(&cells).expect("a record is written to memory");
    let bytes = w.into_inner().expect("a record is written to memory");
    String::from_utf8_lossy(&bytes).trim_end_matches('\n').to_owned()
}

/// The journal's totals after a run, on stderr (stdout holds the lines' results).
async fn totals(journal: &Opened) -> u8 {
    let mut totals = Totals::default();
    if let Err(e) = journal.journal().each(&mut |e| totals.add(&e)).await {
        crate::say::err!("intellectmoney: {e}");
        return 4;
    }
    match journal.unstarted().await {
        Ok(unstarted) => {
            totals.lines(unstarted).iter().for_each(|l| crate::say::err!("{l}"));
            totals.code(unstarted)
        }
        Err(e) => {
            crate::say::err!("intellectmoney: {e}");
            4
        }
    }
}

/// Payouts and their amounts per state and currency, why the failed ones failed, and the
/// orphans (operations created and never executed).
#[derive(Default)]
struct Totals {
    by_state: BTreeMap<(&'static str, String), (usize, intellectmoney::runtime::Decimal)>,
    reasons: BTreeMap<String, usize>,
    orphans: u64,
    /// Entries not ended (not final, or pending).
    open: u64,
    /// Entries ended without paying, or sharing another key's operation.
    unpaid: u64,
}

impl Totals {
    fn add(&mut self, e: &Entry) {
        let total = self
            .by_state
            .entry((e.step.name(), e.planned.currency.clone()))
            .or_default();
        total.0 += 1;
        total.1 += e.planned.amount;
        if let Step::Failed { message, .. } = &e.step {
            let reason = message.as_deref().unwrap_or("(no message)");
            *self.reasons.entry(reason.to_owned()).or_default() += 1;
        }
        self.orphans += u64::from(e.orphans);
        match &e.step {
            Step::Completed(_) => {}
            s if s.is_final() => self.unpaid += 1,
            _ => self.open += 1,
        }
    }

    /// The exit code of the whole journal, as a run's: 4 some lines not ended (or not
    /// started), else 3 some ended unpaid, else 0.
    fn code(&self, unstarted: u64) -> u8 {
        if self.open > 0 || unstarted > 0 {
            4
        } else if self.unpaid > 0 {
            3
        } else {
            0
        }
    }

    /// The totals as lines of text, and the lines of the batch not started.
    fn lines(&self, unstarted: u64) -> Vec<String> {
        let mut out: Vec<String> = self
            .by_state
            .iter()
            .map(|((step, currency), (n, sum))| format!("{step} {currency}: {n} payout(s), {sum}"))
            .collect();
        out.extend(self.reasons.iter().map(|(reason, n)| format!("failed: {n} × {reason}")));
        if self.orphans > 0 {
            let n = self.orphans;
            out.push(format!("orphans: {n} (created, never executed: they moved no money)"));
        }
        if unstarted > 0 {
            out.push(format!(
                "not started: {unstarted} line(s) of the batch (`payout-batch resume` pays them)"
            ));
        }
        out
    }

    /// The totals as one JSON object (with the keys in flight per worker of a shared journal).
    fn json(&self, unstarted: u64, in_flight: &[(String, u64)]) -> String {
        let by_state: Vec<serde_json::Value> = self
            .by_state
            .iter()
            .map(|((step, currency), (n, sum))| {
                serde_json::json!({ "step": step, "currency": currency, "payouts": n, "amount": sum.to_string() })
            })
            .collect();
        serde_json::json!({
            "by_state": by_state,
            "failed_reasons": self.reasons,
            "orphans": self.orphans,
            "not_started": unstarted,
            "in_flight": in_flight.iter().map(|(w, n)| serde_json::json!({ "worker": w, "lines": n })).collect::<Vec<_>>(),
        })
        .to_string()
    }
}
