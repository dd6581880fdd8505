//! The whole spec, file by file: names declared first so that references resolve in any order.

use super::builder::*;
use super::method::build_method;
use super::notification::{build_notification, resolve_notifications};
use super::shapes::{build_enum, build_id, build_struct, build_wiki};
use super::*;
use crate::diag::Diagnostic;
use crate::load::{Files, Loaded};
use crate::model::{self, S};
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;
use std::path::Path;

/// Builds the IR from the loaded files, checking everything. `examples_dir` is where example
/// files must exist.
pub(crate) fn build(
    files: &Files,
    loaded: &[Loaded],
    examples_dir: &Path,
    lints: Lints,
) -> Result<Ir, Vec<Diagnostic>> {
    let mut b = Builder {
        files,
        diags: Vec::new(),
        names: BTreeMap::new(),
        lints,
    };
    // Pass 1: every name, so that references resolve in any order and across files.
    check_modules(&mut b, loaded);
    for l in loaded {
        declare_names(&mut b, l);
    }
    // Pass 2: each file.
    let mut apis: Vec<Api> = loaded.iter().map(|l| build_api(&mut b, l, examples_dir)).collect();
    // Result types and pagination refer to struct fields: checked once every struct is built.
    check_results(&mut b, loaded, &apis);
    resolve_notifications(&mut b, loaded, &mut apis);
    let before = b.diags.len();
    let roles = super::roles::resolve_roles(&mut b, loaded, &apis);
    if b.lints == Lints::Off {
        // A base revision may predate roles: what it lacks of them is not its error.
        b.diags.truncate(before);
    }
    apis.sort_by(|a, b| a.module.cmp(&b.module));
    if b.diags.is_empty() {
        Ok(Ir { apis, roles })
    } else {
        b.diags.sort();
        b.diags.dedup();
        Err(b.diags)
    }
}

/// Module names: snake case, one file each.
fn check_modules(b: &mut Builder, loaded: &[Loaded]) {
    let mut modules: BTreeMap<String, &S> = BTreeMap::new();
    for l in loaded {
        let module = l.spec.api.as_str().to_owned();
        if !is_identifier(&module) || module.to_snake_case() != module {
            b.err(
                l.spec.api.span(),
                format!("api `{module}` must be a snake_case identifier"),
            );
        }
        if let Some(prev) = modules.insert(module.clone(), &l.spec.api) {
            let at = prev
                .span()
                .start()
                .map(|m| format!(" (first at line {})", m.line()))
                .unwrap_or_default();
            b.err(l.spec.api.span(), format!("duplicate api `{module}`{at}"));
        }
    }
}

/// Declares a type, enum or id name (unique across files, not a built-in name).
fn declare(b: &mut Builder, name: &S, named: Named) {
    if !is_identifier(name.as_str()) || name.as_str().to_upper_camel_case() != name.as_str() {
        b.err(
            name.span(),
            format!("type name `{}` must be an UpperCamelCase identifier", name.as_str()),
        );
    }
    if matches!(
        name.as_str(),
        "string" | "int" | "long" | "decimal" | "bool" | "date" | "datetime" | "guid" | "typed_text" | "result"
    ) {
        b.err(name.span(), format!("`{}` is a built-in type name", name.as_str()));
    }
    if b.names.contains_key(name.as_str()) {
        b.err(name.span(), format!("duplicate type or enum name `{}`", name.as_str()));
    } else {
        b.names.insert(name.as_str().to_owned(), named);
    }
}

/// Every name one file declares.
fn declare_names(b: &mut Builder, l: &Loaded) {
    let module = l.spec.api.as_str().to_owned();
    let named = |kind, inner, all_codes, values| Named {
        module: module.clone(),
        inner,
        kind,
        all_codes,
        values,
    };
    for t in &l.spec.types {
        let kind = if t.envelope {
            Kind::Envelope
        } else if t.document {
            Kind::Document
        } else {
            Kind::Struct
        };
        declare(b, &t.name, named(kind, None, false, vec![]));
    }
    for e in &l.spec.enums {
        let all_codes = e.values.iter().all(|v| v.code.is_some());
        let values = e.values.iter().map(|v| v.name.as_str().to_owned()).collect();
        declare(b, &e.name, named(Kind::Enum, None, all_codes, values));
    }
    for id in &l.spec.ids {
        let inner = match id.ty.as_str() {
            "int" => Some(Ty::Int),
            "long" => Some(Ty::Long),
            "string" => Some(Ty::String),
            other => {
                b.err(
                    id.ty.span(),
                    format!("an id type wraps `int`, `long` or `string`, not `{other}`"),
                );
                None
            }
        };
        declare(b, &id.name, named(Kind::Id, inner, false, vec![]));
    }
}

/// One spec file: its transport, shapes, notification and methods.
fn build_api(b: &mut Builder, l: &Loaded, examples_dir: &Path) -> Api {
    let spec = &l.spec;
    let body = match spec.body.as_ref().map(|s| (s, s.as_str())) {
        None | Some((_, "form")) => BodyFormat::Form,
        Some((_, "json")) => BodyFormat::Json,
        Some((s, other)) => {
            b.err(s.span(), format!("body must be `form` or `json`, not `{other}`"));
            BodyFormat::Form
        }
    };
    let (content_type, responses) = build_transport(b, spec);
    let notification = spec.notification.as_ref().and_then(|n| build_notification(b, n));
    let enums = spec.enums.iter().map(|e| build_enum(b, e)).collect();
    let ids = spec.ids.iter().filter_map(|i| build_id(b, i)).collect();
    let wiki = spec.wiki.as_ref().map(build_wiki);
    let types = spec.types.iter().map(|t| build_struct(b, t)).collect();
    let versions = super::versions::build_versions(b, spec);
    super::versions::check_method_versions(b, spec, &versions);
    let methods = build_methods(b, spec, examples_dir);
    Api {
        versions,
        module: spec.api.as_str().to_owned(),
        title: spec.title.clone(),
        source: spec.source.clone(),
        file: l.file.clone(),
        body,
        content_type,
        responses,
        notification,
        methods,
        types,
        enums,
        ids,
        wiki,
    }
}

