//! The async client: the runtime's engine for this API, with every method a user calls defined
//! here or in the API's modules (one per spec method), so that the client's page documents them
//! all. Fixed code: the generator copies this file as it is (it does not depend on the spec).

use crate::runtime::client::{Client as Engine, RawRequest, SecretsHeld};
use crate::runtime::redact::Redactor;
use crate::runtime::{ApiRequest, MethodInfo, Paginated, ResultState};
use crate::{ClientBuilder, Error, IntellectMoney, Reply};
use futures_util::Stream;

/// The async client of the API: one method per spec method (in each API's module), and the
/// methods below, which are the same for every spec method (login, pagination, raw requests).
/// Cheap to clone: clones share the connection pool and the session. It derefs to the runtime's
/// engine ([`runtime::client::Client`](crate::runtime::client::Client)), which
/// `intellectmoney::batch` takes.
#[derive(Clone)]
pub struct Client(Engine<IntellectMoney>);

impl Client {
    /// A builder with the defaults: the production URL ([`DEFAULT_BASE_URL`](crate::DEFAULT_BASE_URL)),
    /// XML, [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT) to connect,
    /// [`DEFAULT_ATTEMPT_TIMEOUT`](crate::DEFAULT_ATTEMPT_TIMEOUT) per attempt, and
    /// [`DEFAULT_MAX_RETRIES`](crate::DEFAULT_MAX_RETRIES) retries of read-only calls
    /// ([`RetryPolicy::default`](crate::RetryPolicy::default)).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Engine<IntellectMoney>> for Client {
    fn from(client: Engine<IntellectMoney>) -> Self {
        Client(client)
    }
}

impl std::ops::Deref for Client {
    type Target = Engine<IntellectMoney>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

// Each method hands over to the engine's method of the same name, where its rules are written in
// full (the link in each summary).
impl Client {
    /// Gets a UserToken with the configured credentials now, instead of at the first call that
    /// needs one ([details](crate::runtime::client::Client::login)).
    pub async fn login(&self) -> Result<(), Error> {
        self.0.login().await
    }

    /// Forgets the UserToken: the next call that needs one logs in again, if it can.
    pub fn logout(&self) {
        self.0.logout()
    }

    /// Sends any request of the spec; each generated method calls this
    /// ([details](crate::runtime::client::Client::send)).
    pub async fn send<R: ApiRequest<Api = IntellectMoney>>(&self, request: &R) -> Result<Reply<R::Output>, Error> {
        self.0.send(request).await
    }

    /// Sends a [`RawRequest`] (a method the spec does not have yet) and decodes the envelope
    /// around `T` ([details](crate::runtime::client::Client::raw)).
    pub async fn raw<T>(&self, request: &RawRequest) -> Result<Reply<T>, Error>
    where
        T: crate::runtime::xml::Decodable + ResultState<<IntellectMoney as crate::runtime::Api>::RequestCode>,
    {
        self.0.raw(request).await
    }

    /// Every page of a paginated request, from its `Skip` on
    /// ([details](crate::runtime::client::Client::pages)).
    pub fn pages<'a, R: Paginated<Api = IntellectMoney> + 'a>(
        &'a self,
        request: R,
    ) -> impl Stream<Item = Result<Reply<R::Output>, Error>> + 'a {
        self.0.pages(request)
    }

    /// Every item of a paginated request, over all its pages
    /// ([details](crate::runtime::client::Client::items)).
    pub fn items<'a, R>(&'a self, request: R) -> impl Stream<Item = Result<R::Item, Error>> + 'a
    where
        R: Paginated<Api = IntellectMoney> + 'a,
        R::Item: 'a,
    {
        self.0.items(request)
    }

    /// [`Self::pages`], with up to `ahead` pages requested at once
    /// ([details](crate::runtime::client::Client::pages_prefetch)).
    pub fn pages_prefetch<'a, R: Paginated<Api = IntellectMoney> + 'a>(
        &'a self,
        request: R,
        ahead: usize,
    ) -> impl Stream<Item = Result<Reply<R::Output>, Error>> + 'a {
        self.0.pages_prefetch(request, ahead)
    }

    /// [`Self::items`], with up to `ahead` pages requested at once
    /// ([details](crate::runtime::client::Client::items_prefetch)).
    pub fn items_prefetch<'a, R>(&'a self, request: R, ahead: usize) -> impl Stream<Item = Result<R::Item, Error>> + 'a
    where
        R: Paginated<Api = IntellectMoney> + 'a,
        R::Item: 'a,
    {
        self.0.items_prefetch(request, ahead)
    }

    /// The version of `method`'s API the client is set to (`None`: the API has no versions).
    pub fn version_of(&self, method: &MethodInfo) -> Option<&'static str> {
        self.0.version_of(method)
    }

    /// Refuses a method that the client's version of its API does not have; nothing is sent
    /// ([details](crate::runtime::client::Client::check_version)).
    pub fn check_version(&self, method: &'static MethodInfo) -> Result<(), Error> {
        self.0.check_version(method)
    }

    /// A redactor of every secret this client knows now, for text of your own that may quote
    /// them ([details](crate::runtime::client::Client::redactor)).
    pub fn redactor(&self) -> Redactor {
        self.0.redactor()
    }

    /// Holds the secret and personal values of `request` for redaction while the returned hold
    /// lives ([details](crate::runtime::client::Client::hold_secrets_of)).
    pub fn hold_secrets_of<R: ApiRequest<Api = IntellectMoney>>(&self, request: &R) -> SecretsHeld {
        self.0.hold_secrets_of(request)
    }
}
