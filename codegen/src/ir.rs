//! The validated model: names decided, types resolved, wire encodings fixed. Emitters read only
//! this. Building it checks the whole spec and reports every problem at once.

use crate::diag::Diagnostic;
use crate::load::{Files, Loaded};
use crate::model::{self, S};
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The whole API.
#[derive(Debug)]
pub struct Ir {
    /// One entry per spec file, sorted by module name.
    pub apis: Vec<Api>,
}

/// One spec file: a module of the generated crate.
#[derive(Debug)]
pub struct Api {
    /// Module name (`personal`).
    pub module: String,
    /// Title.
    pub title: String,
    /// Where its facts come from.
    pub source: Option<String>,
    /// The spec file, as named in messages.
    pub file: String,
    /// How request bodies are written.
    pub body: BodyFormat,
    /// The `Content-Type` of request bodies.
    pub content_type: String,
    /// The formats the API answers in; the first is its default.
    pub responses: Vec<ResponseFormat>,
    /// Methods in spec order.
    pub methods: Vec<Method>,
    /// Structures in spec order.
    pub types: Vec<Struct>,
    /// Enumerations in spec order.
    pub enums: Vec<Enum>,
    /// Identifier types in spec order.
    pub ids: Vec<IdType>,
    /// What the audit of saved wiki pages takes from this file.
    pub wiki: Option<WikiAudit>,
    /// The Result-URL notification, when this API sends one.
    pub notification: Option<Notification>,
}

/// A notification POSTed to the shop (form body) and how its hash is made.
#[derive(Debug)]
pub struct Notification {
    /// Type name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// Notes and sources.
    pub notes: Vec<String>,
    /// The form's charset: `windows-1251` or `utf-8`.
    pub charset: String,
    /// The body the shop answers with.
    pub answer: String,
    /// The field that carries the hash.
    pub hash_field: String,
    /// Fields hashed, in order.
    pub order: Vec<String>,
    /// The slot of `order` that takes the shop's SecretKey.
    pub secret: String,
    /// Fields in spec order.
    pub fields: Vec<NotificationField>,
}

/// A field of a notification.
#[derive(Debug)]
pub struct NotificationField {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Type.
    pub ty: Ty,
    /// Description.
    pub doc: String,
    /// Notes and sources.
    pub notes: Vec<String>,
}

/// A format an API answers in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFormat {
    /// XML or JSON.
    pub format: Format,
    /// The `Accept` header that asks for it (none: the API's default needs none).
    pub accept: Option<String>,
}

/// A response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// XML.
    Xml,
    /// JSON.
    Json,
}

/// Request body format of an API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, UTF-8.
    Form,
    /// `application/json`.
    Json,
}

/// How a method is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No authentication (getUserToken).
    None,
    /// The session's UserToken.
    UserToken,
    /// The TLS client certificate.
    Certificate,
}

/// What a call does to the world; decides whether it may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads only.
    Read,
    /// Creates or changes something, moves no money.
    Write,
    /// Moves money.
    Money,
}

/// A method.
#[derive(Debug)]
pub struct Method {
    /// Name on the wiki and in the path (`getInvoicesHistory`).
    pub wire: String,
    /// Request type name (`GetInvoicesHistory`).
    pub rust: String,
    /// Path.
    pub path: String,
    /// Description.
    pub doc: String,
    /// Deprecation text.
    pub deprecated: Option<String>,
    /// Note and source, for the surface listing.
    pub notes: Vec<String>,
    /// Authentication.
    pub auth: Auth,
    /// Effect.
    pub effect: Effect,
    /// Sign template.
    pub sign: Option<SignTemplate>,
    /// Parameters in wire order.
    pub params: Vec<Param>,
    /// Result.
    pub result: Ty,
    /// Paging.
    pub pagination: Option<Pagination>,
    /// Examples.
    pub examples: Vec<Example>,
}

/// A `Sign` template.
#[derive(Debug)]
pub struct SignTemplate {
    /// The template as written.
    pub text: String,
    /// Its slots.
    pub slots: Vec<Slot>,
    /// Where it comes from.
    pub source: Option<String>,
    /// Other published templates.
    pub variants: Vec<String>,
    /// A note on the template.
    pub note: Option<String>,
}

/// One slot of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// The value sent for this parameter (wire name), empty when not sent.
    Param(String),
    /// Always empty.
    Empty,
    /// The sign secret.
    Secret,
}

/// Paging of a method.
#[derive(Debug)]
pub struct Pagination {
    /// Rust name of the skip parameter.
    pub skip: String,
    /// Rust name of the take parameter.
    pub take: String,
    /// Rust name of the result's list field.
    pub items: String,
}

/// A wiki example.
#[derive(Debug, Clone)]
pub struct Example {
    /// The XML response's text.
    pub xml_text: Option<String>,
    /// The JSON response's text.
    pub json_text: Option<String>,
    /// Request file, relative to `spec/examples`.
    pub request: Option<String>,
    /// XML response file.
    pub xml: Option<String>,
    /// JSON response file.
    pub json: Option<String>,
    /// Which of the two the wiki printed.
    pub original: String,
    /// The response file holds the result alone, without the envelope.
    pub bare: bool,
    /// What was repaired.
    pub note: Option<String>,
}

/// A request parameter.
#[derive(Debug)]
pub struct Param {
    /// Wire name.
    pub wire: String,
    /// Rust field name.
    pub rust: String,
    /// A former Rust name, kept as a deprecated setter (and CLI flag alias) for one release.
    pub rust_alias: Option<String>,
    /// Type.
    pub ty: Ty,
    /// When it must be given.
    pub required: Required,
    /// Supplied by the session (UserToken), not by the caller.
    pub from_session: bool,
    /// How its value is written.
    pub encoding: Encoding,
    /// Whether it is secret.
    pub secret: Secret,
    /// Documented limits.
    pub limits: Limits,
    /// Description.
    pub doc: String,
    /// Notes and sources.
    pub notes: Vec<String>,
}

/// Required-ness.
#[derive(Debug, Clone, PartialEq)]
pub enum Required {
    /// Always.
    Always,
    /// Optional.
    No,
    /// Required when another parameter (Rust name, wire name) is given, or has one of these
    /// enum values (variant names).
    When {
        /// Rust name of the other parameter.
        rust: String,
        /// Wire name of the other parameter.
        wire: String,
        /// The values of it that make this parameter required; empty: any value.
        values: Vec<String>,
        /// The enum those values belong to.
        enum_path: Option<String>,
    },
}

