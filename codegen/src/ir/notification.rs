//! The Result-URL notification: its fields and the hash's order.

use super::builder::*;
use super::*;
use crate::load::Loaded;
use crate::model;
use std::collections::BTreeSet;

pub(super) fn build_notification(b: &mut Builder, n: &model::NotificationDef) -> Option<Notification> {
    if !matches!(n.charset.as_str(), "windows-1251" | "utf-8") {
        b.err(
            n.charset.span(),
            format!(
                "charset must be `windows-1251` or `utf-8`, not `{}`",
                n.charset.as_str()
            ),
        );
    }
    if n.hash.algorithm.as_str() != "md5" {
        b.err(
            n.hash.algorithm.span(),
            format!("the only hash algorithm is `md5`, not `{}`", n.hash.algorithm.as_str()),
        );
    }
    if b.names.contains_key(n.name.as_str()) {
        b.err(
            n.name.span(),
            format!("`{}` is already the name of a type or enum", n.name.as_str()),
        );
    }
    let fields = notification_fields(b, n);
    let numbered = n.numbered.iter().filter_map(|f| numbered_field(b, f)).collect();
    check_hash(b, n);
    let events = n.events.as_ref().and_then(|e| events(b, n, e));
    let mut all_notes = notes(&n.source, &n.note);
    if let Some(h) = &n.hash.note {
        all_notes.push(format!("Note: {h}"));
    }
    Some(Notification {
        name: n.name.as_str().to_owned(),
        doc: n.doc.trim().to_owned(),
        notes: all_notes,
        charset: n.charset.as_str().to_owned(),
        answer: n.answer.clone(),
        hash_field: n.hash.field.as_str().to_owned(),
        order: n.hash.order.iter().map(|o| o.as_str().to_owned()).collect(),
        secret: n.hash.secret.as_str().to_owned(),
        fields,
        numbered,
        events,
    })
}

/// The events' invoice and state: hashed fields (a receiver trusts nothing else), the state an
/// enum whose every value the order names once.
fn events(b: &mut Builder, n: &model::NotificationDef, e: &model::NotificationEvents) -> Option<NotificationEvents> {
    let hashed = |name: &str| n.hash.order.iter().any(|o| o.as_str() == name) && name != n.hash.secret.as_str();
    for f in e.invoice.iter().chain([&e.state]) {
        if !hashed(f.as_str()) {
            b.err(
                f.span(),
                format!(
                    "`{}` is not a hashed field: an event is named by what the hash vouches for",
                    f.as_str()
                ),
            );
        }
    }
    let state = n.fields.iter().find(|f| f.name.as_str() == e.state.as_str())?;
    let enum_name = state.ty.as_str().to_owned();
    let values = match b.names.get(&enum_name) {
        Some(named) if named.kind == Kind::Enum => named.values.clone(),
        _ => {
            b.err(
                e.state.span(),
                format!("the state field `{}` is not of an enum type", e.state.as_str()),
            );
            return None;
        }
    };
    let mut order: Vec<String> = Vec::new();
    let mut wrong = false;
    for o in &e.order {
        let value = o.as_str().to_owned();
        let problem = match (values.contains(&value), order.contains(&value)) {
            (false, _) => Some(format!("`{value}` is not a value of {enum_name}")),
            (true, true) => Some(format!("`{value}` is named twice in the events' order")),
            (true, false) => None,
        };
        match problem {
            Some(p) => {
                b.err(o.span(), p);
                wrong = true;
            }
            None => order.push(value),
        }
    }
    // One mistake is reported once: a value missing because another was misnamed is not.
    if let Some(missing) = values.iter().find(|v| !order.contains(v)).filter(|_| !wrong) {
        b.err(
            e.state.span(),
            format!("the events' order lacks {enum_name}'s value `{missing}`"),
        );
    }
    Some(NotificationEvents {
        invoice: e.invoice.iter().map(|f| field_name(f.as_str())).collect(),
        state: field_name(e.state.as_str()),
        state_enum: enum_name,
        order,
        notes: notes(&e.source, &e.note),
    })
}

