//! The hand-written runtime of the generated IntellectMoney client: what does not vary per
//! method. The generated crate (`intellectmoney`) stands on it and re-exports what its users
//! meet; this crate names none of its types, and takes what it needs of the API (the envelope,
//! the codes, the secret fields, the token and payout methods) through the traits of [`api`].
//! The mock server's engine (`intellectmoney-mock`) and payout batches with their journal
//! (`intellectmoney-batch`) are crates of their own, standing on this one.
//!
//! - values and codecs: [`DateTime`], [`Secret`], [`enc`], [`de`], [`ser`], [`json`], [`check`];
//! - requests: [`encode`] (parameters in spec order, the body and the `Sign` header) and the
//!   decoders ([`decode_xml`], [`decode_json`]);
//! - [`client`]: transport, session, retries, errors, pagination and the payout flow;
//! - behind features (documented on docs.rs, which builds them all): `blocking`, the blocking
//!   client's engine; `cli`, the command line's value parsers
//!   and output.
// docs.rs (nightly, `--cfg docsrs`) marks each item a feature gates with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!("intellectmoney needs a TLS backend: the feature `rustls` (the default) or `native-tls`");

pub mod api;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod client;
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
mod xml_plain;
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
