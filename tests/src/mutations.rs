//! A catalogue of spec edits, each the kind of change a wiki edit brings, with the class of change
//! its author expects `diff` to report. The expectations are written from the meaning of each edit
//! (what a user's code or the wire sees), not from the tool's output; `tests/tests/api_diff.rs`
//! checks `diff` against them, and `tests/tests/semver_agreement.rs` checks the Rust-API ones
//! against cargo-semver-checks.
//!
//! What an edit adds is not written here but taken from the spec when it is applied, so that a
//! real wiki change cannot collide with it: `{NEW}` is a name the spec has nowhere (no method,
//! parameter, field, type, enum or value, in any case), and `{NEW_CODE:Enum}` a number no value of
//! that enum has. The text an edit finds is the spec's own, and a missing one is named.

use std::path::Path;

/// How a change affects users (the names `diff` reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Users' code may stop compiling or change meaning.
    Breaking,
    /// New API only.
    Additive,
    /// The same Rust API, other bytes on the wire or another reading of answers.
    Wire,
    /// Text only.
    Docs,
}

impl Expect {
    /// The name `diff` uses.
    pub fn name(self) -> &'static str {
        match self {
            Expect::Breaking => "breaking",
            Expect::Additive => "additive",
            Expect::Wire => "wire",
            Expect::Docs => "docs",
        }
    }
}

/// One edit of `spec/<file>`: the first `find` becomes `replace`.
#[derive(Debug, Clone, Copy)]
pub struct Mutation {
    /// A name for messages.
    pub name: &'static str,
    /// The spec file, relative to `spec/`.
    pub file: &'static str,
    /// Text to find (its first occurrence is replaced).
    pub find: &'static str,
    /// Its replacement.
    pub replace: &'static str,
    /// The strongest class of the whole change.
    pub class: Expect,
    /// One change the report must hold: (kind, item, what changed: `added`, `removed` or a facet),
    /// with the placeholders of [`Mutation::shown`].
    pub shows: (&'static str, &'static str, &'static str),
    /// Why cargo-semver-checks disagrees with `class`, when it is known to (it sees only the Rust
    /// API, and not all of it).
    pub semver_checks_misses: Option<&'static str>,
}

impl Mutation {
    /// Applies the edit to the spec copy under `spec_dir`; panics when `find` is not there.
    pub fn apply(&self, spec_dir: &Path) {
        let path = spec_dir.join(self.file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            text.contains(self.find),
            "{}: `{}` is not in {} (the spec changed under this edit: update its `find`)",
            self.name,
            self.find,
            self.file
        );
        std::fs::write(&path, text.replacen(self.find, &fill(self.replace), 1)).unwrap();
    }

    /// [`Mutation::shows`] with its placeholders filled.
    pub fn shown(&self) -> (&'static str, String, &'static str) {
        (self.shows.0, fill(self.shows.1), self.shows.2)
    }
}

/// Every name the spec has, lowercase.
fn names_of(ir: &intellectmoney_codegen::ir::Ir) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for a in &ir.apis {
        for m in &a.methods {
            names.insert(m.wire.to_lowercase());
            names.insert(m.rust.to_lowercase());
            names.extend(m.params.iter().map(|p| p.wire.to_lowercase()));
        }
        for t in &a.types {
            names.insert(t.name.to_lowercase());
            names.extend(t.fields.iter().map(|f| f.wire.to_lowercase()));
        }
        for e in &a.enums {
            names.insert(e.name.to_lowercase());
            names.extend(e.values.iter().map(|v| v.wire.to_lowercase()));
        }
    }
    names
}

/// The text with `{NEW}` and `{NEW_CODE:Enum}` replaced from the repository's spec.
fn fill(text: &str) -> String {
    if !text.contains('{') || !text.contains("{NEW") {
        return text.to_owned();
    }
    let ir = crate::spec_ir();
    let names = names_of(&ir);
    let fresh = (1..)
        .map(|n| format!("Novel{n}"))
        .find(|n| !names.contains(&n.to_lowercase()) && !names.contains(&format!("get{}", n.to_lowercase())))
        .expect("a free name");
    let mut out = text.replace("{NEW}", &fresh);
    while let Some(at) = out.find("{NEW_CODE:") {
        let end = at + out[at..].find('}').expect("a closed placeholder");
        let name = &out[at + "{NEW_CODE:".len()..end];
        let e = ir
            .apis
            .iter()
            .flat_map(|a| &a.enums)
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("{{NEW_CODE:{name}}}: the spec has no enum {name}"));
        let code = e.values.iter().filter_map(|v| v.code).max().unwrap_or(0) + 1;
        out.replace_range(at..=end, &code.to_string());
    }
    out
}

