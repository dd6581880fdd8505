use futures_util::TryStreamExt;
use intellectmoney::mock::{MockServer, Override, PayoutScript};
use intellectmoney::payout::{CreateOperation, PreferenceType};
use intellectmoney::personal::{Currency, GetEshopInfo, GetInvoicesHistory};
use intellectmoney::{Client, Error, PayoutOutcome, PollPolicy};

#[tokio::main]
async fn main() {
    // On a free loopback port until dropped: payouts end "not enough money", and every Sign
    // is checked with this secret.
    let mock = MockServer::builder()
        .sign_secret("sign-secret")
        .payout(PayoutScript::NotEnoughMoney)
        .start();
    // 25 invoices, paged by Skip and Take as the real API pages them.
    mock.records_for::<GetInvoicesHistory>(25);
    let client = Client::builder()
        .base_url(mock.url())
        .user_token("token")
        .bearer_token("bearer-token")
        .sign_secret("sign-secret")
        .build()
        .unwrap();

    // Your paging loop: pages of 10, 10 and 5.
    let invoices: Vec<_> = client
        .get_invoices_history_items(GetInvoicesHistory::new(10))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(invoices.len(), 25);
    assert_eq!(mock.requests_for::<GetInvoicesHistory>().len(), 3);

    // Your unhappy payout: nothing is paid, and a new payout is safe.
    let amount = "50.00".parse().unwrap();
    let request =
        CreateOperation::new(PreferenceType::OutBankCard, amount, Currency::Rub, "Иванов Иван").pan("4111111111111111");
    let outcome = client
        .payout(request, PollPolicy::for_tests(), |_, _| {})
        .await
        .unwrap();
    assert!(matches!(outcome, PayoutOutcome::NotEnoughMoney { .. }), "{outcome:?}");

    // Any method refused (or answered as given, delayed, its answer lost), by request type.
    mock.set_for::<GetEshopInfo>(Override::Refuse("Магазин не найден".into()));
    let e = client.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(matches!(e, Error::Refused { .. }), "{e}");
}
