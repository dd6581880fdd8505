//! Snapshots of the generator's output: every file rendered from the fixture spec (which uses every
//! feature of the spec format), and that the committed generated crate is what the spec gives.

use intellectmoney_codegen::{generate, Layout};
use intellectmoney_tests::root;

fn render(spec: &str) -> intellectmoney_codegen::Output {
    let layout = Layout {
        spec_dir: root().join(spec),
        spec_display: format!("{spec}/"),
        // Nothing is written: `generate` only renders.
        out_dir: root().join("target/unused"),
    };
    generate(&layout).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn fixture_spec_output() {
    let out = render("tests/fixtures/spec");
    let names: Vec<String> = out.keys().map(|p| p.display().to_string()).collect();
    insta::assert_snapshot!("fixture_files", names.join("\n"));
    for (path, text) in &out {
        let name = format!("fixture__{}", path.display().to_string().replace('/', "__"));
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn generated_crate_is_up_to_date() {
    // `generated/API.md` is the one listing of the API surface; a change of it shows once, in its
    // own diff. Here `cargo test` alone notices a spec edited without regenerating.
    let layout = Layout::repository(&root());
    let out = generate(&layout).unwrap_or_else(|d| panic!("{d}"));
    let stale = intellectmoney_codegen::stale(&layout, &out);
    assert!(
        stale.is_empty(),
        "generated/ is out of date with spec/ ({stale:?}): run `cargo run -p intellectmoney-codegen`"
    );
}
