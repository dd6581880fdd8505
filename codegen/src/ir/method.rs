//! Methods: parameters, conditions, pagination, examples and the `Sign` template.

use super::builder::*;
use super::*;
use crate::model::{self, S};
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;
use std::path::Path;

/// Two arguments of `new(..)` of one Rust type could be swapped and still compile (`new(10,
/// 450063)` for `new(eshop_id, take)`): refused, so that the spec gives one of them a type of its own.
pub(super) fn check_swappable(b: &mut Builder, m: &model::Method, params: &[Param]) {
    let args: Vec<&Param> = params
        .iter()
        .filter(|p| !p.from_session && p.required == Required::Always)
        .collect();
    for (i, later) in args.iter().enumerate() {
        let Some(earlier) = args[..i].iter().find(|e| e.ty == later.ty && e.secret == later.secret) else {
            continue;
        };
        let Some(at) = m.params.iter().find(|p| p.name.as_str() == later.wire) else {
            continue;
        };
        b.err(
            at.name.span(),
            format!(
                "`new(..)` of `{}` would take `{}` and `{}`, both of type `{}`: swapped, they would still compile; \
                 give one an id type (`ids:`) or an enum",
                m.name.as_str(),
                earlier.rust,
                later.rust,
                later.ty.spec_name()
            ),
        );
    }
}

pub(super) fn build_method(b: &mut Builder, m: &model::Method, examples_dir: &Path) -> Option<Method> {
    let wire = m.name.as_str().to_owned();
    if !is_identifier(&wire) {
        b.err(m.name.span(), format!("method name `{wire}` is not an identifier"));
    }
    let snake = wire.to_snake_case();
    if crate::copied::client_methods().contains(&snake) {
        let message = format!(
            "method `{wire}` would be `client.{snake}(..)`, a method every client has (codegen/src/fixed/): \
             it would not compile beside it"
        );
        b.err(m.name.span(), message);
    }
    if !m.path.as_str().starts_with('/') || m.path.as_str().contains(char::is_whitespace) {
        b.err(
            m.path.span(),
            format!("path `{}` must start with `/` and hold no spaces", m.path.as_str()),
        );
    }
    let (auth, effect) = (build_auth(b, &m.auth), build_effect(b, &m.effect));
    let mut params = build_params(b, m);
    if b.lints == Lints::On {
        check_swappable(b, m, &params);
    }
    // A parameter whose own entry was wrong (already reported) is still declared: naming it
    // elsewhere is no second error.
    let declared = |name: &str| m.params.iter().any(|p| p.name.as_str().eq_ignore_ascii_case(name));
    resolve_required_when(b, m, &mut params, &declared);
    check_session(b, m, auth, &params);
    let sign = m.sign.as_ref().and_then(|s| build_sign(b, s, &params, &declared));
    let result = build_result(b, &m.result);
    let pagination = m
        .pagination
        .as_ref()
        .and_then(|pg| build_pagination(b, pg, &params, &declared));
    let examples = m.examples.iter().map(|e| build_example(b, e, examples_dir)).collect();
    Some(Method {
        rust: wire.to_upper_camel_case(),
        wire,
        path: m.path.as_str().to_owned(),
        doc: m.doc.trim().to_owned(),
        deprecated: m.deprecated.clone(),
        notes: notes(&m.source, &m.note),
        auth,
        effect,
        version: m.version.as_ref().map(|v| v.as_str().to_owned()),
        sign,
        params,
        result: result?,
        pagination,
        examples,
    })
}

fn build_auth(b: &mut Builder, s: &S) -> Auth {
    match s.as_str() {
        "none" => Auth::None,
        "user_token" => Auth::UserToken,
        "certificate" => Auth::Certificate,
        other => {
            b.err(
                s.span(),
                format!("auth must be `none`, `user_token` or `certificate`, not `{other}`"),
            );
            Auth::None
        }
    }
}

fn build_effect(b: &mut Builder, s: &S) -> Effect {
    match s.as_str() {
        "read" => Effect::Read,
        "write" => Effect::Write,
        "money" => Effect::Money,
        other => {
            b.err(
                s.span(),
                format!("effect must be `read`, `write` or `money`, not `{other}`"),
            );
            Effect::Write
        }
    }
}

