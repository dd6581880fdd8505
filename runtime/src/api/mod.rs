//! What the runtime needs to know of a generated API, and takes from it through these traits: the
//! runtime names no generated type.
//!
//! The generator implements them from the spec's `roles:` (which enum value means "processed",
//! which field holds the operation id, which method gets a token, which methods make, execute, look up and delete a payout).
//! The client, the payout flow and the mock are written against them, so a change of the spec
//! reaches them through regeneration alone.

mod method;

pub use method::{
    ApiRequest, Auth, BodyFormat, Effect, Format, MethodInfo, Paginated, ResponseFormat, SignSlot, SignTemplate,
    WireParam, WireValue,
};

use crate::{DecodeError, Secret, Uuid};
use std::fmt;

/// A generated API as a whole: its envelope, its codes, its secret fields and its client.
pub trait Api: fmt::Debug + Clone + Copy + PartialEq + Eq + Send + Sync + Sized + 'static {
    /// Wire names of every parameter and field the spec marks secret: masked wherever a body is
    /// shown.
    const SECRET_FIELDS: &'static [&'static str];
    /// Wire names of the parameters the spec marks personal (a recipient's phone or wallet):
    /// sent and journaled as given, but removed, like secrets, from any text the client shows
    /// about a call or a payout that carried them.
    const PERSONAL_FIELDS: &'static [&'static str] = &[];
    /// The name of the root element of every XML answer (the envelope's).
    const ENVELOPE_ROOT: &'static str;
    /// `User-Agent` of every request: the generated crate's name and version.
    const USER_AGENT: &'static str;
    /// The envelope around a method's result.
    type Envelope<T: crate::xml::Decodable>: Envelope<Self, T> + crate::xml::Decodable;
    /// The envelope's code: whether the API processed the request at all.
    type ServiceCode: StateCode;
    /// The result's own status code (`Result.State.Code`).
    type RequestCode: StateCode;
    /// The shop id an envelope names.
    type EshopId: fmt::Debug + Clone + PartialEq + Send + Sync + 'static;
    /// The request that gets a session token with a login and a password.
    type Token: TokenRequest<Self>;

    /// The APIs that have versions, and their versions (the spec's `versions:`): a client and a
    /// mock are set to one version of each, its default unless chosen.
    const VERSIONS: &'static [ApiVersions] = &[];
}

/// The published versions of one API (the spec's `versions:`), which sign some methods
/// differently and have some methods of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersions {
    /// The API (`payout`).
    pub api: &'static str,
    /// Its versions, by name.
    pub names: &'static [&'static str],
    /// The one a client and a mock use unless told otherwise.
    pub default: &'static str,
}

/// A version of one API, as its generated enum names it: what `api_version(..)` of the
/// client's and the mock's builders take.
pub trait ApiVersion: Copy + fmt::Debug + Send + Sync + 'static {
    /// The API (`payout`).
    const API: &'static str;
    /// The version's name in the spec (`portal`).
    fn name(self) -> &'static str;
}

/// The version of `api` in `chosen` (pairs of API and version), or that API's default.
pub fn version_of<A: Api>(chosen: &[(&'static str, &'static str)], api: &str) -> Option<&'static str> {
    chosen
        .iter()
        .find(|(a, _)| *a == api)
        .map(|(_, v)| *v)
        .or_else(|| A::VERSIONS.iter().find(|v| v.api == api).map(|v| v.default))
}

/// The parts of an answer's envelope that the client reads.
#[derive(Debug)]
pub struct EnvelopeParts<A: Api, T> {
    /// Whether the API processed the request.
    pub code: A::ServiceCode,
    /// The API's text about it.
    pub desc: Option<String>,
    /// The operation id, when the answer has one.
    pub operation_id: Option<Uuid>,
    /// The shop id, when the answer has one.
    pub eshop_id: Option<A::EshopId>,
    /// The method's result (absent when the request was queued).
    pub result: Option<T>,
}

/// The envelope of an answer (generated for the spec's `envelope: true` type).
pub trait Envelope<A: Api, T> {
    /// Its parts.
    fn into_parts(self) -> EnvelopeParts<A, T>;
}

