//! No dependency circle between the modules of any crate of the workspace.
//!
//! Each crate's module tree is read from its sources with `syn` (following `mod x;` to its file,
//! skipping `#[cfg(test)]` modules); a module depends on another when it names a path through it
//! (`crate::a::b::Item`, `super::b::Item`, in a `use` or in code). A module and its ancestors
//! are not counted as depending on each other (a parent declares and re-exports its children; a
//! child reads its parent's items). Any other circle, such as `engine → use case → engine`, is
//! reported with the edges that close it, so that a layer can be read and changed without the
//! ones above it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// Module path (`["usecases", "catalog"]`) → the modules it names.
type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

fn is_test_module(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .map(|m| m.path().is_ident("test"))
                .unwrap_or(false)
    })
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// Collects the `crate::`/`super::`/`self::` paths a module names.
struct Names {
    paths: Vec<Vec<String>>,
}

impl Names {
    fn push_use(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.push_use(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                self.paths.push(full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                self.paths.push(full);
            }
            syn::UseTree::Glob(_) => self.paths.push(prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.push_use(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Names {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.push_use(&mut Vec::new(), &u.tree);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.paths
            .push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }

    // Inline and file modules are visited as modules of their own.
    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {}
}

struct Crate {
    modules: BTreeMap<Vec<String>, Vec<Vec<String>>>,
}

impl Crate {
    fn read(root: &Path) -> Result<Crate, String> {
        let mut c = Crate {
            modules: BTreeMap::new(),
        };
        let text = std::fs::read_to_string(root).map_err(|e| format!("{}: {e}", root.display()))?;
        let file = syn::parse_file(&text).map_err(|e| format!("{}: {e}", root.display()))?;
        let dir = root.parent().expect("dir").to_path_buf();
        c.module(Vec::new(), &file.items, &dir)?;
        Ok(c)
    }

    /// Reads a module's items; `dir` is where its child module files live.
    fn module(&mut self, path: Vec<String>, items: &[syn::Item], dir: &Path) -> Result<(), String> {
        let mut names = Names { paths: Vec::new() };
        for item in items {
            names.visit_item(item);
        }
        self.modules.insert(path.clone(), names.paths);
        for item in items {
            let syn::Item::Mod(m) = item else { continue };
            if is_test_module(&m.attrs) {
                continue;
            }
            let name = m.ident.to_string();
            let mut child = path.clone();
            child.push(name.clone());
            let child_dir = dir.join(&name);
            match &m.content {
                Some((_, inner)) => self.module(child, inner, &child_dir)?,
                None => {
                    let file = match path_attr(&m.attrs) {
                        Some(p) => dir.join(p),
                        None => {
                            let flat = dir.join(format!("{name}.rs"));
                            if flat.exists() {
                                flat
                            } else {
                                dir.join(&name).join("mod.rs")
                            }
                        }
                    };
                    let Ok(text) = std::fs::read_to_string(&file) else {
                        continue;
                    };
                    let parsed =
                        syn::parse_file(&text).map_err(|e| format!("{}: {e}", file.display()))?;
                    self.module(child, &parsed.items, &child_dir)?;
                }
            }
        }
        Ok(())
    }

    /// The longest known module a path goes through, seen from module `from`.
    fn target(&self, from: &[String], path: &[String]) -> Option<Vec<String>> {
        let (mut base, rest): (Vec<String>, &[String]) = match path.first().map(String::as_str) {
            Some("crate") => (Vec::new(), &path[1..]),
            Some("self") => (from.to_vec(), &path[1..]),
            Some("super") => {
                let mut base = from.to_vec();
                let mut rest = path;
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop();
                    rest = &rest[1..];
                }
                (base, rest)
            }
            _ => return None,
        };
        let mut best = None;
        if self.modules.contains_key(&base) {
            best = Some(base.clone());
        }
        for seg in rest {
            base.push(seg.clone());
            if self.modules.contains_key(&base) {
                best = Some(base.clone());
            } else {
                break;
            }
        }
        best
    }

    fn graph(&self) -> Graph {
        let mut g = Graph::new();
        for (m, paths) in &self.modules {
            let edges = g.entry(m.clone()).or_default();
            for p in paths {
                let Some(t) = self.target(m, p) else { continue };
                let related = t.starts_with(m) || m.starts_with(&t);
                if !related {
                    edges.insert(t);
                }
            }
        }
        g
    }
}

/// The strongly connected components with more than one module (Tarjan).
fn circles(g: &Graph) -> Vec<Vec<Vec<String>>> {
    struct State<'g> {
        g: &'g Graph,
        next: usize,
        index: BTreeMap<&'g Vec<String>, usize>,
        low: BTreeMap<&'g Vec<String>, usize>,
        stack: Vec<&'g Vec<String>>,
        out: Vec<Vec<Vec<String>>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g Vec<String>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        for w in s.g.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("low");
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("low");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        next: 0,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn crate_roots(workspace: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for group in ["crates", "examples"] {
        let Ok(entries) = std::fs::read_dir(workspace.join(group)) else {
            continue;
        };
        for e in entries.flatten() {
            for root in ["src/lib.rs", "src/main.rs"] {
                let p = e.path().join(root);
                if p.exists() {
                    roots.push(p);
                }
            }
        }
    }
    for extra in ["benches/src/lib.rs", "tests/src/lib.rs"] {
        let p = workspace.join(extra);
        if p.exists() {
            roots.push(p);
        }
    }
    roots.sort();
    roots
}

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_owned()
    } else {
        m.join("::")
    }
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    let roots = crate_roots(workspace);
    assert!(roots.len() >= 10, "crates found: {roots:?}");
    let mut report = Vec::new();
    for root in &roots {
        let krate = match Crate::read(root) {
            Ok(k) => k,
            Err(e) => {
                report.push(format!("cannot read: {e}"));
                continue;
            }
        };
        let g = krate.graph();
        for comp in circles(&g) {
            let mut lines = vec![format!(
                "{}: {}",
                root.display(),
                comp.iter().map(|m| show(m)).collect::<Vec<_>>().join(", ")
            )];
            for m in &comp {
                let inside: Vec<String> = g[m]
                    .iter()
                    .filter(|t| comp.contains(t))
                    .map(|t| show(t))
                    .collect();
                lines.push(format!("    {} -> {}", show(m), inside.join(", ")));
            }
            report.push(lines.join("\n"));
        }
    }
    assert!(
        report.is_empty(),
        "module circles (break each by moving what both sides need into a module below them):\n{}",
        report.join("\n")
    );
}

#[test]
fn a_circle_is_found() {
    // The check must be able to fail: a → b → a.
    let src_a = syn::parse_file("use crate::b::B; pub struct A;").expect("a");
    let src_b = syn::parse_file("pub fn f(_: crate::a::A) {} pub struct B;").expect("b");
    let mut krate = Crate {
        modules: BTreeMap::new(),
    };
    krate.modules.insert(Vec::new(), Vec::new());
    for (name, file) in [("a", src_a), ("b", src_b)] {
        let mut names = Names { paths: Vec::new() };
        names.visit_file(&file);
        krate.modules.insert(vec![name.to_owned()], names.paths);
    }
    let found = circles(&krate.graph());
    assert_eq!(
        found,
        vec![vec![vec!["a".to_owned()], vec!["b".to_owned()]]]
    );
}
