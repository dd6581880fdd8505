//! Accounting: every name a page has is in the spec (or the spec says why it is not a name, or
//! which name a misprint stands for), and every name of the spec is on one of its pages (or the
//! spec says where else it comes from, with `source:`). Names compare without regard to case:
//! the server binds them so, and the wiki writes `eshopId` and `EshopId` alike.

use super::extract::{Found, Kind};
use super::index::Index;
use crate::ir::{Api, Ir};
use std::collections::{BTreeMap, BTreeSet};

/// One thing the audit cannot account for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Where: `page:line` or `spec/<file>`.
    pub at: String,
    /// What.
    pub what: String,
}

/// A name the spec expects on its pages.
#[derive(Debug, Clone)]
struct Expected {
    kind: Kind,
    /// Lowercase name (or path).
    name: String,
    /// The value's number, for enum values that have one.
    code: Option<i64>,
    /// How a reader names it.
    shown: String,
    /// The spec file it is in.
    file: String,
    /// The pages it should be on.
    pages: Vec<String>,
}

/// What the spec names, and what it says about the pages.
#[derive(Debug, Default)]
pub struct SpecNames {
    paths: BTreeSet<String>,
    names: BTreeSet<String>,
    /// The names as the spec spells them (an all-lower-case name of a page must be one).
    spelled_so: BTreeSet<String>,
    values: BTreeSet<(String, Option<i64>)>,
    words: BTreeMap<String, String>,
    misprints: BTreeMap<String, String>,
    expected: Vec<Expected>,
    /// Every page some spec file was written from.
    pub pages: BTreeSet<String>,
    /// Misprints that name no name of the spec.
    bad_misprints: Vec<Problem>,
}

/// The type column's words, as a row run together ends with them.
const TYPE_CELLS: &[&str] = &[
    "string", "text", "tinyint", "int", "bool", "long", "decimal", "datetime", "guid", "list", "date", "double",
];

fn has_source(notes: &[String]) -> bool {
    notes.iter().any(|n| n.starts_with("Source:"))
}

impl SpecNames {
    /// Collects the names of the IR.
    pub fn of(ir: &Ir) -> SpecNames {
        let mut s = SpecNames::default();
        for api in &ir.apis {
            s.collect_api(api);
        }
        s.spelled_so = exact_names(ir);
        for (page, spec) in s.misprints.clone() {
            if !s.names.contains(&spec) && !s.paths.contains(&spec) && !s.values.iter().any(|(n, _)| *n == spec) {
                s.bad_misprints.push(Problem {
                    at: "spec".into(),
                    what: format!("the misprint `{page}` stands for `{spec}`, which the spec does not name"),
                });
            }
        }
        s
    }

    fn expect(&mut self, api: &Api, kind: Kind, name: &str, code: Option<i64>, shown: String, excused: bool) {
        let Some(wiki) = &api.wiki else { return };
        if !excused {
            self.expected.push(Expected {
                kind,
                name: name.to_lowercase(),
                code,
                shown,
                file: api.file.clone(),
                pages: wiki.pages.clone(),
            });
        }
    }

    fn collect_api(&mut self, api: &Api) {
        if let Some(w) = &api.wiki {
            self.pages.extend(w.pages.iter().cloned());
            self.words
                .extend(w.words.iter().map(|(k, v)| (k.to_lowercase(), v.clone())));
            let spelled = w
                .misprints
                .iter()
                .map(|(k, (spec, _))| (k.to_lowercase(), spec.to_lowercase()));
            self.misprints.extend(spelled);
        }
        for m in &api.methods {
            self.collect_method(api, m);
        }
        for t in &api.types {
            self.names.insert(t.name.to_lowercase());
            for f in &t.fields {
                self.names.insert(f.wire.to_lowercase());
                if let Some(item) = &f.item {
                    self.names.insert(item.to_lowercase());
                }
                let shown = format!("{}::{}.{} (field)", api.module, t.name, f.wire);
                let excused = has_source(&t.notes) || has_source(&f.notes);
                self.expect(api, Kind::Name, &f.wire, None, shown, excused);
            }
        }
        for e in &api.enums {
            self.names.insert(e.name.to_lowercase());
            for v in &e.values {
                self.values.insert((v.wire.to_lowercase(), v.code));
                self.names.insert(v.wire.to_lowercase());
                let shown = format!("{}::{}.{} (value)", api.module, e.name, v.wire);
                let excused = has_source(&e.notes) || has_source(&v.notes);
                self.expect(api, Kind::Value, &v.wire, v.code, shown, excused);
            }
        }
        if let Some(n) = &api.notification {
            self.collect_notification(api, n);
        }
    }

