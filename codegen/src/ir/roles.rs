//! Roles: what the hand-written runtime reads of the API, as the spec's `role:` keys name it
//! (the envelope's code and ids, `Result.State`, the method that gets a token, the methods of
//! the payout flow and what their states mean). The generator writes the glue from them, so
//! the runtime names no generated type.

use super::builder::*;
use super::*;
use crate::load::Loaded;
use crate::model::S;

/// Roles a method can play.
const METHOD_ROLES: &[&str] = &[
    "token",
    "payout_create",
    "payout_execute",
    "payout_poll",
    "payout_delete",
];
/// Roles a field can play.
const FIELD_ROLES: &[&str] = &[
    "service_code",
    "service_desc",
    "operation_id",
    "eshop_id",
    "request_code",
    "request_desc",
    "token",
    "payout_operation_id",
    "payout_state",
    "payout_error",
];
/// Roles a request parameter can play.
const PARAM_ROLES: &[&str] = &["payout_amount", "payout_currency"];
/// Roles an enum value can play, and what it means to the runtime.
const VALUE_ROLES: &[(&str, &str)] = &[
    ("processed", "Ok"),
    ("queued", "Queued"),
    ("failed", "Failed"),
    ("success", "Ok"),
    ("warning", "Warning"),
    ("authentication_failed", "AuthenticationFailed"),
    ("payout_created", "Created"),
    ("payout_in_process", "InProcess"),
    ("payout_completed", "Completed"),
    ("payout_failed", "Failed"),
    ("payout_not_enough_money", "NotEnoughMoney"),
    ("payout_deleted", "Deleted"),
];

/// One element of the spec with a role, where it is.
struct Holder<'a> {
    /// The role as written (with its place, for messages).
    role: &'a S,
    /// The type or enum it belongs to (methods: the API's module).
    owner: &'a str,
    /// The field, value or method.
    name: &'a str,
    /// Whether it has the wiki's words (`text:`; enum values only).
    text: bool,
}

/// Every role of the spec, resolved. Missing roles that the runtime needs are errors.
pub(super) fn resolve_roles(b: &mut Builder, loaded: &[Loaded], apis: &[Api]) -> Roles {
    let (methods, fields, values, params) = collect(b, loaded);
    let Some(start) = loaded.first().map(|l| &l.spec.api) else {
        return Roles::default();
    };
    let mut r = Resolver {
        b,
        apis,
        fields: &fields,
        values: &values,
        params: &params,
        start,
    };
    let envelope = r.envelope();
    let request = r.request();
    let token = r.token(&methods);
    let payout = r.payout(&methods);
    Roles {
        envelope,
        request,
        token,
        payout,
    }
}

/// A request parameter with a role.
struct ParamHolder<'a> {
    /// The role as written.
    role: &'a S,
    /// The API's module.
    module: &'a str,
    /// The method (its spec name).
    method: &'a str,
    /// The parameter (its wire name).
    param: &'a str,
}

/// Methods, fields, values and parameters with roles.
type Collected<'a> = (Vec<Holder<'a>>, Vec<Holder<'a>>, Vec<Holder<'a>>, Vec<ParamHolder<'a>>);

