//! The maintainer's loop on a copy of the repository: a breaking spec edit, regenerated, then
//! `diff --bump` and `diff --changelog`. The version lands in every place Cargo needs it (the
//! workspace still resolves with `--locked`), and every file the loop changed is one the
//! README's step 8 says to commit.

use intellectmoney_codegen::diff;
use intellectmoney_codegen::Layout;
use intellectmoney_tests::mutations::{Expect, MUTATIONS};
use intellectmoney_tests::root;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Copies the repository's sources (not `target/`, not `.git/`).
fn copy_sources(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let target = to.join(&name);
        if e.file_type().unwrap().is_dir() {
            copy_sources(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Files under `dir`, relative to it.
fn files(dir: &Path, under: &Path, out: &mut BTreeSet<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_name() == "target" || e.file_name() == ".git" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            files(&e.path(), under, out);
        } else {
            out.insert(e.path().strip_prefix(under).unwrap().to_path_buf());
        }
    }
}

/// The paths the README's step 8 names (in backticks, ending in `/` for a folder).
fn to_commit() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let step = readme
        .split("8. **Pull request**")
        .nth(1)
        .expect("step 8")
        .split("`.github/")
        .next()
        .unwrap()
        .to_owned();
    step.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// This machine's target triple, as rustc reports it.
fn host() -> String {
    let out = std::process::Command::new("rustc").arg("-vV").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV: host");
    line.to_owned()
}

fn diff(repo: &Path, base: &Path, bump: bool, changelog: bool) -> diff::Outcome {
    let options = diff::Options {
        changelog,
        bump,
        ..diff::Options::new(repo, base.display().to_string())
    };
    diff::run(&options).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_bump_writes_every_place_and_the_readme_lists_every_file_to_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (base, repo) = (dir.path().join("base"), dir.path().join("repo"));
    copy_sources(&root(), &base);
    copy_sources(&root(), &repo);
    let m = MUTATIONS.iter().find(|m| m.class == Expect::Breaking).unwrap();
    m.apply(&repo.join("spec"));
    let layout = Layout::repository(&repo);
    intellectmoney_codegen::write(&layout, &intellectmoney_codegen::generate(&layout).unwrap()).unwrap();

    let failed = diff(&repo, &base, false, false);
    assert!(!failed.version.ok, "a breaking change needs a bump");
    let bumped = diff(&repo, &base, true, false);
    assert!(bumped.failures.is_empty(), "{:?}", bumped.failures);
    let to = bumped.version.current.to_string();
    assert_ne!(Some(bumped.version.current), failed.version.base, "{to}");

    // Every place holds the new version; Cargo resolves the workspace from its lock, unchanged.
    let manifest = std::fs::read_to_string(repo.join("Cargo.toml")).unwrap();
    // The workspace's own, and one per published crate in [workspace.dependencies].
    let places = 1 + intellectmoney_codegen::diff::bump::PUBLISHED.len();
    assert_eq!(
        manifest.matches(&format!("version = \"{to}\"")).count(),
        places,
        "{manifest}"
    );
    for lock in ["Cargo.lock", "fuzz/Cargo.lock"] {
        let text = std::fs::read_to_string(repo.join(lock)).unwrap();
        assert!(
            text.contains(&format!("name = \"intellectmoney\"\nversion = \"{to}\"")),
            "{lock}"
        );
    }
    let locked = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            // Only this machine's platform: the others' sources are not downloaded here.
            "--filter-platform",
            &host(),
            "--manifest-path",
        ])
        .arg(repo.join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(locked.status.success(), "{}", String::from_utf8_lossy(&locked.stderr));

    // The changelog's section, against the base (the last release here).
    let written = diff(&repo, &base, false, true);
    assert!(written.failures.is_empty(), "{:?}", written.failures);
    assert!(std::fs::read_to_string(repo.join("CHANGELOG.md"))
        .unwrap()
        .contains(&format!("## [{to}] - ")));

    // Every file the loop changed is one step 8 lists.
    let (mut before, mut after) = (BTreeSet::new(), BTreeSet::new());
    files(&base, &base, &mut before);
    files(&repo, &repo, &mut after);
    let changed: Vec<PathBuf> = after
        .iter()
        .filter(|p| {
            !before.contains(*p) || std::fs::read(base.join(p)).unwrap() != std::fs::read(repo.join(p)).unwrap()
        })
        .cloned()
        .collect();
    assert!(changed.len() >= 5, "{changed:?}");
    let listed = to_commit();
    let unlisted: Vec<&PathBuf> = changed
        .iter()
        .filter(|p| {
            let p = p.to_string_lossy();
            !listed.iter().any(|l| {
                if l.ends_with('/') {
                    p.starts_with(l.as_str())
                } else {
                    p == l.as_str()
                }
            })
        })
        .collect();
    assert!(
        unlisted.is_empty(),
        "changed but not in the README's step 8 ({listed:?}): {unlisted:?}"
    );
}
