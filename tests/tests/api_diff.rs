//! `diff` against the catalogue of wiki-like spec edits (`tests/src/mutations.rs`): each edit of
//! a copy of the real spec is classified as its author expected, names the item it touched, and
//! the version check fails until the manifest is bumped as far as Cargo's rules need.

use intellectmoney_codegen::diff::{self, compare::Change, Class, ReportFormat};
use intellectmoney_tests::mutations::{Expect, Mutation, MUTATIONS};
use intellectmoney_tests::{copy_dir, root};
use std::path::Path;

/// A checkout as `diff` reads it: `spec/` and the generated crate's manifest.
fn checkout(dir: &Path, version: &str) {
    copy_dir(&root().join("spec"), &dir.join("spec"));
    std::fs::create_dir_all(dir.join("generated")).unwrap();
    std::fs::write(
        dir.join("generated/Cargo.toml"),
        format!("[package]\nname = \"intellectmoney\"\nversion = \"{version}\"\n"),
    )
    .unwrap();
}

fn run(new: &Path, base: &Path) -> diff::Outcome {
    let options = diff::Options {
        format: ReportFormat::Json,
        ..diff::Options::new(new, base.display().to_string())
    };
    diff::run(&options).unwrap_or_else(|e| panic!("{e}"))
}

fn class_of(e: Expect) -> Class {
    match e {
        Expect::Breaking => Class::Breaking,
        Expect::Additive => Class::Additive,
        Expect::Wire => Class::Wire,
        Expect::Docs => Class::Docs,
    }
}

/// The mutation applied to a fresh checkout at 1.4.2 (above 1.0, so that every class needs its
/// own bump), compared with an unchanged one.
fn outcome(m: &Mutation, version: &str) -> diff::Outcome {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = (dir.path().join("base"), dir.path().join("new"));
    checkout(&base, "1.4.2");
    checkout(&new, version);
    m.apply(&new.join("spec"));
    run(&new, &base)
}

fn shows(changes: &[Change], m: &Mutation) -> bool {
    let (kind, item, change) = m.shown();
    changes
        .iter()
        .any(|c| c.kind == kind && c.item == item && c.change == change)
}

