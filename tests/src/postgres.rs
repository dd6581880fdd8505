//! The PostgreSQL server the tests use: a throwaway cluster (`scripts/postgres.sh start`, which
//! `.ci/run` starts), named by `INTELLECTMONEY_TEST_POSTGRES`. Each test gets a database of its
//! own. Without the variable a test says it was skipped and why, unless
//! `INTELLECTMONEY_REQUIRE_POSTGRES` is set (CI sets it): then it fails.

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable that names the server.
pub const VAR: &str = "INTELLECTMONEY_TEST_POSTGRES";

/// A new, empty database for `test` on the test server, as a URL; `None` (said on stderr) when
/// no server is set.
pub async fn database(test: &str) -> Option<String> {
    let url = server(test)?;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "t_{}_{}_{}",
        test.chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            })
            .take(30)
            .collect::<String>(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{VAR}={url}: cannot connect: {e}"));
    let task = tokio::spawn(connection);
    // Two statements: neither runs inside a transaction block.
    for statement in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        client.batch_execute(&statement).await.unwrap();
    }
    drop(client);
    let _ = task.await;
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// [`database`] from a test that is not async.
pub fn database_blocking(test: &str) -> Option<String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(database(test))
}

/// The server's URL, or `None` after saying the test is skipped.
fn server(test: &str) -> Option<String> {
    match std::env::var(VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("INTELLECTMONEY_REQUIRE_POSTGRES").is_some() => {
            panic!("{test}: INTELLECTMONEY_REQUIRE_POSTGRES is set but {VAR} is not: start a server with `eval \"$(bash scripts/postgres.sh start)\"`")
        }
        _ => {
            eprintln!(
                "SKIPPED {test}: no PostgreSQL server ({VAR} is not set). Start a throwaway one with `eval \"$(bash scripts/postgres.sh start)\"`; CI runs these tests"
            );
            None
        }
    }
}
