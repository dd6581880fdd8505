//! Client methods: one async method on `Client` per spec method, and the same on the blocking
//! client (feature `blocking`).

use super::gates::{gated_fns, Gates};
use super::{doc_attrs, ident, rust_type};
use crate::ir::{Api, Effect, Ir, Method, Secret, Ty};
use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::quote;

/// The `client.rs` of an API.
pub fn emit(ir: &Ir, api: &Api) -> TokenStream {
    let gates = Gates::new(ir);
    let gated = |m, blocking| gated_fns(&gates.method(ir, api, m), method(api, m, blocking));
    let asyncs = api.methods.iter().map(|m| gated(m, false));
    let blockings = api.methods.iter().map(|m| gated(m, true));
    quote! {
        //! Client methods, one per spec method (generated from the spec).
        #[allow(deprecated)]
        impl crate::Client {
            #(#asyncs)*
        }
        #[cfg(feature = "blocking")]
        #[allow(deprecated)]
        impl crate::blocking::Client {
            #(#blockings)*
        }
    }
}

fn method(api: &Api, m: &Method, blocking: bool) -> TokenStream {
    let name = ident(&m.wire.to_snake_case());
    let request = ident(&m.rust);
    let module = ident(&api.module);
    let output = match &m.result {
        Ty::Bool => quote!(bool),
        t => rust_type(t, Secret::No),
    };
    let summary = m.doc.split("\n\n").next().unwrap_or_default().replace('\n', " ");
    let sending = match m.effect {
        Effect::Read => "Reads only: retried on transport errors and 5xx answers, as the retry policy allows.",
        Effect::Write => "Creates or changes something: never sent twice by the client.",
        Effect::Money => "Moves money: never sent twice by the client.",
    };
    // The spec's text is escaped (the wiki's brackets are not links); the link is the
    // generator's own, written as a link.
    let summary = doc_attrs(&format!("`{}` — {summary}", m.wire), &[]);
    let link = format!(
        " Sends [`{module}::{}`](crate::{module}::{}) to `{}`. {sending}",
        m.rust, m.rust, m.path
    );
    let doc = quote! {
        #summary
        #[doc = ""]
        #[doc = #link]
    };
    let deprecated = match &m.deprecated {
        Some(why) => quote!(#[deprecated(note = #why)]),
        None => quote!(),
    };
    let ret = quote!(Result<crate::Reply<#output>, crate::Error>);
    let paged = paged(api, m, blocking);
    if blocking {
        quote! {
            #doc
            #deprecated
            pub fn #name(&self, request: crate::#module::#request) -> #ret {
                self.block_on(self.inner().#name(request))
            }
            #paged
        }
    } else {
        quote! {
            #doc
            #deprecated
            pub async fn #name(&self, request: crate::#module::#request) -> #ret {
                self.send(&request).await
            }
            #paged
        }
    }
}

/// `<method>_pages` and `<method>_items` for a paginated method.
fn paged(api: &Api, m: &Method, blocking: bool) -> TokenStream {
    let Some((_, item)) = super::page_items(api, m) else {
        return TokenStream::new();
    };
    let item = rust_type(item, Secret::No);
    let output = rust_type(&m.result, Secret::No);
    let module = ident(&api.module);
    let request = ident(&m.rust);
    let snake = m.wire.to_snake_case();
    let pages = ident(&format!("{snake}_pages"));
    let items = ident(&format!("{snake}_items"));
    let pages_doc = format!(
        " Every page of `{}`, from the request's `Skip` on: the next page is fetched only when the previous one is used up, and the pages stop at a short or empty one.",
        m.wire
    );
    let items_doc = format!(
        " Every item of `{}` over all pages, one page in memory at a time (see [`Self::{pages}`]).",
        m.wire
    );
    if blocking {
        quote! {
            #[doc = #pages_doc]
            pub fn #pages(&self, request: crate::#module::#request) -> impl Iterator<Item = Result<crate::Reply<#output>, crate::Error>> + '_ {
                self.iterate(self.inner().pages(request))
            }
            #[doc = #items_doc]
            pub fn #items(&self, request: crate::#module::#request) -> impl Iterator<Item = Result<#item, crate::Error>> + '_ {
                self.iterate(self.inner().items(request))
            }
        }
    } else {
        quote! {
            #[doc = #pages_doc]
            pub fn #pages(&self, request: crate::#module::#request) -> impl futures_util::Stream<Item = Result<crate::Reply<#output>, crate::Error>> + '_ {
                self.pages(request)
            }
            #[doc = #items_doc]
            pub fn #items(&self, request: crate::#module::#request) -> impl futures_util::Stream<Item = Result<#item, crate::Error>> + '_ {
                self.items(request)
            }
        }
    }
}
