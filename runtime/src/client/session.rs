//! The UserToken session: the token in use, the credentials that renew it, and one renewal at a
//! time.

use super::{Client, Error};
use crate::api::{Api, TokenRequest};
use crate::Secret;
use std::fmt;
use std::sync::RwLock;

pub(crate) struct Session {
    token: RwLock<Option<Secret>>,
    credentials: Option<(String, Secret)>,
    /// Held while a token is fetched, so that calls failing together log in once.
    renewing: tokio::sync::Mutex<()>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user_token", &self.token().map(|_| "[redacted]"))
            .field("login", &self.credentials.as_ref().map(|(l, _)| l))
            .finish()
    }
}

impl Session {
    pub(crate) fn new(token: Option<Secret>, credentials: Option<(String, Secret)>) -> Self {
        Session {
            token: RwLock::new(token),
            credentials,
            renewing: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn token(&self) -> Option<Secret> {
        self.token.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn clear(&self) {
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub(crate) fn can_renew(&self) -> bool {
        self.credentials.is_some()
    }

    /// Logs in when there is no token yet and credentials are known.
    pub(crate) async fn ensure<A: Api>(&self, client: &Client<A>) -> Result<(), Error<A>> {
        if self.token().is_none() && self.can_renew() {
            self.renew(client, None).await?;
        }
        Ok(())
    }

    /// Gets a new token, unless another call already replaced `stale` while this one waited.
    pub(crate) async fn renew<A: Api>(&self, client: &Client<A>, stale: Option<&Secret>) -> Result<(), Error<A>> {
        let Some((login, password)) = &self.credentials else {
            return Err(Error::Config("no login and password to get a UserToken with".into()));
        };
        let _guard = self.renewing.lock().await;
        let current = self.token();
        if current.is_some() && current.as_ref() != stale {
            return Ok(());
        }
        let request = A::Token::with_credentials(login.clone(), password.clone());
        let reply = client.call(&request, None).await?;
        let method = <A::Token as crate::ApiRequest>::METHOD.name;
        let token = A::Token::token(reply.result)
            .filter(|t| !t.expose().is_empty())
            .ok_or_else(|| {
                Error::Decode(crate::DecodeError::new::<A>(
                    method,
                    "Result",
                    "the answer has no token",
                    "",
                ))
            })?;
        client.inner.secrets.keep(token.expose());
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = Some(token);
        tracing::debug!("got a new UserToken");
        Ok(())
    }
}
