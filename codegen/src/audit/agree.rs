//! Whether the spec agrees with the facts of its pages ([`super::facts`]), fact by fact: each
//! parameter row is a parameter of its method with the same required mark and limits, each
//! document row a field of a type of the same kind, each `Sign` line the method's template slot
//! for slot. A fact the spec deliberately reads otherwise carries a `note:` or `source:` at that
//! place in the spec (a `Sign` template taken from elsewhere says so with its `source:`); nothing
//! else accounts for it, so that `audit --update` cannot hide it.

use super::account::Problem;
use super::facts::{Fact, FactKey, FactKind};
use crate::ir::{Api, Ir, Method, Param, Required, Struct, Ty};
use std::collections::{BTreeMap, BTreeSet};

/// What the spec says, as the facts are keyed (lowercase), with the page's misprints.
pub struct SpecFacts<'a> {
    apis: Vec<&'a Api>,
    misprints: BTreeMap<String, String>,
    words: Vec<String>,
}

impl<'a> SpecFacts<'a> {
    /// The spec files written from `page`.
    pub fn of(ir: &'a Ir, page: &str) -> SpecFacts<'a> {
        let apis: Vec<&Api> = ir
            .apis
            .iter()
            .filter(|a| a.wiki.as_ref().is_some_and(|w| w.pages.iter().any(|p| p == page)))
            .collect();
        let mut misprints = BTreeMap::new();
        let mut words = Vec::new();
        for w in apis.iter().filter_map(|a| a.wiki.as_ref()) {
            misprints.extend(
                w.misprints
                    .iter()
                    .map(|(k, (v, _))| (k.to_lowercase(), v.to_lowercase())),
            );
            words.extend(w.words.keys().map(|k| k.to_lowercase()));
        }
        SpecFacts { apis, misprints, words }
    }

    /// The spec's spelling of a page's word (lowercase): itself, or what `wiki: page_names:`
    /// says a misprint stands for.
    pub fn meant(&self, page: &str) -> String {
        let lower = page.to_lowercase();
        self.misprints.get(&lower).cloned().unwrap_or(lower)
    }

    /// The method of a page's path: of two with one path (a current version from elsewhere and
    /// the wiki's), the wiki's, the one without a `source:`.
    pub fn method(&self, path: &str) -> Option<&'a Method> {
        let path = self.meant(path);
        let mut all = self
            .apis
            .iter()
            .flat_map(|a| &a.methods)
            .filter(|m| m.path.to_lowercase() == path);
        let first = all.clone().next();
        all.find(|m| !m.notes.iter().any(|n| n.starts_with("Source:")))
            .or(first)
    }

