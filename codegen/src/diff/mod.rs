//! `diff BASE`: the spec at a base revision and the working tree's, both built into the IR, their
//! public surfaces ([`items`]) compared ([`compare`]), every change classified, the crate's version
//! checked against the classification ([`version`]), and the report written as text, Markdown or
//! JSON ([`report`]), optionally as a section of `CHANGELOG.md` ([`changelog`]).

pub mod base;
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
}

/// Runs `diff` as asked.
pub fn run(o: &Options) -> Result<Outcome, String> {
    let base = base::Base::open(&o.root, &o.base, &o.layout)?;
    let old_ir = base.ir()?;
    let new_ir = crate::build_ir(&o.layout).map_err(|d| format!("the working tree's spec:\n{d}"))?;
    let changes = compare::compare(&items::items(&old_ir), &items::items(&new_ir));
    let current = version::crate_version(&o.layout.out_dir)?;
    let version = check_version(base.version, current, &changes);
    let report = report::render(o.format, &o.base, &changes, &version);
    let mut failures = Vec::new();
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
        failures.push(report::version_sentence(&version));
    }
    if o.changelog {
        changelog::write(&o.root.join("CHANGELOG.md"), current, &changes)?;
    }
    Ok(Outcome {
        report,
        changes,
        version,
        failures,
    })
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
    }
}
