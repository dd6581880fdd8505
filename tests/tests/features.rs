//! The API features (`personal`, `payout`): each method's request type is compiled with its own
//! API's feature, the token method always (every signed call's session needs it), and every
//! structure or enum a method names in its parameters or result is compiled whenever that method
//! is. Read off the committed generated sources, for every method of the spec; CI also builds
//! the crate with each API alone (`.ci/run`), which proves the rest (what those types hold).

use intellectmoney_codegen::ir::{Ir, Ty};
use intellectmoney_codegen::{build_ir, Layout};
use intellectmoney_tests::root;

/// The attribute and doc lines right above `pub struct Name` / `pub enum Name` in a generated
/// file of the module.
fn attributes_of(module: &str, kind: &str, name: &str) -> Vec<String> {
    for part in ["requests", "types", "enums", "ids"] {
        let path = root().join(format!("generated/src/api/{module}/{part}.rs"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let Some(at) = lines.iter().position(|l| {
            *l == format!("pub {kind} {name} {{")
                || l.starts_with(&format!("pub {kind} {name}<"))
                || l.starts_with(&format!("pub {kind} {name}("))
        }) else {
            continue;
        };
        // Back to the end of the item before (attributes may span lines: `#[derive(\n…\n)]`).
        return lines[..at]
            .iter()
            .rev()
            .take_while(|l| !(l.is_empty() || **l == "}" || l.starts_with("//") && !l.starts_with("///")))
            .take_while(|l| l.starts_with("///") || l.starts_with('#') || l.starts_with(' ') || l.starts_with(')'))
            .map(|l| l.to_string())
            .collect();
    }
    panic!("no `pub {kind} {name}` in generated/src/api/{module}/");
}

/// The features named by the `#[cfg(..)]` among `attributes`, or `None` when there is none.
fn cfg_features(attributes: &[String]) -> Option<Vec<String>> {
    let cfg = attributes.iter().find(|a| a.starts_with("#[cfg("))?;
    Some(
        cfg.split("feature = \"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_owned())
            .collect(),
    )
}

/// The structures and enums a type names, with their module.
fn named(ty: &Ty, out: &mut Vec<(String, String, &'static str)>) {
    match ty {
        Ty::Struct(m, n) => out.push((m.clone(), n.clone(), "struct")),
        Ty::Enum(m, n) => out.push((m.clone(), n.clone(), "enum")),
        Ty::Id(m, n, _) => out.push((m.clone(), n.clone(), "struct")),
        Ty::List(t) | Ty::Json(t) => named(t, out),
        _ => {}
    }
}

/// Everything `ty` names and what those hold, field by field.
fn reached(ir: &Ir, ty: &Ty, out: &mut Vec<(String, String, &'static str)>) {
    let mut direct = Vec::new();
    named(ty, &mut direct);
    for (module, name, kind) in direct {
        if out.iter().any(|(m, n, _)| *m == module && *n == name) {
            continue;
        }
        out.push((module.clone(), name.clone(), kind));
        let fields = ir.apis.iter().filter(|a| a.module == module).flat_map(|a| &a.types);
        let held: Vec<&Ty> = fields
            .filter(|s| s.name == name)
            .flat_map(|s| &s.fields)
            .map(|f| &f.ty)
            .collect();
        for ty in held {
            reached(ir, ty, out);
        }
    }
}

fn spec() -> Ir {
    build_ir(&Layout::repository(&root())).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn each_method_is_compiled_with_its_api_and_the_token_method_always() {
    let ir = spec();
    let token = ir.roles.token.as_ref().expect("the spec has a token method");
    let mut checked = 0;
    for api in ir.apis.iter().filter(|a| !a.methods.is_empty()) {
        for m in &api.methods {
            let features = cfg_features(&attributes_of(&api.module, "struct", &m.rust));
            if api.module == token.module && m.rust == token.method {
                assert_eq!(features, None, "the token method {} is compiled always", m.rust);
                // And so is everything it takes and returns, all the way down.
                let mut types = Vec::new();
                for ty in m.params.iter().map(|p| &p.ty).chain([&m.result]) {
                    reached(&ir, ty, &mut types);
                }
                assert!(!types.is_empty(), "the token method returns a structure");
                for (module, name, kind) in types {
                    let attributes = attributes_of(&module, kind, &name);
                    assert_eq!(
                        cfg_features(&attributes),
                        None,
                        "{module}::{name}, which the token method holds"
                    );
                }
            } else {
                assert_eq!(features, Some(vec![api.module.clone()]), "{}::{}", api.module, m.rust);
            }
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} methods");
}

#[test]
fn what_a_method_names_is_compiled_with_it() {
    let ir = spec();
    let mut shared = 0;
    for api in ir.apis.iter().filter(|a| !a.methods.is_empty()) {
        for m in &api.methods {
            let mut types = Vec::new();
            for ty in m.params.iter().map(|p| &p.ty).chain([&m.result]) {
                named(ty, &mut types);
            }
            for (module, name, kind) in types {
                let Some(features) = cfg_features(&attributes_of(&module, kind, &name)) else {
                    continue; // compiled always
                };
                assert!(
                    features.contains(&api.module),
                    "{module}::{name}, named by {}::{}, is compiled only with {features:?}",
                    api.module,
                    m.rust
                );
                shared += usize::from(features.len() > 1);
            }
        }
    }
    // payout's methods take personal's `Currency`: compiled with either API.
    assert!(shared > 0, "no type is shared by the two APIs");
}
