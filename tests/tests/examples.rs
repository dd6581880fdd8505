//! Every wiki response example decodes, in its own format and in the converted one, to equal
//! values; the values are asserted.

use intellectmoney::common::{RequestStateCode, Response, ServiceOperationState};
use intellectmoney::payout::{self, MassPaymentOperationState};
use intellectmoney::personal::*;
use intellectmoney::runtime::{decode_json, decode_json_as, decode_xml, decode_xml_as, ApiRequest, Decimal};
use intellectmoney::IntellectMoney;
use intellectmoney_tests::example;
use std::fmt::Debug;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Decodes both files of an example and checks they agree.
fn both<R: ApiRequest<Api = IntellectMoney>>(api: &str) -> Response<R::Output>
where
    R::Output: PartialEq + Debug,
{
    let name = R::METHOD.name;
    let xml = decode_xml::<R>(&example(&format!("{api}/{name}.response.xml"))).unwrap_or_else(|e| panic!("{e}"));
    let json = decode_json::<R>(&example(&format!("{api}/{name}.response.json"))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(xml, json, "{name}: the XML and JSON examples decode differently");
    assert_eq!(xml.operation_state.code, ServiceOperationState::Processed);
    xml
}

#[test]
fn get_user_token() {
    let r = both::<GetUserToken>("personal");
    assert_eq!(
        r.operation_id.unwrap().to_string(),
        "f2c33a48-17c8-4889-a327-5ad1b6260cd5"
    );
    assert_eq!(r.eshop_id, Some(intellectmoney::common::EshopId(0)));
    let result = r.result.unwrap();
    assert_eq!(result.state.unwrap().code, RequestStateCode::Success);
    let token = result.user_token.unwrap();
    assert_eq!(
        token.expose(),
        "bs/fZNe0CE+b/Ze1xvVaNdEbjxm2wkRqMBSnBXJO9nFeEM57Hg17+AS8nF0Cs7+0"
    );
    assert_eq!(format!("{token:?}"), "[redacted]");
}

#[test]
fn get_invoices_history() {
    let r = both::<GetInvoicesHistory>("personal").result.unwrap();
    assert_eq!(r.invoices_history_list.len(), 1);
    let inv = &r.invoices_history_list[0];
    assert_eq!(inv.id, Some(3930949846));
    assert_eq!(inv.state, Some(InvoiceState::Paid));
    assert_eq!(inv.hold_mode_flag, Some(false));
    let change = inv.change_date.unwrap();
    assert_eq!(change.to_string(), "2017-06-02T10:12:00.457");
    assert!(!change.has_offset());
    assert_eq!(inv.expiration_date, None, "0001-01-01T00:00:00 is no date");
    let amount = inv.amount.as_ref().unwrap();
    assert_eq!(amount.amount.unwrap().to_string(), "11.0000", "scale is kept");
    assert_eq!(amount.currency, Some(Currency::Rub));
    assert_eq!(inv.surcharge_amount.as_ref().unwrap().amount, Some(dec("0")));
    assert_eq!(inv.additional_info.len(), 2);
    assert_eq!(inv.additional_info[0].key.as_deref(), Some("Магазин"));
    assert_eq!(inv.additional_info[0].value.as_ref().unwrap().text, "ShopReal");
    assert_eq!(inv.additional_info[1].value.as_ref().unwrap().text, "http://yandex.ru");
    assert_eq!(inv.history_list.len(), 3);
    let h = &inv.history_list[0];
    assert_eq!(h.payment_number, Some(2036160602));
    assert_eq!(h.state, Some(TransactionState::Confirm));
    assert_eq!(h.direction, Some(Direction::Withdraw));
    assert_eq!(h.invoice_payment_type, Some(PaymentType::Refund));
    assert_eq!(h.type_of_re_payment, None, "xsi:nil");
    assert_eq!(h.short_pan.as_deref(), Some(""), "an empty element is an empty string");
    assert!(h.additional_info.is_empty());
    assert_eq!(
        inv.history_list[1]
            .recipient_amount
            .as_ref()
            .unwrap()
            .amount
            .unwrap()
            .to_string(),
        "10.6200"
    );
    assert_eq!(inv.history_list[2].input_type, Some(InputType::InnerPayment));
    assert_eq!(inv.history_list[2].comment.as_deref(), Some(""));
    let purchase = inv.purchase_data.as_ref().unwrap();
    assert_eq!(purchase.eshop_id, Some(intellectmoney::common::EshopId(450063)));
    assert_eq!(purchase.success_method, None);
    assert_eq!(purchase.sms_enable, Some(true));
    assert_eq!(inv.owner_fio.as_deref(), Some("Суворинов Сергей"));
    assert_eq!(inv.organization_name.as_deref(), Some("Маша и Медведи"));
    assert_eq!(inv.is_have_cashbox_receipts, Some(false));
}

#[test]
fn xsi_type_is_kept_in_xml_only() {
    let xml = decode_xml::<GetInvoicesHistory>(&example("personal/getInvoicesHistory.response.xml")).unwrap();
    let v = xml.result.unwrap().invoices_history_list[0].additional_info[0]
        .value
        .clone()
        .unwrap();
    assert_eq!(v.xsi_type.as_deref(), Some("xsd:string"));
}

#[test]
fn get_payments_history() {
    let r = both::<GetPaymentsHistory>("personal").result.unwrap();
    let list = &r.payments_history_list;
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].creation_date.unwrap().to_string(), "2018-07-25T11:14:49");
    assert_eq!(
        list[0].payment_amount.as_ref().unwrap().amount.unwrap().to_string(),
        "500.0000"
    );
    assert_eq!(
        list[0].service_name.as_deref(),
        Some("Тестирование отправки 2-х писем при частичной оплате")
    );
    assert_eq!(
        list[1].ip_address.as_deref(),
        Some("10.70.13.101   "),
        "text is not trimmed"
    );
    assert_eq!(list[1].bank.as_deref(), Some("Промсвязьбанк"));
    assert_eq!(list[1].input_type, Some(InputType::Acquiring));
    assert_eq!(
        list[2].payment_amount.as_ref().unwrap().amount.unwrap().to_string(),
        "0.0100"
    );
}

