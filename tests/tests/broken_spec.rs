//! Broken specs: each kind of mistake is reported as `file:line:col: message`, and nothing is
//! written. Every case copies the fixture spec (`tests/fixtures/spec`), breaks one thing in it,
//! and expects the error at the place of the break, found independently of the generator: the
//! line and column of a marker text inside the replacement.

use intellectmoney_codegen::{generate, write, Layout};
use intellectmoney_tests::{copy_dir, root};

/// One broken spec: in `file`, the first `find` becomes `replace`.
struct Case {
    name: &'static str,
    file: &'static str,
    find: &'static str,
    replace: &'static str,
    /// Where the error points: the first occurrence of this text inside `replace`, or, when the
    /// replacement does not hold it (a removal), in the whole broken file.
    at: &'static str,
    /// The error message (after `file:line:col: `) contains this.
    message: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "limit_without_source",
        file: "shop.yaml",
        find: "{ name: Take, type: int, required: true, min: 1, doc: Records to return., note: A page of none means nothing. }",
        replace: "{ name: Take, type: int, required: true, min: 1, doc: Records to return. }",
        at: "Take",
        message: "limit 1 of `Take` is neither in its doc (the wiki's words) nor explained by `source:` or `note:`",
    },
    Case {
        name: "numbered_field_without_number",
        file: "shop.yaml",
        find: "name: \"Extra_{n}\"",
        replace: "name: \"Extra_\"",
        at: "\"Extra_",
        message: "a numbered field's name holds `{n}` once",
    },
    Case {
        name: "limit_on_an_answer_field",
        file: "shop.yaml",
        find: "{ name: Amount, type: decimal, doc: Amount with its scale. }",
        replace: "{ name: Amount, type: decimal, max_places: 2, doc: Amount with its scale (2 places). }",
        at: "Amount",
        message: "only fields of documents take them",
    },
    Case {
        name: "lengths_on_a_number",
        file: "shop.yaml",
        find: "{ name: Skip, type: int, min: 0,",
        replace: "{ name: Skip, type: int, lengths: [0], min: 0,",
        at: "Skip",
        message: "limit `lengths` does not apply to type `int`",
    },
    Case {
        name: "swappable_arguments",
        file: "shop.yaml",
        find: "{ name: Plan, type: string, doc: Repeat plan. }",
        replace: "{ name: Plan, type: string, required: true, doc: Repeat plan. }\n      - { name: Note, type: string, required: true, doc: A second text. }",
        at: "Note",
        message: "would take `plan` and `note`, both of type `string`",
    },
    Case {
        name: "id_of_unknown_type",
        file: "shop.yaml",
        find: "{ name: OrderNo, type: long,",
        replace: "{ name: OrderNo, type: decimal,",
        at: "decimal",
        message: "an id type wraps `int`, `long` or `string`, not `decimal`",
    },
    Case {
        name: "alias_on_required_parameter",
        file: "shop.yaml",
        find: "{ name: Take, type: int, required: true,",
        replace: "{ name: Take, type: int, rust_alias: count, required: true,",
        at: "Take",
        message: "rust_alias keeps a setter: a required parameter has none",
    },
    Case {
        name: "parameter_rust_name_not_snake_case",
        file: "shop.yaml",
        find: "rust: buyer_email,",
        replace: "rust: BuyerEmail,",
        at: "BuyerEmail",
        message: "rust name `BuyerEmail` must be a snake_case identifier",
    },
    Case {
        name: "yaml_syntax",
        file: "common.yaml",
        find: "title: Fixture envelope",
        replace: "title: Fixture: envelope\n  - x",
        at: ": envelope",
        message: "YAML syntax error",
    },
    Case {
        name: "duplicate_key",
        file: "shop.yaml",
        find: "    effect: read\n",
        replace: "    effect: read\n    effect: write\n",
        at: "effect: write",
        message: "duplicate key `effect`",
    },
    Case {
        name: "unknown_key",
        file: "shop.yaml",
        find: "    deprecated: Use nothing",
        replace: "    deprecate: Use nothing",
        at: "deprecate",
        message: "unknown key `deprecate`",
    },
    Case {
        name: "unknown_key_in_flow_map",
        file: "shop.yaml",
        find: "{ name: Skip, type: int, min: 0,",
        replace: "{ name: Skip, type: int, minimum: 0,",
        at: "minimum",
        message: "unknown key `minimum`",
    },
    Case {
        name: "missing_key",
        file: "shop.yaml",
        find: "    path: /shop/sendReceipt\n",
        replace: "",
        at: ": sendReceipt",
        message: "missing field `path`",
    },
    Case {
        name: "unknown_type",
        file: "shop.yaml",
        find: "type: OrderState, encoding: code, doc: Only orders",
        replace: "type: OrderStat, encoding: code, doc: Only orders",
        at: "OrderStat",
        message: "unknown type `OrderStat` (did you mean `OrderState`?)",
    },
    Case {
        name: "builtin_type_name",
        file: "pay.yaml",
        find: "  - name: Payout\n",
        replace: "  - name: decimal\n",
        at: "decimal",
        message: "`decimal` is a built-in type name",
    },
    Case {
        name: "duplicate_type",
        file: "shop.yaml",
        find: "  - name: Line\n    doc: A receipt line.",
        replace: "  - name: Extra\n    doc: A receipt line.",
        at: "Extra",
        message: "duplicate type or enum name `Extra`",
    },
    Case {
        name: "duplicate_method",
        file: "shop.yaml",
        find: "  - name: sendReceipt",
        replace: "  - name: listOrders",
        at: "listOrders",
        message: "duplicate method `listOrders`",
    },
    Case {
        name: "duplicate_param",
        file: "shop.yaml",
        find: "{ name: Holding, type: bool, encoding: flag01",
        replace: "{ name: Detailed, type: bool, encoding: flag01",
        at: "Detailed",
        message: "duplicate parameter `Detailed`",
    },
    Case {
        name: "duplicate_field",
        file: "shop.yaml",
        find: "{ name: Paid, type: bool, doc: Paid. }",
        replace: "{ name: Amount, type: bool, doc: Paid. }",
        at: "Amount",
        message: "duplicate field `Amount`",
    },
    Case {
        name: "alias_names_another_field",
        file: "shop.yaml",
        find: "{ name: Paid, type: bool, doc: Paid. }",
        replace: "{ name: Paid, type: bool, aliases: [Amount], doc: Paid. }",
        at: "Amount",
        message: "`Amount` names two fields",
    },
    Case {
        name: "duplicate_enum_value",
        file: "shop.yaml",
        find: "{ name: Cancelled, code: 6",
        replace: "{ name: Paid, code: 6",
        at: "Paid",
        message: "duplicate value `Paid`",
    },
    Case {
        name: "duplicate_enum_code",
        file: "shop.yaml",
        find: "{ name: Cancelled, code: 6",
        replace: "{ name: Cancelled, code: 5",
        at: "5",
        message: "duplicate code 5",
    },
    Case {
        name: "reserved_enum_value",
        file: "shop.yaml",
        find: "{ name: Digital, doc: Digital goods. }",
        replace: "{ name: Unknown, doc: Digital goods. }",
        at: "Unknown",
        message: "`Unknown` is reserved",
    },
    Case {
        name: "sign_slot_names_no_param",
        file: "shop.yaml",
        find: "template: \"UserToken::Skip::Take::Gone::State::signSecretKey\"",
        replace: "template: \"UserToken::Skip::Take::Gone::Stat::signSecretKey\"",
        at: "\"UserToken",
        message: "Sign slot `Stat` names no parameter",
    },
    Case {
        // A parameter renamed without its Sign slot: the message points at the rename, not at
        // `absent` (which would sign an empty slot while the value is sent).
        name: "param_renamed_but_not_its_sign_slot",
        file: "shop.yaml",
        find: "{ name: State, type: OrderState, encoding: code,",
        replace: "{ name: Status, type: OrderState, encoding: code,",
        at: "\"UserToken",
        message: "Sign slot `State` names no parameter. Was a parameter renamed? Not in the template: `Status`; write the new name in this slot.",
    },
    Case {
        // A parameter sent by a signed method without a slot in its template or a place under
        // `unsigned:`: the server would refuse the Sign, or the spec forgot to say it is unsigned.
        name: "param_without_a_sign_slot",
        file: "shop.yaml",
        find: "unsigned: [Kind, From,",
        replace: "unsigned: [From,",
        at: "\"UserToken",
        message: "parameter `Kind` is sent but has no slot in the Sign template",
    },
    Case {
        name: "sign_without_secret",
        file: "pay.yaml",
        find: "template: \"EshopId::Amount::Pan::::signSecretKey\"",
        replace: "template: \"EshopId::Amount::Pan::\"",
        at: "\"EshopId",
        message: "must end with `::signSecretKey`",
    },
    Case {
        name: "pagination_key_names_no_field",
        file: "shop.yaml",
        find: "items: Orders, key: OrderId }",
        replace: "items: Orders, key: OrderNo }",
        at: "OrderNo",
        message: "pagination key `OrderNo` is not a number, text or GUID field of `Order`",
    },
    Case {
        name: "unknown_sign_version",
        file: "pay.yaml",
        find: "      version: old\n",
        replace: "      version: olde\n",
        at: "olde",
        message: "unknown version `olde`: the versions are new, old",
    },
    Case {
        name: "two_default_versions",
        file: "pay.yaml",
        find: "{ name: old, doc: The older version. }",
        replace: "{ name: old, default: true, reason: Also., doc: The older version. }",
        at: "new",
        message: "exactly one version is `default: true`; 2 are",
    },
    Case {
        name: "a_version_without_its_template",
        file: "pay.yaml",
        find: "version: new, source: portal }",
        replace: "source: portal }",
        at: "\"EshopId::Amount::Pan::::",
        message: "method `SendPayout` has no Sign template for the `new` version",
    },
    Case {
        name: "sign_absent_is_a_param",
        file: "shop.yaml",
        find: "absent: [Gone]",
        replace: "absent: [Take]",
        at: "Take",
        message: "`Take` is a parameter",
    },
    Case {
        name: "required_when_names_no_param",
        file: "shop.yaml",
        find: "required_when: { param: Plan }",
        replace: "required_when: { param: Plans }",
        at: "Plans",
        message: "`Plans`",
    },
    Case {
        name: "required_when_bad_value",
        file: "shop.yaml",
        find: "is: [Digital]",
        replace: "is: [Digitl]",
        at: "Digitl",
        message: "`Digitl` is not a value of enum `OrderKind`",
    },
    Case {
        name: "unknown_encoding",
        file: "shop.yaml",
        find: "{ name: Holding, type: bool, encoding: flag01",
        replace: "{ name: Holding, type: bool, encoding: flag10",
        at: "flag10",
        message: "unknown encoding `flag10`",
    },
    Case {
        name: "encoding_wrong_type",
        file: "shop.yaml",
        find: "{ name: From, type: date, doc:",
        replace: "{ name: From, type: date, encoding: flag01, doc:",
        at: "flag01",
        message: "flag01",
    },
    Case {
        name: "code_encoding_without_codes",
        file: "shop.yaml",
        find: "{ name: Kind, type: OrderKind, doc:",
        replace: "{ name: Kind, type: OrderKind, encoding: code, doc:",
        at: "code,",
        message: "code",
    },
    Case {
        name: "bad_auth",
        file: "shop.yaml",
        find: "auth: certificate",
        replace: "auth: cert",
        at: "cert",
        message: "auth",
    },
    Case {
        name: "bad_effect",
        file: "pay.yaml",
        find: "effect: money",
        replace: "effect: cash",
        at: "cash",
        message: "effect",
    },
    Case {
        name: "bad_body",
        file: "pay.yaml",
        find: "body: json",
        replace: "body: xml",
        at: "xml",
        message: "body must be `form` or `json`, not `xml`",
    },
    Case {
        name: "bad_from",
        file: "shop.yaml",
        find: "from: session, required: true",
        replace: "from: cookie, required: true",
        at: "cookie",
        message: "from must be `session`, not `cookie`",
    },
    Case {
        name: "bad_secret",
        file: "pay.yaml",
        find: "{ name: Pan, type: string, secret: card",
        replace: "{ name: Pan, type: string, secret: partly",
        at: "partly",
        message: "secret",
    },
    Case {
        name: "relative_path",
        file: "shop.yaml",
        find: "path: /shop/sendReceipt",
        replace: "path: shop/sendReceipt",
        at: "shop/",
        message: "path",
    },
    Case {
        name: "missing_example_file",
        file: "shop.yaml",
        find: "xml: shop/listOrders.response.xml",
        replace: "xml: shop/listOrder.response.xml",
        at: "shop/listOrder.",
        message: "example file `shop/listOrder.response.xml` does not exist",
    },
    Case {
        name: "example_original_missing",
        file: "pay.yaml",
        find: "original: json",
        replace: "original: xml",
        at: "xml",
        message: "original is `xml`, but the example has no xml file",
    },
    Case {
        name: "result_is_a_document",
        file: "shop.yaml",
        find: "result: bool",
        replace: "result: Receipt",
        at: "Receipt",
        message: "must be a response type",
    },
    Case {
        name: "request_type_clash",
        file: "pay.yaml",
        find: "  - name: SendPayout",
        replace: "  - name: PayMethod",
        at: "PayMethod",
        message: "PayMethod",
    },
    Case {
        name: "limit_not_applicable",
        file: "shop.yaml",
        find: "{ name: Detailed, type: bool, doc:",
        replace: "{ name: Detailed, type: bool, max_len: 4, doc:",
        at: "Detailed",
        message: "does not apply to type `bool`",
    },
    Case {
        name: "min_len_above_max_len",
        file: "shop.yaml",
        find: "{ name: Email, type: string, rust: buyer_email, min_len: 3, max_len: 10",
        replace: "{ name: Email, type: string, rust: buyer_email, min_len: 30, max_len: 10",
        at: "Email",
        message: "min_len 30 is above max_len 10",
    },
    Case {
        name: "item_on_non_list",
        file: "shop.yaml",
        find: "{ name: Guid, type: guid, doc: GUID. }",
        replace: "{ name: Guid, type: guid, item: Id, doc: GUID. }",
        at: "Id,",
        message: "`item` is only allowed on a list",
    },
    Case {
        name: "result_outside_envelope",
        file: "shop.yaml",
        find: "{ name: Note, type: string, doc: A note. }",
        replace: "{ name: Note, type: result, doc: A note. }",
        at: "result",
        message: "only allowed in the envelope",
    },
    Case {
        name: "json_of_non_struct",
        file: "shop.yaml",
        find: "type: \"json<Extra>\"",
        replace: "type: \"json<OrderKind>\"",
        at: "\"json",
        message: "must hold a structure",
    },
    Case {
        name: "date_in_response",
        file: "shop.yaml",
        find: "{ name: Created, type: datetime",
        replace: "{ name: Created, type: date",
        at: "date",
        message: "use `datetime`",
    },
    Case {
        name: "pagination_not_integer",
        file: "shop.yaml",
        find: "pagination: { skip: Skip,",
        replace: "pagination: { skip: Email,",
        at: "Email",
        message: "`Email`, which is not an integer parameter",
    },
    Case {
        name: "pagination_items_not_list",
        file: "shop.yaml",
        find: "items: Orders, key",
        replace: "items: State, key",
        at: "State",
        message: "pagination items `State` is not a list field of `OrderList`",
    },
    Case {
        name: "no_envelope",
        file: "common.yaml",
        find: "    envelope: true\n",
        replace: "",
        at: "common",
        message: "no type has `envelope: true`",
    },
    Case {
        name: "bad_response_format",
        file: "shop.yaml",
        find: "  - { format: json, accept: text/json }",
        replace: "  - { format: yaml, accept: text/json }",
        at: "yaml",
        message: "format must be `xml` or `json`, not `yaml`",
    },
    Case {
        name: "no_content_type",
        file: "pay.yaml",
        find: "content_type: application/json\n",
        replace: "",
        at: "pay",
        message: "an API with methods needs `content_type`",
    },
    Case {
        name: "two_request_states",
        file: "pay.yaml",
        find: "  - name: Payout\n    doc: A payout.\n",
        replace: "  - name: Payout\n    doc: A payout.\n    request_state: true\n",
        at: "Payout",
        message: "only one type can have `request_state: true`",
    },
    Case {
        name: "notification_hash_order_names_no_field",
        file: "shop.yaml",
        find: "order: [shopId, amount, state, key]",
        replace: "order: [shopId, amount, status, key]",
        at: "status",
        message: "hash order names `status`, which is not a field",
    },
    Case {
        name: "notification_event_unhashed",
        file: "shop.yaml",
        find: "invoice: [shopId]",
        replace: "invoice: [at]",
        at: "at]",
        message: "`at` is not a hashed field: an event is named by what the hash vouches for",
    },
    Case {
        name: "notification_event_order_incomplete",
        file: "shop.yaml",
        find: "order: [Created, Paid, Cancelled]",
        replace: "order: [Created, Paid, Paid]",
        at: "Paid]",
        message: "`Paid` is named twice in the events' order",
    },
    Case {
        name: "notification_bad_charset",
        file: "shop.yaml",
        find: "charset: windows-1251",
        replace: "charset: koi8-r",
        at: "koi8-r",
        message: "charset must be `windows-1251` or `utf-8`, not `koi8-r`",
    },
    Case {
        name: "field_names_no_notification",
        file: "shop.yaml",
        find: "notification: ShopNotification, aliases",
        replace: "notification: ShopNote, aliases",
        at: "ShopNote",
        message: "`ShopNote` is not the name of a notification",
    },
    Case {
        name: "payout_amount_outside_a_payout_creation",
        file: "shop.yaml",
        find: "{ name: Skip, type: int, min: 0,",
        replace: "{ name: Skip, type: int, role: payout_amount, min: 0,",
        at: "payout_amount",
        message: "role `payout_amount` belongs on a parameter of a `payout_create` method",
    },
    Case {
        name: "unknown_parameter_role",
        file: "shop.yaml",
        find: "{ name: Skip, type: int, min: 0,",
        replace: "{ name: Skip, type: int, role: payout_total, min: 0,",
        at: "payout_total",
        message: "`payout_total` is not a role of a parameter; one of: payout_amount, payout_currency",
    },
    Case {
        name: "a_method_named_like_a_method_of_every_client",
        file: "shop.yaml",
        find: "  - name: signIn",
        replace: "  - name: login",
        at: "login",
        message: "method `login` would be `client.login(..)`, a method every client has (codegen/src/fixed/): it would not compile beside it",
    },
    Case {
        name: "envelope_code_without_its_words",
        file: "common.yaml",
        find: "{ name: Failed, code: 2, final: true, role: failed, text: Not done, doc: Failed. }",
        replace: "{ name: Failed, code: 2, final: true, role: failed, doc: Failed. }",
        at: "failed",
        message: "the mock answers with the words of `role: failed`: give `StateCode.Failed` its `text:` (the wiki's words)",
    },
];

