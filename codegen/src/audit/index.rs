//! The audit index of a page (`spec/audit/<page>.names`): what the audit took from the page, not
//! the page's text. One line per name (kind, name, line, method section), under a header with the
//! page's SHA-256, so that a newly saved page is known to differ and a wiki change shows in a pull
//! request as names added and removed.

use super::extract::{extract, Found, Kind};
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
    /// What was found, in page order.
    pub found: Vec<Found>,
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
             # kind\tname\tline\tmethod section\n\
             sha256\t{}\n",
            self.page, self.sha256
        );
        for f in &self.found {
            o.push_str(&format!("{}\t{}\t{}\t{}\n", f.kind.word(), f.name, f.line, f.method));
        }
        o
    }

    /// Reads an index file; `shown` names it in errors.
    pub fn parse(page: &str, text: &str, shown: &str) -> Result<Index, String> {
        let mut sha256 = None;
        let mut found = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let bad = || format!("{shown}:{}: not `kind<TAB>name<TAB>line<TAB>method`: {line}", i + 1);
            if cols[0] == "sha256" && cols.len() == 2 {
                sha256 = Some(cols[1].to_owned());
                continue;
            }
            if cols.len() != 4 {
                return Err(bad());
            }
            let kind = Kind::from_word(cols[0]).ok_or_else(bad)?;
            let line = cols[2].parse().map_err(|_| bad())?;
            found.push(Found {
                kind,
                name: cols[1].to_owned(),
                method: cols[3].to_owned(),
                line,
            });
        }
        let sha256 = sha256.ok_or_else(|| format!("{shown}: no `sha256` line"))?;
        Ok(Index {
            page: page.to_owned(),
            sha256,
            found,
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
