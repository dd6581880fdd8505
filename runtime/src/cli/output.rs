//! What a successful call prints: the typed result as JSON (field names as on the wire,
//! decimals as strings with their scale), and the API's warning, if any, for stderr.

use crate::api::{Api, ApiRequest};
use crate::client::{Client, Error, Reply};
use crate::redact::{mask_card_numbers, Redactor};
use crate::Paginated;
use serde::Serialize;
use serde_json::Value;

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

    /// The same, with every value `redactor` knows removed from the result's texts and warning,
    /// and card numbers masked by their shape in the texts that are not a bare number (a message
    /// a server wrote, not an id).
    pub fn scrubbed(mut self, redactor: &Redactor) -> Output {
        if let Some(json) = &mut self.json {
            scrub_json(json, redactor);
        }
        self.warning = self.warning.map(|w| redactor.untrusted(&w));
        self
    }
}

/// Every text in `value`, with what `redactor` knows removed and card numbers masked in texts
/// that are not a bare number.
fn scrub_json(value: &mut Value, redactor: &Redactor) {
    match value {
        Value::String(text) => {
            redactor.scrub_in_place(text);
            if !text.bytes().all(|b| b.is_ascii_digit()) {
                *text = mask_card_numbers(text);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, redactor)),
        Value::Object(fields) => fields.values_mut().for_each(|v| scrub_json(v, redactor)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// One call, as what to print: the request's secret and personal values (a card number, an
/// account, a password) are held while it runs, so that the client removes them from any text
/// about it, and are removed from the result too, where a server may have quoted them.
pub async fn one<A, R>(client: &Client<A>, request: R) -> Result<Output, Error<A>>
where
    A: Api,
    R: ApiRequest<Api = A>,
    R::Output: Serialize,
{
    let _held = client.hold_secrets_of(&request);
    let reply = client.send(&request).await?;
    Ok(Output::of(reply).scrubbed(&client.redactor()))
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
    let _held = client.hold_secrets_of(&request);
    let mut pages = std::pin::pin!(client.pages(request));
    let stdout = std::io::stdout();
    while let Some(page) = pages.next().await {
        let page = page?;
        // Every secret the client knows (the request's among them) is removed from what is
        // printed; the warning is a server's text, shown with its control characters escaped.
        let redactor = client.redactor();
        if let Some(w) = &page.warning {
            let shown = crate::redact::printable(&redactor.untrusted(w));
            // A closed stderr is no reason to stop.
            let _ = writeln!(std::io::stderr(), "intellectmoney: warning: {shown}");
        }
        let mut out = stdout.lock();
        for item in R::into_items(page.result) {
            let mut item = serde_json::to_value(&item).expect("results serialize to JSON");
            scrub_json(&mut item, &redactor);
            let line = item.to_string();
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
