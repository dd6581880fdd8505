//! Payouts on the mock: created, executed, polled through `InProcess` to the scripted end.

use super::PayoutScript;
use crate::Uuid;
use std::collections::HashMap;

#[derive(Debug)]
struct Payout {
    state: &'static str,
    polls: usize,
}

/// Every payout created on one mock.
#[derive(Debug, Default)]
pub(crate) struct Payouts {
    script: PayoutScript,
    known: HashMap<Uuid, Payout>,
}

/// A payout method's answer: the state (and error message), or a refusal.
pub(crate) type Step = Result<(Uuid, &'static str, Option<String>), String>;

impl Payouts {
    pub(crate) fn new(script: PayoutScript) -> Self {
        Payouts {
            script,
            known: HashMap::new(),
        }
    }

    /// Whether the mock handles this method as a payout step.
    pub(crate) fn handles(method: &str) -> bool {
        matches!(
            method,
            "CreateOperation"
                | "CreateBankCardRussiaOperation"
                | "CreateQiwiWalletOperation"
                | "ExecuteOperation"
                | "GetOperationState"
                | "DeleteOperation"
        )
    }

    pub(crate) fn step(&mut self, method: &str, id: Option<&str>) -> Step {
        if method.starts_with("Create") {
            let id = Uuid::new_v4();
            self.known.insert(
                id,
                Payout {
                    state: "Created",
                    polls: 0,
                },
            );
            return Ok((id, "Created", None));
        }
        let id = id
            .and_then(|s| Uuid::parse_str(s).ok())
            .filter(|id| self.known.contains_key(id))
            .ok_or_else(|| "Operation not found".to_owned())?;
        let script = self.script.clone();
        let payout = self.known.get_mut(&id).expect("known");
        match method {
            "ExecuteOperation" if payout.state == "Created" => {
                payout.state = match script {
                    PayoutScript::NotEnoughMoney => "NotEnoughMoney",
                    _ => "InProcess",
                };
            }
            "ExecuteOperation" => return Err(format!("Operation is {}, not Created", payout.state)),
            "DeleteOperation" if payout.state == "Created" => payout.state = "Deleted",
            "DeleteOperation" => return Err(format!("Operation is {}, not Created", payout.state)),
            _ => {
                if payout.state == "InProcess" {
                    payout.polls += 1;
                    match &script {
                        PayoutScript::Complete { polls } if payout.polls > *polls => payout.state = "Completed",
                        PayoutScript::Fail { polls, .. } if payout.polls > *polls => payout.state = "Failed",
                        _ => {}
                    }
                }
            }
        }
        let message = match (&script, payout.state) {
            (PayoutScript::Fail { message, .. }, "Failed") => Some(message.clone()),
            _ => None,
        };
        Ok((id, payout.state, message))
    }
}