/// Breaks that rightly cause more than one error; every other case must give exactly one (one
/// mistake is not reported again where its name is used).
const CONSEQUENCES: &[(&str, usize)] = &[
    // `Cancelled` is gone: the notification's events' order names no value.
    ("duplicate_enum_value", 2),
    // `state` is no longer hashed: the notification's events cannot be named by it.
    ("notification_hash_order_names_no_field", 2),
    // `Payout` is gone (the method's result names it), and `decimal` is no UpperCamelCase name.
    ("builtin_type_name", 3),
    // `Line` is gone: `list<Line>` names an unknown type.
    ("duplicate_type", 2),
    // `Digital` is gone: `is: [Digital]` names no value.
    ("reserved_enum_value", 2),
    // `Gone` is no longer absent: the template's slot names no parameter.
    ("sign_absent_is_a_param", 2),
    // The `old` version has lost its template to the misspelt one.
    ("unknown_sign_version", 2),
    // No `UserToken` comes from the session: auth `user_token` cannot work.
    ("bad_from", 2),
    // No envelope: the `Result` field is outside one.
    ("no_envelope", 2),
    // The added parameter `Note` has no slot in the method's Sign template either.
    ("swappable_arguments", 2),
    // `Holding`, renamed to a duplicate, is gone from the parameters the Sign's `unsigned` names.
    ("duplicate_param", 2),
];

