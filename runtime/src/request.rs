//! From a request value to the bytes sent: parameters in spec order, the body, and the `Sign`
//! header over the very strings that are sent; and back from a body to the typed result.

use super::{DecodeError, RequestError, Secret};
use crate::api::{Api, ApiRequest, BodyFormat, Format, MethodInfo, SignSlot, WireParam, WireValue};
use crate::xml::Decodable;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::fmt;

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
