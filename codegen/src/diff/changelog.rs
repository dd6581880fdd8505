//! `CHANGELOG.md` in Keep a Changelog form: `diff --changelog` writes the section of the
//! manifest's version (replacing its generated subsections when it exists, keeping any other
//! subsection written by hand) above the older ones.

use super::compare::Change;
use super::report::{changelog_line, heading};
use super::version::Version;
use super::Class;
use std::path::Path;

const HEAD: &str = "# Changelog\n\nAll notable changes to the `intellectmoney` crate. The format follows \
[Keep a Changelog](https://keepachangelog.com/en/1.1.0/), and versions follow Cargo's semver rules. \
The classified subsections are written by `intellectmoney-codegen diff <BASE> --changelog`; add \
other subsections (such as `### Notes`) by hand, and they are kept.\n";

/// Writes the section of `version` into the changelog at `path` (created when missing).
pub fn write(path: &Path, version: Version, changes: &[Change]) -> Result<(), String> {
    let old = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => HEAD.to_owned(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let today = time::OffsetDateTime::now_utc().date();
    let text = update(&old, version, &today.to_string(), changes);
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The changelog `old` with the section of `version` written from `changes`.
pub fn update(old: &str, version: Version, date: &str, changes: &[Change]) -> String {
    let title = format!("## [{version}]");
    let (before, existing, after) = split(old, &title);
    // A section already written keeps its date: rewriting it is not a release.
    let date = existing
        .lines()
        .next()
        .and_then(|l| l.strip_prefix(&format!("{title} - ")))
        .map_or(date, str::trim);
    let mut section = format!("{title} - {date}\n");
    for class in Class::ALL {
        let lines: Vec<String> = changes
            .iter()
            .filter(|c| c.class == class)
            .map(changelog_line)
            .collect();
        if !lines.is_empty() {
            section.push_str(&format!("\n### {}\n\n{}\n", heading(class), lines.join("\n")));
        }
    }
    for kept in hand_written(existing) {
        section.push('\n');
        section.push_str(kept.trim_end());
        section.push('\n');
    }
    let mut out = before.trim_end().to_owned();
    out.push_str("\n\n");
    out.push_str(&section);
    if !after.trim().is_empty() {
        out.push('\n');
        out.push_str(after.trim_start());
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// (text before the section, the section, text after it); a missing section goes above the first
/// older one.
fn split<'a>(text: &'a str, title: &str) -> (&'a str, &'a str, &'a str) {
    let starts: Vec<usize> = line_starts(text).filter(|&i| text[i..].starts_with("## [")).collect();
    match starts.iter().position(|&i| text[i..].starts_with(title)) {
        Some(k) => {
            let start = starts[k];
            let end = starts.get(k + 1).copied().unwrap_or(text.len());
            (&text[..start], &text[start..end], &text[end..])
        }
        None => {
            let at = starts.first().copied().unwrap_or(text.len());
            (&text[..at], "", &text[at..])
        }
    }
}

fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(move |&i| i < text.len())
}

/// The subsections of a section that the diff does not write.
fn hand_written(section: &str) -> Vec<&str> {
    let generated: Vec<String> = Class::ALL.iter().map(|c| format!("### {}", heading(*c))).collect();
    let starts: Vec<usize> = line_starts(section)
        .filter(|&i| section[i..].starts_with("### "))
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &s)| &section[s..starts.get(k + 1).copied().unwrap_or(section.len())])
        .filter(|sub| !generated.iter().any(|g| sub.lines().next() == Some(g.as_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(class: Class, item: &str) -> Change {
        Change {
            class,
            kind: "method",
            item: item.into(),
            change: "added".into(),
            old: None,
            new: None,
            rust: None,
            detail: Vec::new(),
        }
    }

    #[test]
    fn new_section_goes_above_older_ones_and_rewrites_keep_hand_notes() {
        let v = "0.2.0".parse().unwrap();
        let start = format!("{HEAD}\n## [0.1.0] - 2026-01-01\n\n- first\n");
        let once = update(&start, v, "2026-11-25", &[change(Class::Additive, "a::b")]);
        assert!(once.contains("## [0.2.0] - 2026-11-25\n\n### Added\n\n- `a::b` (method): added\n\n## [0.1.0]"));
        let noted = once.replace("(method): added\n", "(method): added\n\n### Notes\n\nby hand\n");
        let twice = update(&noted, v, "2026-11-26", &[change(Class::Breaking, "a::c")]);
        assert!(twice.contains(
            "## [0.2.0] - 2026-11-25\n\n### Breaking\n\n- `a::c` (method): added\n\n### Notes\n\nby hand\n\n## [0.1.0]"
        ));
        assert!(!twice.contains("a::b"));
        assert_eq!(twice.matches("## [0.2.0]").count(), 1);
    }
}