/// Every parameter that could be built, in wire order (each problem reported).
fn build_params(b: &mut Builder, m: &model::Method) -> Vec<Param> {
    let mut params = Vec::new();
    let mut seen = BTreeSet::new();
    for p in &m.params {
        let wire = p.name.as_str();
        if !is_identifier(wire) {
            b.err(p.name.span(), format!("parameter name `{wire}` is not an identifier"));
        }
        if !seen.insert(wire.to_lowercase()) {
            b.err(
                p.name.span(),
                format!("duplicate parameter `{wire}` in `{}`", m.name.as_str()),
            );
        }
        params.extend(build_param(b, p));
    }
    params
}

/// One parameter: its type (a scalar, an enum, an id or a document), where it comes from, its
/// encoding, limits and names.
fn build_param(b: &mut Builder, p: &model::Param) -> Option<Param> {
    let wire = p.name.as_str().to_owned();
    let ty = b.ty(&p.ty)?;
    if matches!(ty, Ty::List(_) | Ty::TypedText | Ty::Result | Ty::Json(_)) {
        b.err(
            p.ty.span(),
            format!("type `{}` cannot be a request parameter", ty.spec_name()),
        );
        return None;
    }
    if let Ty::Struct(_, n) = &ty {
        if b.names.get(n).is_some_and(|n| n.kind != Kind::Document) {
            b.err(
                p.ty.span(),
                format!("`{n}` is not a document type (`document: true`) and cannot be sent"),
            );
        }
    }
    let from_session = match p.from.as_ref().map(|s| (s, s.as_str())) {
        None => false,
        Some((_, "session")) => true,
        Some((s, other)) => {
            b.err(s.span(), format!("from must be `session`, not `{other}`"));
            false
        }
    };
    if p.required && p.required_when.is_some() {
        b.err(
            p.name.span(),
            "a parameter cannot be both `required` and `required_when`",
        );
    }
    let encoding = b.encoding(p.encoding.as_ref(), &ty, false);
    check_limits(b, p, &ty);
    let secret = b.secret(&p.secret);
    let rust = rust_name(b, p.rust.as_ref(), &wire);
    let rust_alias = p.rust_alias.as_ref().map(|a| rust_name(b, Some(a), &wire));
    if p.rust_alias.is_some() && p.required {
        b.err(
            p.name.span(),
            "rust_alias keeps a setter: a required parameter has none",
        );
    }
    Some(Param {
        rust,
        rust_alias,
        wire,
        ty,
        required: if p.required { Required::Always } else { Required::No },
        from_session,
        encoding,
        secret,
        personal: p.personal,
        limits: Limits {
            min_len: p.min_len,
            max_len: p.max_len,
            min: p.min,
            positive: p.positive,
            max_digits: p.max_digits,
            lengths: p.lengths.clone(),
            max_places: p.max_places,
        },
        doc: p.doc.trim().to_owned(),
        notes: notes(&p.source, &p.note),
    })
}

/// Limits must fit the parameter's type and each other.
fn check_limits(b: &mut Builder, p: &model::Param, ty: &Ty) {
    let before = b.diags.len();
    if let (Some(min), Some(max)) = (p.min_len, p.max_len) {
        if min > max {
            b.err(p.name.span(), format!("min_len {min} is above max_len {max}"));
        }
    }
    let mut fits = |ok: bool, what: &str| {
        if !ok {
            b.err(
                p.name.span(),
                format!("limit `{what}` does not apply to type `{}`", ty.spec_name()),
            );
        }
    };
    if p.min_len.is_some() || p.max_len.is_some() {
        fits(matches!(ty, Ty::String | Ty::Decimal), "min_len/max_len");
    }
    if p.min.is_some() {
        fits(matches!(ty.wire(), Ty::Int | Ty::Long), "min");
    }
    if p.positive || p.max_digits.is_some() || p.max_places.is_some() {
        fits(matches!(ty, Ty::Decimal), "positive/max_digits/max_places");
    }
    if !p.lengths.is_empty() {
        fits(matches!(ty.wire(), Ty::String), "lengths");
    }
    // A limit that is wrong in itself is reported once, not linted too.
    if b.lints == Lints::On && b.diags.len() == before {
        lint_limit_source(b, &p.name, &p.doc, &p.source, &p.note, &param_limit_numbers(p));
    }
}

fn param_limit_numbers(p: &model::Param) -> Vec<String> {
    let mut v: Vec<String> = [p.min_len, p.max_len, p.max_digits, p.max_places]
        .iter()
        .flatten()
        .map(u32::to_string)
        .collect();
    v.extend(p.min.map(|m| m.to_string()));
    v.extend(p.lengths.iter().map(u32::to_string));
    if p.positive {
        v.push("0".into());
    }
    v
}

