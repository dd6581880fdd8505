//! `src/lib.rs`: the crate's front page and its public names. The generated API is the `api`
//! module; the client is the runtime's, wrapped so that the generated methods can be added to
//! it, and the runtime's generic types are named for this API (`Error`, `Reply<T>`, …).

use super::gates::Gates;
use super::ident;
use super::roles::MARKER;
use crate::ir::Ir;
use proc_macro2::TokenStream;
use quote::quote;

/// `src/lib.rs`: the front page and the modules. Only lines that rustfmt leaves as they are:
/// `cargo fmt` formats a crate's root, and the `#[rustfmt::skip]` modules hold the rest.
pub fn emit(ir: &Ir) -> TokenStream {
    let marker = ident(MARKER);
    let titles: Vec<String> = ir
        .apis
        .iter()
        .filter(|a| !a.methods.is_empty())
        .map(|a| format!("- [`{}`]: {}", a.module, a.title))
        .collect();
    let front = front_page(&titles, &next_steps(ir), &api_features(ir));
    let gates = Gates::new(ir);
    // The payout flow's methods on the client stand on the payout roles (a fixed file).
    let payout_mod = ir.roles.payout.as_ref().map(|p| {
        let gate = gates.api(&p.execute.0);
        quote! {
            #gate
            #[rustfmt::skip]
            mod client_payout;
        }
    });
    let api_features = gates.features().iter();
    quote! {
        #front
        #[rustfmt::skip]
        pub mod api;
        #[cfg(feature = "blocking")]
        #[rustfmt::skip]
        pub mod blocking;
        #[cfg(feature = "cli")]
        #[rustfmt::skip]
        pub mod cli;
        #[rustfmt::skip]
        mod client;
        #[rustfmt::skip]
        mod client_core;
        #payout_mod
        #[rustfmt::skip]
        mod marker;
        #[cfg(feature = "mock")]
        #[rustfmt::skip]
        pub mod mock;
        #[rustfmt::skip]
        mod roles;
        // In the order rustfmt sorts them.
        pub use api::*;
        pub use client::*;
        pub use client_core::Client;
        /// Payout batches that survive crashes (the `intellectmoney-batch` crate, feature
        /// `batch`): a journal per key and [`batch::pay_once`], which pays each key at most once.
        #[cfg(feature = "batch")]
        pub use intellectmoney_batch as batch;
        /// Result-URL notifications received once (the `intellectmoney-receiver` crate, feature
        /// `receiver`): verified, recorded before `OK`, handed to the shop's handler once per
        /// invoice and state, in order.
        #[cfg(feature = "receiver")]
        pub use intellectmoney_receiver as receiver;
        /// The hand-written runtime the generated code stands on (the `intellectmoney-runtime`
        /// crate): codecs, checks, encoding and signing, decoding, the client's engine.
        pub use intellectmoney_runtime as runtime;
        pub use marker::#marker;
        /// The README's examples, compiled and run as doctests (they use the mock and every API).
        #[cfg(all(doctest, feature = "mock" #(, feature = #api_features)*))]
        #[doc = include_str!("../../README.md")]
        pub struct ReadmeDoctests;
    }
}

/// `src/client.rs`: the client, the runtime's generic types named for this API and the
/// blocking client.
pub fn emit_client(ir: &Ir) -> TokenStream {
    let marker = ident(MARKER);
    let payout = ir.roles.payout.as_ref().map(|p| {
        let gate = Gates::new(ir).api(&p.execute.0);
        quote! {
            #gate
            /// How a payout ended ([`runtime::client::Client::payout`]).
            pub type PayoutOutcome =
                runtime::client::PayoutOutcome<<#marker as runtime::PayoutApi>::State>;
        }
    });
    let each = for_each_method(ir);
    quote! {
        //! The client and the names of the runtime's generic types for this API (generated).
        use crate::{runtime, #marker};
        pub use runtime::client::{
            AttemptFailure, PagingProblem, PollPolicy, RawRequest, RetryDecision, RetryPolicy, TransportKind,
            DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE,
            DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_ITEMS, DEFAULT_MAX_PAGES, DEFAULT_MAX_RETRIES,
            DEFAULT_MAX_RETRY_DELAY, DEFAULT_MIN_RETRY_DELAY,
        };
        pub use runtime::Format;

        /// `intellectmoney/<version>`, sent as `User-Agent`.
        pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));


        /// Configures a [`Client`](crate::Client).
        pub type ClientBuilder = runtime::client::ClientBuilder<#marker>;
        /// Everything that can go wrong with a call ([`runtime::client::Error`]).
        pub type Error = runtime::client::Error<#marker>;
        /// A successful answer: the method's result and what the envelope said around it.
        pub type Reply<T> = runtime::client::Reply<T, #marker>;
        #payout
        #each
    }
}

