//! Helpers shared by the tests: where the spec and its examples are.

pub mod big;
pub mod capture;
pub mod server;
pub mod tls;
pub mod wiki;

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .to_path_buf()
}

/// The text of an example file, relative to `spec/examples/`.
pub fn example(path: &str) -> String {
    let p = root().join("spec/examples").join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}