#[test]
fn scheduled_operations() {
    let set = both::<SetScheduledOperationData>("personal")
        .result
        .unwrap()
        .scheduled_operation
        .unwrap();
    assert_eq!(
        set.cron_operation_id.unwrap().to_string(),
        "ece5b08a-8951-4739-8d71-ee589676bcd2"
    );
    assert_eq!(set.cron_operation_type, Some(CronOperationType::Recurring));
    let created = set.creation_date.unwrap();
    assert_eq!(created.to_string(), "2017-10-19T16:44:07.3796978+03:00");
    assert_eq!(created.offset().unwrap().whole_hours(), 3);
    assert_eq!(set.end_exec_date.unwrap().to_string(), "2017-12-12T00:00:00");
    assert_eq!(set.retry_on_fail_count, Some(3));
    assert_eq!(set.fire_on_skip, Some(true));
    assert_eq!(set.cron_operation_state, Some(CronOperationState::Disable));

    let list = both::<GetScheduledOperationData>("personal")
        .result
        .unwrap()
        .scheduled_operation_list;
    assert_eq!(list.len(), 3);
    assert_eq!(list[1].params.as_deref(), Some(r#"{"Amount":"15"}"#));
    assert_eq!(
        list[2].creation_date.unwrap().to_string(),
        "2017-10-19T16:58:25.2139727"
    );
    assert!(!list[2].creation_date.unwrap().has_offset());
}

#[test]
fn eshop_and_invoice_info() {
    let shops = both::<GetEshopInfo>("personal").result.unwrap().eshop_info_datas;
    assert_eq!(shops.len(), 1);
    let eshop = shops[0].eshop.as_ref().unwrap();
    assert_eq!(eshop.eshop_id, Some(intellectmoney::common::EshopId(452996)));
    assert_eq!(eshop.secret_key.as_ref().unwrap().expose(), "123");
    assert!(
        !format!("{eshop:?}").contains("123\""),
        "the SecretKey never reaches Debug"
    );
    assert_eq!(shops[0].bank.as_ref().unwrap().bik.as_deref(), Some("044525593"));
    assert_eq!(
        shops[0].bank.as_ref().unwrap().recipient_name.as_deref(),
        Some("ИП \"IntellectMoney\"")
    );

    let info = both::<GetInvoiceInfo>("personal").result.unwrap();
    assert_eq!(info.invoice_id, Some(3447364446));
    assert_eq!(info.list_notification_params.len(), 2);
    assert_eq!(
        info.list_notification_params[0].creation_date.unwrap().to_string(),
        "2014-10-13T13:36:51.87"
    );
    assert!(info.list_notification_params[1]
        .notification_params
        .as_deref()
        .unwrap()
        .ends_with("hash=e722815c77921708961f49303d153389"));
}

#[test]
fn receipts() {
    let created = both::<CreateReceipt>("personal").result.unwrap();
    assert_eq!(created.document_id.as_deref(), Some("2473c3e4d8564d59a02064641a5e40a7"));
    let data = created.cashbox_receipt_response_data.unwrap();
    assert_eq!(data.response, None, "an empty Response string holds no document");
    assert_eq!(data.response_state, Some(ReceiptResponseState::Created));
    assert!(data.errors.is_empty());

    let got = both::<GetReceipt>("personal")
        .result
        .unwrap()
        .cashbox_receipt_response_data
        .unwrap();
    assert_eq!(got.receipt_id, Some(24573));
    assert_eq!(
        got.company_name.as_deref(),
        Some("Общество с ограниченной ответственностью \"ИНТЕЛЛЕКТМАНИ\"")
    );
    assert_eq!(got.response_state, Some(ReceiptResponseState::Ok));
    let content = got.content.unwrap();
    assert_eq!(content.type_, Some(ReceiptDocType::In));
    assert_eq!(content.positions[1].tax, Some(ReceiptVatRate::Vat110));
    assert_eq!(
        content.check_close.unwrap().payments[0].type_,
        Some(ReceiptPaymentType::Electronic)
    );
    // The JSON document inside the `Response` string, with enums by number.
    let inner = got.response.unwrap();
    assert!(inner.raw.starts_with(r#"{"id":"745c6f8967fb4338a57a0f10214946b6""#));
    assert_eq!(inner.error, None);
    let doc = inner.value.unwrap();
    assert_eq!(doc.document_number, Some(771));
    assert_eq!(doc.processed_at.unwrap().to_string(), "2019-08-19T09:56:00");
    let c = doc.content.unwrap();
    assert_eq!(c.type_, ReceiptDocType::In);
    assert_eq!(c.positions[0].quantity.to_string(), "1.000");
    assert_eq!(c.positions[0].price.to_string(), "5.0");
    assert_eq!(c.positions[0].tax, ReceiptVatRate::None);
    assert_eq!(c.check_close.payments[0].amount.to_string(), "10.00");
    assert_eq!(c.check_close.taxation_system, ReceiptTaxationSystem::Common);
    assert_eq!(doc.change.unwrap().to_string(), "0.0");
}

#[test]
fn receipt_correction_document() {
    let xml: CashboxReceiptCorrectionResponseData = decode_xml_as::<IntellectMoney, _>(
        "createReceiptCorrection",
        &example("personal/createReceiptCorrection.response.xml"),
    )
    .unwrap();
    let json: CashboxReceiptCorrectionResponseData = decode_json_as::<IntellectMoney, _>(
        "createReceiptCorrection",
        &example("personal/createReceiptCorrection.response.json"),
    )
    .unwrap();
    assert_eq!(xml, json);
    assert_eq!(json.document_number, Some(810));
    let c = json.content.unwrap();
    assert_eq!(c.correction_type, Some(ReceiptCorrectionType::SelfInitiated));
    assert_eq!(c.type_, Some(ReceiptDocType::Out));
    assert_eq!(c.total_sum.unwrap().to_string(), "500.0");
    assert_eq!(c.taxation_system, Some(ReceiptTaxationSystem::Simplified));
}

#[test]
fn transactions_and_accounts() {
    let w = both::<WithdrawMoney>("personal").result.unwrap();
    assert_eq!(w.transaction_id, Some(2036602491));
    assert_eq!(w.amount.unwrap().to_string(), "0.01");
    let t = both::<GetTransactionData>("personal").result.unwrap();
    assert_eq!(t.payment_state, Some(TransactionState::Confirm));
    assert_eq!(t.amount.unwrap().to_string(), "1.2000", "a JSON number keeps its scale");
    let a = both::<GetAccountData>("personal").result.unwrap();
    assert_eq!(a.account_id, Some(6554473696));
    assert_eq!(a.balance.unwrap().to_string(), "4.6800");
    assert_eq!(a.currency, Some(Currency::Rub));
}

#[test]
#[allow(deprecated)]
fn payouts() {
    let c = both::<payout::CreateOperation>("payout").result.unwrap();
    assert_eq!(
        c.payout_operation_id.unwrap().to_string(),
        "2cf4b4bc-56cf-4ab6-bf4f-1b2aa9743154"
    );
    assert_eq!(c.payout_operation_state, Some(MassPaymentOperationState::Created));
    let b = both::<payout::CreateBankCardRussiaOperation>("payout").result.unwrap();
    assert_eq!(b.payout_operation_state, Some(MassPaymentOperationState::Created));
    let q = both::<payout::CreateQiwiWalletOperation>("payout").result.unwrap();
    assert_eq!(
        q.payout_operation_id.unwrap().to_string(),
        "55ebbacf-acf1-435b-9691-acd121934678"
    );
    let e = both::<payout::ExecuteOperation>("payout");
    assert_eq!(
        e.operation_id.unwrap().to_string(),
        "a654fe39-42eb-4ac3-a3ec-76d148b2ba3a"
    );
    let e = e.result.unwrap();
    assert_eq!(e.payout_operation_state, Some(MassPaymentOperationState::InProcess));
    assert!(!e.payout_operation_state.unwrap().is_final());
    let s = both::<payout::GetOperationState>("payout").result.unwrap();
    assert_eq!(
        s.payout_operation_id.unwrap().to_string(),
        "ad22e55f-7e54-4e3a-b04b-0142a0314376"
    );
    assert_eq!(both::<payout::DeleteOperation>("payout").result, Some(true));
}

#[test]
fn unknown_enum_values_are_kept_in_both_formats() {
    let xml = example("personal/getTransactionData.response.xml").replace("Confirm", "Frozen");
    let json = example("personal/getTransactionData.response.json").replace("Confirm", "Frozen");
    for r in [
        decode_xml::<GetTransactionData>(&xml).unwrap(),
        decode_json::<GetTransactionData>(&json).unwrap(),
    ] {
        assert_eq!(
            r.result.unwrap().payment_state,
            Some(TransactionState::Unknown("Frozen".into()))
        );
    }
    // A number the spec knows reads as its value.
    let json = example("personal/getTransactionData.response.json").replace("\"Confirm\"", "2");
    let r = decode_json::<GetTransactionData>(&json).unwrap();
    assert_eq!(r.result.unwrap().payment_state, Some(TransactionState::Canceled));
}

#[test]
fn a_broken_body_names_the_method_and_the_field() {
    let json = example("personal/getAccountData.response.json").replace("4.6800", "\"4,68\"");
    let e = decode_json::<GetAccountData>(&json).unwrap_err();
    assert_eq!(e.method, "getAccountData");
    assert_eq!(e.path, "Result.Balance");
    assert!(e.to_string().contains("4,68"), "{e}");
    let xml = example("personal/getAccountData.response.xml").replace("<AccountId>6554473696", "<AccountId>65x");
    let e = decode_xml::<GetAccountData>(&xml).unwrap_err();
    assert_eq!(e.path, "Result.AccountId");
}

#[test]
fn decode_errors_never_show_secrets() {
    let xml = example("personal/getUserToken.response.xml").replace("<EshopId>0</EshopId>", "<EshopId>zero</EshopId>");
    let e = decode_xml::<GetUserToken>(&xml).unwrap_err();
    assert_eq!(e.path, "EshopId");
    let token = "bs/fZNe0CE+b/Ze1xvVaNdEbjxm2wkRqMBSnBXJO9nFeEM57Hg17+AS8nF0Cs7+0";
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(token), "{shown}");
    }
    assert!(e.body.contains(token), "the raw body stays reachable");
    // JSON, with the secret ahead of the broken field.
    let json = r#"{"OperationState":{"Code":0},"Result":{"UserToken":"se\"cret"},"EshopId":"x"}"#;
    let e = decode_json::<GetUserToken>(json).unwrap_err();
    assert!(!e.to_string().contains("cret"), "{e}");
    assert!(e.to_string().contains(r#""UserToken": "[redacted]""#), "{e}");
}

/// getReceipt's wiki answer with its `Response` text replaced.
fn receipt_with_response(response: &str) -> CashboxReceiptResponseData {
    let json = example("personal/getReceipt.response.json");
    let start = json.find("\"Response\": \"").unwrap() + "\"Response\": \"".len();
    let end = start + json[start..].find("\",\n").unwrap();
    let edited = format!("{}{}{}", &json[..start], response, &json[end..]);
    decode_json::<GetReceipt>(&edited)
        .unwrap_or_else(|e| panic!("{e}"))
        .result
        .unwrap()
        .cashbox_receipt_response_data
        .unwrap()
}

#[test]
fn a_receipt_response_that_is_not_json_is_kept_as_text() {
    // The wiki types `Response` as text: an answer holding some other text is still read.
    let data = receipt_with_response("Чек в обработке");
    let inner = data.response.unwrap();
    assert_eq!(inner.raw, "Чек в обработке");
    assert_eq!(inner.value, None);
    assert!(inner.error.is_some());
    assert_eq!(data.receipt_id, Some(24573), "the rest of the answer is read");
}

#[test]
fn a_receipt_missing_content_fields_is_kept_as_text() {
    // `content` lacks `checkClose` and `positions`, which a receipt sent by the client must have.
    let text = r#"{\"id\":\"745c\",\"documentNumber\":771,\"content\":{\"type\":1}}"#;
    let data = receipt_with_response(text);
    let inner = data.response.unwrap();
    assert_eq!(inner.raw, r#"{"id":"745c","documentNumber":771,"content":{"type":1}}"#);
    assert_eq!(inner.value, None);
    assert!(
        inner.error.as_deref().unwrap().contains("checkClose"),
        "{:?}",
        inner.error
    );
    assert_eq!(data.response_state, Some(ReceiptResponseState::Ok));
}

#[test]
fn create_receipt_reads_the_tables_spelling_too() {
    // The table spells the field `CashBoxReceiptResponseData`, the example `CashboxReceiptResponseData`.
    let json = example("personal/createReceipt.response.json")
        .replace("CashboxReceiptResponseData", "CashBoxReceiptResponseData");
    let xml = example("personal/createReceipt.response.xml")
        .replace("CashboxReceiptResponseData", "CashBoxReceiptResponseData");
    let from_json = decode_json::<CreateReceipt>(&json).unwrap().result.unwrap();
    let from_xml = decode_xml::<CreateReceipt>(&xml).unwrap().result.unwrap();
    assert_eq!(from_json, both::<CreateReceipt>("personal").result.unwrap());
    assert_eq!(
        from_xml.cashbox_receipt_response_data.unwrap().response_state,
        Some(ReceiptResponseState::Created)
    );
}
