//! `src/roles.rs`: how the runtime reads this API. The marker type [`MARKER`] implements the
//! runtime's traits (`Api`, `Envelope`, `StateCode`, `TokenRequest`, `PayoutApi`,
//! `PayoutRequest`) from the spec's `role:` keys, so that the runtime names no generated type.

use super::{ident, item_path, rust_type};
use crate::ir::{EnvelopeRoles, Ir, PayoutRoles, RequestRoles, Secret, TokenRoles};
use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::quote;

/// The generated API's marker type: the `A` of the runtime's `Client<A>`, `Error<A>`, ….
pub const MARKER: &str = "IntellectMoney";

/// The file.
pub fn emit(ir: &Ir) -> TokenStream {
    let marker = ident(MARKER);
    let api = api_impl(ir);
    let envelope = ir.roles.envelope.as_ref().map(envelope_impl);
    let request = ir.roles.request.as_ref().map(request_impl);
    let token = ir.roles.token.as_ref().map(token_impl);
    // The payout flow belongs to the API that has it: compiled with its feature.
    let payout = ir
        .roles
        .payout
        .as_ref()
        .map(|p| super::gates::gated(&super::gates::Gates::new(ir).api(&p.execute.0), payout_impl(p)));
    quote! {
        //! How the runtime reads this API: the runtime's traits implemented for the marker type,
        //! from the spec's roles (generated from the spec).
        // Deprecated methods (old payout creations) keep their roles while they exist.
        #![allow(deprecated)]
        use crate::#marker;
        #api
        #envelope
        #request
        #token
        #payout
    }
}

/// `src/marker.rs`: the marker type alone, which the API's types name and `roles.rs`
/// implements the runtime's traits for (in a file of its own, so that neither imports the other
/// for it).
pub fn marker(_: &Ir) -> TokenStream {
    let marker = ident(MARKER);
    quote! {
        //! The marker type of this API (generated).
        /// The IntellectMoney APIs as the runtime sees them: the `A` of the runtime's generic
        /// types (`intellectmoney::Error` is `runtime::client::Error<IntellectMoney>`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct #marker;
    }
}

/// `impl Api`: secret fields, envelope, codes, token method, clients, mock tables.
fn api_impl(ir: &Ir) -> TokenStream {
    let marker = ident(MARKER);
    let (root, envelope, service_code) = match &ir.roles.envelope {
        Some(e) => (
            e.name.clone(),
            item_path(&e.module, &e.name),
            item_path(&e.code_enum.0, &e.code_enum.1),
        ),
        None => ("Response".into(), quote!(()), quote!(())),
    };
    let request_code = ir
        .roles
        .request
        .as_ref()
        .map_or(quote!(()), |r| item_path(&r.code_enum.0, &r.code_enum.1));
    let eshop_id = match ir.roles.envelope.as_ref().and_then(|e| e.eshop_id.as_ref()) {
        Some((_, ty)) => rust_type(ty, Secret::No),
        None => quote!(()),
    };
    let token = ir
        .roles
        .token
        .as_ref()
        .map_or(quote!(()), |t| item_path(&t.module, &t.method));
    let versions = ir.apis.iter().filter_map(|a| {
        let default = &a.versions.iter().find(|v| v.default)?.name;
        let (module, names) = (&a.module, a.versions.iter().map(|v| &v.name));
        Some(quote! {
            crate::runtime::ApiVersions { api: #module, names: &[#(#names),*], default: #default }
        })
    });
    quote! {
        impl crate::runtime::Api for #marker {
            const SECRET_FIELDS: &'static [&'static str] = crate::api::SECRET_FIELDS;
            const VERSIONS: &'static [crate::runtime::ApiVersions] = &[#(#versions),*];
            const PERSONAL_FIELDS: &'static [&'static str] = crate::api::PERSONAL_FIELDS;
            const ENVELOPE_ROOT: &'static str = #root;
            const USER_AGENT: &'static str = crate::USER_AGENT;
            type Envelope<T: crate::runtime::xml::Decodable> = #envelope<T>;
            type ServiceCode = #service_code;
            type RequestCode = #request_code;
            type EshopId = #eshop_id;
            type Token = #token;
        }
        impl crate::runtime::client::ClientApi for #marker {
            type Client = crate::Client;
        }
        #[cfg(feature = "blocking")]
        impl crate::runtime::blocking::BlockingApi for #marker {
            type Blocking = crate::blocking::Client;
        }
    }
}