/// 1-based line and column (in characters) of byte offset `at` of `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn run(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let spec_dir = dir.path().join("spec");
    copy_dir(&root().join("tests/fixtures/spec"), &spec_dir);
    let path = spec_dir.join(case.file);
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text
        .find(case.find)
        .unwrap_or_else(|| panic!("{}: `{}` is not in {}", case.name, case.find, case.file));
    let broken = format!("{}{}{}", &text[..start], case.replace, &text[start + case.find.len()..]);
    std::fs::write(&path, &broken).unwrap();
    let offset = match case.replace.find(case.at) {
        Some(i) => start + i,
        None => broken
            .find(case.at)
            .unwrap_or_else(|| panic!("{}: `{}` is not in the broken file", case.name, case.at)),
    };
    let (line, col) = line_col(&broken, offset);
    let expected = format!("spec/{}:{line}:{col}: ", case.file);

    let out_dir = dir.path().join("generated");
    std::fs::create_dir(&out_dir).unwrap();
    let layout = Layout {
        spec_dir,
        spec_display: "spec/".into(),
        out_dir: out_dir.clone(),
    };
    // What the binary does: generate, and write only when that succeeded.
    let result = generate(&layout).map(|output| write(&layout, &output).unwrap());
    let written = std::fs::read_dir(&out_dir).unwrap().count();
    if written != 0 {
        return Err(format!("{}: {written} files were written", case.name));
    }
    let diags = match result {
        Ok(_) => return Err(format!("{}: the broken spec was accepted", case.name)),
        Err(d) => d,
    };
    let report = diags.to_string();
    let hit = report
        .lines()
        .any(|l| l.starts_with(&expected) && l[expected.len()..].contains(case.message));
    let count = CONSEQUENCES
        .iter()
        .find(|(name, _)| *name == case.name)
        .map_or(1, |(_, n)| *n);
    if hit && diags.0.len() != count {
        return Err(format!("{}: expected {count} error(s), got:\n{report}", case.name));
    }
    if hit {
        Ok(())
    } else {
        Err(format!(
            "{}: expected a line `{expected}…{}…`, got:\n{report}",
            case.name, case.message
        ))
    }
}