#[test]
fn every_edit_is_classified_as_expected() {
    let mut wrong = Vec::new();
    for m in MUTATIONS {
        let o = outcome(m, "1.4.2");
        let strongest = o.changes.iter().map(|c| c.class).min();
        if strongest != Some(class_of(m.class)) || !shows(&o.changes, m) {
            wrong.push(format!(
                "{}: expected {} with {:?}, got {strongest:?}:\n{}",
                m.name,
                m.class.name(),
                m.shown(),
                o.report
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn the_catalogue_covers_every_class_and_kind() {
    for class in [Expect::Breaking, Expect::Additive, Expect::Wire, Expect::Docs] {
        assert!(
            MUTATIONS.iter().any(|m| m.class == class),
            "no edit of class {}",
            class.name()
        );
    }
    for kind in ["method", "parameter", "type", "field", "enum", "value", "api", "role"] {
        assert!(MUTATIONS.iter().any(|m| m.shows.0 == kind), "no edit of a {kind}");
    }
    assert!(MUTATIONS.len() >= 25);
}

#[test]
fn the_version_check_asks_for_the_bump_each_class_needs() {
    // (class, a bump that is too small, the smallest enough one) from 1.4.2, by Cargo's rules.
    let cases = [
        ("parameter_removed", "1.5.0", "2.0.0"),
        ("optional_parameter_added", "1.4.3", "1.5.0"),
        ("sign_order_changed", "1.4.2", "1.4.3"),
    ];
    for (name, small, enough) in cases {
        let m = MUTATIONS.iter().find(|m| m.name == name).unwrap();
        let unchanged = outcome(m, "1.4.2");
        assert!(!unchanged.version.ok, "{name}: the unchanged version passed");
        assert_eq!(unchanged.version.needed.unwrap().to_string(), enough, "{name}");
        assert!(!outcome(m, small).version.ok, "{name}: {small} passed");
        assert!(outcome(m, enough).version.ok, "{name}: {enough} failed");
    }
    // Text only needs no bump.
    let docs = MUTATIONS.iter().find(|m| m.name == "method_doc_changed").unwrap();
    assert!(outcome(docs, "1.4.2").version.ok);
}

#[test]
fn below_one_a_breaking_change_needs_the_minor_and_an_addition_the_patch() {
    let removed = MUTATIONS.iter().find(|m| m.name == "parameter_removed").unwrap();
    let added = MUTATIONS.iter().find(|m| m.name == "optional_parameter_added").unwrap();
    for (m, needed) in [(removed, "0.3.0"), (added, "0.2.1")] {
        let dir = tempfile::tempdir().unwrap();
        let (base, new) = (dir.path().join("base"), dir.path().join("new"));
        checkout(&base, "0.2.0");
        checkout(&new, "0.2.0");
        m.apply(&new.join("spec"));
        assert_eq!(
            run(&new, &base).version.needed.unwrap().to_string(),
            needed,
            "{}",
            m.name
        );
    }
}

#[test]
fn a_changed_sign_order_shows_both_templates() {
    let m = MUTATIONS.iter().find(|m| m.name == "sign_order_changed").unwrap();
    let o = outcome(m, "1.4.3");
    let sign = o.changes.iter().find(|c| c.change == "Sign").expect("a Sign change");
    assert_eq!(sign.class, Class::Wire);
    assert_eq!(
        sign.old.as_deref(),
        Some("UserToken::Skip::Take::EshopId::DateFrom::DateTo::PaymentTransactionId::signSecretKey")
    );
    assert_eq!(
        sign.new.as_deref(),
        Some("UserToken::Skip::Take::DateFrom::DateTo::EshopId::PaymentTransactionId::signSecretKey")
    );
}

#[test]
fn json_report_holds_the_changes_and_the_verdicts() {
    let m = MUTATIONS.iter().find(|m| m.name == "enum_value_added").unwrap();
    let o = outcome(m, "1.5.0");
    let json: serde_json::Value = serde_json::from_str(&o.report).unwrap();
    let list = json["changes"].as_array().expect("a list of changes");
    let (_, item, _) = m.shown();
    let added = list
        .iter()
        .find(|c| c["class"] == "additive" && c["kind"] == "value" && c["item"] == item.as_str())
        .expect("the value, added");
    // The added item's facets, for a reviewer who cannot see the spec.
    assert!(added["detail"].as_array().is_some_and(|d| !d.is_empty()), "{added}");
    // Answers that carried the value were read as `Unknown(..)`: that reading changed.
    assert!(
        list.iter()
            .any(|c| c["class"] == "wire" && c["item"] == item.as_str() && c["change"] == "answers read"),
        "{json}"
    );
    assert_eq!(json["version"]["ok"], true, "{json}");
    assert_eq!(json["version"]["needed"], "1.5.0", "{json}");
    assert!(
        json["version"]["verdict"].as_str().unwrap().contains("enough"),
        "{json}"
    );
}

#[test]
fn no_change_gives_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = (dir.path().join("base"), dir.path().join("new"));
    checkout(&base, "1.4.2");
    checkout(&new, "1.4.2");
    let o = run(&new, &base);
    assert!(o.changes.is_empty(), "{}", o.report);
    assert!(o.version.ok);
}

/// `diff --changelog` on a checkout whose CHANGELOG.md holds a section written by hand.
fn changelog_outcome(m: &Mutation, base_version: &str, version: &str) -> (diff::Outcome, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = (dir.path().join("base"), dir.path().join("new"));
    checkout(&base, base_version);
    checkout(&new, version);
    m.apply(&new.join("spec"));
    let before = "# Changelog\n\n## [1.4.3] - 2026-01-02\n\n### Added\n\n- an entry of 1.4.3\n\n## [1.4.2] - 2026-01-01\n\n- the release\n";
    std::fs::write(new.join("CHANGELOG.md"), before).unwrap();
    let options = diff::Options {
        changelog: true,
        ..diff::Options::new(&new, base.display().to_string())
    };
    let outcome = diff::run(&options).unwrap_or_else(|e| panic!("{e}"));
    let after = std::fs::read_to_string(new.join("CHANGELOG.md")).unwrap();
    (outcome, before.to_owned(), after)
}

fn first(class: Expect) -> &'static Mutation {
    MUTATIONS
        .iter()
        .find(|m| m.class == class)
        .expect("the catalogue has one")
}

#[test]
fn a_failed_version_check_leaves_the_changelog_byte_identical() {
    // A breaking change without the bump it needs.
    let (o, before, after) = changelog_outcome(first(Expect::Breaking), "1.4.2", "1.4.3");
    assert!(!o.failures.is_empty());
    assert!(
        o.failures.iter().any(|f| f.contains("CHANGELOG.md was not written")),
        "{:?}",
        o.failures
    );
    assert_eq!(after, before);
}

#[test]
fn a_base_of_the_same_version_does_not_rewrite_its_section() {
    // The base is an unreleased state of 1.4.3: the changes since it are only part of 1.4.3.
    let (o, before, after) = changelog_outcome(first(Expect::Docs), "1.4.3", "1.4.3");
    assert!(
        o.failures.iter().any(|f| f.contains("the last release")),
        "{:?}",
        o.failures
    );
    assert_eq!(after, before);
}

#[test]
fn a_passing_diff_writes_the_section_and_keeps_the_older_ones() {
    let m = first(Expect::Additive);
    let (o, _, after) = changelog_outcome(m, "1.4.2", "1.5.0");
    assert!(o.failures.is_empty(), "{:?}", o.failures);
    assert!(after.contains("## [1.5.0] - "), "{after}");
    assert!(
        after.contains("## [1.4.3] - 2026-01-02\n\n### Added\n\n- an entry of 1.4.3"),
        "{after}"
    );
    assert!(after.contains(&m.shown().1), "{after}");
}

/// `git` in `dir`, with an identity of its own.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn between_releases_the_version_answers_to_the_last_release() {
    // A release at 0.4.2; `main` then took an addition and became 0.5.0 (unreleased); the working
    // tree removes a parameter. Against `main` that is a breaking change of 0.5.0, but nobody has
    // 0.5.0 yet: 0.5.0 is enough, and the changelog's section holds both changes.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    checkout(repo, "0.4.2");
    git(repo, &["init", "-q"]);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "release"]);
    let release = git(repo, &["rev-parse", "HEAD"]);
    let added = MUTATIONS.iter().find(|m| m.name == "enum_value_added").unwrap();
    let removed = MUTATIONS.iter().find(|m| m.name == "parameter_removed").unwrap();
    checkout(repo, "0.5.0");
    added.apply(&repo.join("spec"));
    std::fs::create_dir_all(repo.join(".ci")).unwrap();
    std::fs::write(repo.join(".ci/released"), format!("# the last release\n{release}\n")).unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "an addition"]);
    removed.apply(&repo.join("spec"));

    let options = diff::Options {
        changelog: true,
        ..diff::Options::new(repo, "HEAD")
    };
    let o = diff::run(&options).unwrap_or_else(|e| panic!("{e}"));
    assert!(o.failures.is_empty(), "{:?}", o.failures);
    assert_eq!(o.version.release.as_deref(), Some(release.as_str()));
    assert_eq!(o.version.needed.unwrap().to_string(), "0.5.0");
    // The report is of the changes since HEAD; the version and the changelog, since the release.
    assert!(!o.changes.is_empty(), "{}", o.report);
    assert!(o.changes.iter().all(|c| c.class == Class::Breaking), "{}", o.report);
    let log = std::fs::read_to_string(repo.join("CHANGELOG.md")).unwrap();
    assert!(log.contains("## [0.5.0] - "), "{log}");
    assert!(
        log.contains(&added.shown().1) && log.contains(&removed.shown().1),
        "{log}"
    );

    // Against the release itself, the same verdict without the detour.
    let o = diff::run(&diff::Options::new(repo, release.clone())).unwrap();
    assert!(o.version.ok && o.version.release.is_none(), "{}", o.report);
}

