//! The hand-written runtime of the generated IntellectMoney client: what does not vary per
//! method. The generated crate (`intellectmoney`) stands on it and re-exports what its users
//! meet; this crate names none of its types, and takes what it needs of the API (the envelope,
//! the codes, the secret fields, the token and payout methods) through the traits of [`api`].
//! The mock server's engine (`intellectmoney-mock`) and payout batches with their journal
//! (`intellectmoney-batch`) are crates of their own, standing on this one.
//!
//! The wire format (values, codecs, signing, checks, the decoders, notifications, redaction)
//! is the crate `intellectmoney-wire`, which needs no HTTP client and so compiles beside
//! reqwest; it is re-exported here whole, so its items are this crate's:
//!
//! - values and codecs: [`DateTime`], [`Secret`], [`enc`], [`de`], [`ser`], [`json`], [`check`];
//! - requests: [`encode`] (parameters in spec order, the body and the `Sign` header) and the
//!   decoders ([`decode_xml`], [`decode_json`]);
//! - [`client`]: transport, session, retries, errors, pagination and the payout flow;
//! - behind features (documented on docs.rs, which builds them all): `blocking`, the blocking
//!   client's engine; `cli`, the command line's value parsers
//!   and output.
// docs.rs (nightly, `--cfg docsrs`) marks each item a feature gates with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!("intellectmoney needs a TLS backend: the feature `rustls` (the default) or `native-tls`");

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "cli")]
pub mod cli;
pub mod client;

pub use intellectmoney_wire::*;