#[test]
fn every_broken_spec_is_located_and_writes_nothing() {
    let failures: Vec<String> = CASES.iter().filter_map(|c| run(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(CASES.len() >= 15);
}

/// The payout flow's safety stands on the effects of the methods with the payout roles (only the
/// real spec has them): each wrong effect is refused, at the role, naming the method.
#[test]
fn payout_methods_with_an_unsafe_effect_are_refused() {
    let cases = [
        (
            "  - name: ExecuteOperation",
            "effect: money",
            "effect: read",
            "the `payout_execute` method `ExecuteOperation` must have `effect: money`",
        ),
        (
            "  - name: GetOperationState",
            "effect: read",
            "effect: write",
            "the `payout_poll` method `GetOperationState` must have `effect: read`",
        ),
        (
            "  - name: CreateOperation\n",
            "effect: money",
            "effect: read",
            "the `payout_create` method `CreateOperation` must have `effect: write` or `money`",
        ),
    ];
    for (method, find, replace, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let spec_dir = dir.path().join("spec");
        copy_dir(&root().join("spec"), &spec_dir);
        let path = spec_dir.join("payout.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text
            .find(method)
            .unwrap_or_else(|| panic!("{method} is not in spec/payout.yaml"));
        let effect = at + text[at..].find(find).unwrap();
        std::fs::write(
            &path,
            format!("{}{replace}{}", &text[..effect], &text[effect + find.len()..]),
        )
        .unwrap();
        let layout = Layout {
            spec_dir,
            spec_display: "spec/".into(),
            out_dir: dir.path().join("generated"),
        };
        let Err(errors) = generate(&layout) else {
            panic!("{method}: a wrong effect is not refused")
        };
        let errors = errors.to_string();
        assert!(errors.contains(message), "{method}: {errors}");
        assert!(errors.contains("spec/payout.yaml:"), "{method}: located: {errors}");
        assert!(!dir.path().join("generated").exists(), "nothing written");
    }
}
