//! The engine of the command-line front end (feature `cli`): values as a user types them, and
//! what a call prints. The generated crate's `cli` module (one clap subcommand per spec method)
//! stands on it; the `intellectmoney` binary adds the options every call shares.

pub mod parse;

mod output;

pub use output::{all_items, one, Output};
