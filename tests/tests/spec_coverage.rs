//! Every method of the spec is tested, whatever the spec holds: it has a wiki example (a request
//! and an answer that the example tests decode), a wire test (its typed request in
//! `tests/src/wiki.rs`, which the request and client tests encode, send and compare byte for
//! byte), and, when it is signed, a golden `Sign` vector (`tests/golden/sign.tsv`, written by
//! `scripts/sign-vectors.py` from the template and the example, not by this code). A method added
//! to the spec without them fails here, by name.

use intellectmoney::runtime::ApiRequest;
use intellectmoney_codegen::{build_ir, Layout};
use intellectmoney_tests::root;
use intellectmoney_tests::wiki::{self, Visitor};
use std::collections::BTreeSet;

/// `api::method` of every typed wiki request.
#[derive(Default)]
struct Names(BTreeSet<String>);

impl Visitor for Names {
    fn visit<R>(&mut self, api: &str, _token: Option<&'static str>, _request: R)
    where
        R: ApiRequest<Api = intellectmoney::IntellectMoney> + Send + Sync,
        R::Output: PartialEq + std::fmt::Debug,
    {
        self.0.insert(format!("{api}::{}", R::METHOD.name));
    }
}

/// `method version` of every golden vector (`-`: every version).
fn golden_methods() -> BTreeSet<String> {
    std::fs::read_to_string(root().join("tests/golden/sign.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn every_spec_method_has_an_example_a_wire_test_and_a_golden_vector() {
    let ir = build_ir(&Layout::repository(&root())).unwrap_or_else(|d| panic!("{d}"));
    let mut wire = Names::default();
    wiki::personal_requests(&mut wire);
    wiki::payout_requests(&mut wire);
    let golden = golden_methods();
    let mut missing = Vec::new();
    let mut methods = 0;
    for api in &ir.apis {
        for m in &api.methods {
            methods += 1;
            let name = format!("{}::{}", api.module, m.wire);
            let answered = m.examples.iter().any(|e| e.xml.is_some() || e.json.is_some());
            let requested = m.examples.iter().any(|e| e.request.is_some());
            if !answered || !requested {
                missing.push(format!(
                    "{name}: no wiki example with a request and an answer (spec `examples:`)"
                ));
            }
            if !wire.0.contains(&name) {
                missing.push(format!("{name}: no wire test (its typed request in tests/src/wiki.rs)"));
            }
            for (version, _, _) in m.sign.iter().flat_map(|s| s.by_version()) {
                let version = version.or(m.version.as_deref()).unwrap_or("-");
                if !golden.contains(&format!("{} {version}", m.wire)) {
                    missing.push(format!(
                        "{name}: signed for version `{version}`, but no golden Sign vector (run `python3 scripts/sign-vectors.py`)"
                    ));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(methods > 0);
    // And nothing is tested that the spec no longer has.
    assert_eq!(
        wire.0.len(),
        methods,
        "wire tests of methods the spec lacks: {:?}",
        wire.0
    );
}

#[test]
fn the_golden_vectors_are_the_scripts_output() {
    // The script is the only writer of the file: a vector edited by hand, or a spec change
    // without rerunning it, fails here.
    let o = std::process::Command::new("python3")
        .arg(root().join("scripts/sign-vectors.py"))
        .arg("--check")
        .output()
        .expect("python3 (with PyYAML: `pip install pyyaml`) runs scripts/sign-vectors.py");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
