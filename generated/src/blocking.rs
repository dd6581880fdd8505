//! The blocking client (feature `blocking`): the same generated methods, without `async`.
//!
//! It runs the async [`crate::Client`] on a runtime of its own, like `reqwest::blocking`; do not
//! call it from inside an async runtime (that panics).

use crate::client::{ClientBuilder, Error};
use std::fmt;
use std::future::Future;

/// A blocking client: one method per spec method, as on [`crate::Client`].
pub struct Client {
    inner: crate::Client,
    runtime: tokio::runtime::Runtime,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client").field(&self.inner).finish()
    }
}

impl Client {
    /// A builder, as for the async client; finish it with [`ClientBuilder::build_blocking`].
    pub fn builder() -> ClientBuilder {
        crate::Client::builder()
    }

    /// Builds a blocking client from a builder.
    pub fn new(builder: ClientBuilder) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("runtime: {e}")))?;
        // reqwest's client needs the runtime's reactor when it is built.
        let inner = runtime.block_on(async { builder.build() })?;
        Ok(Client { inner, runtime })
    }

    /// The async client inside.
    pub fn inner(&self) -> &crate::Client {
        &self.inner
    }

    /// Gets a UserToken with the configured credentials now.
    pub fn login(&self) -> Result<(), Error> {
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

    /// Runs a future of the async client to completion.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}
