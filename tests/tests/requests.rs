//! Every wiki request example, rebuilt with the typed API, is written byte for byte (form) or
//! field for field (JSON); its `Sign` input and hash match golden vectors computed outside this
//! code (`tests/golden/sign.tsv`, made with `printf %s "$input" | sha256sum`).

#![allow(deprecated)]

use intellectmoney::payout;
use intellectmoney::personal::*;
use intellectmoney::runtime::{encode, ApiRequest, Decimal, EncodeContext, RequestError, Uuid};
use intellectmoney_tests::{example, root};
use std::str::FromStr;
use time::macros::date;

const SECRET: &str = "s3cr3t";
const T1: &str = "bs/fZNe0CE+b/Ze1xvVaNdEbjxm2wkRqMBSnBXJO9nFeEM57Hg17+AS8nF0Cs7+0";
const T2: &str = "9WUoI8gEQndN+I97MGA4vxIiPZs2v32MxyJS7/GDxegOLFXcBQy4fUfCqt6NURzV";
const T3: &str = "ntbUm45Rd1QKuDC8h1JWU7YIXdyIps6Z4yVVYT/Xnn5OqNcw7M+a/q6CtKFa6D93";
const PT1: &str = "Obhv/VWGegZjbLobTJAYrAKqyAGNBU7HuLrplb+gjftROwU3zWionj6HN/aCKRj2";
const PT2: &str = "4t+5KHtcey4Ch7P2jodi3s2B4a36wnEX4pi+xChimlYgRpQa4QXJ2O2MT4LxG";
const PT3: &str = "Cbhv/VWGegZjbLobTJAYrOzJxmECR2ixyROA0S5SKEJIpPK36hnFWIIXGZpAg/45y";

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn golden(method: &str) -> Option<(String, String)> {
    let text = std::fs::read_to_string(root().join("tests/golden/sign.tsv")).unwrap();
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let mut parts = l.split('\t');
        (parts.next() == Some(method)).then(|| (parts.next().unwrap().to_owned(), parts.next().unwrap().to_owned()))
    })
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
    match golden(name) {
        Some((input, hash)) => {
            assert_eq!(
                encoded.sign_input.as_ref().unwrap().expose(),
                input,
                "{name}: Sign input"
            );
            assert_eq!(encoded.sign.as_deref(), Some(hash.as_str()), "{name}: Sign");
        }
        None => assert!(
            R::METHOD.sign.is_none() && encoded.sign.is_none(),
            "{name}: a template without a golden vector"
        ),
    }
}

