//! The validated model: names decided, types resolved, wire encodings fixed. Emitters read only
//! this. Building it checks the whole spec and reports every problem at once.
//!
//! Stages, one file each: `builder` (names, types and encodings resolved, the checks they share),
//! `build` (the whole spec, file by file), `shapes` (structures, enums, id types), `method`
//! (methods, their parameters and `Sign` templates), `notification` (the Result-URL form).

mod build;
mod builder;
mod method;
mod notification;
mod roles;
mod shapes;
mod versions;

pub(crate) use build::build;
pub use builder::Lints;
use std::collections::BTreeMap;
pub use versions::VERSION_TYPE;

/// The whole API.
#[derive(Debug)]
pub struct Ir {
    /// One entry per spec file, sorted by module name.
    pub apis: Vec<Api>,
    /// What the runtime reads of the API (the spec's `role:` keys).
    pub roles: Roles,
}

impl Ir {
    /// The structure `name` of the API `module`.
    pub fn structure(&self, module: &str, name: &str) -> Option<&Struct> {
        self.apis
            .iter()
            .filter(|a| a.module == module)
            .flat_map(|a| &a.types)
            .find(|s| s.name == name)
    }
}

/// What the hand-written runtime reads of the API, as the spec's `role:` keys say.
#[derive(Debug, Default)]
pub struct Roles {
    /// The envelope's code, text, ids and result.
    pub envelope: Option<EnvelopeRoles>,
    /// `Result.State`: its code and text.
    pub request: Option<RequestRoles>,
    /// The method that gets a session token.
    pub token: Option<TokenRoles>,
    /// The methods of the payout flow.
    pub payout: Option<PayoutRoles>,
}

/// The envelope (`envelope: true`) and the roles of its fields.
#[derive(Debug)]
pub struct EnvelopeRoles {
    /// Module of the envelope type.
    pub module: String,
    /// The envelope type (also the XML root element).
    pub name: String,
    /// Rust field path to the code (`operation_state.code`), required all the way.
    pub code: Vec<String>,
    /// The code's enum (module, name).
    pub code_enum: (String, String),
    /// Rust field path to the code's optional text.
    pub desc: Option<Vec<String>>,
    /// Rust field of the optional operation id.
    pub operation_id: Option<String>,
    /// Rust field of the optional shop id, and its type.
    pub eshop_id: Option<(String, Ty)>,
    /// Rust field of the result.
    pub result: String,
    /// Code values with a meaning (variant wire name, `Meaning` variant).
    pub meanings: Vec<(String, String)>,
}

/// `Result.State` (`request_state: true`) and the roles of its fields.
#[derive(Debug)]
pub struct RequestRoles {
    /// Module of the type.
    pub module: String,
    /// The type.
    pub name: String,
    /// Rust field of the code.
    pub code: String,
    /// The code's enum (module, name).
    pub code_enum: (String, String),
    /// Rust field of the optional text.
    pub desc: Option<String>,
    /// Code values with a meaning (variant wire name, `Meaning` variant).
    pub meanings: Vec<(String, String)>,
}

/// The method that gets a session token with a login and a password.
#[derive(Debug)]
pub struct TokenRoles {
    /// Module of the method.
    pub module: String,
    /// Request type.
    pub method: String,
    /// Rust field of the token in its result.
    pub field: String,
}

/// The payout flow's methods.
#[derive(Debug)]
pub struct PayoutRoles {
    /// Methods that create a payout.
    pub creates: Vec<PayoutCreate>,
    /// The method that executes one.
    pub execute: (String, String),
    /// The method that looks one up.
    pub poll: (String, String),
    /// The method that deletes a created one (the fence of an execution in doubt).
    pub delete: (String, String),
    /// What their answers hold.
    pub progress: PayoutProgress,
    /// Final states and their fates (variant wire name, `Fate` variant).
    pub fates: Vec<(String, String)>,
    /// The state of a payout just created (wire name).
    pub created: String,
    /// The state of a payout executed and not final yet (wire name).
    pub in_process: String,
}

/// A method that creates a payout, and the parameters that say how much it pays.
#[derive(Debug)]
pub struct PayoutCreate {
    /// Its module and request type.
    pub method: (String, String),
    /// The Rust field of its amount (`payout_amount`, a required decimal).
    pub amount: String,
    /// The Rust field of its currency (`payout_currency`, a required enum or text).
    pub currency: String,
    /// Whether the currency is text (not an enum).
    pub currency_text: bool,
}

