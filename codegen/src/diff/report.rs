//! The diff report: text for a terminal, Markdown for a pull request, JSON for tools.

use super::compare::Change;
use super::{Class, ReportFormat, VersionCheck};
use std::fmt::Write;

/// The report in `format`.
pub fn render(format: ReportFormat, base: &str, changes: &[Change], v: &VersionCheck) -> String {
    match format {
        ReportFormat::Text => text(base, changes, v),
        ReportFormat::Markdown => markdown(base, changes, v),
        ReportFormat::Json => serde_json::to_string_pretty(changes).expect("changes serialize") + "\n",
    }
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

/// `old → new`, `added` or `removed`, values shortened for one line.
fn what(c: &Change) -> String {
    what_within(c, 160)
}

/// `old → new` with values of at most `limit` characters.
fn what_within(c: &Change, limit: usize) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{}: {} → {}", c.change, shorten(o, limit), shorten(n, limit)),
        _ => c.change.clone(),
    }
}

fn shorten(s: &str, limit: usize) -> String {
    let one_line = s.replace('\n', " ");
    let shown = if one_line.is_empty() {
        "∅".to_owned()
    } else {
        one_line
    };
    match shown.char_indices().nth(limit) {
        Some((i, _)) => format!("`{}…`", &shown[..i]),
        None => format!("`{shown}`"),
    }
}

fn text(base: &str, changes: &[Change], v: &VersionCheck) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "public API changes since {base}: {}", counts(changes));
    for c in changes {
        let _ = writeln!(o, "{:<9} {:<12} {}  {}", c.class.name(), c.kind, c.item, what(c));
    }
    let _ = writeln!(o, "{}", version_sentence(v));
    o
}

fn markdown(base: &str, changes: &[Change], v: &VersionCheck) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## Public API changes since `{base}`\n");
    let _ = writeln!(o, "{}.\n", counts(changes));
    let mark = if v.ok { "✅" } else { "❌" };
    let _ = writeln!(o, "{mark} {}\n", version_sentence(v));
    for class in Class::ALL {
        let of: Vec<&Change> = changes.iter().filter(|c| c.class == class).collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(o, "### {} ({})\n", heading(class), of.len());
        let _ = writeln!(o, "| item | kind | change |\n| --- | --- | --- |");
        for c in of {
            let _ = writeln!(o, "| `{}` | {} | {} |", c.item, c.kind, what(c).replace('|', "\\|"));
        }
        let _ = writeln!(o);
    }
    o
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
    format!("- `{}` ({}): {}", c.item, c.kind, what_within(c, usize::MAX))
}
