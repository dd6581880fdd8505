//! The builder every stage shares: declared names, type and encoding resolution, messages.

use super::*;
use crate::diag::Diagnostic;
use crate::load::Files;
use crate::model::S;
use heck::ToSnakeCase;

pub(super) fn notes(source: &Option<String>, note: &Option<String>) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(s) = source {
        v.push(format!("Source: {s}."));
    }
    if let Some(n) = note {
        v.push(format!("Note: {n}"));
    }
    v
}

pub(super) const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust field name for a wire name: snake case, `r#` is avoided by appending `_`.
pub(super) fn field_name(wire: &str) -> String {
    let s = wire.to_snake_case();
    if RUST_KEYWORDS.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The Rust name of a field or parameter: its `rust:` key (checked), or the wire name's snake case.
pub(super) fn rust_name(b: &mut Builder, given: Option<&S>, wire: &str) -> String {
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

pub(super) struct Builder<'a> {
    pub(super) files: &'a Files,
    pub(super) lints: Lints,
    pub(super) diags: Vec<Diagnostic>,
    /// Every named type: name -> (module, is_enum, is_document, has codes for every value).
    pub(super) names: BTreeMap<String, Named>,
}

#[derive(Clone)]
pub(super) struct Named {
    pub(super) module: String,
    /// What an identifier type wraps.
    pub(super) inner: Option<Ty>,
    pub(super) kind: Kind,
    pub(super) all_codes: bool,
    pub(super) values: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Enum,
    Struct,
    Document,
    Envelope,
    Id,
}

impl Builder<'_> {
    pub(super) fn err(&mut self, s: &marked_yaml::Span, msg: impl Into<String>) {
        self.diags.push(self.files.at(s, msg));
    }

    /// Resolves a type expression; `context` says what is being typed, for messages.
    pub(super) fn ty(&mut self, s: &S) -> Option<Ty> {
        self.ty_text(s, s.as_str().trim())
    }

    pub(super) fn ty_text(&mut self, s: &S, text: &str) -> Option<Ty> {
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

    pub(super) fn closest(&self, name: &str) -> Option<String> {
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
    pub(super) fn encoding(&mut self, s: Option<&S>, ty: &Ty, document: bool) -> Encoding {
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

    pub(super) fn secret(&mut self, s: &Option<S>) -> Secret {
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

/// The lint on limits: a limit the client checks before sending refuses requests, so it must be
/// the wiki's (its numbers repeated in the entry's `doc`, as the wiki words it: `at most 100
/// characters`, `10 or 12 characters`) or say where it comes from (`source:`) or why it is safe
/// (`note:`). `numbers` are the limit's numbers as text; a `positive` limit counts as `0`.
pub(super) fn lint_limit_source(
    b: &mut Builder,
    name: &S,
    doc: &str,
    source: &Option<String>,
    note: &Option<String>,
    numbers: &[String],
) {
    if numbers.is_empty() || source.is_some() || note.is_some() {
        return;
    }
    let words: Vec<&str> = doc
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .collect();
    let missing: Vec<&String> = numbers.iter().filter(|n| !words.contains(&n.as_str())).collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        b.err(
            name.span(),
            format!(
                "limit {} of `{}` is neither in its doc (the wiki's words) nor explained by `source:` or `note:`",
                shown.join(", "),
                name.as_str()
            ),
        );
    }
}
