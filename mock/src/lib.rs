//! A mock IntellectMoney for downstream tests (feature `mock`): a server on a loopback port that
//! answers every spec method with the spec's examples, checks what it receives the way the real
//! API does, and lets payouts move through their states.
//!
//! This is the engine; the generated crate gives it the API's method tables and envelope (by
//! implementing [`MockApi`]) and names it `intellectmoney::mock::MockServer`:
//!
//! ```text
//! let mock = intellectmoney::mock::MockServer::start();
//! let client = intellectmoney::Client::builder().base_url(mock.url()).user_token("t").build()?;
//! // … exercise your code; then look at mock.requests() …
//! ```
//!
//! What each method expects (path, parameters, encodings, `Sign` template) and answers (its
//! wiki examples) is generated from the spec; only the behaviour shared by all methods lives
//! here.

mod check;
mod payout;
mod records;
mod server;

pub use server::{Connections, MockBuilder, MockServer};

use intellectmoney_runtime::{MethodInfo, WireEnum};
use std::time::Duration;

/// An API the mock can play: its method tables and its envelope (implemented by the generated
/// crate, from the spec).
pub trait MockApi: intellectmoney_runtime::Api {
    /// How the API's answers are wrapped, and the codes and words they carry.
    const ENVELOPE: MockEnvelope;

    /// Every method the mock answers, API by API (the generated tables).
    fn methods() -> &'static [&'static [MockMethod]];
}

/// The answers' envelope as the mock writes it: the spec's envelope and its roles, with the
/// wiki's words for each code (generated).
#[derive(Debug, Clone, Copy)]
pub struct MockEnvelope {
    /// The root element (`Response`).
    pub root: &'static str,
    /// The element that says whether the request was processed (`OperationState`), or `None`
    /// when the code is an element of the root itself.
    pub service: Option<&'static str>,
    /// Its code's element (`Code`).
    pub service_code: &'static str,
    /// Its text's element (`Desc`), if the envelope has one.
    pub service_desc: Option<&'static str>,
    /// The element of the method's result (`Result`).
    pub result: &'static str,
    /// A processed request.
    pub processed: MockCode,
    /// A request that was not processed.
    pub failed: MockCode,
    /// The text's element of a result's status (`Desc` in `State`; its code's element is each
    /// method's own, [`MockMethod::state`]), if the status has one.
    pub request_desc: Option<&'static str>,
    /// A result's status that says the request succeeded.
    pub success: MockCode,
    /// A result's status that says the session token (or the login) was refused.
    pub authentication_failed: MockCode,
}

/// A code, and the words the API sends with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockCode {
    /// The code.
    pub code: i64,
    /// Its words (`Успешно обработана`).
    pub text: &'static str,
}

/// What the mock knows of one method (generated from the spec).
#[derive(Debug)]
pub struct MockMethod {
    /// The method.
    pub info: &'static MethodInfo,
    /// Its parameters, in spec order.
    pub params: &'static [ParamRule],
    /// The example answer in XML.
    pub xml: Option<&'static str>,
    /// The example answer in JSON.
    pub json: Option<&'static str>,
    /// The examples hold the result alone (the mock wraps it in the envelope).
    pub bare: bool,
    /// The parameter the client fills from its session (`UserToken`), if any.
    pub session: Option<&'static str>,
    /// What the method is to the mock's scripted flows (from the spec's roles).
    pub role: Option<MockRole>,
    /// How the method pages (the spec's `pagination`), for data sets of records.
    pub paging: Option<MockPaging>,
    /// The result's status field and its code element (`State`, `Code`), if it has one.
    pub state: Option<(&'static str, &'static str)>,
}

/// How a method pages: what a data set of records needs (the spec's `pagination`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockPaging {
    /// The wire name of the skip parameter.
    pub skip: &'static str,
    /// The wire name of the take parameter.
    pub take: &'static str,
    /// The wire name of the result's list.
    pub items: &'static str,
    /// The item field that tells records apart (the spec's `key`), when known.
    pub key: Option<&'static str>,
}

/// What a method is to the mock's scripted flows (the spec's roles, generated).
#[derive(Debug)]
#[non_exhaustive]
pub enum MockRole {
    /// Gets a session token with a login and a password.
    Token {
        /// The login parameter.
        login: &'static str,
        /// The password parameter.
        password: &'static str,
        /// The result's field that holds the token.
        token: &'static str,
        /// The result's status field and its code element (`State`, `Code`), if it has one.
        state: Option<(&'static str, &'static str)>,
    },
    /// A step of the payout flow, and the shape of its answers.
    Payout(PayoutStep, &'static PayoutShape),
}

/// A step of the payout flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutStep {
    /// Creates an operation (moves nothing).
    Create,
    /// Executes a created operation.
    Execute,
    /// Looks an operation up.
    Poll,
    /// Deletes a created operation.
    Delete,
}

