use intellectmoney::mock::{MockServer, Override};
use intellectmoney::personal::GetEshopInfo;
use intellectmoney::{Client, Error};

#[tokio::main]
async fn main() {
    let mock = MockServer::start(); // a free loopback port; stops when dropped
    let client = Client::builder()
        .base_url(mock.url())
        .user_token("token")
        .build()
        .unwrap();
    // By request type (or by name, in any case): Refuse, Respond { .. } or Delay(..).
    mock.set_for::<GetEshopInfo>(Override::Refuse("Магазин не найден".into()));
    let e = client.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(matches!(e, Error::Refused { .. }), "{e}");
    assert_eq!(mock.requests_for::<GetEshopInfo>().len(), 1);
}
