//! `diff --bump`: the version written everywhere Cargo needs it at once — the workspace's
//! `[workspace.package]`, every published crate's entry in `[workspace.dependencies]`, and both
//! lock files (the workspace's and the fuzz workspace's, which CI builds with `--locked`) — so
//! that a bump never leaves the workspace refused by Cargo or CI's locked build.

use super::version::Version;
use std::path::{Path, PathBuf};

/// The published crates, as `[workspace.dependencies]` names them.
pub const PUBLISHED: [&str; 5] = [
    "intellectmoney-runtime",
    "intellectmoney-mock",
    "intellectmoney-batch",
    "intellectmoney-receiver",
    "intellectmoney",
];

/// The entries of `[workspace.dependencies]` for the published crates whose version is not
/// `version`, as `name = "found"`.
pub fn stale_dependencies(manifest: &str, version: Version) -> Vec<String> {
    dependency_lines(manifest)
        .filter_map(|(name, line)| {
            let found = inline_version(line)?;
            (found != version.to_string()).then(|| format!("{name} = \"{found}\""))
        })
        .collect()
}

/// Writes `to` into the root manifest and refreshes the lock files; returns the files written.
pub fn bump(root: &Path, to: Version) -> Result<Vec<PathBuf>, String> {
    let manifest = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let bumped = with_version(&text, to)?;
    std::fs::write(&manifest, bumped).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut written = vec![manifest];
    for lock in [root.join("Cargo.lock"), root.join("fuzz/Cargo.lock")] {
        if lock.is_file() {
            relock(&lock, to)?;
            written.push(lock);
        }
    }
    Ok(written)
}

/// The manifest with `to` as the version of `[workspace.package]` and of each published
/// crate's entry in `[workspace.dependencies]`; every other byte kept.
pub fn with_version(manifest: &str, to: Version) -> Result<String, String> {
    let mut out = String::with_capacity(manifest.len());
    let mut section = String::new();
    let (mut package, mut dependencies) = (false, 0);
    for line in manifest.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.to_owned();
        }
        let key = trimmed.split('=').next().unwrap_or_default().trim();
        if section == "[workspace.package]" && key == "version" {
            out.push_str(&replace_quoted(line, &to.to_string()));
            package = true;
        } else if section == "[workspace.dependencies]" && PUBLISHED.contains(&key) && inline_version(line).is_some() {
            let old = inline_version(line).unwrap_or_default();
            out.push_str(&line.replacen(&format!("version = \"{old}\""), &format!("version = \"{to}\""), 1));
            dependencies += 1;
        } else {
            out.push_str(line);
        }
    }
    if !package {
        return Err("the root Cargo.toml has no `version` in [workspace.package]".into());
    }
    if dependencies != PUBLISHED.len() {
        return Err(format!(
            "the root Cargo.toml's [workspace.dependencies] gives a version to {dependencies} of the published crates ({}), not all",
            PUBLISHED.join(", ")
        ));
    }
    Ok(out)
}

fn dependency_lines(manifest: &str) -> impl Iterator<Item = (&'static str, &str)> {
    let mut section = String::new();
    manifest.lines().filter_map(move |line| {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.to_owned();
            return None;
        }
        let key = trimmed.split('=').next().unwrap_or_default().trim();
        let name = PUBLISHED.iter().find(|p| **p == key)?;
        (section == "[workspace.dependencies]").then_some((*name, line))
    })
}

/// `version = "…"` inside an inline table.
fn inline_version(line: &str) -> Option<String> {
    let at = line.find("version = \"")? + "version = \"".len();
    let end = line[at..].find('"')?;
    Some(line[at..at + end].to_owned())
}

/// `version = "old"` → `version = "new"`, the rest of the line kept.
fn replace_quoted(line: &str, new: &str) -> String {
    match (line.find('"'), line.rfind('"')) {
        (Some(a), Some(b)) if b > a => format!("{}{new}{}", &line[..=a], &line[b..]),
        _ => line.to_owned(),
    }
}

/// The crates whose version is the workspace's (`version.workspace = true`): the published ones
/// and the CLI.
pub const WORKSPACE_VERSIONED: [&str; 6] = [
    "intellectmoney-runtime",
    "intellectmoney-mock",
    "intellectmoney-batch",
    "intellectmoney-receiver",
    "intellectmoney",
    "intellectmoney-cli",
];

