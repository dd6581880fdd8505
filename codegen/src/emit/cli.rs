//! The command line's part of the API (`src/cli.rs`, feature `cli`): one clap subcommand per
//! spec method, its flags (one per parameter) in a struct of their own, and the call each one
//! makes. The `intellectmoney` binary adds the options every call shares.

use super::gates::{gated, Gates};
use super::ident;
use crate::ir::{Api, Ir, Method, Param, Required, Ty};
use heck::{ToKebabCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::quote;

/// The whole `cli.rs`.
pub fn emit(ir: &Ir) -> TokenStream {
    let methods: Vec<(&Api, &Method)> = ir
        .apis
        .iter()
        .flat_map(|a| a.methods.iter().map(move |m| (a, m)))
        .collect();
    // A method compiled out of the crate has no subcommand either.
    let gates = Gates::new(ir);
    let gate = |a, m| gates.method(ir, a, m);
    let variants = methods.iter().map(|(a, m)| {
        let (gate, variant) = (gate(a, m), variant(a, m));
        quote!(#gate #variant)
    });
    let arms = methods.iter().map(|(a, m)| {
        let (gate, name) = (gate(a, m), ident(&m.rust));
        quote!(#gate Command::#name(args) => args.run(client).await,)
    });
    let args = methods.iter().map(|(a, m)| gated(&gate(a, m), args_struct(ir, a, m)));
    let payout = match &ir.roles.payout {
        Some(p) => gated(&gates.api(&p.execute.0), payout_aliases(ir)),
        None => TokenStream::new(),
    };
    quote! {
        //! One subcommand per spec method, with its flags (generated from the spec).
        #![allow(deprecated)]
        /// A method of the API, with its flags. Non-exhaustive: a method added to the spec is a
        /// new variant.
        #[derive(clap::Subcommand)]
        #[allow(clippy::large_enum_variant)]
        #[non_exhaustive]
        pub enum Command {
            #(#variants)*
        }

        impl Command {
            /// Sends the request and returns what to print.
            pub async fn run(self, client: &crate::Client) -> Result<crate::runtime::cli::Output, crate::Error> {
                match self {
                    #(#arms)*
                }
            }
        }
        #(#args)*
        #payout
    }
}

/// `PayoutCreate` and `PayoutCreateArgs`: the method that creates a payout in its API's default
/// version (the spec's first `payout_create` method there), which the CLI's `payout` and
/// `payout-batch` send, so that they follow the spec's roles, not a name of their own.
fn payout_aliases(ir: &Ir) -> TokenStream {
    let Some(p) = &ir.roles.payout else {
        return quote!();
    };
    let in_default = |(module, rust): &(String, String)| {
        let api = ir.apis.iter().find(|a| a.module == *module)?;
        let m = api.methods.iter().find(|m| m.rust == *rust)?;
        let default = api.versions.iter().find(|v| v.default).map(|v| &v.name);
        (m.version.is_none() || m.version.as_ref() == default).then_some(m)
    };
    let Some((module, m)) = p
        .creates
        .iter()
        .find_map(|c| in_default(&c.method).map(|m| (&c.method.0, m)))
    else {
        return quote!();
    };
    let (module, request, args) = (ident(module), ident(&m.rust), ident(&format!("{}Args", m.rust)));
    let doc = format!(
        " The request that creates a payout (`{}`, the spec's first `payout_create` method of the default version): what `payout` and `payout-batch` send.",
        m.wire
    );
    let g = &p.progress;
    let wire = |rust: &str| super::wire_of(ir, &g.name, rust);
    let (id, state) = (wire(&g.operation_id), wire(&g.state));
    // Without a `payout_error` role the CLI names the message in its own word.
    let error = g.error.as_deref().map_or_else(|| "error".to_owned(), wire);
    quote! {
        #[doc = #doc]
        pub type PayoutCreate = crate::api::#module::#request;
        /// Its flags, which are `payout-batch`'s columns too.
        pub type PayoutCreateArgs = #args;
        /// The wire name of a payout answer's operation id (the spec's `payout_operation_id`).
        pub const PAYOUT_ID: &str = #id;
        /// The wire name of its state (`payout_state`).
        pub const PAYOUT_STATE: &str = #state;
        /// The wire name of its error message (`payout_error`).
        pub const PAYOUT_ERROR: &str = #error;
    }
}

/// The subcommand of a method: its name and help.
fn variant(api: &Api, m: &Method) -> TokenStream {
    let name = ident(&m.rust);
    let args = ident(&format!("{}Args", m.rust));
    let command = m.wire.to_kebab_case();
    let about = m.doc.split("\n\n").next().unwrap_or_default().replace('\n', " ");
    let mut long = format!("{}\n\n`POST {}` ({}).", m.doc, m.path, api.title);
    if let Some(d) = &m.deprecated {
        long.push_str(&format!("\n\nDeprecated: {d}"));
    }
    let doc = format!(" `{}`: {about}", m.wire);
    quote! {
        #[doc = #doc]
        // `--amount -3.00` reaches the request's own check, which names the parameter.
        #[command(name = #command, about = #about, long_about = #long, allow_negative_numbers = true)]
        #name(#args),
    }
}

/// The flags of a method, and the call they make.
fn args_struct(ir: &Ir, api: &Api, m: &Method) -> TokenStream {
    let name = ident(&format!("{}Args", m.rust));
    let doc = format!(" The flags of `{}`.", m.wire.to_kebab_case());
    let fields = caller_params(m).map(|p| flag(ir, p));
    let all = m.pagination.as_ref().map(|_| {
        quote! {
            #[arg(long = "all", help = "Fetch every page from --skip on and print each item as one JSON line.")]
            all: bool,
        }
    });
    let run = run(api, m);
    quote! {
        #[doc = #doc]
        #[derive(clap::Args)]
        pub struct #name {
            #(#fields)*
            #all
        }
        #run
    }
}

/// One flag: its name (from the Rust name, which `rust:` keeps across a wire rename, so that
/// scripts keep working), value type, parser and help.
fn flag(ir: &Ir, p: &Param) -> TokenStream {
    let r = ident(&p.rust);
    let flag = p.rust.to_kebab_case();
    let help = help(ir, p);
    let (ty, parser) = value_type(&p.ty);
    let parser = parser.map(|p| quote!(, value_parser = #p));
    let ty = if p.required == Required::Always {
        ty
    } else {
        quote!(Option<#ty>)
    };
    let doc_type = doc_type(&p.ty);
    // The former flag keeps working for one release, as the former setter does.
    let alias = p.rust_alias.as_ref().map(|a| {
        let a = a.to_kebab_case();
        quote!(, alias = #a)
    });
    quote! {
        #[arg(long = #flag, value_name = #doc_type, help = #help #alias #parser)]
        #r: #ty,
    }
}

fn caller_params(m: &Method) -> impl Iterator<Item = &Param> {
    m.params.iter().filter(|p| !p.from_session)
}

/// The help line of a parameter: its description and when it is required.
fn help(ir: &Ir, p: &Param) -> String {
    let mut s = p.doc.replace('\n', " ");
    if let Ty::Enum(_, name) = &p.ty {
        let values = ir
            .apis
            .iter()
            .flat_map(|a| a.enums.iter())
            .find(|e| e.name == *name)
            .map(|e| e.values.iter().map(|v| v.wire.as_str()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        s.push_str(&format!(" Values: {values}."));
    }
    if let Ty::Struct(_, name) = &p.ty {
        s.push_str(&format!(" As JSON ({name})."));
    }
    match &p.required {
        Required::Always => {}
        Required::No => {}
        Required::When { wire, values, .. } if values.is_empty() => {
            s.push_str(&format!(" Required with --{}.", wire.to_kebab_case()))
        }
        Required::When { wire, values, .. } => s.push_str(&format!(
            " Required when --{} is {}.",
            wire.to_kebab_case(),
            values.join(" or ")
        )),
    }
    s
}

/// What the user types, as shown in `--help`.
pub fn doc_type(ty: &Ty) -> String {
    match ty {
        Ty::Date => "DD.MM.YYYY".into(),
        Ty::DateTime => "DATETIME".into(),
        Ty::Decimal => "DECIMAL".into(),
        Ty::Bool => "true|false".into(),
        Ty::Guid => "GUID".into(),
        Ty::Int | Ty::Long => "NUMBER".into(),
        Ty::Id(_, _, inner) => doc_type(inner),
        Ty::Enum(_, n) => n.to_snake_case().to_uppercase(),
        Ty::Struct(_, n) => format!("{n} JSON"),
        _ => "TEXT".into(),
    }
}

/// The Rust type clap parses into, and its value parser (the default one when `None`).
fn value_type(ty: &Ty) -> (TokenStream, Option<TokenStream>) {
    match ty {
        Ty::String => (quote!(String), None),
        Ty::Int => (quote!(i32), None),
        Ty::Long => (quote!(i64), None),
        Ty::Decimal => (
            quote!(crate::runtime::Decimal),
            Some(quote!(crate::runtime::cli::parse::decimal)),
        ),
        Ty::Bool => (quote!(bool), Some(quote!(crate::runtime::cli::parse::boolean))),
        Ty::Date => (
            quote!(crate::runtime::Date),
            Some(quote!(crate::runtime::cli::parse::date)),
        ),
        Ty::DateTime => (
            quote!(crate::runtime::DateTime),
            Some(quote!(crate::runtime::cli::parse::datetime)),
        ),
        Ty::Guid => (
            quote!(crate::runtime::Uuid),
            Some(quote!(crate::runtime::cli::parse::guid)),
        ),
        Ty::Enum(m, n) => {
            let t = path(m, n);
            (t.clone(), Some(quote!(crate::runtime::cli::parse::enum_value::<#t>)))
        }
        Ty::Struct(m, n) => {
            let t = path(m, n);
            (t.clone(), Some(quote!(crate::runtime::cli::parse::document::<#t>)))
        }
        // Parsed by its `FromStr`.
        Ty::Id(m, n, _) => (path(m, n), None),
        other => unreachable!("type `{}` is not a parameter type", other.spec_name()),
    }
}

fn path(module: &str, name: &str) -> TokenStream {
    let m = ident(module);
    let n = ident(name);
    quote!(crate::#m::#n)
}

/// `PARAMS`, `into_request` (the request built from the flags) and `run` (the call).
fn run(api: &Api, m: &Method) -> TokenStream {
    let args = ident(&format!("{}Args", m.rust));
    let into_request = into_request(api, m);
    let params = caller_params(m).map(|p| {
        let (wire, id) = (&p.wire, &p.rust);
        quote!((#wire, #id),)
    });
    let all = m.pagination.as_ref().map(|_| {
        quote! {
            if self.all {
                return crate::runtime::cli::all_items(client, self.into_request()).await;
            }
        }
    });
    quote! {
        impl #args {
            /// Each parameter's wire name and the id of its flag (`--x-y` has the id `x_y`).
            pub const PARAMS: &'static [(&'static str, &'static str)] = &[#(#params)*];

            #into_request

            /// Sends the request and returns what to print, without the request's secret values.
            pub async fn run(self, client: &crate::Client) -> Result<crate::runtime::cli::Output, crate::Error> {
                #all
                crate::runtime::cli::one(client, self.into_request()).await
            }
        }
    }
}

/// `into_request`: the request the flags describe (`new` with the required ones, a setter for
/// each optional one given).
fn into_request(api: &Api, m: &Method) -> TokenStream {
    let args = ident(&format!("{}Args", m.rust));
    let name = ident(&m.rust);
    let module = ident(&api.module);
    let bindings = caller_params(m).map(|p| ident(&p.rust));
    // `--all` is not part of the request.
    let rest = m.pagination.as_ref().map(|_| quote!(..));
    let new_args = caller_params(m).filter(|p| p.required == Required::Always).map(|p| {
        let r = ident(&p.rust);
        quote!(#r)
    });
    let setters = caller_params(m).filter(|p| p.required != Required::Always).map(|p| {
        let r = ident(&p.rust);
        quote! {
            if let Some(value) = #r {
                request = request.#r(value);
            }
        }
    });
    let new = quote!(crate::#module::#name::new(#(#new_args),*));
    let body = if caller_params(m).any(|p| p.required != Required::Always) {
        quote! {
            let mut request = #new;
            #(#setters)*
            request
        }
    } else {
        new
    };
    quote! {
        /// The request these flags describe.
        pub fn into_request(self) -> crate::#module::#name {
            let #args { #(#bindings,)* #rest } = self;
            #body
        }
    }
}
