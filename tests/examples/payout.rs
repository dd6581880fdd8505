use intellectmoney::mock::{MockServer, PayoutScript};
use intellectmoney::payout::{CreateOperation, PreferenceType};
use intellectmoney::personal::Currency;
use intellectmoney::runtime::Decimal;
use intellectmoney::{Client, Error, PayoutOutcome, PollPolicy};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mock = MockServer::builder()
        .sign_secret("sign-secret")
        .payout(PayoutScript::Complete { polls: 2 }) // Created → InProcess → Completed
        .start();
    let client = Client::builder()
        .base_url(mock.url())
        .user_token("token")
        .bearer_token("bearer-token") // payouts are always signed
        .sign_secret("sign-secret")
        .build()?;
    let amount: Decimal = "50.00".parse().expect("a decimal");
    let request =
        CreateOperation::new(PreferenceType::OutBankCard, amount, Currency::Rub, "Иванов Иван").pan("4111111111111111");
    // Create, execute once, then poll GetOperationState until a final state or the deadline
    // (`PollPolicy::default()`: 1 s to 30 s apart for 10 minutes; `for_tests()` suits the mock).
    match client
        .payout(request, PollPolicy::for_tests(), |id, state| println!("{id}: {state}"))
        .await
    {
        Ok(PayoutOutcome::Completed { operation_id }) => println!("paid: {operation_id}"),
        Ok(PayoutOutcome::Pending { operation_id, .. }) => {
            println!("may still pay: look {operation_id} up later, never create it again")
        }
        Ok(other) => println!("done, nothing paid: {other:?}"),
        Err(e @ Error::Unsettled { .. }) => println!("unknown, look it up: {e}"),
        Err(e) => return Err(e), // nothing was paid: a new payout is safe
    }
    Ok(())
}
