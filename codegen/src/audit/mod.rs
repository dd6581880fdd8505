//! `audit [PAGE]...`: what saved wiki pages name that the spec does not account for, and what the
//! spec names that its pages lack. The names taken from each page are kept in `spec/audit/` as an
//! index ([`index`]), so that CI checks the spec against them without the pages; a newly saved
//! page is compared with its index, and `--update` rewrites the index from it.

pub mod account;
pub mod agree;
pub mod extract;
pub mod facts;
pub mod index;

use crate::Layout;
use account::{Problem, SpecNames};
use agree::SpecFacts;
use facts::FactKey;
use index::Index;
use std::collections::{BTreeMap, BTreeSet};
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
/// `update`, rewrites the indexes of the pages given, only when nothing is unaccounted.
pub fn run(layout: &Layout, pages: &[PathBuf], update: bool) -> Result<Report, String> {
    let ir = crate::build_ir(layout).map_err(|d| format!("the spec:\n{d}"))?;
    let spec = SpecNames::of(&ir);
    let mut o = String::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut indexes = committed(layout, &spec, &mut problems)?;
    let mut changed: BTreeMap<String, BTreeSet<FactKey>> = BTreeMap::new();
    let mut fresh_pages = Vec::new();
    for path in pages {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("{}: not a file", path.display()))?;
        if !spec.pages.contains(&name) {
            return Err(format!(
                "{}: not a page the spec was written from; save it under the name its spec file gives (`wiki: pages:`): {}",
                path.display(),
                spec.pages.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let fresh = Index::of_page(&name, &bytes);
        if let Some(wrong) = wrong_page(&SpecFacts::of(&ir, &name), &name, &fresh) {
            // First, before the hundreds of lines such a page gives.
            let _ = writeln!(o, "{}: {}", wrong.at, wrong.what);
            problems.push(wrong);
        }
        let keys = describe(&mut o, &name, indexes.get(&name), &fresh, &layout.spec_dir);
        if !update && indexes.get(&name).is_some_and(|old| old.sha256 != fresh.sha256) {
            problems.push(Problem {
                at: name.clone(),
                what: "differs from its index: once the spec accounts for it, run `audit PAGE --update`".into(),
            });
        }
        problems.retain(|p| !(p.at == name && p.what.starts_with("no index")));
        changed.insert(name.clone(), keys);
        indexes.insert(name.clone(), fresh);
        fresh_pages.push(name);
    }
    for ix in indexes.values() {
        problems.extend(spec.unaccounted(ix));
        let keys = changed.remove(&ix.page).unwrap_or_default();
        problems.extend(SpecFacts::of(&ir, &ix.page).disagreements(&ix.page, &ix.facts, &keys));
    }
    problems.extend(spec.missing(&indexes));
    for page in &spec.pages {
        problems.extend(SpecFacts::of(&ir, page).unfounded_examples());
    }
    problems.sort();
    problems.dedup();
    only_to_record(&mut problems);
    for p in &problems {
        let _ = writeln!(o, "{}: {}", p.at, p.what);
    }
    if update {
        write_indexes(&mut o, layout, &indexes, &fresh_pages, problems.len())?;
    }
    let names: usize = indexes.values().map(|i| i.found.len()).sum();
    let facts: usize = indexes.values().map(|i| i.facts.len()).sum();
    let _ = writeln!(
        o,
        "audited {} page(s) against {}: {names} names, {facts} facts, {} unaccounted",
        indexes.len(),
        layout.spec_dir.display(),
        problems.len()
    );
    Ok(Report {
        text: o,
        clean: problems.is_empty(),
    })
}

/// A page whose only problem is that it differs from its index has nothing for the spec to
/// account for: it only needs recording.
fn only_to_record(problems: &mut [Problem]) {
    const DIFFERS: &str = "differs from its index";
    let pages: Vec<String> = problems
        .iter()
        .filter(|p| p.what.starts_with(DIFFERS))
        .map(|p| p.at.clone())
        .collect();
    for page in pages {
        let others = problems
            .iter()
            .filter(|p| !p.what.starts_with(DIFFERS) && (p.at == page || p.at.starts_with(&format!("{page}:"))))
            .count();
        if others == 0 {
            for p in problems
                .iter_mut()
                .filter(|p| p.at == page && p.what.starts_with(DIFFERS))
            {
                p.what = "differs from its index, and the spec accounts for all of it: run `audit PAGE --update` to record the page".into();
            }
        }
    }
}

/// What a newly saved page changed since its index: names added and removed, and each fact
/// that changed, with its line. Returns the keys of the changed facts.
fn describe(
    o: &mut String,
    name: &str,
    old: Option<&Index>,
    fresh: &Index,
    spec_dir: &std::path::Path,
) -> BTreeSet<FactKey> {
    let Some(old) = old else {
        let _ = writeln!(o, "{name}: no index yet ({})", Index::file(spec_dir, name).display());
        return BTreeSet::new();
    };
    if old.sha256 == fresh.sha256 {
        let _ = writeln!(o, "{name}: the same page as its index");
        return BTreeSet::new();
    }
    let _ = writeln!(o, "{name}: the page changed since its index was written");
    for (kind, n) in fresh.names_not_in(old) {
        let _ = writeln!(o, "  + {} {n}", kind.word());
    }
    for (kind, n) in old.names_not_in(fresh) {
        let _ = writeln!(o, "  - {} {n}", kind.word());
    }
    let changes = facts::changes(&old.facts, &fresh.facts);
    for c in &changes {
        let line = if c.line == 0 {
            String::new()
        } else {
            format!(":{}", c.line)
        };
        let _ = writeln!(o, "  ~ {name}{line}: {}: {}", c.shown, c.what);
    }
    changes.into_iter().map(|c| c.key).collect()
}

/// A page on which few of the spec's methods are is likely another page saved under this name.
fn wrong_page(spec: &SpecFacts, name: &str, fresh: &Index) -> Option<Problem> {
    let (found, all) = spec.methods_found(&fresh.found);
    (all > 0 && found * 2 < all).then(|| Problem {
        at: name.to_owned(),
        what: format!(
            "only {found} of the {all} methods the spec takes from this page are on it: is it the right page? (the spec's `wiki: pages:` names each file's page)"
        ),
    })
}

/// `--update`: writes the indexes of the pages given, or nothing while anything is unaccounted.
fn write_indexes(
    o: &mut String,
    layout: &Layout,
    indexes: &BTreeMap<String, Index>,
    fresh: &[String],
    unaccounted: usize,
) -> Result<(), String> {
    if unaccounted > 0 {
        let _ = writeln!(
            o,
            "nothing written: {unaccounted} unaccounted; the spec must account for every fact first (an index records the page, it does not excuse it)"
        );
        return Ok(());
    }
    for name in fresh {
        let file = Index::file(&layout.spec_dir, name);
        std::fs::create_dir_all(file.parent().expect("audit dir")).map_err(|e| e.to_string())?;
        std::fs::write(&file, indexes[name].render()).map_err(|e| format!("{}: {e}", file.display()))?;
        let _ = writeln!(o, "{name}: wrote {}", file.display());
    }
    Ok(())
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
