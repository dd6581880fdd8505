//! The batch file: CSV with a header, checked whole before anything is sent, then read again
//! one line at a time, so that neither pass keeps its lines in memory. Both passes read the one
//! file handle opened for the check (a file renamed over it meanwhile is not read), and every
//! line is paid only if its digest is the one the check recorded for it: what is paid is what
//! was checked, byte for byte, even when the file is rewritten in place during the run.

use clap::{Args, FromArgMatches};
use intellectmoney::cli::{PayoutCreate, PayoutCreateArgs};
use intellectmoney::runtime::ApiRequest;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;
use std::rc::Rc;

/// The column that holds a line's key; the others are the flags of `create-operation`.
const KEY: &str = "key";

/// One line of a batch: its key and its payout.
pub struct Line {
    /// The merchant's key, unique in the journal.
    pub key: String,
    /// The payout.
    pub request: PayoutCreate,
}

/// A batch file opened past its header, with the header's column names (lowercase).
struct Opened {
    shown: String,
    reader: csv::Reader<Hashing>,
    header: Vec<String>,
    flags: Flags,
}

/// The file as read, hashed on the way (SHA-256 of every byte the CSV reader took).
struct Hashing {
    file: File,
    sha: Rc<RefCell<Sha256>>,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.sha.borrow_mut().update(&buf[..n]);
        Ok(n)
    }
}

/// A batch file that [`check`] passed: its handle, its content hash, the number of its lines,
/// and the digest of each line.
pub struct Checked {
    /// The file as given.
    pub shown: String,
    /// Lowercase hex SHA-256 of its content, as checked.
    pub sha256: String,
    /// Its lines (records).
    pub count: u64,
    file: File,
    seen: SeenKeys,
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
        let all = PayoutCreateArgs::augment_args(clap::Command::new("line").no_binary_name(true));
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

/// Reads a batch file from its handle, from the start, and checks its header: every column
/// known, the required ones there.
fn open(shown: &str, file: &File) -> Result<(Opened, Rc<RefCell<Sha256>>), Vec<String>> {
    let shown = shown.to_owned();
    let mut file = file.try_clone().map_err(|e| vec![format!("{shown}: {e}")])?;
    file.rewind().map_err(|e| vec![format!("{shown}: {e}")])?;
    let sha = Rc::new(RefCell::new(Sha256::new()));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(Hashing { file, sha: sha.clone() });
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| vec![csv_problem(&shown, &[], &e)])?
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
    if let Some(separator) = other_separator(&header) {
        // One column that holds the names: the file is separated otherwise, and every column
        // seems missing. One line says why.
        return Err(vec![format!(
            "{shown}:1: the columns are separated by `{separator}`, not by commas: save the file as CSV separated by commas (`,`)"
        )]);
    }
    for (required, _) in columns.iter().filter(|(_, r)| *r) {
        if !header.iter().any(|h| h == *required) {
            problems.push(format!("{shown}:1: the column `{required}` is missing"));
        }
    }
    if problems.is_empty() {
        let opened = Opened {
            shown,
            reader,
            header,
            flags,
        };
        Ok((opened, sha))
    } else {
        Err(problems)
    }
}

impl Opened {
    /// Each record in turn: its line number, its digest, its key (when it has one) and its
    /// payout, or the problems of that line.
    #[allow(clippy::type_complexity)]
    fn records(self) -> impl Iterator<Item = (u64, [u8; 32], Option<String>, Result<Line, Vec<String>>)> {
        let Opened {
            shown,
            reader,
            header,
            mut flags,
        } = self;
        let header_digest = Sha256::digest(header.join("\x1f").as_bytes());
        reader.into_records().map(move |record| {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return (line, [0; 32], None, Err(vec![csv_problem(&shown, &header, &e)]));
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            let digest = line_digest(&header_digest, line, &record);
            let at = |column: &str| place(&shown, &header, line, column);
            let key = header.iter().position(|h| h == KEY).and_then(|i| record.get(i));
            let key = key.filter(|k| !k.is_empty()).map(str::to_owned);
            (line, digest, key, parse_line(&mut flags, &header, &record, &at))
        })
    }
}

/// The separator a header of one column was written with (`;` or a tab), if it was.
fn other_separator(header: &[String]) -> Option<&'static str> {
    match header {
        [only] => [(";", ";"), ("\t", "tab")]
            .into_iter()
            .find(|(c, _)| only.contains(c))
            .map(|(_, shown)| shown),
        _ => None,
    }
}