#[test]
fn personal_requests() {
    check(
        "personal",
        None,
        GetUserToken::new("s.zhukov+2@intellectmoney.ru", "myPassword"),
    );
    check(
        "personal",
        Some(T1),
        GetInvoicesHistory::new(10)
            .eshop_id(450063)
            .date_to(date!(2017 - 07 - 15))
            .invoice_id(3930949846)
            .include_payment_transactions(true),
    );
    check(
        "personal",
        Some(T1),
        GetPaymentsHistory::new(10)
            .eshop_id(450063)
            .date_to(date!(2017 - 07 - 15)),
    );
    check(
        "personal",
        Some(T2),
        SetScheduledOperationData::new(3496318551, CronOperationType::Recurring, CronOperationState::Disable)
            .is_single(true)
            .params_json(SchedulerParams::new(dec("100")))
            .repeat_plan("0 0 12 1/4 * ? *")
            .retry_on_fail_plan("0 0/15 * 1/1 * ? *")
            .retry_on_fail_count(3)
            .fire_on_skip(true)
            .end_exec_date(date!(2021 - 12 - 12)),
    );
    check(
        "personal",
        Some(T2),
        GetScheduledOperationData::new(3)
            .date_from(date!(2017 - 10 - 10))
            .date_to(date!(2018 - 10 - 10))
            .skip(0),
    );
    check("personal", Some(T2), GetEshopInfo::new(3).skip(0));
    check("personal", Some(T2), GetInvoiceInfo::new(3333333333));
    let receipt = MerchantReceipt::new(
        MerchantReceiptContent::new(
            MerchantReceiptCheckClose::new(
                vec![MerchantReceiptPayment::new(
                    ReceiptPaymentType::Electronic,
                    dec("10.00"),
                )],
                ReceiptTaxationSystem::Common,
            ),
            ReceiptDocType::In,
            vec![
                MerchantReceiptPosition::new(dec("1.000"), dec("5"), ReceiptVatRate::None, "Булка"),
                MerchantReceiptPosition::new(dec("1.000"), dec("5"), ReceiptVatRate::Vat110, "Спички"),
            ],
        )
        .customer_contact("foo@example.com"),
    )
    .group("Main");
    check("personal", Some(T2), CreateReceipt::new(3333333333, receipt));
    check(
        "personal",
        Some(T2),
        GetReceipt::new(3333333333, "745c6f8967fb4338a57a0f10214946b6"),
    );
    let correction = MerchantReceiptCorrection::new(
        "XXXXXXXXXX",
        MerchantReceiptCorrectionContent::new(
            ReceiptCorrectionType::SelfInitiated,
            ReceiptDocType::In,
            "2020-05-24T00:00:00".parse().unwrap(),
            "№1",
            dec("500.0"),
        )
        .description("Коррекция прихода")
        .taxation_system(ReceiptTaxationSystem::Simplified),
    )
    .group("Main");
    check(
        "personal",
        Some(T3),
        CreateReceiptCorrection::new(3899397825, correction, "2f35b40f971f4c8a8d317a5739221cbd"),
    );
    check("personal", None, WithdrawMoney::new(6111111111, dec("100")));
    check("personal", None, GetTransactionData::new(2111111111));
    check("personal", None, GetAccountData::new(6111111111));
}

#[test]
fn payout_requests() {
    let guid = |s: &str| Uuid::parse_str(s).unwrap();
    check(
        "payout",
        Some(PT1),
        payout::CreateOperation::new(dec("50"), "RUB", "Иванов Иван", payout::ProviderType::BankCardRussia)
            .pan("4111111111111111"),
    );
    check(
        "payout",
        Some(PT1),
        payout::CreateBankCardRussiaOperation::new("4111111111111111", dec("50.00"), "RUB", "Иванов Иван"),
    );
    check(
        "payout",
        Some(PT1),
        payout::CreateQiwiWalletOperation::new("70000000000", dec("50.0"), "RUB", "Иванов Иван"),
    );
    check(
        "payout",
        Some(PT2),
        payout::ExecuteOperation::new(guid("81fa5265-de0b-498d-be37-5d48f4aa3ba1")),
    );
    check(
        "payout",
        Some(PT3),
        payout::GetOperationState::new(guid("ad22e55f-7e54-4e3a-b04b-0142a0314376")),
    );
    check(
        "payout",
        Some(PT3),
        payout::DeleteOperation::new(guid("81fa5265-de0b-498d-be37-5d48f4aa3ba1")),
    );
}

fn refused<R: ApiRequest>(token: Option<&str>, request: R) -> RequestError {
    encode(
        &request,
        &EncodeContext {
            user_token: token,
            sign_secret: None,
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
        payout::CreateOperation::new(dec("1"), "RUB", "Иван", payout::ProviderType::Sbp).account("79990000000"),
    );
    assert_eq!(e.param, "BankId");
    assert_eq!(e.rule, "required when ProviderType is Sbp");
    let e = refused(
        Some("t"),
        payout::CreateOperation::new(dec("1"), "RUB", "Иван", payout::ProviderType::BankCardRussia).pan("4111"),
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

#[test]
fn secrets_stay_out_of_debug() {
    let r = GetUserToken::new("login", "hunter2-password");
    assert!(!format!("{r:?}").contains("hunter2"));
    let p = payout::CreateBankCardRussiaOperation::new("4111111111111111", dec("1"), "RUB", "Иван");
    let shown = format!("{p:?}");
    assert!(!shown.contains("4111111111111111") && shown.contains("1111"), "{shown}");
    let enc = encode(&r, &EncodeContext::default()).unwrap();
    assert!(!format!("{enc:?}").contains("hunter2"));
}
