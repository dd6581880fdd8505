//! The public surface as comparable items: every method, parameter, type, field, enum, enum value,
//! notification field and CLI flag that the IR gives, each with its facets (what a user of the
//! crate, a caller on the wire or a reader of the docs sees), and the class a change of each facet
//! falls in. The comparison itself ([`super::compare`]) knows nothing of the IR.

use super::Class;
use crate::emit::{new_args, rust_type_text};
use crate::ir::{
    Api, Auth, Effect, Encoding, Enum, Format, Ir, Limits, Method, Notification, Param, Required, Roles, Secret, Slot,
    Struct, Ty,
};
use heck::{ToKebabCase, ToSnakeCase};
use std::collections::BTreeMap;

/// One item of the surface.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What it is: `method`, `parameter`, `type`, `field`, `enum`, `value`, `notification`, `api`,
    /// `cli command`, `cli flag`.
    pub kind: &'static str,
    /// How a reader names it: `personal::getInvoicesHistory.OrderId`.
    pub name: String,
    /// The class of adding it (removing it is always breaking).
    pub added: Class,
    /// The key of the item it belongs to (a method's parameter, an enum's value): when both are
    /// added or removed, the report names only the parent.
    pub parent: Option<String>,
    /// Facet name → (class of a change, value as shown).
    pub facets: BTreeMap<&'static str, (Class, String)>,
}

impl Item {
    fn new(kind: &'static str, name: String, added: Class) -> Self {
        Item {
            kind,
            name,
            added,
            parent: None,
            facets: BTreeMap::new(),
        }
    }

    fn within(mut self, parent: String) -> Self {
        self.parent = Some(parent);
        self
    }

    fn facet(&mut self, name: &'static str, class: Class, value: impl Into<String>) -> &mut Self {
        self.facets.insert(name, (class, value.into()));
        self
    }
}

/// Every item, by a key that stays the same while the item keeps its Rust identity.
pub type Items = BTreeMap<String, Item>;

/// The facet of a method that holds its `Sign` template as written.
pub const SIGN: &str = "Sign";

/// The facet of a method that holds its `Sign` template as the client fills it (an `absent` slot
/// shown empty).
pub const SIGN_SLOTS: &str = "Sign slots";

/// The facet of a method that lists its parameters in wire order: a change of it counts only
/// when the parameters both sides have are in another order ([`super::compare`]), not when one
/// was only added or removed.
pub const PARAMETER_ORDER: &str = "parameter order";

/// The surface of an IR.
pub fn items(ir: &Ir) -> Items {
    let mut out = Items::new();
    for api in &ir.apis {
        api_items(api, &mut out);
        for m in &api.methods {
            method_items(api, m, &mut out);
        }
        for t in &api.types {
            struct_items(api, t, &mut out);
        }
        for e in &api.enums {
            enum_items(api, e, &mut out);
        }
        if let Some(n) = &api.notification {
            notification_items(api, n, &mut out);
        }
    }
    role_items(&ir.roles, &mut out);
    out
}

