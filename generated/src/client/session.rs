//! The UserToken session: the token in use, the credentials that renew it, and one renewal at a
//! time.

use super::{Client, Error};
use crate::personal::GetUserToken;
use crate::runtime::Secret;
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
    pub(crate) async fn ensure(&self, client: &Client) -> Result<(), Error> {
        if self.token().is_none() && self.can_renew() {
            self.renew(client, None).await?;
        }
        Ok(())
    }

    /// Gets a new token, unless another call already replaced `stale` while this one waited.
    pub(crate) async fn renew(&self, client: &Client, stale: Option<&Secret>) -> Result<(), Error> {
        let Some((login, password)) = &self.credentials else {
            return Err(Error::Config("no login and password to get a UserToken with".into()));
        };
        let _guard = self.renewing.lock().await;
        let current = self.token();
        if current.is_some() && current.as_ref() != stale {
            return Ok(());
        }
        let reply = client
            .call(&GetUserToken::new(login.clone(), password.clone()), None)
            .await?;
        let token = reply
            .result
            .user_token
            .filter(|t| !t.expose().is_empty())
            .ok_or_else(|| {
                Error::Decode(crate::runtime::DecodeError {
                    method: "getUserToken",
                    path: "Result.UserToken".into(),
                    message: "the answer has no UserToken".into(),
                    body: String::new(),
                })
            })?;
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = Some(token);
        tracing::debug!("got a new UserToken");
        Ok(())
    }
}
