//! The comparison of two surfaces: an item only in the new one is added (with the class its item
//! gives), one only in the old one is removed (breaking), and a facet whose value differs is
//! changed (with the facet's class).

use super::items::{Items, PARAMETER_ORDER};
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
            None => changes.push(Change {
                class: Class::Breaking,
                kind: o.kind,
                item: o.name.clone(),
                change: "removed".into(),
                old: None,
                new: None,
            }),
            Some(n) => {
                for (facet, (class, value)) in &n.facets {
                    let before = o.facets.get(facet).map(|(_, v)| v.as_str()).unwrap_or_default();
                    if before != value && !(*facet == PARAMETER_ORDER && same_relative_order(before, value)) {
                        changes.push(Change {
                            class: *class,
                            kind: n.kind,
                            item: n.name.clone(),
                            change: (*facet).into(),
                            old: Some(before.to_owned()),
                            new: Some(value.clone()),
                        });
                    }
                }
            }
        }
    }
    for (key, n) in new {
        if !old.contains_key(key) && !folded(n, old) {
            changes.push(Change {
                class: n.added,
                kind: n.kind,
                item: n.name.clone(),
                change: "added".into(),
                old: None,
                new: None,
            });
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

/// Whether the names both lists have come in the same order (an addition or a removal alone
/// does not reorder the others).
fn same_relative_order(old: &str, new: &str) -> bool {
    let old: Vec<&str> = old.split(", ").collect();
    let new: Vec<&str> = new.split(", ").collect();
    let common_old: Vec<&&str> = old.iter().filter(|n| new.contains(n)).collect();
    let common_new: Vec<&&str> = new.iter().filter(|n| old.contains(n)).collect();
    common_old == common_new
}
