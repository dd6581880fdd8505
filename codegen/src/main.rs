//! `cargo run -p intellectmoney-codegen [-- --check]`: regenerates `generated/` from `spec/`.

use intellectmoney_codegen::{emit::REGENERATE, generate, stale, write, Layout};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    if let Some(bad) = args.iter().find(|a| *a != "--check") {
        eprintln!("unknown argument `{bad}`\nusage: {REGENERATE} [-- --check]");
        return ExitCode::from(2);
    }
    // The workspace root: the parent of this crate's manifest directory.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace");
    let layout = Layout::repository(root);
    let output = match generate(&layout) {
        Ok(o) => o,
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let stale = stale(&layout, &output);
        if stale.is_empty() {
            println!("generated/ is up to date with spec/ ({} files)", output.len());
            return ExitCode::SUCCESS;
        }
        for p in &stale {
            eprintln!("stale: generated/{}", p.display());
        }
        eprintln!("generated/ is out of date with spec/: run `{REGENERATE}` and commit the result");
        return ExitCode::FAILURE;
    }
    match write(&layout, &output) {
        Ok(changed) => {
            for p in &changed {
                println!("wrote generated/{}", p.display());
            }
            println!("{} of {} files changed", changed.len(), output.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write generated/: {e}");
            ExitCode::FAILURE
        }
    }
}