/// Secrecy of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// Not secret.
    No,
    /// Never shown.
    Full,
    /// A card number: at most the last four digits are shown.
    Card,
}

/// Documented limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// Minimum length in characters.
    pub min_len: Option<u32>,
    /// Maximum length in characters (of the written value).
    pub max_len: Option<u32>,
    /// Minimum value of an integer.
    pub min: Option<i64>,
    /// A decimal must be above zero.
    pub positive: bool,
    /// Maximum number of digits of a decimal, with its decimals.
    pub max_digits: Option<u32>,
}

/// How a value is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As is (strings, integers, GUIDs; decimals with their own scale).
    Plain,
    /// `DD.MM.YYYY`.
    Dmy,
    /// `yyyy-MM-dd HH:mm:ss`.
    Space,
    /// ISO 8601, as read.
    Iso,
    /// `0` / `1`.
    Flag01,
    /// `true` / `false`.
    TrueFalse,
    /// Exactly two places after a dot, a string in JSON.
    Decimal2,
    /// Exactly two places after a dot, a number in JSON.
    Decimal2Number,
    /// A decimal as a JSON string with its scale (JSON documents only).
    DecimalString,
    /// JSON text (a document inside a form field).
    Json,
    /// An enum by name.
    Name,
    /// An enum by number.
    Code,
}

impl Encoding {
    /// The spelling in the spec.
    pub fn spec_name(self) -> &'static str {
        match self {
            Encoding::Plain => "plain",
            Encoding::Dmy => "dmy",
            Encoding::Space => "space",
            Encoding::Iso => "iso",
            Encoding::Flag01 => "flag01",
            Encoding::TrueFalse => "truefalse",
            Encoding::Decimal2 => "decimal2",
            Encoding::Decimal2Number => "decimal2_number",
            Encoding::DecimalString => "string",
            Encoding::Json => "json",
            Encoding::Name => "name",
            Encoding::Code => "code",
        }
    }
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `string`.
    String,
    /// `int` (32 bits).
    Int,
    /// `long` (64 bits).
    Long,
    /// `decimal`.
    Decimal,
    /// `bool`.
    Bool,
    /// `date` (a calendar date).
    Date,
    /// `datetime` (the server's many shapes).
    DateTime,
    /// `guid`.
    Guid,
    /// `typed_text`: text with its XML `xsi:type`.
    TypedText,
    /// A generated enum: module and name.
    Enum(String, String),
    /// A generated struct: module and name.
    Struct(String, String),
    /// A generated identifier type: module, name and the type it wraps on the wire.
    Id(String, String, Box<Ty>),
    /// A list.
    List(Box<Ty>),
    /// JSON text holding a struct.
    Json(Box<Ty>),
    /// The envelope's generic result.
    Result,
}

impl Ty {
    /// The type as written on the wire: an identifier type's inner type, any other type itself.
    pub fn wire(&self) -> &Ty {
        match self {
            Ty::Id(_, _, inner) => inner,
            other => other,
        }
    }

    /// The name a reader of the spec knows.
    pub fn spec_name(&self) -> String {
        match self {
            Ty::String => "string".into(),
            Ty::Int => "int".into(),
            Ty::Long => "long".into(),
            Ty::Decimal => "decimal".into(),
            Ty::Bool => "bool".into(),
            Ty::Date => "date".into(),
            Ty::DateTime => "datetime".into(),
            Ty::Guid => "guid".into(),
            Ty::TypedText => "typed_text".into(),
            Ty::Enum(_, n) | Ty::Struct(_, n) | Ty::Id(_, n, _) => n.clone(),
            Ty::List(t) => format!("list<{}>", t.spec_name()),
            Ty::Json(t) => format!("json<{}>", t.spec_name()),
            Ty::Result => "result".into(),
        }
    }
}

/// A structure.
#[derive(Debug)]
pub struct Struct {
    /// Name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// The generic envelope.
    pub envelope: bool,
    /// A JSON document the client writes (serialized with the wire encodings).
    pub document: bool,
    /// The status inside `Result` that the client reads (warnings, authentication failures).
    pub request_state: bool,
    /// Notes and sources.
    pub notes: Vec<String>,
    /// Fields in wire order.
    pub fields: Vec<StructField>,
}

/// A field of a structure.
#[derive(Debug)]
pub struct StructField {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Type.
    pub ty: Ty,
    /// XML element name of a list's items.
    pub item: Option<String>,
    /// Required (not an `Option`).
    pub required: bool,
    /// How it is written (documents).
    pub encoding: Encoding,
    /// Secrecy.
    pub secret: Secret,
    /// Limits (documents).
    pub limits: Limits,
    /// The notification type (module, name) whose form body this string holds.
    pub notification: Option<(String, String)>,
    /// Description.
    pub doc: String,
    /// Notes and sources.
    pub notes: Vec<String>,
}

/// The audit's part of a spec file: its pages, and what on them is not a name or is misspelt.
#[derive(Debug, Clone, Default)]
pub struct WikiAudit {
    /// Page file names.
    pub pages: Vec<String>,
    /// Words that are not API names, with why (page word → reason).
    pub words: BTreeMap<String, String>,
    /// Names as the pages write them: page spelling → (spec name, reason).
    pub misprints: BTreeMap<String, (String, String)>,
}

/// An identifier type: a newtype over a number or text, so that it cannot be swapped with another.
#[derive(Debug)]
pub struct IdType {
    /// Name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// What it wraps (`int`, `long` or `string`).
    pub inner: Ty,
    /// Notes and sources.
    pub notes: Vec<String>,
}

/// An enumeration.
#[derive(Debug)]
pub struct Enum {
    /// Name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// Written by number by default.
    pub wire_code: bool,
    /// Notes and sources.
    pub notes: Vec<String>,
    /// Values.
    pub values: Vec<EnumValue>,
}

/// A value of an enumeration.
#[derive(Debug)]
pub struct EnumValue {
    /// Wire name.
    pub wire: String,
    /// Rust variant.
    pub rust: String,
    /// Number, where known.
    pub code: Option<i64>,
    /// A final state.
    pub is_final: bool,
    /// Description.
    pub doc: String,
    /// Notes and sources.
    pub notes: Vec<String>,
}

