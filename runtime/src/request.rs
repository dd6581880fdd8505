//! From a request value to the bytes sent: parameters in spec order, the body, and the `Sign`
//! header over the very strings that are sent; and back from a body to the typed result.

use super::{DecodeError, RequestError, Secret};
use crate::api::{Api, ResultState};
use crate::xml::Decodable;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
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

/// What encoding needs besides the request: the session's token and the sign secret.
#[derive(Default, Clone)]
pub struct EncodeContext<'a> {
    /// The session's UserToken.
    pub user_token: Option<&'a str>,
    /// The sign secret (signSecretKey); with it, methods with a template are signed.
    pub sign_secret: Option<&'a str>,
    /// The version of the method's API the request is for (`None`: the API's default), which
    /// chooses its `Sign` template.
    pub version: Option<&'a str>,
}

/// A request ready to be sent.
#[derive(Clone)]
pub struct EncodedRequest {
    /// The method.
    pub method: &'static MethodInfo,
    /// The parameters as sent.
    pub params: Vec<WireParam>,
    /// The body.
    pub body: String,
    /// The string hashed into `Sign` (it ends with the secret).
    pub sign_input: Option<Secret>,
    /// The `Sign` header: 64 lowercase hex digits.
    pub sign: Option<String>,
}

impl fmt::Debug for EncodedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedRequest")
            .field("method", &self.method.name)
            .field("params", &self.params)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .field("signed", &self.sign.is_some())
            .finish()
    }
}

/// Checks and writes a request.
pub fn encode<R: ApiRequest>(request: &R, ctx: &EncodeContext<'_>) -> Result<EncodedRequest, RequestError> {
    if !R::METHOD.in_version(ctx.version) {
        return Err(version_refusal(R::METHOD, ctx.version.unwrap_or_default()));
    }
    request.validate()?;
    let params = request.wire_params(ctx.user_token)?;
    Ok(encode_params(R::METHOD, params, ctx.sign_secret, ctx.version))
}

/// The refusal of a method that the chosen version of its API does not have: signing it with
/// another version's template would mix two versions in one flow.
pub fn version_refusal(method: &'static MethodInfo, chosen: &str) -> RequestError {
    RequestError::new(
        method.name,
        "Sign",
        format!(
            "cannot be made: the method belongs to the {own} version of the {} API and the client is set to the {chosen} version (one flow never mixes two); choose the {own} version, or a method of the {chosen} one",
            method.api,
            own = method.version.unwrap_or("default"),
        ),
    )
}

/// Writes the body of parameters already on the wire, and signs them when the method has a
/// template in this version of its API (`None`: the default) and a secret is given.
pub fn encode_params(
    method: &'static MethodInfo,
    params: Vec<WireParam>,
    sign_secret: Option<&str>,
    version: Option<&str>,
) -> EncodedRequest {
    let body = match method.body {
        BodyFormat::Form => form_body(&params),
        BodyFormat::Json => json_body(&params),
    };
    let (sign_input, sign) = match (method.sign_for(version), sign_secret) {
        (Some(slots), Some(secret)) => {
            let input = sign_input(slots, &params, secret);
            let hash = sign_hash(&input);
            (Some(Secret::new(input)), Some(hash))
        }
        _ => (None, None),
    };
    EncodedRequest {
        method,
        params,
        body,
        sign_input,
        sign,
    }
}

/// `name=value&…`, percent-encoded as `application/x-www-form-urlencoded` (space as `+`).
pub fn form_body(params: &[WireParam]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for p in params {
        s.append_pair(p.name, p.value.as_str());
    }
    s.finish()
}

/// `{"name":value,…}` in parameter order.
pub fn json_body(params: &[WireParam]) -> String {
    let mut out = String::from("{");
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(p.name).expect("names serialize"));
        out.push(':');
        match &p.value {
            WireValue::Text(t) => out.push_str(&serde_json::to_string(t).expect("strings serialize")),
            WireValue::Literal(l) => out.push_str(l),
        }
    }
    out.push('}');
    out
}

/// The template with every slot replaced by the value sent (empty when not sent), joined by `::`.
pub fn sign_input(slots: &[SignSlot], params: &[WireParam], secret: &str) -> String {
    let parts: Vec<&str> = slots
        .iter()
        .map(|slot| match slot {
            SignSlot::Param(name) => params
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(name))
                .map(|p| p.value.as_str())
                .unwrap_or(""),
            SignSlot::Empty => "",
            SignSlot::Secret => secret,
        })
        .collect();
    parts.join("::")
}

