//! A connection URL as it may be shown: its password replaced.

/// A connection URL (`postgres://user:password@host/db?password=…`) with its password, in the
/// user part or a `password=` parameter, replaced by `***`: how a URL is shown.
pub fn url_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    // The user part ends at the first `@`, as the drivers read it: a password may hold `/`,
    // `?` or `#`. (A URL without one but with `@` later is shown with less, never more.)
    let (authority, tail) = match rest.split_once('@') {
        Some((user, after)) => {
            let host_end = after.find(['/', '?']).unwrap_or(after.len());
            let user = match user.split_once(':') {
                Some((name, _)) => format!("{name}:***"),
                None => user.to_owned(),
            };
            (format!("{user}@{}", &after[..host_end]), &after[host_end..])
        }
        None => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            (rest[..end].to_owned(), &rest[end..])
        }
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
                    _ => p.to_owned(),
                })
                .collect();
            format!("{path}?{}", pairs.join("&"))
        }
        None => tail.to_owned(),
    };
    match scheme.is_empty() {
        true => format!("{authority}{tail}"),
        false => format!("{scheme}://{authority}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::url_password;

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
    }
}