/// The spec's roles: what the runtime does with an element. Another element in a role, or another
/// meaning of a value, changes what the client does with the same bytes (wire); a method that
/// gains `payout_create` is one more request `payout()` takes (additive), and losing it breaks
/// callers.
fn role_items(roles: &Roles, out: &mut Items) {
    let mut role = |key: String, name: String, facet: &'static str, value: String| {
        let mut item = Item::new("role", name, Class::Additive);
        item.facet(facet, Class::Wire, value);
        insert(out, format!("role:{key}"), item);
    };
    let plays = |role_name: &str, element: String| (role_name.to_owned(), role_name.to_owned(), "plays", element);
    let means = |enum_name: &str, value: &str, meaning: &str| {
        let name = format!("{enum_name}.{value}");
        (name.clone(), name, "means", meaning.to_owned())
    };
    let mut all = Vec::new();
    if let Some(e) = &roles.envelope {
        all.push(plays("envelope", format!("{}::{}", e.module, e.name)));
        all.push(plays("service_code", format!("{}.{}", e.name, e.code.join("."))));
        all.extend(e.meanings.iter().map(|(v, m)| means(&e.code_enum.1, v, m)));
    }
    if let Some(r) = &roles.request {
        all.push(plays("request_code", format!("{}.{}", r.name, r.code)));
        all.extend(r.meanings.iter().map(|(v, m)| means(&r.code_enum.1, v, m)));
    }
    if let Some(t) = &roles.token {
        all.push(plays("token", format!("{}::{}.{}", t.module, t.method, t.field)));
    }
    if let Some(p) = &roles.payout {
        for c in &p.creates {
            let name = format!("{}::{}", c.method.0, c.method.1);
            all.push((
                format!("payout_create {name}"),
                name.clone(),
                "plays",
                "payout_create".to_owned(),
            ));
            for (role_name, param) in [("payout_amount", &c.amount), ("payout_currency", &c.currency)] {
                if !param.is_empty() {
                    let shown = format!("{name} {role_name}");
                    all.push((format!("{role_name} {name}"), shown, "plays", param.clone()));
                }
            }
        }
        all.push(plays("payout_execute", format!("{}::{}", p.execute.0, p.execute.1)));
        all.push(plays("payout_poll", format!("{}::{}", p.poll.0, p.poll.1)));
        let g = &p.progress;
        let progress = format!(
            "{} (id {}, state {}, error {:?})",
            g.name, g.operation_id, g.state, g.error
        );
        all.push(plays("payout_progress", progress));
        all.extend(p.fates.iter().map(|(v, f)| means(&g.state_enum.1, v, f)));
    }
    for (key, name, facet, value) in all {
        role(key, name, facet, value);
    }
}

fn insert(out: &mut Items, key: String, item: Item) {
    out.insert(key, item);
}

fn api_items(api: &Api, out: &mut Items) {
    let mut item = Item::new("api", api.module.clone(), Class::Additive);
    let formats: Vec<String> = api
        .responses
        .iter()
        .map(|r| {
            let f = match r.format {
                Format::Xml => "xml",
                Format::Json => "json",
            };
            match &r.accept {
                Some(a) => format!("{f} (Accept: {a})"),
                None => f.to_owned(),
            }
        })
        .collect();
    let versions: Vec<&str> = api.versions.iter().map(|v| v.name.as_str()).collect();
    let default = api
        .versions
        .iter()
        .find(|v| v.default)
        .map_or("none", |v| v.name.as_str());
    item.facet(
        "versions",
        Class::Breaking,
        if versions.is_empty() {
            "one".into()
        } else {
            versions.join(", ")
        },
    )
    .facet("default version", Class::Wire, default)
    .facet("Content-Type", Class::Wire, &api.content_type)
    .facet("answers", Class::Wire, formats.join(", "))
    .facet("doc", Class::Docs, &api.title);
    insert(out, format!("api {}", api.module), item);
}

fn auth_text(a: Auth) -> &'static str {
    match a {
        Auth::None => "none",
        Auth::UserToken => "UserToken",
        Auth::Certificate => "client certificate",
    }
}

fn effect_text(e: Effect) -> &'static str {
    match e {
        Effect::Read => "read (retried)",
        Effect::Write => "write (never retried)",
        Effect::Money => "money (never retried)",
    }
}

/// The Rust type of a parameter as the request holds it.
fn param_type(p: &Param) -> String {
    rust_type_text(&p.ty, p.secret)
}

/// The template, or each version's (`portal: …; wiki: …`).
fn sign_text(m: &Method) -> String {
    per_version(m, |text, _| text.to_owned(), "none")
}

fn sign_slots(m: &Method) -> String {
    per_version(
        m,
        |_, slots| {
            slots
                .iter()
                .map(|x| match x {
                    Slot::Param(p) => p.clone(),
                    Slot::Empty => "∅".into(),
                    Slot::Secret => "secret".into(),
                })
                .collect::<Vec<_>>()
                .join("::")
        },
        "",
    )
}

