//! A blocking client with the same methods (feature `blocking`). It runs the async client on a
//! runtime of its own, like `reqwest::blocking`; do not use it inside an async runtime. Fixed
//! code: the generator copies this file as it is.

use crate::runtime::blocking::Client as Engine;
use crate::runtime::Paginated;
use crate::{ClientBuilder, Error, IntellectMoney, Reply};

/// A blocking client: one method per spec method, as on [`crate::Client`], and the methods
/// below. It derefs to the runtime's engine
/// ([`runtime::blocking::Client`](crate::runtime::blocking::Client)).
pub struct Client(Engine<IntellectMoney>);

impl Client {
    /// A builder, as for the async client; finish it with
    /// [`ClientBuilder::build_blocking`](crate::runtime::client::ClientBuilder::build_blocking).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a blocking client from a builder.
    pub fn new(builder: ClientBuilder) -> Result<Self, Error> {
        Engine::new(builder).map(Client)
    }

    /// The async client inside.
    pub fn inner(&self) -> &crate::Client {
        self.0.inner()
    }

    /// Gets a UserToken with the configured credentials now.
    pub fn login(&self) -> Result<(), Error> {
        self.0.login()
    }

    /// Runs a future of the async client to completion.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    /// Turns a stream of the async client into an iterator (paginated methods).
    pub fn iterate<'a, T: 'a>(&'a self, stream: impl futures_util::Stream<Item = T> + 'a) -> impl Iterator<Item = T> + 'a {
        self.0.iterate(stream)
    }

    /// Every page of a paginated request, up to `ahead` pages requested at once
    /// ([details](crate::runtime::blocking::Client::pages_prefetch)).
    pub fn pages_prefetch<'a, R: Paginated<Api = IntellectMoney> + 'a>(
        &'a self,
        request: R,
        ahead: usize,
    ) -> impl Iterator<Item = Result<Reply<R::Output>, Error>> + 'a {
        self.0.pages_prefetch(request, ahead)
    }

    /// Every item of a paginated request, up to `ahead` pages requested at once.
    pub fn items_prefetch<'a, R>(&'a self, request: R, ahead: usize) -> impl Iterator<Item = Result<R::Item, Error>> + 'a
    where
        R: Paginated<Api = IntellectMoney> + 'a,
        R::Item: 'a,
    {
        self.0.items_prefetch(request, ahead)
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
