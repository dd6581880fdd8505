//! Helpers shared by the tests: where the spec and its examples are.

pub mod big;
pub mod capture;
pub mod mutations;
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

/// Copies a directory tree.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The spec's IR (names, types, methods), for tests whose lists and counts follow the spec.
pub fn spec_ir() -> intellectmoney_codegen::ir::Ir {
    intellectmoney_codegen::build_ir(&intellectmoney_codegen::Layout::repository(&root()))
        .unwrap_or_else(|d| panic!("{d}"))
}