/// A CSV error in the operator's words: where (line and column from 1, the column's name) and
/// what to do.
fn csv_problem(shown: &str, header: &[String], e: &csv::Error) -> String {
    let line = e.position().map_or(1, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            let column = err.field() + 1;
            let name = header.get(err.field()).map(|n| format!(" ({n})")).unwrap_or_default();
            format!(
                "{shown}:{line}:{column}{name}: the text is not UTF-8: the file was saved in another encoding (Windows-1251, as Excel's plain «CSV» is?); save it as «CSV UTF-8»"
            )
        }
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "{shown}:{line}: {len} field(s), where the header has {expected_len}: a separator too many or too few on this line?"
        ),
        _ => format!("{shown}:{line}: {e}"),
    }
}

/// What a line is: the header, its number and its fields.
fn line_digest(header: &[u8], line: u64, record: &csv::StringRecord) -> [u8; 32] {
    let mut sha = Sha256::new();
    sha.update(header);
    sha.update(line.to_le_bytes());
    for field in record {
        sha.update((field.len() as u64).to_le_bytes());
        sha.update(field.as_bytes());
    }
    sha.finalize().into()
}

/// `file:line:column (name)` of a field.
fn place(shown: &str, header: &[String], line: u64, column: &str) -> String {
    match header.iter().position(|h| h == column) {
        Some(i) => format!("{shown}:{line}:{} ({column})", i + 1),
        None => format!("{shown}:{line} (no column `{column}`)"),
    }
}

/// Checks a whole batch file, one line at a time and keeping none: the file's handle, content
/// hash, number of lines and each line's digest, or every problem in it
/// (`file:line:column: …`). A file with any problem is refused whole, so that nothing of it is
/// sent. The keys seen and the digests are kept in a temporary SQLite file (deleted when done),
/// so that memory does not grow with the file.
pub fn check(path: &Path) -> Result<Checked, Vec<String>> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|e| vec![format!("{shown}: {e}")])?;
    let (opened, sha) = open(&shown, &file)?;
    let header = opened.header.clone();
    let mut seen = SeenKeys::new().map_err(|e| vec![format!("{shown}: cannot check its keys: {e}")])?;
    let mut problems = Vec::new();
    let mut count = 0;
    for (line, digest, key, parsed) in opened.records() {
        count += 1;
        if let Err(e) = seen.digest(line, &digest) {
            return Err(vec![format!("{shown}: cannot check its lines: {e}")]);
        }
        // A key twice in one file is a problem whatever else the lines hold.
        if let Some(key) = key {
            match seen.first_line(&key, line) {
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
    if !problems.is_empty() {
        return Err(problems);
    }
    let sha256 = sha
        .borrow_mut()
        .finalize_reset()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Checked {
        shown,
        sha256,
        count,
        file,
        seen,
    })
}

/// Every key of a checked file, in key order, read a page at a time (to record them in the
/// journal without holding them all); a key that cannot be read ends them with the error.
pub fn keys(checked: &Checked) -> impl Iterator<Item = Result<String, String>> + '_ {
    let mut page: std::vec::IntoIter<String> = Vec::new().into_iter();
    let mut after = String::new();
    let mut done = false;
    std::iter::from_fn(move || loop {
        if let Some(key) = page.next() {
            after.clone_from(&key);
            return Some(Ok(key));
        }
        if done {
            return None;
        }
        match checked.seen.keys_after(&after, 1000) {
            Ok(next) => {
                done = next.len() < 1000;
                page = next.into_iter();
            }
            Err(e) => {
                done = true;
                return Some(Err(format!("{}: cannot read its keys: {e}", checked.shown)));
            }
        }
    })
}

/// Whether the file at the checked path no longer holds what was checked (changed, replaced or
/// gone).
pub fn changed_since(checked: &Checked) -> bool {
    let Ok(mut file) = File::open(&checked.shown) else {
        return true;
    };
    let mut sha = Sha256::new();
    if std::io::copy(&mut file, &mut sha).is_err() {
        return true;
    }
    let now: String = sha.finalize().iter().map(|b| format!("{b:02x}")).collect();
    now != checked.sha256
}

/// Whether the checked file has this key.
pub fn has_key(checked: &Checked, key: &str) -> Result<bool, String> {
    checked
        .seen
        .contains(key)
        .map_err(|e| format!("{}: {e}", checked.shown))
}

