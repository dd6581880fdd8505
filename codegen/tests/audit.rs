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

/// A page holding every name of the committed index of `page`, one per line, then every fact of
/// it in the shapes the wiki writes them: request tables (`Имя параметра` … `Ответ`, a row as
/// `НазваниеNameДаОписание`), the Payout page's rows (`Name string(2,50)`) after their `Sign:`
/// line, and documents' tables (`<Doc>`, `ПолеТипОписание`, a row as `NametypeОписание`).
fn page_from_index(page: &str) -> Vec<String> {
    let index = std::fs::read_to_string(repository().join("spec/audit").join(format!("{page}.names"))).unwrap();
    let rows: Vec<Vec<&str>> = index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("sha256"))
        .map(|l| l.split('\t').collect())
        .collect();
    let mut lines = Vec::new();
    for cols in rows.iter().filter(|c| c.len() == 3) {
        lines.push(match cols[0] {
            "path" => format!("https://api.intellectmoney.ru{}", cols[1]),
            "value" => format!("{}Описание", cols[1]),
            // An example's key, as a form body writes it.
            "key" => format!("{}=1", cols[1]),
            _ => cols[1].to_owned(),
        });
    }
    let facts: Vec<&Vec<&str>> = rows.iter().filter(|c| c.len() == 4).collect();
    request_tables(&facts, &mut lines);
    document_tables(&facts, &mut lines);
    lines
}

fn attr<'a>(attrs: &'a str, key: &str) -> Option<&'a str> {
    attrs.split(' ').find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
}

/// The methods' parameter rows and signs, one block per method.
fn request_tables(facts: &[&Vec<&str>], lines: &mut Vec<String>) {
    let mut methods: Vec<&str> = facts.iter().filter(|c| c[0] != "field").map(|c| c[1]).collect();
    methods.dedup();
    for m in methods {
        lines.push(format!("URL: https://api.intellectmoney.ru{m}"));
        for c in facts.iter().filter(|c| c[0] == "sign" && c[1] == m) {
            lines.push(format!("Sign: {}", attr(c[3], "slots").unwrap()));
        }
        let rows: Vec<&&Vec<&str>> = facts.iter().filter(|c| c[0] == "param" && c[1] == m).collect();
        if rows.iter().any(|c| attr(c[3], "required").is_some()) {
            lines.push("Имя параметра".into());
            for c in &rows {
                let mark = match attr(c[3], "required").unwrap() {
                    "yes" => "Да",
                    "no" => "Нет",
                    _ => "Да, если передан другой",
                };
                lines.push(format!("Название{}{mark}", c[2]));
                lines.push(match attr(c[3], "max_len") {
                    Some(n) => format!("Описание. Максимальная длина – {n} символов"),
                    None => "Описание.".into(),
                });
            }
            lines.push("Ответ".into());
        } else {
            for c in &rows {
                let len = match (attr(c[3], "min_len"), attr(c[3], "max_len")) {
                    (Some(a), Some(b)) if a == b => format!("({a})"),
                    (Some(a), Some(b)) => format!("({a},{b})"),
                    _ => String::new(),
                };
                lines.push(format!("{} {}{len} описание", c[2], attr(c[3], "type").unwrap()));
            }
            lines.push("Response.".into());
        }
    }
}