/// `required_when` names another parameter (and, with `is`, values of its enum).
fn resolve_required_when(b: &mut Builder, m: &model::Method, params: &mut [Param], declared: &dyn Fn(&str) -> bool) {
    for p in &m.params {
        let Some(rw) = &p.required_when else { continue };
        let Some(other) = params.iter().find(|q| q.wire == rw.param.as_str()) else {
            if !declared(rw.param.as_str()) {
                b.err(
                    rw.param.span(),
                    format!(
                        "required_when names `{}`, which is not a parameter of `{}`",
                        rw.param.as_str(),
                        m.name.as_str()
                    ),
                );
            }
            continue;
        };
        if other.wire == p.name.as_str() {
            b.err(rw.param.span(), "a parameter cannot be required when itself is given");
            continue;
        }
        let (rust, wire, other_ty) = (other.rust.clone(), other.wire.clone(), other.ty.clone());
        let (values, enum_path) = condition_values(b, &rw.is, &other_ty, &wire);
        if let Some(target) = params.iter_mut().find(|q| q.wire == p.name.as_str()) {
            target.required = Required::When {
                rust,
                wire,
                values,
                enum_path,
            };
        }
    }
}

/// The enum values of a condition (variant names) and the enum's path.
fn condition_values(b: &mut Builder, is: &[S], other: &Ty, other_wire: &str) -> (Vec<String>, Option<String>) {
    let mut values = Vec::new();
    let mut enum_path = None;
    for v in is {
        match other {
            Ty::Enum(module, name) => {
                if !b.names[name].values.iter().any(|x| x == v.as_str()) {
                    b.err(v.span(), format!("`{}` is not a value of enum `{name}`", v.as_str()));
                }
                values.push(v.as_str().to_upper_camel_case());
                enum_path = Some(format!("{module}::{name}"));
            }
            _ => b.err(v.span(), format!("`is` needs `{other_wire}` to be an enum")),
        }
    }
    (values, enum_path)
}

/// Only UserToken comes from the session, and a UserToken method has it.
fn check_session(b: &mut Builder, m: &model::Method, auth: Auth, params: &[Param]) {
    for p in params.iter().filter(|p| p.from_session && p.wire != "UserToken") {
        b.err(
            m.name.span(),
            format!("only UserToken can come from the session, not `{}`", p.wire),
        );
    }
    if auth == Auth::UserToken && !params.iter().any(|p| p.from_session) {
        b.err(
            m.auth.span(),
            "auth `user_token` needs a `UserToken` parameter with `from: session`",
        );
    }
}

/// The result: `bool` or a response type.
fn build_result(b: &mut Builder, s: &S) -> Option<Ty> {
    let result = match s.as_str() {
        "bool" => Some(Ty::Bool),
        _ => b.ty(s),
    };
    if let Some(Ty::Struct(_, n)) = &result {
        if b.names.get(n).is_some_and(|n| n.kind != Kind::Struct) {
            b.err(
                s.span(),
                format!("result `{n}` must be a response type (not a document or the envelope)"),
            );
        }
    }
    result
}

/// Paging names two integer parameters (the result's list is checked once every type is built).
fn build_pagination(
    b: &mut Builder,
    pg: &model::Pagination,
    params: &[Param],
    declared: &dyn Fn(&str) -> bool,
) -> Option<Pagination> {
    let mut find = |s: &S| -> Option<String> {
        match params.iter().find(|p| p.wire == s.as_str()) {
            Some(p) if matches!(p.ty.wire(), Ty::Int | Ty::Long) => Some(p.rust.clone()),
            None if declared(s.as_str()) => None,
            _ => {
                b.err(
                    s.span(),
                    format!("pagination names `{}`, which is not an integer parameter", s.as_str()),
                );
                None
            }
        }
    };
    let skip = find(&pg.skip)?;
    let take = find(&pg.take)?;
    Some(Pagination {
        skip,
        take,
        items: pg.items.as_str().to_owned(),
        wire: (pg.skip.as_str().to_owned(), pg.take.as_str().to_owned()),
        key: pg.key.as_ref().map(|k| k.as_str().to_owned()),
    })
}

