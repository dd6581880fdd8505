//! The generator of the `intellectmoney` crate.
//!
//! `spec/*.yaml` is read with positions kept (`load`), checked and resolved into an IR ([`ir`]),
//! and written out by one emitter per artifact ([`emit`]). Output is gathered in a sorted map, so
//! that regenerating an unchanged spec is byte-identical.

pub mod audit;
mod copied;
pub mod diag;
pub mod diff;
pub mod emit;
pub mod ir;
mod load;
mod model;

use diag::Diagnostics;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the generator reads and writes, relative to the workspace root.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The directory of `*.yaml` spec files.
    pub spec_dir: PathBuf,
    /// How the spec directory is named in messages (`spec/`).
    pub spec_display: String,
    /// The generated crate's root (`generated/`).
    pub out_dir: PathBuf,
}

impl Layout {
    /// The layout of the repository whose root is `root`.
    pub fn repository(root: &Path) -> Self {
        Layout {
            spec_dir: root.join("spec"),
            spec_display: "spec/".into(),
            out_dir: root.join("generated"),
        }
    }
}

/// Every output file, by path relative to the generated crate's root.
pub type Output = BTreeMap<PathBuf, String>;

/// Reads and checks the spec, and renders every output file, the workspace's licence files
/// included. Nothing is written.
pub fn generate(layout: &Layout) -> Result<Output, Diagnostics> {
    let mut out = render(&build_ir(layout)?);
    out.extend(licences(layout));
    Ok(out)
}

/// The workspace's licence files, copied as they are (a header would change a licence's text:
/// they are the only files of the generated crate without one), so that its package ships them.
fn licences(layout: &Layout) -> Vec<(PathBuf, String)> {
    let root = layout.out_dir.parent().unwrap_or(&layout.out_dir);
    ["LICENSE-MIT", "LICENSE-APACHE"]
        .into_iter()
        .filter_map(|name| {
            let text = std::fs::read_to_string(root.join(name)).ok()?;
            Some((PathBuf::from(name), text))
        })
        .collect()
}

/// Reads and checks the spec into the IR, every rule applied.
pub fn build_ir(layout: &Layout) -> Result<ir::Ir, Diagnostics> {
    build_ir_with(layout, ir::Lints::On)
}

/// Reads the spec into the IR, with or without the rules beyond what building needs.
pub fn build_ir_with(layout: &Layout, lints: ir::Lints) -> Result<ir::Ir, Diagnostics> {
    let (files, loaded) = load::load_dir(&layout.spec_dir, &layout.spec_display).map_err(Diagnostics)?;
    ir::build(&files, &loaded, &layout.spec_dir.join("examples"), lints).map_err(Diagnostics)
}

/// Reads and checks spec files held in memory, given as (name used in messages, text), and
/// renders every output file; example files are read from `examples_dir`. Nothing is written.
/// This is the generator without the file system's part, for tools and fuzzing.
pub fn generate_from(sources: &[(String, String)], examples_dir: &Path) -> Result<Output, Diagnostics> {
    let (files, loaded) = load::load_sources(sources).map_err(Diagnostics)?;
    let ir = ir::build(&files, &loaded, examples_dir, ir::Lints::On).map_err(Diagnostics)?;
    Ok(render(&ir))
}

/// One file of the generated crate rendered from the whole IR: where it goes (relative to the
/// crate's root) and what writes it.
struct Target {
    path: &'static str,
    emit: fn(&ir::Ir) -> String,
}

/// The files rendered from the whole IR (each API's own come from
/// `emit::modules::api_files`). An output is one line here.
const TARGETS: &[Target] = &[
    Target {
        path: "src/api/mod.rs",
        emit: emit::modules::api_root,
    },
    Target {
        path: "src/lib.rs",
        emit: |ir| rust(ir, emit::crate_root::emit(ir)),
    },
    Target {
        path: "src/client.rs",
        emit: |ir| rust(ir, emit::crate_root::emit_client(ir)),
    },
    Target {
        path: "src/marker.rs",
        emit: |ir| rust(ir, emit::roles::marker(ir)),
    },
    Target {
        path: "src/mock.rs",
        emit: |ir| rust(ir, emit::crate_root::emit_mock(ir)),
    },
    Target {
        path: "src/roles.rs",
        emit: |ir| rust(ir, emit::roles::emit(ir)),
    },
    Target {
        path: "src/cli.rs",
        emit: |ir| rust(ir, emit::cli::emit(ir)),
    },
    Target {
        path: "API.md",
        emit: emit::surface::emit,
    },
    Target {
        path: "Cargo.toml",
        emit: emit::manifest::emit,
    },
];

/// A Rust file of the whole spec: the tokens formatted, under a header naming every spec file.
fn rust(ir: &ir::Ir, tokens: proc_macro2::TokenStream) -> String {
    let all: Vec<&str> = ir.apis.iter().map(|a| a.file.as_str()).collect();
    emit::rust_file(&all, tokens)
}

/// Renders the IR: every file of the generated crate, by path (the emitters in [`emit`]).
pub fn render(ir: &ir::Ir) -> Output {
    let mut out = Output::new();
    for api in &ir.apis {
        out.extend(emit::modules::api_files(ir, api));
    }
    for target in TARGETS {
        out.insert(PathBuf::from(target.path), (target.emit)(ir));
    }
    let stands = |w: copied::When| match w {
        copied::When::Always => true,
        copied::When::PayoutRoles => ir.roles.payout.is_some(),
    };
    for f in copied::FIXED.iter().filter(|f| stands(f.when)) {
        out.insert(PathBuf::from(f.path), copied::file(f));
    }
    out
}

/// Files whose committed content differs from `output` (missing ones included), and generated
/// files that the output no longer has.
pub fn stale(layout: &Layout, output: &Output) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = output
        .iter()
        .filter(|(path, text)| {
            std::fs::read_to_string(layout.out_dir.join(path)).ok().as_deref() != Some(text.as_str())
        })
        .map(|(p, _)| p.clone())
        .collect();
    v.extend(orphans(layout, output));
    v
}

/// Files on disk under the generated crate's root that the output does not have: files the spec
/// no longer gives, and anything written there by hand (the generator owns the folder).
fn orphans(layout: &Layout, output: &Output) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![layout.out_dir.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(&layout.out_dir) {
                if !output.contains_key(rel) {
                    found.push(rel.to_path_buf());
                }
            }
        }
    }
    found.sort();
    found
}

/// Writes the output (only files whose content changed) and removes orphaned generated files.
pub fn write(layout: &Layout, output: &Output) -> std::io::Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for path in orphans(layout, output) {
        std::fs::remove_file(layout.out_dir.join(&path))?;
        changed.push(path);
    }
    for (path, text) in output {
        let full = layout.out_dir.join(path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&full, text)?;
        changed.push(path.clone());
    }
    Ok(changed)
}
