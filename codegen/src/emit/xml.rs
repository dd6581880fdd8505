//! XML decoders: one `FromXml` impl per structure, on the runtime's pull reader
//! (`runtime::xml`). Each reads its element's children once, finding each one's field in a table
//! of names (the next one in the spec's order first),
//! and reads every field with the reader call its type and encoding need; the serde derives stay
//! for JSON and for serializing.

use super::{field_type, ident};
use crate::ir::{Ir, Struct, StructField, Ty};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

/// The structures an answer can hold: every one but the documents the client writes, and the
/// documents those hold (module and name).
pub fn read_from_answers(ir: &Ir) -> BTreeSet<(String, String)> {
    let mut todo: Vec<(String, &Struct)> = ir
        .apis
        .iter()
        .flat_map(|a| a.types.iter().filter(|s| !s.document).map(|s| (a.module.clone(), s)))
        .collect();
    let mut read = BTreeSet::new();
    while let Some((module, s)) = todo.pop() {
        if !read.insert((module, s.name.clone())) {
            continue;
        }
        for f in &s.fields {
            if let Some((m, n)) = struct_in(&f.ty) {
                todo.extend(ir.structure(m, n).map(|t| (m.clone(), t)));
            }
        }
    }
    read
}

/// The structure a field's XML holds: itself or its list's items (JSON text is read by serde).
fn struct_in(ty: &Ty) -> Option<(&String, &String)> {
    match ty {
        Ty::Struct(m, n) => Some((m, n)),
        Ty::List(inner) => struct_in(inner),
        _ => None,
    }
}

/// `impl FromXml for <Struct>`.
pub fn from_xml_impl(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let slots: Vec<_> = (0..s.fields.len()).map(|i| format_ident!("f{i}")).collect();
    let decls = s.fields.iter().zip(&slots).map(|(f, slot)| {
        let ty = field_type(f);
        quote!(let mut #slot: Option<#ty> = None;)
    });
    // The field table: every name a field is read under (its aliases too), with the field's
    // index, in the spec's order, which is the answers' order: `x::field` tries the entry after
    // the last one found before searching.
    let table = s.fields.iter().enumerate().flat_map(|(i, f)| {
        let index = field_index(i);
        std::iter::once(&f.wire)
            .chain(&f.aliases)
            .map(move |name| quote!((#name, #index)))
    });
    let arms = s.fields.iter().zip(&slots).enumerate().map(|(i, (f, slot))| {
        let index = field_index(i);
        let wire = &f.wire;
        let read = reader_call(f);
        quote!(Some(#index) => x::set(&mut #slot, #wire, #read)?,)
    });
    let inits = s.fields.iter().zip(&slots).map(|(f, slot)| {
        let rust = ident(&f.rust);
        let wire = &f.wire;
        if f.required {
            quote!(#rust: x::required(#slot, #wire)?,)
        } else {
            quote!(#rust: #slot.unwrap_or_default(),)
        }
    });
    let (generics, ty) = if s.envelope {
        (quote!(<R: crate::runtime::xml::FromXml>), quote!(#name<R>))
    } else {
        (quote!(), quote!(#name))
    };
    quote! {
        impl #generics crate::runtime::xml::FromXml for #ty {
            fn from_xml(
                r: &mut crate::runtime::xml::XmlReader<'_>,
                start: crate::runtime::xml::Start<'_>,
            ) -> Result<Self, crate::runtime::xml::XmlError> {
                use crate::runtime::xml as x;
                const FIELDS: x::Fields = &[#(#table),*];
                let map = r.open(&start)?;
                #(#decls)*
                let mut next = 0;
                while let Some(child) = r.next_child(&map)? {
                    match x::field(FIELDS, &child, &mut next) {
                        #(#arms)*
                        _ => r.skip(child)?,
                    }
                }
                Ok(Self { #(#inits)* })
            }
        }
    }
}

/// A field's index in its structure's table, as written in the generated code (`3`).
fn field_index(i: usize) -> proc_macro2::Literal {
    proc_macro2::Literal::u16_unsuffixed(u16::try_from(i).expect("fewer than 65,536 fields"))
}

/// The reader call that reads one field's element (`child`), as the serde helper of the same
/// field reads it.
fn reader_call(f: &StructField) -> TokenStream {
    if f.lenient {
        return match f.ty.wire() {
            Ty::Decimal => quote!(r.lenient_decimal(&map, child)),
            Ty::DateTime => quote!(r.lenient_datetime(&map, child)),
            // A text reads an element inside it as nothing already: as strictly as it can.
            Ty::String => quote!(r.opt_string(&map, child)),
            Ty::Struct(..) => quote!(r.lenient_value(&map, child)),
            Ty::List(_) => quote!(r.lenient_list(child)),
            _ => quote!(r.lenient(&map, child)),
        };
    }
    let opt = !f.required;
    match (f.ty.wire(), opt) {
        (Ty::String, false) => quote!(r.string(child)),
        (Ty::String, true) => quote!(r.opt_string(&map, child)),
        (Ty::DateTime, true) => quote!(r.opt_datetime(&map, child)),
        (Ty::Decimal, false) => quote!(r.decimal(child)),
        (Ty::Decimal, true) => quote!(r.opt_decimal(&map, child)),
        (Ty::Int | Ty::Long | Ty::Bool | Ty::Guid | Ty::Enum(..) | Ty::DateTime, false) => quote!(r.parse(child)),
        (Ty::Int | Ty::Long | Ty::Bool | Ty::Guid | Ty::Enum(..), true) => quote!(r.opt_parse(&map, child)),
        (Ty::List(_), _) => quote!(r.list(child)),
        (Ty::Json(_), false) => quote!(r.json(&map, child)),
        (Ty::Json(_), true) => quote!(r.opt_json(&map, child)),
        (_, false) => quote!(r.value(child)),
        (_, true) => quote!(r.opt_value(&map, child)),
    }
}
