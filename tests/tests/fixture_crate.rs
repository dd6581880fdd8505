//! A change of the envelope in the spec moves the client and the mock together. The fixture
//! spec, changed (in the spec and in its examples alike), is generated into a crate of its own,
//! compiled against this workspace's runtime and mock engine, and its client is run against its
//! mock over loopback: an answer is read, a refusal is read with the mock's words, in XML and in
//! JSON; an answer in the envelope as it was is refused. Two changes: every element of the
//! envelope renamed, and the code and its text moved up into the root (no `OperationState`).
//!
//! The crate is built in `target/fixture-crate` (the first build compiles the dependencies; later
//! ones only the generated crate).

use intellectmoney_codegen::{generate, write, Layout};
use intellectmoney_tests::{copy_dir, files_under, root};
use std::path::Path;

/// The envelope's element names, and what the copy calls them.
const RENAMES: &[(&str, &str)] = &[
    ("Response", "Answer"),
    ("OperationState", "Processing"),
    ("Code", "Status"),
    ("Desc", "Words"),
];

/// Each `(pattern, replacement)` applied to every file of the spec copy.
fn edit(spec: &Path, edits: &[(String, String)]) {
    for file in files_under(spec) {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut out = text.clone();
        for (pattern, new) in edits {
            out = regex::Regex::new(pattern)
                .unwrap()
                .replace_all(&out, new.as_str())
                .into_owned();
        }
        if out != text {
            std::fs::write(&file, out).unwrap();
        }
    }
}

/// Each word of [`RENAMES`] replaced, as a whole word.
fn renamed() -> Vec<(String, String)> {
    RENAMES
        .iter()
        .map(|(old, new)| (format!(r"\b{old}\b"), (*new).to_owned()))
        .collect()
}

