//! The mock IntellectMoney (feature `mock`): every spec method answered with its example after
//! checking the request, malformed requests refused like the real API, overrides, sessions, and
//! payouts moving through their states — exercised with the project's own client.

use intellectmoney::mock::{MockServer, Override, PayoutScript};
use intellectmoney::personal::{GetEshopInfo, GetInvoicesHistory};
use intellectmoney::runtime::{decode_json_as, decode_xml_as, ApiRequest, Format};
use intellectmoney::{blocking, Client, Error, IntellectMoney, PayoutOutcome, PollPolicy, RawRequest, RetryPolicy};
use intellectmoney_tests::example;
use intellectmoney_tests::wiki::{self, Visitor};
use std::time::Duration;

const SECRET: &str = "s3cr3t";

struct AgainstTheMock {
    mock: MockServer,
    format: Format,
    /// `api::method` of the methods whose example answers in the format asked (from the spec).
    answerable: Vec<String>,
    checked: Vec<String>,
}

impl Visitor for AgainstTheMock {
    fn visit<R>(&mut self, api: &str, token: Option<&'static str>, request: R)
    where
        R: ApiRequest<Api = intellectmoney::IntellectMoney> + Send + Sync,
        R::Output: PartialEq + std::fmt::Debug,
    {
        let name = R::METHOD.name;
        if api == "payout" {
            return; // payouts move through states: see the payout tests below
        }
        if !self.answerable.contains(&format!("{api}::{name}")) {
            return; // the wiki answers it in the other format only: checked in that one
        }
        let mut builder = Client::builder()
            .base_url(self.mock.url())
            .format(self.format)
            .bearer_token("bearer")
            .sign_secret(SECRET)
            .retry(RetryPolicy::never());
        if let Some(t) = token {
            builder = builder.user_token(t);
        }
        let client = blocking::Client::new(builder).unwrap();
        let reply = client
            .block_on(client.inner().send(&request))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let last = self.mock.requests().pop().unwrap();
        assert_eq!(last.method, Some(name));
        assert_eq!(last.refused, None, "{name}");
        // The example decoded on its own (wrapped when the wiki shows the result alone).
        let file = |ext: &str| example(&format!("{api}/{name}.response.{ext}"));
        let expected: Option<R::Output> = match self.format {
            Format::Xml => {
                decode_xml_as::<IntellectMoney, intellectmoney::common::Response<R::Output>>(name, &file("xml"))
                    .map(|r| r.result)
                    .or_else(|_| decode_xml_as::<IntellectMoney, R::Output>(name, &file("xml")).map(Some))
                    .unwrap()
            }
            Format::Json => {
                decode_json_as::<IntellectMoney, intellectmoney::common::Response<R::Output>>(name, &file("json"))
                    .ok()
                    .and_then(|r| r.result)
                    .or_else(|| decode_json_as::<IntellectMoney, R::Output>(name, &file("json")).ok())
            }
        };
        assert_eq!(Some(reply.result), expected, "{name}");
        self.checked.push(format!("{api}::{name}"));
    }
}

#[test]
fn every_personal_method_is_checked_and_answered_with_its_example() {
    for format in [Format::Xml, Format::Json] {
        let mut v = AgainstTheMock {
            mock: MockServer::builder().sign_secret(SECRET).start(),
            format,
            answerable: intellectmoney_tests::methods_answered_in(format),
            checked: Vec::new(),
        };
        wiki::personal_requests(&mut v);
        let want: Vec<String> = v
            .answerable
            .iter()
            .filter(|m| m.starts_with("personal::"))
            .cloned()
            .collect();
        assert!(!want.is_empty());
        v.checked.sort();
        assert_eq!(
            v.checked, want,
            "{format:?}: checked against the mock (left), the spec's methods with such an example (right)"
        );
    }
}

fn client(mock: &MockServer) -> Client {
    Client::builder()
        .base_url(mock.url())
        .user_token("t")
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}

/// A client with what payouts need: a token, the bearer token and the sign secret.
fn payout_client(mock: &MockServer) -> Client {
    Client::builder()
        .base_url(mock.url())
        .user_token("t")
        .bearer_token("bearer")
        .sign_secret(SECRET)
        .build()
        .unwrap()
}

static GET_INVOICES_RAW: &intellectmoney::runtime::MethodInfo = <GetInvoicesHistory as ApiRequest>::METHOD;

#[tokio::test]
async fn malformed_requests_are_refused_like_the_real_api() {
    let mock = MockServer::builder().sign_secret(SECRET).start();
    let c = client(&mock);
    let refused = |r: Result<intellectmoney::Reply<intellectmoney::personal::InvoicesHistoryList>, Error>| match r {
        Err(Error::Refused { desc, .. }) => desc.unwrap(),
        other => panic!("{other:?}"),
    };
    // No Take.
    let raw = RawRequest::new(GET_INVOICES_RAW).user_token("UserToken");
    assert_eq!(refused(c.raw(&raw).await), "Parameter Take is required");
    // A date in the wrong format.
    let raw = RawRequest::new(GET_INVOICES_RAW)
        .user_token("UserToken")
        .text("DateTo", "2017-07-15")
        .text("Take", "10");
    assert_eq!(
        refused(c.raw(&raw).await),
        "Parameter DateTo: `2017-07-15` is not a date DD.MM.YYYY"
    );
    // Signed with another secret.
    let wrong = Client::builder()
        .base_url(mock.url())
        .user_token("t")
        .sign_secret("other")
        .build()
        .unwrap();
    let e = wrong
        .get_invoices_history(GetInvoicesHistory::new(10))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Refused { desc: Some(d), .. } if d == "Invalid Sign"),
        "{e:?}"
    );
    let refusals: Vec<Option<String>> = mock.requests().into_iter().map(|r| r.refused).collect();
    assert_eq!(refusals.len(), 3);
    assert!(refusals.iter().all(Option::is_some));
}