/// Writes the new version of the workspace's own crates into a lock file: each `[[package]]` of
/// [`WORKSPACE_VERSIONED`] without a `source` (a path crate, this workspace's). Offline and
/// exact: nothing else is resolved again, so no other dependency moves.
fn relock(lock: &Path, to: Version) -> Result<(), String> {
    let text = std::fs::read_to_string(lock).map_err(|e| format!("{}: {e}", lock.display()))?;
    let relocked = relocked(&text, to);
    std::fs::write(lock, relocked).map_err(|e| format!("{}: {e}", lock.display()))
}

/// The lock file `text` with [`WORKSPACE_VERSIONED`]'s path packages at `to`.
pub fn relocked(text: &str, to: Version) -> String {
    let mut out = String::with_capacity(text.len());
    for block in text.split_inclusive("\n[[package]]\n") {
        let name = block
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .map(|n| n.trim_end_matches('"'));
        let ours = name.is_some_and(|n| WORKSPACE_VERSIONED.contains(&n)) && !block.contains("\nsource = ");
        if !ours {
            out.push_str(block);
            continue;
        }
        let mut done = false;
        for line in block.split_inclusive('\n') {
            if !done && line.starts_with("version = \"") {
                out.push_str(&format!("version = \"{to}\"\n"));
                done = true;
            } else {
                out.push_str(line);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "[workspace]\nmembers = [\"a\"]\n\n[workspace.package]\nversion = \"0.2.0\"\nedition = \"2021\"\n\n[workspace.dependencies]\nintellectmoney-runtime = { version = \"0.2.0\", path = \"runtime\", default-features = false }\nintellectmoney-mock = { version = \"0.2.0\", path = \"mock\" }\nintellectmoney-batch = { version = \"0.2.0\", path = \"batch\" }\nintellectmoney-receiver = { version = \"0.2.0\", path = \"receiver\" }\nintellectmoney = { version = \"0.2.0\", path = \"generated\" }\nother = { version = \"0.2.0\" }\n";

    #[test]
    fn the_version_is_written_in_every_place_and_nothing_else_changes() {
        let v: Version = "0.3.0".parse().unwrap();
        let out = with_version(MANIFEST, v).unwrap();
        assert_eq!(
            out,
            MANIFEST
                .replacen("version = \"0.2.0\"\nedition", "version = \"0.3.0\"\nedition", 1)
                .replace("runtime = { version = \"0.2.0\"", "runtime = { version = \"0.3.0\"")
                .replace("mock = { version = \"0.2.0\"", "mock = { version = \"0.3.0\"")
                .replace("batch = { version = \"0.2.0\"", "batch = { version = \"0.3.0\"")
                .replace("receiver = { version = \"0.2.0\"", "receiver = { version = \"0.3.0\"")
                .replace(
                    "intellectmoney = { version = \"0.2.0\"",
                    "intellectmoney = { version = \"0.3.0\""
                )
        );
        assert!(out.contains("other = { version = \"0.2.0\" }"));
        assert!(stale_dependencies(&out, v).is_empty());
        assert_eq!(
            stale_dependencies(MANIFEST, v),
            [
                "intellectmoney-runtime = \"0.2.0\"",
                "intellectmoney-mock = \"0.2.0\"",
                "intellectmoney-batch = \"0.2.0\"",
                "intellectmoney-receiver = \"0.2.0\"",
                "intellectmoney = \"0.2.0\""
            ]
        );
    }

    #[test]
    fn only_the_workspace_crates_move_in_the_lock() {
        let lock = "version = 4\n\n[[package]]\nname = \"intellectmoney\"\nversion = \"0.2.0\"\ndependencies = [\n \"serde\",\n]\n\n[[package]]\nname = \"intellectmoney\"\nversion = \"0.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"intellectmoney-codegen\"\nversion = \"0.1.0\"\n";
        let out = relocked(lock, "0.3.0".parse().unwrap());
        assert_eq!(out, lock.replacen("version = \"0.2.0\"", "version = \"0.3.0\"", 1));
    }
}
