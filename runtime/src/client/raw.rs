//! A request the spec does not have yet, sent with the client's auth, signing, timeouts and
//! envelope decoding.

use super::{Client, Error, Reply};
use crate::api::{Api, ResultState};
use crate::{encode_params, EncodedRequest, MethodInfo, Secret, WireParam, WireValue};
use tracing::Instrument;

/// A request for a method that is not in the spec: describe it with a [`MethodInfo`] (path,
/// body format, effect, `Sign` template) and add its parameters in wire order.
///
/// ```no_run
/// # use intellectmoney_runtime::{client::{Client, Error}, Api};
/// # async fn f<A: Api>(client: Client<A>) -> Result<(), Error<A>> {
/// use intellectmoney_runtime::client::{RawRequest, Reply};
/// use intellectmoney_runtime::{Auth, BodyFormat, Effect, Format, MethodInfo, ResponseFormat};
///
/// static GET_SOMETHING_NEW: MethodInfo = MethodInfo {
///     name: "getSomethingNew",
///     api: "personal",
///     path: "/personal/x/getSomethingNew",
///     body: BodyFormat::Form,
///     content_type: "application/x-www-form-urlencoded; charset=utf-8",
///     responses: &[ResponseFormat { format: Format::Xml, accept: None }],
///     auth: Auth::UserToken,
///     effect: Effect::Read,
///     sign: &[],
///     version: None,
///     sign_required: false,
///     deprecated: false,
/// };
/// let request = RawRequest::new(&GET_SOMETHING_NEW).user_token("UserToken").text("EshopId", "450063");
/// let reply: Reply<bool, A> = client.raw(&request).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RawRequest {
    method: &'static MethodInfo,
    params: Vec<RawParam>,
}

#[derive(Debug, Clone)]
enum RawParam {
    Value(WireParam),
    UserToken(&'static str),
}

impl RawRequest {
    /// A request of `method`, with no parameters yet.
    pub fn new(method: &'static MethodInfo) -> Self {
        RawRequest {
            method,
            params: Vec::new(),
        }
    }

    /// A text parameter (a JSON string in a JSON body).
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params
            .push(RawParam::Value(WireParam::new(name, WireValue::Text(value.into()))));
        self
    }

    /// A literal parameter (a bare number or `true` in a JSON body).
    pub fn literal(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params
            .push(RawParam::Value(WireParam::new(name, WireValue::Literal(value.into()))));
        self
    }

    /// The session's UserToken, under this name, at this place.
    pub fn user_token(mut self, name: &'static str) -> Self {
        self.params.push(RawParam::UserToken(name));
        self
    }
}

impl<A: Api> Client<A> {
    /// Sends a [`RawRequest`] and decodes the envelope around `T`.
    pub async fn raw<T: crate::xml::Decodable + ResultState<A::RequestCode>>(
        &self,
        request: &RawRequest,
    ) -> Result<Reply<T, A>, Error<A>> {
        let session = &self.inner.session;
        if request.params.iter().any(|p| matches!(p, RawParam::UserToken(_))) {
            session.ensure(self).await?;
        }
        let encoded = self.encode_raw(request, session.token().as_ref())?;
        let span = tracing::info_span!("intellectmoney", method = request.method.name, raw = true);
        self.exchange(&encoded).instrument(span).await
    }

    fn encode_raw(&self, request: &RawRequest, token: Option<&Secret>) -> Result<EncodedRequest, Error<A>> {
        let method = request.method;
        let mut params = Vec::new();
        for p in &request.params {
            match p {
                RawParam::Value(v) => params.push(v.clone()),
                RawParam::UserToken(name) => {
                    let token = token.ok_or_else(|| {
                        crate::RequestError::new(
                            method.name,
                            *name,
                            "is required: build the client with .credentials(login, password) (a UserToken is then fetched) or .user_token(..)",
                        )
                    })?;
                    params.push(WireParam::new(name, WireValue::Text(token.expose().to_owned())));
                }
            }
        }
        self.check_version(method)?;
        let secret = self.inner.sign_secret.as_ref().map(Secret::expose);
        Ok(encode_params(method, params, secret, self.version_of(method)))
    }
}