fn notes(source: &Option<String>, note: &Option<String>) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(s) = source {
        v.push(format!("Source: {s}."));
    }
    if let Some(n) = note {
        v.push(format!("Note: {n}"));
    }
    v
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust field name for a wire name: snake case, `r#` is avoided by appending `_`.
fn field_name(wire: &str) -> String {
    let s = wire.to_snake_case();
    if RUST_KEYWORDS.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The Rust name of a field or parameter: its `rust:` key (checked), or the wire name's snake case.
fn rust_name(b: &mut Builder, given: Option<&S>, wire: &str) -> String {
    match given {
        Some(r) => {
            if !is_identifier(r.as_str()) || r.as_str().to_snake_case() != r.as_str() {
                b.err(
                    r.span(),
                    format!("rust name `{}` must be a snake_case identifier", r.as_str()),
                );
            }
            r.as_str().to_owned()
        }
        None => field_name(wire),
    }
}

/// Whether the rules that keep the spec good, beyond making it buildable, are applied. A diff's
/// base was written before today's rules and is read without them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lints {
    /// Every rule (the working tree's spec).
    On,
    /// Only what building needs (a base revision).
    Off,
}

struct Builder<'a> {
    files: &'a Files,
    lints: Lints,
    diags: Vec<Diagnostic>,
    /// Every named type: name -> (module, is_enum, is_document, has codes for every value).
    names: BTreeMap<String, Named>,
}

#[derive(Clone)]
struct Named {
    module: String,
    /// What an identifier type wraps.
    inner: Option<Ty>,
    kind: Kind,
    all_codes: bool,
    values: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enum,
    Struct,
    Document,
    Envelope,
    Id,
}

impl Builder<'_> {
    fn err(&mut self, s: &marked_yaml::Span, msg: impl Into<String>) {
        self.diags.push(self.files.at(s, msg));
    }

    /// Resolves a type expression; `context` says what is being typed, for messages.
    fn ty(&mut self, s: &S) -> Option<Ty> {
        self.ty_text(s, s.as_str().trim())
    }

    fn ty_text(&mut self, s: &S, text: &str) -> Option<Ty> {
        if let Some(inner) = text.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
            return self.ty_text(s, inner.trim()).map(|t| Ty::List(Box::new(t)));
        }
        if let Some(inner) = text.strip_prefix("json<").and_then(|r| r.strip_suffix('>')) {
            let t = self.ty_text(s, inner.trim())?;
            if !matches!(t, Ty::Struct(..)) {
                self.err(s.span(), format!("json<{inner}> must hold a structure"));
                return None;
            }
            return Some(Ty::Json(Box::new(t)));
        }
        Some(match text {
            "string" => Ty::String,
            "int" => Ty::Int,
            "long" => Ty::Long,
            "decimal" => Ty::Decimal,
            "bool" => Ty::Bool,
            "date" => Ty::Date,
            "datetime" => Ty::DateTime,
            "guid" => Ty::Guid,
            "typed_text" => Ty::TypedText,
            "result" => Ty::Result,
            other => match self.names.get(other) {
                Some(n) if n.kind == Kind::Enum => Ty::Enum(n.module.clone(), other.to_owned()),
                Some(Named {
                    kind: Kind::Id,
                    module,
                    inner: Some(inner),
                    ..
                }) => Ty::Id(module.clone(), other.to_owned(), Box::new(inner.clone())),
                // Its wrapped type was refused where it is declared: one error, not one per use.
                Some(Named { kind: Kind::Id, .. }) => return None,
                Some(_) => Ty::Struct(self.names[other].module.clone(), other.to_owned()),
                None => {
                    let hint = self
                        .closest(other)
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    self.err(s.span(), format!("unknown type `{other}`{hint}"));
                    return None;
                }
            },
        })
    }

    fn closest(&self, name: &str) -> Option<String> {
        const BUILT_IN: &[&str] = &[
            "string",
            "int",
            "long",
            "decimal",
            "bool",
            "date",
            "datetime",
            "guid",
            "typed_text",
        ];
        let lower = name.to_lowercase();
        let candidates = self.names.keys().map(String::as_str).chain(BUILT_IN.iter().copied());
        candidates
            .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
            .filter(|(d, _)| *d <= (lower.chars().count() / 3).max(1))
            .min()
            .map(|(_, c)| c.to_owned())
    }

    /// The encoding of a value of type `ty`, checked against the type.
    fn encoding(&mut self, s: Option<&S>, ty: &Ty, document: bool) -> Encoding {
        let default = match ty {
            Ty::Date => Encoding::Dmy,
            Ty::DateTime => Encoding::Iso,
            Ty::Bool => Encoding::TrueFalse,
            Ty::Enum(_, n) => {
                if self.names.get(n).is_some_and(|n| n.all_codes) && document {
                    Encoding::Code
                } else {
                    Encoding::Name
                }
            }
            Ty::Struct(..) if !document => Encoding::Json,
            _ => Encoding::Plain,
        };
        let Some(s) = s else { return default };
        let enc = match s.as_str() {
            "plain" => Encoding::Plain,
            "dmy" => Encoding::Dmy,
            "space" => Encoding::Space,
            "iso" => Encoding::Iso,
            "flag01" => Encoding::Flag01,
            "truefalse" => Encoding::TrueFalse,
            "decimal2" => Encoding::Decimal2,
            "decimal2_number" => Encoding::Decimal2Number,
            "string" => Encoding::DecimalString,
            "json" => Encoding::Json,
            "name" => Encoding::Name,
            "code" => Encoding::Code,
            other => {
                self.err(s.span(), format!("unknown encoding `{other}` (known: plain, dmy, space, iso, flag01, truefalse, decimal2, decimal2_number, string, json, name, code)"));
                return default;
            }
        };
        let fits = match enc {
            Encoding::Plain => {
                matches!(
                    ty.wire(),
                    Ty::String | Ty::Int | Ty::Long | Ty::Decimal | Ty::Guid | Ty::List(_)
                ) || (document && matches!(ty, Ty::Struct(..)))
            }
            Encoding::Dmy => matches!(ty, Ty::Date),
            Encoding::Space | Encoding::Iso => matches!(ty, Ty::DateTime),
            Encoding::Flag01 | Encoding::TrueFalse => matches!(ty, Ty::Bool),
            Encoding::Decimal2 | Encoding::Decimal2Number => matches!(ty, Ty::Decimal) && !document,
            Encoding::DecimalString => matches!(ty, Ty::Decimal) && document,
            Encoding::Json => matches!(ty, Ty::Struct(..)) && !document,
            Encoding::Name => matches!(ty, Ty::Enum(..)),
            Encoding::Code => matches!(ty, Ty::Enum(..)),
        };
        if !fits {
            self.err(
                s.span(),
                format!("encoding `{}` does not fit type `{}`", enc.spec_name(), ty.spec_name()),
            );
            return default;
        }
        if enc == Encoding::Code {
            if let Ty::Enum(_, n) = ty {
                if !self.names.get(n).is_some_and(|n| n.all_codes) {
                    self.err(
                        s.span(),
                        format!("encoding `code` needs a number on every value of enum `{n}`"),
                    );
                }
            }
        }
        enc
    }

    fn secret(&mut self, s: &Option<S>) -> Secret {
        match s.as_ref().map(|s| (s, s.as_str())) {
            None | Some((_, "false")) => Secret::No,
            Some((_, "true")) => Secret::Full,
            Some((_, "card")) => Secret::Card,
            Some((s, other)) => {
                self.err(
                    s.span(),
                    format!("secret must be `true`, `false` or `card`, not `{other}`"),
                );
                Secret::No
            }
        }
    }
}

