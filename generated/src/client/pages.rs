//! Paginated methods as streams: one page in memory at a time, the next fetched only when the
//! previous one is used up.

use super::{Client, Error, Reply};
use crate::runtime::Paginated;
use futures_util::stream::{self, Stream, TryStreamExt};

impl Client {
    /// Every page of a paginated request, from its `Skip` on. A page shorter than `Take` (or an
    /// empty one) is the last.
    pub fn pages<'a, R: Paginated + 'a>(
        &'a self,
        request: R,
    ) -> impl Stream<Item = Result<Reply<R::Output>, Error>> + 'a {
        stream::try_unfold(Some(request), move |next| async move {
            let Some(mut request) = next else {
                return Ok(None);
            };
            let reply = self.send(&request).await?;
            let count = R::item_count(&reply.result);
            let full = request.page_size().is_none_or(|size| count as i64 >= size);
            let next = if count > 0 && full {
                request.set_skip(request.skip() + count as i64)?;
                Some(request)
            } else {
                None
            };
            Ok(Some((reply, next)))
        })
    }

    /// Every item of a paginated request over all its pages.
    pub fn items<'a, R>(&'a self, request: R) -> impl Stream<Item = Result<R::Item, Error>> + 'a
    where
        R: Paginated + 'a,
        R::Item: 'a,
    {
        self.pages(request)
            .map_ok(|reply| stream::iter(R::into_items(reply.result).into_iter().map(Ok)))
            .try_flatten()
    }
}
