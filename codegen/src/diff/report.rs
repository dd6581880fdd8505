//! The diff report: text for a terminal, Markdown for a pull request, JSON for tools.

use super::compare::Change;
use super::{Class, ReportFormat, VersionCheck};
use std::fmt::Write;

/// What a report says besides the changes: the version check and the audit's verdict.
pub struct Verdicts<'a> {
    /// The version check.
    pub version: &'a VersionCheck,
    /// The audit of the working tree's spec against its pages' indexes, when it could run.
    pub audit: Option<&'a super::AuditVerdict>,
}

/// The report in `format`.
pub fn render(format: ReportFormat, base: &str, changes: &[Change], v: &Verdicts) -> String {
    match format {
        ReportFormat::Text => text(base, changes, v),
        ReportFormat::Markdown => markdown(base, changes, v),
        ReportFormat::Json => json(base, changes, v),
    }
}

/// The JSON report: the changes, and the verdicts a tool decides on.
fn json(base: &str, changes: &[Change], v: &Verdicts) -> String {
    let version = v.version;
    let value = serde_json::json!({
        "base": base,
        "changes": changes,
        "version": {
            "base": version.base.map(|b| b.to_string()),
            "current": version.current.to_string(),
            "strongest": version.strongest.map(Class::name),
            "needed": version.needed.map(|n| n.to_string()),
            "ok": version.ok,
            "release": version.release,
            "verdict": version_sentence(version),
        },
        "audit": v.audit.map(|a| serde_json::json!({ "clean": a.clean, "verdict": a.summary, "problems": a.problems })),
    });
    serde_json::to_string_pretty(&value).expect("the report serializes") + "\n"
}

/// One sentence on the version: what it is, what the changes need, whether it is enough.
pub fn version_sentence(v: &VersionCheck) -> String {
    let sentence = version_clause(v);
    match &v.release {
        Some(commit) => format!(
            "{sentence} [since the last release, {}: the base is an unreleased state of the same version]",
            &commit[..commit.len().min(12)]
        ),
        None => sentence,
    }
}

fn version_clause(v: &VersionCheck) -> String {
    match (v.base, v.strongest, v.needed) {
        (None, _, _) => format!("version {} (the base has no version to compare with)", v.current),
        (Some(b), None, _) => format!("version {b} → {}: no change of the public API", v.current),
        (Some(b), Some(class), Some(needed)) if v.ok => format!(
            "version {b} → {}: enough for {} changes (at least {needed} needed)",
            v.current,
            class.name()
        ),
        (Some(b), Some(class), Some(needed)) => format!(
            "version {b} → {}: {} changes need at least {needed}; bump the workspace's `version` (root Cargo.toml, [workspace.package] and [workspace.dependencies])",
            v.current,
            class.name()
        ),
        (Some(b), Some(_), None) => format!("version {b} → {}", v.current),
    }
}

fn counts(changes: &[Change]) -> String {
    Class::ALL
        .iter()
        .map(|c| format!("{} {}", changes.iter().filter(|x| x.class == *c).count(), c.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `facet: old → new`, `added` or `removed`, values in full.
fn what(c: &Change) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{}: {} → {}", c.change, quoted(o), quoted(n)),
        _ => c.change.clone(),
    }
}

/// A value as inline code; one holding backticks is fenced with two, so that it renders whole.
fn quoted(s: &str) -> String {
    let one_line = s.replace('\n', " ");
    match one_line.as_str() {
        "" => "`∅`".to_owned(),
        v if v.contains('`') => format!("`` {v} ``"),
        v => format!("`{v}`"),
    }
}

/// The item, with its Rust name beside it when that is another.
fn named(c: &Change) -> String {
    match &c.rust {
        Some(r) => format!("`{}` ({}; Rust: {r})", c.item, c.kind),
        None => format!("`{}` ({})", c.item, c.kind),
    }
}

fn text(base: &str, changes: &[Change], v: &Verdicts) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "public API changes since {base}: {}", counts(changes));
    for c in changes {
        let rust = c.rust.as_ref().map(|r| format!(" [Rust: {r}]")).unwrap_or_default();
        let _ = writeln!(o, "{:<9} {:<12} {}{rust}  {}", c.class.name(), c.kind, c.item, what(c));
        for (facet, value) in &c.detail {
            let _ = writeln!(o, "{:<23}{facet}: {}", "", quoted(value));
        }
    }
    let _ = writeln!(o, "{}", version_sentence(v.version));
    if let Some(a) = v.audit {
        let _ = writeln!(o, "audit: {}", a.summary);
        for p in &a.problems {
            let _ = writeln!(o, "  {p}");
        }
    }
    o
}