/// Builds the IR from the loaded files, checking everything. `examples_dir` is where example
/// files must exist.
pub(crate) fn build(
    files: &Files,
    loaded: &[Loaded],
    examples_dir: &Path,
    lints: Lints,
) -> Result<Ir, Vec<Diagnostic>> {
    let mut b = Builder {
        files,
        diags: Vec::new(),
        names: BTreeMap::new(),
        lints,
    };

    // Pass 1: every name, so that references resolve in any order and across files.
    let mut modules: BTreeMap<String, &S> = BTreeMap::new();
    for l in loaded {
        let module = l.spec.api.as_str().to_owned();
        if !is_identifier(&module) || module.to_snake_case() != module {
            b.err(
                l.spec.api.span(),
                format!("api `{module}` must be a snake_case identifier"),
            );
        }
        if let Some(prev) = modules.insert(module.clone(), &l.spec.api) {
            let at = prev
                .span()
                .start()
                .map(|m| format!(" (first at line {})", m.line()))
                .unwrap_or_default();
            b.err(l.spec.api.span(), format!("duplicate api `{module}`{at}"));
        }
        let declare = |b: &mut Builder, name: &S, named: Named| {
            if !is_identifier(name.as_str()) || name.as_str().to_upper_camel_case() != name.as_str() {
                b.err(
                    name.span(),
                    format!("type name `{}` must be an UpperCamelCase identifier", name.as_str()),
                );
            }
            if matches!(
                name.as_str(),
                "string" | "int" | "long" | "decimal" | "bool" | "date" | "datetime" | "guid" | "typed_text" | "result"
            ) {
                b.err(name.span(), format!("`{}` is a built-in type name", name.as_str()));
            }
            if b.names.contains_key(name.as_str()) {
                b.err(name.span(), format!("duplicate type or enum name `{}`", name.as_str()));
            } else {
                b.names.insert(name.as_str().to_owned(), named);
            }
        };
        for t in &l.spec.types {
            let kind = if t.envelope {
                Kind::Envelope
            } else if t.document {
                Kind::Document
            } else {
                Kind::Struct
            };
            declare(
                &mut b,
                &t.name,
                Named {
                    module: module.clone(),
                    inner: None,
                    kind,
                    all_codes: false,
                    values: vec![],
                },
            );
        }
        for e in &l.spec.enums {
            let all_codes = e.values.iter().all(|v| v.code.is_some());
            let values = e.values.iter().map(|v| v.name.as_str().to_owned()).collect();
            declare(
                &mut b,
                &e.name,
                Named {
                    module: module.clone(),
                    inner: None,
                    kind: Kind::Enum,
                    all_codes,
                    values,
                },
            );
        }
        for id in &l.spec.ids {
            let inner = match id.ty.as_str() {
                "int" => Some(Ty::Int),
                "long" => Some(Ty::Long),
                "string" => Some(Ty::String),
                other => {
                    b.err(
                        id.ty.span(),
                        format!("an id type wraps `int`, `long` or `string`, not `{other}`"),
                    );
                    None
                }
            };
            let named = Named {
                module: module.clone(),
                inner,
                kind: Kind::Id,
                all_codes: false,
                values: vec![],
            };
            declare(&mut b, &id.name, named);
        }
    }

    let mut apis = Vec::new();
    for l in loaded {
        let spec = &l.spec;
        let module = spec.api.as_str().to_owned();
        let body = match spec.body.as_ref().map(|s| (s, s.as_str())) {
            None | Some((_, "form")) => BodyFormat::Form,
            Some((_, "json")) => BodyFormat::Json,
            Some((s, other)) => {
                b.err(s.span(), format!("body must be `form` or `json`, not `{other}`"));
                BodyFormat::Form
            }
        };
        let (content_type, responses) = build_transport(&mut b, spec);
        let notification = spec.notification.as_ref().and_then(|n| build_notification(&mut b, n));
        let enums = spec.enums.iter().map(|e| build_enum(&mut b, e)).collect();
        let ids = spec.ids.iter().filter_map(|i| build_id(&b, i)).collect();
        let wiki = spec.wiki.as_ref().map(build_wiki);
        let types = spec.types.iter().map(|t| build_struct(&mut b, t)).collect::<Vec<_>>();
        let mut methods = Vec::new();
        let mut seen = BTreeSet::new();
        for m in &spec.methods {
            if !seen.insert(m.name.as_str().to_lowercase()) {
                b.err(m.name.span(), format!("duplicate method `{}`", m.name.as_str()));
            }
            let rust = m.name.as_str().to_upper_camel_case();
            if b.names.contains_key(&rust) {
                b.err(
                    m.name.span(),
                    format!(
                        "the request type `{rust}` of method `{}` clashes with a type of the same name",
                        m.name.as_str()
                    ),
                );
            }
            if let Some(method) = build_method(&mut b, m, examples_dir) {
                methods.push(method);
            }
        }
        apis.push(Api {
            module,
            title: spec.title.clone(),
            source: spec.source.clone(),
            file: l.file.clone(),
            body,
            content_type,
            responses,
            notification,
            methods,
            types,
            enums,
            ids,
            wiki,
        });
    }
    // Result types and pagination refer to struct fields: checked once every struct is built.
    check_results(&mut b, loaded, &apis);
    resolve_notifications(&mut b, loaded, &mut apis);
    apis.sort_by(|a, b| a.module.cmp(&b.module));
    if b.diags.is_empty() {
        Ok(Ir { apis })
    } else {
        b.diags.sort();
        b.diags.dedup();
        Err(b.diags)
    }
}

