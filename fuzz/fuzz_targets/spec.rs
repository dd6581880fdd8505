//! The spec parser and checker: any text as `spec/personal.yaml`, beside the real
//! `common.yaml` and `payout.yaml`. The generator must render or report diagnostics placed in a
//! file it was given, at a line and column that exist; never panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

struct Spec {
    common: String,
    payout: String,
    examples: PathBuf,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("the real spec is readable");
        Spec {
            common: read("common.yaml"),
            payout: read("payout.yaml"),
            examples: dir.join("examples"),
        }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let spec = spec();
    let sources = vec![
        ("spec/common.yaml".to_owned(), spec.common.clone()),
        ("spec/payout.yaml".to_owned(), spec.payout.clone()),
        ("spec/personal.yaml".to_owned(), text.to_owned()),
    ];
    if let Err(diagnostics) = intellectmoney_codegen::generate_from(&sources, &spec.examples) {
        for d in &diagnostics.0 {
            assert!(
                sources.iter().any(|(name, _)| *name == d.file),
                "diagnostic in an unknown file: {d}"
            );
            let lines = sources
                .iter()
                .find(|(name, _)| *name == d.file)
                .map_or(0, |(_, t)| t.lines().count());
            assert!(d.line >= 1 && d.column >= 1, "diagnostic at no place: {d}");
            assert!(d.line <= lines + 1, "diagnostic past the end of its file: {d}");
        }
    }
});
