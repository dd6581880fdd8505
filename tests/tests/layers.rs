//! The layers point one way: every crate depends only on the crates below it (read from `cargo
//! metadata`), `generated/` holds only what the generator writes, the generated API does not
//! name the mock, and the generator is made of small functions.

use intellectmoney_tests::{files_under, root, workspace_metadata};
use syn::visit::Visit;

/// Each crate of the workspace and the workspace crates it may depend on (normal dependencies;
/// tests and benchmarks may use anything). A crate not listed fails the test: place it first.
const WALLS: &[(&str, &[&str])] = &[
    ("intellectmoney-runtime", &[]),
    ("intellectmoney-mock", &["intellectmoney-runtime"]),
    ("intellectmoney-batch", &["intellectmoney-runtime"]),
    ("intellectmoney-receiver", &["intellectmoney-runtime"]),
    (
        "intellectmoney",
        &[
            "intellectmoney-runtime",
            "intellectmoney-mock",
            "intellectmoney-batch",
            "intellectmoney-receiver",
        ],
    ),
    ("intellectmoney-cli", &["intellectmoney"]),
    ("intellectmoney-codegen", &[]),
    ("intellectmoney-tests", &["intellectmoney", "intellectmoney-codegen"]),
];

#[test]
fn every_crate_depends_only_on_the_crates_below_it() {
    let meta = workspace_metadata();
    let packages = meta["packages"].as_array().unwrap();
    let ours: Vec<&str> = packages.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let mut walls_broken = Vec::new();
    for p in packages {
        let name = p["name"].as_str().unwrap();
        let allowed = WALLS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("crate {name} is not placed in WALLS"))
            .1;
        for d in p["dependencies"].as_array().unwrap() {
            let dep = d["name"].as_str().unwrap();
            let normal = d["kind"].is_null();
            if normal && ours.contains(&dep) && !allowed.contains(&dep) {
                walls_broken.push(format!("{name} depends on {dep}"));
            }
        }
    }
    assert!(walls_broken.is_empty(), "{walls_broken:#?}");
    // Every crate placed exists: the table says what the workspace is.
    for (name, _) in WALLS {
        assert!(
            ours.contains(name),
            "WALLS names {name}, which the workspace does not have"
        );
    }
}

#[test]
fn every_file_of_the_generated_crate_is_the_generators() {
    let dir = root().join("generated");
    for path in files_under(&dir) {
        let name = path.file_name().unwrap().to_str().unwrap();
        // Licence texts are copied as they are: a header would change them.
        if name.starts_with("LICENSE-") {
            let original = std::fs::read_to_string(root().join(name)).unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), original, "{name}");
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let marked = ["// @generated ", "# @generated ", "<!-- @generated "]
            .iter()
            .any(|m| first.starts_with(m));
        assert!(marked, "{} has no generated header: {first}", path.display());
    }
}

/// Whether `pattern` (a `.gitattributes` path: a file, `dir/**`, or `dir/*.ext`) matches a file.
fn matches_a_file(pattern: &str) -> bool {
    let path = root().join(pattern);
    if let Some(dir) = pattern.strip_suffix("/**") {
        return !files_under(&root().join(dir)).is_empty();
    }
    match pattern.rsplit_once("/*") {
        Some((dir, ending)) => files_under(&root().join(dir))
            .iter()
            .any(|f| f.to_string_lossy().ends_with(ending)),
        None => path.is_file(),
    }
}

#[test]
fn every_path_of_gitattributes_names_files_that_exist() {
    let text = std::fs::read_to_string(root().join(".gitattributes")).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert!(lines.iter().any(|l| l.starts_with("generated/src/** ")), "{lines:?}");
    for line in lines {
        let mut words = line.split_whitespace();
        let pattern = words.next().unwrap();
        assert!(words.next().is_some(), "`{line}` sets no attribute");
        assert!(matches_a_file(pattern), "`{pattern}` in .gitattributes matches no file");
    }
}

#[test]
fn the_generated_api_and_the_client_do_not_name_the_mock() {
    let api = root().join("generated/src/api");
    for path in files_under(&api) {
        if path.file_name().unwrap() == "mock.rs" {
            // The mock's tables: they name the mock's engine only.
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(!text.contains("crate::mock"), "{}", path.display());
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Each API's `mod.rs` declares its tables (`#[cfg(feature = "mock")] mod mock;`).
        let code: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .filter(|l| !l.contains("mod mock;") && !l.contains("feature = \"mock\""))
            .collect();
        assert!(
            !code.iter().any(|l| l.contains("mock")),
            "{} names the mock",
            path.display()
        );
    }
    // The client cannot name the mock: the runtime does not depend on it (WALLS).
}

/// Every function and method of the generator, with its length in lines.
struct Lengths(Vec<(String, usize)>);

impl<'a> Visit<'a> for Lengths {
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        let span = f.block.brace_token.span.join();
        let lines = span.end().line - f.sig.fn_token.span.start().line + 1;
        self.0.push((f.sig.ident.to_string(), lines));
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        let span = f.block.brace_token.span.join();
        let lines = span.end().line - f.sig.fn_token.span.start().line + 1;
        self.0.push((f.sig.ident.to_string(), lines));
        syn::visit::visit_impl_item_fn(self, f);
    }
}

#[test]
fn the_generators_functions_are_small() {
    const LIMIT: usize = 80;
    let mut long = Vec::new();
    let mut count = 0;
    for path in files_under(&root().join("codegen/src")) {
        let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut lengths = Lengths(Vec::new());
        lengths.visit_file(&file);
        count += lengths.0.len();
        for (name, lines) in lengths.0 {
            if lines > LIMIT {
                long.push(format!("{}: {name} ({lines} lines)", path.display()));
            }
        }
    }
    assert!(count > 100, "only {count} functions found: the walk is broken");
    assert!(long.is_empty(), "longer than {LIMIT} lines:\n{}", long.join("\n"));
}

#[test]
fn the_generated_docs_link_the_runtimes_defaults_instead_of_restating_them() {
    // One source: a figure written into the generated docs could drift from the constant that
    // sets it; a link to the constant cannot.
    let restated =
        regex::Regex::new(r"(?i)\d+ ?(s|ms) (to connect|per attempt|apart)|\b(one|two|three|\d) retries").unwrap();
    for path in files_under(&root().join("generated/src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines().filter(|l| l.trim_start().starts_with("//")) {
            assert!(!restated.is_match(line), "{}: {line}", path.display());
        }
    }
    // `Client::builder`'s docs (fixed code, copied from codegen/src/fixed/client_core.rs).
    let client = std::fs::read_to_string(root().join("generated/src/client_core.rs")).unwrap();
    for constant in [
        "DEFAULT_CONNECT_TIMEOUT",
        "DEFAULT_ATTEMPT_TIMEOUT",
        "DEFAULT_MAX_RETRIES",
    ] {
        let link = format!("[`{constant}`](crate::{constant})");
        assert!(client.contains(&link), "{constant} is not linked");
    }
}