    fn collect_method(&mut self, api: &Api, m: &crate::ir::Method) {
        self.paths.insert(m.path.to_lowercase());
        self.names.insert(m.wire.to_lowercase());
        self.names.insert(m.rust.to_lowercase());
        let excused = has_source(&m.notes);
        let shown = format!("{}::{} (path {})", api.module, m.wire, m.path);
        self.expect(api, Kind::Path, &m.path, None, shown, excused);
        for p in &m.params {
            self.names.insert(p.wire.to_lowercase());
            let shown = format!("{}::{}.{} (parameter)", api.module, m.wire, p.wire);
            self.expect(api, Kind::Name, &p.wire, None, shown, excused || has_source(&p.notes));
        }
        if let Some(sign) = &m.sign {
            for slot in sign.text.split("::").filter(|s| !s.is_empty()) {
                self.names.insert(slot.to_lowercase());
            }
        }
    }

    fn collect_notification(&mut self, api: &Api, n: &crate::ir::Notification) {
        self.names.insert(n.name.to_lowercase());
        self.names.insert(n.hash_field.to_lowercase());
        for f in &n.fields {
            self.names.insert(f.wire.to_lowercase());
            let shown = format!("{}::{}.{} (notification field)", api.module, n.name, f.wire);
            let excused = has_source(&n.notes) || has_source(&f.notes);
            self.expect(api, Kind::Name, &f.wire, None, shown, excused);
        }
    }

    /// The spec name a page's name stands for: itself, what the spec says the page's spelling
    /// means, or, for a table row run together with its type cell (`RcCodestring`,
    /// `TypeReceiptDocTypeEnum`), the name before the type.
    fn meant(&self, name: &str) -> String {
        let lower = self.spelled(&name.to_lowercase());
        if self.names.contains(&lower) {
            return lower;
        }
        let split = (1..lower.len()).filter(|&i| lower.is_char_boundary(i)).find_map(|i| {
            let (head, tail) = lower.split_at(i);
            let tail = self.spelled(tail);
            let is_type = TYPE_CELLS.contains(&tail.as_str()) || self.names.contains(&tail);
            (self.names.contains(head) && is_type).then(|| head.to_owned())
        });
        split.unwrap_or(lower)
    }

    /// The spec's name for a page's spelling, if the spec gives one.
    fn spelled(&self, lower: &str) -> String {
        self.misprints.get(lower).cloned().unwrap_or_else(|| lower.to_owned())
    }

    /// Whether a value as the page runs it together (`Vat201`) splits into a value the spec has.
    fn value_known(&self, token: &str) -> bool {
        let lower = token.to_lowercase();
        (1..lower.len()).filter(|&i| lower.is_char_boundary(i)).any(|i| {
            let (name, digits) = lower.split_at(i);
            let name = self.spelled(name);
            digits
                .parse::<i64>()
                .is_ok_and(|code| self.values.contains(&(name, Some(code))))
        }) || self.meant(&lower) != lower
    }

    fn accounted(&self, f: &Found) -> bool {
        let meant = self.meant(&f.name);
        match f.kind {
            Kind::Path => self.paths.contains(&meant),
            // A glued table row can end in the value's number (`Paid2Полностью`).
            // A type cell alone on its line (`decimal`): the table's type column, not a name.
            Kind::Name if TYPE_CELLS.contains(&f.name.to_lowercase().as_str()) => true,
            Kind::Name if self.generic(&f.name) => false,
            Kind::Name | Kind::Key => {
                self.names.contains(&meant) || self.words.contains_key(&meant) || self.value_known(&f.name)
            }
            Kind::Value => self.value_known(&f.name) || self.words.contains_key(&meant),
        }
    }

