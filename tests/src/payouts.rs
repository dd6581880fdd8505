//! A scripted Payout API on loopback, for the tests that prove nothing is paid twice: its
//! operations keep their true state, its answers may lag behind it, be "queued", refused, another
//! status, or about another operation, and it counts every `ExecuteOperation` it receives per
//! operation. Only what the payout flow sends is answered (create, execute, poll, delete).

use crate::server::{Answer, Received, Server};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// How `ExecuteOperation` is answered (the execution is done either way, when the operation is
/// created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Execute {
    /// Processed, `InProcess`.
    Normal,
    /// `OperationState.Code` 1: queued.
    Queued,
    /// This HTTP status with an HTML page.
    Status(u16),
    /// `OperationState.Code` 2 (refused), though it was done.
    Refused,
}

/// One operation as the server knows it.
#[derive(Debug, Clone)]
pub struct Op {
    /// `RecipientName` of its creation (the tests put the line's key there).
    pub recipient: String,
    /// Its true state.
    pub truth: &'static str,
    /// `ExecuteOperation`s received for it.
    pub executions: usize,
    /// Polls since its execution.
    pub polls: usize,
}

/// What the server does; the tests change it between runs.
#[derive(Debug)]
pub struct Script {
    /// Polls after an execution that still show `Created` (a state that lags).
    pub lag: usize,
    /// Polls in `InProcess` (after the lag) before `Completed`.
    pub in_process: usize,
    /// How executions are answered.
    pub execute: Execute,
    /// Every poll answers about another operation, `Completed`.
    pub poll_other_id: bool,
    /// Every creation answers this id (one operation for many creations).
    pub same_id: Option<String>,
    /// Creations are refused with this text (a wrong `Sign`, say).
    pub refuse_creations: Option<String>,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            lag: 0,
            in_process: 1,
            execute: Execute::Normal,
            poll_other_id: false,
            same_id: None,
            refuse_creations: None,
        }
    }
}

/// The server's book: its operations, in the order made.
#[derive(Debug, Default)]
pub struct Book {
    /// Every operation by id.
    pub ops: BTreeMap<String, Op>,
    /// Ids in the order made.
    pub order: Vec<String>,
    /// What it does.
    pub script: Script,
}

impl Book {
    /// Executions received, per operation that received any.
    pub fn executions(&self) -> BTreeMap<String, usize> {
        self.ops
            .iter()
            .filter(|(_, op)| op.executions > 0)
            .map(|(id, op)| (id.clone(), op.executions))
            .collect()
    }

    /// Operations executed (that moved or move money) per recipient.
    pub fn paid_per_recipient(&self) -> BTreeMap<String, usize> {
        let mut paid = BTreeMap::new();
        for op in self.ops.values() {
            if matches!(op.truth, "InProcess" | "Completed") {
                *paid.entry(op.recipient.clone()).or_default() += 1;
            }
        }
        paid
    }
}

/// The server and its book.
pub struct Payouts {
    /// The server on loopback.
    pub server: Server,
    /// Its book, shared with its handler.
    pub book: Arc<Mutex<Book>>,
}

fn answer(result: serde_json::Value) -> Answer {
    Answer::json(serde_json::json!({ "OperationState": { "Code": 0 }, "Result": result }).to_string())
}

fn refused(desc: &str) -> Answer {
    Answer::json(serde_json::json!({ "OperationState": { "Code": 2, "Desc": desc } }).to_string())
}

fn payout(id: &str, state: &str) -> Answer {
    answer(serde_json::json!({ "State": { "Code": 0 }, "PayoutOperationId": id, "PayoutOperationState": state }))
}

impl Payouts {
    /// Starts the server with `script`.
    pub fn start(script: Script) -> Payouts {
        let book = Arc::new(Mutex::new(Book {
            script,
            ..Book::default()
        }));
        let shared = book.clone();
        let server = Server::start(move |req: &Received, _| shared.lock().unwrap().handle(req));
        Payouts { server, book }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        self.server.url()
    }
}

impl Book {
    fn handle(&mut self, req: &Received) -> Answer {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let id = body["PayoutOperationId"].as_str().unwrap_or_default().to_owned();
        match req.path.rsplit('/').next().unwrap_or_default() {
            "CreateOperation" => self.create(body["RecipientName"].as_str().unwrap_or_default()),
            "ExecuteOperation" => self.execute(&id),
            "GetOperationState" => self.poll(&id),
            "DeleteOperation" => match self.ops.get_mut(&id) {
                Some(op) if op.truth == "Created" => {
                    op.truth = "Deleted";
                    answer(serde_json::json!(true))
                }
                _ => refused("Операцию можно удалить только в статусе Created"),
            },
            other => panic!("the payout server does not answer {other}"),
        }
    }

    fn create(&mut self, recipient: &str) -> Answer {
        if let Some(desc) = &self.script.refuse_creations {
            return refused(desc);
        }
        let id = match &self.script.same_id {
            Some(id) => id.clone(),
            None => format!("00000000-0000-4000-8000-{:012x}", self.order.len() + 1),
        };
        if !self.ops.contains_key(&id) {
            self.order.push(id.clone());
            let op = Op {
                recipient: recipient.to_owned(),
                truth: "Created",
                executions: 0,
                polls: 0,
            };
            self.ops.insert(id.clone(), op);
        }
        payout(&id, "Created")
    }

    fn execute(&mut self, id: &str) -> Answer {
        let Some(op) = self.ops.get_mut(id) else {
            return refused("Операция не найдена");
        };
        op.executions += 1;
        if op.truth != "Created" {
            return refused("Операция уже выполняется");
        }
        op.truth = "InProcess";
        match &self.script.execute {
            Execute::Normal => payout(id, "InProcess"),
            Execute::Queued => Answer::json(r#"{"OperationState":{"Code":1}}"#),
            Execute::Status(status) => Answer::Http {
                status: *status,
                content_type: "text/html".into(),
                body: "<html>Bad Request</html>".into(),
            },
            Execute::Refused => refused("Сервис временно недоступен"),
        }
    }

    fn poll(&mut self, id: &str) -> Answer {
        let (lag, in_process, other) = (self.script.lag, self.script.in_process, self.script.poll_other_id);
        let Some(op) = self.ops.get_mut(id) else {
            return refused("Операция не найдена");
        };
        if other {
            return payout("11111111-2222-4333-8444-555555555555", "Completed");
        }
        if op.truth == "InProcess" {
            op.polls += 1;
            if op.polls > lag + in_process {
                op.truth = "Completed";
            }
        }
        let shown = if op.truth != "Created" && op.truth != "Deleted" && op.polls <= lag {
            "Created"
        } else {
            op.truth
        };
        payout(id, shown)
    }
}
