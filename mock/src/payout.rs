//! Payouts on the mock: created, executed, polled through the in-process state to the scripted
//! end. Which methods are which step, and the states' names, come from the spec's roles
//! ([`crate::MockRole::Payout`]).

use crate::{PayoutScript, PayoutShape, PayoutStep};
use intellectmoney_runtime::Uuid;
use std::collections::HashMap;

#[derive(Debug)]
struct Payout {
    state: &'static str,
    polls: usize,
    /// How this payout ends.
    script: PayoutScript,
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

    pub(crate) fn step(&mut self, step: PayoutStep, shape: &PayoutShape, id: Option<&str>) -> Step {
        if step == PayoutStep::Create {
            let id = Uuid::new_v4();
            let payout = Payout {
                state: shape.created,
                polls: 0,
                script: self.script.nth(self.known.len()),
            };
            self.known.insert(id, payout);
            return Ok((id, shape.created, None));
        }
        let id = id
            .and_then(|s| Uuid::parse_str(s).ok())
            .filter(|id| self.known.contains_key(id))
            .ok_or_else(|| "Operation not found".to_owned())?;
        let payout = self.known.get_mut(&id).expect("known");
        let script = payout.script.clone();
        let not_created = |state: &str| format!("Operation is {state}, not {}", shape.created);
        match step {
            PayoutStep::Execute if payout.state == shape.created => {
                payout.state = match script {
                    PayoutScript::NotEnoughMoney => shape.not_enough_money.or(shape.failed).unwrap_or(shape.completed),
                    _ => shape.in_process,
                };
            }
            PayoutStep::Execute => return Err(not_created(payout.state)),
            PayoutStep::Delete => match shape.deleted {
                Some(deleted) if payout.state == shape.created => payout.state = deleted,
                _ => return Err(not_created(payout.state)),
            },
            PayoutStep::Poll | PayoutStep::Create => poll(payout, &script, shape),
        }
        let message = match &script {
            PayoutScript::Fail { message, .. } if Some(payout.state) == shape.failed => Some(message.clone()),
            _ => None,
        };
        Ok((id, payout.state, message))
    }
}

/// A poll of an executed payout: one more in process, or the scripted end.
fn poll(payout: &mut Payout, script: &PayoutScript, shape: &PayoutShape) {
    if payout.state != shape.in_process {
        return;
    }
    payout.polls += 1;
    match script {
        PayoutScript::Complete { polls } if payout.polls > *polls => payout.state = shape.completed,
        PayoutScript::Fail { polls, .. } if payout.polls > *polls => {
            payout.state = shape.failed.unwrap_or(shape.completed)
        }
        PayoutScript::Deleted { polls } if payout.polls > *polls => {
            payout.state = shape.deleted.or(shape.failed).unwrap_or(shape.completed)
        }
        _ => {}
    }
}