/// The documents' tables.
fn document_tables(facts: &[&Vec<&str>], lines: &mut Vec<String>) {
    let mut docs: Vec<&str> = facts.iter().filter(|c| c[0] == "field").map(|c| c[1]).collect();
    docs.dedup();
    for d in docs {
        // A table headed in words (`Оплата`) has no `<…>`.
        let named = d.chars().all(|c| c.is_ascii_alphanumeric());
        lines.push(if named { format!("<{d}>") } else { d.to_owned() });
        lines.push("ПолеТипОписание".into());
        for c in facts.iter().filter(|c| c[0] == "field" && c[1] == d) {
            let ty = attr(c[3], "type").unwrap();
            if ty.starts_with(|c: char| c.is_ascii_uppercase())
                && !ty.contains('<')
                && !ty.ends_with("Enum")
                && ty != "DateTime"
                && ty != "GUID"
            {
                // A type named without brackets (`MethodResult`) stands on its own line.
                lines.extend([c[2].to_owned(), ty.to_owned(), "Описание".to_owned()]);
            } else {
                lines.push(format!("{}{ty}Описание", c[2]));
            }
        }
        lines.push(String::new());
    }
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

/// `audit PAGE [--update]` on a copy of the repository's `spec/` (so that `--update` writes
/// there): (exit code, output, the page's index afterwards).
fn audit_copy(page_name: &str, lines: &[String], update: bool, edit_spec: impl Fn(&Path)) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    copy(&repository().join("spec"), &root.join("spec"));
    std::fs::create_dir_all(root.join("generated")).unwrap();
    edit_spec(&root.join("spec"));
    let page = dir.path().join(page_name);
    std::fs::write(&page, lines.join("\n") + "\n").unwrap();
    let mut cmd = Command::new(BIN);
    cmd.arg("--root").arg(&root).arg("audit").arg(&page);
    if update {
        cmd.arg("--update");
    }
    let o = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let index = std::fs::read_to_string(root.join("spec/audit").join(format!("{page_name}.names"))).unwrap();
    (o.status.code().unwrap(), text, index)
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The index of the line `text` at or after `from`.
fn find(lines: &[String], from: usize, text: &str) -> usize {
    from + lines[from..]
        .iter()
        .position(|l| l == text)
        .unwrap_or_else(|| panic!("`{text}` is not on the page after line {from}"))
}

/// The index of the line `text` in the block that starts with `head`.
fn in_block(lines: &[String], head: &str, text: &str) -> usize {
    find(lines, find(lines, 0, head), text)
}

const PERSONAL: &str = "personal-api.txt";
const PAYOUT: &str = "payout-api.ocr.txt";
const INVOICES: &str = "URL: https://api.intellectmoney.ru/personal/payment/getInvoicesHistory";
const PAYMENTS: &str = "URL: https://api.intellectmoney.ru/personal/payment/getPaymentsHistory";
const ESHOP_INFO: &str = "URL: https://api.intellectmoney.ru/personal/eshop/getEshopInfo";
const CARD: &str = "URL: https://api.intellectmoney.ru/personal/payout/CreateBankCardRussiaOperation";

/// What `audit` must say: the 1-based line it names (`None` for a removed row), and the text.
type Said = (Option<usize>, String);

/// One wiki change: the page, the edit, and what `audit` must say of it (each with the line it
/// names, `None` for a removed row, which has none).
struct WikiChange {
    name: &'static str,
    page: &'static str,
    edit: fn(&mut Vec<String>) -> Vec<Said>,
}

const SEVEN: &[WikiChange] = &[
    WikiChange {
        name: "an optional parameter",
        page: PERSONAL,
        edit: |l| {
            let at = in_block(l, INVOICES, "Ответ");
            l.splice(at..at, ["НазваниеFilterModeНет".to_owned(), "Описание.".to_owned()]);
            vec![(
                Some(at + 1),
                "parameter FilterMode of /personal/payment/getInvoicesHistory: row added (required=no)".into(),
            )]
        },
    },
    WikiChange {
        name: "an enum value",
        page: PERSONAL,
        edit: |l| {
            l.insert(0, "Disputed7Оспорен".into());
            vec![(
                Some(1),
                "value `Disputed7` (name and number run together) is not a value of the spec".into(),
            )]
        },
    },
    WikiChange {
        name: "int to decimal",
        page: PERSONAL,
        edit: |l| {
            let at = in_block(l, "<EshopInfo>", "EshopIdintОписание");
            l[at] = "EshopIddecimalОписание".into();
            vec![(Some(at + 1), "field EshopId of <EshopInfo>: type int → decimal".into())]
        },
    },
    WikiChange {
        name: "a wire rename",
        page: PERSONAL,
        edit: |l| {
            let at = in_block(l, ESHOP_INFO, "НазваниеOrganizationIdНет");
            l[at] = "НазваниеOrgIdНет".into();
            vec![
                (
                    Some(at + 1),
                    "parameter OrgId of /personal/eshop/getEshopInfo: row added (required=no)".into(),
                ),
                (
                    None,
                    "parameter OrganizationId of /personal/eshop/getEshopInfo: row removed (was required=no)".into(),
                ),
            ]
        },
    },
    WikiChange {
        name: "a Sign order",
        page: PAYOUT,
        edit: |l| {
            let at = find(
                l,
                find(l, 0, CARD),
                "Sign: UserToken::Pan::Account::Amount::Currency::RecipientNane::signSecretKey",
            );
            l[at] = "Sign: UserToken::Account::Pan::Amount::Currency::RecipientNane::signSecretKey".into();
            vec![(
                Some(at + 1),
                "Sign of /personal/payout/CreateBankCardRussiaOperation: Sign order changed: UserToken::Pan::Account::Amount::Currency::RecipientNane::signSecretKey → UserToken::Account::Pan::Amount::Currency::RecipientNane::signSecretKey".into(),
            )]
        },
    },
    WikiChange {
        name: "a new method",
        page: PERSONAL,
        edit: |l| {
            let at = l.len();
            l.extend(
                [
                    "URL: https://api.intellectmoney.ru/personal/payment/getRefundsHistory",
                    "Имя параметра",
                    "НазваниеUserTokenДа",
                    "Описание.",
                    "Ответ",
                ]
                .map(str::to_owned),
            );
            vec![
                (
                    Some(at + 1),
                    "path `/personal/payment/getRefundsHistory` is not in the spec".into(),
                ),
                (
                    Some(at + 3),
                    "parameter UserToken of /personal/payment/getRefundsHistory: row added (required=yes)".into(),
                ),
            ]
        },
    },
    WikiChange {
        name: "a removed field and a parameter made required",
        page: PERSONAL,
        edit: |l| {
            let at = in_block(l, "<InvoiceData>", "CommentstringОписание");
            l.remove(at);
            let req = in_block(l, PAYMENTS, "НазваниеEshopIdНет");
            l[req] = "НазваниеEshopIdДа".into();
            vec![
                (
                    None,
                    "field Comment of <InvoiceData>: row removed (was type=string)".into(),
                ),
                (
                    Some(req + 1),
                    "parameter EshopId of /personal/payment/getPaymentsHistory: required no → yes".into(),
                ),
            ]
        },
    },
];

#[test]
fn seven_wiki_changes_are_each_named_as_the_fact_that_changed_and_update_cannot_hide_them() {
    for change in SEVEN {
        let mut lines = page_from_index(change.page);
        let wants = (change.edit)(&mut lines);
        let (code, text) = audit(change.page, &lines);
        assert_eq!(code, 1, "{}: {text}", change.name);
        for (line, what) in wants {
            let at = line.map_or(String::new(), |n| format!(":{n}"));
            let want = format!("{}{at}: {what}", change.page);
            assert!(text.contains(&want), "{}: `{want}` not in:\n{text}", change.name);
        }
        let before =
            std::fs::read_to_string(repository().join("spec/audit").join(format!("{}.names", change.page))).unwrap();
        let (code, text, after) = audit_copy(change.page, &lines, true, |_| {});
        assert_eq!(code, 1, "{}: {text}", change.name);
        assert!(text.contains("nothing written"), "{}: {text}", change.name);
        assert_eq!(after, before, "{}: --update wrote the index", change.name);
    }
}

#[test]
fn once_the_spec_agrees_update_records_the_page() {
    let mut lines = page_from_index(PERSONAL);
    let at = in_block(&lines, PAYMENTS, "НазваниеEshopIdНет");
    lines[at] = "НазваниеEshopIdДа".into();
    let required = |spec: &Path| {
        let file = spec.join("personal.yaml");
        let text = std::fs::read_to_string(&file).unwrap();
        let old = "      - { name: EshopId, type: EshopId, doc: \"Shop id.\" }\n      - { name: PaymentTransactionId";
        assert!(text.contains(old));
        let new = "      - { name: EshopId, type: EshopId, required: true, doc: \"Shop id.\" }\n      - { name: PaymentTransactionId";
        std::fs::write(file, text.replacen(old, new, 1)).unwrap();
    };
    let (code, text, index) = audit_copy(PERSONAL, &lines, true, required);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("wrote"), "{text}");
    assert!(
        index.contains("param\t/personal/payment/getPaymentsHistory\tEshopId\trequired=yes\n"),
        "{index}"
    );
}

