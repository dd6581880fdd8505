use intellectmoney::personal::Notification;
use intellectmoney::runtime::notification::NotificationError;

fn main() -> Result<(), NotificationError> {
    // What a shop's Result URL receives: here one made by the builder, as a test would.
    let body = Notification::builder()
        .field("eshopId", "450063")
        .field("orderId", "A-17")
        .field("recipientAmount", "150.50")
        .field("recipientCurrency", "RUB")
        .field("paymentStatus", "5")
        .field("secretKey", "")
        .sign("shop-secret-key");
    // MD5 over the documented fields, compared in constant time; what the hash does not cover
    // is moved to `unverified` and is not to be trusted.
    let notification = Notification::parse(&body)?.verify("shop-secret-key")?;
    println!(
        "{:?} {:?} {:?}",
        notification.order_id, notification.payment_status, notification.recipient_amount
    );
    // Then answer HTTP 200 with the body `Notification::ANSWER` ("OK").
    Ok(())
}