/// `for_each_method!`: the request type of every method, for code that covers them all (the
/// tests, the fuzz targets) without a list of its own.
fn for_each_method(ir: &Ir) -> TokenStream {
    let gates = Gates::new(ir);
    let features: Vec<&String> = gates.features().iter().collect();
    // One definition per combination of the API features, each listing the methods compiled
    // with it (a macro's expansion cannot be gated item by item).
    (0..1usize << features.len())
        .map(|set| {
            let on = |f: &String| {
                features
                    .iter()
                    .position(|g| *g == f)
                    .is_some_and(|i| set & (1 << i) != 0)
            };
            let methods: Vec<TokenStream> = ir
                .apis
                .iter()
                .flat_map(|a| a.methods.iter().map(move |m| (a, m)))
                .filter(|(a, m)| {
                    gates.condition(&gates.method_gate(ir, a, m)).is_none()
                        || gates.method_gate(ir, a, m).iter().any(on)
                })
                .map(|(a, m)| {
                    let (module, name) = (ident(&a.module), ident(&m.rust));
                    quote!($crate::#module::#name)
                })
                .collect();
            let conditions = features.iter().map(|f| match on(f) {
                true => quote!(feature = #f),
                false => quote!(not(feature = #f)),
            });
            let gate = match features.is_empty() {
                true => TokenStream::new(),
                false => quote!(#[cfg(all(#(#conditions),*))]),
            };
            for_each_method_macro(&gate, &methods)
        })
        .collect()
}

/// One definition of `for_each_method!`.
fn for_each_method_macro(gate: &TokenStream, methods: &[TokenStream]) -> TokenStream {
    quote! {
        /// Calls `callback!` once with the request type of every spec method, API by API in spec
        /// order (the deprecated ones too), separated by commas: for code that must cover every
        /// method (tests, fuzz targets) without keeping a list of its own.
        ///
        /// ```
        /// macro_rules! count { ($($method:path),*) => { [$(stringify!($method)),*].len() } }
        /// assert!(intellectmoney::for_each_method!(count) > 0);
        /// ```
        #gate
        #[macro_export]
        macro_rules! for_each_method {
            ($callback:ident) => {
                $callback! { #(#methods),* }
            };
        }
    }
}

/// The front page's sentence on the API features (`emit::gates`), empty without them.
fn api_features(ir: &Ir) -> String {
    let gates = Gates::new(ir);
    let names: Vec<String> = gates.features().iter().map(|f| format!("`{f}`")).collect();
    let Some(example) = gates.features().iter().next() else {
        return String::new();
    };
    format!(
        "{} (all on by default): one per API, each its methods and the types only they use, so that a user of one API compiles only its part (`default-features = false, features = [\"{example}\", \"rustls\"]`); the token method and the envelope are always there. ",
        names.join(", ")
    )
}

fn front_page(titles: &[String], next: &[String], api_features: &str) -> TokenStream {
    let text = format!(
        "A typed client for the IntellectMoney APIs, generated from a hand-maintained spec:\n\n{}\n\n\
         # A first call\n\n\
         Build a [`Client`] with [`Client::builder`]; it has one method per spec method \
         (`client.get_invoices_history(..)`), each taking the method's request type (`new(..)` with \
         the required parameters, a setter for each other one), and the runtime's methods that are \
         the same for every method ([`runtime::client::Client`]: pagination, the payout flow, raw \
         requests). Errors are [`Error`].\n\n\
         ```no_run\n\
         # async fn run() -> Result<(), intellectmoney::Error> {{\n\
         let client = intellectmoney::Client::builder()\n    .credentials(\"login\", \"password\")\n    .build()?;\n\
         client.login().await?;\n\
         # Ok(()) }}\n\
         ```\n\n\
         # Where to go next\n\n{}\n\n\
         # Features\n\n{}\
         `rustls` (default) or `native-tls` for TLS; `mock`, a mock IntellectMoney for tests; \
         `batch`, payout batches with a journal on disk; `blocking`, a blocking client; `pkcs12`, \
         TLS client identities in PKCS#12; `cli`, the command line's subcommands; `xml-serde`, the \
         serde reference of the XML decoders.\n\n\
         Everything under [`api`] is generated from the spec by `intellectmoney-codegen`; \
         [`runtime`] is the hand-written part that does not vary per method.",
        titles.join("\n"),
        next.join("\n"),
        api_features
    );
    // Written as it is (not through `doc_attrs`, which escapes brackets): the links are ours.
    let lines = text
        .lines()
        .map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! {
        #( #![doc = #lines] )*
        // docs.rs (nightly, `--cfg docsrs`) marks each item a feature gates with its feature.
        #![cfg_attr(docsrs, feature(doc_cfg))]
    }
}

/// The front page's pointers, each from what the spec has: a paged method, versions, a
/// notification.
fn next_steps(ir: &Ir) -> Vec<String> {
    use heck::ToSnakeCase;
    let mut out = Vec::new();
    if let Some(m) = ir.apis.iter().flat_map(|a| &a.methods).find(|m| m.pagination.is_some()) {
        let name = m.wire.to_snake_case();
        out.push(format!(
            "- Every page of a list: `client.{name}_items(..)` (a stream of items), or `{name}_pages` (of pages)."
        ));
    }
    out.push(
        "- A payout, created once, executed at most once, polled to its end: [`runtime::client::Client::payout`]."
            .into(),
    );
    for a in &ir.apis {
        if let Some(v) = a.versions.iter().find(|v| v.default) {
            out.push(format!(
                "- The {} has {} published versions that sign differently: a client signs for one, `{}::{}::{}` unless [`ClientBuilder::api_version`] says otherwise.",
                a.title,
                a.versions.len(),
                a.module,
                crate::ir::VERSION_TYPE,
                v.rust
            ));
        }
    }
    out.push(
        "- Payouts from a file, each key paid at most once across crashes: `batch::pay_once` (feature `batch`).".into(),
    );
    out.push("- Tests without an account: `mock::MockServer` (feature `mock`), which checks each request as the real API does, pages data sets of records and plays scripted payout outcomes.".into());
    for a in &ir.apis {
        if let Some(n) = &a.notification {
            out.push(format!(
                "- A notification the API sends (Result URL): `{}::{}::verify`.",
                a.module, n.name
            ));
        }
    }
    out
}

/// `src/mock.rs` (feature `mock`): the mock's engine with this API's method tables and
/// envelope, in a file of its own so that the client and the API do not reach it.
pub fn emit_mock(ir: &Ir) -> TokenStream {
    let marker = ident(MARKER);
    let mock_api = super::mock::mock_api(ir, &marker);
    quote! {
        //! A mock IntellectMoney for tests (feature `mock`): a server on a loopback port that
        //! answers every spec method with the spec's examples, checks what it receives the way
        //! the real API does, and lets payouts move through their states. The engine
        //! (`intellectmoney-mock`) with this API's method tables and envelope.
        //!
        //! ```no_run
        //! let mock = intellectmoney::mock::MockServer::start();
        //! let client = intellectmoney::Client::builder().base_url(mock.url()).user_token("t").build().unwrap();
        //! ```
        pub use intellectmoney_mock::*;
        /// A running mock of this API. Stops when dropped.
        pub type MockServer = intellectmoney_mock::MockServer<crate::#marker>;
        /// Configures a [`MockServer`].
        pub type MockBuilder = intellectmoney_mock::MockBuilder<crate::#marker>;
        #mock_api
    }
}