/// One text per template, prefixed with its version when the method has several.
fn per_version(m: &Method, show: impl Fn(&str, &[Slot]) -> String, none: &str) -> String {
    let Some(s) = &m.sign else {
        return none.into();
    };
    match s.by_version().as_slice() {
        [(_, text, slots)] => show(text, slots),
        all => {
            let mut each: Vec<String> = all
                .iter()
                .map(|(v, text, slots)| format!("{}: {}", v.unwrap_or("other versions"), show(text, slots)))
                .collect();
            each.sort();
            each.join("; ")
        }
    }
}

fn method_items(api: &Api, m: &Method, out: &mut Items) {
    let name = format!("{}::{}", api.module, m.wire);
    let mut item = Item::new("method", name.clone(), Class::Additive);
    item.facet("request type", Class::Breaking, format!("{}::{}", api.module, m.rust))
        .facet("client method", Class::Breaking, m.wire.to_snake_case())
        .facet("arguments", Class::Breaking, new_args(m))
        .facet("result", Class::Breaking, result_text(&m.result))
        .facet("pages", Class::Breaking, pagination_text(m))
        .facet(
            "deprecated",
            Class::Additive,
            m.deprecated.clone().unwrap_or_else(|| "no".into()),
        )
        .facet(
            "version",
            Class::Breaking,
            m.version
                .as_deref()
                .map_or("every version".into(), |v| format!("{v} only")),
        )
        .facet("path", Class::Wire, &m.path)
        .facet("auth", Class::Wire, auth_text(m.auth))
        .facet("effect", Class::Wire, effect_text(m.effect))
        .facet(SIGN, Class::Wire, sign_text(m))
        .facet(SIGN_SLOTS, Class::Wire, sign_slots(m))
        .facet(
            "Sign required",
            Class::Wire,
            if m.sign.as_ref().is_some_and(|s| s.required) {
                "yes"
            } else {
                "no"
            },
        )
        .facet(
            PARAMETER_ORDER,
            Class::Wire,
            m.params.iter().map(|p| p.wire.as_str()).collect::<Vec<_>>().join(", "),
        )
        .facet("doc", Class::Docs, &m.doc)
        .facet("notes", Class::Docs, m.notes.join(" "));
    insert(out, format!("method {name}"), item);
    cli_command_items(m, out);
    for p in &m.params {
        param_items(api, m, p, out);
    }
}

fn result_text(t: &Ty) -> String {
    match t {
        Ty::Bool => "bool".into(),
        t => rust_type_text(t, Secret::No),
    }
}

fn pagination_text(m: &Method) -> String {
    match &m.pagination {
        Some(p) => format!("{}_pages/_items over {}", m.wire.to_snake_case(), p.items),
        None => "no".into(),
    }
}

fn required_text(r: &Required) -> String {
    match r {
        Required::Always => "yes".into(),
        Required::No => "no".into(),
        Required::When { wire, values, .. } if values.is_empty() => format!("when {wire} is given"),
        Required::When { wire, values, .. } => format!("when {wire} is {}", values.join("/")),
    }
}

fn limits_text(l: &Limits) -> String {
    let v = crate::emit::limit_texts(l);
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn secret_text(s: Secret) -> &'static str {
    match s {
        Secret::No => "no",
        Secret::Full => "yes",
        Secret::Card => "card",
    }
}

