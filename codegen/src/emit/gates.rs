//! Cargo features per API: which of them an item of the generated code needs.
//!
//! A spec with two or more APIs that have methods gets one feature per such API, named as its
//! module (`personal`, `payout`), so that a user of one API compiles only its part. A method is
//! compiled with its API's feature; a structure, enum or id type with every feature of what
//! reaches it (a method's parameters and result, a structure's fields, a notification's
//! fields). What the runtime needs of every API is compiled always: the envelope and the
//! request state (every answer has them) and the token method (every other method's session
//! needs a UserToken), with what they reach. An item that nothing reaches goes with its own
//! API's feature. With one API nothing is gated.

use crate::ir::{Api, Ir, Method, Ty};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// In a gate, "compiled always", whatever the features: what every API needs (the envelope, the
/// token method and what they reach).
const ALWAYS: &str = "*";

/// The features each item needs.
pub struct Gates {
    /// One per API with methods, when there are two or more; empty otherwise.
    features: BTreeSet<String>,
    /// The features an item (module, name) is compiled with: any of them.
    of: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Gates {
    /// The gates of the whole spec.
    pub fn new(ir: &Ir) -> Gates {
        let apis: BTreeSet<String> = ir
            .apis
            .iter()
            .filter(|a| !a.methods.is_empty())
            .map(|a| a.module.clone())
            .collect();
        let mut gates = Gates {
            features: if apis.len() >= 2 { apis } else { BTreeSet::new() },
            of: BTreeMap::new(),
        };
        gates.always(ir, &BTreeSet::from([ALWAYS.to_owned()]));
        for api in &ir.apis {
            for m in &api.methods {
                let gate = gates.method_gate(ir, api, m);
                for ty in m.params.iter().map(|p| &p.ty).chain([&m.result]) {
                    gates.reach(ir, ty, &gate);
                }
            }
            if let Some(n) = &api.notification {
                let gate = BTreeSet::from([api.module.clone()]);
                for f in &n.fields {
                    gates.reach(ir, &f.ty, &gate);
                }
            }
        }
        gates
    }

    /// The cargo features of the generated crate, one per API (none with one API).
    pub fn features(&self) -> &BTreeSet<String> {
        &self.features
    }

    /// What every API needs, compiled always.
    fn always(&mut self, ir: &Ir, always: &BTreeSet<String>) {
        let roles = &ir.roles;
        let mut named: Vec<Ty> = Vec::new();
        if let Some(e) = &roles.envelope {
            named.push(Ty::Struct(e.module.clone(), e.name.clone()));
            named.push(Ty::Enum(e.code_enum.0.clone(), e.code_enum.1.clone()));
            named.extend(e.eshop_id.iter().map(|(_, ty)| ty.clone()));
        }
        if let Some(r) = &roles.request {
            named.push(Ty::Struct(r.module.clone(), r.name.clone()));
            named.push(Ty::Enum(r.code_enum.0.clone(), r.code_enum.1.clone()));
        }
        for ty in &named {
            self.reach(ir, ty, always);
        }
    }

    /// The features a method is compiled with: its API's, or always for the token method.
    pub fn method_gate(&self, ir: &Ir, api: &Api, m: &Method) -> BTreeSet<String> {
        let token = ir
            .roles
            .token
            .as_ref()
            .is_some_and(|t| t.module == api.module && t.method == m.rust);
        match token {
            true => BTreeSet::from([ALWAYS.to_owned()]),
            false => BTreeSet::from([api.module.clone()]),
        }
    }

    /// `gate` added to the item `ty` names and to everything it holds.
    fn reach(&mut self, ir: &Ir, ty: &Ty, gate: &BTreeSet<String>) {
        let (module, name) = match ty {
            Ty::List(inner) | Ty::Json(inner) => return self.reach(ir, inner, gate),
            Ty::Struct(m, n) | Ty::Enum(m, n) | Ty::Id(m, n, _) => (m, n),
            _ => return,
        };
        let entry = self.of.entry((module.clone(), name.clone())).or_default();
        let before = entry.len();
        entry.extend(gate.iter().cloned());
        if entry.len() == before && before > 0 {
            return;
        }
        let fields = ir
            .structure(module, name)
            .map(|s| s.fields.as_slice())
            .unwrap_or_default();
        for f in fields {
            self.reach(ir, &f.ty, gate);
        }
    }

    /// The `#[cfg(..)]` of a structure, enum or id type (empty when it is compiled always).
    pub fn item(&self, module: &str, name: &str) -> TokenStream {
        self.attr(&self.item_gate(module, name))
    }

    /// The features a structure, enum or id type is compiled with.
    fn item_gate(&self, module: &str, name: &str) -> BTreeSet<String> {
        match self.of.get(&(module.to_owned(), name.to_owned())) {
            Some(gate) => gate.clone(),
            None if self.features.contains(module) => BTreeSet::from([module.to_owned()]),
            None => BTreeSet::from([ALWAYS.to_owned()]),
        }
    }

    /// The `#[cfg(..)]` of one part of an API's module (`types`, `requests`, …): compiled when
    /// any of its items is, so that a part left empty is not declared.
    pub fn part(&self, ir: &Ir, api: &Api, part: &str) -> TokenStream {
        let gates: Vec<BTreeSet<String>> = match part {
            "types" => api.types.iter().map(|s| self.item_gate(&api.module, &s.name)).collect(),
            "enums" => api.enums.iter().map(|e| self.item_gate(&api.module, &e.name)).collect(),
            "ids" => api.ids.iter().map(|i| self.item_gate(&api.module, &i.name)).collect(),
            "requests" | "client" => api.methods.iter().map(|m| self.method_gate(ir, api, m)).collect(),
            _ => vec![BTreeSet::from([api.module.clone()])],
        };
        self.attr(&gates.into_iter().flatten().collect())
    }

    /// The `#[cfg(..)]` of a method's items.
    pub fn method(&self, ir: &Ir, api: &Api, m: &Method) -> TokenStream {
        self.attr(&self.method_gate(ir, api, m))
    }

    /// The `#[cfg(..)]` of what belongs to one API as a whole (its notification, its payout
    /// flow, its versions).
    pub fn api(&self, module: &str) -> TokenStream {
        self.attr(&BTreeSet::from([module.to_owned()]))
    }

    /// The condition of `gate` (`feature = "a"`, `any(..)`: an item both APIs use is left out
    /// only when neither is on), or `None` when it holds always.
    pub fn condition(&self, gate: &BTreeSet<String>) -> Option<TokenStream> {
        // `ALWAYS`, or a module that has no feature of its own (an API without methods): what
        // it reaches is compiled whatever the features.
        if self.features.is_empty() || gate.iter().any(|g| !self.features.contains(g)) {
            return None;
        }
        let names: Vec<&String> = gate.iter().collect();
        Some(match names.as_slice() {
            [one] => quote!(feature = #one),
            _ => quote!(any(#(feature = #names),*)),
        })
    }

    fn attr(&self, gate: &BTreeSet<String>) -> TokenStream {
        match self.condition(gate) {
            Some(c) => quote!(#[cfg(#c)]),
            None => TokenStream::new(),
        }
    }
}

/// `items` with `attr` on each of them (each a whole item: a structure, an `impl` block, a
/// function), so that one entity's items are compiled together or not at all.
pub fn gated(attr: &TokenStream, items: TokenStream) -> TokenStream {
    if attr.is_empty() {
        return items;
    }
    let file: syn::File = match syn::parse2(items.clone()) {
        Ok(f) => f,
        Err(e) => panic!("the generator produced invalid items ({e}):\n{items}"),
    };
    file.items.into_iter().map(|item| quote!(#attr #item)).collect()
}

/// `fns` (functions of an `impl` block) with `attr` on each of them.
pub fn gated_fns(attr: &TokenStream, fns: TokenStream) -> TokenStream {
    if attr.is_empty() {
        return fns;
    }
    let block: syn::ItemImpl = match syn::parse2(quote!(impl Methods { #fns })) {
        Ok(b) => b,
        Err(e) => panic!("the generator produced invalid methods ({e}):\n{fns}"),
    };
    block.items.into_iter().map(|item| quote!(#attr #item)).collect()
}