/// An example: its files exist, and the one the wiki printed is there.
fn build_example(b: &mut Builder, e: &model::Example, examples_dir: &Path) -> Example {
    for f in [&e.request, &e.xml, &e.json].into_iter().flatten() {
        if !examples_dir.join(f.as_str()).is_file() {
            b.err(
                f.span(),
                format!("example file `{}` does not exist under spec/examples/", f.as_str()),
            );
        }
    }
    let original = e.original.as_str();
    let has = match original {
        "xml" => e.xml.is_some(),
        "json" => e.json.is_some(),
        _ => {
            b.err(
                e.original.span(),
                format!("original must be `xml` or `json`, not `{original}`"),
            );
            true
        }
    };
    if !has {
        b.err(
            e.original.span(),
            format!("original is `{original}`, but the example has no {original} file"),
        );
    }
    let read = |f: &Option<S>| {
        f.as_ref()
            .and_then(|f| std::fs::read_to_string(examples_dir.join(f.as_str())).ok())
    };
    Example {
        xml_text: read(&e.xml),
        json_text: read(&e.json),
        request: e.request.as_ref().map(|s| s.as_str().to_owned()),
        xml: e.xml.as_ref().map(|s| s.as_str().to_owned()),
        json: e.json.as_ref().map(|s| s.as_str().to_owned()),
        original: original.to_owned(),
        bare: e.bare,
        note: e.note.clone(),
    }
}

/// `absent` lists template names that are not parameters.
fn check_absent(b: &mut Builder, s: &model::Sign, parts: &[&str], params: &[Param]) {
    for a in &s.absent {
        if params.iter().any(|p| p.wire.eq_ignore_ascii_case(a.as_str())) {
            b.err(
                a.span(),
                format!(
                    "`{}` is a parameter; `absent` lists only template names that are not",
                    a.as_str()
                ),
            );
        }
        if !parts.iter().any(|p| p.eq_ignore_ascii_case(a.as_str())) {
            b.err(a.span(), format!("`{}` is not in the template", a.as_str()));
        }
    }
}

/// Every parameter of a signed method has its slot, or is listed under `unsigned:` (sent, not
/// signed): a parameter added to a signed method is then a question the maintainer answers, not
/// one the server answers by refusing the `Sign`.
fn check_unsigned(
    b: &mut Builder,
    s: &model::Sign,
    template: &model::S,
    params: &[Param],
    declared: &dyn Fn(&str) -> bool,
    absent: &[&str],
) {
    let parts: Vec<&str> = template.as_str().split("::").collect();
    let in_template = |name: &str| parts.iter().any(|p| p.eq_ignore_ascii_case(name));
    let is_param = |name: &str| params.iter().any(|p| p.wire.eq_ignore_ascii_case(name));
    // The list itself is checked once, against the main template.
    let listing = if std::ptr::eq(template, &s.template) {
        &s.unsigned[..]
    } else {
        &[]
    };
    for u in listing {
        if !is_param(u.as_str()) {
            // A parameter declared but refused is reported where it is declared.
            if !declared(u.as_str()) {
                b.err(u.span(), format!("`{}` is not a parameter of the method", u.as_str()));
            }
        } else if in_template(u.as_str()) {
            b.err(
                u.span(),
                format!(
                    "`{}` is in the template; `unsigned` lists only parameters sent but not signed",
                    u.as_str()
                ),
            );
        }
    }
    // A slot that names no parameter (a renamed one, usually) is reported with the parameters
    // it may stand for; those are not reported again here.
    let unknown = parts.iter().any(|p| {
        !p.is_empty() && *p != "signSecretKey" && !is_param(p) && !absent.iter().any(|a| a.eq_ignore_ascii_case(p))
    });
    let listed = |name: &str| s.unsigned.iter().any(|u| u.as_str().eq_ignore_ascii_case(name));
    for p in params
        .iter()
        .filter(|p| !unknown && !in_template(&p.wire) && !listed(&p.wire))
    {
        b.err(
            template.span(),
            format!(
                "parameter `{}` is sent but has no slot in the Sign template: give it its slot where the published template has it, or, if the server signs without it, list it under `unsigned:` and say where that is known from in the sign's `note:`",
                p.wire
            ),
        );
    }
}

