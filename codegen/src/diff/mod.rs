//! `diff BASE`: the spec at a base revision and the working tree's, both built into the IR, their
//! public surfaces ([`items`]) compared ([`compare`]), every change classified, the crate's version
//! checked against the classification ([`version`]), and the report written as text, Markdown or
//! JSON ([`report`]), optionally as a section of `CHANGELOG.md` ([`changelog`]).

pub mod base;
pub mod bump;
pub mod changelog;
pub mod compare;
pub mod items;
pub mod report;
pub mod version;

use crate::Layout;
use serde::Serialize;
use std::path::PathBuf;
use version::{Bump, Version};

/// How a change affects the users of the crate, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Users' code may stop compiling or change meaning.
    Breaking,
    /// New API; existing code keeps compiling and meaning the same.
    Additive,
    /// The same Rust API, but the bytes sent or the way an answer is read change.
    Wire,
    /// Text only.
    Docs,
}

impl Class {
    /// Every class, strongest first.
    pub const ALL: [Class; 4] = [Class::Breaking, Class::Additive, Class::Wire, Class::Docs];

    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::Wire => "wire",
            Class::Docs => "docs",
        }
    }
}

/// The formats of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One line per change, for a terminal.
    Text,
    /// Tables per class, for a pull request.
    Markdown,
    /// A list of objects with `class`, `kind`, `item`, `change`, `old`, `new`.
    Json,
}

/// What `diff` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository's root (git runs there; `CHANGELOG.md` and the manifest are read there).
    pub root: PathBuf,
    /// The working tree's spec and generated crate.
    pub layout: Layout,
    /// A git revision, or a directory holding a checkout.
    pub base: String,
    /// How the report is written.
    pub format: ReportFormat,
    /// Fail when a change of this class or a stronger one is found.
    pub fail_on: Option<Class>,
    /// Fail when the manifest's version was not bumped as the changes need.
    pub version_check: bool,
    /// Write the changes as a section of `CHANGELOG.md`.
    pub changelog: bool,
    /// Write the version the changes need (and the published crates' dependency entries, and
    /// the lock files) when the manifest's is not enough.
    pub bump: bool,
}

impl Options {
    /// `diff BASE` on the repository at `root` as the command runs by default: a text report,
    /// the version checked, nothing written.
    pub fn new(root: &std::path::Path, base: impl Into<String>) -> Options {
        Options {
            root: root.to_path_buf(),
            layout: Layout::repository(root),
            base: base.into(),
            format: ReportFormat::Text,
            fail_on: None,
            version_check: true,
            changelog: false,
            bump: false,
        }
    }
}

/// The version of the crate at both ends, and what the changes need.
#[derive(Debug, Clone)]
pub struct VersionCheck {
    /// The version at the base, when its manifest has one.
    pub base: Option<Version>,
    /// The version in the working tree's manifest.
    pub current: Version,
    /// The strongest class found.
    pub strongest: Option<Class>,
    /// The smallest version that the changes allow.
    pub needed: Option<Version>,
    /// Whether the current version is enough.
    pub ok: bool,
    /// The last release's commit (`.ci/released`), when the version was checked against it
    /// rather than the base: the base is an unreleased state of the same version.
    pub release: Option<String>,
}

/// The audit's verdict on the working tree's spec (its committed page indexes), for the report.
#[derive(Debug, Clone)]
pub struct AuditVerdict {
    /// Nothing unaccounted.
    pub clean: bool,
    /// Its summary line (`audited 2 page(s) …: … 0 unaccounted`).
    pub summary: String,
    /// What it could not account for, one line each.
    pub problems: Vec<String>,
}

/// Audits the working tree's spec against its committed indexes (no pages needed).
fn audit_verdict(layout: &Layout) -> Option<AuditVerdict> {
    let report = crate::audit::run(layout, &[], false).ok()?;
    let lines: Vec<&str> = report.text.lines().collect();
    let (summary, problems) = lines.split_last().map_or(("", &[][..]), |(s, p)| (*s, p));
    // The summary names the folder of this machine; a report names only what it found.
    let summary = match (summary.find(" against "), summary.find(": ")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &summary[..a], &summary[b..]),
        _ => summary.to_owned(),
    };
    Some(AuditVerdict {
        clean: report.clean,
        summary,
        problems: problems.iter().map(|p| (*p).to_owned()).collect(),
    })
}

/// What `diff` found.
#[derive(Debug)]
pub struct Outcome {
    /// The report, in the asked format.
    pub report: String,
    /// Every classified change.
    pub changes: Vec<compare::Change>,
    /// The version check.
    pub version: VersionCheck,
    /// Why the command fails (empty: it succeeds).
    pub failures: Vec<String>,
    /// What `--bump` wrote.
    pub bumped: Vec<PathBuf>,
}

