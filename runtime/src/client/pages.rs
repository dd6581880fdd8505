//! Paginated methods as streams: one page in memory at a time, the next fetched only when the
//! previous one is used up.

use super::{Client, Error, PagingProblem, Reply};

/// Where paging is: the next request (none after the last page), the pages fetched, and the last
/// page's result, to tell a repeated page.
struct Paging<R: Paginated> {
    request: Option<R>,
    page: usize,
    previous: Option<R::Output>,
}
use crate::api::Api;
use crate::Paginated;
use futures_util::stream::{self, Stream, TryStreamExt};

impl<A: Api> Client<A> {
    /// Every page of a paginated request, from its `Skip` on. A page shorter than `Take` (or an
    /// empty one) is the last. Paging stops with [`Error::Paging`] when a page repeats the one
    /// before it, holds more than `Take` items, or `max_pages` pages were fetched.
    pub fn pages<'a, R: Paginated<Api = A> + 'a>(
        &'a self,
        request: R,
    ) -> impl Stream<Item = Result<Reply<R::Output, A>, Error<A>>> + 'a {
        let start = Paging {
            request: Some(request),
            page: 0,
            previous: None,
        };
        stream::try_unfold(start, move |state| async move {
            let Paging {
                request: Some(mut request),
                page,
                previous,
            } = state
            else {
                return Ok(None);
            };
            let page = page + 1;
            let method = R::METHOD.name;
            if page > self.inner.max_pages {
                let problem = PagingProblem::TooManyPages {
                    limit: self.inner.max_pages,
                };
                return Err(Error::Paging { method, page, problem });
            }
            let reply = self.send(&request).await?;
            let count = R::item_count(&reply.result);
            if let Some(take) = request.page_size().filter(|&take| count as i64 > take) {
                let problem = PagingProblem::PageTooLarge { take, items: count };
                return Err(Error::Paging { method, page, problem });
            }
            if count > 0 && previous.as_ref() == Some(&reply.result) {
                return Err(Error::Paging {
                    method,
                    page,
                    problem: PagingProblem::RepeatedPage,
                });
            }
            let full = request.page_size().is_none_or(|size| count as i64 >= size);
            let next = if count > 0 && full {
                request.set_skip(request.skip() + count as i64)?;
                Some(request)
            } else {
                None
            };
            let previous = next.is_some().then(|| reply.result.clone());
            Ok(Some((
                reply,
                Paging {
                    request: next,
                    page,
                    previous,
                },
            )))
        })
    }

    /// Every item of a paginated request over all its pages.
    pub fn items<'a, R>(&'a self, request: R) -> impl Stream<Item = Result<R::Item, Error<A>>> + 'a
    where
        R: Paginated<Api = A> + 'a,
        R::Item: 'a,
    {
        self.pages(request)
            .map_ok(|reply| stream::iter(R::into_items(reply.result).into_iter().map(Ok)))
            .try_flatten()
    }
}