pub(super) fn build_sign(
    b: &mut Builder,
    s: &model::Sign,
    params: &[Param],
    declared: &dyn Fn(&str) -> bool,
) -> Option<SignTemplate> {
    let text = s.template.as_str();
    let parts: Vec<&str> = text.split("::").collect();
    let absent: Vec<&str> = s.absent.iter().map(|a| a.as_str()).collect();
    check_absent(b, s, &parts, params);
    // A lint: a base revision read by `diff` was written before it.
    if b.lints == Lints::On {
        check_unsigned(b, s, &s.template, params, declared, &absent);
    }
    let slots = parse_slots(b, s, &s.template, params, declared);
    let mut versioned = Vec::new();
    for v in &s.variants {
        let Some(version) = &v.version else {
            if !v.template.as_str().ends_with("::signSecretKey") {
                b.err(v.template.span(), "a Sign template must end with `::signSecretKey`");
            }
            continue;
        };
        if b.lints == Lints::On {
            check_unsigned(b, s, &v.template, params, declared, &absent);
        }
        if let Some(slots) = parse_slots(b, s, &v.template, params, declared) {
            versioned.push(VersionedSign {
                version: version.as_str().to_owned(),
                text: v.template.as_str().to_owned(),
                slots,
                source: v.source.clone(),
                note: v.note.clone(),
            });
        }
    }
    Some(SignTemplate {
        text: text.to_owned(),
        slots: slots?,
        source: s.source.clone(),
        version: s.version.as_ref().map(|v| v.as_str().to_owned()),
        versioned,
        variants: s
            .variants
            .iter()
            .filter(|v| v.version.is_none())
            .map(|v| {
                format!(
                    "{} ({})",
                    v.template.as_str(),
                    v.source.as_deref().unwrap_or("unsourced")
                )
            })
            .collect(),
        note: s.note.clone(),
        required: s.required,
    })
}

/// The slots of one template of `s` (its own or a variant's), each name a parameter or listed
/// under `absent`, `signSecretKey` last.
fn parse_slots(
    b: &mut Builder,
    s: &model::Sign,
    template: &model::S,
    params: &[Param],
    declared: &dyn Fn(&str) -> bool,
) -> Option<Vec<Slot>> {
    let parts: Vec<&str> = template.as_str().split("::").collect();
    let absent: Vec<&str> = s.absent.iter().map(|a| a.as_str()).collect();
    let mut slots = Vec::new();
    let mut ok = true;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if *part == "signSecretKey" {
            if !last {
                b.err(
                    template.span(),
                    "`signSecretKey` must be the last slot of a Sign template",
                );
                ok = false;
            }
            slots.push(Slot::Secret);
        } else if last {
            b.err(
                template.span(),
                format!("a Sign template must end with `::signSecretKey`, not `{part}`"),
            );
            ok = false;
        } else if part.is_empty() || absent.iter().any(|a| a.eq_ignore_ascii_case(part)) {
            slots.push(Slot::Empty);
        } else if let Some(p) = params.iter().find(|p| p.wire.eq_ignore_ascii_case(part)) {
            slots.push(Slot::Param(p.wire.clone()));
        } else if declared(part) {
            ok = false;
        } else {
            b.err(template.span(), unknown_slot(part, &parts, params, &s.unsigned));
            ok = false;
        }
    }
    ok.then_some(slots)
}

/// Why a Sign slot names no parameter, and what to do. A renamed parameter is the usual cause:
/// the slot must then name its new name, since listing it under `absent` would sign an empty
/// slot while the value is sent (and the server would refuse every such request). The
/// parameters the template does not name are offered, the likeliest first (at most three).
fn unknown_slot(part: &str, parts: &[&str], params: &[Param], listed: &[model::S]) -> String {
    let mut unsigned: Vec<&str> = params
        .iter()
        .map(|p| p.wire.as_str())
        .filter(|w| !parts.iter().any(|s| s.eq_ignore_ascii_case(w)))
        .filter(|w| !listed.iter().any(|u| u.as_str().eq_ignore_ascii_case(w)))
        .collect();
    let lower = part.to_lowercase();
    let likeness = |w: &&str| strsim::jaro_winkler(&lower, &w.to_lowercase());
    unsigned.sort_by(|a, b| likeness(b).total_cmp(&likeness(a)));
    unsigned.truncate(3);
    let absent = format!(
        "only if the server signs an always-empty slot here, list `{part}` under `absent` (an `absent` slot is signed empty even when a value is sent)"
    );
    match unsigned.as_slice() {
        [] => format!("Sign slot `{part}` names no parameter; {absent}"),
        names => format!(
            "Sign slot `{part}` names no parameter. Was a parameter renamed? Not in the template: {}; write the new name in this slot. Else, {absent}",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}
