//! The command-line front end (`generated/cli/src/commands.rs`): one clap subcommand per spec
//! method, one flag per parameter, and the call that each one makes.

use super::ident;
use crate::ir::{Api, Ir, Method, Param, Required, Ty};
use heck::{ToKebabCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::quote;

/// The whole `commands.rs`.
pub fn emit(ir: &Ir) -> TokenStream {
    let methods: Vec<(&Api, &Method)> = ir
        .apis
        .iter()
        .flat_map(|a| a.methods.iter().map(move |m| (a, m)))
        .collect();
    let variants = methods.iter().map(|(a, m)| variant(ir, a, m));
    let arms = methods.iter().map(|(a, m)| arm(a, m));
    quote! {
        //! One subcommand per spec method (generated from the spec).
        /// A method of the API, with its parameters.
        #[derive(clap::Subcommand)]
        #[allow(clippy::large_enum_variant)]
        pub enum Command {
            #(#variants)*
        }

        #[allow(deprecated)]
        impl Command {
            /// Sends the request and returns the reply as JSON.
            pub async fn run(self, client: &intellectmoney::Client) -> Result<crate::output::Output, intellectmoney::Error> {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

fn caller_params(m: &Method) -> impl Iterator<Item = &Param> {
    m.params.iter().filter(|p| !p.from_session)
}

fn variant(ir: &Ir, api: &Api, m: &Method) -> TokenStream {
    let name = ident(&m.rust);
    let command = m.wire.to_kebab_case();
    let about = m.doc.split("\n\n").next().unwrap_or_default().replace('\n', " ");
    let mut long = format!("{}\n\n`POST {}` ({}).", m.doc, m.path, api.title);
    if let Some(d) = &m.deprecated {
        long.push_str(&format!("\n\nDeprecated: {d}"));
    }
    let fields = caller_params(m).map(|p| {
        let r = ident(&p.rust);
        // From the Rust name, which `rust:` keeps across a wire rename: scripts keep working.
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
    });
    let all = m.pagination.as_ref().map(|_| {
        quote! {
            #[arg(long = "all", help = "Fetch every page from --skip on and print each item as one JSON line.")]
            all: bool,
        }
    });
    quote! {
        #[command(name = #command, about = #about, long_about = #long)]
        #name {
            #(#fields)*
            #all
        },
    }
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
            quote!(intellectmoney::runtime::Decimal),
            Some(quote!(crate::parse::decimal)),
        ),
        Ty::Bool => (quote!(bool), Some(quote!(crate::parse::boolean))),
        Ty::Date => (quote!(intellectmoney::runtime::Date), Some(quote!(crate::parse::date))),
        Ty::DateTime => (
            quote!(intellectmoney::runtime::DateTime),
            Some(quote!(crate::parse::datetime)),
        ),
        Ty::Guid => (quote!(intellectmoney::runtime::Uuid), Some(quote!(crate::parse::guid))),
        Ty::Enum(m, n) => {
            let t = path(m, n);
            (t.clone(), Some(quote!(crate::parse::enum_value::<#t>)))
        }
        Ty::Struct(m, n) => {
            let t = path(m, n);
            (t.clone(), Some(quote!(crate::parse::document::<#t>)))
        }
        // Parsed by its `FromStr`.
        Ty::Id(m, n, _) => (path(m, n), None),
        other => unreachable!("type `{}` is not a parameter type", other.spec_name()),
    }
}

fn path(module: &str, name: &str) -> TokenStream {
    let m = ident(module);
    let n = ident(name);
    quote!(intellectmoney::#m::#n)
}

fn arm(api: &Api, m: &Method) -> TokenStream {
    let name = ident(&m.rust);
    let module = ident(&api.module);
    let call = ident(&m.wire.to_snake_case());
    let paginated = m.pagination.is_some();
    let bindings = caller_params(m)
        .map(|p| ident(&p.rust))
        .chain(paginated.then(|| ident("all")));
    let args = caller_params(m).filter(|p| p.required == Required::Always).map(|p| {
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
    let has_setters = caller_params(m).any(|p| p.required != Required::Always);
    let binding = if has_setters {
        quote!(let mut request)
    } else {
        quote!(let request)
    };
    let all = paginated.then(|| {
        quote! {
            if all {
                return crate::output::all_items(client, request).await;
            }
        }
    });
    quote! {
        Command::#name { #(#bindings),* } => {
            #binding = intellectmoney::#module::#name::new(#(#args),*);
            #(#setters)*
            #all
            Ok(crate::output::Output::of(client.#call(request).await?))
        }
    }
}