/// The elements with a role, each role checked against the kind of element it is on.
fn collect<'a>(b: &mut Builder, loaded: &'a [Loaded]) -> Collected<'a> {
    let (mut methods, mut fields, mut values, mut params) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let check = |b: &mut Builder, role: &S, allowed: &[&str], what: &str| {
        let ok = allowed.contains(&role.as_str());
        if !ok {
            b.err(
                role.span(),
                format!(
                    "`{}` is not a role of a {what}; one of: {}",
                    role.as_str(),
                    allowed.join(", ")
                ),
            );
        }
        ok
    };
    let value_roles: Vec<&str> = VALUE_ROLES.iter().map(|(r, _)| *r).collect();
    for l in loaded {
        let module = l.spec.api.as_str();
        for m in &l.spec.methods {
            if let Some(role) = m.role.as_ref().filter(|r| check(b, r, METHOD_ROLES, "method")) {
                methods.push(Holder {
                    role,
                    owner: module,
                    name: m.name.as_str(),
                    text: false,
                });
            }
            for p in &m.params {
                if let Some(role) = p.role.as_ref().filter(|r| check(b, r, PARAM_ROLES, "parameter")) {
                    params.push(ParamHolder {
                        role,
                        module,
                        method: m.name.as_str(),
                        param: p.name.as_str(),
                    });
                }
            }
        }
        for t in &l.spec.types {
            for f in &t.fields {
                if let Some(role) = f.role.as_ref().filter(|r| check(b, r, FIELD_ROLES, "field")) {
                    fields.push(Holder {
                        role,
                        owner: t.name.as_str(),
                        name: f.name.as_str(),
                        text: false,
                    });
                }
            }
        }
        for e in &l.spec.enums {
            for v in &e.values {
                if let Some(role) = v.role.as_ref().filter(|r| check(b, r, &value_roles, "enum value")) {
                    values.push(Holder {
                        role,
                        owner: e.name.as_str(),
                        name: v.name.as_str(),
                        text: v.text.is_some(),
                    });
                }
            }
        }
    }
    (methods, fields, values, params)
}

struct Resolver<'a, 'b> {
    b: &'a mut Builder<'b>,
    apis: &'a [Api],
    fields: &'a [Holder<'a>],
    values: &'a [Holder<'a>],
    params: &'a [ParamHolder<'a>],
    /// Where a missing role is reported: the first file's `api:`.
    start: &'a S,
}