/// The committed index's parameter rows of each method path, in the index's order.
fn rows_by_method(page: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let index = std::fs::read_to_string(repository().join("spec/audit").join(format!("{page}.names"))).unwrap();
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for cols in index.lines().map(|l| l.split('\t').collect::<Vec<_>>()) {
        if cols.len() == 4 && cols[0] == "param" {
            out.entry(cols[1].to_owned()).or_default().push(cols[2].to_owned());
        }
    }
    out
}

#[test]
fn every_request_table_row_of_both_pages_is_read() {
    // getInvoicesHistory's table as the wiki shows it (read by eye from the page), including the
    // row whose title cell ends in a bracket: `Email пользователя (покупателя)OwnerEmailНет`.
    let personal = rows_by_method(PERSONAL);
    let mut invoices = personal["/personal/payment/getInvoicesHistory"].clone();
    invoices.sort();
    let mut want = [
        "UserToken",
        "EshopId",
        "OrganizationId",
        "State",
        "InvoiceId",
        "IncludePaymentTransactions",
        "IsHoldingSearch",
        "OwnerEmail",
        "SortOrder",
        "DateFrom",
        "DateTo",
        "ChangeDateFrom",
        "ChangeDateTo",
        "Skip",
        "Take",
        "WithRefunds",
    ];
    want.sort();
    assert_eq!(invoices, want);

    // Every method the spec takes from a page has its table read, and the rows are the spec's
    // parameters (a difference is one the spec explains: `audit` checks that, fact by fact).
    let layout = intellectmoney_codegen::Layout::repository(&repository());
    let ir = intellectmoney_codegen::build_ir(&layout).unwrap();
    for page in [PERSONAL, PAYOUT] {
        let rows = rows_by_method(page);
        let spec = intellectmoney_codegen::audit::agree::SpecFacts::of(&ir, page);
        let read: Vec<String> = rows
            .keys()
            .filter_map(|p| spec.method(p))
            .map(|m| m.wire.clone())
            .collect();
        let unread: Vec<String> = ir
            .apis
            .iter()
            .filter(|a| a.wiki.as_ref().is_some_and(|w| w.pages.iter().any(|p| p == page)))
            .flat_map(|a| &a.methods)
            .filter(|m| !m.params.is_empty() && !read.contains(&m.wire))
            .filter(|m| !m.notes.iter().any(|n| n.starts_with("Source:")))
            .map(|m| m.wire.clone())
            .collect();
        assert!(
            unread.is_empty(),
            "{page}: no rows read for {unread:?}; read: {rows:#?}"
        );
        for (path, names) in &rows {
            let m = spec
                .method(path)
                .unwrap_or_else(|| panic!("{page}: {path} is no method of the spec"));
            let params: Vec<String> = m.params.iter().map(|p| p.wire.to_lowercase()).collect();
            let strangers: Vec<&String> = names.iter().filter(|n| !params.contains(&spec.meant(n))).collect();
            assert!(
                strangers.is_empty(),
                "{page}: {path}: rows {strangers:?} are not parameters {params:?}"
            );
        }
    }
}