#[tokio::test]
async fn overrides_replace_the_example() {
    let mock = MockServer::start();
    let c = client(&mock);
    mock.set("getEshopInfo", Override::Refuse("Магазин не найден".into()));
    let e = c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(
        matches!(&e, Error::Refused { desc: Some(d), .. } if d == "Магазин не найден"),
        "{e:?}"
    );
    mock.set(
        "getEshopInfo",
        Override::Respond {
            status: 503,
            content_type: "text/html".into(),
            body: "<html>down</html>".into(),
        },
    );
    let e = c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(matches!(e, Error::Status { status: 503, .. }), "{e:?}");
    mock.set("getEshopInfo", Override::Delay(Duration::from_secs(2)));
    let e = c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    mock.reset("getEshopInfo");
    let reply = c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap();
    assert!(!reply.result.eshop_info_datas.is_empty());
    let params = &mock.requests()[0].params;
    assert_eq!(
        params,
        &[
            ("UserToken".to_owned(), "t".to_owned()),
            ("Take".to_owned(), "3".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_stale_token_is_renewed_against_the_mock() {
    let mock = MockServer::builder()
        .credentials("merchant@example.com", "pa55")
        .user_token("fresh")
        .start();
    let c = Client::builder()
        .base_url(mock.url())
        .user_token("stale")
        .credentials("merchant@example.com", "pa55")
        .build()
        .unwrap();
    c.get_invoices_history(GetInvoicesHistory::new(10)).await.unwrap();
    let tokens: Vec<Option<String>> = mock
        .requests()
        .iter()
        .map(|r| r.param("UserToken").map(str::to_owned))
        .collect();
    assert_eq!(tokens, [Some("stale".into()), None, Some("fresh".into())]);
    let shown = format!("{:?} {:?}", mock, mock.requests());
    assert!(
        !shown.contains("pa55") && !shown.contains("stale") && !shown.contains("fresh"),
        "{shown}"
    );
    let shown = format!(
        "{:?}",
        MockServer::builder()
            .credentials("m", "pa55")
            .user_token("fresh")
            .sign_secret("s3cr3t")
    );
    assert!(
        !shown.contains("pa55") && !shown.contains("fresh") && !shown.contains("s3cr3t"),
        "{shown}"
    );
    let wrong = Client::builder()
        .base_url(mock.url())
        .credentials("merchant@example.com", "nope")
        .build()
        .unwrap();
    let e = wrong
        .get_invoices_history(GetInvoicesHistory::new(10))
        .await
        .unwrap_err();
    assert!(e.is_authentication_failed(), "{e:?}");
}

#[tokio::test]
async fn payouts_move_through_their_states() {
    let fast = PollPolicy {
        min_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        deadline: Duration::from_secs(5),
    };
    for (script, expect) in [
        (PayoutScript::Complete { polls: 2 }, "Completed"),
        (
            PayoutScript::Fail {
                polls: 0,
                message: "Карта заблокирована".into(),
            },
            "Failed",
        ),
        (PayoutScript::NotEnoughMoney, "NotEnoughMoney"),
    ] {
        let mock = MockServer::builder().sign_secret(SECRET).payout(script).start();
        let c = payout_client(&mock);
        let mut states = Vec::new();
        let outcome = c
            .payout(wiki::card_payout(), fast, |_, s| states.push(s.to_string()))
            .await
            .unwrap();
        let name = match &outcome {
            PayoutOutcome::Completed { .. } => "Completed",
            PayoutOutcome::Failed { error_message, .. } => {
                assert_eq!(error_message.as_deref(), Some("Карта заблокирована"));
                "Failed"
            }
            PayoutOutcome::NotEnoughMoney { .. } => "NotEnoughMoney",
            other => panic!("{other:?}"),
        };
        assert_eq!(name, expect);
        assert_eq!(states.first().map(String::as_str), Some("Created"));
        assert_eq!(states.last().map(String::as_str), Some(expect));
        assert!(
            mock.requests().iter().all(|r| r.refused.is_none()),
            "{:?}",
            mock.requests()
        );
        let executes = mock
            .requests()
            .iter()
            .filter(|r| r.method == Some("ExecuteOperation"))
            .count();
        assert_eq!(executes, 1);
    }
}

/// The mock's payout flow follows the spec's roles: any method with `role: payout_create` creates
/// (here a deprecated one, of the wiki's version), and the method with `role: payout_delete`
/// deletes a created payout, which then cannot be executed.
#[tokio::test]
#[allow(deprecated)]
async fn the_mock_pays_and_deletes_by_the_spec_roles() {
    use intellectmoney::payout::{CreateQiwiWalletOperation, DeleteOperation, ExecuteOperation, QiwiWallet, Version};
    let mock = MockServer::builder()
        .sign_secret(SECRET)
        .api_version(Version::Wiki)
        .start();
    let c = Client::builder()
        .base_url(mock.url())
        .user_token("t")
        .bearer_token("bearer")
        .sign_secret(SECRET)
        .api_version(Version::Wiki)
        .build()
        .unwrap();
    let qiwi = || {
        CreateQiwiWalletOperation::new(
            QiwiWallet::from("70000000000"),
            wiki::dec("10.00"),
            intellectmoney::personal::Currency::Rub,
            "Иванов Иван",
        )
    };
    let outcome = c.payout(qiwi(), PollPolicy::for_tests(), |_, _| {}).await.unwrap();
    assert!(outcome.is_completed(), "{outcome:?}");

    let created = c.create_qiwi_wallet_operation(qiwi()).await.unwrap();
    let id = created.result.payout_operation_id.unwrap();
    assert_eq!(created.result.payout_operation_state.unwrap().to_string(), "Created");
    let deleted = c.delete_operation(DeleteOperation::new(id)).await.unwrap();
    assert!(deleted.result);
    let e = c.execute_operation(ExecuteOperation::new(id)).await.unwrap_err();
    assert!(
        matches!(&e, Error::Refused { desc: Some(d), .. } if d.contains("Deleted")),
        "{e:?}"
    );
    let e = c.delete_operation(DeleteOperation::new(id)).await.unwrap_err();
    assert!(matches!(e, Error::Refused { .. }), "{e:?}");
}

#[tokio::test]
async fn a_method_is_named_in_any_case_and_a_misspelt_one_panics() {
    let mock = MockServer::start();
    let c = client(&mock);
    // Typed, by the request type; or by name, the request type's or the wiki's.
    mock.set_for::<GetEshopInfo>(Override::Refuse("нулевой".into()));
    let e = c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(
        matches!(&e, Error::Refused { desc: Some(d), .. } if d == "нулевой"),
        "{e:?}"
    );
    assert_eq!(mock.requests_for::<GetEshopInfo>().len(), 1);
    assert!(mock.requests_for::<GetInvoicesHistory>().is_empty());
    mock.set(GetEshopInfo::METHOD.name, Override::Refuse("первый".into()));
    mock.set("GETESHOPINFO", Override::Refuse("второй".into()));
    let e = c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap_err();
    assert!(
        matches!(&e, Error::Refused { desc: Some(d), .. } if d == "второй"),
        "{e:?}"
    );
    let misspelt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        mock.set("getEshopInfos", Override::Refuse("x".into()))
    }));
    let message = misspelt.unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(message.contains("the mock has no method `getEshopInfos`"), "{message}");
}

#[test]
fn a_fake_reply_can_be_built() {
    let reply = intellectmoney::Reply::new(42).with_warning("a warning");
    assert_eq!(
        (reply.result, reply.warning.as_deref(), reply.operation_id),
        (42, Some("a warning"), None)
    );
}

#[tokio::test]
async fn a_payout_is_never_sent_unsigned_and_the_mock_refuses_one() {
    // The client: a payout method is always signed; without the secrets nothing is sent.
    let mock = MockServer::start();
    let unsigned = Client::builder().base_url(mock.url()).user_token("t").build().unwrap();
    let e = unsigned.create_operation(wiki::card_payout()).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("the client was built without .bearer_token(..) and .sign_secret(..)"),
        "{e}"
    );
    assert!(mock.requests().is_empty(), "nothing was sent");
    // The mock, like IntellectMoney, refuses an unsigned payout by default (here sent by hand)…
    let body = example("payout/CreateOperation.request.json");
    let post = |url: String| {
        let body = body.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{url}/personal/payout/CreateOperation"))
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let answer = post(mock.url()).await;
    assert!(answer.contains("Authorization and Sign are required"), "{answer}");
    // …unless told to be lax.
    let lax = MockServer::builder().lax_signing().start();
    let answer = post(lax.url()).await;
    assert!(answer.contains("PayoutOperationId"), "{answer}");
}

/// A data set of records pages as the real API does: a paging loop over 25 invoices with
/// `Take` 10 gets three pages (10, 10, 5) and every record once, in XML and in JSON; each record
/// is the wiki example's first invoice, numbered by its key.
#[tokio::test]
async fn a_data_set_of_records_pages_by_skip_and_take() {
    use futures_util::TryStreamExt;
    for format in [Format::Xml, Format::Json] {
        let mock = MockServer::start();
        mock.records_for::<GetInvoicesHistory>(25);
        let c = Client::builder()
            .base_url(mock.url())
            .user_token("t")
            .format(format)
            .build()
            .unwrap();
        let invoices: Vec<_> = c
            .get_invoices_history_items(GetInvoicesHistory::new(10))
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<i64> = invoices.iter().map(|i| i.id.unwrap()).collect();
        assert_eq!(ids, (1..=25).collect::<Vec<i64>>(), "{format:?}");
        let skips: Vec<String> = mock
            .requests_for::<GetInvoicesHistory>()
            .iter()
            .map(|r| r.param("Skip").unwrap_or("0").to_owned())
            .collect();
        assert_eq!(skips, ["0", "10", "20"], "{format:?}: pages asked");
        // Every other value is the example's.
        let example = decode_xml_as::<
            IntellectMoney,
            intellectmoney::common::Response<<GetInvoicesHistory as ApiRequest>::Output>,
        >(
            "getInvoicesHistory",
            &example("personal/getInvoicesHistory.response.xml"),
        )
        .unwrap();
        let first = example
            .result
            .unwrap()
            .invoices_history_list
            .into_iter()
            .next()
            .unwrap();
        let mut last = invoices.last().unwrap().clone();
        last.id = first.id;
        assert_eq!(last, first, "{format:?}");
    }
}

#[test]
#[should_panic(expected = "getEshopInfo has no data set of records")]
fn a_data_set_for_a_method_without_a_key_panics_naming_those_that_have_one() {
    MockServer::start().records("getEshopInfo", 3);
}

/// A burst: the behaviour lasts the given number of calls, then the method answers as usual; a
/// read's retries outlast a burst of two 503s.
#[tokio::test]
async fn a_burst_of_errors_ends_after_its_calls() {
    let mock = MockServer::start();
    mock.set_times(
        "getEshopInfo",
        Override::Respond {
            status: 503,
            content_type: "text/plain".into(),
            body: "busy".into(),
        },
        2,
    );
    let c = Client::builder()
        .base_url(mock.url())
        .user_token("t")
        .retry(RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
        .build()
        .unwrap();
    c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap();
    assert_eq!(
        mock.requests_for::<GetEshopInfo>().len(),
        3,
        "two 503s, then the example"
    );
    c.get_eshop_info(GetEshopInfo::new(3)).await.unwrap();
    assert_eq!(mock.requests_for::<GetEshopInfo>().len(), 4, "the burst is over");
}

/// Each payout its own ending: the first completes, the second fails with its message, the
/// third and every later one are deleted by the server; nothing but the first is paid.
#[tokio::test]
async fn each_payout_follows_its_own_script() {
    let mock = MockServer::builder()
        .sign_secret(SECRET)
        .payout(PayoutScript::Each(vec![
            PayoutScript::Complete { polls: 0 },
            PayoutScript::Fail {
                polls: 1,
                message: "Карта заблокирована".into(),
            },
            PayoutScript::Deleted { polls: 0 },
        ]))
        .start();
    let c = payout_client(&mock);
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        let o = c
            .payout(wiki::card_payout(), PollPolicy::for_tests(), |_, _| {})
            .await
            .unwrap();
        outcomes.push(o);
    }
    assert!(outcomes[0].is_completed(), "{outcomes:?}");
    assert!(
        matches!(&outcomes[1], PayoutOutcome::Failed { error_message: Some(m), .. } if m == "Карта заблокирована"),
        "{outcomes:?}"
    );
    assert!(matches!(outcomes[2], PayoutOutcome::Deleted { .. }), "{outcomes:?}");
    assert!(matches!(outcomes[3], PayoutOutcome::Deleted { .. }), "{outcomes:?}");
}
