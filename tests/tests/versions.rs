//! The payout API's versions as one choice: a payout flow against a mock of either version
//! completes with every call signed for that version (each `Sign` recomputed here from the
//! spec's template text, not by the runtime), and a client and a mock of different versions
//! fail with a message that names both, before any money moves.

#![allow(deprecated)]

use intellectmoney::mock::MockServer;
use intellectmoney::payout::{CreateBankCardRussiaOperation, ExecuteOperation, Version};
use intellectmoney::runtime::{ApiVersion, PayoutRequest};
use intellectmoney::{Client, Error, IntellectMoney, PollPolicy};
use intellectmoney_tests::signing::sign_by_spec;
use intellectmoney_tests::wiki::{self, dec};

const SECRET: &str = "s3cr3t";
const TOKEN: &str = "t0ken";

fn mock(version: Version) -> MockServer {
    MockServer::builder()
        .sign_secret(SECRET)
        .user_token(TOKEN)
        .api_version(version)
        .start()
}

fn client(mock: &MockServer, version: Version) -> Client {
    Client::builder()
        .base_url(mock.url())
        .user_token(TOKEN)
        .bearer_token("bearer")
        .sign_secret(SECRET)
        .api_version(version)
        .build()
        .unwrap()
}

/// The wiki version's card payout (the portal's is `wiki::card_payout()`).
fn wiki_card_payout() -> CreateBankCardRussiaOperation {
    CreateBankCardRussiaOperation::new(
        "4111111111111111",
        dec("50.00"),
        intellectmoney::personal::Currency::Rub,
        "Иванов Иван",
    )
}

/// Pays out with `request` on a mock of `version`, then checks every call the mock received
/// against the spec's template for that version.
async fn pays_signed_for<R: PayoutRequest<IntellectMoney>>(version: Version, request: R) {
    let mock = mock(version);
    let c = client(&mock, version);
    let outcome = c.payout(request, PollPolicy::for_tests(), |_, _| {}).await.unwrap();
    assert!(outcome.is_completed(), "{version}: {outcome:?}");
    let requests = mock.requests();
    let names: Vec<_> = requests.iter().filter_map(|r| r.method).collect();
    assert!(
        names.contains(&"ExecuteOperation") && names.contains(&"GetOperationState"),
        "{names:?}"
    );
    for r in &requests {
        assert_eq!(r.refused, None, "{version}: {:?}", r.method);
        let method = r.method.unwrap();
        let expected = sign_by_spec(method, Some(version.name()), &r.params, SECRET);
        assert_eq!(r.header("sign"), expected.as_deref(), "{version}: {method}: Sign");
    }
}

#[tokio::test]
async fn a_payout_completes_in_either_version_with_every_call_signed_for_it() {
    let mut flown = Vec::new();
    for &version in Version::ALL {
        match version {
            Version::Portal => pays_signed_for(version, wiki::card_payout()).await,
            Version::Wiki => pays_signed_for(version, wiki_card_payout()).await,
        }
        flown.push(version);
    }
    assert_eq!(flown, Version::ALL, "a flow for every version of the spec");
}

#[tokio::test]
async fn the_default_version_is_the_spec_default() {
    use intellectmoney::runtime::Api;
    let default = IntellectMoney::VERSIONS
        .iter()
        .find(|v| v.api == "payout")
        .unwrap()
        .default;
    assert_eq!(Version::default().name(), default);
    let mock = MockServer::builder().sign_secret(SECRET).user_token(TOKEN).start();
    let c = Client::builder()
        .base_url(mock.url())
        .user_token(TOKEN)
        .bearer_token("bearer")
        .sign_secret(SECRET)
        .build()
        .unwrap();
    let outcome = c
        .payout(wiki::card_payout(), PollPolicy::for_tests(), |_, _| {})
        .await
        .unwrap();
    assert!(outcome.is_completed(), "{outcome:?}");
}

#[tokio::test]
async fn a_method_of_the_other_version_is_refused_by_the_client_and_nothing_is_sent() {
    let mock = mock(Version::Wiki);
    let c = client(&mock, Version::Portal);
    let e = c
        .payout(wiki_card_payout(), PollPolicy::for_tests(), |_, _| {})
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert!(matches!(e, Error::Request(_)), "{shown}");
    assert!(
        shown.contains("belongs to the wiki version") && shown.contains("set to the portal version"),
        "{shown}"
    );
    assert!(mock.requests().is_empty(), "nothing is sent");
}

#[tokio::test]
async fn a_portal_create_sent_to_a_wiki_server_is_refused_naming_both_versions() {
    let mock = mock(Version::Wiki);
    let c = client(&mock, Version::Portal);
    let e = c
        .payout(wiki::card_payout(), PollPolicy::for_tests(), |_, _| {})
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("CreateOperation of the portal version") && shown.contains("answers the wiki version"),
        "{shown}"
    );
    assert!(!mock.requests().iter().any(|r| r.method == Some("ExecuteOperation")));
}

#[tokio::test]
async fn a_wiki_create_sent_to_a_portal_server_is_refused_naming_both_versions() {
    let mock = mock(Version::Portal);
    let c = client(&mock, Version::Wiki);
    let e = c
        .payout(wiki_card_payout(), PollPolicy::for_tests(), |_, _| {})
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("CreateBankCardRussiaOperation is a method of the wiki version")
            && shown.contains("answers the portal version"),
        "{shown}"
    );
}

#[tokio::test]
async fn an_execute_signed_for_the_other_version_is_refused_naming_it() {
    let mock = mock(Version::Wiki);
    let wiki = client(&mock, Version::Wiki);
    let created = wiki
        .create_bank_card_russia_operation(wiki_card_payout())
        .await
        .unwrap();
    let id = created.result.payout_operation_id.unwrap();
    let portal = client(&mock, Version::Portal);
    let e = portal.execute_operation(ExecuteOperation::new(id)).await.unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("made with the portal version's template") && shown.contains("answers the wiki version"),
        "{shown}"
    );
    // Refused: the operation was not executed, and the right version still can.
    let executed = wiki.execute_operation(ExecuteOperation::new(id)).await.unwrap();
    assert_eq!(executed.result.payout_operation_id, Some(id));
}
