//! Paginated methods as streams: one page in memory at a time, the next fetched only when the
//! previous one is used up; or, with a prefetch, a few pages requested ahead, used in order.

use super::{Client, Error, PagingProblem, Reply};

use crate::api::Api;
use crate::Paginated;
use futures_util::future::{ready, Either};
use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

impl<A: Api> Client<A> {
    /// Every page of a paginated request, from its `Skip` on. A page shorter than `Take` (or an
    /// empty one) is the last. Paging stops with [`Error::Paging`] when a page repeats the one
    /// before it, holds more than `Take` items, or `max_pages` pages were fetched.
    pub fn pages<'a, R: Paginated<Api = A> + 'a>(
        &'a self,
        request: R,
    ) -> impl Stream<Item = Result<Reply<R::Output, A>, Error<A>>> + 'a {
        let check = PageCheck::<R>::new(request.page_size());
        stream::unfold((Some(request), check), move |(request, mut check)| async move {
            // No request after the last page.
            let mut request = request?;
            let fetched = match self.too_many_pages::<R>(check.page + 1) {
                Some(e) => Err(e),
                None => self.send(&request).await,
            };
            let count = fetched.as_ref().map_or(0, |reply| R::item_count(&reply.result));
            let out = check.next(fetched)?;
            if check.done {
                return Some((out, (None, check)));
            }
            // The next page starts after the items of this one.
            match request.set_skip(request.skip() + count as i64) {
                Ok(()) => Some((out, (Some(request), check))),
                Err(e) => Some((Err(e.into()), (None, check))),
            }
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

    /// The error for fetching page `page` (from 1), when it is past `max_pages`.
    fn too_many_pages<R: Paginated<Api = A>>(&self, page: usize) -> Option<Error<A>> {
        let limit = self.inner.max_pages;
        (page > limit).then(|| Error::Paging {
            method: R::METHOD.name,
            page,
            problem: PagingProblem::TooManyPages { limit },
        })
    }

    /// [`Self::pages`], with up to `ahead` pages requested at once: while one page is used, the
    /// next ones are on their way (an export over a slow network goes about `ahead` times as
    /// fast). Pages come in order, with the same checks; the client's `max_connections` still
    /// bounds the requests in flight. Page `k` is asked for at `Skip` + `k` × `Take`, as if every
    /// page before it were full: once a short page arrives, no further page is requested, and
    /// the answers already on their way are dropped, never yielded. Memory holds at most
    /// `ahead` pages. Without `Take`, or with `ahead` ≤ 1, this is [`Self::pages`].
    pub fn pages_prefetch<'a, R: Paginated<Api = A> + 'a>(
        &'a self,
        request: R,
        ahead: usize,
    ) -> impl Stream<Item = Result<Reply<R::Output, A>, Error<A>>> + 'a {
        let Some(take) = request.page_size().filter(|&take| take > 0 && ahead > 1) else {
            return Either::Left(self.pages(request));
        };
        let ended = Arc::new(AtomicBool::new(false));
        let fetches = Box::pin(self.page_fetches(request, take, ended.clone()).buffered(ahead));
        let check = PageCheck::<R>::new(Some(take));
        let paging = stream::unfold((fetches, check, ended), |(mut fetches, mut check, ended)| async move {
            // Ended: not even a page on its way is waited for (it is dropped with the stream).
            if check.done {
                return None;
            }
            let out = check.next(fetches.next().await?)?;
            if check.done {
                ended.store(true, Ordering::SeqCst);
            }
            Some((out, (fetches, check, ended)))
        });
        Either::Right(paging)
    }

    /// Every item of a paginated request over all its pages, fetched `ahead` pages at a time
    /// (see [`Self::pages_prefetch`]).
    pub fn items_prefetch<'a, R>(
        &'a self,
        request: R,
        ahead: usize,
    ) -> impl Stream<Item = Result<R::Item, Error<A>>> + 'a
    where
        R: Paginated<Api = A> + 'a,
        R::Item: 'a,
    {
        self.pages_prefetch(request, ahead)
            .map_ok(|reply| stream::iter(R::into_items(reply.result).into_iter().map(Ok)))
            .try_flatten()
    }

    /// The requests of pages 1, 2, … (each at its own `Skip`), until `ended`; the page past
    /// `max_pages` is an error, not a request.
    fn page_fetches<'a, R: Paginated<Api = A> + 'a>(
        &'a self,
        request: R,
        take: i64,
        ended: Arc<AtomicBool>,
    ) -> impl Stream<Item = impl std::future::Future<Output = Result<Reply<R::Output, A>, Error<A>>> + 'a> + 'a {
        let start = request.skip();
        stream::iter(0..)
            .take_while(move |_| ready(!ended.load(Ordering::SeqCst)))
            .map(move |index: usize| {
                let mut page = request.clone();
                async move {
                    if let Some(e) = self.too_many_pages::<R>(index + 1) {
                        return Err(e);
                    }
                    page.set_skip(start + take * index as i64)?;
                    self.send(&page).await
                }
            })
    }
}

/// One page as fetched: its reply, or why there is none.
type PageResult<R, A> = Result<Reply<<R as crate::ApiRequest>::Output, A>, Error<A>>;

/// The checks on pages that arrive in order (the page's size, a repeated page), and where the
/// stream ends: at an error, or after a short or empty page.
struct PageCheck<R: Paginated> {
    /// `Take`, when the request has one.
    take: Option<i64>,
    /// Pages seen.
    page: usize,
    /// The last page, to tell a repeated one.
    previous: Option<R::Output>,
    done: bool,
}

impl<R: Paginated> PageCheck<R> {
    fn new(take: Option<i64>) -> Self {
        PageCheck {
            take,
            page: 0,
            previous: None,
            done: false,
        }
    }

    /// What to yield for the next page: `None` once the stream has ended.
    fn next<A: Api>(&mut self, fetched: PageResult<R, A>) -> Option<PageResult<R, A>> {
        if self.done {
            return None;
        }
        self.page += 1;
        let (method, page) = (R::METHOD.name, self.page);
        let problem = match fetched {
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
            Ok(reply) => {
                let count = R::item_count(&reply.result);
                if let Some(take) = self.take.filter(|&take| count as i64 > take) {
                    PagingProblem::PageTooLarge { take, items: count }
                } else if count > 0 && self.previous.as_ref() == Some(&reply.result) {
                    PagingProblem::RepeatedPage
                } else {
                    // A short (or empty) page is the last.
                    self.done = count == 0 || self.take.is_some_and(|take| (count as i64) < take);
                    self.previous = (!self.done).then(|| reply.result.clone());
                    return Some(Ok(reply));
                }
            }
        };
        self.done = true;
        Some(Err(Error::Paging { method, page, problem }))
    }
}
