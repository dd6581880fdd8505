//! Result-URL notifications: the wiki's own notification (from getInvoiceInfo) read from its
//! windows-1251 form, hashes checked against golden vectors made outside this code
//! (`iconv -t cp1251 | md5sum`), tampered and wrongly keyed ones refused, and the builder's
//! output accepted.

use intellectmoney::personal::{GetInvoiceInfo, Notification, PaymentStatus};
use intellectmoney::runtime::notification::NotificationError;
use intellectmoney::runtime::{decode_xml, Decimal};
use intellectmoney_tests::example;
use std::str::FromStr;

const KEY: &str = "TestSecretKey1";
/// printf '%s' '452996::0.03736900 1413193002::Платеж в пользу магазина::4334170032::10.00::TST::3::::s.suvorinov+20@intellectmoney.ru::2014-10-13 13:36:51::TestSecretKey1' | iconv -f utf-8 -t cp1251 | md5sum
const GOLDEN: &str = "c6975a3d919132e8927af61dac5b8188";

/// The first notification of the wiki's getInvoiceInfo example, as the shop received it.
fn wiki_notification() -> String {
    let response = decode_xml::<GetInvoiceInfo>(&example("personal/getInvoiceInfo.response.xml")).unwrap();
    let list = response.result.unwrap().list_notification_params;
    list[0].notification_params.clone().unwrap()
}

#[test]
fn get_invoice_info_notifications_are_read_by_the_same_code() {
    let response = decode_xml::<GetInvoiceInfo>(&example("personal/getInvoiceInfo.response.xml")).unwrap();
    let list = response.result.unwrap().list_notification_params;
    let states: Vec<Option<PaymentStatus>> = list
        .iter()
        .map(|n| n.parse_notification_params().unwrap().unwrap().payment_status)
        .collect();
    assert_eq!(states, [Some(PaymentStatus::Created), Some(PaymentStatus::Paid)]);
}

#[test]
fn the_wiki_notification_is_read_from_windows_1251() {
    let body = wiki_notification();
    assert!(body.contains("serviceName=%cf%eb%e0%f2%e5%e6+%e2+"), "{body}");
    let n = Notification::parse(body.as_bytes()).unwrap();
    assert_eq!(n.eshop_id, Some(intellectmoney::common::EshopId(452996)));
    assert_eq!(n.payment_id, Some(3447364446));
    assert_eq!(n.order_id.as_deref(), Some("0.03736900 1413193002"));
    assert_eq!(n.service_name.as_deref(), Some("Платеж в пользу магазина"));
    assert_eq!(n.recipient_amount, Some(Decimal::from_str("10.00").unwrap()));
    assert_eq!(n.recipient_amount.unwrap().scale(), 2);
    assert_eq!(n.payment_status, Some(PaymentStatus::Created));
    assert_eq!(n.user_email.as_deref(), Some("s.suvorinov+20@intellectmoney.ru"));
    assert_eq!(n.user_name, None, "empty is none");
    assert_eq!(
        n.payment_data.unwrap().to_string(),
        "2014-10-13 13:36:51",
        "kept as sent"
    );
    assert_eq!(n.hash.as_deref(), Some("b0facf9fbb3a94039269c4e257642ff3"));
    assert!(n.extra.is_empty(), "{:?}", n.extra);
    // The wiki's shop key is unknown: its hash is refused under any other key.
    assert_eq!(n.verify(KEY).unwrap_err(), NotificationError::HashMismatch);
}

#[test]
fn the_hash_matches_the_golden_vector() {
    let body = wiki_notification();
    let n = Notification::parse(body.as_bytes()).unwrap();
    assert_eq!(Notification::SCHEME.hash(&n.fields, KEY), GOLDEN);
    // The same notification re-signed with the key passes, and only with that key.
    let resigned = body.replace("b0facf9fbb3a94039269c4e257642ff3", GOLDEN);
    let n = Notification::parse(resigned.as_bytes()).unwrap();
    assert!(n.clone().verify(KEY).is_ok());
    assert_eq!(n.verify("TestSecretKey2").unwrap_err(), NotificationError::HashMismatch);
    // Upper-case hex is the same hash.
    let upper = body.replace("b0facf9fbb3a94039269c4e257642ff3", &GOLDEN.to_uppercase());
    assert!(Notification::parse(upper.as_bytes()).unwrap().verify(KEY).is_ok());
}