/// Lowercase hex SHA-256 of the UTF-8 bytes.
pub fn sign_hash(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The envelope of `R`'s answers, around its result.
pub type EnvelopeOf<R> = <<R as ApiRequest>::Api as Api>::Envelope<<R as ApiRequest>::Output>;

/// Decodes an XML answer of `R`'s method.
pub fn decode_xml<R: ApiRequest>(body: &str) -> Result<EnvelopeOf<R>, DecodeError> {
    decode_xml_as::<R::Api, _>(R::METHOD.name, body)
}

/// Decodes a JSON answer of `R`'s method.
pub fn decode_json<R: ApiRequest>(body: &str) -> Result<EnvelopeOf<R>, DecodeError> {
    decode_json_as::<R::Api, _>(R::METHOD.name, body)
}

/// Decodes an XML document of API `A` into `T`, naming `method` and the field path on failure
/// (`A`'s secret fields are masked in what the error shows).
pub fn decode_xml_as<A: Api, T: Decodable>(method: &'static str, body: &str) -> Result<T, DecodeError> {
    xml_bare(method, body).map_err(|e| DecodeError {
        body: body.to_owned(),
        secret_fields: A::SECRET_FIELDS,
        ..e
    })
}

/// Decodes a JSON document of API `A` into `T` (numbers keep their exact text), naming `method`
/// and the field path on failure (`A`'s secret fields are masked in what the error shows).
pub fn decode_json_as<A: Api, T: Decodable>(method: &'static str, body: &str) -> Result<T, DecodeError> {
    json_bare(method, body).map_err(|e| DecodeError {
        body: body.to_owned(),
        secret_fields: A::SECRET_FIELDS,
        ..e
    })
}

/// Decodes a body of API `A` that the caller gives up: on failure it moves into the error
/// instead of being copied (a 16 MiB answer is held once, not twice); on success it comes back
/// with the value.
pub fn decode_owned<A: Api, T: Decodable>(
    method: &'static str,
    format: Format,
    body: String,
) -> Result<(T, String), DecodeError> {
    let decoded = match format {
        Format::Xml => xml_bare(method, &body),
        Format::Json => json_bare(method, &body),
    };
    match decoded {
        Ok(value) => Ok((value, body)),
        Err(e) => Err(DecodeError {
            body,
            secret_fields: A::SECRET_FIELDS,
            ..e
        }),
    }
}

/// The decoders without the body in their errors (`body` is empty). XML is read by the
/// generated decoders ([`crate::xml`]).
fn xml_bare<T: Decodable>(method: &'static str, body: &str) -> Result<T, DecodeError> {
    let (value, root) = crate::xml::from_str_located::<T>(body).map_err(|e| DecodeError {
        method,
        path: if e.path.is_empty() { ".".into() } else { e.path },
        message: e.message,
        body: String::new(),
        secret_fields: &[],
    })?;
    single_root_of(method, body, root)?;
    Ok(value)
}

/// An XML document is one root element with nothing after it (the decoders stop at the end
/// of the root); `root` is where the decoder found the root element, when it knows.
fn single_root_of(method: &'static str, body: &str, root: Option<(usize, usize)>) -> Result<(), DecodeError> {
    // Checked after a decode that succeeded: a failed one says more about where it broke.
    super::xml_shape::single_root_read(body, root).map_err(|message| DecodeError {
        method,
        path: ".".into(),
        message,
        body: String::new(),
        secret_fields: &[],
    })?;
    Ok(())
}

/// The serde XML path (quick-xml's deserializer and the helpers of [`crate::de`]), kept as the
/// reference the generated decoders are checked against (feature `xml-serde`): the same
/// answers, the same refusals.
#[cfg(feature = "xml-serde")]
pub mod reference {
    use super::*;

    /// Decodes an XML answer of `R`'s method through serde.
    pub fn decode_xml<R: ApiRequest>(body: &str) -> Result<EnvelopeOf<R>, DecodeError> {
        decode_xml_as::<R::Api, _>(R::METHOD.name, body)
    }

    /// Decodes an XML document of API `A` into `T` through serde.
    pub fn decode_xml_as<A: Api, T: DeserializeOwned>(method: &'static str, body: &str) -> Result<T, DecodeError> {
        // Nil elements marked, for the structures read whole (`crate::tree`).
        let marked = crate::tree::mark_nil(body);
        let value =
            decode_tracked(method, &marked, quick_xml::de::Deserializer::from_str, |_| Ok(())).map_err(|e| {
                DecodeError {
                    body: body.to_owned(),
                    secret_fields: A::SECRET_FIELDS,
                    ..e
                }
            })?;
        single_root_of(method, body, None).map_err(|e| DecodeError {
            body: body.to_owned(),
            secret_fields: A::SECRET_FIELDS,
            ..e
        })?;
        Ok(value)
    }
}

fn json_bare<T: DeserializeOwned>(method: &'static str, body: &str) -> Result<T, DecodeError> {
    // Scalars are read as their raw text (`de::Text`): numbers keep their exact characters.
    decode_tracked(method, body, serde_json::Deserializer::from_str, |de| de.end())
}

/// Decodes `text` with the deserializer `open` makes, then lets `end` check what is left.
///
/// The field path is tracked only on failure: tracking every field on the way took about 20% of
/// the XML and 30% of the JSON decode time (BENCHMARKS.md), and a failure is rare. Decoding is deterministic,
/// so the second, tracked pass stops at the same field with the same error.
fn decode_tracked<'a, T, D, E>(
    method: &'static str,
    text: &'a str,
    open: impl Fn(&'a str) -> D,
    end: impl Fn(&mut D) -> Result<(), E>,
) -> Result<T, DecodeError>
where
    T: DeserializeOwned,
    for<'r> &'r mut D: serde::Deserializer<'a, Error = E>,
    E: serde::de::Error,
{
    let failure = |path: String, error: &dyn std::fmt::Display| DecodeError {
        method,
        path,
        message: error.to_string(),
        body: String::new(),
        secret_fields: &[],
    };
    let mut de = open(text);
    let first = match T::deserialize(&mut de) {
        Ok(value) => return end(&mut de).map(|()| value).map_err(|e| failure(".".into(), &e)),
        Err(e) => e,
    };
    let mut de = open(text);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => Err(failure(e.path().to_string(), e.inner())),
        // Cannot happen (see above); the first error is still the answer.
        Ok(_) => Err(failure(".".into(), &first)),
    }
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
