//! Request types: one per method. Required parameters are arguments of `new`, optional ones are
//! setters; `ApiRequest` holds what the runtime needs to check, write and sign the call.

use super::gates::{gated, Gates};
use super::types::opt_u32;
use super::{doc_attrs, ident, rust_type};
use crate::ir::{Api, Auth, BodyFormat, Effect, Encoding, Format, Ir, Method, Param, Required, Secret, Slot, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// The `requests.rs` of an API.
pub fn emit(ir: &Ir, api: &Api) -> TokenStream {
    let gates = Gates::new(ir);
    let items = api
        .methods
        .iter()
        .map(|m| gated(&gates.method(ir, api, m), emit_method(api, m)));
    quote! {
        //! Requests, one per method (generated from the spec).
        #(#items)*
    }
}

/// Parameters the caller gives (everything but the session's UserToken).
fn caller_params(m: &Method) -> impl Iterator<Item = &Param> {
    m.params.iter().filter(|p| !p.from_session)
}

fn takes_into_string(p: &Param) -> bool {
    matches!(p.ty, Ty::String)
}

/// A setter takes anything that converts: named, it cannot be swapped. `new(..)` takes an id
/// type as itself, so that two arguments cannot be swapped.
fn setter_type(p: &Param) -> TokenStream {
    match &p.ty {
        Ty::Id(..) => {
            let t = rust_type(&p.ty, p.secret);
            quote!(impl Into<#t>)
        }
        _ => arg_type(p),
    }
}

fn arg_type(p: &Param) -> TokenStream {
    match (&p.ty, p.secret) {
        (Ty::String, Secret::No) => quote!(impl Into<String>),
        (Ty::String, Secret::Full) => quote!(impl Into<crate::runtime::Secret>),
        (Ty::String, Secret::Card) => quote!(impl Into<crate::runtime::CardNumber>),
        _ => rust_type(&p.ty, p.secret),
    }
}

fn param_doc(p: &Param) -> String {
    let mut s = format!("`{}`: {}", p.wire, p.doc);
    match &p.required {
        Required::Always => s.push_str("\n\nRequired."),
        Required::No => {}
        Required::When { wire, values, .. } if values.is_empty() => {
            s.push_str(&format!("\n\nRequired when `{wire}` is given."))
        }
        Required::When { wire, values, .. } => {
            s.push_str(&format!("\n\nRequired when `{wire}` is {}.", values.join(" or ")))
        }
    }
    s
}

/// What the request's doc says of its `Sign`: the template, or each version's.
fn sign_doc(sign: &crate::ir::SignTemplate) -> String {
    match sign.by_version().as_slice() {
        [(_, text, _)] => format!("\n\nSigned: `Sign` over `{text}`."),
        all => {
            let each: Vec<String> = all
                .iter()
                .map(|(v, text, _)| format!("\n- {}: `{text}`", v.unwrap_or("every other version")))
                .collect();
            format!(
                "\n\nSigned: `Sign` over the template of the client's version:{}",
                each.concat()
            )
        }
    }
}

fn emit_method(api: &Api, m: &Method) -> TokenStream {
    let name = ident(&m.rust);
    let mut doc = format!("`{}` — {}\n\n`POST {}`", m.wire, m.doc, m.path);
    if let Some(v) = &m.version {
        doc.push_str(&format!(
            "\n\nA method of the `{v}` version of the API: a client set to another version refuses it."
        ));
    }
    if let Some(sign) = &m.sign {
        doc.push_str(&sign_doc(sign));
    }
    let d = doc_attrs(&doc, &m.notes);
    let deprecated = m.deprecated.as_ref().map(|text| quote!(#[deprecated(note = #text)]));
    let fields = caller_params(m).map(|p| {
        let r = ident(&p.rust);
        let t = rust_type(&p.ty, p.secret);
        let t = if p.required == Required::Always {
            t
        } else {
            quote!(Option<#t>)
        };
        let d = doc_attrs(&param_doc(p), &p.notes);
        quote! { #d pub #r: #t, }
    });
    let constructors = constructors(m);
    let api_request = api_request(api, m);
    let paginated = paginated(api, m);
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #deprecated
        pub struct #name {
            #(#fields)*
        }

        #[allow(deprecated)]
        impl #name {
            #constructors
        }

        #api_request

        #paginated
    }
}

/// `new(required..)` and a setter per optional parameter (with its deprecated former name).
fn constructors(m: &Method) -> TokenStream {
    let required: Vec<&Param> = caller_params(m).filter(|p| p.required == Required::Always).collect();
    let args = required.iter().map(|p| {
        let r = ident(&p.rust);
        let t = arg_type(p);
        quote!(#r: #t)
    });
    let inits = caller_params(m).map(|p| {
        let r = ident(&p.rust);
        if p.required != Required::Always {
            quote!(#r: None,)
        } else if takes_into_string(p) {
            quote!(#r: #r.into(),)
        } else {
            quote!(#r,)
        }
    });
    let setters = caller_params(m).filter(|p| p.required != Required::Always).map(setter);
    let new_doc = if required.is_empty() {
        format!(" A `{}` request.", m.wire)
    } else {
        format!(" A `{}` request with its required parameters.", m.wire)
    };
    let allow_many = super::allow_many_arguments(required.len());
    quote! {
        #[doc = #new_doc]
        #allow_many
        pub fn new(#(#args),*) -> Self {
            Self { #(#inits)* }
        }
        #(#setters)*
    }
}

fn setter(p: &Param) -> TokenStream {
    let r = ident(&p.rust);
    let t = setter_type(p);
    let d = doc_attrs(&format!("Sets {}", param_doc(p)), &[]);
    let value = if takes_into_string(p) || matches!(p.ty, Ty::Id(..)) {
        quote!(value.into())
    } else {
        quote!(value)
    };
    let alias = p.rust_alias.as_ref().map(|old| {
        let a = ident(old);
        let note = format!("renamed to `{}` (the parameter `{}`)", p.rust, p.wire);
        let d = doc_attrs(&format!("The former name of `{}`, kept for one release.", p.rust), &[]);
        quote! {
            #d
            #[deprecated(note = #note)]
            pub fn #a(self, value: #t) -> Self { self.#r(value) }
        }
    });
    quote! {
        #d pub fn #r(mut self, value: #t) -> Self { self.#r = Some(#value); self }
        #alias
    }
}

/// `ApiRequest`: what the runtime needs to check, write and sign the call.
fn api_request(api: &Api, m: &Method) -> TokenStream {
    let name = ident(&m.rust);
    let info = method_info(api, m);
    let checks: Vec<TokenStream> = caller_params(m)
        .map(|p| check(m, p))
        .filter(|t| !t.is_empty())
        .collect();
    let method_binding = (!checks.is_empty()).then(|| quote!(let method = Self::METHOD.name;));
    let token_arg = if m.params.iter().any(|p| p.from_session) {
        quote!(user_token)
    } else {
        quote!(_user_token)
    };
    let writes = m.params.iter().map(write);
    let output = match &m.result {
        Ty::Bool => quote!(bool),
        t => rust_type(t, Secret::No),
    };
    quote! {
        #[allow(deprecated)]
        impl crate::runtime::ApiRequest for #name {
            type Api = crate::IntellectMoney;
            type Output = #output;
            const METHOD: &'static crate::runtime::MethodInfo = &#info;

            fn validate(&self) -> Result<(), crate::runtime::RequestError> {
                #method_binding
                #(#checks)*
                Ok(())
            }

            fn wire_params(&self, #token_arg: Option<&str>) -> Result<Vec<crate::runtime::WireParam>, crate::runtime::RequestError> {
                let mut out = Vec::new();
                #(#writes)*
                Ok(out)
            }
        }
    }
}

/// `Paginated` for a method the spec gives `pagination`: how to move `Skip` on, how big a page
/// is, and where the items are.
fn paginated(api: &Api, m: &Method) -> TokenStream {
    let (Some(pg), Some((list, item))) = (&m.pagination, super::page_items(api, m)) else {
        return TokenStream::new();
    };
    let name = ident(&m.rust);
    let item = rust_type(item, Secret::No);
    let items = ident(&list.rust);
    let param = |rust: &str| m.params.iter().find(|p| p.rust == rust);
    let skip = ident(&pg.skip);
    let take = ident(&pg.take);
    let skip_wire = param(&pg.skip).map(|p| p.wire.clone()).unwrap_or_default();
    let skip_value = match param(&pg.skip).map(|p| &p.required) {
        Some(Required::Always) => quote!(i64::from(self.#skip)),
        _ => quote!(self.#skip.map_or(0, i64::from)),
    };
    let set_skip = match param(&pg.skip).map(|p| &p.required) {
        Some(Required::Always) => quote!(self.#skip = value;),
        _ => quote!(self.#skip = Some(value);),
    };
    let page_size = match param(&pg.take).map(|p| &p.required) {
        Some(Required::Always) => quote!(Some(i64::from(self.#take))),
        _ => quote!(self.#take.map(i64::from)),
    };
    quote! {
        #[allow(deprecated)]
        impl crate::runtime::Paginated for #name {
            type Item = #item;
            fn skip(&self) -> i64 {
                #skip_value
            }
            fn set_skip(&mut self, skip: i64) -> Result<(), crate::runtime::RequestError> {
                let value = skip.try_into().map_err(|_| crate::runtime::RequestError::new(
                    <Self as crate::runtime::ApiRequest>::METHOD.name,
                    #skip_wire,
                    "is beyond the range of its type",
                ))?;
                #set_skip
                Ok(())
            }
            fn page_size(&self) -> Option<i64> {
                #page_size
            }
            fn item_count(output: &Self::Output) -> usize {
                output.#items.len()
            }
            fn into_items(output: Self::Output) -> Vec<Self::Item> {
                output.#items
            }
        }
    }
}

fn method_info(api: &Api, m: &Method) -> TokenStream {
    let wire = &m.wire;
    let path = &m.path;
    let module = &api.module;
    let body = match api.body {
        BodyFormat::Form => quote!(crate::runtime::BodyFormat::Form),
        BodyFormat::Json => quote!(crate::runtime::BodyFormat::Json),
    };
    let auth = match m.auth {
        Auth::None => quote!(crate::runtime::Auth::None),
        Auth::UserToken => quote!(crate::runtime::Auth::UserToken),
        Auth::Certificate => quote!(crate::runtime::Auth::Certificate),
    };
    let effect = match m.effect {
        Effect::Read => quote!(crate::runtime::Effect::Read),
        Effect::Write => quote!(crate::runtime::Effect::Write),
        Effect::Money => quote!(crate::runtime::Effect::Money),
    };
    let sign = sign_templates(api, m);
    let version = match &m.version {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    };
    let deprecated = m.deprecated.is_some();
    let content_type = &api.content_type;
    let responses = api.responses.iter().map(|r| {
        let format = match r.format {
            Format::Xml => quote!(crate::runtime::Format::Xml),
            Format::Json => quote!(crate::runtime::Format::Json),
        };
        let accept = match &r.accept {
            Some(a) => quote!(Some(#a)),
            None => quote!(None),
        };
        quote!(crate::runtime::ResponseFormat { format: #format, accept: #accept })
    });
    let sign_required = m.sign.as_ref().is_some_and(|s| s.required);
    quote! {
        crate::runtime::MethodInfo {
            name: #wire,
            api: #module,
            path: #path,
            body: #body,
            content_type: #content_type,
            responses: &[#(#responses),*],
            auth: #auth,
            effect: #effect,
            sign: #sign,
            version: #version,
            sign_required: #sign_required,
            deprecated: #deprecated,
        }
    }
}

/// The method's templates for `MethodInfo::sign`: the default version's first, then the other
/// versions', then the one for every version (the runtime takes the first that applies).
fn sign_templates(api: &Api, m: &Method) -> TokenStream {
    let Some(s) = &m.sign else {
        return quote!(&[]);
    };
    let default = api.versions.iter().find(|v| v.default).map(|v| v.name.as_str());
    let mut all = s.by_version();
    all.sort_by_key(|(v, _, _)| match v {
        Some(v) if Some(*v) == default => 0,
        Some(_) => 1,
        None => 2,
    });
    let templates = all.iter().map(|(v, _, slots)| {
        let version = match v {
            Some(v) => quote!(Some(#v)),
            None => quote!(None),
        };
        let slots = slots.iter().map(|slot| match slot {
            Slot::Param(p) => quote!(crate::runtime::SignSlot::Param(#p)),
            Slot::Empty => quote!(crate::runtime::SignSlot::Empty),
            Slot::Secret => quote!(crate::runtime::SignSlot::Secret),
        });
        quote!(crate::runtime::SignTemplate { version: #version, slots: &[#(#slots),*] })
    });
    quote!(&[#(#templates),*])
}

/// The checks of one parameter's documented limits and conditions.
fn check(m: &Method, p: &Param) -> TokenStream {
    let r = ident(&p.rust);
    let body = limit_checks(p);
    let limits = if body.is_empty() {
        quote!()
    } else if p.required == Required::Always {
        quote! { { let value = &self.#r; #(#body)* } }
    } else {
        quote! { if let Some(value) = &self.#r { #(#body)* } }
    };
    let condition = condition_check(m, p);
    quote! { #condition #limits }
}

/// The checks of a value's limits, on `value`.
fn limit_checks(p: &Param) -> Vec<TokenStream> {
    let wire = &p.wire;
    let l = &p.limits;
    let mut body = Vec::new();
    match p.ty.wire() {
        Ty::String if l.min_len.is_some() || l.max_len.is_some() => {
            let (min, max) = (opt_u32(l.min_len), opt_u32(l.max_len));
            let value = if p.secret == Secret::No {
                quote!(value)
            } else {
                quote!(value.expose())
            };
            body.push(quote!(crate::runtime::check::length(method, #wire, #value, #min, #max)?;));
        }
        Ty::String if !l.lengths.is_empty() => {
            let lengths = &l.lengths;
            let value = if p.secret == Secret::No {
                quote!(value)
            } else {
                quote!(value.expose())
            };
            body.push(quote!(crate::runtime::check::lengths(method, #wire, #value, &[#(#lengths),*])?;));
        }
        Ty::Int | Ty::Long => {
            if let Some(min) = l.min {
                body.push(quote!(crate::runtime::check::min(method, #wire, i64::from(*value), #min)?;));
            }
        }
        Ty::Decimal => {
            let positive = l.positive;
            let places = match (p.encoding, l.max_places) {
                (Encoding::Decimal2 | Encoding::Decimal2Number, _) => quote!(Some(2u32)),
                (_, Some(n)) => quote!(Some(#n)),
                _ => quote!(None),
            };
            let (digits, max_len) = (opt_u32(l.max_digits), opt_u32(l.max_len));
            body.push(
                quote!(crate::runtime::check::decimal(method, #wire, value, #positive, #places, #digits, #max_len)?;),
            );
        }
        Ty::Enum(..) if p.encoding == Encoding::Code => {
            body.push(quote!(crate::runtime::check::enum_code(method, #wire, value)?;));
        }
        Ty::Struct(..) => body.push(quote!(value.check(method, #wire)?;)),
        _ => {}
    }
    body
}

/// The check of `required_when`: the other parameter given (with one of the listed values).
fn condition_check(m: &Method, p: &Param) -> TokenStream {
    let Required::When {
        rust,
        wire: other,
        values,
        enum_path,
    } = &p.required
    else {
        return quote!();
    };
    let (r, wire) = (ident(&p.rust), &p.wire);
    let other_ident = ident(rust);
    let other_required = m
        .params
        .iter()
        .any(|q| &q.rust == rust && q.required == Required::Always);
    let (test, why) = if values.is_empty() {
        (
            quote!(self.#other_ident.is_some()),
            format!("required when {other} is given"),
        )
    } else {
        let path: TokenStream = format!("crate::api::{}", enum_path.as_deref().unwrap_or_default())
            .parse()
            .expect("enum path");
        let pats = values.iter().map(|v| {
            let v = ident(v);
            if other_required {
                quote!(#path::#v)
            } else {
                quote!(Some(#path::#v))
            }
        });
        (
            quote!(matches!(self.#other_ident, #(#pats)|*)),
            format!("required when {other} is {}", values.join(" or ")),
        )
    };
    quote! {
        if #test && self.#r.is_none() {
            return Err(crate::runtime::RequestError::new(method, #wire, #why));
        }
    }
}

/// Writes one parameter, in spec order, when it has a value.
fn write(p: &Param) -> TokenStream {
    let wire = &p.wire;
    if p.from_session {
        return if p.required == Required::Always {
            quote! {
                let token = user_token.ok_or_else(|| crate::runtime::RequestError::new(Self::METHOD.name, #wire, "is required: build the client with .credentials(login, password) (a UserToken is then fetched) or .user_token(..)"))?;
                out.push(crate::runtime::WireParam::new(#wire, crate::runtime::enc::text(token)));
            }
        } else {
            quote! {
                if let Some(token) = user_token {
                    out.push(crate::runtime::WireParam::new(#wire, crate::runtime::enc::text(token)));
                }
            }
        };
    }
    let r = ident(&p.rust);
    let value = match (p.ty.wire(), p.encoding) {
        (Ty::String, _) => match p.secret {
            Secret::No => quote!(crate::runtime::enc::text(value)),
            _ => quote!(crate::runtime::enc::text(value.expose())),
        },
        (Ty::Int | Ty::Long, _) => quote!(crate::runtime::enc::number(value)),
        (Ty::Decimal, Encoding::Decimal2) => quote!(crate::runtime::enc::decimal2(value)),
        (Ty::Decimal, Encoding::Decimal2Number) => quote!(crate::runtime::enc::decimal2_number(value)),
        (Ty::Decimal, _) => quote!(crate::runtime::enc::number(value)),
        (Ty::Date, _) => quote!(crate::runtime::enc::dmy(value)),
        (Ty::DateTime, Encoding::Space) => quote!(crate::runtime::enc::space(value)),
        (Ty::DateTime, _) => quote!(crate::runtime::enc::text(&value.to_string())),
        (Ty::Bool, Encoding::Flag01) => quote!(crate::runtime::enc::flag01(*value)),
        (Ty::Bool, _) => quote!(crate::runtime::enc::true_false(*value)),
        (Ty::Guid, _) => quote!(crate::runtime::enc::guid(value)),
        (Ty::Enum(..), Encoding::Code) => quote!(crate::runtime::enc::enum_code(value)),
        (Ty::Enum(..), _) => quote!(crate::runtime::enc::enum_name(value)),
        (Ty::Struct(..), _) => quote!(crate::runtime::enc::json(value)),
        (t, _) => unreachable!("type {t:?} was refused as a parameter by validation"),
    };
    if p.required == Required::Always {
        quote! { { let value = &self.#r; out.push(crate::runtime::WireParam::new(#wire, #value)); } }
    } else {
        quote! { if let Some(value) = &self.#r { out.push(crate::runtime::WireParam::new(#wire, #value)); } }
    }
}