/// The code and its text as fields of the envelope itself, in the spec and in the examples.
fn flattened() -> Vec<(String, String)> {
    let nested = "      - { name: OperationState, type: OperationState, required: true, doc: Whether the request was processed. }\n";
    let fields = "      - { name: Code, type: StateCode, required: true, role: service_code, doc: Processing code. }\n      - { name: Desc, type: string, role: service_desc, doc: Text of the code. }\n";
    [
        // The structure stays, without its roles (nothing holds it now).
        (
            r"(\{ name: (Code|Desc), type: \w+,( required: true,)?) role: service_(code|desc),".into(),
            "$1".into(),
        ),
        (regex::escape(nested), fields.to_owned()),
        (r"<OperationState>(.*?)</OperationState>".into(), "$1".into()),
        (r#""OperationState":\{([^{}]*)\}"#.into(), "$1".into()),
    ]
    .into()
}

/// The workspace around the generated copy: this workspace's manifest, its members replaced and
/// its path dependencies made absolute, and its lock file (so that nothing is resolved anew).
fn workspace(dir: &Path) {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut out = String::new();
    for line in manifest.lines() {
        if line.starts_with("members = ") {
            out.push_str("members = [\"generated\", \"check\"]\n");
        } else if line.starts_with("exclude = ") {
            continue;
        } else if let Some((before, after)) = line.split_once("path = \"") {
            let abs = root().join(after.split('"').next().unwrap());
            let rest = after.split_once('"').unwrap().1;
            out.push_str(&format!("{before}path = \"{}\"{rest}\n", abs.display()));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(dir.join("Cargo.toml"), out).unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::create_dir_all(dir.join("check/src")).unwrap();
    std::fs::write(
        dir.join("check/Cargo.toml"),
        "[package]\nname = \"check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nintellectmoney = { path = \"../generated\", features = [\"mock\"] }\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt\"] }\n",
    )
    .unwrap();
    std::fs::write(dir.join("check/src/main.rs"), CHECK).unwrap();
}

/// The program run against the renamed crate: its client against its mock.
const CHECK: &str = r#"
use intellectmoney::mock::{MockServer, Override};
use intellectmoney::shop::ListOrders;
use intellectmoney::{Client, Error, Format};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mock = MockServer::builder().sign_secret("s").start();
    for format in [Format::Xml, Format::Json] {
        let client = Client::builder()
            .base_url(mock.url())
            .user_token("t")
            .sign_secret("s")
            .format(format)
            .build()
            .unwrap();
        let reply = client.list_orders(ListOrders::new(10)).await.unwrap();
        let order = &reply.result.orders[0];
        println!("{format:?} order {} amount {}", order.order_id, order.amount.unwrap());
        mock.set_for::<ListOrders>(Override::Refuse("not today".into()));
        match client.list_orders(ListOrders::new(10)).await {
            Err(Error::Refused { desc, .. }) => println!("{format:?} refused: {}", desc.unwrap_or_default()),
            other => panic!("{format:?}: not refused: {other:?}"),
        }
        mock.reset("listOrders");
    }
    // An answer in the envelope as it was is not this API's.
    let old = std::env::args().nth(1).unwrap();
    mock.set_for::<ListOrders>(Override::Respond { status: 200, content_type: "text/xml".into(), body: old.into() });
    let client = Client::builder().base_url(mock.url()).user_token("t").sign_secret("s").build().unwrap();
    match client.list_orders(ListOrders::new(10)).await {
        Err(Error::Decode(e)) => println!("old envelope: refused ({})", e.path),
        other => panic!("an answer in the old envelope was taken: {other:?}"),
    }
}
"#;

/// Generates the fixture spec changed by `edits` (its generated mock holding `in_mock`), builds
/// it with the check program, and runs that with `old` (an answer in the envelope as it was);
/// returns what it printed.
fn run_changed(edits: &[(String, String)], in_mock: &str, old: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec");
    copy_dir(&root().join("tests/fixtures/spec"), &spec);
    edit(&spec, edits);
    let layout = Layout {
        spec_dir: spec,
        spec_display: "spec/".into(),
        out_dir: dir.path().join("generated"),
    };
    let output = generate(&layout).unwrap_or_else(|d| panic!("{d}"));
    let mock = &output[Path::new("src/mock.rs")];
    assert!(mock.contains(in_mock), "{mock}");
    write(&layout, &output).unwrap();
    workspace(dir.path());
    let run = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "--offline", "-p", "check", "--", old])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", root().join("target/fixture-crate"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

/// What the check program prints: the values of the example
/// (tests/fixtures/spec/examples/shop/listOrders.response.*) and the text given to the mock.
fn assert_ran(lines: &[String]) {
    assert_eq!(
        lines[..4],
        [
            "Xml order 1 amount 11.0000",
            "Xml refused: not today",
            "Json order 1 amount 11.0000",
            "Json refused: not today",
        ],
        "{lines:#?}"
    );
    assert!(lines[4].starts_with("old envelope: refused"), "{lines:#?}");
}

#[test]
fn a_renamed_envelope_moves_the_client_and_the_mock_together() {
    // The generator takes the new names: no file it writes holds an old one as a string.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("tests/fixtures/spec"), dir.path());
    edit(dir.path(), &renamed());
    let layout = Layout {
        spec_dir: dir.path().to_owned(),
        spec_display: "spec/".into(),
        out_dir: dir.path().join("unused"),
    };
    let all: String = generate(&layout)
        .unwrap_or_else(|d| panic!("{d}"))
        .into_values()
        .collect();
    for (old, new) in RENAMES {
        assert!(all.contains(&format!("\"{new}\"")), "{new} is not written");
        assert!(!all.contains(&format!("\"{old}\"")), "{old} is still written");
    }
    let old = "<Response><OperationState><Code>0</Code></OperationState><Result><Orders/></Result></Response>";
    assert_ran(&run_changed(&renamed(), "service: Some(\"Processing\")", old));
}

#[test]
fn an_envelope_with_its_code_in_the_root_moves_the_client_and_the_mock_together() {
    let old = "<Response><OperationState><Code>0</Code></OperationState><Result><Orders/></Result></Response>";
    assert_ran(&run_changed(&flattened(), "service: None", old));
}