/// Two arguments of `new(..)` of one Rust type could be swapped and still compile (`new(10,
/// 450063)` for `new(eshop_id, take)`): refused, so that the spec gives one of them a type of its own.
fn check_swappable(b: &mut Builder, m: &model::Method, params: &[Param]) {
    let args: Vec<&Param> = params
        .iter()
        .filter(|p| !p.from_session && p.required == Required::Always)
        .collect();
    for (i, later) in args.iter().enumerate() {
        let Some(earlier) = args[..i].iter().find(|e| e.ty == later.ty && e.secret == later.secret) else {
            continue;
        };
        let Some(at) = m.params.iter().find(|p| p.name.as_str() == later.wire) else {
            continue;
        };
        b.err(
            at.name.span(),
            format!(
                "`new(..)` of `{}` would take `{}` and `{}`, both of type `{}`: swapped, they would still compile; \
                 give one an id type (`ids:`) or an enum",
                m.name.as_str(),
                earlier.rust,
                later.rust,
                later.ty.spec_name()
            ),
        );
    }
}

fn build_wiki(w: &model::WikiDef) -> WikiAudit {
    let mut audit = WikiAudit {
        pages: w.pages.iter().map(|p| p.as_str().to_owned()).collect(),
        ..WikiAudit::default()
    };
    for group in &w.words {
        for n in &group.names {
            audit.words.insert(n.as_str().to_owned(), group.reason.clone());
        }
    }
    for m in &w.page_names {
        audit.misprints.insert(
            m.page.as_str().to_owned(),
            (m.spec.as_str().to_owned(), m.reason.clone()),
        );
    }
    audit
}

/// An id type (its wrapped type was checked when its name was declared).
fn build_id(b: &Builder, i: &model::IdDef) -> Option<IdType> {
    let inner = b.names.get(i.name.as_str())?.inner.clone()?;
    Some(IdType {
        name: i.name.as_str().to_owned(),
        doc: i.doc.trim().to_owned(),
        inner,
        notes: notes(&i.source, &i.note),
    })
}

fn build_enum(b: &mut Builder, e: &model::EnumDef) -> Enum {
    let wire_code = match e.wire.as_ref().map(|s| (s, s.as_str())) {
        None | Some((_, "name")) => false,
        Some((_, "code")) => true,
        Some((s, other)) => {
            b.err(s.span(), format!("wire must be `name` or `code`, not `{other}`"));
            false
        }
    };
    let mut names = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let mut values = Vec::new();
    for v in &e.values {
        let wire = v.name.as_str();
        if !is_identifier(wire) {
            b.err(v.name.span(), format!("enum value `{wire}` is not an identifier"));
        }
        if wire == "Unknown" {
            b.err(v.name.span(), "`Unknown` is reserved for values the spec does not know");
        }
        if !names.insert(wire.to_owned()) {
            b.err(
                v.name.span(),
                format!("duplicate value `{wire}` in enum `{}`", e.name.as_str()),
            );
        }
        if let Some(c) = &v.code {
            if !codes.insert(**c) {
                b.err(
                    c.span(),
                    format!("duplicate code {} in enum `{}`", **c, e.name.as_str()),
                );
            }
        } else if wire_code {
            b.err(
                v.name.span(),
                format!("enum `{}` is written by code, but `{wire}` has none", e.name.as_str()),
            );
        }
        values.push(EnumValue {
            wire: wire.to_owned(),
            rust: wire.to_upper_camel_case(),
            code: v.code.as_ref().map(|c| **c),
            is_final: v.is_final,
            doc: v.doc.trim().to_owned(),
            notes: notes(&v.source, &v.note),
        });
    }
    if values.is_empty() {
        b.err(e.name.span(), format!("enum `{}` has no values", e.name.as_str()));
    }
    Enum {
        name: e.name.as_str().to_owned(),
        doc: e.doc.trim().to_owned(),
        wire_code,
        notes: notes(&e.source, &e.note),
        values,
    }
}

fn build_struct(b: &mut Builder, t: &model::TypeDef) -> Struct {
    let mut seen = BTreeSet::new();
    let mut fields = Vec::new();
    for f in &t.fields {
        let wire = f.name.as_str().to_owned();
        let rust = rust_name(b, f.rust.as_ref(), &wire);
        if !seen.insert(rust.clone()) {
            b.err(
                f.name.span(),
                format!("duplicate field `{wire}` (Rust name `{rust}`) in `{}`", t.name.as_str()),
            );
        }
        let Some(ty) = b.ty(&f.ty) else { continue };
        if ty == Ty::Result && !t.envelope {
            b.err(f.ty.span(), "type `result` is only allowed in the envelope");
        }
        if let Some(item) = f.item.as_ref().filter(|_| !matches!(ty, Ty::List(_))) {
            b.err(item.span(), "`item` is only allowed on a list");
        }
        if matches!(ty, Ty::Date) {
            b.err(f.ty.span(), "responses carry date-times: use `datetime`");
        }
        if let (Some(min), Some(max)) = (f.min_len, f.max_len) {
            if min > max {
                b.err(f.name.span(), format!("min_len {min} is above max_len {max}"));
            }
        }
        let encoding = b.encoding(f.encoding.as_ref(), &ty, true);
        let secret = b.secret(&f.secret);
        fields.push(StructField {
            wire,
            rust,
            item: f.item.as_ref().map(|s| s.as_str().to_owned()),
            required: f.required,
            encoding,
            secret,
            limits: Limits {
                min_len: f.min_len,
                max_len: f.max_len,
                ..Limits::default()
            },
            // Resolved once every API's notification is known (`check_results`).
            notification: f.notification.as_ref().map(|n| (String::new(), n.as_str().to_owned())),
            doc: f.doc.trim().to_owned(),
            notes: notes(&f.source, &f.note),
            ty,
        });
    }
    Struct {
        name: t.name.as_str().to_owned(),
        doc: t.doc.trim().to_owned(),
        envelope: t.envelope,
        document: t.document,
        request_state: t.request_state,
        notes: notes(&t.source, &t.note),
        fields,
    }
}

