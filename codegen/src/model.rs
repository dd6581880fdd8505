//! The spec as written: serde structs read from YAML, with the source span of every node that a
//! validation message may need to point at. Nothing here is checked beyond its YAML shape; the
//! meaning is checked while building the IR (`ir.rs`).

use marked_yaml::Spanned;
use serde::Deserialize;

/// A spanned string, the common currency of the model.
pub type S = Spanned<String>;

/// One `spec/*.yaml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub api: S,
    pub title: String,
    pub source: Option<String>,
    pub body: Option<S>,
    pub content_type: Option<S>,
    #[serde(default)]
    pub responses: Vec<ResponseFormat>,
    /// Published versions of the API that sign some methods differently (spec/README.md).
    #[serde(default)]
    pub versions: Vec<VersionDef>,
    #[serde(default)]
    pub methods: Vec<Method>,
    #[serde(default)]
    pub types: Vec<TypeDef>,
    #[serde(default)]
    pub enums: Vec<EnumDef>,
    #[serde(default)]
    pub ids: Vec<IdDef>,
    pub notification: Option<NotificationDef>,
    pub wiki: Option<WikiDef>,
}

/// One published version of an API.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionDef {
    pub name: S,
    pub doc: String,
    /// The version a client and a mock use unless told otherwise (exactly one).
    #[serde(default)]
    pub default: bool,
    /// Why the default is the default.
    pub reason: Option<String>,
    pub source: Option<String>,
}

/// What the audit of saved wiki pages needs to know from this file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WikiDef {
    /// The pages (file names, as saved) this file was written from.
    pub pages: Vec<S>,
    /// Names on those pages that are not names of the API, with why.
    #[serde(default)]
    pub words: Vec<WikiWords>,
    /// Names as the pages write them, for names the spec writes otherwise (misprints, OCR
    /// damage, the wiki's own names of types), with why.
    #[serde(default)]
    pub page_names: Vec<WikiMisprint>,
}

/// Words of a page that are not API names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WikiWords {
    pub names: Vec<S>,
    pub reason: String,
}

/// A name as a page misspells it, and the spec's name it stands for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WikiMisprint {
    pub page: S,
    pub spec: S,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationDef {
    pub name: S,
    pub doc: String,
    pub source: Option<String>,
    pub note: Option<String>,
    pub charset: S,
    pub answer: String,
    pub hash: NotificationHash,
    pub fields: Vec<NotificationField>,
    #[serde(default)]
    pub numbered: Vec<NumberedField>,
    pub events: Option<NotificationEvents>,
}

/// What a receiver hands on: one event per invoice and state, in the order states happen.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationEvents {
    /// The hashed fields that name an invoice, together.
    pub invoice: Vec<S>,
    /// The hashed field that carries the invoice's state (an enum).
    pub state: S,
    /// Every value of that enum, in the order an invoice goes through them.
    pub order: Vec<S>,
    pub note: Option<String>,
    pub source: Option<String>,
}

/// Fields with a running number in their name (`UserField_{n}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberedField {
    pub name: S,
    pub rust: S,
    pub doc: String,
    pub source: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationHash {
    pub field: S,
    pub secret: S,
    pub algorithm: S,
    pub order: Vec<S>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationField {
    pub name: S,
    #[serde(rename = "type")]
    pub ty: S,
    /// `true`: a secret (a text field only): `Secret`, never in `Debug`.
    pub secret: Option<S>,
    pub doc: String,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// One API method.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseFormat {
    pub format: S,
    pub accept: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    pub name: S,
    pub path: S,
    pub doc: String,
    pub auth: S,
    pub effect: S,
    pub deprecated: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    /// The version of the API the method belongs to (absent: every version).
    pub version: Option<S>,
    pub sign: Option<Sign>,
    pub pagination: Option<Pagination>,
    #[serde(default)]
    pub params: Vec<Param>,
    pub result: S,
    #[serde(default)]
    pub examples: Vec<Example>,
    /// What the method is to the runtime (`token`, `payout_create`, …; spec/README.md).
    pub role: Option<S>,
}

/// The `Sign` header template of a method.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sign {
    pub template: S,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub absent: Vec<S>,
    /// Parameters sent but not signed (the template has no slot for them).
    #[serde(default)]
    pub unsigned: Vec<S>,
    pub source: Option<String>,
    pub note: Option<String>,
    /// The version of the API that signs with `template` (absent: every version without a
    /// variant of its own).
    pub version: Option<S>,
    #[serde(default)]
    pub variants: Vec<SignVariant>,
}