impl<'a> Resolver<'a, '_> {
    fn structs(&self) -> impl Iterator<Item = (&'a Api, &'a Struct)> + use<'a> {
        let apis: &'a [Api] = self.apis;
        apis.iter().flat_map(|a| a.types.iter().map(move |t| (a, t)))
    }

    fn find_struct(&self, name: &str) -> Option<(&'a Api, &'a Struct)> {
        self.structs().find(|(_, t)| t.name == name)
    }

    fn find_enum(&self, name: &str) -> Option<(&'a Api, &'a Enum)> {
        let apis: &'a [Api] = self.apis;
        apis.iter()
            .flat_map(|a| a.enums.iter().map(move |e| (a, e)))
            .find(|(_, e)| e.name == name)
    }

    /// The one field with this role, its owner and the field; an error for a second one.
    fn field(&mut self, role: &str) -> Option<(&'a Struct, &'a StructField)> {
        let fields: &'a [Holder<'a>] = self.fields;
        let mut found = fields.iter().filter(|h| h.role.as_str() == role);
        let first = found.next()?;
        for extra in found {
            self.b.err(extra.role.span(), format!("role `{role}` is given twice"));
        }
        let (_, owner) = self.find_struct(first.owner)?;
        let field = owner.fields.iter().find(|f| f.wire == first.name)?;
        Some((owner, field))
    }

    /// An error at the role's place, or at the first file's `api:` when the role is missing.
    fn fail(&mut self, role: &str, message: String) {
        let fields: &'a [Holder<'a>] = self.fields;
        let values: &'a [Holder<'a>] = self.values;
        let at = fields
            .iter()
            .chain(values.iter())
            .find(|h| h.role.as_str() == role)
            .map_or(self.start, |h| h.role);
        self.b.err(at.span(), message);
    }

    /// The meanings of an enum's values whose roles are among `roles`.
    fn meanings(&mut self, enum_name: &str, roles: &[&str], required: &[&str]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for h in self.values.iter().filter(|h| roles.contains(&h.role.as_str())) {
            if h.owner != enum_name {
                let message = format!("role `{}` belongs on a value of `{enum_name}`", h.role.as_str());
                self.b.err(h.role.span(), message);
                continue;
            }
            let meaning = VALUE_ROLES.iter().find(|(r, _)| *r == h.role.as_str()).map(|(_, m)| *m);
            if let Some(m) = meaning {
                out.push((h.name.to_owned(), m.to_owned()));
            }
        }
        for role in required {
            if !self.values.iter().any(|h| h.role.as_str() == *role) {
                self.fail(role, format!("no value of `{enum_name}` has `role: {role}`"));
            }
        }
        out
    }

    /// The values with these roles must carry the wiki's words (`text:`): the mock answers with
    /// them.
    fn needs_words(&mut self, roles: &[&str]) {
        for h in self
            .values
            .iter()
            .filter(|h| roles.contains(&h.role.as_str()) && !h.text)
        {
            let message = format!(
                "the mock answers with the words of `role: {}`: give `{}.{}` its `text:` (the wiki's words)",
                h.role.as_str(),
                h.owner,
                h.name
            );
            self.b.err(h.role.span(), message);
        }
    }

    fn envelope(&mut self) -> Option<EnvelopeRoles> {
        let (api, env) = self.structs().find(|(_, t)| t.envelope)?;
        let (module, name) = (api.module.clone(), env.name.clone());
        let result = env.fields.iter().find(|f| f.ty == Ty::Result)?.rust.clone();
        let top = |f: &StructField| f.rust.clone();
        let in_envelope = |owner: &Struct| owner.name == name;
        let path_to = |owner: &Struct, field: &StructField| -> Option<Vec<String>> {
            if in_envelope(owner) {
                return Some(vec![field.rust.clone()]);
            }
            let holder = env
                .fields
                .iter()
                .find(|f| f.required && matches!(&f.ty, Ty::Struct(_, n) if *n == owner.name))?;
            Some(vec![top(holder), field.rust.clone()])
        };
        let code = self
            .field("service_code")
            .map(|(o, f)| (path_to(o, f), f.required, f.ty.clone()));
        let (code, code_enum) = match code {
            Some((Some(path), true, Ty::Enum(m, e))) => (path, (m, e)),
            _ => {
                let message = format!(
                    "the envelope `{name}` needs a required enum field with `role: service_code`, in it or in a required field of it"
                );
                self.fail("service_code", message);
                return None;
            }
        };
        let desc = match self.field("service_desc") {
            Some((o, f)) if f.ty == Ty::String && !f.required => path_to(o, f),
            Some(_) => {
                self.fail(
                    "service_desc",
                    "`role: service_desc` must be on an optional string next to the code".into(),
                );
                None
            }
            None => None,
        };
        let operation_id = match self.field("operation_id") {
            Some((o, f)) if in_envelope(o) && f.ty == Ty::Guid && !f.required => Some(f.rust.clone()),
            Some(_) => {
                self.fail(
                    "operation_id",
                    format!("`role: operation_id` must be on an optional guid of `{name}`"),
                );
                None
            }
            None => None,
        };
        let eshop_id = match self.field("eshop_id") {
            Some((o, f)) if in_envelope(o) && !f.required => Some((f.rust.clone(), f.ty.clone())),
            Some(_) => {
                self.fail(
                    "eshop_id",
                    format!("`role: eshop_id` must be on an optional field of `{name}`"),
                );
                None
            }
            None => None,
        };
        let meanings = self.meanings(
            &code_enum.1,
            &["processed", "queued", "failed"],
            &["processed", "failed"],
        );
        self.needs_words(&["processed", "failed"]);
        Some(EnvelopeRoles {
            module,
            name,
            code,
            code_enum,
            desc,
            operation_id,
            eshop_id,
            result,
            meanings,
        })
    }

    fn request(&mut self) -> Option<RequestRoles> {
        let (api, state) = self.structs().find(|(_, t)| t.request_state)?;
        let (module, name) = (api.module.clone(), state.name.clone());
        let code = match self.field("request_code") {
            Some((o, f)) if o.name == name && f.required => match &f.ty {
                Ty::Enum(m, e) => Some((f.rust.clone(), (m.clone(), e.clone()))),
                _ => None,
            },
            _ => None,
        };
        let Some((code, code_enum)) = code else {
            let message = format!("the request state `{name}` needs a required enum field with `role: request_code`");
            self.fail("request_code", message);
            return None;
        };
        let desc = match self.field("request_desc") {
            Some((o, f)) if o.name == name && f.ty == Ty::String && !f.required => Some(f.rust.clone()),
            Some(_) => {
                self.fail(
                    "request_desc",
                    format!("`role: request_desc` must be on an optional string of `{name}`"),
                );
                None
            }
            None => None,
        };
        let roles = ["success", "warning", "authentication_failed"];
        let meanings = self.meanings(&code_enum.1, &roles, &["success", "authentication_failed"]);
        self.needs_words(&["success", "authentication_failed"]);
        Some(RequestRoles {
            module,
            name,
            code,
            code_enum,
            desc,
            meanings,
        })
    }

    /// The one method with this role (an error for a second one).
    fn method(&mut self, methods: &'a [Holder<'a>], role: &str) -> Option<(&'a Api, &'a Method)> {
        let apis: &'a [Api] = self.apis;
        let mut found = methods.iter().filter(|h| h.role.as_str() == role);
        let first = found.next()?;
        for extra in found {
            self.b
                .err(extra.role.span(), format!("role `{role}` is given to two methods"));
        }
        find_method(apis, first)
    }

    fn token(&mut self, methods: &'a [Holder<'a>]) -> Option<TokenRoles> {
        let needs_token = self
            .apis
            .iter()
            .flat_map(|a| &a.methods)
            .any(|m| m.auth == Auth::UserToken);
        let Some((api, m)) = self.method(methods, "token") else {
            if needs_token {
                let message = "methods take a UserToken, but no method has `role: token` to get one".to_owned();
                self.b.err(self.start.span(), message);
            }
            return None;
        };
        let args: Vec<&Param> = m
            .params
            .iter()
            .filter(|p| p.required == Required::Always && !p.from_session)
            .collect();
        let credentials = matches!(args.as_slice(), [login, password]
            if login.ty == Ty::String && password.ty == Ty::String && password.secret == Secret::Full);
        if !credentials {
            let message = format!(
                "the `token` method `{}` must take exactly a login and a secret password",
                m.wire
            );
            self.fail_method(methods, "token", message);
        }
        let field = match self.field("token") {
            Some((owner, f))
                if m.result == Ty::Struct(module_of(self.apis, &owner.name), owner.name.clone())
                    && f.ty == Ty::String
                    && f.secret == Secret::Full
                    && !f.required =>
            {
                f.rust.clone()
            }
            _ => {
                let message = format!(
                    "the result of `{}` needs an optional secret string with `role: token`",
                    m.wire
                );
                self.fail("token", message);
                return None;
            }
        };
        Some(TokenRoles {
            module: api.module.clone(),
            method: m.rust.clone(),
            field,
        })
    }

    fn fail_method(&mut self, methods: &'a [Holder<'a>], role: &str, message: String) {
        let at = methods
            .iter()
            .find(|h| h.role.as_str() == role)
            .map_or(self.start, |h| h.role);
        self.b.err(at.span(), message);
    }

    /// The effects the payout flow's safety stands on: a creation and an execution are never
    /// sent twice (not `read`), and an execution moves money; a poll may be sent again (`read`).
    fn payout_effects(
        &mut self,
        methods: &'a [Holder<'a>],
        creates: &[(&Api, &Method)],
        execute: (&Api, &Method),
        poll: (&Api, &Method),
    ) {
        let mut wrong = Vec::new();
        for (_, m) in creates {
            if m.effect == Effect::Read {
                wrong.push((
                    "payout_create",
                    m.wire.clone(),
                    "`effect: write` or `money`: a creation whose answer is lost is never sent again",
                ));
            }
        }
        if execute.1.effect != Effect::Money {
            wrong.push((
                "payout_execute",
                execute.1.wire.clone(),
                "`effect: money`: an execution is never sent twice",
            ));
        }
        if poll.1.effect != Effect::Read {
            wrong.push((
                "payout_poll",
                poll.1.wire.clone(),
                "`effect: read`: a lookup is polled again until the state is final",
            ));
        }
        for (role, method, needs) in wrong {
            self.fail_method(
                methods,
                role,
                format!("the `{role}` method `{method}` must have {needs}"),
            );
        }
    }

    fn payout(&mut self, methods: &'a [Holder<'a>]) -> Option<PayoutRoles> {
        let payout_role = |h: &&Holder| h.role.as_str().starts_with("payout_");
        if !methods.iter().any(|h| payout_role(&h)) {
            self.misplaced_params(&[]);
            return None;
        }
        let apis: &'a [Api] = self.apis;
        let creates: Vec<(&Api, &Method)> = methods
            .iter()
            .filter(|h| h.role.as_str() == "payout_create")
            .filter_map(|h| find_method(apis, h))
            .collect();
        let execute = self.method(methods, "payout_execute");
        let poll = self.method(methods, "payout_poll");
        // The deletion fences an operation whose execution is in doubt: deleted, it can never
        // move money, so the payout is settled without a second execution.
        let delete = self.method(methods, "payout_delete");
        let (Some(execute), Some(poll), Some(delete), false) = (execute, poll, delete, creates.is_empty()) else {
            let message = "the payout flow needs `role: payout_create` (one or more), `payout_execute`, `payout_poll` and `payout_delete`";
            self.fail_method(methods, "payout_create", message.into());
            return None;
        };
        let by_id = [
            ("payout_execute", execute),
            ("payout_poll", poll),
            ("payout_delete", delete),
        ];
        for (role, (_, m)) in by_id {
            let args = m
                .params
                .iter()
                .filter(|p| p.required == Required::Always && !p.from_session);
            if args.map(|p| &p.ty).collect::<Vec<_>>() != [&Ty::Guid] {
                let message = format!(
                    "the `{role}` method `{}` must take exactly the operation id (a guid)",
                    m.wire
                );
                self.fail_method(methods, role, message);
            }
        }
        self.payout_effects(methods, &creates, execute, poll);
        let progress = self.progress()?;
        let results = creates.iter().chain([&execute, &poll]).map(|(_, m)| (m, &m.result));
        // A deletion answers what the spec says (`bool` on IntellectMoney): only the mock reads it.
        for (m, result) in results {
            if *result != Ty::Struct(progress.module.clone(), progress.name.clone()) {
                let message = format!(
                    "the payout method `{}` must return `{}`, which has the payout roles",
                    m.wire, progress.name
                );
                self.fail_method(methods, "payout_create", message);
            }
        }
        let fates = self.fates(&progress.state_enum.1);
        let [created, in_process] = self.open_states(&progress.state_enum.1)?;
        let path = |(a, m): (&Api, &Method)| (a.module.clone(), m.rust.clone());
        let creates = self.payout_money(methods, &creates);
        Some(PayoutRoles {
            creates,
            execute: path(execute),
            poll: path(poll),
            delete: path(delete),
            progress,
            fates,
            created,
            in_process,
        })
    }

    /// An error for each parameter role on a method that does not create a payout.
    fn misplaced_params(&mut self, creates: &[(&'a Api, &'a Method)]) {
        let params: &'a [ParamHolder<'a>] = self.params;
        for h in params {
            if !creates.iter().any(|(a, m)| a.module == h.module && m.wire == h.method) {
                let message = format!(
                    "role `{}` belongs on a parameter of a `payout_create` method",
                    h.role.as_str()
                );
                self.b.err(h.role.span(), message);
            }
        }
    }

    /// Each creation method with its amount and currency parameters (`payout_amount`,
    /// `payout_currency`), which the batch journal records; those roles on any other method are
    /// errors.
    fn payout_money(&mut self, methods: &'a [Holder<'a>], creates: &[(&'a Api, &'a Method)]) -> Vec<PayoutCreate> {
        self.misplaced_params(creates);
        let params: &'a [ParamHolder<'a>] = self.params;
        let mut out = Vec::new();
        for (api, m) in creates {
            let find = |role: &str| {
                let h = params
                    .iter()
                    .find(|h| h.role.as_str() == role && h.module == api.module && h.method == m.wire)?;
                m.params.iter().find(|p| p.wire == h.param)
            };
            let amount = find("payout_amount").filter(|p| p.ty == Ty::Decimal && p.required == Required::Always);
            let currency = find("payout_currency").filter(|p| {
                let kind = matches!(p.ty, Ty::String | Ty::Enum(..));
                kind && p.required == Required::Always
            });
            if amount.is_none() || currency.is_none() {
                let message = format!(
                    "the `payout_create` method `{}` needs `role: payout_amount` on a required decimal \
                     parameter and `role: payout_currency` on a required enum or string parameter",
                    m.wire
                );
                self.fail_method(methods, "payout_create", message);
            }
            // Kept with what is missing left empty: a base revision read by `diff` may lack these
            // roles, and nothing is written from a spec with errors.
            out.push(PayoutCreate {
                method: (api.module.clone(), m.rust.clone()),
                amount: amount.map(|p| p.rust.clone()).unwrap_or_default(),
                currency: currency.map(|p| p.rust.clone()).unwrap_or_default(),
                currency_text: currency.is_some_and(|p| p.ty == Ty::String),
            });
        }
        out
    }

    /// The payout result's id, state and error fields.
    fn progress(&mut self) -> Option<PayoutProgress> {
        let id = self
            .field("payout_operation_id")
            .map(|(o, f)| (o.name.clone(), f.rust.clone(), f.ty == Ty::Guid && !f.required));
        let state = self
            .field("payout_state")
            .map(|(o, f)| (o.name.clone(), f.rust.clone(), f.ty.clone(), f.required));
        let error = self
            .field("payout_error")
            .map(|(o, f)| (o.name.clone(), f.rust.clone(), f.ty == Ty::String && !f.required));
        let (Some((owner, id, true)), Some((state_owner, state, Ty::Enum(m, e), false))) = (id, state) else {
            let message = "the payout result needs an optional guid with `role: payout_operation_id` and an optional enum with `role: payout_state`";
            self.fail("payout_state", message.into());
            return None;
        };
        let error = match error {
            Some((o, f, true)) if o == owner => Some(f),
            Some(_) => {
                self.fail(
                    "payout_error",
                    format!("`role: payout_error` must be on an optional string of `{owner}`"),
                );
                None
            }
            None => None,
        };
        if state_owner != owner {
            self.fail(
                "payout_state",
                format!("`role: payout_state` must be on a field of `{owner}`"),
            );
        }
        Some(PayoutProgress {
            module: module_of(self.apis, &owner),
            name: owner,
            operation_id: id,
            state,
            state_enum: (m, e),
            error,
        })
    }

    /// The states of a payout before its end: just created, and executed but not final (the
    /// mock's payouts move through them).
    fn open_states(&mut self, enum_name: &str) -> Option<[String; 2]> {
        let roles = ["payout_created", "payout_in_process"];
        let found = self.meanings(enum_name, &roles, &roles);
        let value = |role: &str| {
            let meaning = VALUE_ROLES.iter().find(|(r, _)| *r == role).map(|(_, m)| *m)?;
            found.iter().find(|(_, m)| m == meaning).map(|(v, _)| v.clone())
        };
        Some([value("payout_created")?, value("payout_in_process")?])
    }

    /// What each final state of the payout enum means: every final value has a `payout_*` role
    /// and only final values have one.
    fn fates(&mut self, enum_name: &str) -> Vec<(String, String)> {
        let roles = [
            "payout_completed",
            "payout_failed",
            "payout_not_enough_money",
            "payout_deleted",
        ];
        let fates = self.meanings(enum_name, &roles, &["payout_completed"]);
        let Some((_, e)) = self.find_enum(enum_name) else {
            return fates;
        };
        let problems: Vec<String> = e
            .values
            .iter()
            .filter(|v| v.is_final != fates.iter().any(|(n, _)| *n == v.wire))
            .map(|v| v.wire.clone())
            .collect();
        for value in problems {
            let message = format!(
                "`{enum_name}::{value}`: a payout state has a `payout_*` role exactly when it is `final: true`"
            );
            self.fail("payout_completed", message);
        }
        fates
    }
}

fn find_method<'a>(apis: &'a [Api], h: &Holder) -> Option<(&'a Api, &'a Method)> {
    let api = apis.iter().find(|a| a.module == h.owner)?;
    api.methods.iter().find(|m| m.wire == h.name).map(|m| (api, m))
}

fn module_of(apis: &[Api], type_name: &str) -> String {
    apis.iter()
        .find(|a| a.types.iter().any(|t| t.name == type_name))
        .map(|a| a.module.clone())
        .unwrap_or_default()
}