fn build_method(b: &mut Builder, m: &model::Method, examples_dir: &Path) -> Option<Method> {
    let wire = m.name.as_str().to_owned();
    if !is_identifier(&wire) {
        b.err(m.name.span(), format!("method name `{wire}` is not an identifier"));
    }
    if !m.path.as_str().starts_with('/') || m.path.as_str().contains(char::is_whitespace) {
        b.err(
            m.path.span(),
            format!("path `{}` must start with `/` and hold no spaces", m.path.as_str()),
        );
    }
    let auth = match m.auth.as_str() {
        "none" => Auth::None,
        "user_token" => Auth::UserToken,
        "certificate" => Auth::Certificate,
        other => {
            b.err(
                m.auth.span(),
                format!("auth must be `none`, `user_token` or `certificate`, not `{other}`"),
            );
            Auth::None
        }
    };
    let effect = match m.effect.as_str() {
        "read" => Effect::Read,
        "write" => Effect::Write,
        "money" => Effect::Money,
        other => {
            b.err(
                m.effect.span(),
                format!("effect must be `read`, `write` or `money`, not `{other}`"),
            );
            Effect::Write
        }
    };
    // Parameters.
    let mut params: Vec<Param> = Vec::new();
    let mut seen = BTreeMap::new();
    for p in &m.params {
        let wire = p.name.as_str().to_owned();
        if !is_identifier(&wire) {
            b.err(p.name.span(), format!("parameter name `{wire}` is not an identifier"));
        }
        if seen.insert(wire.to_lowercase(), ()).is_some() {
            b.err(
                p.name.span(),
                format!("duplicate parameter `{wire}` in `{}`", m.name.as_str()),
            );
        }
        let Some(ty) = b.ty(&p.ty) else { continue };
        if matches!(ty, Ty::List(_) | Ty::TypedText | Ty::Result | Ty::Json(_)) {
            b.err(
                p.ty.span(),
                format!("type `{}` cannot be a request parameter", ty.spec_name()),
            );
            continue;
        }
        if let Ty::Struct(_, n) = &ty {
            if b.names.get(n).is_some_and(|n| n.kind != Kind::Document) {
                b.err(
                    p.ty.span(),
                    format!("`{n}` is not a document type (`document: true`) and cannot be sent"),
                );
            }
        }
        let from_session = match p.from.as_ref().map(|s| (s, s.as_str())) {
            None => false,
            Some((_, "session")) => true,
            Some((s, other)) => {
                b.err(s.span(), format!("from must be `session`, not `{other}`"));
                false
            }
        };
        if p.required && p.required_when.is_some() {
            b.err(
                p.name.span(),
                "a parameter cannot be both `required` and `required_when`",
            );
        }
        let encoding = b.encoding(p.encoding.as_ref(), &ty, false);
        if let (Some(min), Some(max)) = (p.min_len, p.max_len) {
            if min > max {
                b.err(p.name.span(), format!("min_len {min} is above max_len {max}"));
            }
        }
        let limit_fits = |ok: bool, b: &mut Builder, what: &str| {
            if !ok {
                b.err(
                    p.name.span(),
                    format!("limit `{what}` does not apply to type `{}`", ty.spec_name()),
                );
            }
        };
        if p.min_len.is_some() || p.max_len.is_some() {
            limit_fits(matches!(ty, Ty::String | Ty::Decimal), b, "min_len/max_len");
        }
        if p.min.is_some() {
            limit_fits(matches!(ty.wire(), Ty::Int | Ty::Long), b, "min");
        }
        if p.positive || p.max_digits.is_some() {
            limit_fits(matches!(ty, Ty::Decimal), b, "positive/max_digits");
        }
        let secret = b.secret(&p.secret);
        let rust = rust_name(b, p.rust.as_ref(), &wire);
        let rust_alias = p.rust_alias.as_ref().map(|a| rust_name(b, Some(a), &wire));
        if p.rust_alias.is_some() && p.required {
            b.err(
                p.name.span(),
                "rust_alias keeps a setter: a required parameter has none",
            );
        }
        params.push(Param {
            rust,
            rust_alias,
            wire,
            ty,
            required: if p.required { Required::Always } else { Required::No },
            from_session,
            encoding,
            secret,
            limits: Limits {
                min_len: p.min_len,
                max_len: p.max_len,
                min: p.min,
                positive: p.positive,
                max_digits: p.max_digits,
            },
            doc: p.doc.trim().to_owned(),
            notes: notes(&p.source, &p.note),
        });
    }
    if b.lints == Lints::On {
        check_swappable(b, m, &params);
    }
    // A parameter whose own entry was wrong (already reported) is still declared: naming it
    // elsewhere is no second error.
    let declared = |name: &str| m.params.iter().any(|p| p.name.as_str().eq_ignore_ascii_case(name));
    // Conditional requirements name other parameters (and their enum values).
    for p in &m.params {
        let Some(rw) = &p.required_when else { continue };
        let Some(other) = params.iter().find(|q| q.wire == rw.param.as_str()) else {
            if declared(rw.param.as_str()) {
                continue;
            }
            b.err(
                rw.param.span(),
                format!(
                    "required_when names `{}`, which is not a parameter of `{}`",
                    rw.param.as_str(),
                    m.name.as_str()
                ),
            );
            continue;
        };
        if other.wire == p.name.as_str() {
            b.err(rw.param.span(), "a parameter cannot be required when itself is given");
            continue;
        }
        let (other_rust, other_wire, other_ty) = (other.rust.clone(), other.wire.clone(), other.ty.clone());
        let mut values = Vec::new();
        let mut enum_path = None;
        for v in &rw.is {
            match &other_ty {
                Ty::Enum(module, name) => {
                    if !b.names[name].values.iter().any(|x| x == v.as_str()) {
                        b.err(v.span(), format!("`{}` is not a value of enum `{name}`", v.as_str()));
                    }
                    values.push(v.as_str().to_upper_camel_case());
                    enum_path = Some(format!("{module}::{name}"));
                }
                _ => b.err(v.span(), format!("`is` needs `{}` to be an enum", other_wire)),
            }
        }
        if let Some(target) = params.iter_mut().find(|q| q.wire == p.name.as_str()) {
            target.required = Required::When {
                rust: other_rust,
                wire: other_wire,
                values,
                enum_path,
            };
        }
    }
    for p in &params {
        if p.from_session && p.wire != "UserToken" {
            b.err(
                m.name.span(),
                format!("only UserToken can come from the session, not `{}`", p.wire),
            );
        }
    }
    let has_token = params.iter().any(|p| p.from_session);
    if auth == Auth::UserToken && !has_token {
        b.err(
            m.auth.span(),
            "auth `user_token` needs a `UserToken` parameter with `from: session`",
        );
    }
    // Sign template.
    let sign = m.sign.as_ref().and_then(|s| build_sign(b, s, &params, &declared));
    // Result.
    let result = match m.result.as_str() {
        "bool" => Some(Ty::Bool),
        _ => b.ty(&m.result),
    };
    if let Some(Ty::Struct(_, n)) = &result {
        if b.names.get(n).is_some_and(|n| n.kind != Kind::Struct) {
            b.err(
                m.result.span(),
                format!("result `{n}` must be a response type (not a document or the envelope)"),
            );
        }
    }
    let pagination = m.pagination.as_ref().and_then(|pg| {
        let find = |b: &mut Builder, s: &S| -> Option<String> {
            match params.iter().find(|p| p.wire == s.as_str()) {
                Some(p) if matches!(p.ty.wire(), Ty::Int | Ty::Long) => Some(p.rust.clone()),
                None if declared(s.as_str()) => None,
                _ => {
                    b.err(
                        s.span(),
                        format!("pagination names `{}`, which is not an integer parameter", s.as_str()),
                    );
                    None
                }
            }
        };
        let skip = find(b, &pg.skip)?;
        let take = find(b, &pg.take)?;
        Some(Pagination {
            skip,
            take,
            items: pg.items.as_str().to_owned(),
        })
    });
    // Examples.
    let mut examples = Vec::new();
    for e in &m.examples {
        for f in [&e.request, &e.xml, &e.json].into_iter().flatten() {
            if !examples_dir.join(f.as_str()).is_file() {
                b.err(
                    f.span(),
                    format!("example file `{}` does not exist under spec/examples/", f.as_str()),
                );
            }
        }
        let original = e.original.as_str();
        let has = match original {
            "xml" => e.xml.is_some(),
            "json" => e.json.is_some(),
            _ => {
                b.err(
                    e.original.span(),
                    format!("original must be `xml` or `json`, not `{original}`"),
                );
                true
            }
        };
        if !has {
            b.err(
                e.original.span(),
                format!("original is `{original}`, but the example has no {original} file"),
            );
        }
        let read = |f: &Option<S>| {
            f.as_ref()
                .and_then(|f| std::fs::read_to_string(examples_dir.join(f.as_str())).ok())
        };
        examples.push(Example {
            xml_text: read(&e.xml),
            json_text: read(&e.json),
            request: e.request.as_ref().map(|s| s.as_str().to_owned()),
            xml: e.xml.as_ref().map(|s| s.as_str().to_owned()),
            json: e.json.as_ref().map(|s| s.as_str().to_owned()),
            original: original.to_owned(),
            bare: e.bare,
            note: e.note.clone(),
        });
    }
    let result = result?;
    Some(Method {
        rust: wire.to_upper_camel_case(),
        wire,
        path: m.path.as_str().to_owned(),
        doc: m.doc.trim().to_owned(),
        deprecated: m.deprecated.clone(),
        notes: notes(&m.source, &m.note),
        auth,
        effect,
        sign,
        params,
        result,
        pagination,
        examples,
    })
}

