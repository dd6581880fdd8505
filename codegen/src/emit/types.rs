//! Structures: response types (decoded from XML and JSON alike), the envelope, and the JSON
//! documents that requests carry inside form fields.

use super::gates::Gates;
use super::{doc_attrs, ident, rust_type};
use crate::ir::{Api, Encoding, Ir, Secret, Struct, StructField, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// The `types.rs` of an API.
pub fn emit(ir: &Ir, api: &Api) -> TokenStream {
    let gates = Gates::new(ir);
    let gated = |s: &Struct, items: TokenStream| super::gates::gated(&gates.item(&api.module, &s.name), items);
    let items = api.types.iter().map(|s| gated(s, emit_struct(s)));
    let notifications = api.types.iter().map(|s| gated(s, notification_readers(s)));
    let read = super::xml::read_from_answers(ir);
    let decoders = api
        .types
        .iter()
        .filter(|s| read.contains(&(api.module.clone(), s.name.clone())))
        .map(|s| gated(s, super::xml::from_xml_impl(s)));
    let states = api
        .types
        .iter()
        .filter(|s| is_result(api, s))
        .map(|s| gated(s, result_state(ir, s)));
    quote! {
        //! Structures (generated from the spec).
        #(#items)*
        #(#notifications)*
        #(#states)*
        #(#decoders)*
    }
}

/// `parse_<field>()` for each field that holds a notification's form body.
fn notification_readers(s: &Struct) -> TokenStream {
    let readers: Vec<TokenStream> = s
        .fields
        .iter()
        .filter_map(|f| {
            let (module, name) = f.notification.as_ref()?;
            let r = ident(&f.rust);
            let method = ident(&format!("parse_{}", f.rust));
            let ty = rust_type(&Ty::Struct(module.clone(), name.clone()), Secret::No);
            let doc = format!(
                " `{}` read as a [`{name}`]({ty}) (its hash is not checked: call `verify`).",
                f.wire
            )
            .replace(' ', " ")
            .replace("crate :: api :: ", "crate::api::")
            .replace(" :: ", "::");
            let body = if f.required {
                quote!(Some(#ty::parse(self.#r.as_bytes())))
            } else {
                quote!(self.#r.as_deref().map(|body| #ty::parse(body.as_bytes())))
            };
            Some(quote! {
                #[doc = #doc]
                pub fn #method(&self) -> Option<Result<#ty, crate::runtime::notification::NotificationError>> {
                    #body
                }
            })
        })
        .collect();
    if readers.is_empty() {
        return TokenStream::new();
    }
    let name = ident(&s.name);
    quote! {
        impl #name {
            #(#readers)*
        }
    }
}

/// Whether a method of the API returns this structure.
fn is_result(api: &Api, s: &Struct) -> bool {
    api.methods
        .iter()
        .any(|m| matches!(&m.result, Ty::Struct(_, n) if *n == s.name))
}

/// How the client finds `Result.State` in a result: its field of the `request_state` type, and
/// in it the fields with the roles `request_code` and `request_desc`.
fn result_state(ir: &Ir, s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let Some(roles) = &ir.roles.request else {
        return TokenStream::new();
    };
    let code_type = super::item_path(&roles.code_enum.0, &roles.code_enum.1);
    let field = s
        .fields
        .iter()
        .find(|f| matches!(&f.ty, Ty::Struct(_, n) if *n == roles.name));
    let code = ident(&roles.code);
    let desc = match &roles.desc {
        Some(d) => {
            let d = ident(d);
            quote!(s.#d.as_deref())
        }
        None => quote!(None),
    };
    let body = match field {
        Some(f) if f.required => {
            let r = ident(&f.rust);
            quote!(Some((&self.#r.#code, { let s = &self.#r; #desc })))
        }
        Some(f) => {
            let r = ident(&f.rust);
            quote!(self.#r.as_ref().map(|s| (&s.#code, #desc)))
        }
        None => quote!(None),
    };
    quote! {
        impl crate::runtime::ResultState<#code_type> for #name {
            fn request_state(&self) -> Option<(&#code_type, Option<&str>)> {
                #body
            }
        }
    }
}

pub(super) fn field_type(f: &StructField) -> TokenStream {
    let t = rust_type(&f.ty, f.secret);
    if f.required || matches!(f.ty, Ty::List(_)) {
        t
    } else {
        quote!(Option<#t>)
    }
}

/// The `deserialize_with` helper of a field, if it needs one.
fn deserializer(f: &StructField) -> Option<&'static str> {
    if f.lenient {
        return Some(match f.ty.wire() {
            Ty::Decimal => "crate::runtime::de::lenient_decimal",
            Ty::DateTime => "crate::runtime::de::lenient_datetime",
            Ty::String => "crate::runtime::de::lenient_string",
            Ty::Struct(..) => "crate::runtime::de::lenient_value",
            Ty::List(_) => "crate::runtime::de::lenient_list",
            _ => "crate::runtime::de::lenient",
        });
    }
    let opt = !f.required;
    Some(match (f.ty.wire(), opt) {
        (Ty::String, true) => "crate::runtime::de::opt_string",
        (Ty::String, false) => "crate::runtime::de::string",
        (Ty::DateTime, true) => "crate::runtime::de::opt_datetime",
        (Ty::Decimal, true) => "crate::runtime::de::opt_decimal",
        (Ty::Decimal, false) => "crate::runtime::de::decimal",
        (Ty::Int | Ty::Long | Ty::Bool | Ty::Guid | Ty::Enum(..), true) => "crate::runtime::de::opt_text",
        (Ty::Int | Ty::Long | Ty::Bool | Ty::Guid | Ty::Enum(..) | Ty::DateTime, false) => "crate::runtime::de::text",
        (Ty::List(_), _) => "crate::runtime::de::list",
        (Ty::Json(_), true) => "crate::runtime::de::opt_json",
        (Ty::Json(_), false) => "crate::runtime::de::json",
        _ => return None,
    })
}

/// The `serialize_with` helper of a document field, if its encoding needs one.
fn serializer(f: &StructField) -> Option<&'static str> {
    let opt = !f.required;
    Some(match (&f.ty, f.encoding, opt) {
        (Ty::Decimal, Encoding::Plain, false) => "crate::runtime::ser::decimal_number",
        (Ty::Decimal, Encoding::Plain, true) => "crate::runtime::ser::opt_decimal_number",
        (Ty::Enum(..), Encoding::Code, false) => "crate::runtime::ser::enum_code",
        (Ty::Enum(..), Encoding::Code, true) => "crate::runtime::ser::opt_enum_code",
        (Ty::Enum(..), Encoding::Name, false) => "crate::runtime::ser::enum_name",
        (Ty::Enum(..), Encoding::Name, true) => "crate::runtime::ser::opt_enum_name",
        _ => return None,
    })
}

fn emit_struct(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let doc = doc_attrs(&s.doc, &s.notes);
    let fields = s.fields.iter().map(|f| {
        let rust = ident(&f.rust);
        let wire = &f.wire;
        let ty = field_type(f);
        let mut doc_text = f.doc.clone();
        if let Some(item) = &f.item {
            doc_text.push_str(&format!("\n\nIn XML, a wrapper element holding `<{item}>` items."));
        }
        let d = doc_attrs(&doc_text, &f.notes);
        let mut attrs = vec![quote!(rename = #wire)];
        attrs.extend(f.aliases.iter().map(|a| quote!(alias = #a)));
        if !f.required {
            attrs.push(quote!(default));
        }
        if let Some(de) = deserializer(f) {
            attrs.push(quote!(deserialize_with = #de));
        }
        if s.document {
            if let Some(ser) = serializer(f) {
                attrs.push(quote!(serialize_with = #ser));
            }
        }
        if matches!(f.ty, Ty::List(_)) && !f.required {
            attrs.push(quote!(skip_serializing_if = "Vec::is_empty"));
        } else if !f.required {
            attrs.push(quote!(skip_serializing_if = "Option::is_none"));
        }
        quote! {
            #d
            #[serde(#(#attrs),*)]
            pub #rust: #ty,
        }
    });
    let (generics, derives) = if s.envelope {
        (
            quote!(<R>),
            quote! {
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(bound(serialize = "R: serde::Serialize", deserialize = "R: serde::Deserialize<'de>"))]
            },
        )
    } else if s.fields.iter().any(|f| f.required) {
        (
            quote!(),
            quote!(#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]),
        )
    } else {
        (
            quote!(),
            quote!(#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]),
        )
    };
    let builder = if s.document { document_impl(s) } else { quote!() };
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub struct #name #generics {
            #(#fields)*
        }
        #builder
    }
}

/// `new(required..)`, a setter per optional field, and the check of documented limits.
fn document_impl(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let required: Vec<&StructField> = s.fields.iter().filter(|f| f.required).collect();
    let args = required.iter().map(|f| {
        let r = ident(&f.rust);
        let t = rust_type(&f.ty, f.secret);
        if takes_text(f) {
            quote!(#r: impl Into<String>)
        } else {
            quote!(#r: #t)
        }
    });
    let inits = s.fields.iter().map(|f| {
        let r = ident(&f.rust);
        if f.required && takes_text(f) {
            quote!(#r: #r.into(),)
        } else if f.required {
            quote!(#r,)
        } else if matches!(f.ty, Ty::List(_)) {
            quote!(#r: Vec::new(),)
        } else {
            quote!(#r: None,)
        }
    });
    let setters = s.fields.iter().filter(|f| !f.required).map(document_setter);
    let checks = s.fields.iter().map(document_check);
    let new_doc = format!(" A `{}` with its required fields.", s.name);
    let allow_many = super::allow_many_arguments(required.len());
    quote! {
        impl #name {
            #[doc = #new_doc]
            #allow_many
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits)* }
            }
            #(#setters)*
            /// Checks the documented limits of every field, naming the first one broken by its
            /// path under `path`.
            #[allow(unused_variables)]
            pub fn check(&self, method: &'static str, path: &str) -> Result<(), crate::runtime::RequestError> {
                #(#checks)*
                Ok(())
            }
        }
    }
}

/// A plain text field: constructors and setters take `impl Into<String>`.
fn takes_text(f: &StructField) -> bool {
    matches!(f.ty, Ty::String) && f.secret == Secret::No
}

fn document_setter(f: &StructField) -> TokenStream {
    let r = ident(&f.rust);
    let d = doc_attrs(&format!("Sets `{}`: {}", f.wire, f.doc), &[]);
    let t = rust_type(&f.ty, f.secret);
    if matches!(f.ty, Ty::List(_)) {
        quote! { #d pub fn #r(mut self, value: #t) -> Self { self.#r = value; self } }
    } else if takes_text(f) {
        quote! { #d pub fn #r(mut self, value: impl Into<String>) -> Self { self.#r = Some(value.into()); self } }
    } else {
        quote! { #d pub fn #r(mut self, value: #t) -> Self { self.#r = Some(value); self } }
    }
}

/// The check of one document field: its limits, its enum code, the documents inside it.
fn document_check(f: &StructField) -> TokenStream {
    let r = ident(&f.rust);
    let wire = &f.wire;
    if let Ty::List(inner) = &f.ty {
        if let Ty::Struct(..) = **inner {
            return quote! {
                for (i, item) in self.#r.iter().enumerate() {
                    item.check(method, &format!("{path}.{}[{i}]", #wire))?;
                }
            };
        }
        return quote!();
    }
    let mut body = Vec::new();
    let at = quote!(&format!("{path}.{}", #wire));
    // A secret's text is checked where it is held, never copied out.
    let text = match f.secret {
        Secret::No => quote!(value),
        _ => quote!(value.expose()),
    };
    if matches!(f.ty, Ty::String) && (f.limits.min_len.is_some() || f.limits.max_len.is_some()) {
        let min = opt_u32(f.limits.min_len);
        let max = opt_u32(f.limits.max_len);
        body.push(quote!(crate::runtime::check::length(method, #at, #text, #min, #max)?;));
    }
    if !f.limits.lengths.is_empty() {
        let lengths = &f.limits.lengths;
        body.push(quote!(crate::runtime::check::lengths(method, #at, #text, &[#(#lengths),*])?;));
    }
    if let Some(places) = f.limits.max_places {
        body.push(quote!(crate::runtime::check::decimal(method, #at, value, false, Some(#places), None, None)?;));
    }
    if matches!(f.ty, Ty::Enum(..)) && f.encoding == Encoding::Code {
        body.push(quote!(crate::runtime::check::enum_code(method, &format!("{path}.{}", #wire), value)?;));
    }
    if let Ty::Struct(..) = f.ty {
        body.push(quote!(value.check(method, &format!("{path}.{}", #wire))?;));
    }
    if body.is_empty() {
        quote!()
    } else if f.required {
        quote! { { let value = &self.#r; #(#body)* } }
    } else {
        quote! { if let Some(value) = &self.#r { #(#body)* } }
    }
}

/// `Some(n)` or `None` as tokens.
pub fn opt_u32(v: Option<u32>) -> TokenStream {
    match v {
        Some(n) => quote!(Some(#n)),
        None => quote!(None),
    }
}
