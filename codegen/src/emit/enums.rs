//! Enumerations: a variant per spec value plus `Unknown(String)`, which keeps what the spec does
//! not know, in XML and JSON alike.

use super::gates::{gated, Gates};
use super::{doc_attrs, ident};
use crate::ir::{Api, Enum, Ir};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// The `enums.rs` of an API.
pub fn emit(ir: &Ir, api: &Api) -> TokenStream {
    let gates = Gates::new(ir);
    let items = api.enums.iter().map(|e| {
        let definition = definition(e);
        let wire = wire_enum(e);
        let conversions = conversions(&ident(&e.name));
        let items = quote! {
            #definition
            #wire
            #conversions
        };
        gated(&gates.item(&api.module, &e.name), items)
    });
    let versions = versions(api).map(|v| gated(&gates.api(&api.module), v));
    quote! {
        //! Enumerations (generated from the spec).
        #(#items)*
        #versions
    }
}

/// The enum of the API's versions (`versions:`), what the client's and the mock's
/// `api_version(..)` take.
fn versions(api: &Api) -> Option<TokenStream> {
    let default = api.versions.iter().find(|v| v.default)?;
    let name = ident(crate::ir::VERSION_TYPE);
    let module = &api.module;
    let doc = format!(
        "The published versions of the {module} API, which sign some methods differently and have some methods of their own. A client and a mock are set to one (`api_version(..)` of their builders; default `{}`), so that one flow never mixes two.",
        default.rust
    );
    let variants = api.versions.iter().map(|v| {
        let d = doc_attrs(&v.doc, &v.notes);
        let r = ident(&v.rust);
        let default = v.default.then(|| quote!(#[default]));
        quote! { #d #default #r, }
    });
    let names = api.versions.iter().map(|v| {
        let (r, w) = (ident(&v.rust), &v.name);
        quote! { Self::#r => #w, }
    });
    let parse = api.versions.iter().map(|v| {
        let (r, w) = (ident(&v.rust), &v.name);
        quote! { #w => Ok(Self::#r), }
    });
    let all = api.versions.iter().map(|v| ident(&v.rust));
    let choices = api
        .versions
        .iter()
        .map(|v| format!("`{}`", v.name))
        .collect::<Vec<_>>()
        .join(", ");
    let unknown = format!("unknown {module} API version `{{other}}`: the versions are {choices}");
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum #name {
            #(#variants)*
        }

        impl #name {
            /// Every version, in spec order.
            pub const ALL: &'static [#name] = &[#(Self::#all),*];

            /// The version's name in the spec (`portal`).
            pub fn as_str(self) -> &'static str {
                match self {
                    #(#names)*
                }
            }
        }

        impl crate::runtime::ApiVersion for #name {
            const API: &'static str = #module;
            fn name(self) -> &'static str {
                self.as_str()
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for #name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    #(#parse)*
                    other => Err(format!(#unknown)),
                }
            }
        }
    })
}

/// The enum itself, `ALL`, and `is_final` when some values are final.
fn definition(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let doc = doc_attrs(&e.doc, &e.notes);
    let variants = e.values.iter().map(|v| {
        let d = doc_attrs(&v.doc, &v.notes);
        let r = ident(&v.rust);
        quote! { #d #r, }
    });
    let all = e.values.iter().map(|v| {
        let r = ident(&v.rust);
        quote! { Self::#r }
    });
    let finals: Vec<_> = e.values.iter().filter(|v| v.is_final).map(|v| ident(&v.rust)).collect();
    let is_final = (!finals.is_empty()).then(|| {
        quote! {
            impl #name {
                /// Whether no further change of state is expected.
                pub fn is_final(&self) -> bool {
                    matches!(self, #( Self::#finals )|*)
                }
            }
        }
    });
    quote! {
        #doc
        ///
        /// Non-exhaustive: a value added to the spec is a new variant, not a breaking change;
        /// match with a `_` arm (values no variant names arrive as `Unknown`).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the spec does not know, kept as it was sent.
            Unknown(String),
        }

        impl #name {
            /// Every value the spec knows, in spec order.
            pub const ALL: &'static [#name] = &[#(#all),*];
        }

        #is_final
    }
}

/// `WireEnum`: names and numbers both ways, unknown values kept.
fn wire_enum(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let names = e.values.iter().map(|v| {
        let (r, w) = (ident(&v.rust), &v.wire);
        quote! { Self::#r => #w, }
    });
    let codes = e.values.iter().map(|v| {
        let r = ident(&v.rust);
        match v.code {
            Some(c) => {
                let c = Literal::i64_unsuffixed(c);
                quote! { Self::#r => Some(#c), }
            }
            None => quote! { Self::#r => None, },
        }
    });
    let parse = e.values.iter().map(|v| {
        let (r, w) = (ident(&v.rust), &v.wire);
        match v.code {
            Some(c) => {
                let c = c.to_string();
                quote! { #w | #c => Self::#r, }
            }
            None => quote! { #w => Self::#r, },
        }
    });
    let wire_code = e.wire_code;
    quote! {
        impl crate::runtime::WireEnum for #name {
            const WIRE_CODE: bool = #wire_code;
            fn all() -> &'static [Self] {
                Self::ALL
            }
            fn name(&self) -> &str {
                match self {
                    #(#names)*
                    Self::Unknown(raw) => raw,
                }
            }
            fn code(&self) -> Option<i64> {
                match self {
                    #(#codes)*
                    Self::Unknown(raw) => raw.trim().parse().ok(),
                }
            }
            fn from_wire(raw: &str) -> Self {
                match raw.trim() {
                    #(#parse)*
                    _ => Self::Unknown(raw.to_owned()),
                }
            }
        }
    }
}

/// `FromStr`, `Display` and serde, all through `WireEnum`.
fn conversions(name: &proc_macro2::Ident) -> TokenStream {
    quote! {
        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Ok(<Self as crate::runtime::WireEnum>::from_wire(raw))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(crate::runtime::WireEnum::name(self))
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                crate::runtime::ser::enum_default(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::runtime::de::wire_enum(deserializer)
            }
        }
    }
}