    /// An all-lower-case word outside an example's keys (`amount`) that the spec spells
    /// otherwise (`Amount`), and the spec does not name as a word or misprint: a word of the
    /// page's prose or of another API, not the spec's name.
    fn generic(&self, name: &str) -> bool {
        let lower = name.to_lowercase();
        name == lower
            && !self.spelled_so.contains(name)
            && !self.words.contains_key(&lower)
            && !self.misprints.contains_key(&lower)
    }

    /// Names on the page the spec does not account for.
    pub fn unaccounted(&self, index: &Index) -> Vec<Problem> {
        let mut seen = BTreeSet::new();
        index
            .found
            .iter()
            .filter(|f| !self.accounted(f) && seen.insert((f.kind, f.name.to_lowercase())))
            .map(|f| Problem {
                at: if f.line == 0 {
                    index.page.clone()
                } else {
                    format!("{}:{}", index.page, f.line)
                },
                what: match f.kind {
                    Kind::Value => format!(
                        "value `{}` (name and number run together) is not a value of the spec",
                        f.name
                    ),
                    Kind::Path => format!("path `{}` is not in the spec", f.name),
                    k => format!("{} `{}`{} is not in the spec", k.word(), f.name, section(&f.method)),
                },
            })
            .collect()
    }

    /// Names of the spec that none of their pages has (and no `source:` excuses).
    pub fn missing(&self, indexes: &BTreeMap<String, Index>) -> Vec<Problem> {
        let mut out = self.bad_misprints.clone();
        for e in &self.expected {
            let pages: Vec<&Index> = e.pages.iter().filter_map(|p| indexes.get(p)).collect();
            if pages.len() < e.pages.len() {
                continue; // reported once per page by the caller
            }
            if !pages.iter().any(|ix| ix.found.iter().any(|f| self.matches(e, f))) {
                out.push(Problem {
                    at: e.file.clone(),
                    what: format!(
                        "{} is on none of its pages ({}) and has no `source:`",
                        e.shown,
                        e.pages.join(", ")
                    ),
                });
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn matches(&self, e: &Expected, f: &Found) -> bool {
        let meant = self.meant(&f.name);
        match (e.kind, f.kind) {
            (Kind::Path, Kind::Path) => meant == e.name,
            (Kind::Name, Kind::Name | Kind::Key) => meant == e.name && !self.generic(&f.name),
            (Kind::Value, Kind::Value) => {
                let lower = f.name.to_lowercase();
                match e.code {
                    Some(code) => lower == format!("{}{code}", e.name) || meant == e.name,
                    None => lower.starts_with(&e.name),
                }
            }
            // OCR and some tables list values without numbers, one per line.
            (Kind::Value, Kind::Name) => meant == e.name,
            _ => false,
        }
    }
}

/// Every name of the IR as the spec spells it.
fn exact_names(ir: &Ir) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for api in &ir.apis {
        for m in &api.methods {
            out.insert(m.wire.clone());
            out.extend(m.params.iter().map(|p| p.wire.clone()));
        }
        for t in &api.types {
            out.insert(t.name.clone());
            out.extend(
                t.fields
                    .iter()
                    .flat_map(|f| std::iter::once(f.wire.clone()).chain(f.aliases.iter().cloned())),
            );
            out.extend(t.fields.iter().filter_map(|f| f.item.clone()));
        }
        for e in &api.enums {
            out.insert(e.name.clone());
            out.extend(e.values.iter().map(|v| v.wire.clone()));
        }
        if let Some(n) = &api.notification {
            out.insert(n.name.clone());
            out.insert(n.hash_field.clone());
            out.extend(n.fields.iter().map(|f| f.wire.clone()));
        }
    }
    out
}

fn section(method: &str) -> String {
    if method.is_empty() {
        String::new()
    } else {
        format!(" (in {method})")
    }
}
