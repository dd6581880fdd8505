//! A connection URL as it may be shown: its password replaced, however a reader splits it.
//!
//! Readers disagree on where a URL's user part ends when a password holds an unencoded `@`:
//! tokio-postgres ends it at the first `@`, the `url` crate (reqwest) at the last one before the
//! host. What is shown hides the password under every reading, and what is removed from text
//! ([`url_passwords`]) is every value some reader could take as the password.

/// A connection URL (`postgres://user:password@host/db?password=…`) with its password, in the
/// user part or a `password=` parameter, replaced by `***`: how a URL is shown. A `password=`
/// parameter is hidden wherever it stands, and the user part is taken to end at the last `@`,
/// so that a password holding `@`, `/`, `?` or `&` is hidden whichever way it is read (a URL
/// with an `@` elsewhere is shown with less, never more).
pub fn url_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = without_password_params(rest);
    let rest = match rest.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => rest,
    };
    match scheme.is_empty() {
        true => rest,
        false => format!("{scheme}://{rest}"),
    }
}

/// Every text some reader of `url` could take as its password: the user part's, ended at the
/// first `@` and at the last, and each `password=` parameter's value. To be removed from
/// whatever is printed about the URL (a driver's error may quote it).
pub fn url_passwords(url: &str) -> Vec<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let user_parts = [rest.split_once('@'), rest.rsplit_once('@')];
    let from_user = user_parts
        .into_iter()
        .flatten()
        .filter_map(|(user, _)| user.split_once(':').map(|(_, password)| password));
    let from_params = password_params(rest).map(|(start, end)| &rest[start..end]);
    let mut found: Vec<String> = from_user
        .chain(from_params)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The byte ranges of the values of `password=` parameters (after `?` or `&`, any case), each
/// up to the next `&` or `#`.
fn password_params(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    const NAME: &str = "password=";
    let lower = text.to_ascii_lowercase();
    let starts: Vec<usize> = lower
        .match_indices(NAME)
        .filter(|(at, _)| *at > 0 && matches!(text.as_bytes()[at - 1], b'?' | b'&'))
        .map(|(at, _)| at + NAME.len())
        .collect();
    starts.into_iter().map(move |start| {
        let end = text[start..].find(['&', '#']).map_or(text.len(), |n| start + n);
        (start, end)
    })
}

/// `text` with the value of every `password=` parameter replaced by `***`.
fn without_password_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in password_params(text) {
        out.push_str(&text[done..start]);
        out.push_str("***");
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

#[cfg(test)]
mod tests {
    use super::{url_password, url_passwords};

    #[test]
    fn a_password_is_never_shown_whatever_it_holds() {
        assert_eq!(
            url_password("postgres://pay:s3cret@db:5432/j"),
            "postgres://pay:***@db:5432/j"
        );
        assert_eq!(url_password("postgres://pay:pa/ss?x@db/j"), "postgres://pay:***@db/j");
        assert_eq!(
            url_password("postgresql://pay@db/j?password=s3cret&schema=w48"),
            "postgresql://pay@db/j?password=***&schema=w48"
        );
        assert_eq!(url_password("postgres://db/j"), "postgres://db/j");
        assert_eq!(
            url_password("https://u:t@shop.example/paid"),
            "https://u:***@shop.example/paid"
        );
        // A password holding `@`: in a parameter (tokio-postgres would read `db/j?…` as the
        // user) and in the user part (the url crate reads `Secr3t@Pass`).
        assert_eq!(
            url_password("postgres://db/j?user=pay&password=Pa@ss1"),
            "postgres://db/j?user=pay&password=***"
        );
        assert_eq!(
            url_password("https://u:Secr3t@Pass@shop/paid"),
            "https://u:***@shop/paid"
        );
        assert_eq!(
            url_password("postgres://pay:pa@ss@db/j?PassWord=x@y&sslmode=require"),
            "postgres://pay:***@db/j?PassWord=***&sslmode=require"
        );
    }

    #[test]
    fn every_reading_of_the_password_is_listed() {
        assert_eq!(
            url_passwords("https://u:Secr3t@Pass@shop/paid"),
            ["Secr3t", "Secr3t@Pass"]
        );
        assert_eq!(url_passwords("postgres://db/j?user=pay&password=Pa@ss1"), ["Pa@ss1"]);
        assert_eq!(url_passwords("postgres://pay@db/j"), Vec::<String>::new());
        assert_eq!(url_passwords("postgres://pay:a%40b@db/j?password=c"), ["a%40b", "c"]);
    }
}