/// A pagination's `key` is a number or text field of the list's items.
fn check_key(b: &mut Builder, pg: &model::Pagination, list: &Ty, structs: &BTreeMap<&str, &Struct>) {
    let Some(key) = &pg.key else { return };
    let Ty::List(item) = list else { return };
    let Ty::Struct(_, name) = item.as_ref() else {
        b.err(
            key.span(),
            format!(
                "`key` needs items that are structures; `{}` holds none",
                pg.items.as_str()
            ),
        );
        return;
    };
    let ok = structs
        .get(name.as_str())
        .and_then(|s| s.fields.iter().find(|f| f.wire == key.as_str()));
    if !ok.is_some_and(|f| matches!(f.ty.wire(), Ty::Int | Ty::Long | Ty::String | Ty::Guid)) {
        b.err(
            key.span(),
            format!(
                "pagination key `{}` is not a number, text or GUID field of `{name}`",
                key.as_str()
            ),
        );
    }
}

/// The methods of a file: unique, and their request types clash with no type.
fn build_methods(b: &mut Builder, spec: &model::SpecFile, examples_dir: &Path) -> Vec<Method> {
    let mut methods = Vec::new();
    let mut seen = BTreeSet::new();
    for m in &spec.methods {
        if !seen.insert(m.name.as_str().to_lowercase()) {
            b.err(m.name.span(), format!("duplicate method `{}`", m.name.as_str()));
        }
        let rust = m.name.as_str().to_upper_camel_case();
        if b.names.contains_key(&rust) {
            b.err(
                m.name.span(),
                format!(
                    "the request type `{rust}` of method `{}` clashes with a type of the same name",
                    m.name.as_str()
                ),
            );
        }
        methods.extend(build_method(b, m, examples_dir));
    }
    methods
}

/// The request `Content-Type` and the response formats of an API file (both needed when it has
/// methods).
pub(super) fn build_transport(b: &mut Builder, spec: &model::SpecFile) -> (String, Vec<ResponseFormat>) {
    let has_methods = !spec.methods.is_empty();
    let content_type = match &spec.content_type {
        Some(c) => c.as_str().to_owned(),
        None => {
            if has_methods {
                b.err(spec.api.span(), "an API with methods needs `content_type`");
            }
            String::new()
        }
    };
    let mut responses: Vec<ResponseFormat> = Vec::new();
    for r in &spec.responses {
        let format = match r.format.as_str() {
            "xml" => Format::Xml,
            "json" => Format::Json,
            other => {
                b.err(
                    r.format.span(),
                    format!("format must be `xml` or `json`, not `{other}`"),
                );
                continue;
            }
        };
        if responses.iter().any(|x| x.format == format) {
            b.err(
                r.format.span(),
                format!("duplicate response format `{}`", r.format.as_str()),
            );
            continue;
        }
        responses.push(ResponseFormat {
            format,
            accept: r.accept.as_ref().map(|a| a.as_str().to_owned()),
        });
    }
    if has_methods && responses.is_empty() {
        b.err(
            spec.api.span(),
            "an API with methods needs `responses` (the formats it answers in)",
        );
    }
    (content_type, responses)
}

pub(super) fn check_results(b: &mut Builder, loaded: &[Loaded], apis: &[Api]) {
    let structs: BTreeMap<&str, &Struct> = apis
        .iter()
        .flat_map(|a| a.types.iter())
        .map(|s| (s.name.as_str(), s))
        .collect();
    let marked: Vec<&S> = loaded
        .iter()
        .flat_map(|l| l.spec.types.iter())
        .filter(|t| t.request_state)
        .map(|t| &t.name)
        .collect();
    for extra in marked.iter().skip(1) {
        b.err(extra.span(), "only one type can have `request_state: true`");
    }
    if marked.is_empty() && loaded.iter().any(|l| !l.spec.methods.is_empty()) {
        b.err(
            loaded[0].spec.api.span(),
            "no type has `request_state: true`: the client cannot read `Result.State`",
        );
    }
    if !structs.values().any(|s| s.envelope) && !loaded.is_empty() {
        let first = &loaded[0].spec.api;
        b.err(
            first.span(),
            "no type has `envelope: true`: the response envelope is missing",
        );
    }
    for l in loaded {
        for m in &l.spec.methods {
            let Some(pg) = &m.pagination else { continue };
            let Some(result) = structs.get(m.result.as_str()) else {
                continue;
            };
            match result.fields.iter().find(|f| f.wire == pg.items.as_str()) {
                Some(f) if matches!(f.ty, Ty::List(_)) => check_key(b, pg, &f.ty, &structs),
                _ => b.err(
                    pg.items.span(),
                    format!(
                        "pagination items `{}` is not a list field of `{}`",
                        pg.items.as_str(),
                        result.name
                    ),
                ),
            }
        }
    }
}