/// What a status code means to the client (each spec value with a role says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Meaning {
    /// Processed (`OperationState.Code`) or successful (`Result.State.Code`).
    Ok,
    /// Queued for asynchronous processing.
    Queued,
    /// Processed with warnings.
    Warning,
    /// The session token is missing, wrong or expired.
    AuthenticationFailed,
    /// Anything else: refused.
    Failed,
}

/// A status code of the spec (generated for the enums that have values with roles).
pub trait StateCode: fmt::Debug + fmt::Display + Clone + PartialEq + Send + Sync + 'static {
    /// What the value means.
    fn meaning(&self) -> Meaning;
}

/// Where a method's result carries its own status (`Result.State`), generated for every result
/// type.
pub trait ResultState<C> {
    /// The status code and its text, when the result has them.
    fn request_state(&self) -> Option<(&C, Option<&str>)>;
}

impl<C> ResultState<C> for bool {
    fn request_state(&self) -> Option<(&C, Option<&str>)> {
        None
    }
}

/// The request that gets a session token (the spec's `token` role).
pub trait TokenRequest<A: Api>: ApiRequest<Api = A> + Send + Sync {
    /// The request for this login and password.
    fn with_credentials(login: String, password: Secret) -> Self;
    /// The token in its answer.
    fn token(output: Self::Output) -> Option<Secret>;
}

/// An API that pays out: the methods that execute and look up a payout, and what its states
/// mean (the spec's `payout_*` roles). The methods that create one are [`PayoutRequest`]s.
pub trait PayoutApi: Api {
    /// Executes a created operation: moves the money.
    type Execute: ApiRequest<Api = Self> + Send + Sync;
    /// Looks an operation's state up.
    type Poll: ApiRequest<Api = Self> + Send + Sync;
    /// Deletes an operation still created: once deleted it can never move money. The payout
    /// flow sends it to settle an operation whose execution is in doubt and whose state reads
    /// created, instead of executing it again.
    type Delete: ApiRequest<Api = Self> + Send + Sync;
    /// The state of a payout operation.
    type State: fmt::Debug + fmt::Display + Clone + PartialEq + Send + Sync + 'static;

    /// The request that executes this operation.
    fn execute(operation_id: Uuid) -> Self::Execute;
    /// The request that looks this operation up.
    fn poll(operation_id: Uuid) -> Self::Poll;
    /// The request that deletes this operation.
    fn delete(operation_id: Uuid) -> Self::Delete;
    /// What an execution answered.
    fn executed(output: <Self::Execute as ApiRequest>::Output) -> Progress<Self::State>;
    /// What a lookup answered.
    fn polled(output: <Self::Poll as ApiRequest>::Output) -> Progress<Self::State>;
    /// How a state ends a payout, if it does.
    fn fate(state: &Self::State) -> Fate;
    /// Whether a state is that of an operation created and not executed (`payout_created`): it
    /// moves no money, and executing it is safe.
    fn is_created(state: &Self::State) -> bool;
}

/// A request that creates a payout operation, which moves nothing until it is executed (the
/// spec's `payout_create` role).
pub trait PayoutRequest<A: PayoutApi>: ApiRequest<Api = A> + Send + Sync {
    /// What the creation answered.
    fn created(output: Self::Output) -> Progress<A::State>;
    /// How much it pays (the spec's `payout_amount` parameter).
    fn amount(&self) -> crate::Decimal;
    /// In which currency, as written on the wire (the spec's `payout_currency` parameter).
    fn currency(&self) -> String;
}

/// What an answer of the payout methods says of the operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress<S> {
    /// The operation's id.
    pub operation_id: Option<Uuid>,
    /// Its state.
    pub state: Option<S>,
    /// Why it failed, when it did.
    pub error_message: Option<String>,
}

/// How a payout state ends the payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fate {
    /// It does not: the payout is still moving.
    Open,
    /// Paid.
    Completed,
    /// Failed; nothing paid.
    Failed,
    /// Not enough money on the account; nothing paid.
    NotEnoughMoney,
    /// Deleted; nothing paid.
    Deleted,
}

impl DecodeError {
    /// An error about `method`'s answer at `path`, with its body; secret fields are those of
    /// the API `A`.
    pub fn new<A: Api>(
        method: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        DecodeError {
            method,
            path: path.into(),
            message: message.into(),
            body: body.into(),
            secret_fields: A::SECRET_FIELDS,
        }
    }
}
