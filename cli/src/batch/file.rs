//! The batch file: CSV with a header, checked whole before anything is sent, then read again
//! one line at a time, so that neither pass keeps its lines in memory.

use intellectmoney::payout::CreateOperation;
use intellectmoney::runtime::ApiRequest;
use std::path::Path;

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

/// A batch file opened past its header, with the header's column names (lowercase).
struct Opened {
    shown: String,
    reader: csv::Reader<std::fs::File>,
    header: Vec<String>,
}

/// Opens a batch file and checks its header: every column known, the required ones there.
fn open(path: &Path) -> Result<Opened, Vec<String>> {
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
    if problems.is_empty() {
        Ok(Opened { shown, reader, header })
    } else {
        Err(problems)
    }
}

impl Opened {
    /// Each record in turn: its line number, its key (when it has one) and its payout, or the
    /// problems of that line.
    fn records(self) -> impl Iterator<Item = (u64, Option<String>, Result<Line, Vec<String>>)> {
        let Opened { shown, reader, header } = self;
        reader.into_records().map(move |record| {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return (line, None, Err(vec![format!("{shown}: {e}")]));
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            let at = |column: &str| place(&shown, &header, line, column);
            let key = header.iter().position(|h| h == "key").and_then(|i| record.get(i));
            let key = key.filter(|k| !k.is_empty()).map(str::to_owned);
            (line, key, parse_line(&header, &record, &at))
        })
    }
}

/// `file:line:column (name)` of a field.
fn place(shown: &str, header: &[String], line: u64, column: &str) -> String {
    match header.iter().position(|h| h == column) {
        Some(i) => format!("{shown}:{line}:{} ({column})", i + 1),
        None => format!("{shown}:{line} (no column `{column}`)"),
    }
}

/// Checks a whole batch file, one line at a time and keeping none: the number of its lines, or
/// every problem in it (`file:line:column: …`). A file with any problem is refused whole, so
/// that nothing of it is sent. The keys seen are kept in a temporary SQLite file (deleted when
/// done), so that memory does not grow with the file.
pub fn check(path: &Path) -> Result<u64, Vec<String>> {
    let opened = open(path)?;
    let (shown, header) = (opened.shown.clone(), opened.header.clone());
    let mut keys = SeenKeys::new().map_err(|e| vec![format!("{shown}: cannot check its keys: {e}")])?;
    let mut problems = Vec::new();
    let mut count = 0;
    for (line, key, parsed) in opened.records() {
        count += 1;
        // A key twice in one file is a problem whatever else the lines hold.
        if let Some(key) = key {
            match keys.first_line(&key, line) {
                Ok(None) => {}
                Ok(Some(first)) => problems.push(format!(
                    "{}: key `{key}` is also on line {first}",
                    place(&shown, &header, line, "key")
                )),
                Err(e) => return Err(vec![format!("{shown}: cannot check its keys: {e}")]),
            }
        }
        if let Err(p) = parsed {
            problems.extend(p);
        }
    }
    if problems.is_empty() {
        Ok(count)
    } else {
        Err(problems)
    }
}

/// The lines of a file that [`check`] passed, read again one at a time. A line that no longer
/// reads (the file changed since) ends the lines with its problem.
pub fn lines(path: &Path) -> Result<impl Iterator<Item = Result<Line, String>>, String> {
    let opened = open(path).map_err(|p| p.join("; "))?;
    Ok(opened
        .records()
        .map(|(_, _, parsed)| parsed.map_err(|p| format!("{}: the file changed since it was checked", p.join("; ")))))
}

/// The keys of a file and the line of each, in a private temporary SQLite database (on disk,
/// deleted when closed; its page cache, 512 KiB, bounds the memory it takes).
struct SeenKeys {
    conn: rusqlite::Connection,
}

impl SeenKeys {
    fn new() -> rusqlite::Result<Self> {
        // An empty name opens a private on-disk database that SQLite deletes when it is closed.
        let conn = rusqlite::Connection::open("")?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -512;
             CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID;
             BEGIN;",
        )?;
        Ok(SeenKeys { conn })
    }

    /// Notes `key` at `line`; the line it was first seen on, when it was.
    fn first_line(&mut self, key: &str, line: u64) -> rusqlite::Result<Option<u64>> {
        let inserted = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO seen (key, line) VALUES (?1, ?2)")?
            .execute(rusqlite::params![key, line as i64])?;
        if inserted == 1 {
            return Ok(None);
        }
        self.conn
            .prepare_cached("SELECT line FROM seen WHERE key = ?1")?
            .query_row([key], |r| r.get::<_, i64>(0))
            .map(|first| Some(first as u64))
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