fn param_items(api: &Api, m: &Method, p: &Param, out: &mut Items) {
    // A parameter keeps its identity while its Rust name stays (`rust:` keeps it across a wire
    // rename); the session's UserToken has no Rust name a caller sees.
    let id = if p.from_session {
        format!("(session) {}", p.wire)
    } else {
        p.rust.clone()
    };
    let name = format!("{}::{}.{}", api.module, m.wire, p.wire);
    let added = match p.required {
        Required::Always if !p.from_session => Class::Breaking,
        _ => Class::Additive,
    };
    let mut item = Item::new("parameter", name, added).within(format!("method {}::{}", api.module, m.wire));
    let access = if p.from_session {
        "from the session".to_owned()
    } else if p.required == Required::Always {
        format!("argument of new(..): {}", p.rust)
    } else {
        format!("setter .{}(..)", p.rust)
    };
    item.facet("Rust", Class::Breaking, access)
        .facet("Rust type", Class::Breaking, param_type(p))
        .facet("wire name", Class::Wire, &p.wire)
        // In or out of `new(..)` shows on `Rust` (breaking); a `required_when` rule is a check
        // before sending (wire).
        .facet("required", Class::Wire, required_text(&p.required))
        .facet("encoding", Class::Wire, p.encoding.spec_name())
        .facet("limits", Class::Wire, limits_text(&p.limits))
        .facet("secret", Class::Wire, secret_text(p.secret))
        .facet("personal", Class::Wire, if p.personal { "yes" } else { "no" })
        .facet("deprecated", Class::Additive, "no")
        .facet("doc", Class::Docs, &p.doc)
        .facet("notes", Class::Docs, p.notes.join(" "));
    insert(out, format!("param {}::{}.{id}", api.module, m.wire), item.clone());
    if !p.from_session {
        cli_flag_items(m, p, &p.rust, out);
    }
    // The former Rust name, still a (deprecated) setter and CLI flag: the same item as before the
    // rename. The request's public field takes the new name all the same, so the rename stays
    // breaking (cargo-semver-checks: struct_pub_field_missing); the alias only eases the move.
    if let Some(alias) = &p.rust_alias {
        item.name = format!("{} (former setter .{alias})", item.name);
        item.facet(
            "Rust",
            Class::Breaking,
            format!("setter .{alias}(..); the field is now .{}", p.rust),
        )
        .facet("deprecated", Class::Additive, format!("renamed to {}", p.rust));
        insert(out, format!("param {}::{}.{alias}", api.module, m.wire), item);
        cli_flag_items(m, p, alias, out);
    }
}

fn cli_command_items(m: &Method, out: &mut Items) {
    let command = m.wire.to_kebab_case();
    let mut item = Item::new("cli command", format!("intellectmoney {command}"), Class::Additive);
    item.facet(
        "--all",
        Class::Breaking,
        if m.pagination.is_some() { "yes" } else { "no" },
    )
    .facet("doc", Class::Docs, m.doc.split("\n\n").next().unwrap_or_default());
    insert(out, format!("cli {command}"), item);
}

fn cli_flag_items(m: &Method, p: &Param, rust: &str, out: &mut Items) {
    let command = m.wire.to_kebab_case();
    let flag = rust.to_kebab_case();
    let added = if p.required == Required::Always {
        Class::Breaking
    } else {
        Class::Additive
    };
    let mut item =
        Item::new("cli flag", format!("intellectmoney {command} --{flag}"), added).within(format!("cli {command}"));
    item.facet(
        "required",
        Class::Breaking,
        if p.required == Required::Always { "yes" } else { "no" },
    )
    // What a script types: an id type still takes the same NUMBER, an enum takes fewer values.
    .facet("value", Class::Breaking, crate::emit::cli::doc_type(&p.ty));
    insert(out, format!("cli {command} --{flag}"), item);
}

fn struct_items(api: &Api, t: &Struct, out: &mut Items) {
    let name = format!("{}::{}", api.module, t.name);
    let shape = if t.envelope {
        "envelope"
    } else if t.document {
        "document (written by the client)"
    } else {
        "answer"
    };
    let mut item = Item::new("type", name.clone(), Class::Additive);
    item.facet("shape", Class::Breaking, shape)
        .facet("doc", Class::Docs, &t.doc)
        .facet("notes", Class::Docs, t.notes.join(" "));
    if t.document {
        let args: Vec<String> = t
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| format!("{}: {}", f.rust, rust_type_text(&f.ty, f.secret)))
            .collect();
        item.facet("arguments", Class::Breaking, format!("new({})", args.join(", ")));
    }
    insert(out, format!("type {name}"), item);
    for f in &t.fields {
        let fname = format!("{name}.{}", f.wire);
        let added = if t.document && f.required {
            Class::Breaking
        } else {
            Class::Additive
        };
        let mut item = Item::new("field", fname, added).within(format!("type {name}"));
        let mut ty = rust_type_text(&f.ty, f.secret);
        if !f.required && !matches!(f.ty, Ty::List(_)) {
            ty = format!("Option<{ty}>");
        }
        item.facet("Rust", Class::Breaking, &f.rust)
            .facet("Rust type", Class::Breaking, ty)
            .facet("wire name", Class::Wire, &f.wire)
            .facet("XML items", Class::Wire, f.item.clone().unwrap_or_default())
            .facet("read also as", Class::Wire, f.aliases.join(", "))
            .facet(
                "read",
                Class::Wire,
                if f.lenient {
                    "leniently (a value that does not parse is none)"
                } else {
                    "strictly"
                },
            )
            .facet("encoding", Class::Wire, encoding_text(t, f.encoding))
            .facet("limits", Class::Wire, limits_text(&f.limits))
            .facet("secret", Class::Wire, secret_text(f.secret))
            .facet("doc", Class::Docs, &f.doc)
            .facet("notes", Class::Docs, f.notes.join(" "));
        insert(out, format!("field {name}.{}", f.rust), item);
    }
}

