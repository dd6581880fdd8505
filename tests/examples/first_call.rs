use intellectmoney::mock::MockServer;
use intellectmoney::personal::{GetInvoicesHistory, InvoiceState};
use intellectmoney::runtime::{Date, Month};
use intellectmoney::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mock = MockServer::builder()
        .credentials("merchant@example.com", "password")
        .start();
    let client = Client::builder()
        .base_url(mock.url())
        // A UserToken is fetched with these, and fetched again once when it expires.
        .credentials("merchant@example.com", "password")
        .build()?;

    // Required parameters go to `new`, optional ones are setters; limits are checked before
    // anything is sent.
    let from = Date::from_calendar_date(2017, Month::October, 10).expect("a date");
    let request = GetInvoicesHistory::new(10)
        .eshop_id(450063)
        .date_from(from)
        .state(InvoiceState::Paid);
    match client.get_invoices_history(request).await {
        Ok(reply) => {
            for invoice in reply.result.invoices_history_list {
                // Amounts are `Decimal`, with the scale the server sent.
                println!("{:?} {:?}", invoice.id, invoice.amount.and_then(|m| m.amount));
            }
        }
        // Refused: OperationState.Code 2; rejected: Result.State.Code 2 (a wrong password or token).
        Err(e @ (Error::Refused { .. } | Error::Rejected { .. })) => eprintln!("{e}"),
        // Transport, status, decode, queued, deadline, a request refused before sending, …
        Err(e) => return Err(e),
    }
    Ok(())
}
