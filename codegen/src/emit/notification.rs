//! The Result-URL notification of an API (`notification.rs`): a typed struct read from the form
//! IntellectMoney sends, with unknown fields kept, and the hash scheme the spec gives.

use super::{doc_attrs, ident, rust_type};
use crate::ir::{Notification, NotificationEvents, NotificationField, NumberedField, Secret, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// The `notification.rs` of an API.
pub fn emit(n: &Notification) -> TokenStream {
    let definition = definition(n);
    let debug = debug_impl(n);
    let methods = methods(n);
    let events = n.events.as_ref().map(|e| events_impl(n, e));
    quote! {
        //! The Result-URL notification (generated from the spec).
        #definition
        #debug
        #methods
        #events
    }
}

/// `ResultNotification`: what a receiver needs of it (the spec's `events`).
fn events_impl(n: &Notification, e: &NotificationEvents) -> TokenStream {
    let name = ident(&n.name);
    let invoice = e.invoice.iter().map(|f| {
        let f = ident(f);
        quote!(self.#f.as_ref().map(|v| v.to_string()).unwrap_or_default())
    });
    let state = ident(&e.state);
    let state_ty = n
        .fields
        .iter()
        .find(|f| f.rust == e.state)
        .map(|f| rust_type(&f.ty, Secret::No))
        .unwrap_or_else(|| quote!(()));
    let ranks = e.order.iter().enumerate().map(|(rank, value)| {
        let v = ident(value);
        let rank = rank as u32;
        quote!(#state_ty::#v => #rank,)
    });
    let doc = doc_attrs(
        &format!(
            "The event a notification is: its invoice ({}) and its state ({}), in the order {}.",
            e.invoice.join(", "),
            e.state,
            e.order.join(" → ")
        ),
        &e.notes,
    );
    quote! {
        #doc
        impl crate::runtime::notification::ResultNotification for #name {
            const SCHEME: crate::runtime::notification::Scheme = Self::SCHEME;
            fn verified(fields: Vec<(String, String)>, secret_key: &str) -> Result<Self, crate::runtime::notification::NotificationError> {
                Self::from_fields(fields)?.verify(secret_key)
            }
            fn invoice(&self) -> String {
                [#(#invoice),*].join("/")
            }
            fn state(&self) -> Option<(String, u32)> {
                let state = self.#state.as_ref()?;
                let rank = match state {
                    #(#ranks)*
                    _ => u32::MAX,
                };
                Some((state.to_string(), rank))
            }
        }
    }
}

/// The struct.
fn definition(n: &Notification) -> TokenStream {
    let name = ident(&n.name);
    let doc = doc_attrs(&n.doc, &n.notes);
    let fields = n.fields.iter().map(field);
    let numbered_fields = n.numbered.iter().map(numbered_field);
    quote! {
        #doc
        #[derive(Clone, PartialEq, Default, serde::Serialize)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #(#numbered_fields)*
            /// Fields the spec does not know, as sent.
            #[serde(flatten)]
            pub extra: std::collections::BTreeMap<String, String>,
            /// Every field as sent, in order: what the hash is computed over.
            #[serde(skip)]
            pub fields: Vec<(String, String)>,
            /// After [`Self::verify`]: the fields the hash does not cover, as sent. They are not
            /// trusted (anyone could have changed them), so `verify` takes them out of the typed
            /// fields and leaves them here.
            #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
            pub unverified: std::collections::BTreeMap<String, String>,
        }
    }
}

/// Its scheme, `parse`, `from_fields`, `verify` and `builder`.
fn methods(n: &Notification) -> TokenStream {
    let name = ident(&n.name);
    let reads = n.fields.iter().map(read);
    let untrust = untrusted(n);
    let numbered_reads = n.numbered.iter().map(numbered_read);
    let scheme = scheme(n);
    let answer = &n.answer;
    let answer_doc = format!(" What the shop answers once it has accepted a notification (`{answer}`).");
    quote! {
        impl #name {
            /// How the notification is written and signed.
            pub const SCHEME: crate::runtime::notification::Scheme = #scheme;

            #[doc = #answer_doc]
            pub const ANSWER: &'static str = #answer;

            /// Reads a notification from the form body as received (percent-encoded, in the
            /// scheme's charset). The hash is not checked: call [`Self::verify`].
            pub fn parse(body: &[u8]) -> Result<Self, crate::runtime::notification::NotificationError> {
                Self::from_fields(Self::SCHEME.decode(body)?)
            }

            /// Reads a notification from its decoded fields.
            pub fn from_fields(fields: Vec<(String, String)>) -> Result<Self, crate::runtime::notification::NotificationError> {
                let mut n = Self::default();
                for (name, value) in &fields {
                    match name.as_str() {
                        #(#reads)*
                        _ => {
                            #(#numbered_reads)*
                            n.extra.insert(name.clone(), value.clone());
                        }
                    }
                }
                n.fields = fields;
                Ok(n)
            }

            /// Checks the hash against the shop's SecretKey (constant-time comparison) and returns
            /// the notification as far as the hash vouches for it: the fields it covers stay,
            /// every other one (typed, numbered or unknown) moves, as sent, to `unverified`.
            pub fn verify(mut self, secret_key: &str) -> Result<Self, crate::runtime::notification::NotificationError> {
                Self::SCHEME.verify(&self.fields, secret_key)?;
                let covered = |name: &str| Self::SCHEME.order.contains(&name) || name == Self::SCHEME.hash_field;
                self.unverified = self.fields.iter().filter(|(n, _)| !covered(n)).cloned().collect();
                #(#untrust)*
                self.extra.clear();
                Ok(self)
            }

            /// A builder of correctly signed notifications, for tests of a Result-URL handler.
            pub fn builder() -> crate::runtime::notification::Builder {
                crate::runtime::notification::Builder::new(Self::SCHEME)
            }
        }
    }
}

/// `Debug`, with the values of secret fields hidden in the fields as sent (typed secret fields
/// hide themselves).
fn debug_impl(n: &Notification) -> TokenStream {
    let name = ident(&n.name);
    let shown = n.name.as_str();
    let typed = n
        .fields
        .iter()
        .map(|f| f.rust.as_str())
        .chain(n.numbered.iter().map(|f| f.rust.as_str()));
    let typed: Vec<(String, proc_macro2::Ident)> = typed.map(|r| (r.to_owned(), ident(r))).collect();
    let (names, idents): (Vec<_>, Vec<_>) = typed.into_iter().unzip();
    let secrets = n
        .fields
        .iter()
        .filter(|f| f.secret != Secret::No)
        .map(|f| f.wire.as_str());
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                use crate::runtime::notification::masked_fields;
                const SECRET: &[&str] = &[#(#secrets),*];
                f.debug_struct(#shown)
                    #(.field(#names, &self.#idents))*
                    .field("extra", &masked_fields(&self.extra, SECRET))
                    .field("fields", &masked_fields(self.fields.iter().map(|(n, v)| (n, v)), SECRET))
                    .field("unverified", &masked_fields(&self.unverified, SECRET))
                    .finish()
            }
        }
    }
}

