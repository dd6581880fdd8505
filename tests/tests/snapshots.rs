//! Snapshots of the generator's output: every file rendered from the fixture spec (which uses every
//! feature of the spec format), and the API-surface listing of the real spec.

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
fn real_spec_api_surface() {
    let out = render("spec");
    let listing = &out[std::path::Path::new("API.md")];
    // The committed file is the same text (`--check` guards that too); the snapshot makes a
    // change of the API surface a reviewable diff of its own.
    assert_eq!(
        std::fs::read_to_string(root().join("generated/API.md")).unwrap(),
        *listing
    );
    insta::assert_snapshot!("api_surface", listing);
}
