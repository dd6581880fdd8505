//! A connection URL as it may be shown: its password replaced, however a reader splits it.
//!
//! Readers disagree on where a URL's password ends when it holds an unencoded `@`, `/`, `?` or
//! `#`: tokio-postgres ends the user part at the first `@` of the URL, the `url` crate (reqwest)
//! at the last `@` before the host's end (the first `/`, `?` or `#`), and a `password=`
//! parameter runs to the next `&` (tokio-postgres keeps a `#` in it). What is shown hides the
//! password under every reading ([`url_password`]), and what is removed from text
//! ([`url_passwords`]) is every value some reader could take as the password.

use std::ops::Range;

/// A connection URL (`postgres://user:password@host/db?password=…`) with its password, in the
/// user part or a `password=` parameter, replaced by `***`, under every reader's split: how a
/// URL is shown. (A URL with an `@` or `password=` elsewhere is shown with less, never more.)
pub fn url_password(url: &str) -> String {
    let start = url.find("://").map_or(0, |n| n + 3);
    let mut hidden = password_ranges(&url[start..]);
    hidden.sort_by_key(|r| r.start);
    let mut out = url[..start].to_owned();
    let rest = &url[start..];
    let mut done = 0;
    for range in hidden {
        if range.end <= done {
            continue;
        }
        if range.start > done {
            out.push_str(&rest[done..range.start]);
            out.push_str("***");
        }
        done = range.end;
    }
    out.push_str(&rest[done..]);
    out
}

/// Every text some reader of `url` could take as its password (see the module's doc), as
/// written and percent-decoded. To be removed from whatever is printed about the URL (a
/// driver's error may quote it).
pub fn url_passwords(url: &str) -> Vec<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    // As written, and decoded as a reader uses it.
    let mut found: Vec<String> = password_ranges(rest)
        .into_iter()
        .flat_map(|r| [rest[r.clone()].to_owned(), percent_decoded(&rest[r])])
        .filter(|p| !p.is_empty())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The byte ranges of `rest` (a URL after its `scheme://`) that some reader takes as the
/// password: the user part's after its first `:`, up to the first `@` and up to the last `@`
/// before the host's end, and the value of each parameter (after `?` or `&`) named `password`
/// (in any case, its name percent-decoded) up to the next `&`.
fn password_ranges(rest: &str) -> Vec<Range<usize>> {
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let user_ends = [rest.find('@'), rest[..host_end].rfind('@')];
    let mut ranges: Vec<Range<usize>> = user_ends
        .into_iter()
        .flatten()
        .filter_map(|at| rest[..at].find(':').map(|colon| colon + 1..at))
        .collect();
    for (at, _) in rest.match_indices(['?', '&']) {
        let start = at + 1;
        let end = rest[start..].find('&').map_or(rest.len(), |n| start + n);
        // tokio-postgres decodes a parameter's name: `pass%77ord=` is a password too.
        if let Some((name, _)) = rest[start..end].split_once('=') {
            if percent_decoded(name).eq_ignore_ascii_case("password") {
                ranges.push(start + name.len() + 1..end);
            }
        }
    }
    ranges
}

/// `text` with its `%XX` escapes decoded (an invalid one, or bytes that are not UTF-8, kept as
/// they are: lossy).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{url_password, url_passwords};

    #[test]
    fn a_password_is_never_shown_whatever_it_holds() {
        for (url, shown) in [
            ("postgres://pay:s3cret@db:5432/j", "postgres://pay:***@db:5432/j"),
            ("postgres://pay:pa/ss?x@db/j", "postgres://pay:***@db/j"),
            (
                "postgresql://pay@db/j?password=s3cret&schema=w48",
                "postgresql://pay@db/j?password=***&schema=w48",
            ),
            ("postgres://db/j", "postgres://db/j"),
            ("https://u:t@shop.example/paid", "https://u:***@shop.example/paid"),
            // A password holding `@`: in a parameter (tokio-postgres would read `db/j?…` as the
            // user) and in the user part (the url crate reads `Secr3t@Pass`).
            (
                "postgres://db/j?user=pay&password=Pa@ss1",
                "postgres://db/j?user=pay&password=***",
            ),
            ("https://u:Secr3t@Pass@shop/paid", "https://u:***@shop/paid"),
            (
                "postgres://pay:pa@ss@db/j?PassWord=x@y&sslmode=require",
                "postgres://pay:***@db/j?PassWord=***&sslmode=require",
            ),
            // A `#` in a parameter's password, which tokio-postgres keeps.
            (
                "postgres://db/j?user=pay&password=ab#cd",
                "postgres://db/j?user=pay&password=***",
            ),
            // `password=` in the user part's password, and two parameters that overlap.
            ("postgres://pay:ab&password=cd@db/j", "postgres://pay:***"),
            ("postgres://db/j?password=a?password=b", "postgres://db/j?password=***"),
            ("", ""),
            ("@:", "@:"),
        ] {
            assert_eq!(url_password(url), shown, "{url}");
        }
    }

    /// Every password of up to 5 characters from the characters that split a URL, in the user
    /// part and in two parameters: none panics (a panic's message would quote the URL, password
    /// and all), and no password shows whole where it was written.
    #[test]
    fn no_password_of_the_splitting_characters_panics_or_shows() {
        const CHARS: &[u8] = b"@:/?#&=pP";
        let mut checked = 0;
        for len in 1..=5u32 {
            for n in 0..CHARS.len().pow(len) {
                let pw: String = (0..len)
                    .map(|i| CHARS[n / CHARS.len().pow(i) % CHARS.len()] as char)
                    .collect();
                let url = format!("postgres://u:{pw}@h/d?password={pw}?password={pw}");
                let shown = url_password(&url);
                assert!(!shown.contains(&format!(":{pw}@h")), "{url} → {shown}");
                // A parameter's password ends at `&`, as tokio-postgres reads it.
                assert!(
                    pw.contains('&') || !shown.contains(&format!("password={pw}")),
                    "{url} → {shown}"
                );
                checked += 1;
            }
        }
        assert!(checked > 60_000, "{checked}");
    }

    #[test]
    fn every_reading_of_the_password_is_listed() {
        assert_eq!(
            url_passwords("https://u:Secr3t@Pass@shop/paid"),
            ["Secr3t", "Secr3t@Pass"]
        );
        assert_eq!(url_passwords("postgres://db/j?user=pay&password=Pa@ss1"), ["Pa@ss1"]);
        assert_eq!(url_passwords("postgres://pay@db/j"), Vec::<String>::new());
        assert_eq!(
            url_passwords("postgres://pay:a%40b@db/j?password=c#d"),
            ["a%40b", "a@b", "c#d"]
        );
        // A parameter's name percent-encoded, as tokio-postgres decodes it.
        assert_eq!(url_passwords("postgres://pay@db/j?pass%77ord=hunter2"), ["hunter2"]);
        assert_eq!(
            url_password("postgres://pay@db/j?%70assword=hunter2&x=1"),
            "postgres://pay@db/j?%70assword=***&x=1"
        );
    }
}
