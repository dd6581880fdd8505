//! What the mock server knows of each method (`mock.rs`, feature `mock`): the method, the rule
//! of each parameter it checks, the example answers it gives, and the part it plays in the
//! mock's scripted flows (token, payout), from the spec's roles.

use super::gates::{gated, Gates};
use super::{ident, wire_of};
use crate::ir::{Api, Encoding, Ir, Method, Param, PayoutRoles, Required, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// The `mock.rs` of an API.
pub fn emit(ir: &Ir, api: &Api) -> TokenStream {
    let module = ident(&api.module);
    let payout = ir.roles.payout.as_ref().filter(|p| plays_in(api, p));
    let gates = Gates::new(ir);
    let shape = payout.map(|p| gated(&gates.api(&api.module), payout_shape(ir, p)));
    // A method compiled out of the crate is out of the mock too (each element is gated).
    let methods = api.methods.iter().map(|m| {
        let gate = gates.method(ir, api, m);
        let method = method(ir, api, &module, m);
        quote!(#gate #method)
    });
    quote! {
        //! What the mock server knows of each method (generated from the spec).
        #[allow(deprecated)]
        pub(crate) static METHODS: &[intellectmoney_mock::MockMethod] = &[#(#methods),*];
        #shape
    }
}

/// Whether a method of this API has a payout role.
fn plays_in(api: &Api, p: &PayoutRoles) -> bool {
    let creates = p.creates.iter().map(|c| &c.method);
    let mut all = creates.chain([&p.execute, &p.poll, &p.delete]);
    all.any(|(m, _)| *m == api.module)
}

/// The result's status field and its code element (`State`, `Code`), when the type has one.
fn status(ir: &Ir, ty: &str) -> TokenStream {
    let Some(r) = &ir.roles.request else {
        return quote!(None);
    };
    let t = ir.apis.iter().flat_map(|a| a.types.iter()).find(|t| t.name == ty);
    let field = t.and_then(|t| {
        t.fields
            .iter()
            .find(|f| matches!(&f.ty, Ty::Struct(_, n) if *n == r.name))
    });
    match field {
        Some(f) => {
            let (field, code) = (&f.wire, wire_of(ir, &r.name, &r.code));
            quote!(Some((#field, #code)))
        }
        None => quote!(None),
    }
}

/// `static PAYOUT`: the wire names of the payout flow's answers and states.
fn payout_shape(ir: &Ir, p: &PayoutRoles) -> TokenStream {
    let g = &p.progress;
    let id_param = execute_id_param(ir, p);
    let id_field = wire_of(ir, &g.name, &g.operation_id);
    let state_field = wire_of(ir, &g.name, &g.state);
    let error_field = match &g.error {
        Some(e) => {
            let w = wire_of(ir, &g.name, e);
            quote!(Some(#w))
        }
        None => quote!(None),
    };
    let status = status(ir, &g.name);
    let fate = |f: &str| match p.fates.iter().find(|(_, fate)| fate == f) {
        Some((value, _)) => quote!(Some(#value)),
        None => quote!(None),
    };
    let completed = p
        .fates
        .iter()
        .find(|(_, f)| f == "Completed")
        .map(|(v, _)| v.clone())
        .unwrap_or_default();
    let (failed, not_enough_money, deleted) = (fate("Failed"), fate("NotEnoughMoney"), fate("Deleted"));
    let (created, in_process) = (&p.created, &p.in_process);
    quote! {
        /// The wire names of the payout flow's answers and states (from the spec's roles).
        pub(crate) static PAYOUT: intellectmoney_mock::PayoutShape = intellectmoney_mock::PayoutShape {
            id_param: #id_param,
            id_field: #id_field,
            state_field: #state_field,
            error_field: #error_field,
            status: #status,
            created: #created,
            in_process: #in_process,
            completed: #completed,
            failed: #failed,
            not_enough_money: #not_enough_money,
            deleted: #deleted,
        };
    }
}

/// The parameter that names the operation: the execution's one required argument.
fn execute_id_param(ir: &Ir, p: &PayoutRoles) -> String {
    let (module, rust) = &p.execute;
    let api = ir.apis.iter().find(|a| a.module == *module);
    let m = api.and_then(|a| a.methods.iter().find(|m| m.rust == *rust));
    m.and_then(|m| {
        m.params
            .iter()
            .find(|p| p.required == Required::Always && !p.from_session)
    })
    .map(|p| p.wire.clone())
    .expect("the execution takes the operation id")
}

/// The method's role in the mock's flows.
fn role(ir: &Ir, api: &Api, m: &Method) -> TokenStream {
    let me = (api.module.clone(), m.rust.clone());
    if let Some(t) = ir.roles.token.as_ref().filter(|t| t.module == me.0 && t.method == me.1) {
        let mut args = m
            .params
            .iter()
            .filter(|p| p.required == Required::Always && !p.from_session);
        let (login, password) = (&args.next().expect("login").wire, &args.next().expect("password").wire);
        let Ty::Struct(_, result) = &m.result else {
            unreachable!("the token method returns a structure")
        };
        let token = wire_of(ir, result, &t.field);
        let status = status(ir, result);
        return quote! {
            Some(intellectmoney_mock::MockRole::Token {
                login: #login,
                password: #password,
                token: #token,
                state: #status,
            })
        };
    }
    let Some(p) = &ir.roles.payout else {
        return quote!(None);
    };
    let step = if p.creates.iter().any(|c| c.method == me) {
        quote!(Create)
    } else if p.execute == me {
        quote!(Execute)
    } else if p.poll == me {
        quote!(Poll)
    } else if p.delete == me {
        quote!(Delete)
    } else {
        return quote!(None);
    };
    quote!(Some(intellectmoney_mock::MockRole::Payout(intellectmoney_mock::PayoutStep::#step, &PAYOUT)))
}

fn method(ir: &Ir, api: &Api, module: &proc_macro2::Ident, m: &Method) -> TokenStream {
    let request = ident(&m.rust);
    let params = m.params.iter().map(rule);
    let example = m.examples.first();
    // An example as one piece per line (`concat!`), so that the file has no lines of thousands
    // of characters.
    let text = |t: Option<&String>| match t {
        Some(t) if t.trim_end().contains('\n') => {
            let lines = t.split_inclusive('\n');
            quote!(Some(concat!(#(#lines),*)))
        }
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    };
    let xml = text(example.and_then(|e| e.xml_text.as_ref()));
    let json = text(example.and_then(|e| e.json_text.as_ref()));
    let bare = example.is_some_and(|e| e.bare);
    let session = match m.params.iter().find(|p| p.from_session) {
        Some(p) => {
            let w = &p.wire;
            quote!(Some(#w))
        }
        None => quote!(None),
    };
    let role = role(ir, api, m);
    let state = match &m.result {
        Ty::Struct(_, result) => status(ir, result),
        _ => quote!(None),
    };
    let paging = match &m.pagination {
        Some(pg) => {
            let ((skip, take), items) = (&pg.wire, &pg.items);
            let key = match &pg.key {
                Some(k) => quote!(Some(#k)),
                None => quote!(None),
            };
            quote!(Some(intellectmoney_mock::MockPaging { skip: #skip, take: #take, items: #items, key: #key }))
        }
        None => quote!(None),
    };
    quote! {
        intellectmoney_mock::MockMethod {
            info: <crate::api::#module::#request as crate::runtime::ApiRequest>::METHOD,
            params: &[#(#params),*],
            xml: #xml,
            json: #json,
            bare: #bare,
            session: #session,
            role: #role,
            paging: #paging,
            state: #state,
        }
    }
}

fn rule(p: &Param) -> TokenStream {
    let name = &p.wire;
    let need = match &p.required {
        Required::Always => quote!(intellectmoney_mock::Need::Always),
        Required::No => quote!(intellectmoney_mock::Need::No),
        // The other parameter given (and, when listed, with one of these enum values).
        Required::When { wire, values, .. } => quote!(intellectmoney_mock::Need::When(#wire, &[#(#values),*])),
    };
    let kind = match (p.ty.wire(), p.encoding) {
        (Ty::Int | Ty::Long, _) => quote!(intellectmoney_mock::Kind::Integer),
        (Ty::Decimal, Encoding::Decimal2 | Encoding::Decimal2Number) => quote!(intellectmoney_mock::Kind::Decimal2),
        (Ty::Decimal, _) => quote!(intellectmoney_mock::Kind::Decimal),
        (Ty::Bool, Encoding::Flag01) => quote!(intellectmoney_mock::Kind::Flag01),
        (Ty::Bool, _) => quote!(intellectmoney_mock::Kind::TrueFalse),
        (Ty::Date, _) => quote!(intellectmoney_mock::Kind::Dmy),
        (Ty::DateTime, _) => quote!(intellectmoney_mock::Kind::DateTime),
        (Ty::Guid, _) => quote!(intellectmoney_mock::Kind::Guid),
        (Ty::Enum(m, n), _) => {
            let t = super::item_path(m, n);
            quote!(intellectmoney_mock::Kind::Enum(intellectmoney_mock::values::<#t>))
        }
        (Ty::Struct(..), _) => quote!(intellectmoney_mock::Kind::Json),
        _ => quote!(intellectmoney_mock::Kind::Text),
    };
    quote!(intellectmoney_mock::ParamRule { name: #name, need: #need, kind: #kind })
}

/// `impl MockApi`: the mock's method tables of every API and the envelope it writes, with the
/// codes and words of the envelope's roles (in the generated `mock` module).
pub fn mock_api(ir: &Ir, marker: &proc_macro2::Ident) -> TokenStream {
    let tables = ir
        .apis
        .iter()
        .filter(|a| !a.methods.is_empty())
        .map(|a| ident(&a.module));
    let envelope = envelope(ir);
    quote! {
        impl intellectmoney_mock::MockApi for crate::#marker {
            const ENVELOPE: intellectmoney_mock::MockEnvelope = #envelope;
            fn methods() -> &'static [&'static [intellectmoney_mock::MockMethod]] {
                static TABLES: &[&[intellectmoney_mock::MockMethod]] =
                    &[#(crate::api::#tables::mock::METHODS),*];
                TABLES
            }
        }
    }
}

/// The `MockEnvelope` of the spec's envelope and `Result.State` roles.
fn envelope(ir: &Ir) -> TokenStream {
    let (Some(e), Some(r)) = (&ir.roles.envelope, &ir.roles.request) else {
        panic!("the mock needs the envelope's and `Result.State`'s roles (checked when the IR is built)")
    };
    let root = &e.name;
    // The code is an element of the root, or of a structure in it (`OperationState`); its text
    // sits beside it.
    let (service, holder) = match e.code.as_slice() {
        [holder, _] => (Some(wire_of(ir, &e.name, holder)), field_type_name(ir, &e.name, holder)),
        _ => (None, e.name.clone()),
    };
    let last = |path: &[String]| path.last().cloned().unwrap_or_default();
    let service = option(service);
    let service_code = wire_of(ir, &holder, &last(&e.code));
    let service_desc = option(e.desc.as_ref().map(|path| wire_of(ir, &holder, &last(path))));
    let result = wire_of(ir, &e.name, &e.result);
    let request_desc = option(r.desc.as_ref().map(|d| wire_of(ir, &r.name, d)));
    let code = |(module, name): &(String, String), meanings: &[(String, String)], meaning: &str| {
        let wire = &meanings
            .iter()
            .find(|(_, m)| m == meaning)
            .expect("a value with this role")
            .0;
        let v = ir
            .apis
            .iter()
            .filter(|a| a.module == *module)
            .flat_map(|a| &a.enums)
            .filter(|en| en.name == *name)
            .flat_map(|en| &en.values)
            .find(|v| v.wire == *wire)
            .expect("the value");
        let number = proc_macro2::Literal::i64_unsuffixed(v.code.unwrap_or_default());
        let text = v.text.clone().unwrap_or_default();
        quote!(intellectmoney_mock::MockCode { code: #number, text: #text })
    };
    let processed = code(&e.code_enum, &e.meanings, "Ok");
    let failed = code(&e.code_enum, &e.meanings, "Failed");
    let success = code(&r.code_enum, &r.meanings, "Ok");
    let authentication_failed = code(&r.code_enum, &r.meanings, "AuthenticationFailed");
    quote! {
        intellectmoney_mock::MockEnvelope {
            root: #root,
            service: #service,
            service_code: #service_code,
            service_desc: #service_desc,
            result: #result,
            processed: #processed,
            failed: #failed,
            request_desc: #request_desc,
            success: #success,
            authentication_failed: #authentication_failed,
        }
    }
}

/// `Some("…")` or `None`, as tokens.
fn option(text: Option<String>) -> TokenStream {
    match text {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    }
}

/// The structure type of a field, given the type and the field's Rust name.
fn field_type_name(ir: &Ir, ty: &str, rust: &str) -> String {
    let t = ir.apis.iter().flat_map(|a| a.types.iter()).find(|t| t.name == ty);
    match t.and_then(|t| t.fields.iter().find(|f| f.rust == rust)).map(|f| &f.ty) {
        Some(Ty::Struct(_, name)) => name.clone(),
        _ => panic!("`{ty}.{rust}` holds a structure (the envelope's code is inside one)"),
    }
}
