//! No call that writes or moves money is sent twice, under any fault: for every such method of
//! the spec (with its wiki request), a timeout, a 500 page, a body that breaks off and a dropped
//! connection each reach the server exactly once — while the same faults make a read-only call
//! retry.

use intellectmoney::runtime::{ApiRequest, Effect};
use intellectmoney::{blocking, Client, RetryPolicy};
use intellectmoney_tests::server::{Answer, Server};
use intellectmoney_tests::wiki::{self, Visitor};
use std::time::Duration;

fn faults() -> Vec<(&'static str, Answer)> {
    let ok = "<Response><OperationState><Code>0</Code></OperationState></Response>".to_owned();
    vec![
        (
            "timeout",
            Answer::Delay(Duration::from_millis(300), Box::new(Answer::xml(ok.clone()))),
        ),
        (
            "500 page",
            Answer::Http {
                status: 500,
                content_type: "text/html".into(),
                body: "<html><body>Internal Server Error</body></html>".into(),
            },
        ),
        ("truncated body", Answer::Truncated { sent: 20, body: ok }),
        ("dropped connection", Answer::Close),
    ]
}

struct Faults {
    sent_once: Vec<String>,
    retried: Vec<String>,
}

impl Visitor for Faults {
    fn visit<R>(&mut self, _api: &str, token: Option<&'static str>, request: R)
    where
        R: ApiRequest<Api = intellectmoney::IntellectMoney> + Send + Sync,
        R::Output: PartialEq + std::fmt::Debug,
    {
        let name = R::METHOD.name;
        for (fault, answer) in faults() {
            let server = Server::always(answer);
            let mut builder = Client::builder()
                .base_url(server.url())
                .bearer_token("bearer")
                .sign_secret("s3cr3t")
                .timeout(Duration::from_millis(100))
                .retry(RetryPolicy {
                    max_retries: 2,
                    min_delay: Duration::from_millis(1),
                    max_delay: Duration::from_millis(5),
                });
            if let Some(t) = token {
                builder = builder.user_token(t);
            }
            if let Some(v) = intellectmoney_tests::version_for(R::METHOD) {
                builder = builder.api_version(intellectmoney_tests::payout_version(v));
            }
            let client = blocking::Client::new(builder).unwrap();
            let result = client.block_on(client.inner().send(&request));
            assert!(result.is_err(), "{name} under {fault}: {result:?}");
            let count = server.received().len();
            if R::METHOD.effect == Effect::Read {
                assert_eq!(count, 3, "{name} under {fault}: a read is retried twice");
                self.retried.push(format!("{name}/{fault}"));
            } else {
                assert_eq!(count, 1, "{name} under {fault}: sent {count} times");
                self.sent_once.push(format!("{name}/{fault}"));
            }
        }
    }
}

#[test]
fn no_write_or_payment_is_sent_twice_under_any_fault() {
    let mut v = Faults {
        sent_once: Vec::new(),
        retried: Vec::new(),
    };
    wiki::personal_requests(&mut v);
    wiki::payout_requests(&mut v);
    // Every method the spec marks `write` or `money` is sent once under each of the 4 faults,
    // every `read` retried.
    let ir = intellectmoney_tests::spec_ir();
    let methods = ir.apis.iter().flat_map(|a| a.methods.iter());
    let (writes, reads): (Vec<_>, Vec<_>) = methods.partition(|m| m.effect != intellectmoney_codegen::ir::Effect::Read);
    assert_eq!(v.sent_once.len(), writes.len() * 4, "{:?}", v.sent_once);
    assert_eq!(v.retried.len(), reads.len() * 4, "{:?}", v.retried);
}