#[test]
fn another_api_saved_under_the_name_is_called_the_wrong_page() {
    let lines: Vec<String> = [
        "https://api.example.org/personal/orders/createOrder",
        "Имя параметра",
        "Суммаamountдаwhatever",
        "amount",
        "currency",
        "balance",
        "orderId",
    ]
    .map(str::to_owned)
    .to_vec();
    let (code, text) = audit(PERSONAL, &lines);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("personal-api.txt: only 0 of the "), "{text}");
    assert!(text.contains("is it the right page?"), "{text}");
    // Its generic words are not taken for the spec's names (`Currency`, `Balance`); `amount`
    // is one, as the receipt documents spell it.
    for word in ["currency", "balance"] {
        assert!(
            text.contains(&format!("name `{word}`")),
            "`{word}` was accepted:\n{text}"
        );
    }
}

/// Adds `field` to the type `ty` of `spec/personal.yaml` under `spec`.
fn add_field(spec: &Path, ty: &str, field: &str) {
    let file = spec.join("personal.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let head = format!("  - name: {ty}\n");
    let at = text.find(&head).unwrap_or_else(|| panic!("no type {ty}"));
    let fields = at + text[at..].find("    fields:\n").unwrap() + "    fields:\n".len();
    let mut new = text.clone();
    new.insert_str(fields, &format!("      - {field}\n"));
    std::fs::write(file, new).unwrap();
}

#[test]
fn a_field_added_beyond_the_wiki_needs_a_source_and_an_example_source_needs_the_example() {
    let page = page_from_index(PERSONAL);
    let unsourced = |spec: &Path| {
        add_field(
            spec,
            "InvoiceData",
            "{ name: NovelField, type: string, doc: Something new. }",
        )
    };
    let (code, text, _) = audit_copy(PERSONAL, &page, false, unsourced);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("field NovelField of InvoiceData is not a row of the page's table <InvoiceData>"),
        "{text}"
    );
    let unfounded = |spec: &Path| {
        add_field(
            spec,
            "InvoiceData",
            "{ name: NovelField, type: string, doc: Something new., source: example }",
        )
    };
    let (code, text, _) = audit_copy(PERSONAL, &page, false, unfounded);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "personal::InvoiceData.NovelField says `source: example`, but no example of the API holds `NovelField`"
        ),
        "{text}"
    );
    assert!(!text.contains("field NovelField of InvoiceData is not a row"), "{text}");
}
