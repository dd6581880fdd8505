//! The comparison of two surfaces: an item only in the new one is added (with the class its item
//! gives), one only in the old one is removed (breaking), and a facet whose value differs is
//! changed (with the facet's class).

use super::items::{Items, PARAMETER_ORDER, SIGN, SIGN_SLOTS};
use super::Class;
use serde::Serialize;

/// One classified change of the public surface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// How it affects users.
    pub class: Class,
    /// What kind of item changed (`method`, `parameter`, `field`, `value`, …).
    pub kind: &'static str,
    /// The item, as a reader names it (`personal::getInvoicesHistory.OrderId`).
    pub item: String,
    /// What happened: `added`, `removed`, or the facet that changed.
    pub change: String,
    /// The old value (facet changes and removals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new value (facet changes and additions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// How Rust code reaches the item (`setter .holding_id(..)`, `personal::GetEshopInfo`), when
    /// that differs from its wire name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rust: Option<String>,
    /// An added item's facets (its Rust type, required, limits, doc…), for a reviewer who cannot
    /// see the spec: (facet, value), in the item's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<(String, String)>,
}

/// The facets that tell how Rust code reaches an item.
const RUST_FACETS: &[&str] = &["Rust", "request type"];

/// Facet values that say nothing of an added item (the defaults).
fn telling(facet: &str, value: &str) -> bool {
    !value.is_empty() && !matches!((facet, value), ("deprecated" | "secret" | "personal" | "final", "no"))
}

impl Change {
    fn of(class: Class, item: &super::items::Item, change: &str, old: Option<String>, new: Option<String>) -> Change {
        let rust = RUST_FACETS
            .iter()
            .find_map(|f| item.facets.get(f))
            .map(|(_, v)| v.clone());
        Change {
            class,
            kind: item.kind,
            item: item.name.clone(),
            change: change.into(),
            old,
            new,
            rust,
            detail: Vec::new(),
        }
    }
}

/// Every change from `old` to `new`, strongest class first, then in item order.
pub fn compare(old: &Items, new: &Items) -> Vec<Change> {
    let mut changes = Vec::new();
    // A parameter of a removed method, a value of an added enum: the parent says it all.
    let folded =
        |item: &super::items::Item, other: &Items| item.parent.as_ref().is_some_and(|p| !other.contains_key(p));
    for (key, o) in old {
        match new.get(key) {
            None if folded(o, new) => {}
            None => changes.push(Change::of(Class::Breaking, o, "removed", None, None)),
            Some(n) => changes.extend(facet_changes(o, n)),
        }
    }
    for (key, n) in new {
        if !old.contains_key(key) && !folded(n, old) {
            let mut added = Change::of(n.added, n, "added", None, None);
            added.detail = n
                .facets
                .iter()
                .filter(|(f, (_, v))| !RUST_FACETS.contains(f) && telling(f, v))
                .map(|(f, (_, v))| ((*f).to_owned(), v.clone()))
                .collect();
            changes.push(added);
            changes.extend(reading_changed(n, old));
        }
    }
    changes.sort_by(|a, b| {
        a.class
            .cmp(&b.class)
            .then_with(|| a.item.cmp(&b.item))
            .then_with(|| a.change.cmp(&b.change))
    });
    changes
}

/// The facets of an item that changed. A changed `Sign` says what its slots say too: the slots
/// are reported alone only when the template's text is the same (an `absent` slot changed).
fn facet_changes(o: &super::items::Item, n: &super::items::Item) -> Vec<Change> {
    let differs = |facet: &str| {
        let before = o.facets.get(facet).map(|(_, v)| v.as_str()).unwrap_or_default();
        let after = n.facets.get(facet).map(|(_, v)| v.as_str()).unwrap_or_default();
        before != after
    };
    let mut out = Vec::new();
    for (facet, (class, value)) in &n.facets {
        let before = o.facets.get(facet).map(|(_, v)| v.as_str()).unwrap_or_default();
        if before == value
            || (*facet == PARAMETER_ORDER && same_relative_order(before, value))
            || (*facet == SIGN_SLOTS && differs(SIGN))
        {
            continue;
        }
        out.push(Change::of(
            *class,
            n,
            facet,
            Some(before.to_owned()),
            Some(value.clone()),
        ));
    }
    out
}

/// A value added to an enum that already was: answers that carried it were read as
/// `Unknown("…")` and are now read as the new variant, which code matching on `Unknown` sees.
fn reading_changed(n: &super::items::Item, old: &Items) -> Option<Change> {
    let parent = n.parent.as_ref()?;
    if n.kind != "value" || !old.contains_key(parent) {
        return None;
    }
    let wire = n.facets.get("wire name").map(|(_, v)| v.as_str())?;
    let variant = n.facets.get("Rust").map(|(_, v)| v.as_str())?;
    Some(Change::of(
        Class::Wire,
        n,
        "answers read",
        Some(format!("Unknown(\"{wire}\")")),
        Some(variant.to_owned()),
    ))
}

/// Whether the names both lists have come in the same order (an addition or a removal alone
/// does not reorder the others).
fn same_relative_order(old: &str, new: &str) -> bool {
    let old: Vec<&str> = old.split(", ").collect();
    let new: Vec<&str> = new.split(", ").collect();
    let common_old: Vec<&&str> = old.iter().filter(|n| new.contains(n)).collect();
    let common_new: Vec<&&str> = new.iter().filter(|n| old.contains(n)).collect();
    common_old == common_new
}
