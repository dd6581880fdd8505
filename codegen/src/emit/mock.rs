//! What the mock server knows of each method (`mock.rs`, feature `mock`): the method, the rule
//! of each parameter it checks, and the example answers it gives.

use super::ident;
use crate::ir::{Api, Encoding, Method, Param, Required, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// The `mock.rs` of an API.
pub fn emit(api: &Api) -> TokenStream {
    let module = ident(&api.module);
    let methods = api.methods.iter().map(|m| method(&module, m));
    quote! {
        //! What the mock server knows of each method (generated from the spec).
        #[allow(deprecated)]
        pub(crate) static METHODS: &[crate::runtime::mock::MockMethod] = &[#(#methods),*];
    }
}

fn method(module: &proc_macro2::Ident, m: &Method) -> TokenStream {
    let request = ident(&m.rust);
    let params = m.params.iter().map(rule);
    let example = m.examples.first();
    let text = |t: Option<&String>| match t {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    };
    let xml = text(example.and_then(|e| e.xml_text.as_ref()));
    let json = text(example.and_then(|e| e.json_text.as_ref()));
    let bare = example.is_some_and(|e| e.bare);
    quote! {
        crate::runtime::mock::MockMethod {
            info: <crate::api::#module::#request as crate::runtime::ApiRequest>::METHOD,
            params: &[#(#params),*],
            xml: #xml,
            json: #json,
            bare: #bare,
        }
    }
}

fn rule(p: &Param) -> TokenStream {
    let name = &p.wire;
    let need = match &p.required {
        Required::Always => quote!(crate::runtime::mock::Need::Always),
        Required::No => quote!(crate::runtime::mock::Need::No),
        // The other parameter given (and, when listed, with one of these enum values).
        Required::When { wire, values, .. } => quote!(crate::runtime::mock::Need::When(#wire, &[#(#values),*])),
    };
    let kind = match (p.ty.wire(), p.encoding) {
        (Ty::Int | Ty::Long, _) => quote!(crate::runtime::mock::Kind::Integer),
        (Ty::Decimal, Encoding::Decimal2 | Encoding::Decimal2Number) => quote!(crate::runtime::mock::Kind::Decimal2),
        (Ty::Decimal, _) => quote!(crate::runtime::mock::Kind::Decimal),
        (Ty::Bool, Encoding::Flag01) => quote!(crate::runtime::mock::Kind::Flag01),
        (Ty::Bool, _) => quote!(crate::runtime::mock::Kind::TrueFalse),
        (Ty::Date, _) => quote!(crate::runtime::mock::Kind::Dmy),
        (Ty::DateTime, _) => quote!(crate::runtime::mock::Kind::DateTime),
        (Ty::Guid, _) => quote!(crate::runtime::mock::Kind::Guid),
        (Ty::Enum(m, n), _) => {
            let t = super::item_path(m, n);
            quote!(crate::runtime::mock::Kind::Enum(crate::runtime::mock::values::<#t>))
        }
        (Ty::Struct(..), _) => quote!(crate::runtime::mock::Kind::Json),
        _ => quote!(crate::runtime::mock::Kind::Text),
    };
    quote!(crate::runtime::mock::ParamRule { name: #name, need: #need, kind: #kind })
}