/// The lines of a file that [`check`] passed, read again from its handle one at a time. A line
/// whose digest is not the one checked (the file was changed in place since), or one more than
/// were checked, ends the lines with its problem, before it is paid.
pub fn lines(checked: &Checked) -> Result<impl Iterator<Item = Result<Line, String>> + '_, String> {
    let (opened, _) = open(&checked.shown, &checked.file).map_err(|p| p.join("; "))?;
    let changed = |line: u64| {
        format!(
            "{}:{line}: the file changed since it was checked: nothing more of it is paid. Put it back as it was when this batch started, and run the same command; changes go in a new file, under new keys",
            checked.shown
        )
    };
    let mut read = 0;
    let mut records = opened.records();
    // Each line as checked; then, when the lines end early (the file was cut short), that too.
    Ok(std::iter::from_fn(move || {
        let Some((line, digest, _, parsed)) = records.next() else {
            return (read < checked.count).then(|| {
                read = checked.count;
                Err(format!(
                    "{}: the file changed since it was checked: it ends after {read} of its {} lines; nothing more of it is paid. Put it back as it was when this batch started, and run the same command",
                    checked.shown, checked.count
                ))
            });
        };
        read += 1;
        match checked.seen.digest_of(line) {
            Ok(Some(d)) if d == digest => {}
            _ => return Some(Err(changed(line))),
        }
        Some(parsed.map_err(|_| changed(line)))
    }))
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
             CREATE TABLE lines (line INTEGER PRIMARY KEY, digest BLOB NOT NULL);
             BEGIN;",
        )?;
        Ok(SeenKeys { conn })
    }

    /// Notes the digest of `line`.
    fn digest(&mut self, line: u64, digest: &[u8; 32]) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO lines (line, digest) VALUES (?1, ?2)")?
            .execute(rusqlite::params![line as i64, &digest[..]])
            .map(|_| ())
    }

    /// The digest noted for `line`.
    fn digest_of(&self, line: u64) -> rusqlite::Result<Option<[u8; 32]>> {
        use rusqlite::OptionalExtension;
        let digest: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT digest FROM lines WHERE line = ?1")?
            .query_row([line as i64], |r| r.get(0))
            .optional()?;
        Ok(digest.and_then(|d| d.try_into().ok()))
    }

    /// Up to `n` keys after `after`, in key order.
    fn keys_after(&self, after: &str, n: usize) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key FROM seen WHERE key > ?1 ORDER BY key LIMIT ?2")?;
        let keys = stmt.query_map(rusqlite::params![after, n as i64], |r| r.get(0))?;
        keys.collect()
    }

    /// Whether the file has `key`.
    fn contains(&self, key: &str) -> rusqlite::Result<bool> {
        use rusqlite::OptionalExtension;
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT line FROM seen WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        Ok(found.is_some())
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
        // `--flag=value`: a value that starts with `-` is a value, not another flag.
        let given = format!("--{}={value}", flag.long);
        match flag.alone.try_get_matches_from_mut([&given]) {
            Ok(_) => argv.push(given),
            Err(e) => problems.push(format!("{}: {}", at(&flag.id), masked(&reason(&e)))),
        }
    }
    let Some(key) = key.filter(|_| problems.is_empty()) else {
        return Err(problems);
    };
    let request = flags
        .all
        .try_get_matches_from_mut(argv)
        .and_then(|m| PayoutCreateArgs::from_arg_matches(&m))
        .map_err(|e| vec![format!("{}: {}", at(KEY), masked(&reason(&e)))])?
        .into_request();
    // The client's own checks, named by the column of the parameter they are about.
    if let Err(e) = request.validate() {
        let column = PayoutCreateArgs::PARAMS
            .iter()
            .find(|(wire, _)| *wire == e.param)
            .map_or(KEY, |(_, id)| id);
        return Err(vec![masked(&format!("{}: {} {}", at(column), e.param, e.rule))]);
    }
    Ok(Line {
        key: key.to_owned(),
        request,
    })
}

/// A problem's text with every run of 12 or more digits (a card number in the wrong column)
/// shown by its last four only.
fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 12 {
            out.push_str(&format!("[card number …{}]", &digits[digits.len() - 4..]));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// What a flag's parser said, without clap's framing.
fn reason(e: &clap::Error) -> String {
    match std::error::Error::source(e) {
        Some(inner) => inner.to_string(),
        None => e.kind().to_string(),
    }
}
