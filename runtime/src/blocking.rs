//! The engine of the blocking client (feature `blocking`): the generated blocking client wraps
//! it and adds one method per spec method.
//!
//! It runs the generated async client on a runtime of its own, like `reqwest::blocking`; do not
//! use it inside an async runtime.

use crate::client::{ClientApi as Api, ClientBuilder, Error};
use std::fmt;
use std::future::Future;

/// An API with a generated blocking client (implemented by the generated crate, feature
/// `blocking`).
pub trait BlockingApi: Api {
    /// The generated blocking client: this engine with one method per spec method.
    type Blocking: From<Client<Self>>;
}

impl<A: BlockingApi> ClientBuilder<A> {
    /// Builds a blocking client (feature `blocking`).
    pub fn build_blocking(self) -> Result<A::Blocking, Error<A>> {
        Client::new(self).map(A::Blocking::from)
    }
}

/// A blocking client: the generated async client (`A::Client`) and a runtime to run it on.
pub struct Client<A: Api> {
    inner: A::Client,
    runtime: tokio::runtime::Runtime,
}

impl<A: Api> fmt::Debug for Client<A>
where
    A::Client: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client").field(&self.inner).finish()
    }
}

impl<A: Api> Client<A> {
    /// Builds a blocking client from a builder.
    pub fn new(builder: ClientBuilder<A>) -> Result<Self, Error<A>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("runtime: {e}")))?;
        // reqwest's client needs the runtime's reactor when it is built.
        let inner = runtime.block_on(async { builder.build() })?;
        Ok(Client { inner, runtime })
    }

    /// The async client inside.
    pub fn inner(&self) -> &A::Client {
        &self.inner
    }

    /// Gets a session token with the configured credentials now.
    pub fn login(&self) -> Result<(), Error<A>> {
        self.block_on(self.inner.login())
    }

    /// Turns a stream of the async client into an iterator (paginated methods).
    pub fn iterate<'a, T: 'a>(
        &'a self,
        stream: impl futures_util::Stream<Item = T> + 'a,
    ) -> impl Iterator<Item = T> + 'a {
        let mut stream = Box::pin(stream);
        std::iter::from_fn(move || self.block_on(futures_util::StreamExt::next(&mut stream)))
    }

    /// Every page of a paginated request, up to `ahead` pages requested at once (see the async
    /// client's `pages_prefetch`). The pages ahead are asked for while one is used; their
    /// answers wait in the connection until the next page is taken.
    pub fn pages_prefetch<'a, R: crate::Paginated<Api = A> + 'a>(
        &'a self,
        request: R,
        ahead: usize,
    ) -> impl Iterator<Item = Result<crate::client::Reply<R::Output, A>, Error<A>>> + 'a {
        self.iterate(self.inner.pages_prefetch(request, ahead))
    }

    /// Every item of a paginated request, up to `ahead` pages requested at once.
    pub fn items_prefetch<'a, R>(
        &'a self,
        request: R,
        ahead: usize,
    ) -> impl Iterator<Item = Result<R::Item, Error<A>>> + 'a
    where
        R: crate::Paginated<Api = A> + 'a,
        R::Item: 'a,
    {
        self.iterate(self.inner.items_prefetch(request, ahead))
    }

    /// Runs a future of the async client to completion.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}