#[test]
fn a_reviewer_can_judge_a_pull_request_from_the_markdown_alone() {
    // One pull request: an optional parameter, a type change and a Sign order.
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = (dir.path().join("base"), dir.path().join("new"));
    checkout(&base, "0.4.2");
    checkout(&new, "0.5.0");
    let edits = [
        "optional_parameter_added",
        "parameter_type_changed",
        "sign_order_changed",
    ];
    let edits: Vec<&Mutation> = edits
        .iter()
        .map(|n| MUTATIONS.iter().find(|m| m.name == *n).unwrap())
        .collect();
    for m in &edits {
        m.apply(&new.join("spec"));
    }
    let options = diff::Options {
        format: ReportFormat::Markdown,
        ..diff::Options::new(&new, base.display().to_string())
    };
    let o = diff::run(&options).unwrap();
    let md = &o.report;
    // Each change named with what Rust code calls it.
    let (_, added, _) = edits[0].shown();
    let setter = added.rsplit('.').next().unwrap().to_lowercase();
    assert!(
        md.contains(&format!("`{added}` (parameter; Rust: setter .{setter}(..)): **added**")),
        "{md}"
    );
    // The added parameter's type, required mark and doc.
    for facet in ["  - Rust type: `i32`", "  - required: `no`", "  - doc: `A holding.`"] {
        assert!(md.contains(facet), "`{facet}` not in:\n{md}");
    }
    // The type change, before and after.
    assert!(
        md.contains("**Rust type**\n  - before: `i64`\n  - after: `String`"),
        "{md}"
    );
    // The Sign, slot by slot, the moved slots marked, once.
    assert!(md.contains("| 4 | `EshopId` | `DateFrom` | ⚠ changed |"), "{md}");
    assert!(md.contains("| 1 | `UserToken` | `UserToken` |  |"), "{md}");
    assert_eq!(md.matches("**Sign").count(), 1, "{md}");
    // Nothing cut; the version and the audit judged.
    assert!(!md.contains('…'), "{md}");
    assert!(
        md.contains("✅ version 0.4.2 → 0.5.0: enough for breaking changes"),
        "{md}"
    );
    assert!(md.contains(" audit: "), "{md}");
}