/// Answers are read by the runtime's fixed rules; only documents have a per-field encoding.
fn encoding_text(t: &Struct, e: Encoding) -> String {
    if t.document {
        e.spec_name().into()
    } else {
        String::new()
    }
}

fn enum_items(api: &Api, e: &Enum, out: &mut Items) {
    let name = format!("{}::{}", api.module, e.name);
    let mut item = Item::new("enum", name.clone(), Class::Additive);
    item.facet(
        "written",
        Class::Wire,
        if e.wire_code { "by number" } else { "by name" },
    )
    .facet("doc", Class::Docs, &e.doc)
    .facet("notes", Class::Docs, e.notes.join(" "));
    insert(out, format!("enum {name}"), item);
    for v in &e.values {
        // Enums are #[non_exhaustive] with `Unknown(String)`: a new value is additive.
        let mut item = Item::new("value", format!("{name}.{}", v.wire), Class::Additive).within(format!("enum {name}"));
        item.facet("Rust", Class::Breaking, format!("{}::{}", e.name, v.rust))
            .facet("wire name", Class::Wire, &v.wire)
            .facet("code", Class::Wire, v.code.map(|c| c.to_string()).unwrap_or_default())
            .facet("final", Class::Wire, if v.is_final { "yes" } else { "no" })
            // The words the server sends with the value: what the mock answers with it.
            .facet("words", Class::Wire, v.text.as_deref().unwrap_or_default())
            .facet("doc", Class::Docs, &v.doc)
            .facet("notes", Class::Docs, v.notes.join(" "));
        insert(out, format!("value {name}::{}", v.rust), item);
    }
}

fn notification_items(api: &Api, n: &Notification, out: &mut Items) {
    let name = format!("{}::{}", api.module, n.name);
    let mut item = Item::new("notification", name.clone(), Class::Additive);
    item.facet("charset", Class::Wire, &n.charset)
        .facet("answer", Class::Wire, &n.answer)
        .facet(
            "hash",
            Class::Wire,
            format!("{} = md5({})", n.hash_field, n.order.join("::")),
        )
        .facet("doc", Class::Docs, &n.doc);
    insert(out, format!("notification {name}"), item);
    if let Some(e) = &n.events {
        // What a receiver hands on, and in which order: `impl ResultNotification`.
        let mut item =
            Item::new("events", format!("{name} events"), Class::Additive).within(format!("notification {name}"));
        item.facet("invoice", Class::Wire, e.invoice.join(" + "))
            .facet("state", Class::Wire, &e.state)
            .facet("order", Class::Wire, e.order.join(" → "))
            .facet("notes", Class::Docs, e.notes.join(" "));
        insert(out, format!("events {name}"), item);
    }
    for f in &n.fields {
        let mut item =
            Item::new("field", format!("{name}.{}", f.wire), Class::Additive).within(format!("notification {name}"));
        item.facet("Rust", Class::Breaking, &f.rust)
            .facet(
                "Rust type",
                Class::Breaking,
                format!("Option<{}>", rust_type_text(&f.ty, f.secret)),
            )
            .facet("wire name", Class::Wire, &f.wire)
            .facet("doc", Class::Docs, &f.doc)
            .facet("notes", Class::Docs, f.notes.join(" "));
        insert(out, format!("field {name}.{}", f.rust), item);
    }
}