    /// The type of a page's document: by name, or the type whose note names it (`<Name>`).
    pub fn document(&self, name: &str) -> Option<&'a Struct> {
        let name = self.meant(name);
        let shown = format!("<{name}>");
        let types = || self.apis.iter().flat_map(|a| &a.types);
        types()
            .find(|t| t.name.to_lowercase() == name)
            .or_else(|| types().find(|t| t.notes.iter().any(|n| n.to_lowercase().contains(&shown))))
    }

    /// How many of the methods the spec takes from this page the page names (its paths), of all.
    pub fn methods_found(&self, found: &[super::extract::Found]) -> (usize, usize) {
        let on_page: BTreeSet<String> = found
            .iter()
            .filter(|f| f.kind == super::extract::Kind::Path)
            .map(|f| self.meant(&f.name))
            .collect();
        let paths: BTreeSet<String> = self
            .apis
            .iter()
            .flat_map(|a| &a.methods)
            .map(|m| m.path.to_lowercase())
            .collect();
        (paths.iter().filter(|p| on_page.contains(*p)).count(), paths.len())
    }

    /// Every fact of `facts` the spec does not account for; `page` names them in messages. A
    /// fact in `changed` (it differs from the page's last index) is not accounted for by any
    /// note of its element, only by one that speaks of the new value (names it): a note written
    /// for the old page says nothing of the new one.
    pub fn disagreements(&self, page: &str, facts: &[Fact], changed: &BTreeSet<FactKey>) -> Vec<Problem> {
        let mut out = Vec::new();
        for f in facts {
            let strict = changed.contains(&f.key());
            let what = match f.kind {
                FactKind::Param => self.param(f, strict),
                FactKind::Field => self.field(f, strict),
                FactKind::Sign => self.sign(f),
            };
            if let Some(what) = what {
                out.push(Problem {
                    at: at(page, f.line),
                    what: format!("{}: {what}", f.shown()),
                });
            }
        }
        out.extend(self.rows_missing(page, facts));
        out.extend(self.fields_missing(page, facts));
        out
    }

    fn param(&self, f: &Fact, strict: bool) -> Option<String> {
        let m = self.method(&f.scope)?;
        if self.words.contains(&f.name.to_lowercase()) {
            return None;
        }
        let name = self.meant(&f.name);
        let Some(p) = m.params.iter().find(|p| p.wire.to_lowercase() == name) else {
            let noted = names_in_notes(&m.notes, &f.name) || m.params.iter().any(|p| names_in_notes(&p.notes, &f.name));
            return (!noted).then(|| format!("a row of the page, not a parameter of {}", m.wire));
        };
        if has_notes(&p.notes) && !strict {
            return None;
        }
        let mut differs: Vec<(String, String)> = Vec::new();
        if let Some(page) = f.attrs.get("required") {
            let spec = match p.required {
                Required::Always => "yes",
                Required::No if p.from_session => "yes",
                Required::No => "no",
                Required::When { .. } => "conditional",
            };
            if page != spec {
                differs.push((
                    "required".into(),
                    format!("required: the page says {page}, the spec {spec}"),
                ));
            }
        }
        differs.extend(limit(
            f,
            "max_len",
            p.limits.max_len.or(p.limits.lengths.iter().copied().max()),
        ));
        differs.extend(limit(
            f,
            "min_len",
            p.limits.min_len.or(p.limits.lengths.iter().copied().min()),
        ));
        if let Some(page) = f.attrs.get("type") {
            if !type_agrees(page, &p.ty) {
                differs.push((
                    page.clone(),
                    format!("type: the page says {page}, the spec {}", p.ty.spec_name()),
                ));
            }
        }
        differs.retain(|(word, _)| !(strict && speaks_of(&p.notes, word)));
        let words: Vec<String> = differs.iter().map(|(w, _)| format!("`{w}`")).collect();
        let text: Vec<String> = differs.into_iter().map(|(_, t)| t).collect();
        (!text.is_empty()).then(|| text.join("; ") + &how_to_account("parameter", strict, &words.join(", ")))
    }

    fn field(&self, f: &Fact, strict: bool) -> Option<String> {
        let Some(t) = self.document(&f.scope) else {
            return Some(format!(
                "the table <{}> is no type of the spec, so its rows cannot be compared (a type named so, a note naming `<{}>`, or a `wiki: page_names:` entry)",
                f.scope, f.scope
            ));
        };
        let name = self.meant(&f.name);
        let Some(field) = t
            .fields
            .iter()
            .find(|x| x.wire.to_lowercase() == name || x.aliases.iter().any(|a| a.to_lowercase() == name))
        else {
            let noted = names_in_notes(&t.notes, &f.name) || t.fields.iter().any(|x| names_in_notes(&x.notes, &f.name));
            return (!noted).then(|| format!("a row of the page, not a field of {}", t.name));
        };
        let page = f.attrs.get("type")?;
        let excused = if strict {
            speaks_of(&field.notes, page)
        } else {
            has_notes(&field.notes)
        };
        (!excused && !type_agrees(page, &field.ty)).then(|| {
            format!("type: the page says {page}, the spec {}", field.ty.spec_name())
                + &how_to_account("field", strict, &format!("`{page}`"))
        })
    }

    fn sign(&self, f: &Fact) -> Option<String> {
        let m = self.method(&f.scope)?;
        let page = f.attrs.get("slots")?;
        let Some(sign) = &m.sign else {
            return Some(format!(
                "the page signs {} with `{page}`; the spec has no template",
                m.wire
            ));
        };
        if sign.source.as_deref().is_some_and(|s| s != "wiki") {
            return None; // taken from elsewhere, and the spec says from where
        }
        let ours: Vec<String> = page.split("::").map(|s| self.meant(s)).collect();
        let spec: Vec<String> = sign.text.split("::").map(str::to_lowercase).collect();
        (ours != spec).then(|| {
            format!(
                "Sign order: the page has {}, the spec {}",
                slots(page),
                slots(&sign.text)
            )
        })
    }

    /// Parameters of a method whose table the page has, that are not rows of it.
    fn rows_missing(&self, page: &str, facts: &[Fact]) -> Vec<Problem> {
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in facts.iter().filter(|f| f.kind == FactKind::Param) {
            tables.entry(f.scope.clone()).or_default().push(self.meant(&f.name));
        }
        let mut out = Vec::new();
        for (path, rows) in &tables {
            let Some(m) = self.method(path) else { continue };
            for p in m
                .params
                .iter()
                .filter(|p| !rows.contains(&p.wire.to_lowercase()) && !excused(p))
            {
                out.push(Problem {
                    at: page.to_owned(),
                    what: format!(
                        "parameter {} of {} is not a row of the page's table (a parameter of the spec's own needs a `note:` or `source:`)",
                        p.wire, path
                    ),
                });
            }
        }
        out
    }
}

/// What accounts for a disagreement: the spec made to agree, or a note on the element (for a
/// fact that changed since the index, one that names the new value: `words`).
fn how_to_account(element: &str, strict: bool, words: &str) -> String {
    if strict {
        format!(
            " (the page changed this since its index: make the spec agree, or, to read it otherwise, give the {element} a `note:` that names the new value, {words}, and says why)"
        )
    } else {
        format!(" (a reading of the spec's own needs a `note:` or `source:` on the {element})")
    }
}

/// Whether a note names the page's row (`` `Name` ``): the spec's account of a row it reads
/// otherwise, such as a field the wiki's table names differently from its examples.
fn names_in_notes(notes: &[String], row: &str) -> bool {
    let quoted = format!("`{}`", row.to_lowercase());
    notes.iter().any(|n| n.to_lowercase().contains(&quoted))
}