/// A field of the struct: `Option` of its type, under its wire name.
fn field(f: &NotificationField) -> TokenStream {
    let r = ident(&f.rust);
    let t = rust_type(&f.ty, f.secret);
    let wire = &f.wire;
    let d = doc_attrs(&format!("`{}`: {}", f.wire, f.doc), &f.notes);
    quote! {
        #d
        #[serde(rename = #wire, skip_serializing_if = "Option::is_none")]
        pub #r: Option<#t>,
    }
}

/// What `verify` clears: every typed field the hash does not cover, and the numbered maps.
fn untrusted(n: &Notification) -> Vec<TokenStream> {
    let covered = |wire: &str| n.order.iter().any(|o| o == wire) || n.hash_field == wire;
    let fields = n.fields.iter().filter(|f| !covered(&f.wire)).map(|f| {
        let r = ident(&f.rust);
        quote!(self.#r = None;)
    });
    let numbered = n.numbered.iter().map(|f| {
        let r = ident(&f.rust);
        quote!(self.#r.clear();)
    });
    fields.chain(numbered).collect()
}

/// The map of a numbered field: number → value.
fn numbered_field(f: &NumberedField) -> TokenStream {
    let r = ident(&f.rust);
    let pattern = &f.pattern;
    let d = doc_attrs(&format!("`{}`: {}", f.pattern.replace("{n}", "N"), f.doc), &f.notes);
    quote! {
        #d
        #[serde(rename = #pattern, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        pub #r: std::collections::BTreeMap<u32, String>,
    }
}

/// In the catch-all arm of `from_fields`: a numbered field goes to its map (the number as
/// written, digits only), and reading stops there.
fn numbered_read(f: &NumberedField) -> TokenStream {
    let r = ident(&f.rust);
    let (prefix, suffix) = (&f.prefix, &f.suffix);
    quote! {
        if let Some(k) = crate::runtime::notification::numbered(name, #prefix, #suffix) {
            n.#r.insert(k, value.clone());
            continue;
        }
    }
}

/// The arm of `from_fields` that reads one field.
fn read(f: &NotificationField) -> TokenStream {
    let r = ident(&f.rust);
    let wire = &f.wire;
    let expected = match f.ty.wire() {
        Ty::Int | Ty::Long => "a whole number",
        Ty::Decimal => "a decimal",
        Ty::DateTime => "a date-time",
        _ => "text",
    };
    let value = match &f.ty {
        Ty::String if f.secret != Secret::No => {
            quote!((!value.is_empty()).then(|| crate::runtime::Secret::new(value.clone())))
        }
        Ty::String => quote!((!value.is_empty()).then(|| value.clone())),
        Ty::Decimal => quote!(crate::runtime::notification::decimal_field(#wire, value, #expected)?),
        _ => quote!(crate::runtime::notification::field(#wire, value, #expected)?),
    };
    quote! { #wire => n.#r = #value, }
}

/// The `Scheme` value: charset, hash field and order, the secret's slot, the answer.
fn scheme(n: &Notification) -> TokenStream {
    let charset = match n.charset.as_str() {
        "utf-8" => quote!(crate::runtime::notification::Charset::Utf8),
        _ => quote!(crate::runtime::notification::Charset::Windows1251),
    };
    let hash_field = &n.hash_field;
    let order = &n.order;
    let secret = &n.secret;
    let answer = &n.answer;
    let known = n.fields.iter().map(|f| f.wire.as_str());
    quote! {
        crate::runtime::notification::Scheme {
            charset: #charset,
            hash_field: #hash_field,
            order: &[#(#order),*],
            secret_slot: #secret,
            answer: #answer,
            known: &[#(#known),*],
        }
    }
}
