//! Versions of an API (`versions:`): which methods each has and which `Sign` template each signs
//! a method with. A client is set to one version, so that one flow never mixes two.

use super::builder::*;
use super::*;
use crate::model::{self, S};
use heck::ToUpperCamelCase;

/// The name of the generated enum of an API's versions.
pub const VERSION_TYPE: &str = "Version";

/// The versions of an API file: lower-case names, unique, exactly one default with its reason.
pub(super) fn build_versions(b: &mut Builder, spec: &model::SpecFile) -> Vec<Version> {
    let mut out: Vec<Version> = Vec::new();
    for v in &spec.versions {
        let name = v.name.as_str();
        if !is_identifier(name) || name.to_lowercase() != name {
            b.err(
                v.name.span(),
                format!("version name `{name}` must be a lower-case identifier"),
            );
        }
        if out.iter().any(|o| o.name == name) {
            b.err(v.name.span(), format!("duplicate version `{name}`"));
        }
        if v.default && v.reason.is_none() {
            b.err(
                v.name.span(),
                format!("the default version `{name}` needs a `reason:`: why a client uses it unless told otherwise"),
            );
        }
        let mut notes = notes(&v.source, &None);
        notes.extend(v.reason.iter().map(|r| format!("Why it is the default: {r}")));
        out.push(Version {
            name: name.to_owned(),
            rust: name.to_upper_camel_case(),
            doc: v.doc.trim().to_owned(),
            notes,
            default: v.default,
        });
    }
    if let Some(first) = spec.versions.first() {
        let defaults = spec.versions.iter().filter(|v| v.default).count();
        if defaults != 1 {
            b.err(
                first.name.span(),
                format!("exactly one version is `default: true`; {defaults} are"),
            );
        }
        if b.names.get(VERSION_TYPE).is_some_and(|n| n.module == spec.api.as_str()) {
            b.err(
                first.name.span(),
                format!("a type named `{VERSION_TYPE}` clashes with the generated enum of the API's versions"),
            );
        }
    }
    out
}

/// Every `version:` of the file's methods and templates names a declared version; a signed
/// method has exactly one template for each version it belongs to.
pub(super) fn check_method_versions(b: &mut Builder, spec: &model::SpecFile, versions: &[Version]) {
    let known = |b: &mut Builder, s: &S| {
        let ok = versions.iter().any(|v| v.name == s.as_str());
        if !ok {
            let names: Vec<&str> = versions.iter().map(|v| v.name.as_str()).collect();
            let known = if names.is_empty() {
                "the file declares no `versions:`".to_owned()
            } else {
                format!("the versions are {}", names.join(", "))
            };
            b.err(s.span(), format!("unknown version `{}`: {known}", s.as_str()));
        }
        ok
    };
    for m in &spec.methods {
        let own = m.version.as_ref().filter(|v| known(b, v)).map(|v| v.as_str());
        let Some(sign) = &m.sign else { continue };
        let mut tagged: Vec<&S> = sign.version.iter().collect();
        tagged.extend(sign.variants.iter().filter_map(|v| v.version.as_ref()));
        for t in &tagged {
            if known(b, t) && own.is_some_and(|o| o != t.as_str()) {
                b.err(
                    t.span(),
                    format!(
                        "the method belongs to the `{}` version only: a template for `{}` is never used",
                        own.unwrap_or_default(),
                        t.as_str()
                    ),
                );
            }
        }
        check_coverage(b, m, sign, &tagged, versions, own);
    }
}

/// Each version the method belongs to signs it with one template: the one tagged with it, or
/// the untagged main template.
fn check_coverage(
    b: &mut Builder,
    m: &model::Method,
    sign: &model::Sign,
    tagged: &[&S],
    versions: &[Version],
    own: Option<&str>,
) {
    if tagged.is_empty() {
        return;
    }
    let belongs: Vec<&str> = match own {
        Some(o) => vec![o],
        None => versions.iter().map(|v| v.name.as_str()).collect(),
    };
    for v in belongs {
        let n = tagged.iter().filter(|t| t.as_str() == v).count() + usize::from(sign.version.is_none());
        if n == 0 {
            b.err(
                sign.template.span(),
                format!(
                    "method `{}` has no Sign template for the `{v}` version: tag one with `version: {v}`, or leave the main template untagged",
                    m.name.as_str()
                ),
            );
        } else if n > 1 {
            b.err(
                sign.template.span(),
                format!(
                    "method `{}` has {n} Sign templates for the `{v}` version; it needs one",
                    m.name.as_str()
                ),
            );
        }
    }
}