impl SpecFacts<'_> {
    /// Fields and enum values whose `source:` says they come from the examples, that no example
    /// of their API holds: a claim a reader cannot check is as good as none.
    pub fn unfounded_examples(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        for api in &self.apis {
            let texts: Vec<&String> = api
                .methods
                .iter()
                .flat_map(|m| &m.examples)
                .flat_map(|e| [&e.xml_text, &e.json_text, &e.request].into_iter().flatten())
                .collect();
            let held = |name: &str| texts.iter().any(|t| t.contains(name));
            let from_example = |notes: &[String]| notes.iter().any(|n| n.starts_with("Source: example"));
            for t in &api.types {
                for f in t.fields.iter().filter(|f| from_example(&f.notes) && !held(&f.wire)) {
                    out.push(Problem {
                        at: api.file.clone(),
                        what: format!(
                            "{}::{}.{} says `source: example`, but no example of the API holds `{}`",
                            api.module, t.name, f.wire, f.wire
                        ),
                    });
                }
            }
            for e in &api.enums {
                for v in e.values.iter().filter(|v| from_example(&v.notes) && !held(&v.wire)) {
                    out.push(Problem {
                        at: api.file.clone(),
                        what: format!(
                            "{}::{}.{} says `source: example`, but no example of the API holds `{}`",
                            api.module, e.name, v.wire, v.wire
                        ),
                    });
                }
            }
        }
        out
    }

    /// Fields of a type whose table the page has, that are not rows of it.
    fn fields_missing(&self, page: &str, facts: &[Fact]) -> Vec<Problem> {
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in facts.iter().filter(|f| f.kind == FactKind::Field) {
            tables.entry(f.scope.clone()).or_default().push(self.meant(&f.name));
        }
        let mut out = Vec::new();
        for (doc, rows) in &tables {
            let Some(t) = self.document(doc) else { continue };
            let absent = t.fields.iter().filter(|x| {
                let names = std::iter::once(&x.wire).chain(&x.aliases);
                !names.into_iter().any(|n| rows.contains(&n.to_lowercase())) && !has_notes(&x.notes)
            });
            for x in absent {
                out.push(Problem {
                    at: page.to_owned(),
                    what: format!(
                        "field {} of {} is not a row of the page's table <{doc}> (a field of the spec's own needs a `note:` or `source:`)",
                        x.wire, t.name
                    ),
                });
            }
        }
        out
    }
}

fn excused(p: &Param) -> bool {
    has_notes(&p.notes)
}

fn has_notes(notes: &[String]) -> bool {
    !notes.is_empty()
}

fn at(page: &str, line: usize) -> String {
    if line == 0 {
        page.to_owned()
    } else {
        format!("{page}:{line}")
    }
}

/// A limit that differs: (the page's value, what to say).
fn limit(f: &Fact, attr: &str, spec: Option<u32>) -> Option<(String, String)> {
    let page = f.attrs.get(attr)?;
    let spec_text = spec.map_or("none".to_owned(), |n| n.to_string());
    (*page != spec_text).then(|| {
        (
            page.clone(),
            format!("{attr}: the page says {page}, the spec {spec_text}"),
        )
    })
}

/// Whether a note names `word` (the page's new value, or `required`).
fn speaks_of(notes: &[String], word: &str) -> bool {
    let word = word.to_lowercase();
    notes.iter().any(|n| n.to_lowercase().contains(&word))
}

/// A template as its numbered slots: `1 UserToken, 2 (empty), …`.
fn slots(template: &str) -> String {
    template
        .split("::")
        .enumerate()
        .map(|(i, s)| format!("{} {}", i + 1, if s.is_empty() { "(empty)" } else { s }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a type cell of the page and a type of the spec are of one kind: a number is a
/// number, a text a text or something the spec reads out of a text, a named type a type the
/// spec generates.
pub fn type_agrees(page: &str, spec: &Ty) -> bool {
    let page = page.trim();
    if let Some(inner) = page.strip_prefix("List<").and_then(|r| r.strip_suffix('>')) {
        return matches!(spec, Ty::List(t) if type_agrees(inner, t));
    }
    let spec = spec.wire();
    match page.to_lowercase().as_str() {
        "string" | "text" => matches!(
            spec,
            Ty::String | Ty::TypedText | Ty::Enum(..) | Ty::Json(_) | Ty::Date | Ty::DateTime | Ty::Guid
        ),
        "int" | "tinyint" | "long" => matches!(spec, Ty::Int | Ty::Long | Ty::Enum(..)),
        "decimal" | "double" | "float" => matches!(spec, Ty::Decimal),
        "bool" | "boolean" => matches!(spec, Ty::Bool),
        "datetime" | "date" => matches!(spec, Ty::DateTime | Ty::Date),
        "guid" => matches!(spec, Ty::Guid | Ty::String),
        _ => matches!(spec, Ty::Enum(..) | Ty::Struct(..) | Ty::Result | Ty::List(_)),
    }
}
