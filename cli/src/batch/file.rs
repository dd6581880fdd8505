//! The batch file: CSV with a header, checked whole before anything is sent, then read again
//! one line at a time, so that neither pass keeps its lines in memory.

use clap::{Args, FromArgMatches};
use intellectmoney::cli::CreateOperationArgs;
use intellectmoney::payout::CreateOperation;
use intellectmoney::runtime::ApiRequest;
use std::path::Path;

/// The column that holds a line's key; the others are the flags of `create-operation`.
const KEY: &str = "key";

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
    flags: Flags,
}

/// The flags of a line's payout, as the generated `create-operation` subcommand describes them
/// (from the spec): all together, and each alone (to check one field and name its own problem).
/// A column per flag, named by its id (`--recipient-name`: `recipient_name`).
struct Flags {
    all: clap::Command,
    each: Vec<Flag>,
}

/// One flag: its id (the column), whether it is required, and a command of it alone.
struct Flag {
    id: String,
    long: String,
    required: bool,
    alone: clap::Command,
}

impl Flags {
    fn new() -> Flags {
        let all = CreateOperationArgs::augment_args(clap::Command::new("line").no_binary_name(true));
        let each = all
            .get_arguments()
            .filter_map(|a| {
                let alone = clap::Command::new("field")
                    .no_binary_name(true)
                    .arg(a.clone().required(false));
                Some(Flag {
                    id: a.get_id().to_string(),
                    long: a.get_long()?.to_owned(),
                    required: a.is_required_set(),
                    alone,
                })
            })
            .collect();
        Flags { all, each }
    }

    /// The columns of a batch file: `key`, then one per flag, the required ones first.
    fn columns(&self) -> Vec<(&str, bool)> {
        let mut columns: Vec<(&str, bool)> = self.each.iter().map(|f| (f.id.as_str(), f.required)).collect();
        columns.sort_by_key(|(_, required)| !required);
        columns.insert(0, (KEY, true));
        columns
    }
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
    let flags = Flags::new();
    let columns = flags.columns();
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    for (i, name) in header.iter().enumerate() {
        if !names.contains(&name.as_str()) {
            problems.push(format!(
                "{shown}:1:{}: unknown column `{name}`; the columns are {}",
                i + 1,
                names.join(", ")
            ));
        }
    }
    for (required, _) in columns.iter().filter(|(_, r)| *r) {
        if !header.iter().any(|h| h == *required) {
            problems.push(format!("{shown}:1: the column `{required}` is missing"));
        }
    }
    if problems.is_empty() {
        Ok(Opened {
            shown,
            reader,
            header,
            flags,
        })
    } else {
        Err(problems)
    }
}

impl Opened {
    /// Each record in turn: its line number, its key (when it has one) and its payout, or the
    /// problems of that line.
    fn records(self) -> impl Iterator<Item = (u64, Option<String>, Result<Line, Vec<String>>)> {
        let Opened {
            shown,
            reader,
            header,
            mut flags,
        } = self;
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
            let key = header.iter().position(|h| h == KEY).and_then(|i| record.get(i));
            let key = key.filter(|k| !k.is_empty()).map(str::to_owned);
            (line, key, parse_line(&mut flags, &header, &record, &at))
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
                    place(&shown, &header, line, KEY)
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

/// One record: every field checked by its flag's own parser, each problem named by its place;
/// then the request the flags make, checked as the client would.
fn parse_line(
    flags: &mut Flags,
    header: &[String],
    record: &csv::StringRecord,
    at: &dyn Fn(&str) -> String,
) -> Result<Line, Vec<String>> {
    let field = |name: &str| {
        let value = header.iter().position(|h| h == name).and_then(|i| record.get(i));
        value.filter(|v| !v.is_empty())
    };
    let mut problems = Vec::new();
    let key = field(KEY);
    if key.is_none() {
        problems.push(format!("{}: required", at(KEY)));
    }
    let mut argv: Vec<String> = Vec::new();
    for flag in &mut flags.each {
        let Some(value) = field(&flag.id) else {
            if flag.required {
                problems.push(format!("{}: required", at(&flag.id)));
            }
            continue;
        };
        let given = [format!("--{}", flag.long), value.to_owned()];
        match flag.alone.try_get_matches_from_mut(&given) {
            Ok(_) => argv.extend(given),
            Err(e) => problems.push(format!("{}: {}", at(&flag.id), reason(&e))),
        }
    }
    let Some(key) = key.filter(|_| problems.is_empty()) else {
        return Err(problems);
    };
    let request = flags
        .all
        .try_get_matches_from_mut(argv)
        .and_then(|m| CreateOperationArgs::from_arg_matches(&m))
        .map_err(|e| vec![format!("{}: {}", at(KEY), reason(&e))])?
        .into_request();
    // The client's own checks, named by the column of the parameter they are about.
    if let Err(e) = request.validate() {
        let column = CreateOperationArgs::PARAMS
            .iter()
            .find(|(wire, _)| *wire == e.param)
            .map_or(KEY, |(_, id)| id);
        return Err(vec![format!("{}: {} {}", at(column), e.param, e.rule)]);
    }
    Ok(Line {
        key: key.to_owned(),
        request,
    })
}

/// What a flag's parser said, without clap's framing.
fn reason(e: &clap::Error) -> String {
    match std::error::Error::source(e) {
        Some(inner) => inner.to_string(),
        None => e.kind().to_string(),
    }
}