/// A path of Rust fields (`operation_state.code`).
fn field_path(path: &[String]) -> TokenStream {
    let parts = path.iter().map(|p| ident(p));
    quote!(#(#parts).*)
}

/// `match self { Self::X => Meaning::Ok, …, _ => Meaning::Failed }`.
fn meaning_match(
    scrutinee: TokenStream,
    ty: &TokenStream,
    meanings: &[(String, String)],
    kind: &str,
    rest: &str,
) -> TokenStream {
    let kind = ident(kind);
    let rest = ident(rest);
    let arms = meanings.iter().map(|(value, meaning)| {
        let v = ident(&value.to_upper_camel_case());
        let m = ident(meaning);
        quote!(#ty::#v => crate::runtime::api::#kind::#m,)
    });
    quote! {
        match #scrutinee {
            #(#arms)*
            _ => crate::runtime::api::#kind::#rest,
        }
    }
}

fn envelope_impl(e: &EnvelopeRoles) -> TokenStream {
    let marker = ident(MARKER);
    let ty = item_path(&e.module, &e.name);
    let code_ty = item_path(&e.code_enum.0, &e.code_enum.1);
    let code = field_path(&e.code);
    let desc = match &e.desc {
        Some(path) => {
            let p = field_path(path);
            quote!(self.#p)
        }
        None => quote!(None),
    };
    let optional = |field: Option<&String>| match field {
        Some(f) => {
            let f = ident(f);
            quote!(self.#f)
        }
        None => quote!(None),
    };
    let operation_id = optional(e.operation_id.as_ref());
    let eshop_id = optional(e.eshop_id.as_ref().map(|(f, _)| f));
    let result = ident(&e.result);
    let meaning = meaning_match(quote!(self), &code_ty, &e.meanings, "Meaning", "Failed");
    quote! {
        impl<T> crate::runtime::Envelope<#marker, T> for #ty<T> {
            fn into_parts(self) -> crate::runtime::api::EnvelopeParts<#marker, T> {
                crate::runtime::api::EnvelopeParts {
                    code: self.#code,
                    desc: #desc,
                    operation_id: #operation_id,
                    eshop_id: #eshop_id,
                    result: self.#result,
                }
            }
        }
        impl crate::runtime::StateCode for #code_ty {
            fn meaning(&self) -> crate::runtime::api::Meaning {
                #meaning
            }
        }
    }
}

fn request_impl(r: &RequestRoles) -> TokenStream {
    let code_ty = item_path(&r.code_enum.0, &r.code_enum.1);
    let meaning = meaning_match(quote!(self), &code_ty, &r.meanings, "Meaning", "Failed");
    quote! {
        impl crate::runtime::StateCode for #code_ty {
            fn meaning(&self) -> crate::runtime::api::Meaning {
                #meaning
            }
        }
    }
}

fn token_impl(t: &TokenRoles) -> TokenStream {
    let marker = ident(MARKER);
    let request = item_path(&t.module, &t.method);
    let field = ident(&t.field);
    quote! {
        impl crate::runtime::TokenRequest<#marker> for #request {
            fn with_credentials(login: String, password: crate::runtime::Secret) -> Self {
                Self::new(login, password)
            }
            fn token(output: Self::Output) -> Option<crate::runtime::Secret> {
                output.#field
            }
        }
    }
}

fn payout_impl(p: &PayoutRoles) -> TokenStream {
    let marker = ident(MARKER);
    let execute = item_path(&p.execute.0, &p.execute.1);
    let poll = item_path(&p.poll.0, &p.poll.1);
    let delete = item_path(&p.delete.0, &p.delete.1);
    let g = &p.progress;
    let result = item_path(&g.module, &g.name);
    let state = item_path(&g.state_enum.0, &g.state_enum.1);
    let (id, st) = (ident(&g.operation_id), ident(&g.state));
    let error = match &g.error {
        Some(f) => {
            let f = ident(f);
            quote!(output.#f)
        }
        None => quote!(None),
    };
    let fate = meaning_match(quote!(state), &state, &p.fates, "Fate", "Open");
    let created = ident(&p.created.to_upper_camel_case());
    let creates = p.creates.iter().map(|c| {
        let request = item_path(&c.method.0, &c.method.1);
        let amount = ident(&c.amount);
        let currency = ident(&c.currency);
        let currency = if c.currency_text {
            quote!(self.#currency.clone())
        } else {
            quote!(self.#currency.to_string())
        };
        quote! {
            impl crate::runtime::PayoutRequest<#marker> for #request {
                fn created(output: #result) -> crate::runtime::api::Progress<#state> {
                    progress(output)
                }
                fn amount(&self) -> crate::runtime::Decimal {
                    self.#amount
                }
                fn currency(&self) -> String {
                    #currency
                }
            }
        }
    });
    quote! {
        /// What an answer of the payout methods says of the operation.
        fn progress(output: #result) -> crate::runtime::api::Progress<#state> {
            crate::runtime::api::Progress {
                operation_id: output.#id,
                state: output.#st,
                error_message: #error,
            }
        }
        impl crate::runtime::PayoutApi for #marker {
            type Execute = #execute;
            type Poll = #poll;
            type Delete = #delete;
            type State = #state;
            fn execute(operation_id: crate::runtime::Uuid) -> Self::Execute {
                #execute::new(operation_id)
            }
            fn poll(operation_id: crate::runtime::Uuid) -> Self::Poll {
                #poll::new(operation_id)
            }
            fn delete(operation_id: crate::runtime::Uuid) -> Self::Delete {
                #delete::new(operation_id)
            }
            fn executed(output: #result) -> crate::runtime::api::Progress<#state> {
                progress(output)
            }
            fn polled(output: #result) -> crate::runtime::api::Progress<#state> {
                progress(output)
            }
            fn fate(state: &#state) -> crate::runtime::api::Fate {
                #fate
            }
            fn is_created(state: &#state) -> bool {
                *state == #state::#created
            }
        }
        #(#creates)*
    }
}
