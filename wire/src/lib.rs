//! The wire format of the IntellectMoney APIs, without a transport: what the generated client
//! (`intellectmoney`) and its runtime (`intellectmoney-runtime`) need to write a request and read
//! an answer or a notification. It depends on no HTTP client, so that a build compiles it beside
//! reqwest instead of after it (the runtime, which sends requests, re-exports all of it).
//!
//! - values and codecs: [`DateTime`], [`Secret`], [`enc`], [`de`], [`ser`], [`json`], [`check`];
//! - requests: [`encode`] (parameters in spec order, the body and the `Sign` header) and the
//!   decoders ([`decode_xml`], [`decode_json`], on the generated readers of [`xml`]);
//! - [`notification`]: Result-URL notifications, read and verified;
//! - [`redact`]: every form of every secret found and masked in a text;
//! - [`api`]: the traits through which the generated crate describes its APIs and methods.
// docs.rs (nightly, `--cfg docsrs`) marks each item a feature gates with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
pub mod check;
mod datetime;
pub mod de;
pub mod enc;
mod error;
pub mod json;
pub mod notification;
pub mod redact;
mod request;
mod secret;
pub mod ser;
mod text;
mod tree;
pub mod xml;
pub mod xml_shape;

pub use api::{Api, ApiVersion, ApiVersions, Envelope, PayoutApi, PayoutRequest, ResultState, StateCode, TokenRequest};
pub use api::{
    ApiRequest, Auth, BodyFormat, Effect, Format, MethodInfo, Paginated, ResponseFormat, SignSlot, SignTemplate,
    WireParam, WireValue,
};
pub use datetime::DateTime;
pub use error::{mask_secrets, snippet, DecodeError, RequestError};
#[cfg(feature = "xml-serde")]
pub use request::reference as xml_serde;
pub use request::{
    decode_json, decode_json_as, decode_owned, decode_xml, decode_xml_as, encode, encode_params, form_body, json_body,
    sign_hash, sign_input, version_refusal, EncodeContext, EncodedRequest, EnvelopeOf,
};
pub use rust_decimal::Decimal;
pub use secret::{CardNumber, Secret};
pub use text::{EmbeddedJson, TypedText};
pub use time::{Date, Month};
pub use uuid::Uuid;

/// An enumeration of the spec: known values by name and (where the wiki gives them) number, and
/// `Unknown(String)` for the rest.
pub trait WireEnum: Sized {
    /// Whether the API writes this enum by number by default.
    const WIRE_CODE: bool;
    /// Every value the spec knows, in spec order.
    fn all() -> &'static [Self];
    /// The wire name (the raw value for an unknown one).
    fn name(&self) -> &str;
    /// The number, where the wiki gives one (an unknown numeric value counts).
    fn code(&self) -> Option<i64>;
    /// Reads a name or a number; anything else is kept as `Unknown`.
    fn from_wire(raw: &str) -> Self;
}
