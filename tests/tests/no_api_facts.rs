//! No fact about the API in hand-written Rust: the runtime, the mock's engine, the batch crate
//! and the CLI (every crate of the workspace but the generator, the generated crate and the
//! tests, read from `cargo metadata`), and the generator's fixed code (`codegen/src/fixed/`),
//! take element names, method names and the server's words from the spec (through the generated
//! crate), never from a string of their own. A string literal outside tests that holds one fails
//! here, naming the file and the fact, so that a rename in the spec cannot leave a stale copy
//! behind.

use intellectmoney_codegen::ir::Ir;
use intellectmoney_tests::{files_under, root, spec_ir, workspace_metadata};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// What a string may not hold: (a pattern, what it is).
fn facts(ir: &Ir) -> Vec<(regex::Regex, String)> {
    let mut out = Vec::new();
    let word = |w: &str| regex::Regex::new(&format!(r"\b{}\b", regex::escape(w))).unwrap();
    for api in &ir.apis {
        for m in &api.methods {
            out.push((word(&m.wire), format!("the method name `{}`", m.wire)));
        }
        for t in &api.types {
            for f in &t.fields {
                // As an element (`<Code>`, `</Code>`) or a JSON key (`"Code":`).
                // A name of several words (`PayoutOperationId`) also as a whole string.
                let w = regex::escape(&f.wire);
                let words = f.wire.chars().filter(char::is_ascii_uppercase).count();
                let whole = if words >= 2 && f.wire.len() >= 8 {
                    format!("|^{w}$")
                } else {
                    String::new()
                };
                let pattern = format!(r#"</?{w}[\s>/]|"{w}"\s*:{whole}"#);
                out.push((
                    regex::Regex::new(&pattern).unwrap(),
                    format!("the element `{}` of `{}`", f.wire, t.name),
                ));
            }
        }
        for e in &api.enums {
            for v in e.values.iter().filter_map(|v| v.text.as_deref()) {
                out.push((word(v), format!("the words `{v}` of `{}`", e.name)));
            }
        }
    }
    out
}

/// Every string literal of a file outside `#[cfg(test)]` items and attributes (docs included).
#[derive(Default)]
struct Strings(Vec<(usize, String)>);

impl<'a> Visit<'a> for Strings {
    fn visit_lit_str(&mut self, s: &'a syn::LitStr) {
        self.0.push((s.span().start().line, s.value()));
    }
    fn visit_attribute(&mut self, _: &'a syn::Attribute) {}
    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        // Format strings and their arguments (`format!`, `json!`, `tracing::warn!`, …): every
        // string literal among the macro's tokens, whatever the macro's own syntax.
        literals(m.tokens.clone(), &mut self.0);
    }
}

/// Every string literal in `tokens`, at any depth, with its line.
fn literals(tokens: proc_macro2::TokenStream, out: &mut Vec<(usize, String)>) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Group(g) => literals(g.stream(), out),
            proc_macro2::TokenTree::Literal(l) => {
                if let Ok(s) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                    out.push((l.span().start().line, s.value()));
                }
            }
            _ => {}
        }
    }
}

/// `#[test]`, or `#[cfg(test)]` (`cfg(all(test, …))` too, not `cfg(not(test))`).
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let cfg = match &a.meta {
            syn::Meta::List(l) if a.path().is_ident("cfg") => l.tokens.to_string().replace(' ', ""),
            _ => String::new(),
        };
        a.path().is_ident("test") || cfg == "test" || cfg.starts_with("all(test")
    })
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let files = files_under(dir);
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect()
}

/// The `src` folder of every crate of the workspace that is written by hand and is not the
/// generator or the tests.
fn hand_written_sources() -> Vec<PathBuf> {
    let meta = workspace_metadata();
    let not_hand_written = ["intellectmoney", "intellectmoney-codegen", "intellectmoney-tests"];
    let dirs: Vec<PathBuf> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !not_hand_written.contains(&p["name"].as_str().unwrap()))
        .map(|p| {
            Path::new(p["manifest_path"].as_str().unwrap())
                .parent()
                .unwrap()
                .join("src")
        })
        .collect();
    for crate_dir in ["runtime", "mock", "batch", "cli"] {
        assert!(
            dirs.contains(&root().join(crate_dir).join("src")),
            "{crate_dir} is not read: {dirs:?}"
        );
    }
    // The generator's fixed code, copied into the generated crate as it is: written by hand too.
    dirs.into_iter().chain([root().join("codegen/src/fixed")]).collect()
}

#[test]
fn hand_written_rust_holds_no_fact_about_the_api() {
    let ir = spec_ir();
    let facts = facts(&ir);
    assert!(facts.len() > 100, "{} facts", facts.len());
    let mut found = Vec::new();
    let mut strings = 0;
    for dir in hand_written_sources() {
        for path in rust_files(&dir) {
            let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut s = Strings::default();
            s.visit_file(&file);
            strings += s.0.len();
            for (line, text) in &s.0 {
                for (pattern, what) in &facts {
                    if pattern.is_match(text) {
                        let at = path.strip_prefix(root()).unwrap().display();
                        found.push(format!("{at}:{line}: {what} in {text:?}"));
                    }
                }
            }
        }
    }
    assert!(strings > 500, "only {strings} strings read");
    assert!(
        found.is_empty(),
        "{} API facts in hand-written Rust:\n{}",
        found.len(),
        found.join("\n")
    );
}
