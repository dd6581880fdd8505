//! `mock-server --scenario FILE`: what the mock does, written in JSON for tests in other
//! languages, as `MockBuilder` and `MockServer` take it in Rust.
//!
//! ```json
//! {
//!   "payout": { "outcome": "each", "each": [
//!     { "outcome": "complete", "polls": 1 },
//!     { "outcome": "fail", "polls": 2, "message": "Карта заблокирована" }
//!   ] },
//!   "records": { "getInvoicesHistory": 25 },
//!   "methods": {
//!     "getEshopInfo": { "refuse": "Магазин не найден" },
//!     "GetOperationState": { "status": 503, "times": 3 },
//!     "ExecuteOperation": { "lose_answer": true },
//!     "getInvoicesHistory": { "delay_ms": 500 }
//!   }
//! }
//! ```

use intellectmoney::mock::{MockServer, Override, PayoutScript};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// A scenario file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// How payouts end.
    #[serde(default)]
    payout: Option<Payout>,
    /// Paged methods answered from a data set of this many records.
    #[serde(default)]
    records: BTreeMap<String, usize>,
    /// Methods that behave otherwise than by their example.
    #[serde(default)]
    methods: BTreeMap<String, Behaviour>,
}

/// How payouts end (`PayoutScript`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, tag = "outcome", rename_all = "snake_case")]
enum Payout {
    Complete {
        #[serde(default)]
        polls: usize,
    },
    Fail {
        #[serde(default)]
        polls: usize,
        message: String,
    },
    NotEnoughMoney,
    Deleted {
        #[serde(default)]
        polls: usize,
    },
    /// Each payout its own outcome, in order; the last for every later one.
    Each {
        each: Vec<Payout>,
    },
}

impl Payout {
    fn script(&self) -> PayoutScript {
        match self {
            Payout::Complete { polls } => PayoutScript::Complete { polls: *polls },
            Payout::Fail { polls, message } => PayoutScript::Fail {
                polls: *polls,
                message: message.clone(),
            },
            Payout::NotEnoughMoney => PayoutScript::NotEnoughMoney,
            Payout::Deleted { polls } => PayoutScript::Deleted { polls: *polls },
            Payout::Each { each } => PayoutScript::Each(each.iter().map(Payout::script).collect()),
        }
    }
}

/// One method's behaviour (`Override`): exactly one of `refuse`, `status`, `delay_ms`,
/// `lose_answer`; for the next `times` calls, or until the mock stops.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Behaviour {
    refuse: Option<String>,
    status: Option<u16>,
    body: Option<String>,
    content_type: Option<String>,
    delay_ms: Option<u64>,
    #[serde(default)]
    lose_answer: bool,
    times: Option<usize>,
}

impl Behaviour {
    fn to_override(&self, method: &str) -> Result<Override, String> {
        let chosen = [
            self.refuse.is_some(),
            self.status.is_some(),
            self.delay_ms.is_some(),
            self.lose_answer,
        ];
        if chosen.iter().filter(|c| **c).count() != 1 {
            return Err(format!(
                "methods.{method}: give exactly one of `refuse`, `status`, `delay_ms`, `lose_answer`"
            ));
        }
        Ok(if let Some(text) = &self.refuse {
            Override::Refuse(text.clone())
        } else if let Some(status) = self.status {
            Override::Respond {
                status,
                content_type: self
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "text/plain; charset=utf-8".into()),
                body: self.body.clone().unwrap_or_default(),
            }
        } else if let Some(ms) = self.delay_ms {
            Override::Delay(Duration::from_millis(ms))
        } else {
            Override::LoseAnswer
        })
    }
}

impl Scenario {
    /// The file read, or why not (`file:line:column: …`).
    pub fn read(path: &Path) -> Result<Scenario, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{shown}:{}:{}: {e}", e.line(), e.column()))
    }

    /// The payout script, when the file sets one.
    pub fn payout(&self) -> Option<PayoutScript> {
        self.payout.as_ref().map(Payout::script)
    }

    /// Sets the data sets and behaviours on a started mock, or says what is wrong (nothing is
    /// set then, as the mock is stopped).
    pub fn apply(&self, mock: &MockServer) -> Result<(), String> {
        for (method, n) in &self.records {
            mock.try_records(method, *n)
                .map_err(|e| format!("records.{method}: {e}"))?;
        }
        for (method, b) in &self.methods {
            let behaviour = b.to_override(method)?;
            let known = mock.knows(method);
            if !known {
                return Err(format!("methods.{method}: the mock has no such method"));
            }
            match b.times {
                Some(n) => mock.set_times(method, behaviour, n),
                None => mock.set(method, behaviour),
            }
        }
        Ok(())
    }
}
