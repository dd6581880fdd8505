//! What the spec says of a method, as the generated request types tell it: where it is sent,
//! how, with which parameters, and what it answers ([`ApiRequest`], [`MethodInfo`]).

use super::{Api, ResultState};
use crate::xml::Decodable;
use crate::RequestError;
use std::fmt;

/// How a request body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, UTF-8 (the Personal API).
    Form,
    /// `application/json` (the Payout API).
    Json,
}

/// How a method is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Not at all (getUserToken).
    None,
    /// By the session's UserToken.
    UserToken,
    /// By the TLS client certificate.
    Certificate,
}

/// What a call does; a call that writes or moves money is never sent twice by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads only; may be retried.
    Read,
    /// Creates or changes something.
    Write,
    /// Moves money.
    Money,
}

/// One slot of a `Sign` template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignSlot {
    /// The value sent for this parameter (matched case-insensitively), empty when not sent.
    Param(&'static str),
    /// Always empty.
    Empty,
    /// The sign secret.
    Secret,
}

/// A `Sign` template and the version of its API that signs with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignTemplate {
    /// The version (the spec's `versions:` of the API), or `None`: every version.
    pub version: Option<&'static str>,
    /// The slots, in order.
    pub slots: &'static [SignSlot],
}

/// A response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// XML.
    Xml,
    /// JSON.
    Json,
}

/// A format a method answers in, and the `Accept` header that asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseFormat {
    /// The format.
    pub format: Format,
    /// The `Accept` header value (`None`: the API's default needs none).
    pub accept: Option<&'static str>,
}

/// What the spec says of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    /// Name on the wiki (`getInvoicesHistory`).
    pub name: &'static str,
    /// The API module (`personal`).
    pub api: &'static str,
    /// Path (`/personal/payment/getInvoicesHistory`).
    pub path: &'static str,
    /// Body format.
    pub body: BodyFormat,
    /// The request `Content-Type`.
    pub content_type: &'static str,
    /// The formats the method answers in; the first is the API's default.
    pub responses: &'static [ResponseFormat],
    /// Authentication.
    pub auth: Auth,
    /// Effect.
    pub effect: Effect,
    /// The `Sign` templates: none when no template is known; one per version of the API when
    /// its versions sign the method differently (the default version's first).
    pub sign: &'static [SignTemplate],
    /// The version of its API the method belongs to (`None`: every version).
    pub version: Option<&'static str>,
    /// The server refuses the method without `Sign` and `Authorization` (the spec's
    /// `sign.required`): the client does not send it without its secrets.
    pub sign_required: bool,
    /// Whether the wiki deprecates the method.
    pub deprecated: bool,
}

impl MethodInfo {
    /// Whether the method is part of this version of its API (`None`: the API's default).
    pub fn in_version(&self, version: Option<&str>) -> bool {
        match (self.version, version) {
            (Some(own), Some(chosen)) => own == chosen,
            _ => true,
        }
    }

    /// The template this version of the API signs the method with (`None`: the default
    /// version's, which comes first).
    pub fn sign_for(&self, version: Option<&str>) -> Option<&'static [SignSlot]> {
        let chosen = |t: &&SignTemplate| match (t.version, version) {
            (Some(own), Some(v)) => own == v,
            _ => true,
        };
        self.sign.iter().find(chosen).map(|t| t.slots)
    }

    /// Whether any version signs the method.
    pub fn is_signed(&self) -> bool {
        !self.sign.is_empty()
    }
}

/// A value as written on the wire.
#[derive(Clone, PartialEq, Eq)]
pub enum WireValue {
    /// Text: a JSON string in a JSON body.
    Text(String),
    /// A bare literal (number, `true`): unquoted in a JSON body.
    Literal(String),
}

impl WireValue {
    /// The text sent (and signed).
    pub fn as_str(&self) -> &str {
        match self {
            WireValue::Text(s) | WireValue::Literal(s) => s,
        }
    }
}

/// One parameter as sent.
#[derive(Clone, PartialEq, Eq)]
pub struct WireParam {
    /// Wire name.
    pub name: &'static str,
    /// Value.
    pub value: WireValue,
}

impl WireParam {
    /// A parameter.
    pub fn new(name: &'static str, value: WireValue) -> Self {
        WireParam { name, value }
    }
}

// Parameter values hold passwords and tokens: never shown.
impl fmt::Debug for WireParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=[{} bytes]", self.name, self.value.as_str().len())
    }
}

/// A request of the spec: generated for every method.
pub trait ApiRequest {
    /// The API the method belongs to.
    type Api: Api;
    /// The method's result (inside the envelope's `Result`).
    type Output: Decodable + ResultState<<Self::Api as Api>::RequestCode>;
    /// What the spec says of the method.
    const METHOD: &'static MethodInfo;
    /// Checks documented limits and conditional requirements.
    fn validate(&self) -> Result<(), RequestError>;
    /// The parameters in spec order, as written on the wire.
    fn wire_params(&self, user_token: Option<&str>) -> Result<Vec<WireParam>, RequestError>;
}

/// A request whose method returns a list a page at a time (`Skip`/`Take`; generated for every
/// method the spec gives `pagination`).
/// (Pages are compared, to stop at a repeated one: a page's result is `PartialEq + Clone`.)
pub trait Paginated: ApiRequest<Output: PartialEq + Clone> + Clone {
    /// One item of the list.
    type Item;
    /// The current `Skip` (0 when not set).
    fn skip(&self) -> i64;
    /// Sets `Skip`.
    fn set_skip(&mut self, skip: i64) -> Result<(), RequestError>;
    /// `Take`, the size of a full page, when set.
    fn page_size(&self) -> Option<i64>;
    /// How many items a page holds.
    fn item_count(output: &Self::Output) -> usize;
    /// The items of a page.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}