fn markdown(base: &str, changes: &[Change], v: &Verdicts) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## Public API changes since `{base}`\n");
    let _ = writeln!(o, "{}.\n", counts(changes));
    let mark = |ok: bool| if ok { "✅" } else { "❌" };
    let _ = writeln!(o, "{} {}\n", mark(v.version.ok), version_sentence(v.version));
    match v.audit {
        Some(a) => {
            let _ = writeln!(o, "{} audit: {}\n", mark(a.clean), a.summary);
            for p in &a.problems {
                let _ = writeln!(o, "- {p}");
            }
            if !a.problems.is_empty() {
                let _ = writeln!(o);
            }
        }
        None => {
            let _ = writeln!(o, "❔ audit: not run\n");
        }
    }
    for class in Class::ALL {
        let of: Vec<&Change> = changes.iter().filter(|c| c.class == class).collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(o, "### {} ({})\n", heading(class), of.len());
        for c in of {
            markdown_change(&mut o, c);
        }
        let _ = writeln!(o);
    }
    o
}

/// One change as a list item: the item and its Rust name, then what changed, values in full (a
/// `Sign` slot by slot), or an added item's facets.
fn markdown_change(o: &mut String, c: &Change) {
    let _ = writeln!(o, "- {}: **{}**", named(c), c.change);
    match (&c.old, &c.new) {
        (Some(old), Some(new)) if c.change == super::items::SIGN => sign_table(o, old, new),
        (Some(old), Some(new)) => {
            let _ = writeln!(o, "  - before: {}", quoted(old));
            let _ = writeln!(o, "  - after: {}", quoted(new));
        }
        _ => {}
    }
    for (facet, value) in &c.detail {
        let _ = writeln!(o, "  - {facet}: {}", quoted(value));
    }
}

/// A `Sign` change as its slots side by side, a moved or changed slot marked.
fn sign_table(o: &mut String, old: &str, new: &str) {
    let old: Vec<&str> = old.split("::").collect();
    let new: Vec<&str> = new.split("::").collect();
    let _ = writeln!(o, "\n  | slot | before | after | |\n  | --- | --- | --- | --- |");
    for i in 0..old.len().max(new.len()) {
        let cell = |v: &Vec<&str>| match v.get(i) {
            Some(&"") => "(empty)".to_owned(),
            Some(s) => format!("`{s}`"),
            None => "—".to_owned(),
        };
        let mark = if old.get(i) == new.get(i) { "" } else { "⚠ changed" };
        let _ = writeln!(o, "  | {} | {} | {} | {mark} |", i + 1, cell(&old), cell(&new));
    }
    let _ = writeln!(o);
}

/// The heading of a class's section, in reports and in the changelog.
pub fn heading(class: Class) -> &'static str {
    match class {
        Class::Breaking => "Breaking",
        Class::Additive => "Added",
        Class::Wire => "Changed on the wire",
        Class::Docs => "Documentation",
    }
}

/// One changelog line, values in full.
pub fn changelog_line(c: &Change) -> String {
    format!("- `{}` ({}): {}", c.item, c.kind, what(c))
}
