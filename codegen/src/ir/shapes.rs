//! Structures, enumerations and id types.

use super::builder::*;
use super::*;
use crate::model;
use heck::ToUpperCamelCase;
use std::collections::BTreeSet;

pub(super) fn build_wiki(w: &model::WikiDef) -> WikiAudit {
    let mut audit = WikiAudit {
        pages: w.pages.iter().map(|p| p.as_str().to_owned()).collect(),
        ..WikiAudit::default()
    };
    for group in &w.words {
        for n in &group.names {
            audit.words.insert(n.as_str().to_owned(), group.reason.clone());
        }
    }
    for m in &w.page_names {
        audit.misprints.insert(
            m.page.as_str().to_owned(),
            (m.spec.as_str().to_owned(), m.reason.clone()),
        );
    }
    audit
}

/// An id type (its wrapped type was checked when its name was declared).
pub(super) fn build_id(b: &Builder, i: &model::IdDef) -> Option<IdType> {
    let inner = b.names.get(i.name.as_str())?.inner.clone()?;
    Some(IdType {
        name: i.name.as_str().to_owned(),
        doc: i.doc.trim().to_owned(),
        inner,
        notes: notes(&i.source, &i.note),
    })
}

pub(super) fn build_enum(b: &mut Builder, e: &model::EnumDef) -> Enum {
    let wire_code = match e.wire.as_ref().map(|s| (s, s.as_str())) {
        None | Some((_, "name")) => false,
        Some((_, "code")) => true,
        Some((s, other)) => {
            b.err(s.span(), format!("wire must be `name` or `code`, not `{other}`"));
            false
        }
    };
    let mut names = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let mut values = Vec::new();
    for v in &e.values {
        let wire = v.name.as_str();
        if !is_identifier(wire) {
            b.err(v.name.span(), format!("enum value `{wire}` is not an identifier"));
        }
        if wire == "Unknown" {
            b.err(v.name.span(), "`Unknown` is reserved for values the spec does not know");
        }
        if !names.insert(wire.to_owned()) {
            b.err(
                v.name.span(),
                format!("duplicate value `{wire}` in enum `{}`", e.name.as_str()),
            );
        }
        if let Some(c) = &v.code {
            if !codes.insert(**c) {
                b.err(
                    c.span(),
                    format!("duplicate code {} in enum `{}`", **c, e.name.as_str()),
                );
            }
        } else if wire_code {
            b.err(
                v.name.span(),
                format!("enum `{}` is written by code, but `{wire}` has none", e.name.as_str()),
            );
        }
        values.push(EnumValue {
            wire: wire.to_owned(),
            rust: wire.to_upper_camel_case(),
            code: v.code.as_ref().map(|c| **c),
            is_final: v.is_final,
            text: v.text.clone(),
            doc: v.doc.trim().to_owned(),
            notes: notes(&v.source, &v.note),
        });
    }
    if values.is_empty() {
        b.err(e.name.span(), format!("enum `{}` has no values", e.name.as_str()));
    }
    Enum {
        name: e.name.as_str().to_owned(),
        doc: e.doc.trim().to_owned(),
        wire_code,
        notes: notes(&e.source, &e.note),
        values,
    }
}

/// Limits of a field: only on documents (the client writes them), and fitting the type.
fn check_field_limits(b: &mut Builder, f: &model::Field, ty: &Ty, document: bool) {
    let before = b.diags.len();
    let any = f.min_len.is_some() || f.max_len.is_some() || !f.lengths.is_empty() || f.max_places.is_some();
    if any && !document {
        b.err(
            f.name.span(),
            "limits are checked before sending: only fields of documents take them",
        );
    }
    if (f.min_len.is_some() || f.max_len.is_some() || !f.lengths.is_empty()) && !matches!(ty, Ty::String) {
        b.err(
            f.name.span(),
            format!("a length limit does not apply to type `{}`", ty.spec_name()),
        );
    }
    if f.max_places.is_some() && !matches!(ty, Ty::Decimal) {
        b.err(
            f.name.span(),
            format!("limit `max_places` does not apply to type `{}`", ty.spec_name()),
        );
    }
    if b.lints == Lints::On && b.diags.len() == before {
        lint_limit_source(b, &f.name, &f.doc, &f.source, &f.note, &field_limit_numbers(f));
    }
}

fn field_limit_numbers(f: &model::Field) -> Vec<String> {
    let mut v: Vec<String> = [f.min_len, f.max_len, f.max_places]
        .iter()
        .flatten()
        .map(u32::to_string)
        .collect();
    v.extend(f.lengths.iter().map(u32::to_string));
    v
}

