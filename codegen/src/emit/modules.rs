//! The module tree of the generated API: each API's files and `mod.rs`, and `src/api/mod.rs`
//! with the secret fields.

use super::{doc_attrs, ident, rust_file, sources};
use crate::ir::{Api, Ir, Secret};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The files of one API (`src/api/<module>/…`), its `mod.rs` included.
pub fn api_files(ir: &Ir, api: &Api) -> Vec<(PathBuf, String)> {
    let sources = sources(ir, api);
    let dir = PathBuf::from("src/api").join(&api.module);
    let mut files = Vec::new();
    let mut parts = Vec::new();
    let mut part = |name: &'static str, tokens: TokenStream, files: &mut Vec<(PathBuf, String)>| {
        files.push((dir.join(format!("{name}.rs")), rust_file(&sources, tokens)));
        parts.push(name);
    };
    if !api.types.is_empty() {
        part("types", super::types::emit(ir, api), &mut files);
    }
    if !api.enums.is_empty() {
        part("enums", super::enums::emit(ir, api), &mut files);
    }
    if !api.ids.is_empty() {
        part("ids", super::ids::emit(ir, api), &mut files);
    }
    if let Some(n) = &api.notification {
        part("notification", super::notification::emit(n), &mut files);
    }
    if !api.methods.is_empty() {
        part("requests", super::requests::emit(ir, api), &mut files);
        files.push((dir.join("client.rs"), rust_file(&sources, super::client::emit(ir, api))));
        files.push((dir.join("mock.rs"), rust_file(&sources, super::mock::emit(ir, api))));
    }
    files.push((dir.join("mod.rs"), rust_file(&sources, api_mod(ir, api, &parts))));
    files
}

/// An API's `mod.rs`: its docs, its parts re-exported.
fn api_mod(ir: &Ir, api: &Api, parts: &[&str]) -> TokenStream {
    let reexported: Vec<_> = parts.iter().map(|p| ident(p)).collect();
    // A part is declared when any of its items is compiled (`emit::gates`).
    let gates = super::gates::Gates::new(ir);
    let declared_gates: Vec<_> = parts.iter().map(|p| gates.part(ir, api, p)).collect();
    // `client` holds only `impl Client` blocks, `mock` what the mock server knows: nothing
    // to re-export.
    let client = (!api.methods.is_empty()).then(|| ident("client"));
    let declared = reexported.iter().chain(client.iter());
    let mock = (!api.methods.is_empty()).then(|| {
        quote! {
            #[cfg(feature = "mock")]
            pub(crate) mod mock;
        }
    });
    let mut doc = format!("{}.", api.title);
    if let Some(s) = &api.source {
        doc.push_str(&format!("\n\nSource: {s}."));
    }
    let doc = doc_attrs(&doc, &[]).to_string().replace("# [doc", "# ! [doc");
    let doc: TokenStream = doc.parse().expect("doc attributes");
    let client_gate = client.iter().map(|_| gates.part(ir, api, "client"));
    let mod_gates = declared_gates.iter().cloned().chain(client_gate);
    quote! {
        #doc
        #( #mod_gates mod #declared; )*
        #mock
        #( #declared_gates pub use #reexported::*; )*
    }
}

/// `src/api/mod.rs`: the modules and the secret fields.
pub fn api_root(ir: &Ir) -> String {
    let all: Vec<&str> = ir.apis.iter().map(|a| a.file.as_str()).collect();
    let mods = ir.apis.iter().map(|a| ident(&a.module));
    let secrets = secret_fields(ir).into_iter();
    let personal = personal_fields(ir).into_iter();
    rust_file(
        &all,
        quote! {
            //! The generated API: one module per spec file.
            #( pub mod #mods; )*
            /// Wire names of every parameter and field the spec marks secret: masked wherever a
            /// body is shown (decode errors).
            pub const SECRET_FIELDS: &[&str] = &[#(#secrets),*];
            /// Wire names of every parameter the spec marks personal (a recipient's phone or
            /// wallet): removed, like secrets, from every text the client shows about a call or
            /// a payout that carried them.
            pub const PERSONAL_FIELDS: &[&str] = &[#(#personal),*];
        },
    )
}

/// Wire names of every personal parameter, sorted and once each.
fn personal_fields(ir: &Ir) -> BTreeSet<&str> {
    ir.apis
        .iter()
        .flat_map(|a| a.methods.iter())
        .flat_map(|m| m.params.iter())
        .filter(|p| p.personal)
        .map(|p| p.wire.as_str())
        .collect()
}

/// Wire names of every secret parameter and field, sorted and once each.
fn secret_fields(ir: &Ir) -> BTreeSet<&str> {
    let params = ir
        .apis
        .iter()
        .flat_map(|a| a.methods.iter())
        .flat_map(|m| m.params.iter())
        .filter(|p| p.secret != Secret::No)
        .map(|p| p.wire.as_str());
    let fields = ir
        .apis
        .iter()
        .flat_map(|a| a.types.iter())
        .flat_map(|t| t.fields.iter())
        .filter(|f| f.secret != Secret::No)
        .map(|f| f.wire.as_str());
    params.chain(fields).collect()
}
