//! Identifier types (`ids.rs`): a newtype over a number per spec `ids:` entry, written and read
//! as the number, so that an eshop id and a page size cannot be swapped in `new(..)`.

use super::gates::{gated, Gates};
use super::{doc_attrs, ident, rust_type};
use crate::ir::{Api, IdType, Ir, Secret, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// The `ids.rs` of an API.
pub fn emit(ir: &Ir, api: &Api) -> TokenStream {
    let gates = Gates::new(ir);
    let ids = api
        .ids
        .iter()
        .map(|id| gated(&gates.item(&api.module, &id.name), emit_id(id)));
    quote! {
        //! Identifier types (generated from the spec).
        #(#ids)*
    }
}

/// One id type and its impls.
fn emit_id(id: &IdType) -> TokenStream {
    let name = ident(&id.name);
    let inner = rust_type(&id.inner, Secret::No);
    let doc = doc_attrs(&id.doc, &id.notes);
    let text = id.inner == Ty::String;
    let example = if text {
        format!(
            " `{}::from(\"…\")`, or `\"…\".into()` where a setter takes `impl Into<{}>`.",
            id.name, id.name
        )
    } else {
        format!(
            " `{}(450063)`, or `450063.into()` where a setter takes `impl Into<{}>`.",
            id.name, id.name
        )
    };
    let derive = if text {
        quote!(#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)])
    } else {
        quote!(#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)])
    };
    let extra = if text {
        text_impls(&name)
    } else {
        number_impls(&name, id.inner == Ty::Int)
    };
    quote! {
        #doc
        ///
        #[doc = #example]
        #derive
        #[serde(transparent)]
        pub struct #name(pub #inner);

        impl From<#inner> for #name {
            fn from(value: #inner) -> Self {
                Self(value)
            }
        }

        impl From<#name> for #inner {
            fn from(value: #name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        #extra
    }
}

/// Parsing, and (for `int`) the widening that limit checks use.
fn number_impls(name: &proc_macro2::Ident, int: bool) -> TokenStream {
    let widen = int.then(|| {
        quote! {
            impl From<#name> for i64 {
                fn from(value: #name) -> Self {
                    i64::from(value.0)
                }
            }
        }
    });
    quote! {
        #widen
        impl std::str::FromStr for #name {
            type Err = std::num::ParseIntError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }
    }
}

/// Text ids read as `&str` (writers and length checks take one) and are made from any text.
fn text_impls(name: &proc_macro2::Ident) -> TokenStream {
    quote! {
        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl std::ops::Deref for #name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(Self(text.to_owned()))
            }
        }
    }
}