#[test]
fn tampered_fields_fail_and_unhashed_extras_are_kept() {
    let body = wiki_notification().replace("b0facf9fbb3a94039269c4e257642ff3", GOLDEN);
    let tampered = body.replace("recipientAmount=10.00", "recipientAmount=1000.00");
    assert_eq!(
        Notification::parse(tampered.as_bytes())
            .unwrap()
            .verify(KEY)
            .unwrap_err(),
        NotificationError::HashMismatch
    );
    // Fields outside the hash order may be added without breaking it, and are kept: the
    // numbered user fields by their number, others as they came.
    let extended =
        format!("{body}&UserField_1=%e7%e0%EA%E0%E7&UserFieldName_1=order&UserField_12=x&UserField_x=y&Other=z");
    let n = Notification::parse(extended.as_bytes()).unwrap();
    assert!(n.clone().verify(KEY).is_ok());
    assert_eq!(n.user_fields[&1], "заказ");
    assert_eq!(n.user_fields[&12], "x");
    assert_eq!(n.user_field_names[&1], "order");
    assert_eq!(n.extra["UserField_x"], "y", "not a number: an unknown field");
    assert_eq!(n.extra["Other"], "z");
    assert!(!n.extra.contains_key("UserField_1"));
    // They stay in the hash's input as sent: every field, in order.
    assert!(n.fields.iter().any(|(k, v)| k == "UserField_1" && v == "заказ"));
    let no_hash = body.replace(&format!("&hash={GOLDEN}"), "");
    assert_eq!(
        Notification::parse(no_hash.as_bytes())
            .unwrap()
            .verify(KEY)
            .unwrap_err(),
        NotificationError::MissingHash
    );
}

#[test]
fn a_repeated_field_is_refused_though_the_hash_covers_the_first() {
    // A genuine, signed notification with a second recipientAmount appended: the hash covers the
    // first (10.00), a reader taking the last would see 100000.00. Found while writing the
    // notification fuzz target's property.
    let body = wiki_notification().replace("b0facf9fbb3a94039269c4e257642ff3", GOLDEN);
    let altered = format!("{body}&recipientAmount=100000.00");
    let repeated = NotificationError::Repeated {
        field: "recipientAmount".into(),
    };
    assert_eq!(Notification::parse(altered.as_bytes()).unwrap_err(), repeated);
    assert_eq!(
        repeated.to_string(),
        "field `recipientAmount` appears more than once: the notification was altered"
    );
    // Fields read by other means are refused by `verify`.
    let mut fields = Notification::SCHEME.decode(body.as_bytes()).unwrap();
    fields.push(("recipientAmount".into(), "100000.00".into()));
    let n = Notification::from_fields(fields).unwrap();
    assert_eq!(n.verify(KEY).unwrap_err(), repeated);
    // A repeated hash too.
    let twice = format!("{body}&hash={GOLDEN}");
    assert_eq!(
        Notification::parse(twice.as_bytes()).unwrap_err(),
        NotificationError::Repeated { field: "hash".into() }
    );
}

#[test]
fn bad_values_and_encodings_name_the_field() {
    let e = Notification::parse(b"eshopId=12x&hash=0").unwrap_err();
    assert_eq!(e.to_string(), "field `eshopId`: `12x` is not a whole number");
    let e = Notification::parse(b"serviceName=%zz").unwrap_err();
    assert_eq!(
        e,
        NotificationError::Encoding {
            field: "serviceName".into()
        }
    );
}

#[test]
fn the_builder_signs_what_verify_accepts() {
    let body = Notification::builder()
        .field("eshopId", "452996")
        .field("orderId", "A-17")
        .field("serviceName", "Оплата заказа №17")
        .field("recipientAmount", "150.50")
        .field("recipientCurrency", "RUB")
        .field("paymentStatus", "5")
        .field("userEmail", "buyer@example.com")
        .field("paymentData", "2024-05-01 10:00:00")
        .field("secretKey", "")
        .sign(KEY);
    let text = String::from_utf8(body.clone()).unwrap();
    // windows-1251 percent-encoding, `+` for spaces, as IntellectMoney writes it.
    assert!(
        text.contains("serviceName=%ce%ef%eb%e0%f2%e0+%e7%e0%ea%e0%e7%e0+%b917"),
        "{text}"
    );
    let n = Notification::parse(&body).unwrap();
    let n = n.verify(KEY).unwrap();
    assert_eq!(n.payment_status, Some(PaymentStatus::Paid));
    assert_eq!(n.service_name.as_deref(), Some("Оплата заказа №17"));
    assert_eq!(Notification::ANSWER, "OK");
}