/// `lenient` is for the optional scalars of answers (a number, a decimal, a boolean, a date-time
/// or a GUID whose parse can fail, and a text or an enum, which read any text but not an object
/// or a list), and for structures and lists of them, read as none or empty when they do not read.
fn check_lenient(b: &mut Builder, f: &model::Field, ty: &Ty, document: bool) {
    let readable = match ty.wire() {
        Ty::Int | Ty::Long | Ty::Decimal | Ty::Bool | Ty::DateTime | Ty::Guid | Ty::String | Ty::Enum(..) => true,
        Ty::Struct(..) => true,
        Ty::List(item) => matches!(item.as_ref(), Ty::Struct(..)),
        _ => false,
    };
    if f.lenient && (f.required || document || !readable) {
        b.err(
            f.name.span(),
            format!(
                "`lenient` is for an optional scalar (a number, decimal, boolean, date-time, GUID, text or enum), structure or list of structures of an answer; `{}` is {}{}",
                f.name.as_str(),
                if f.required { "required, " } else { "" },
                ty.spec_name()
            ),
        );
    }
}

/// Records the names field `f` is read under (its wire name, unless `wire` is false, and its
/// aliases), refusing one that already names another field of `t`.
fn read_names(b: &mut Builder, t: &model::TypeDef, f: &model::Field, wire: bool, names: &mut BTreeSet<String>) {
    let aliases = f.aliases.iter().map(|a| (a.as_str(), a.span()));
    for (name, span) in std::iter::once((f.name.as_str(), f.name.span()))
        .filter(|_| wire)
        .chain(aliases)
    {
        if !names.insert(name.to_owned()) {
            b.err(
                span,
                format!(
                    "`{name}` names two fields of `{}` (a wire name or an alias)",
                    t.name.as_str()
                ),
            );
        }
    }
}

pub(super) fn build_struct(b: &mut Builder, t: &model::TypeDef) -> Struct {
    let mut seen = BTreeSet::new();
    // Every name a field is read under (its wire name and its aliases): one field each, so that
    // a decoder never has to choose.
    let mut names = BTreeSet::new();
    let mut fields = Vec::new();
    for f in &t.fields {
        let wire = f.name.as_str().to_owned();
        let rust = rust_name(b, f.rust.as_ref(), &wire);
        let duplicate = !seen.insert(rust.clone());
        if duplicate {
            b.err(
                f.name.span(),
                format!("duplicate field `{wire}` (Rust name `{rust}`) in `{}`", t.name.as_str()),
            );
        }
        // (A field whose Rust name repeats another's is reported above, once.)
        read_names(b, t, f, !duplicate, &mut names);
        let Some(ty) = b.ty(&f.ty) else { continue };
        if ty == Ty::Result && !t.envelope {
            b.err(f.ty.span(), "type `result` is only allowed in the envelope");
        }
        if let Some(item) = f.item.as_ref().filter(|_| !matches!(ty, Ty::List(_))) {
            b.err(item.span(), "`item` is only allowed on a list");
        }
        if matches!(ty, Ty::Date) {
            b.err(f.ty.span(), "responses carry date-times: use `datetime`");
        }
        if let (Some(min), Some(max)) = (f.min_len, f.max_len) {
            if min > max {
                b.err(f.name.span(), format!("min_len {min} is above max_len {max}"));
            }
        }
        check_lenient(b, f, &ty, t.document);
        let encoding = b.encoding(f.encoding.as_ref(), &ty, true);
        let secret = b.secret(&f.secret);
        check_field_limits(b, f, &ty, t.document);
        fields.push(StructField {
            wire,
            rust,
            item: f.item.as_ref().map(|s| s.as_str().to_owned()),
            required: f.required,
            encoding,
            secret,
            limits: Limits {
                min_len: f.min_len,
                max_len: f.max_len,
                lengths: f.lengths.clone(),
                max_places: f.max_places,
                ..Limits::default()
            },
            aliases: f.aliases.iter().map(|a| a.as_str().to_owned()).collect(),
            // Resolved once every API's notification is known (`check_results`).
            notification: f.notification.as_ref().map(|n| (String::new(), n.as_str().to_owned())),
            doc: f.doc.trim().to_owned(),
            notes: notes(&f.source, &f.note),
            lenient: f.lenient,
            ty,
        });
    }
    Struct {
        name: t.name.as_str().to_owned(),
        doc: t.doc.trim().to_owned(),
        envelope: t.envelope,
        document: t.document,
        request_state: t.request_state,
        notes: notes(&t.source, &t.note),
        fields,
    }
}