/// The notification's fields: unique, of a type a form can carry.
fn notification_fields(b: &mut Builder, n: &model::NotificationDef) -> Vec<NotificationField> {
    let mut fields = Vec::new();
    let mut seen = BTreeSet::new();
    for f in &n.fields {
        if !seen.insert(f.name.as_str().to_owned()) {
            b.err(f.name.span(), format!("duplicate field `{}`", f.name.as_str()));
        }
        let Some(ty) = b.ty(&f.ty) else { continue };
        if !matches!(
            ty.wire(),
            Ty::String | Ty::Int | Ty::Long | Ty::Decimal | Ty::DateTime | Ty::Enum(..)
        ) {
            b.err(
                f.ty.span(),
                format!("a notification field cannot be of type `{}`", ty.spec_name()),
            );
        }
        let secret = b.secret(&f.secret);
        if secret != Secret::No && (secret != Secret::Full || ty != Ty::String) {
            b.err(
                f.name.span(),
                "a secret notification field is `type: string` with `secret: true`",
            );
        }
        fields.push(NotificationField {
            wire: f.name.as_str().to_owned(),
            rust: field_name(f.name.as_str()),
            secret,
            ty,
            doc: f.doc.trim().to_owned(),
            notes: notes(&f.source, &f.note),
        });
    }
    fields
}

/// A numbered field: its pattern holds `{n}` once, and its Rust name is snake case.
fn numbered_field(b: &mut Builder, f: &model::NumberedField) -> Option<NumberedField> {
    let pattern = f.name.as_str();
    let Some((prefix, suffix)) = pattern.split_once("{n}").filter(|(_, rest)| !rest.contains("{n}")) else {
        b.err(
            f.name.span(),
            format!("a numbered field's name holds `{{n}}` once, not `{pattern}`"),
        );
        return None;
    };
    let rust = rust_name(b, Some(&f.rust), pattern);
    Some(NumberedField {
        prefix: prefix.to_owned(),
        suffix: suffix.to_owned(),
        pattern: pattern.to_owned(),
        rust,
        doc: f.doc.trim().to_owned(),
        notes: notes(&f.source, &f.note),
    })
}

/// The hash names fields of the notification, and its order holds the secret's slot.
fn check_hash(b: &mut Builder, n: &model::NotificationDef) {
    let known = |name: &str| n.fields.iter().any(|f| f.name.as_str() == name);
    if !known(n.hash.field.as_str()) {
        b.err(
            n.hash.field.span(),
            format!("hash field `{}` is not a field", n.hash.field.as_str()),
        );
    }
    for o in n.hash.order.iter().filter(|o| !known(o.as_str())) {
        b.err(
            o.span(),
            format!("hash order names `{}`, which is not a field", o.as_str()),
        );
    }
    if !n.hash.order.iter().any(|o| o.as_str() == n.hash.secret.as_str()) {
        b.err(
            n.hash.secret.span(),
            format!("the secret slot `{}` is not in the hash order", n.hash.secret.as_str()),
        );
    }
}

/// Fields that hold a notification's form body name a notification of some API, and are text.
pub(super) fn resolve_notifications(b: &mut Builder, loaded: &[Loaded], apis: &mut [Api]) {
    let known: BTreeMap<String, String> = apis
        .iter()
        .filter_map(|a| a.notification.as_ref().map(|n| (n.name.clone(), a.module.clone())))
        .collect();
    let spans: Vec<&model::Field> = loaded
        .iter()
        .flat_map(|l| l.spec.types.iter())
        .flat_map(|t| t.fields.iter())
        .filter(|f| f.notification.is_some())
        .collect();
    for f in spans {
        let (Some(n), ty) = (&f.notification, f.ty.as_str()) else {
            continue;
        };
        if !known.contains_key(n.as_str()) {
            b.err(n.span(), format!("`{}` is not the name of a notification", n.as_str()));
        }
        if ty != "string" {
            b.err(n.span(), "`notification` needs a field of type `string`");
        }
    }
    for api in apis.iter_mut() {
        for t in api.types.iter_mut() {
            for f in t.fields.iter_mut() {
                if let Some((module, name)) = &mut f.notification {
                    match known.get(name.as_str()) {
                        Some(m) if f.ty == Ty::String => *module = m.clone(),
                        _ => f.notification = None,
                    }
                }
            }
        }
    }
}