/// The wire names of the payout flow's answers and states (from the spec's roles).
#[derive(Debug)]
pub struct PayoutShape {
    /// The parameter that names the operation (execute, poll, delete).
    pub id_param: &'static str,
    /// The result's operation id.
    pub id_field: &'static str,
    /// The result's state.
    pub state_field: &'static str,
    /// The result's error message, if it has one.
    pub error_field: Option<&'static str>,
    /// The result's status field and its code element (`State`, `Code`), if it has one.
    pub status: Option<(&'static str, &'static str)>,
    /// The state of a created operation.
    pub created: &'static str,
    /// The state of an executed one that is not final yet.
    pub in_process: &'static str,
    /// Paid.
    pub completed: &'static str,
    /// Failed, if the spec names such a state.
    pub failed: Option<&'static str>,
    /// Not enough money, if the spec names such a state.
    pub not_enough_money: Option<&'static str>,
    /// Deleted, if the spec names such a state.
    pub deleted: Option<&'static str>,
}

/// How a parameter is checked.
#[derive(Debug)]
pub struct ParamRule {
    /// Wire name.
    pub name: &'static str,
    /// When it must be given.
    pub need: Need,
    /// What its value must look like.
    pub kind: Kind,
}

/// When a parameter must be given.
#[derive(Debug)]
pub enum Need {
    /// Always.
    Always,
    /// Never required.
    No,
    /// When the named parameter is given (and, if listed, has one of these enum values).
    When(&'static str, &'static [&'static str]),
}

/// What a parameter's value must look like.
#[derive(Debug)]
pub enum Kind {
    /// Any text.
    Text,
    /// A whole number.
    Integer,
    /// A decimal.
    Decimal,
    /// A decimal with exactly two places.
    Decimal2,
    /// `0` or `1`.
    Flag01,
    /// `true` or `false`.
    TrueFalse,
    /// `DD.MM.YYYY`.
    Dmy,
    /// A date-time.
    DateTime,
    /// A GUID.
    Guid,
    /// An enum value by name or number.
    Enum(fn() -> Vec<(&'static str, Option<i64>)>),
    /// A JSON document.
    Json,
}

/// The names and numbers of an enum's values (what [`Kind::Enum`] holds).
pub fn values<E: WireEnum + 'static>() -> Vec<(&'static str, Option<i64>)> {
    E::all().iter().map(|v| (v.name(), v.code())).collect()
}

/// A request the mock received. `Debug` masks the values of the parameters the spec marks
/// secret and of the `Authorization` and `Sign` headers; [`MockRequest::param`] gives them.
#[derive(Clone)]
pub struct MockRequest {
    /// The spec method (`None` for a path the spec does not have).
    pub method: Option<&'static str>,
    /// The path.
    pub path: String,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body's parameters in order, as text.
    pub params: Vec<(String, String)>,
    /// Why the mock refused it (`None` when it was answered normally).
    pub refused: Option<String>,
    /// The API's secret fields, masked by `Debug`.
    secret_fields: &'static [&'static str],
}

impl std::fmt::Debug for MockRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mask = |secret: bool, v: &str| if secret { "[redacted]".to_owned() } else { v.to_owned() };
        let params: Vec<(&str, String)> = self
            .params
            .iter()
            .map(|(n, v)| (n.as_str(), mask(self.secret_fields.contains(&n.as_str()), v)))
            .collect();
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), mask(n == "authorization" || n == "sign", v)))
            .collect();
        f.debug_struct("MockRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            .field("params", &params)
            .field("refused", &self.refused)
            .finish()
    }
}

impl MockRequest {
    /// The value of a parameter, if sent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of a header, if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Instead of the example, for one method.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Override {
    /// This HTTP answer, as is.
    Respond {
        /// Status code.
        status: u16,
        /// `Content-Type`.
        content_type: String,
        /// Body.
        body: String,
    },
    /// Refused like the real API: `OperationState.Code` 2 with this text.
    Refuse(String),
    /// Waits this long, then answers as usual.
    Delay(Duration),
    /// Does what the request asks (a payout step takes effect), then closes the connection
    /// without an answer: the client cannot know whether the call was processed.
    LoseAnswer,
}

/// How a payout created on the mock ends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayoutScript {
    /// `Completed` after this many polls in `InProcess`.
    Complete {
        /// Polls answered `InProcess` first.
        polls: usize,
    },
    /// `Failed` with this `ErrorMessage` after this many polls.
    Fail {
        /// Polls answered `InProcess` first.
        polls: usize,
        /// The error message.
        message: String,
    },
    /// `NotEnoughMoney` at once.
    NotEnoughMoney,
    /// `Deleted` after this many polls: the server gave up on the payout, nothing paid.
    Deleted {
        /// Polls answered `InProcess` first.
        polls: usize,
    },
    /// Each payout its own script: the first payout created follows the first, the second the
    /// second, and every later one the last (a batch whose 3rd payout fails).
    Each(Vec<PayoutScript>),
}

impl PayoutScript {
    /// The script of the `n`th payout created (from 0).
    pub fn nth(&self, n: usize) -> PayoutScript {
        match self {
            PayoutScript::Each(all) => match all.get(n).or(all.last()) {
                Some(script) => script.nth(n),
                None => PayoutScript::default(),
            },
            other => other.clone(),
        }
    }
}

impl Default for PayoutScript {
    fn default() -> Self {
        PayoutScript::Complete { polls: 1 }
    }
}
