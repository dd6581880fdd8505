//! The wiki's request examples, rebuilt with the typed API: one list that the request test
//! encodes and the client test sends.

#![allow(deprecated)]

use intellectmoney::payout;
use intellectmoney::personal::*;
use intellectmoney::runtime::{ApiRequest, Decimal, Uuid};
use std::str::FromStr;
use time::macros::date;

/// Gets each request with its API (`personal`, `payout`) and the UserToken of its example.
pub trait Visitor {
    /// One request.
    fn visit<R>(&mut self, api: &str, token: Option<&'static str>, request: R)
    where
        R: ApiRequest<Api = intellectmoney::IntellectMoney> + Send + Sync,
        R::Output: PartialEq + std::fmt::Debug;
}

/// A UserToken of the wiki\'s examples.
pub const T1: &str = "bs/fZNe0CE+b/Ze1xvVaNdEbjxm2wkRqMBSnBXJO9nFeEM57Hg17+AS8nF0Cs7+0";
/// A UserToken of the wiki\'s examples.
pub const T2: &str = "9WUoI8gEQndN+I97MGA4vxIiPZs2v32MxyJS7/GDxegOLFXcBQy4fUfCqt6NURzV";
/// A UserToken of the wiki\'s examples.
pub const T3: &str = "ntbUm45Rd1QKuDC8h1JWU7YIXdyIps6Z4yVVYT/Xnn5OqNcw7M+a/q6CtKFa6D93";
/// A UserToken of the wiki\'s examples.
pub const PT1: &str = "Obhv/VWGegZjbLobTJAYrAKqyAGNBU7HuLrplb+gjftROwU3zWionj6HN/aCKRj2";
/// A UserToken of the wiki\'s examples.
pub const PT2: &str = "4t+5KHtcey4Ch7P2jodi3s2B4a36wnEX4pi+xChimlYgRpQa4QXJ2O2MT4LxG";
/// A UserToken of the wiki\'s examples.
pub const PT3: &str = "Cbhv/VWGegZjbLobTJAYrOzJxmECR2ixyROA0S5SKEJIpPK36hnFWIIXGZpAg/45y";

/// A card payout of 50.00 RUB to the test card 4111 1111 1111 1111: the payout most tests send.
pub fn card_payout() -> payout::CreateOperation {
    payout::CreateOperation::new(
        payout::PreferenceType::OutBankCard,
        dec("50.00"),
        intellectmoney::personal::Currency::Rub,
        "Иванов Иван",
    )
    .pan("4111111111111111")
}

/// A decimal from its text.
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// The wiki's Personal API request examples, in spec order.
pub fn personal_requests(v: &mut impl Visitor) {
    v.visit(
        "personal",
        None,
        GetUserToken::new("s.zhukov+2@intellectmoney.ru", "myPassword"),
    );
    v.visit(
        "personal",
        Some(T1),
        GetInvoicesHistory::new(10)
            .eshop_id(450063)
            .date_to(date!(2017 - 07 - 15))
            .invoice_id(3930949846)
            .include_payment_transactions(true),
    );
    v.visit(
        "personal",
        Some(T1),
        GetPaymentsHistory::new(10)
            .eshop_id(450063)
            .date_to(date!(2017 - 07 - 15)),
    );
    v.visit(
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
    v.visit(
        "personal",
        Some(T2),
        GetScheduledOperationData::new(3)
            .date_from(date!(2017 - 10 - 10))
            .date_to(date!(2018 - 10 - 10))
            .skip(0),
    );
    v.visit("personal", Some(T2), GetEshopInfo::new(3).skip(0));
    v.visit("personal", Some(T2), GetInvoiceInfo::new(3333333333));
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
    v.visit("personal", Some(T2), CreateReceipt::new(3333333333, receipt));
    v.visit(
        "personal",
        Some(T2),
        GetReceipt::new(3333333333, "745c6f8967fb4338a57a0f10214946b6"),
    );
    let correction = MerchantReceiptCorrection::new(
        "XXXXXXXXXX",
        MerchantReceiptCorrectionContent::new(
            ReceiptCorrectionType::SelfInitiated,
            CorrectionDocType::In,
            "2020-05-24T00:00:00".parse().unwrap(),
            "№1",
            dec("500.0"),
        )
        .description("Коррекция прихода")
        .taxation_system(ReceiptTaxationSystem::Simplified),
    )
    .group("Main");
    v.visit(
        "personal",
        Some(T3),
        CreateReceiptCorrection::new(3899397825, correction, "2f35b40f971f4c8a8d317a5739221cbd"),
    );
    v.visit("personal", None, WithdrawMoney::new(6111111111, dec("100")));
    v.visit("personal", None, GetTransactionData::new(2111111111));
    v.visit("personal", None, GetAccountData::new(6111111111));
}

/// The wiki's Payout API request examples, in spec order.
pub fn payout_requests(v: &mut impl Visitor) {
    let guid = |s: &str| Uuid::parse_str(s).unwrap();
    v.visit(
        "payout",
        Some(PT1),
        payout::CreateOperation::new(
            payout::PreferenceType::OutBankCard,
            dec("50"),
            intellectmoney::personal::Currency::Rub,
            "Иванов Иван",
        )
        .pan("4111111111111111"),
    );
    v.visit(
        "payout",
        Some(PT1),
        payout::CreateOperationByProviderType::new(
            dec("50"),
            intellectmoney::personal::Currency::Rub,
            "Иванов Иван",
            payout::ProviderType::BankCardRussia,
        )
        .pan("4111111111111111"),
    );
    v.visit(
        "payout",
        Some(PT1),
        payout::CreateBankCardRussiaOperation::new(
            "4111111111111111",
            dec("50.00"),
            intellectmoney::personal::Currency::Rub,
            "Иванов Иван",
        ),
    );
    v.visit(
        "payout",
        Some(PT1),
        payout::CreateQiwiWalletOperation::new(
            payout::QiwiWallet::from("70000000000"),
            dec("50.0"),
            intellectmoney::personal::Currency::Rub,
            "Иванов Иван",
        ),
    );
    v.visit(
        "payout",
        Some(PT2),
        payout::ExecuteOperation::new(guid("81fa5265-de0b-498d-be37-5d48f4aa3ba1")),
    );
    v.visit(
        "payout",
        Some(PT3),
        payout::GetOperationState::new(guid("ad22e55f-7e54-4e3a-b04b-0142a0314376")),
    );
    v.visit(
        "payout",
        Some(PT3),
        payout::DeleteOperation::new(guid("81fa5265-de0b-498d-be37-5d48f4aa3ba1")),
    );
}
