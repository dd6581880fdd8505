//! `audit` as a maintainer meets it after a wiki change. The saved pages are not in the
//! repository (only what the audit took from them, `spec/audit/*.names`), so each test writes a
//! page from that index, one name per line in the shapes the wiki uses, and edits it as the wiki
//! would be edited.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_intellectmoney-codegen");

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A page holding every name of the committed index of `page`, one per line.
fn page_from_index(page: &str) -> Vec<String> {
    let index = std::fs::read_to_string(repository().join("spec/audit").join(format!("{page}.names"))).unwrap();
    let mut lines = Vec::new();
    for row in index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("sha256"))
    {
        let cols: Vec<&str> = row.split('\t').collect();
        lines.push(match cols[0] {
            "path" => format!("https://api.intellectmoney.ru{}", cols[1]),
            "value" => format!("{}Описание", cols[1]),
            _ => cols[1].to_owned(),
        });
    }
    lines
}

fn audit(page_name: &str, lines: &[String]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join(page_name);
    std::fs::write(&page, lines.join("\n") + "\n").unwrap();
    let o = Command::new(BIN)
        .current_dir(repository())
        .arg("audit")
        .arg(&page)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap(), text)
}

#[test]
fn the_committed_indexes_are_accounted_for() {
    let o = Command::new(BIN)
        .current_dir(repository())
        .arg("audit")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("0 unaccounted"), "{text}");
}

#[test]
fn a_page_with_the_index_names_is_accounted_for() {
    let (_, text) = audit("personal-api.txt", &page_from_index("personal-api.txt"));
    // The page differs from the real one (and says so), but every name is the spec's.
    assert!(!text.contains("is not in the spec"), "{text}");
    assert!(!text.contains("is on none of its pages"), "{text}");
    assert!(
        text.contains("personal-api.txt: the page changed since its index was written"),
        "{text}"
    );
}

#[test]
fn a_new_parameter_value_and_method_are_named_with_their_lines() {
    let mut lines = page_from_index("personal-api.txt");
    let at = lines.len();
    lines.push("https://api.intellectmoney.ru/personal/payment/getRefundsHistory".into());
    lines.push("Причина возвратаRefundReasonНетПричина, по которой вернули деньги.".into());
    lines.push("Disputed7ОспоренПокупатель оспорил платёж.".into());
    let (code, text) = audit("personal-api.txt", &lines);
    assert_eq!(code, 1, "{text}");
    for (line, what) in [
        (at + 1, "path `/personal/payment/getRefundsHistory`"),
        (at + 2, "name `RefundReason`"),
        (at + 3, "value `Disputed7`"),
    ] {
        let want = format!("personal-api.txt:{line}: {what}");
        assert!(text.contains(&want), "`{want}` not in:\n{text}");
    }
    assert_eq!(
        text.matches("is not in the spec").count() + text.matches("is not a value").count(),
        3,
        "{text}"
    );
    // The summary of what the page adds, for the pull request.
    assert!(text.contains("  + path /personal/payment/getRefundsHistory"), "{text}");
}

#[test]
fn a_name_the_page_drops_is_reported_against_the_spec() {
    let lines: Vec<String> = page_from_index("payout-api.ocr.txt")
        .into_iter()
        .filter(|l| l != "ErrorMessage")
        .collect();
    let (code, text) = audit("payout-api.ocr.txt", &lines);
    assert_eq!(code, 1);
    assert!(
        text.contains("spec/payout.yaml: payout::PayoutOperationData.ErrorMessage (field) is on none of its pages"),
        "{text}"
    );
}
