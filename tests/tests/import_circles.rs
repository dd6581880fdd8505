//! No import circles inside any crate of the workspace, generated or hand-written: each crate's
//! top-level modules (a file, or a folder with everything under it) and its root file are
//! nodes, each path that names an item of another module (`crate::…`, `super::…`, and the names
//! the root re-exports, followed to the module that defines them) is an arrow, and no set of
//! modules may reach each other both ways. The crates come from `cargo metadata`, so a new crate
//! is measured without being listed here.
//!
//! `cargo test -p intellectmoney-tests --test import_circles -- --nocapture` prints each crate's
//! modules, arrows and circles.

use intellectmoney_tests::workspace_metadata;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// The root file of every library and binary target of the workspace, with its package's name.
fn crate_roots() -> Vec<(String, PathBuf)> {
    let meta = workspace_metadata();
    let mut roots = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        for t in p["targets"].as_array().unwrap() {
            let kinds: Vec<&str> = t["kind"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|k| k.as_str())
                .collect();
            if kinds.iter().any(|k| ["lib", "bin"].contains(k)) {
                let name = format!("{} ({})", p["name"].as_str().unwrap(), t["name"].as_str().unwrap());
                roots.push((name, PathBuf::from(t["src_path"].as_str().unwrap())));
            }
        }
    }
    roots
}

/// A module's file, as Rust finds it: `name.rs` or `name/mod.rs` beside `dir`.
fn module_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")]
        .into_iter()
        .find(|p| p.is_file())
}

