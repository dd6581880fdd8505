//! Every wiki request example, rebuilt with the typed API, is written byte for byte (form) or
//! field for field (JSON); its `Sign` input and hash match golden vectors computed outside this
//! code (`tests/golden/sign.tsv`, written by `scripts/sign-vectors.py` from the spec's template
//! and the example's values).

#![allow(deprecated)]

use intellectmoney::payout;
use intellectmoney::personal::*;
use intellectmoney::runtime::{encode, ApiRequest, EncodeContext, RequestError};
use intellectmoney_tests::wiki::{self, dec, Visitor};
use intellectmoney_tests::{example, root};

const SECRET: &str = "s3cr3t";

/// The golden vectors of a method: (version, Sign input, hash), one per template.
fn golden(method: &str) -> Vec<(Option<String>, String, String)> {
    let text = std::fs::read_to_string(root().join("tests/golden/sign.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|parts| parts[0] == method)
        .map(|parts| {
            let version = (parts[1] != "-").then(|| parts[1].to_owned());
            (version, parts[2].to_owned(), parts[3].to_owned())
        })
        .collect()
}

/// Encodes the request with the example's token, compares the body with the example file, and
/// the signature with its golden vector (or checks there is none).
fn check<R: ApiRequest>(api: &str, token: Option<&str>, request: R) {
    let name = R::METHOD.name;
    let encoded = encode(
        &request,
        &EncodeContext {
            user_token: token,
            sign_secret: Some(SECRET),
            version: R::METHOD.version,
        },
    )
    .unwrap();
    if api == "personal" {
        assert_eq!(
            encoded.body,
            example(&format!("personal/{name}.request.form")),
            "{name}: body"
        );
    } else {
        let expected: serde_json::Value =
            serde_json::from_str(&example(&format!("payout/{name}.request.json"))).unwrap();
        let actual: serde_json::Value = serde_json::from_str(&encoded.body).unwrap();
        assert_eq!(actual, expected, "{name}: JSON body");
        // Field order and number text as well: `50.00` stays `50.00`.
        let raw = example(&format!("payout/{name}.request.json"));
        let compact: String = raw
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("")
            .replace("\": ", "\":");
        assert_eq!(encoded.body, compact, "{name}: JSON text");
    }
    let vectors = golden(name);
    assert_eq!(
        vectors.len(),
        R::METHOD.sign.len(),
        "{name}: one golden vector per Sign template"
    );
    if vectors.is_empty() {
        assert!(encoded.sign.is_none(), "{name}: signed without a template");
    }
    // Each version's template gives its own vector: the body is the same, the Sign is not.
    for (version, input, hash) in vectors {
        let ctx = EncodeContext {
            user_token: token,
            sign_secret: Some(SECRET),
            version: version.as_deref(),
        };
        let encoded = encode(&request, &ctx).unwrap();
        let shown = version.as_deref().unwrap_or("every version");
        assert_eq!(
            encoded.sign_input.as_ref().unwrap().expose(),
            input,
            "{name} ({shown}): Sign input"
        );
        assert_eq!(encoded.sign.as_deref(), Some(hash.as_str()), "{name} ({shown}): Sign");
    }
}

struct Check;

impl Visitor for Check {
    fn visit<R>(&mut self, api: &str, token: Option<&'static str>, request: R)
    where
        R: ApiRequest<Api = intellectmoney::IntellectMoney> + Send + Sync,
        R::Output: PartialEq + std::fmt::Debug,
    {
        check(api, token, request);
    }
}

#[test]
fn personal_requests() {
    wiki::personal_requests(&mut Check);
}

#[test]
fn payout_requests() {
    wiki::payout_requests(&mut Check);
}

fn refused<R: ApiRequest>(token: Option<&str>, request: R) -> RequestError {
    encode(
        &request,
        &EncodeContext {
            user_token: token,
            sign_secret: None,
            version: None,
        },
    )
    .unwrap_err()
}

#[test]
fn documented_limits_refuse_a_request_before_it_is_sent() {
    let e = refused(Some("t"), GetInvoicesHistory::new(10).owner_email("a".repeat(101)));
    assert_eq!((e.method, e.param.as_str()), ("getInvoicesHistory", "OwnerEmail"));
    assert_eq!(e.to_string(), "getInvoicesHistory: parameter `OwnerEmail` must be at most 100 characters long, is 101; the request was not sent");
    let e = refused(None, WithdrawMoney::new(1, dec("10.005")));
    assert_eq!(e.param, "Amount");
    assert!(e.rule.contains("2 places"), "{e}");
    let e = refused(None, WithdrawMoney::new(1, dec("-1")));
    assert!(e.rule.contains("above zero"), "{e}");
    let e = refused(None, WithdrawMoney::new(1, dec("123456789012.00")));
    assert!(e.rule.contains("13 digits"), "{e}");
    let e = refused(
        Some("t"),
        SetScheduledOperationData::new(1, CronOperationType::Recurring, CronOperationState::Active)
            .repeat_plan("0 0 12 * * ? *"),
    );
    assert_eq!(e.param, "IsSingle");
    assert_eq!(e.rule, "required when RepeatPlan is given");
    let e = refused(
        Some("t"),
        payout::CreateOperation::new(
            payout::PreferenceType::OutSbp,
            dec("1"),
            intellectmoney::personal::Currency::Rub,
            "Иван",
        )
        .account("79990000000"),
    );
    assert_eq!(e.param, "BankId");
    assert_eq!(e.rule, "required when PreferenceType is OutSbp");
    let e = refused(
        Some("t"),
        payout::CreateOperation::new(
            payout::PreferenceType::OutBankCard,
            dec("1"),
            intellectmoney::personal::Currency::Rub,
            "Иван",
        )
        .pan("4111"),
    );
    assert_eq!(e.param, "Pan");
    let e = refused(None, GetInvoicesHistory::new(10));
    assert_eq!(e.param, "UserToken");
    let doc = MerchantReceipt::new(MerchantReceiptContent::new(
        MerchantReceiptCheckClose::new(vec![], ReceiptTaxationSystem::Unknown("Martian".into())),
        ReceiptDocType::In,
        vec![],
    ));
    let e = refused(Some("t"), CreateReceipt::new(1, doc));
    assert_eq!(e.param, "MerchantReceipt.content.checkClose.taxationSystem");
}

fn correction(inn: &str, total: &str) -> CreateReceiptCorrection {
    let content = MerchantReceiptCorrectionContent::new(
        ReceiptCorrectionType::SelfInitiated,
        CorrectionDocType::In,
        "2020-05-24T00:00:00".parse().unwrap(),
        "№1",
        dec(total),
    );
    CreateReceiptCorrection::new(1, MerchantReceiptCorrection::new(inn, content), "doc")
}

#[test]
fn an_inn_is_10_or_12_characters() {
    for ok in ["1234567890", "123456789012"] {
        encode(
            &correction(ok, "500.00"),
            &EncodeContext {
                user_token: Some("t"),
                sign_secret: None,
                version: None,
            },
        )
        .unwrap();
    }
    let e = refused(Some("t"), correction("12345678901", "500.00"));
    assert_eq!(e.param, "MerchantReceiptCorrection.inn");
    assert_eq!(e.rule, "must be 10 or 12 characters long, is 11");
}

#[test]
fn a_correction_amount_has_at_most_two_places() {
    encode(
        &correction("1234567890", "500.1"),
        &EncodeContext {
            user_token: Some("t"),
            sign_secret: None,
            version: None,
        },
    )
    .unwrap();
    let e = refused(Some("t"), correction("1234567890", "500.125"));
    assert_eq!(e.param, "MerchantReceiptCorrection.content.TotalSum");
    assert!(e.rule.contains("at most 2 places"), "{e}");
}

#[test]
fn secrets_stay_out_of_debug() {
    let r = GetUserToken::new("login", "hunter2-password");
    assert!(!format!("{r:?}").contains("hunter2"));
    let p = payout::CreateBankCardRussiaOperation::new(
        "4111111111111111",
        dec("1"),
        intellectmoney::personal::Currency::Rub,
        "Иван",
    );
    let shown = format!("{p:?}");
    assert!(!shown.contains("4111111111111111") && shown.contains("1111"), "{shown}");
    let enc = encode(&r, &EncodeContext::default()).unwrap();
    assert!(!format!("{enc:?}").contains("hunter2"));
}
