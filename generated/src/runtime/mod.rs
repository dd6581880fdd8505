//! The hand-written runtime: what does not vary per method. Generated code calls into it; users
//! meet its types ([`DateTime`], [`Secret`], [`RequestError`], …) in the generated API.

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
pub mod xml_shape;

pub use datetime::DateTime;
pub use error::{mask_secrets, snippet, DecodeError, RequestError};
pub use request::{
    decode_json, decode_json_as, decode_owned, decode_xml, decode_xml_as, encode, encode_params, form_body, json_body,
    sign_hash, sign_input, ApiRequest, Auth, BodyFormat, Effect, EncodeContext, EncodedRequest, Format, MethodInfo,
    Paginated, ResponseFormat, ResultState, SignSlot, WireParam, WireValue,
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
