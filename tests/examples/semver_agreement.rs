//! Checks `diff`'s classification against an independent oracle, cargo-semver-checks, on the
//! crates the generator writes. For every edit of the catalogue (`tests/src/mutations.rs`) the
//! spec is edited, the crate regenerated into a copy, and cargo-semver-checks compares that copy
//! with the unedited crate: an edit `diff` calls breaking must need a new major version, any
//! other edit must not (cargo-semver-checks sees only the Rust API: additive, wire and docs edits
//! all read as "no major change" to it). Edits it is known to miss say so in the catalogue.
//!
//! Not part of `cargo test` (installing cargo-semver-checks takes about 17 minutes here, and a run
//! about 5):
//!
//!     cargo install cargo-semver-checks --locked
//!     cargo run -p intellectmoney-tests --example semver_agreement > codegen/SEMVER_AGREEMENT.md
//!
//! It prints the agreement table as Markdown and exits 1 on an unexplained disagreement.

use intellectmoney_codegen::diff::{self, Class};
use intellectmoney_codegen::{generate, write, Layout};
use intellectmoney_tests::mutations::{Mutation, MUTATIONS};
use intellectmoney_tests::{copy_dir, root};
use std::path::Path;
use std::process::{Command, ExitCode};

/// What cargo-semver-checks says an edit needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Major,
    Minor,
    None,
    /// The edited crate does not build (the hand-written part uses what the edit removed).
    NoBuild,
}

/// The generated crate as a workspace of its own, on the repository's runtime.
fn standalone_crate(to: &Path) {
    copy_dir(&root().join("generated"), to);
    standalone_manifest(to);
}

/// The generated manifest made a workspace of its own (it inherits from the repository's).
fn standalone_manifest(to: &Path) {
    let manifest = to.join("Cargo.toml");
    let runtime = format!("intellectmoney-runtime = {{ path = {:?} }}", root().join("runtime"));
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\nversion.workspace = true", "\nversion = \"0.0.0\"")
        .replace("intellectmoney-runtime = { workspace = true }", &runtime)
        .replace("edition.workspace = true", "edition = \"2021\"")
        .replace("license.workspace = true", "license = \"MIT OR Apache-2.0\"")
        .replace("[lints]\nworkspace = true\n", "");
    // The other inherited keys mean nothing to a crate of its own.
    let text: String = text
        .lines()
        .filter(|l| !l.ends_with(".workspace = true"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&manifest, text + "\n[workspace]\n").unwrap();
}

fn semver_checks(new: &Path, base: &Path, target: &Path) -> (Verdict, String) {
    let out = Command::new("cargo")
        .args([
            "semver-checks",
            "check-release",
            "--release-type",
            "patch",
            "--manifest-path",
        ])
        .arg(new.join("Cargo.toml"))
        .arg("--baseline-root")
        .arg(base)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo semver-checks (cargo install cargo-semver-checks --locked)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let verdict = if text.contains("requires new major version") {
        Verdict::Major
    } else if text.contains("requires new minor version") {
        Verdict::Minor
    } else if text.contains("no semver update required") {
        Verdict::None
    } else {
        Verdict::NoBuild
    };
    let lints: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--- failure ").and_then(|r| r.split(':').next()))
        .collect();
    (verdict, lints.join(", "))
}

/// `diff`'s strongest class for the edit, against a checkout of the unedited spec.
fn diff_class(spec: &Path, dir: &Path) -> Option<Class> {
    let (base, new) = (dir.join("base-checkout"), dir.join("new-checkout"));
    for (checkout, from) in [(&base, root().join("spec")), (&new, spec.to_path_buf())] {
        copy_dir(&from, &checkout.join("spec"));
        std::fs::create_dir_all(checkout.join("generated")).unwrap();
        // The crate's manifest and the workspace's, which holds its version.
        for manifest in ["generated/Cargo.toml", "Cargo.toml"] {
            std::fs::copy(root().join(manifest), checkout.join(manifest)).unwrap();
        }
    }
    let options = diff::Options {
        version_check: false,
        ..diff::Options::new(&new, base.display().to_string())
    };
    let outcome = diff::run(&options).unwrap_or_else(|e| panic!("{e}"));
    outcome.changes.iter().map(|c| c.class).min()
}

struct Row {
    name: &'static str,
    ours: Option<Class>,
    theirs: Verdict,
    lints: String,
    agree: &'static str,
    why: String,
}

fn check(m: &Mutation, base: &Path, target: &Path) -> Row {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec");
    copy_dir(&root().join("spec"), &spec);
    m.apply(&spec);
    let ours = diff_class(&spec, dir.path());
    let new = dir.path().join("crate");
    standalone_crate(&new);
    let layout = Layout {
        spec_dir: spec.clone(),
        spec_display: "spec/".into(),
        out_dir: new.clone(),
    };
    let output = generate(&layout).unwrap_or_else(|d| panic!("{}: {d}", m.name));
    write(&layout, &output).unwrap();
    // The generator wrote its own manifest over the standalone one.
    standalone_manifest(&new);
    let (theirs, lints) = semver_checks(&new, base, target);
    let breaking = ours == Some(Class::Breaking);
    let (agree, why) = match (breaking, theirs, m.semver_checks_misses) {
        (_, Verdict::NoBuild, _) => (
            "no build",
            "the hand-written runtime uses what the edit removed".to_owned(),
        ),
        (true, Verdict::Major, _) | (false, Verdict::None | Verdict::Minor, None) => ("yes", String::new()),
        (true, Verdict::None | Verdict::Minor, Some(why)) => ("known miss", why.to_owned()),
        _ => ("NO", "unexplained".to_owned()),
    };
    Row {
        name: m.name,
        ours,
        theirs,
        lints,
        agree,
        why,
    }
}

fn main() -> ExitCode {
    let work = tempfile::tempdir().unwrap();
    let base = work.path().join("base");
    standalone_crate(&base);
    let target = root().join("target/semver-agreement");
    let mut rows = Vec::new();
    for m in MUTATIONS {
        eprintln!("{} …", m.name);
        rows.push(check(m, &base, &target));
    }
    println!("# `diff` against cargo-semver-checks\n");
    println!(
        "Each edit of `tests/src/mutations.rs` applied to the spec, the crate regenerated, and compared with the \
         unedited one by `cargo semver-checks check-release --release-type patch` ({}). Written by \
         `cargo run -p intellectmoney-tests --example semver_agreement > codegen/SEMVER_AGREEMENT.md`.\n",
        version()
    );
    println!(
        "| edit | `diff` | cargo-semver-checks | its lints | agree | why not |\n| --- | --- | --- | --- | --- | --- |"
    );
    for r in &rows {
        let ours = r.ours.map(Class::name).unwrap_or("none");
        println!(
            "| {} | {ours} | {:?} | {} | {} | {} |",
            r.name, r.theirs, r.lints, r.agree, r.why
        );
    }
    let agreed = rows.iter().filter(|r| r.agree == "yes").count();
    let known = rows.iter().filter(|r| r.agree == "known miss").count();
    let bad = rows.iter().filter(|r| r.agree == "NO" || r.agree == "no build").count();
    println!(
        "\n{agreed} of {} agree; {known} are breaks cargo-semver-checks is known to miss; {bad} unexplained.",
        rows.len()
    );
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn version() -> String {
    Command::new("cargo")
        .args(["semver-checks", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