/// The modules a file declares with `mod name;` (not inline ones), with their `#[path]` ignored:
/// the workspace uses none.
fn declared_modules(file: &syn::File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Mod(m) if m.content.is_none() => Some(m.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// Every file of a module and of the modules under it, with its module path.
fn module_tree(file: &Path, path: Vec<String>, out: &mut Vec<(Vec<String>, PathBuf)>) {
    let parsed = parse(file);
    let owns_its_folder = path.is_empty() || file.file_name().is_some_and(|n| n == "mod.rs");
    let dir = if owns_its_folder {
        file.parent().unwrap().to_path_buf()
    } else {
        file.with_extension("")
    };
    for m in declared_modules(&parsed) {
        let child = module_file(&dir, &m).unwrap_or_else(|| panic!("mod {m} of {} not found", file.display()));
        let mut p = path.clone();
        p.push(m);
        module_tree(&child, p, out);
    }
    out.push((path, file.to_path_buf()));
}

fn parse(file: &Path) -> syn::File {
    syn::parse_file(&std::fs::read_to_string(file).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Every path a file writes, as segments: in `use` trees (flattened) and everywhere else.
#[derive(Default)]
struct Paths(Vec<Vec<String>>);

impl<'a> Visit<'a> for Paths {
    fn visit_path(&mut self, p: &'a syn::Path) {
        self.0.push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }

    fn visit_item_use(&mut self, u: &'a syn::ItemUse) {
        flatten(&u.tree, Vec::new(), &mut self.0);
    }
}

fn flatten(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let with = |s: String| {
        let mut p = prefix.clone();
        p.push(s);
        p
    };
    match tree {
        syn::UseTree::Path(p) => flatten(&p.tree, with(p.ident.to_string()), out),
        syn::UseTree::Name(n) => out.push(with(n.ident.to_string())),
        syn::UseTree::Rename(r) => out.push(with(r.ident.to_string())),
        syn::UseTree::Glob(_) => out.push(with("*".into())),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| flatten(t, prefix.clone(), out)),
    }
}

/// The names a module file makes public at its top: its items and what it re-exports.
fn public_names(file: &syn::File) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for item in &file.items {
        let public = |v: &syn::Visibility| matches!(v, syn::Visibility::Public(_));
        let ident = match item {
            syn::Item::Struct(i) if public(&i.vis) => Some(&i.ident),
            syn::Item::Enum(i) if public(&i.vis) => Some(&i.ident),
            syn::Item::Type(i) if public(&i.vis) => Some(&i.ident),
            syn::Item::Trait(i) if public(&i.vis) => Some(&i.ident),
            syn::Item::Fn(i) if public(&i.vis) => Some(&i.sig.ident),
            syn::Item::Const(i) if public(&i.vis) => Some(&i.ident),
            syn::Item::Static(i) if public(&i.vis) => Some(&i.ident),
            syn::Item::Mod(i) if public(&i.vis) => Some(&i.ident),
            syn::Item::Use(u) if public(&u.vis) => {
                let mut paths = Vec::new();
                flatten(&u.tree, Vec::new(), &mut paths);
                names.extend(paths.into_iter().filter_map(|p| p.last().cloned()));
                None
            }
            _ => None,
        };
        names.extend(ident.map(|i| i.to_string()));
    }
    names
}

/// One crate's modules as nodes: `""` for the root file, else the top-level module's name.
struct Graph {
    rooms: BTreeSet<String>,
    arrows: BTreeSet<(String, String)>,
}

/// Where the root's names come from: each name it re-exports, with the room that defines it.
fn root_exports(
    root_file: &syn::File,
    rooms: &BTreeSet<String>,
    room_files: &BTreeMap<String, syn::File>,
) -> BTreeMap<String, String> {
    let mut from = BTreeMap::new();
    for item in &root_file.items {
        let syn::Item::Use(u) = item else { continue };
        let mut paths = Vec::new();
        flatten(&u.tree, Vec::new(), &mut paths);
        for p in paths {
            let first = p
                .iter()
                .find(|s| *s != "crate" && *s != "self")
                .cloned()
                .unwrap_or_default();
            if !rooms.contains(&first) {
                continue; // another crate's name
            }
            match p.last().map(String::as_str) {
                Some("*") => {
                    for name in public_names(&room_files[&first]) {
                        from.entry(name).or_insert_with(|| first.clone());
                    }
                }
                Some(name) => {
                    from.insert(name.to_owned(), first.clone());
                }
                None => {}
            }
        }
    }
    from
}

fn graph(root_path: &Path) -> Graph {
    let mut files = Vec::new();
    module_tree(root_path, Vec::new(), &mut files);
    let rooms: BTreeSet<String> = files.iter().filter_map(|(p, _)| p.first().cloned()).collect();
    let root_file = parse(root_path);
    let room_files: BTreeMap<String, syn::File> = files
        .iter()
        .filter(|(p, _)| p.len() == 1)
        .map(|(p, f)| (p[0].clone(), parse(f)))
        .collect();
    let exports = root_exports(&root_file, &rooms, &room_files);
    let root_names = public_names(&root_file);
    let mut arrows = BTreeSet::new();
    for (module, file) in &files {
        let here = module.first().cloned().unwrap_or_default();
        let mut v = Paths::default();
        v.visit_file(&parse(file));
        for path in v.0 {
            let Some(absolute) = absolute(module, &path) else {
                continue;
            };
            let target = match absolute.first() {
                None => continue,
                Some(first) if rooms.contains(first) => first.clone(),
                Some(first) if exports.contains_key(first) => exports[first].clone(),
                Some(first) if root_names.contains(first) || root_file_defines(&root_file, first) => String::new(),
                Some(_) => continue,
            };
            if target != here {
                arrows.insert((here.clone(), target));
            }
        }
    }
    let mut all = rooms;
    all.insert(String::new());
    Graph { rooms: all, arrows }
}

/// Whether the root file itself defines `name` (a private item used through `crate::`).
fn root_file_defines(file: &syn::File, name: &str) -> bool {
    file.items.iter().any(|i| match i {
        syn::Item::Struct(s) => s.ident == name,
        syn::Item::Enum(s) => s.ident == name,
        syn::Item::Trait(s) => s.ident == name,
        syn::Item::Fn(s) => s.sig.ident == name,
        syn::Item::Type(s) => s.ident == name,
        syn::Item::Const(s) => s.ident == name,
        syn::Item::Static(s) => s.ident == name,
        _ => false,
    })
}

/// `path` written in `module` made absolute from the crate root, when it names this crate (a
/// file `a/b.rs` is module `a::b`, whose `super` is `a`; `a/mod.rs` is module `a`).
fn absolute(module: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut at: Vec<String> = module.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            at.clear();
            rest = &rest[1..];
        }
        Some("super") | Some("self") => {
            while let Some(s) = rest.first() {
                match s.as_str() {
                    "super" => {
                        at.pop()?;
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    at.extend(rest.iter().cloned());
    Some(at)
}

/// The sets of nodes that reach each other (Tarjan's strongly connected components) with more
/// than one node.
fn circles(g: &Graph) -> Vec<Vec<String>> {
    let nodes: Vec<&String> = g.rooms.iter().collect();
    let index_of = |n: &str| nodes.iter().position(|m| *m == n).unwrap();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (a, b) in &g.arrows {
        next[index_of(a)].push(index_of(b));
    }
    let mut t = Tarjan {
        next: &next,
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        on_stack: vec![false; nodes.len()],
        stack: Vec::new(),
        counter: 0,
        found: Vec::new(),
    };
    for v in 0..nodes.len() {
        if t.index[v].is_none() {
            t.visit(v);
        }
    }
    t.found
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.into_iter().map(|i| name(nodes[i])).collect())
        .collect()
}

fn name(room: &str) -> String {
    if room.is_empty() {
        "(root)".into()
    } else {
        room.into()
    }
}

struct Tarjan<'a> {
    next: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    counter: usize,
    found: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.counter);
        self.low[v] = self.counter;
        self.counter += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in &self.next[v] {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(i) if self.on_stack[w] => self.low[v] = self.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            self.found.push(component);
        }
    }
}

#[test]
fn no_crate_has_an_import_circle() {
    let roots = crate_roots();
    assert!(roots.len() >= 7, "{roots:?}");
    let mut report = Vec::new();
    for (krate, root_path) in roots {
        let g = graph(&root_path);
        let found = circles(&g);
        println!(
            "{krate}: {} modules, {} arrows, {} circles",
            g.rooms.len(),
            g.arrows.len(),
            found.len()
        );
        for c in &found {
            report.push(format!("{krate}: {}", c.join(" ↔ ")));
        }
    }
    assert!(report.is_empty(), "import circles:\n{}", report.join("\n"));
}

/// The measurement can fail: a module pair that names each other is a circle.
#[test]
fn a_circle_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("lib.rs", "mod a;\nmod b;\npub use b::Thing;\n");
    write("a.rs", "pub struct Other;\nfn f(_: crate::Thing) {}\n");
    write("b.rs", "pub struct Thing;\nfn g(_: super::a::Other) {}\n");
    let g = graph(&dir.path().join("lib.rs"));
    assert_eq!(circles(&g), vec![vec!["b".to_owned(), "a".to_owned()]]);
    write("b.rs", "pub struct Thing;\n");
    assert!(circles(&graph(&dir.path().join("lib.rs"))).is_empty());
}
