//! The generator as a maintainer runs it: `--help`, and the repository it works on found from the
//! current directory (or `--root`), never from where the binary was built.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_intellectmoney-codegen");

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).current_dir(dir).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A second checkout: the spec and the generated crate's sources.
fn second_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(&repository().join("spec"), &dir.path().join("spec"));
    copy(&repository().join("generated/src"), &dir.path().join("generated/src"));
    std::fs::copy(
        repository().join("generated/API.md"),
        dir.path().join("generated/API.md"),
    )
    .unwrap();
    std::fs::copy(
        repository().join("generated/Cargo.toml"),
        dir.path().join("generated/Cargo.toml"),
    )
    .unwrap();
    dir
}

#[test]
fn help_lists_the_subcommands() {
    let o = run(&repository(), &["--help"]);
    assert!(o.status.success());
    let help = text(&o);
    for sub in ["generate", "check", "diff", "audit", "--root", "--spec", "--out"] {
        assert!(help.contains(sub), "`{sub}` missing from --help:\n{help}");
    }
    let o = run(&repository(), &["diff", "--help"]);
    assert!(text(&o).contains("--fail-on"), "{}", text(&o));
}

#[test]
fn works_on_the_checkout_it_is_run_in() {
    let other = second_checkout();
    let spec_dir = other.path().join("spec");
    // From a subdirectory of the other checkout: its root is found upwards.
    let o = run(&spec_dir, &["check"]);
    assert!(o.status.success(), "{}", text(&o));
    let root = other.path().canonicalize().unwrap();
    assert!(
        text(&o).contains(&root.display().to_string()),
        "the root is not named:\n{}",
        text(&o)
    );

    // A spec edit there makes `check` fail there, naming the stale file, while this repository
    // stays up to date.
    let personal = spec_dir.join("personal.yaml");
    let t = std::fs::read_to_string(&personal).unwrap();
    std::fs::write(
        &personal,
        t.replacen("doc: Paid in full.", "doc: Paid in full; at last.", 1),
    )
    .unwrap();
    let o = run(&spec_dir, &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("stale: generated/src/api/personal/enums.rs"),
        "{}",
        text(&o)
    );
    assert!(run(&repository(), &["check"]).status.success());

    // `--root` picks the checkout from anywhere; `generate` then makes it up to date.
    let elsewhere = tempfile::tempdir().unwrap();
    let root_arg = other.path().display().to_string();
    assert!(run(elsewhere.path(), &["--root", &root_arg, "generate"])
        .status
        .success());
    assert!(run(elsewhere.path(), &["--root", &root_arg, "check"]).status.success());
}

#[test]
fn a_hand_written_file_in_the_generated_crate_fails_check() {
    let other = second_checkout();
    let root_arg = other.path().display().to_string();
    let foreign = other.path().join("generated/src/helpers.rs");
    std::fs::write(&foreign, "pub fn helper() {}\n").unwrap();
    let o = run(other.path(), &["--root", &root_arg, "check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("not written by the generator: generated/src/helpers.rs"),
        "{}",
        text(&o)
    );
    // The generator owns the folder: generating removes it.
    assert!(run(other.path(), &["--root", &root_arg, "generate"]).status.success());
    assert!(!foreign.exists());
    assert!(run(other.path(), &["--root", &root_arg, "check"]).status.success());
}

#[test]
fn outside_any_checkout_it_says_so() {
    let nowhere = tempfile::tempdir().unwrap();
    let o = run(nowhere.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no repository found"), "{}", text(&o));
}

#[test]
fn spec_and_out_point_elsewhere() {
    let other = second_checkout();
    let out = tempfile::tempdir().unwrap();
    let spec = other.path().join("spec").display().to_string();
    let out_arg = out.path().display().to_string();
    let o = run(out.path(), &["--spec", &spec, "--out", &out_arg, "generate"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(out.path().join("src/api/personal/requests.rs").is_file());
    assert!(out.path().join("API.md").is_file());
}