/// Runs `diff` as asked.
pub fn run(o: &Options) -> Result<Outcome, String> {
    let base = base::Base::open(&o.root, &o.base, &o.layout)?;
    let old_ir = base.ir()?;
    let new_ir = crate::build_ir(&o.layout).map_err(|d| format!("the working tree's spec:\n{d}"))?;
    let new_items = items::items(&new_ir);
    let changes = compare::compare(&items::items(&old_ir), &new_items);
    let mut current = version::crate_version(&o.layout.out_dir)?;
    let since = Since::choose(o, &base, current, &changes, &new_items);
    let mut version = since.check(current);
    let mut bumped = Vec::new();
    if o.bump && (!version.ok || !stale(o, current).is_empty()) {
        let to = version.needed.filter(|_| !version.ok).unwrap_or(current);
        bumped = bump::bump(&o.root, to)?;
        current = version::crate_version(&o.layout.out_dir)?;
        version = since.check(current);
    }
    let audit = audit_verdict(&o.layout);
    let verdicts = report::Verdicts {
        version: &version,
        audit: audit.as_ref(),
    };
    let report = report::render(o.format, &o.base, &changes, &verdicts);
    let mut failures = failures(o, &changes, &version);
    if o.changelog {
        changelog_step(o, &since, &version, &mut failures)?;
    }
    Ok(Outcome {
        report,
        changes,
        version,
        failures,
        bumped,
    })
}

/// What the version answers to: the base, or the last release when the base is an unreleased
/// state of the working tree's version (`main` between releases). Cargo's rules are about what
/// was published: a second breaking change before a release needs no second bump.
struct Since {
    /// The last release's commit, when it is what the version answers to.
    release: Option<String>,
    version: Option<Version>,
    changes: Vec<compare::Change>,
}

impl Since {
    fn choose(
        o: &Options,
        base: &base::Base,
        current: Version,
        changes: &[compare::Change],
        new_items: &items::Items,
    ) -> Since {
        let of_base = || Since {
            release: None,
            version: base.version,
            changes: changes.to_vec(),
        };
        if base.version != Some(current) {
            return of_base();
        }
        let Some(commit) = last_release(&o.root) else {
            return of_base();
        };
        // A clone without the release (a shallow one), or a release of this very version: the
        // base is all there is to compare with.
        let Ok(release) = base::Base::open(&o.root, &commit, &o.layout) else {
            return of_base();
        };
        let (Some(v), Ok(ir)) = (release.version, release.ir()) else {
            return of_base();
        };
        if v >= current {
            return of_base();
        }
        Since {
            release: Some(commit),
            version: Some(v),
            changes: compare::compare(&items::items(&ir), new_items),
        }
    }

    fn check(&self, current: Version) -> VersionCheck {
        VersionCheck {
            release: self.release.clone(),
            ..check_version(self.version, current, &self.changes)
        }
    }
}

/// The commit in `.ci/released` (its first line that is not a comment), if any.
fn last_release(root: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join(".ci/released")).ok()?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    Some(line.to_owned())
}

/// The published crates' `[workspace.dependencies]` entries not at `v`.
fn stale(o: &Options, v: Version) -> Vec<String> {
    std::fs::read_to_string(o.root.join("Cargo.toml"))
        .map(|m| bump::stale_dependencies(&m, v))
        .unwrap_or_default()
}

/// Why the diff fails, before the changelog is asked for.
fn failures(o: &Options, changes: &[compare::Change], version: &VersionCheck) -> Vec<String> {
    let mut failures = Vec::new();
    let behind = stale(o, version.current);
    if !behind.is_empty() {
        failures.push(format!(
            "the root Cargo.toml's [workspace.dependencies] still say {} while the crates are at {}: Cargo refuses that workspace (`diff {} --bump` writes every place)",
            behind.join(", "),
            version.current,
            o.base
        ));
    }
    if let Some(limit) = o.fail_on {
        let n = changes.iter().filter(|c| c.class <= limit).count();
        if n > 0 {
            failures.push(format!(
                "{n} change(s) of class {} or stronger (--fail-on {})",
                limit.name(),
                limit.name()
            ));
        }
    }
    if o.version_check && !version.ok {
        failures.push(report::version_sentence(version));
    }
    failures
}

/// Writes the version's section of `CHANGELOG.md`, only for a diff that passes, and only as a
/// whole release's section: the changes since the last release. A base of the same version
/// that is not the release would give a part of them, and writing it would drop the rest.
fn changelog_step(
    o: &Options,
    since: &Since,
    version: &VersionCheck,
    failures: &mut Vec<String>,
) -> Result<(), String> {
    if !failures.is_empty() || !version.ok {
        failures.push("CHANGELOG.md was not written: the diff failed".into());
    } else if since.version.is_some_and(|b| b >= version.current) {
        failures.push(format!(
            "CHANGELOG.md was not written: the base is already at {}, and the last release (.ci/released) could not be read to write the section against",
            version.current
        ));
    } else {
        changelog::write(&o.root.join("CHANGELOG.md"), version.current, &since.changes)?;
    }
    Ok(())
}

fn check_version(base: Option<Version>, current: Version, changes: &[compare::Change]) -> VersionCheck {
    let strongest = changes.iter().map(|c| c.class).min();
    let (needed, ok) = match (base, strongest) {
        (Some(b), Some(class)) => {
            let bump = Bump::needed(class, b);
            (Some(bump.apply(b)), Bump::between(b, current) >= bump && current >= b)
        }
        (Some(b), None) => (Some(b), current >= b),
        (None, _) => (None, true),
    };
    VersionCheck {
        base,
        current,
        strongest,
        needed,
        ok,
        release: None,
    }
}