/// The result type of the payout methods and its fields with roles.
#[derive(Debug)]
pub struct PayoutProgress {
    /// Module of the type.
    pub module: String,
    /// The type.
    pub name: String,
    /// Rust field of the optional operation id.
    pub operation_id: String,
    /// Rust field of the optional state.
    pub state: String,
    /// The state's enum (module, name).
    pub state_enum: (String, String),
    /// Rust field of the optional error message.
    pub error: Option<String>,
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
    /// Published versions that sign some methods differently (empty: one version).
    pub versions: Vec<Version>,
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

/// A published version of an API.
#[derive(Debug)]
pub struct Version {
    /// Name in the spec (`portal`).
    pub name: String,
    /// Variant name (`Portal`).
    pub rust: String,
    /// Description.
    pub doc: String,
    /// Notes: why it is the default, where it comes from.
    pub notes: Vec<String>,
    /// The one a client and a mock use unless told otherwise.
    pub default: bool,
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
    /// Fields with a running number in their name.
    pub numbered: Vec<NumberedField>,
    /// What a receiver hands on, when the spec says.
    pub events: Option<NotificationEvents>,
}

/// A notification's events: the invoice it names, and its state's place in the order states
/// happen.
#[derive(Debug)]
pub struct NotificationEvents {
    /// Rust names of the hashed fields that name the invoice, in order.
    pub invoice: Vec<String>,
    /// Rust name of the state field.
    pub state: String,
    /// Its enum's name.
    pub state_enum: String,
    /// The enum's value names, in the order states happen.
    pub order: Vec<String>,
    /// Notes and sources.
    pub notes: Vec<String>,
}

/// Text fields whose names carry a running number (`UserField_1`, `UserField_2`, …), read into a
/// map from the number to the value.
#[derive(Debug)]
pub struct NumberedField {
    /// The name before the number (`UserField_`).
    pub prefix: String,
    /// The name after the number (usually empty).
    pub suffix: String,
    /// The pattern as the spec writes it (`UserField_{n}`).
    pub pattern: String,
    /// Rust name of the map.
    pub rust: String,
    /// Description.
    pub doc: String,
    /// Notes and sources.
    pub notes: Vec<String>,
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
    /// Whether it is secret (a text field only).
    pub secret: Secret,
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
    /// The version of its API the method belongs to (`None`: every version).
    pub version: Option<String>,
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
    /// The version that signs with it (`None`: every version without a template of its own).
    pub version: Option<String>,
    /// The templates of the other versions.
    pub versioned: Vec<VersionedSign>,
    /// Other published templates, kept for the record (`template (source)`).
    pub variants: Vec<String>,
    /// A note on the template.
    pub note: Option<String>,
    /// The server refuses the method without `Sign` and `Authorization`: the client refuses to
    /// send it without the secrets, and the mock refuses it unsigned.
    pub required: bool,
}

/// The template one version signs a method with.
#[derive(Debug)]
pub struct VersionedSign {
    /// The version.
    pub version: String,
    /// The template as written.
    pub text: String,
    /// Its slots.
    pub slots: Vec<Slot>,
    /// Where it comes from.
    pub source: Option<String>,
    /// A note on it.
    pub note: Option<String>,
}

impl SignTemplate {
    /// Every template with the version that signs with it, the main one first.
    pub fn by_version(&self) -> Vec<(Option<&str>, &str, &[Slot])> {
        std::iter::once((self.version.as_deref(), self.text.as_str(), self.slots.as_slice()))
            .chain(
                self.versioned
                    .iter()
                    .map(|v| (Some(v.version.as_str()), v.text.as_str(), v.slots.as_slice())),
            )
            .collect()
    }
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
    /// Wire names of the skip and take parameters.
    pub wire: (String, String),
    /// The item field that tells records apart, when the spec names it.
    pub key: Option<String>,
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
    /// Whether it is a recipient's personal data: sent and journaled as given, removed from
    /// every text the client shows about a call that carried it.
    pub personal: bool,
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
    /// The only lengths in characters a text may have (`10 or 12`).
    pub lengths: Vec<u32>,
    /// At most this many places after the dot.
    pub max_places: Option<u32>,
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
    /// Other wire names the field is read under (a spelling the server is known to send).
    pub aliases: Vec<String>,
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
    /// A value the wiki says to ignore: one that does not parse reads as `None`, never failing
    /// the answer (optional scalars of answers only).
    pub lenient: bool,
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
    /// The words the API sends with the value (the spec's `text`), when the wiki gives them.
    pub text: Option<String>,
    /// Description.
    pub doc: String,
    /// Notes and sources.
    pub notes: Vec<String>,
}
