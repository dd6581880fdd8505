//! A typed client for the IntellectMoney Personal and Payout APIs.
//!
//! Everything under [`api`] is generated from the hand-maintained spec (`spec/*.yaml`) by
//! `intellectmoney-codegen`; [`runtime`] is the small hand-written part that does not vary per
//! method: value codecs, checks, request encoding and signing, decoding.
//!
//! ```
//! use intellectmoney::personal::{GetInvoicesHistory, InvoiceState};
//! use intellectmoney::runtime::{encode, EncodeContext};
//!
//! let request = GetInvoicesHistory::new(10).eshop_id(450063).state(InvoiceState::Paid);
//! let encoded = encode(&request, &EncodeContext { user_token: Some("tok+/="), sign_secret: None }).unwrap();
//! assert_eq!(encoded.body, "UserToken=tok%2B%2F%3D&EshopId=450063&State=2&Take=10");
//! ```

// Formatted by prettyplease when generated; rustfmt would reflow it and make `--check` fail.
#[rustfmt::skip]
pub mod api;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod client;
#[cfg(feature = "mock")]
pub mod mock;
pub mod runtime;

pub use api::*;
pub use client::{
    Client, ClientBuilder, Error, PagingProblem, PayoutOutcome, PollPolicy, RawRequest, Reply, RetryPolicy,
    TransportKind, DEFAULT_BASE_URL, DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_PAGES,
};
pub use runtime::Format;

/// The README's examples, compiled and run as doctests (they use the mock).
#[cfg(all(doctest, feature = "mock"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
