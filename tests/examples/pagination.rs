use futures_util::StreamExt;
use intellectmoney::mock::MockServer;
use intellectmoney::personal::GetInvoicesHistory;
use intellectmoney::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mock = MockServer::start();
    let client = Client::builder().base_url(mock.url()).user_token("token").build()?;
    let mut invoices = std::pin::pin!(client.get_invoices_history_items(GetInvoicesHistory::new(100)));
    while let Some(invoice) = invoices.next().await {
        let invoice = invoice?;
        println!("{:?}", invoice.id);
    }
    Ok(())
}