/// The request `Content-Type` and the response formats of an API file (both needed when it has
/// methods).
fn build_transport(b: &mut Builder, spec: &model::SpecFile) -> (String, Vec<ResponseFormat>) {
    let has_methods = !spec.methods.is_empty();
    let content_type = match &spec.content_type {
        Some(c) => c.as_str().to_owned(),
        None => {
            if has_methods {
                b.err(spec.api.span(), "an API with methods needs `content_type`");
            }
            String::new()
        }
    };
    let mut responses: Vec<ResponseFormat> = Vec::new();
    for r in &spec.responses {
        let format = match r.format.as_str() {
            "xml" => Format::Xml,
            "json" => Format::Json,
            other => {
                b.err(
                    r.format.span(),
                    format!("format must be `xml` or `json`, not `{other}`"),
                );
                continue;
            }
        };
        if responses.iter().any(|x| x.format == format) {
            b.err(
                r.format.span(),
                format!("duplicate response format `{}`", r.format.as_str()),
            );
            continue;
        }
        responses.push(ResponseFormat {
            format,
            accept: r.accept.as_ref().map(|a| a.as_str().to_owned()),
        });
    }
    if has_methods && responses.is_empty() {
        b.err(
            spec.api.span(),
            "an API with methods needs `responses` (the formats it answers in)",
        );
    }
    (content_type, responses)
}

fn build_notification(b: &mut Builder, n: &model::NotificationDef) -> Option<Notification> {
    if !matches!(n.charset.as_str(), "windows-1251" | "utf-8") {
        b.err(
            n.charset.span(),
            format!(
                "charset must be `windows-1251` or `utf-8`, not `{}`",
                n.charset.as_str()
            ),
        );
    }
    if n.hash.algorithm.as_str() != "md5" {
        b.err(
            n.hash.algorithm.span(),
            format!("the only hash algorithm is `md5`, not `{}`", n.hash.algorithm.as_str()),
        );
    }
    if b.names.contains_key(n.name.as_str()) {
        b.err(
            n.name.span(),
            format!("`{}` is already the name of a type or enum", n.name.as_str()),
        );
    }
    let mut fields = Vec::new();
    let mut seen = BTreeSet::new();
    for f in &n.fields {
        if !seen.insert(f.name.as_str().to_owned()) {
            b.err(f.name.span(), format!("duplicate field `{}`", f.name.as_str()));
        }
        let Some(ty) = b.ty(&f.ty) else { continue };
        if !matches!(
            ty.wire(),
            Ty::String | Ty::Int | Ty::Long | Ty::Decimal | Ty::DateTime | Ty::Enum(..)
        ) {
            b.err(
                f.ty.span(),
                format!("a notification field cannot be of type `{}`", ty.spec_name()),
            );
        }
        fields.push(NotificationField {
            wire: f.name.as_str().to_owned(),
            rust: field_name(f.name.as_str()),
            ty,
            doc: f.doc.trim().to_owned(),
            notes: notes(&f.source, &f.note),
        });
    }
    let known = |name: &str| n.fields.iter().any(|f| f.name.as_str() == name);
    if !known(n.hash.field.as_str()) {
        b.err(
            n.hash.field.span(),
            format!("hash field `{}` is not a field", n.hash.field.as_str()),
        );
    }
    for o in &n.hash.order {
        if !known(o.as_str()) {
            b.err(
                o.span(),
                format!("hash order names `{}`, which is not a field", o.as_str()),
            );
        }
    }
    if !n.hash.order.iter().any(|o| o.as_str() == n.hash.secret.as_str()) {
        b.err(
            n.hash.secret.span(),
            format!("the secret slot `{}` is not in the hash order", n.hash.secret.as_str()),
        );
    }
    let mut all_notes = notes(&n.source, &n.note);
    if let Some(h) = &n.hash.note {
        all_notes.push(format!("Note: {h}"));
    }
    Some(Notification {
        name: n.name.as_str().to_owned(),
        doc: n.doc.trim().to_owned(),
        notes: all_notes,
        charset: n.charset.as_str().to_owned(),
        answer: n.answer.clone(),
        hash_field: n.hash.field.as_str().to_owned(),
        order: n.hash.order.iter().map(|o| o.as_str().to_owned()).collect(),
        secret: n.hash.secret.as_str().to_owned(),
        fields,
    })
}

