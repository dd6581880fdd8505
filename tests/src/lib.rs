//! Helpers shared by the tests: where the spec and its examples are.

pub mod big;
pub mod capture;
pub mod echo;
pub mod mutations;
pub mod payouts;
pub mod postgres;
pub mod server;
pub mod signing;
pub mod tls;
pub mod wiki;

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .to_path_buf()
}

/// `cargo metadata` of the workspace (its own packages only, offline): what every crate is, with
/// its targets and dependencies.
pub fn workspace_metadata() -> serde_json::Value {
    let o = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("cargo metadata writes JSON")
}

/// The text of an example file, relative to `spec/examples/`.
pub fn example(path: &str) -> String {
    let p = root().join("spec/examples").join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Copies a directory tree.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The spec's IR (names, types, methods), for tests whose lists and counts follow the spec.
pub fn spec_ir() -> intellectmoney_codegen::ir::Ir {
    intellectmoney_codegen::build_ir(&intellectmoney_codegen::Layout::repository(&root()))
        .unwrap_or_else(|d| panic!("{d}"))
}

/// The format `api` answers a client in that prefers `preferred`: that one when the spec lists
/// it among the API's `responses:`, else the API's first (the Payout API answers JSON only).
pub fn answered_format(api: &str, preferred: intellectmoney::runtime::Format) -> intellectmoney::runtime::Format {
    use intellectmoney::runtime::Format;
    use intellectmoney_codegen::ir::Format as Spec;
    let ir = spec_ir();
    let a = ir
        .apis
        .iter()
        .find(|a| a.module == api)
        .unwrap_or_else(|| panic!("no API `{api}`"));
    let of = |f: Spec| match f {
        Spec::Xml => Format::Xml,
        Spec::Json => Format::Json,
    };
    let formats: Vec<Format> = a.responses.iter().map(|r| of(r.format)).collect();
    if formats.is_empty() || formats.contains(&preferred) {
        preferred
    } else {
        formats[0]
    }
}

/// `api::method` of every method whose wiki example answers in the format its API answers a
/// client preferring `preferred` in, sorted: the methods a test answering with the examples can
/// check in that format. (A method the wiki shows in one format only is checked in that one.)
pub fn methods_answered_in(preferred: intellectmoney::runtime::Format) -> Vec<String> {
    use intellectmoney::runtime::Format;
    let mut out: Vec<String> = spec_ir()
        .apis
        .iter()
        .flat_map(|a| {
            let format = answered_format(&a.module, preferred);
            a.methods
                .iter()
                .filter(move |m| {
                    m.examples.iter().any(|e| match format {
                        Format::Xml => e.xml_text.is_some(),
                        Format::Json => e.json_text.is_some(),
                    })
                })
                .map(move |m| format!("{}::{}", a.module, m.wire))
        })
        .collect();
    out.sort();
    out
}

/// xorshift64*: the seeded chance of the simulations and crash tests, replayable from a seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The version of `method`'s API a client calls it with: the method's own, else the API's
/// default (`None`: the API has no versions). From the generated tables, which come from the
/// spec.
pub fn version_for(method: &intellectmoney::runtime::MethodInfo) -> Option<&'static str> {
    use intellectmoney::runtime::Api;
    method.version.or_else(|| {
        intellectmoney::IntellectMoney::VERSIONS
            .iter()
            .find(|v| v.api == method.api)
            .map(|v| v.default)
    })
}

/// The payout API's version of this name (the generated enum), for a builder's `api_version`.
pub fn payout_version(name: &str) -> intellectmoney::payout::Version {
    name.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// The golden `Sign` vector of a method in a version (`tests/golden/sign.tsv`, written by
/// `scripts/sign-vectors.py` outside the code under test): the input and its hash. A row for
/// every version (`-`) serves any.
pub fn golden_sign(method: &str, version: Option<&str>) -> Option<(String, String)> {
    let text = std::fs::read_to_string(root().join("tests/golden/sign.tsv")).unwrap();
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let parts: Vec<&str> = l.split('\t').collect();
        let fits = parts[1] == "-" || Some(parts[1]) == version;
        (parts[0] == method && fits).then(|| (parts[2].to_owned(), parts[3].to_owned()))
    })
}

/// Every file under `dir`, at any depth, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