#[test]
fn verify_keeps_only_what_the_hash_covers() {
    // The wiki's scheme leaves paymentId, refundAmount and reccurringState out of the hash: a
    // changed value still verifies, so `verify` does not return them as trusted.
    let body = wiki_notification().replace("b0facf9fbb3a94039269c4e257642ff3", GOLDEN);
    let n = Notification::parse(body.as_bytes()).unwrap();
    assert!(n.payment_id.is_some(), "read before verifying");
    let trusted = n.verify(KEY).unwrap();
    assert_eq!(trusted.payment_id, None, "not covered by the hash");
    assert!(trusted.unverified.contains_key("paymentId"), "{:?}", trusted.unverified);
    assert_eq!(trusted.recipient_amount.unwrap().to_string(), "10.00", "covered: kept");
    assert!(trusted.order_id.is_some());
    for covered in Notification::SCHEME.order {
        assert!(!trusted.unverified.contains_key(*covered), "{covered} is covered");
    }
    // Numbered and unknown fields are not covered either.
    let extended = format!("{body}&UserField_1=x&Other=z");
    let trusted = Notification::parse(extended.as_bytes()).unwrap().verify(KEY).unwrap();
    assert!(trusted.user_fields.is_empty() && trusted.extra.is_empty());
    assert_eq!(trusted.unverified["UserField_1"], "x");
    assert_eq!(trusted.unverified["Other"], "z");
}

#[test]
fn a_name_that_differs_only_in_case_is_refused() {
    let body = wiki_notification().replace("b0facf9fbb3a94039269c4e257642ff3", GOLDEN);
    // Beside the real field, or in its place: either way it is refused, not shown as extra.
    for altered in [
        format!("{body}&RecipientAmount=99999.00"),
        body.replace("recipientAmount=", "RecipientAmount="),
    ] {
        let e = Notification::parse(altered.as_bytes()).unwrap_err();
        assert!(
            matches!(
                &e,
                NotificationError::CaseVariant {
                    known: "recipientAmount",
                    ..
                } | NotificationError::Repeated { .. }
            ),
            "{e:?}"
        );
    }
    let e = Notification::parse(body.replace("recipientAmount=", "RecipientAmount=").as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "field `RecipientAmount` differs from `recipientAmount` only in case: the notification was altered"
    );
}

#[test]
fn a_huge_notification_is_refused_before_it_is_read() {
    let big = format!(
        "serviceName={}",
        "a".repeat(intellectmoney::runtime::notification::MAX_BODY)
    );
    assert_eq!(
        Notification::parse(big.as_bytes()).unwrap_err(),
        NotificationError::TooLarge
    );
    let many: String = (0..=intellectmoney::runtime::notification::MAX_FIELDS)
        .map(|i| format!("f{i}=1&"))
        .collect();
    assert_eq!(
        Notification::parse(many.as_bytes()).unwrap_err(),
        NotificationError::TooLarge
    );
}

/// A key anyone can guess is no key: the wiki's notification, signed with an empty SecretKey (or
/// only spaces), is refused, whatever its hash says.
#[test]
fn an_empty_or_blank_secret_key_is_refused() {
    for key in ["", " ", "\t "] {
        let body = Notification::builder()
            .field("eshopId", "452996")
            .field("paymentStatus", "5")
            .sign(key);
        let n = Notification::parse(&body).unwrap();
        let e = n.verify(key).unwrap_err();
        assert_eq!(e, NotificationError::EmptySecretKey, "{key:?}");
        assert!(e.to_string().contains("empty"), "{e}");
    }
}

/// The form's own `secretKey` (IntellectMoney sends it empty) is a secret when it is not: never
/// in `Debug`.
#[test]
fn a_secret_key_in_the_form_never_shows_in_debug() {
    let body = Notification::builder()
        .field("eshopId", "452996")
        .field("paymentStatus", "5")
        .field("secretKey", "LeakedKey123")
        .sign(KEY);
    let n = Notification::parse(&body).unwrap().verify(KEY).unwrap();
    assert_eq!(n.secret_key.as_ref().map(|k| k.expose()), Some("LeakedKey123"));
    let shown = format!("{n:?}");
    assert!(!shown.contains("LeakedKey123"), "{shown}");
}
