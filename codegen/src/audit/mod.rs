//! `audit [PAGE]...`: what saved wiki pages name that the spec does not account for, and what the
//! spec names that its pages lack. The names taken from each page are kept in `spec/audit/` as an
//! index ([`index`]), so that CI checks the spec against them without the pages; a newly saved
//! page is compared with its index, and `--update` rewrites the index from it.

pub mod account;
pub mod extract;
pub mod index;

use crate::Layout;
use account::{Problem, SpecNames};
use index::Index;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// What the audit found.
#[derive(Debug)]
pub struct Report {
    /// The report, one line per finding.
    pub text: String,
    /// Nothing unaccounted.
    pub clean: bool,
}

/// Audits the spec against the pages given (and the committed indexes of the others); with
/// `update`, rewrites the indexes of the pages given.
pub fn run(layout: &Layout, pages: &[PathBuf], update: bool) -> Result<Report, String> {
    let ir = crate::build_ir(layout).map_err(|d| format!("the spec:\n{d}"))?;
    let spec = SpecNames::of(&ir);
    let mut o = String::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut indexes = committed(layout, &spec, &mut problems)?;
    for path in pages {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("{}: not a file", path.display()))?;
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let fresh = Index::of_page(&name, &bytes);
        let file = Index::file(&layout.spec_dir, &name);
        match indexes.get(&name) {
            Some(old) if old.sha256 == fresh.sha256 => {
                let _ = writeln!(o, "{name}: the same page as its index");
            }
            Some(old) => {
                let _ = writeln!(o, "{name}: the page changed since its index was written");
                for (kind, n) in fresh.names_not_in(old) {
                    let _ = writeln!(o, "  + {} {n}", kind.word());
                }
                for (kind, n) in old.names_not_in(&fresh) {
                    let _ = writeln!(o, "  - {} {n}", kind.word());
                }
            }
            None => {
                let _ = writeln!(o, "{name}: no index yet ({})", file.display());
            }
        }
        if update {
            std::fs::create_dir_all(file.parent().expect("audit dir")).map_err(|e| e.to_string())?;
            std::fs::write(&file, fresh.render()).map_err(|e| format!("{}: {e}", file.display()))?;
            let _ = writeln!(o, "{name}: wrote {}", file.display());
        } else if indexes.get(&name).is_some_and(|old| old.sha256 != fresh.sha256) {
            problems.push(Problem {
                at: name.clone(),
                what: "differs from its index: once the spec accounts for it, run `audit PAGE --update`".into(),
            });
        }
        problems.retain(|p| !(p.at == name && p.what.starts_with("no index")));
        indexes.insert(name, fresh);
    }
    for ix in indexes.values() {
        problems.extend(spec.unaccounted(ix));
    }
    problems.extend(spec.missing(&indexes));
    for p in &problems {
        let _ = writeln!(o, "{}: {}", p.at, p.what);
    }
    let names: usize = indexes.values().map(|i| i.found.len()).sum();
    let _ = writeln!(
        o,
        "audited {} page(s) against {}: {names} names, {} unaccounted",
        indexes.len(),
        layout.spec_dir.display(),
        problems.len()
    );
    Ok(Report {
        text: o,
        clean: problems.is_empty(),
    })
}

/// The committed index of every page the spec names (a page without one is a problem).
fn committed(
    layout: &Layout,
    spec: &SpecNames,
    problems: &mut Vec<Problem>,
) -> Result<BTreeMap<String, Index>, String> {
    let mut out = BTreeMap::new();
    for page in &spec.pages {
        let file = Index::file(&layout.spec_dir, page);
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let shown = format!("{}audit/{page}.names", layout.spec_display);
                out.insert(page.clone(), Index::parse(page, &text, &shown)?);
            }
            Err(_) => problems.push(Problem {
                at: page.clone(),
                what: format!(
                    "no index ({}): run `audit PAGE --update` with the saved page",
                    file.display()
                ),
            }),
        }
    }
    Ok(out)
}
