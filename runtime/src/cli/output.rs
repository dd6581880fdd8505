//! What a successful call prints: the typed result as JSON (field names as on the wire,
//! decimals as strings with their scale), and the API's warning, if any, for stderr.

use crate::api::Api;
use crate::client::{Client, Error, Reply};
use crate::Paginated;
use serde::Serialize;

/// A reply ready to print.
pub struct Output {
    /// The result, as JSON (`None`: already printed, line by line).
    pub json: Option<serde_json::Value>,
    /// `Result.State.Desc` when the API answered with a warning.
    pub warning: Option<String>,
}

impl Output {
    /// From a reply of the client.
    pub fn of<T: Serialize, A: Api>(reply: Reply<T, A>) -> Output {
        Output {
            // Generated types serialize to plain JSON values; failure would be a bug.
            json: Some(serde_json::to_value(&reply.result).expect("results serialize to JSON")),
            warning: reply.warning,
        }
    }
}

/// `--all`: every page in turn, each item printed as one JSON line as soon as its page arrives;
/// a page's warning goes to stderr.
pub async fn all_items<A, R>(client: &Client<A>, request: R) -> Result<Output, Error<A>>
where
    A: Api,
    R: Paginated<Api = A>,
    R::Item: Serialize,
{
    use futures_util::StreamExt;
    use std::io::Write;
    let mut pages = std::pin::pin!(client.pages(request));
    let stdout = std::io::stdout();
    while let Some(page) = pages.next().await {
        let page = page?;
        // Every secret the client knows is removed from what is printed; the warning is a
        // server's text, shown with its control characters escaped.
        let redactor = client.redactor();
        if let Some(w) = &page.warning {
            let shown = crate::redact::printable(&redactor.untrusted(w));
            // A closed stderr is no reason to stop.
            let _ = writeln!(std::io::stderr(), "intellectmoney: warning: {shown}");
        }
        let mut out = stdout.lock();
        for item in R::into_items(page.result) {
            let line = redactor.scrub(&serde_json::to_string(&item).expect("results serialize to JSON"));
            // A closed stdout (`| head`) ends the listing quietly.
            if writeln!(out, "{line}").is_err() {
                return Ok(Output {
                    json: None,
                    warning: None,
                });
            }
        }
    }
    Ok(Output {
        json: None,
        warning: None,
    })
}