fn build_sign(
    b: &mut Builder,
    s: &model::Sign,
    params: &[Param],
    declared: &dyn Fn(&str) -> bool,
) -> Option<SignTemplate> {
    let text = s.template.as_str();
    let parts: Vec<&str> = text.split("::").collect();
    let mut slots = Vec::new();
    let absent: Vec<&str> = s.absent.iter().map(|a| a.as_str()).collect();
    for a in &s.absent {
        if params.iter().any(|p| p.wire.eq_ignore_ascii_case(a.as_str())) {
            b.err(
                a.span(),
                format!(
                    "`{}` is a parameter; `absent` lists only template names that are not",
                    a.as_str()
                ),
            );
        }
        if !parts.iter().any(|p| p.eq_ignore_ascii_case(a.as_str())) {
            b.err(a.span(), format!("`{}` is not in the template", a.as_str()));
        }
    }
    let mut ok = true;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if *part == "signSecretKey" {
            if !last {
                b.err(
                    s.template.span(),
                    "`signSecretKey` must be the last slot of a Sign template",
                );
                ok = false;
            }
            slots.push(Slot::Secret);
        } else if last {
            b.err(
                s.template.span(),
                format!("a Sign template must end with `::signSecretKey`, not `{part}`"),
            );
            ok = false;
        } else if part.is_empty() || absent.iter().any(|a| a.eq_ignore_ascii_case(part)) {
            slots.push(Slot::Empty);
        } else if let Some(p) = params.iter().find(|p| p.wire.eq_ignore_ascii_case(part)) {
            slots.push(Slot::Param(p.wire.clone()));
        } else if declared(part) {
            ok = false;
        } else {
            b.err(
                s.template.span(),
                format!("Sign slot `{part}` names no parameter (list it under `absent` if it is always empty)"),
            );
            ok = false;
        }
    }
    for v in &s.variants {
        if !v.template.as_str().ends_with("::signSecretKey") {
            b.err(v.template.span(), "a Sign template must end with `::signSecretKey`");
        }
    }
    ok.then(|| SignTemplate {
        text: text.to_owned(),
        slots,
        source: s.source.clone(),
        variants: s
            .variants
            .iter()
            .map(|v| {
                format!(
                    "{} ({})",
                    v.template.as_str(),
                    v.source.as_deref().unwrap_or("unsourced")
                )
            })
            .collect(),
        note: s.note.clone(),
    })
}

/// Fields that hold a notification's form body name a notification of some API, and are text.
fn resolve_notifications(b: &mut Builder, loaded: &[Loaded], apis: &mut [Api]) {
    let known: BTreeMap<String, String> = apis
        .iter()
        .filter_map(|a| a.notification.as_ref().map(|n| (n.name.clone(), a.module.clone())))
        .collect();
    let spans: Vec<&model::Field> = loaded
        .iter()
        .flat_map(|l| l.spec.types.iter())
        .flat_map(|t| t.fields.iter())
        .filter(|f| f.notification.is_some())
        .collect();
    for f in spans {
        let (Some(n), ty) = (&f.notification, f.ty.as_str()) else {
            continue;
        };
        if !known.contains_key(n.as_str()) {
            b.err(n.span(), format!("`{}` is not the name of a notification", n.as_str()));
        }
        if ty != "string" {
            b.err(n.span(), "`notification` needs a field of type `string`");
        }
    }
    for api in apis.iter_mut() {
        for t in api.types.iter_mut() {
            for f in t.fields.iter_mut() {
                if let Some((module, name)) = &mut f.notification {
                    match known.get(name.as_str()) {
                        Some(m) if f.ty == Ty::String => *module = m.clone(),
                        _ => f.notification = None,
                    }
                }
            }
        }
    }
}

fn check_results(b: &mut Builder, loaded: &[Loaded], apis: &[Api]) {
    let structs: BTreeMap<&str, &Struct> = apis
        .iter()
        .flat_map(|a| a.types.iter())
        .map(|s| (s.name.as_str(), s))
        .collect();
    let marked: Vec<&S> = loaded
        .iter()
        .flat_map(|l| l.spec.types.iter())
        .filter(|t| t.request_state)
        .map(|t| &t.name)
        .collect();
    for extra in marked.iter().skip(1) {
        b.err(extra.span(), "only one type can have `request_state: true`");
    }
    if marked.is_empty() && loaded.iter().any(|l| !l.spec.methods.is_empty()) {
        b.err(
            loaded[0].spec.api.span(),
            "no type has `request_state: true`: the client cannot read `Result.State`",
        );
    }
    if !structs.values().any(|s| s.envelope) && !loaded.is_empty() {
        let first = &loaded[0].spec.api;
        b.err(
            first.span(),
            "no type has `envelope: true`: the response envelope is missing",
        );
    }
    for l in loaded {
        for m in &l.spec.methods {
            let Some(pg) = &m.pagination else { continue };
            let Some(result) = structs.get(m.result.as_str()) else {
                continue;
            };
            match result.fields.iter().find(|f| f.wire == pg.items.as_str()) {
                Some(f) if matches!(f.ty, Ty::List(_)) => {}
                _ => b.err(
                    pg.items.span(),
                    format!(
                        "pagination items `{}` is not a list field of `{}`",
                        pg.items.as_str(),
                        result.name
                    ),
                ),
            }
        }
    }
}
