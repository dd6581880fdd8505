//! The README's programs are also runnable examples (`cargo run --example payout`, against the
//! mock, no account needed). Each `rust` block of the README is preceded by a comment naming its
//! file under `tests/examples/`, and the two must be the same text: the README's copy is run by
//! the crate's doctests, the file by `cargo run --example`, and this test keeps them in step.

use std::path::Path;

/// The README's `rust` blocks: the file named on the line before each (if any) and the code.
fn readme_blocks(readme: &str) -> Vec<(Option<String>, String)> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "```rust" {
            i += 1;
            continue;
        }
        let named = i
            .checked_sub(1)
            .and_then(|p| lines[p].strip_prefix("<!-- "))
            .and_then(|l| l.strip_suffix(" -->"))
            .map(str::to_owned);
        let end = (i + 1..lines.len())
            .find(|&j| lines[j] == "```")
            .expect("a rust block of the README is closed");
        let code: String = lines[i + 1..end].iter().map(|l| format!("{l}\n")).collect();
        blocks.push((named, code));
        i = end + 1;
    }
    blocks
}

#[test]
fn every_readme_program_is_an_example_with_the_same_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = readme_blocks(&readme);
    assert!(blocks.len() >= 5, "the README's programs: {}", blocks.len());
    for (n, (named, code)) in blocks.iter().enumerate() {
        let named = named.as_deref().unwrap_or_else(|| {
            panic!(
                "README rust block {} has no `<!-- tests/examples/NAME.rs -->` line before it",
                n + 1
            )
        });
        assert!(
            named.starts_with("tests/examples/") && named.ends_with(".rs"),
            "{named}"
        );
        let file = std::fs::read_to_string(root.join(named)).unwrap_or_else(|e| panic!("{named}: {e}"));
        assert_eq!(
            &file,
            code,
            "{named} differs from its README block {}: copy one onto the other",
            n + 1
        );
    }
}
