//! The audit index of a page (`spec/audit/<page>.names`): what the audit took from the page, not
//! the page's text. Under a header with the page's SHA-256 (so that a newly saved page is known to
//! differ), one line per name (kind, name, method section) and one per fact (kind, scope, name,
//! attributes), sorted and keyed by what they are, never by line: an edit elsewhere on the page
//! changes no line of the index, and a wiki change shows in a pull request as the facts it
//! changed.

use super::extract::{extract, Found, Kind};
use super::facts::{facts, Fact, FactKind};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The names of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The page's file name.
    pub page: String,
    /// SHA-256 of the page's bytes, lowercase hex.
    pub sha256: String,
    /// The names found, in page order (from an index: sorted, lines 0).
    pub found: Vec<Found>,
    /// The facts found, in page order (from an index: sorted, lines 0).
    pub facts: Vec<Fact>,
}

impl Index {
    /// The index of a page's text.
    pub fn of_page(page: &str, bytes: &[u8]) -> Index {
        let text = String::from_utf8_lossy(bytes);
        let digest = Sha256::digest(bytes);
        let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
        Index {
            page: page.to_owned(),
            sha256,
            found: extract(&text),
            facts: facts(&text),
        }
    }

    /// The file that holds it.
    pub fn file(spec_dir: &Path, page: &str) -> PathBuf {
        spec_dir.join("audit").join(format!("{page}.names"))
    }

    /// The index as written to its file.
    pub fn render(&self) -> String {
        let mut o = format!(
            "# What `intellectmoney-codegen audit` took from the wiki page `{}` (not its text).\n\
             # Rewritten by `intellectmoney-codegen audit <PAGE> --update`; do not edit by hand.\n\
             # name lines: kind<TAB>name<TAB>method section; fact lines: kind<TAB>scope<TAB>name<TAB>attributes\n\
             sha256\t{}\n",
            self.page, self.sha256
        );
        let names: BTreeSet<String> = self
            .found
            .iter()
            .map(|f| format!("{}\t{}\t{}\n", f.kind.word(), f.name, f.method))
            .collect();
        names.iter().for_each(|l| o.push_str(l));
        let facts: BTreeSet<String> = self
            .facts
            .iter()
            .map(|f| format!("{}\t{}\t{}\t{}\n", f.kind.word(), f.scope, f.name, f.attrs_text()))
            .collect();
        facts.iter().for_each(|l| o.push_str(l));
        o
    }

    /// Reads an index file; `shown` names it in errors.
    pub fn parse(page: &str, text: &str, shown: &str) -> Result<Index, String> {
        let mut sha256 = None;
        let mut found = Vec::new();
        let mut facts = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let bad = || {
                format!(
                    "{shown}:{}: neither `kind<TAB>name<TAB>method` nor `kind<TAB>scope<TAB>name<TAB>attributes`: {line} (an index written by a newer intellectmoney-codegen? run the checkout's own, `cargo run -q -p intellectmoney-codegen -- audit`)",
                    i + 1
                )
            };
            match (cols[0], cols.len()) {
                ("sha256", 2) => sha256 = Some(cols[1].to_owned()),
                // A name; an index written before facts also kept its line (third column).
                (word, 3 | 4) if Kind::from_word(word).is_some() => found.push(Found {
                    kind: Kind::from_word(word).ok_or_else(bad)?,
                    name: cols[1].to_owned(),
                    method: cols[cols.len() - 1].to_owned(),
                    line: 0,
                }),
                (word, 4) => facts.push(parse_fact(word, &cols, bad)?),
                _ => return Err(bad()),
            }
        }
        let sha256 = sha256.ok_or_else(|| format!("{shown}: no `sha256` line"))?;
        Ok(Index {
            page: page.to_owned(),
            sha256,
            found,
            facts,
        })
    }

    /// (kind, name) pairs of `self` that `other` lacks: what a new page adds.
    pub fn names_not_in(&self, other: &Index) -> BTreeSet<(Kind, String)> {
        let theirs: BTreeSet<(Kind, &str)> = other.found.iter().map(|f| (f.kind, f.name.as_str())).collect();
        self.found
            .iter()
            .filter(|f| !theirs.contains(&(f.kind, f.name.as_str())))
            .map(|f| (f.kind, f.name.clone()))
            .collect()
    }
}

fn parse_fact(word: &str, cols: &[&str], bad: impl Fn() -> String) -> Result<Fact, String> {
    let kind = FactKind::from_word(word).ok_or_else(&bad)?;
    let mut attrs = std::collections::BTreeMap::new();
    for pair in cols[3].split(' ').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(&bad)?;
        attrs.insert(k.to_owned(), v.to_owned());
    }
    Ok(Fact {
        kind,
        scope: cols[1].to_owned(),
        name: cols[2].to_owned(),
        attrs,
        line: 0,
    })
}
