//! What a successful call prints: the typed result as JSON (field names as on the wire,
//! decimals as strings with their scale), and the API's warning, if any, for stderr.

use serde::Serialize;

/// A reply ready to print.
pub struct Output {
    /// The result, as JSON.
    pub json: serde_json::Value,
    /// `Result.State.Desc` when the API answered with a warning.
    pub warning: Option<String>,
}

impl Output {
    /// From a reply of the client.
    pub fn of<T: Serialize>(reply: intellectmoney::Reply<T>) -> Output {
        Output {
            // Generated types serialize to plain JSON values; failure would be a bug.
            json: serde_json::to_value(&reply.result).expect("results serialize to JSON"),
            warning: reply.warning,
        }
    }
}