const fn m(
    name: &'static str,
    file: &'static str,
    find: &'static str,
    replace: &'static str,
    class: Expect,
    shows: (&'static str, &'static str, &'static str),
) -> Mutation {
    Mutation {
        name,
        file,
        find,
        replace,
        class,
        shows,
        semver_checks_misses: None,
    }
}

const fn missed(mut mutation: Mutation, why: &'static str) -> Mutation {
    mutation.semver_checks_misses = Some(why);
    mutation
}

// getEshopInfo has no Sign template: its parameters can come and go without touching one.
const ORGANIZATION: &str = "{ name: OrganizationId, type: int, doc: \"Every shop of this organization;";
const PAYMENTS_ESHOP: &str =
    "{ name: EshopId, type: EshopId, doc: \"Shop id.\" }\n      - { name: PaymentTransactionId";
const PAYMENTS_SIGN: &str = "\"UserToken::Skip::Take::EshopId::DateFrom::DateTo::PaymentTransactionId::signSecretKey\"";
const HELD: &str =
    "      - { name: Held, code: 6, doc: \"Held (frozen) on the buyer's account until credited or released.\" }\n";
const ESHOP_URL: &str = "{ name: EshopUrl, type: string, doc: URL of the shop. }";

/// Every edit: at least one of each class, and of each kind of item.
pub const MUTATIONS: &[Mutation] = &[
    // --- roles (what the runtime does with an element)
    missed(m("payout_create_role_removed", "payout.yaml", "    deprecated: Use CreateOperation.\n    version: wiki\n    auth: user_token\n    effect: money\n    role: payout_create\n    sign:\n      required: true\n      template: \"UserToken::Pan::Account::Amount::Currency::RecipientName::signSecretKey\"\n      absent: [Account]\n      source: wiki\n      note: \"The method has no Account parameter: its slot is always empty.\"\n    params:\n      - { name: UserToken, type: string, from: session, required: true, secret: true, doc: \"Access key from getUserToken.\" }\n      - { name: Pan, type: string, secret: card, required: true, min_len: 12, max_len: 20, doc: \"Card number (12 to 20 characters).\" }\n      - { name: Amount, type: decimal, encoding: decimal2_number, required: true, role: payout_amount, positive: true, max_len: 13, doc: \"Amount, two places after a dot.\", note: \"This method's example sends the amount as a JSON number (`50.00`). Above zero and at most 13 characters: CreateOperation's format on the developer portal [portal], taken for these older methods too; a payout of zero moves nothing.\" }\n      - { name: Currency, type: Currency, required: true, role: payout_currency, ", "    deprecated: Use CreateOperation.\n    version: wiki\n    auth: user_token\n    effect: money\n    sign:\n      required: true\n      template: \"UserToken::Pan::Account::Amount::Currency::RecipientName::signSecretKey\"\n      absent: [Account]\n      source: wiki\n      note: \"The method has no Account parameter: its slot is always empty.\"\n    params:\n      - { name: UserToken, type: string, from: session, required: true, secret: true, doc: \"Access key from getUserToken.\" }\n      - { name: Pan, type: string, secret: card, required: true, min_len: 12, max_len: 20, doc: \"Card number (12 to 20 characters).\" }\n      - { name: Amount, type: decimal, encoding: decimal2_number, required: true, positive: true, max_len: 13, doc: \"Amount, two places after a dot.\", note: \"This method's example sends the amount as a JSON number (`50.00`). Above zero and at most 13 characters: CreateOperation's format on the developer portal [portal], taken for these older methods too; a payout of zero moves nothing.\" }\n      - { name: Currency, type: Currency, required: true, ", Expect::Breaking, ("role", "payout::CreateBankCardRussiaOperation", "removed")), "cargo-semver-checks reports no trait implementation removed from a type (here `PayoutRequest`, so `client.payout(..)` no longer takes the request)"),
    m("payout_state_fate_changed", "payout.yaml", "{ name: Deleted, final: true, role: payout_deleted,", "{ name: Deleted, final: true, role: payout_failed,", Expect::Wire, ("role", "MassPaymentOperationState.Deleted", "means")),
    // --- breaking
    m("parameter_removed", "personal.yaml", "      - { name: OrganizationId, type: int, doc: \"Every shop of this organization; with EshopId, checks that the shop belongs to it.\" }\n", "", Expect::Breaking, ("parameter", "personal::getEshopInfo.OrganizationId", "removed")),
    m("parameter_made_required", "personal.yaml", PAYMENTS_ESHOP, "{ name: EshopId, type: EshopId, required: true, doc: \"Shop id.\" }\n      - { name: PaymentTransactionId", Expect::Breaking, ("method", "personal::getPaymentsHistory", "arguments")),
    m("parameter_renamed_on_the_wire", "personal.yaml", ORGANIZATION, "{ name: {NEW}, type: int, doc: \"Every shop of this organization;", Expect::Breaking, ("parameter", "personal::getEshopInfo.OrganizationId", "removed")),
    missed(
        m("parameter_type_changed", "personal.yaml", "{ name: PaymentTransactionId, type: long,", "{ name: PaymentTransactionId, type: string,", Expect::Breaking, ("parameter", "personal::getPaymentsHistory.PaymentTransactionId", "Rust type")),
        "cargo-semver-checks has no lint for a changed type of a method's argument or of a public field",
    ),
    // The setter keeps its name, deprecated, but the request's public field is renamed.
    m("parameter_renamed_with_alias", "personal.yaml", ORGANIZATION, "{ name: {NEW}, rust_alias: organization_id, type: int, doc: \"Every shop of this organization;", Expect::Breaking, ("parameter", "personal::getEshopInfo.{NEW} (former setter .organization_id)", "Rust")),
    m("required_parameter_added", "personal.yaml", ORGANIZATION, "{ name: {NEW}, type: string, required: true, doc: Why. }\n      - { name: OrganizationId, type: int, doc: \"Every shop of this organization;", Expect::Breaking, ("parameter", "personal::getEshopInfo.{NEW}", "added")),
    m("field_removed", "personal.yaml", "      - { name: EshopUrl, type: string, doc: URL of the shop. }\n", "", Expect::Breaking, ("field", "personal::PurchaseData.EshopUrl", "removed")),
    missed(
        m("field_type_changed", "personal.yaml", ESHOP_URL, "{ name: EshopUrl, type: long, doc: URL of the shop. }", Expect::Breaking, ("field", "personal::PurchaseData.EshopUrl", "Rust type")),
        "cargo-semver-checks has no lint for the type of a public field changing",
    ),
    m("field_renamed_in_rust", "personal.yaml", ESHOP_URL, "{ name: EshopUrl, rust: shop_url, type: string, doc: URL of the shop. }", Expect::Breaking, ("field", "personal::PurchaseData.EshopUrl", "removed")),
    m("method_renamed", "personal.yaml", "  - name: getAccountData\n", "  - name: getAccountState\n", Expect::Breaking, ("method", "personal::getAccountData", "removed")),
    missed(
        m("result_type_changed", "personal.yaml", "    result: AccountInfoData\n", "    result: TransactionInfoData\n", Expect::Breaking, ("method", "personal::getAccountData", "result")),
        "a changed return type of a method is not among cargo-semver-checks' lints",
    ),
    m("enum_value_removed", "personal.yaml", HELD, "", Expect::Breaking, ("value", "personal::InvoiceState.Held", "removed")),
    m("document_field_required", "personal.yaml", "      - { name: group, type: string, min_len: 1, max_len: 32,", "      - { name: group, type: string, required: true, min_len: 1, max_len: 32,", Expect::Breaking, ("type", "personal::MerchantReceipt", "arguments")),
    // --- additive
    m("optional_parameter_added", "personal.yaml", ORGANIZATION, "{ name: {NEW}, type: int, doc: A holding. }\n      - { name: OrganizationId, type: int, doc: \"Every shop of this organization;", Expect::Additive, ("parameter", "personal::getEshopInfo.{NEW}", "added")),
    m("enum_value_added", "personal.yaml", HELD, "      - { name: Held, code: 6, doc: \"Held (frozen) on the buyer's account until credited or released.\" }\n      - { name: {NEW}, code: {NEW_CODE:InvoiceState}, doc: Disputed. }\n", Expect::Additive, ("value", "personal::InvoiceState.{NEW}", "added")),
    m("response_field_added", "personal.yaml", ESHOP_URL, "{ name: EshopUrl, type: string, doc: URL of the shop. }\n      - { name: {NEW}, type: string, doc: Phone of the shop. }", Expect::Additive, ("field", "personal::PurchaseData.{NEW}", "added")),
    m("method_added", "personal.yaml", "\ntypes:\n", "\n  - name: get{NEW}\n    path: /personal/payment/get{NEW}\n    doc: Returns the history of an account's balance.\n    auth: certificate\n    effect: read\n    params:\n      - { name: AccountId, type: long, required: true, doc: Account number. }\n    result: AccountInfoData\n\ntypes:\n", Expect::Additive, ("method", "personal::get{NEW}", "added")),
    m("enum_added", "personal.yaml", "\nenums:\n", "\nenums:\n  - name: {NEW}\n    doc: A day.\n    values:\n      - { name: Monday, doc: Monday. }\n", Expect::Additive, ("enum", "personal::{NEW}", "added")),
    m("type_added", "personal.yaml", "\ntypes:\n", "\ntypes:\n  - name: {NEW}\n    doc: A coupon.\n    fields:\n      - { name: Code, type: string, doc: Its code. }\n", Expect::Additive, ("type", "personal::{NEW}", "added")),
    m("method_deprecated", "personal.yaml", "  - name: getAccountData\n    path: /personal/payment/getAccountData\n", "  - name: getAccountData\n    path: /personal/payment/getAccountData\n    deprecated: Use getBalanceHistory.\n", Expect::Additive, ("method", "personal::getAccountData", "deprecated")),

    // --- wire
    m("sign_order_changed", "personal.yaml", PAYMENTS_SIGN, "\"UserToken::Skip::Take::DateFrom::DateTo::EshopId::PaymentTransactionId::signSecretKey\"", Expect::Wire, ("method", "personal::getPaymentsHistory", "Sign")),
    m("parameter_renamed_on_the_wire_keeping_rust", "personal.yaml", ORGANIZATION, "{ name: {NEW}, rust: organization_id, type: int, doc: \"Every shop of this organization;", Expect::Wire, ("parameter", "personal::getEshopInfo.{NEW}", "wire name")),
    m("parameters_reordered", "personal.yaml", "      - { name: OrganizationId, type: int, doc: \"Every shop of this organization; with EshopId, checks that the shop belongs to it.\" }\n      - { name: IsHoldingSearch, type: bool, encoding: flag01, doc: \"1 searches across the organizations of the holding.\" }\n", "      - { name: IsHoldingSearch, type: bool, encoding: flag01, doc: \"1 searches across the organizations of the holding.\" }\n      - { name: OrganizationId, type: int, doc: \"Every shop of this organization; with EshopId, checks that the shop belongs to it.\" }\n", Expect::Wire, ("method", "personal::getEshopInfo", "parameter order")),
    m("path_changed", "personal.yaml", "    path: /personal/payment/getAccountData\n", "    path: /personal/account/getAccountData\n", Expect::Wire, ("method", "personal::getAccountData", "path")),
    m("encoding_changed", "personal.yaml", "{ name: IsHoldingSearch, type: bool, encoding: flag01,", "{ name: IsHoldingSearch, type: bool, encoding: truefalse,", Expect::Wire, ("parameter", "personal::getInvoicesHistory.IsHoldingSearch", "encoding")),
    m("limit_changed", "personal.yaml", "max_len: 100, doc: \"Only invoices that carry this buyer e-mail (at most 100 characters).\"", "max_len: 50, doc: \"Only invoices that carry this buyer e-mail (at most 50 characters).\"", Expect::Wire, ("parameter", "personal::getInvoicesHistory.OwnerEmail", "limits")),
    m("retried_no_more", "personal.yaml", "    auth: certificate\n    effect: read\n    sign:\n      template: \"UserToken::AccountId", "    auth: certificate\n    effect: write\n    sign:\n      template: \"UserToken::AccountId", Expect::Wire, ("method", "personal::getAccountData", "effect")),
    m("enum_code_changed", "personal.yaml", "{ name: Held, code: 6, doc: \"Held (frozen)", "{ name: Held, code: {NEW_CODE:InvoiceState}, doc: \"Held (frozen)", Expect::Wire, ("value", "personal::InvoiceState.Held", "code")),
    m("field_read_strictly", "personal.yaml", "{ name: HoldModeFlag, type: bool, lenient: true,", "{ name: HoldModeFlag, type: bool,", Expect::Wire, ("field", "personal::InvoiceData.HoldModeFlag", "read")),
    m("answer_format_changed", "payout.yaml", "  - { format: json, accept: application/json }", "  - { format: json, accept: text/json }", Expect::Wire, ("api", "payout", "answers")),
    // --- docs
    m("method_doc_changed", "personal.yaml", "    doc: Returns the state of an account (GetAccountData", "    doc: Returns the balance and state of an account (GetAccountData", Expect::Docs, ("method", "personal::getAccountData", "doc")),
    m("value_doc_changed", "personal.yaml", "{ name: Paid, code: 2, doc: Paid in full. }", "{ name: Paid, code: 2, doc: Paid in full; a refund may follow. }", Expect::Docs, ("value", "personal::InvoiceState.Paid", "doc")),
];