/// Another published template of the same method: the one a version signs with (`version`), or
/// kept for the record.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignVariant {
    pub template: S,
    pub source: Option<String>,
    pub version: Option<S>,
    pub note: Option<String>,
}

/// Which parameters page through a list, and which result field holds the items.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    pub skip: S,
    pub take: S,
    pub items: S,
    /// The item field that tells records apart (the mock numbers the records of a data set by it).
    pub key: Option<S>,
}

/// One request parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: S,
    pub rust: Option<S>,
    pub rust_alias: Option<S>,
    #[serde(rename = "type")]
    pub ty: S,
    #[serde(default)]
    pub required: bool,
    pub required_when: Option<RequiredWhen>,
    pub from: Option<S>,
    pub encoding: Option<S>,
    pub secret: Option<S>,
    /// Personal data of a recipient (a phone, a wallet): removed from shown texts like a secret.
    #[serde(default)]
    pub personal: bool,
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub min: Option<i64>,
    #[serde(default)]
    pub positive: bool,
    pub max_digits: Option<u32>,
    #[serde(default)]
    pub lengths: Vec<u32>,
    pub max_places: Option<u32>,
    /// What the parameter is to the runtime (`payout_amount`, `payout_currency`; spec/README.md).
    pub role: Option<S>,
    pub doc: String,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// A condition under which an optional parameter becomes required.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredWhen {
    pub param: S,
    #[serde(default)]
    pub is: Vec<S>,
}

/// One wiki example of a method: request and response files, relative to `spec/examples/`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub request: Option<S>,
    pub xml: Option<S>,
    pub json: Option<S>,
    pub original: S,
    #[serde(default)]
    pub bare: bool,
    pub note: Option<String>,
}

/// A structure: a response type, the envelope, or a JSON document sent inside a form field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    pub name: S,
    pub doc: String,
    #[serde(default)]
    pub envelope: bool,
    #[serde(default)]
    pub document: bool,
    #[serde(default)]
    pub request_state: bool,
    pub source: Option<String>,
    pub note: Option<String>,
    pub fields: Vec<Field>,
}

/// A field of a structure.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: S,
    pub rust: Option<S>,
    #[serde(rename = "type")]
    pub ty: S,
    pub item: Option<S>,
    #[serde(default)]
    pub required: bool,
    pub encoding: Option<S>,
    pub secret: Option<S>,
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    #[serde(default)]
    pub lengths: Vec<u32>,
    pub max_places: Option<u32>,
    #[serde(default)]
    pub aliases: Vec<S>,
    pub notification: Option<S>,
    /// What the field is to the runtime (`service_code`, `operation_id`, …; spec/README.md).
    pub role: Option<S>,
    /// A value the wiki says to ignore: one that does not parse reads as none (spec/README.md).
    #[serde(default)]
    pub lenient: bool,
    pub doc: String,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// An identifier type: a number or text of its own Rust type, so that two of them cannot be
/// swapped in `new(..)`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdDef {
    pub name: S,
    #[serde(rename = "type")]
    pub ty: S,
    pub doc: String,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// An enumeration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    pub name: S,
    pub doc: String,
    pub wire: Option<S>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub values: Vec<EnumValue>,
}

/// One value of an enumeration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub name: S,
    pub code: Option<Spanned<i64>>,
    #[serde(default, rename = "final")]
    pub is_final: bool,
    /// What the value means to the runtime (`processed`, `payout_completed`, …; spec/README.md).
    pub role: Option<S>,
    /// The words the API sends with the value (a code's `Desc`), as the wiki lists them.
    pub text: Option<String>,
    pub doc: String,
    pub source: Option<String>,
    pub note: Option<String>,
}
