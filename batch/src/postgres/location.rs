//! Where a PostgreSQL journal is: a connection URL (`postgres://user@host:5432/db`) and the
//! schema its tables live in, with the password kept out of every text about it.

use crate::journal::JournalError;

/// The schema a journal's tables go in when the URL names none.
pub const DEFAULT_SCHEMA: &str = "intellectmoney_journal";

/// A PostgreSQL journal's location, parsed: the driver's configuration, the schema, and the URL
/// as it may be shown (its password replaced by `***`).
#[derive(Clone)]
pub struct Location {
    pub(crate) config: tokio_postgres::Config,
    pub(crate) schema: String,
    pub(crate) shown: String,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Whether `text` names a PostgreSQL journal (a `postgres://` or `postgresql://` URL) rather
/// than a file.
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl Location {
    /// Parses a `postgres://` URL. The project's own parameter `schema=NAME` (letters, digits
    /// and `_`, starting with a letter or `_`; default [`DEFAULT_SCHEMA`]) names the schema of
    /// the journal's tables, so that one database holds one journal per batch; the others are
    /// libpq's, as the driver reads them. Refused with the URL shown without its password.
    pub fn parse(url: &str) -> Result<Location, JournalError> {
        let shown = redact(url);
        let bad = |why: String| JournalError::NotAJournal {
            path: shown.clone(),
            why,
        };
        if !is_postgres_url(url) {
            return Err(bad("not a postgres:// URL".into()));
        }
        let (base, schema) = take_schema(url).map_err(bad)?;
        let mut config: tokio_postgres::Config = base
            .parse()
            .map_err(|e| bad(format!("not a PostgreSQL connection URL ({e})")))?;
        // Every commit is on the server's disk when it returns (whatever the server's default),
        // and the journal's tables are found in its schema alone.
        let options = config.get_options().unwrap_or_default().to_owned();
        config.options(format!("{options} -c synchronous_commit=on -c search_path={schema}").trim());
        config.application_name("intellectmoney payout journal");
        // The password may come from the environment, as libpq reads it (not on the command line).
        if config.get_password().is_none() {
            if let Ok(password) = std::env::var("PGPASSWORD") {
                config.password(password);
            }
        }
        Ok(Location { config, schema, shown })
    }

    /// The schema of the journal's tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The password the URL gives, so that a program can keep it out of what it prints (the
    /// location's own texts never show it).
    pub fn password(&self) -> Option<&[u8]> {
        self.config.get_password()
    }
}

/// The URL without its `schema=` parameter, and the schema.
fn take_schema(url: &str) -> Result<(String, String), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), DEFAULT_SCHEMA.to_owned()));
    };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("schema", name)) => schema = Some(name.to_owned()),
            _ => rest.push(pair),
        }
    }
    let schema = schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_owned());
    let valid = schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(format!(
            "schema `{schema}`: a schema name is 1 to 63 lowercase letters, digits and `_`, not starting with a digit"
        ));
    }
    let base = match rest.is_empty() {
        true => base.to_owned(),
        false => format!("{base}?{}", rest.join("&")),
    };
    Ok((base, schema))
}

/// The URL with its password (in the user part, or a `password=` parameter) replaced by `***`.
pub fn redact(url: &str) -> String {
    intellectmoney_runtime::redact::url_password(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        assert_eq!(
            redact("postgres://pay:s3cret@db:5432/j"),
            "postgres://pay:***@db:5432/j"
        );
        assert_eq!(
            redact("postgresql://pay@db/j?password=s3cret&schema=w48"),
            "postgresql://pay@db/j?password=***&schema=w48"
        );
        assert_eq!(redact("postgres://db/j"), "postgres://db/j");
        let e = Location::parse("postgres://pay:s3cret@db/j?schema=W48")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret") && e.contains("W48"), "{e}");
    }

    #[test]
    fn the_schema_comes_from_the_url() {
        let l = Location::parse("postgres://pay@127.0.0.1:5432/j?schema=payday_w48&connect_timeout=5").unwrap();
        assert_eq!(l.schema(), "payday_w48");
        assert_eq!(l.config.get_connect_timeout(), Some(&std::time::Duration::from_secs(5)));
        let l = Location::parse("postgres://pay@127.0.0.1/j").unwrap();
        assert_eq!(l.schema(), DEFAULT_SCHEMA);
        assert!(is_postgres_url("PostgreSQL://x") && !is_postgres_url("payouts.db"));
    }
}
