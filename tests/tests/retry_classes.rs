//! How each error of the client is classified for the retry table (`Error::failure_of`), and
//! what the table then decides for a call that moves money and for a read: the rows the payout
//! flow and the batch runner stand on. The expected classes are written here from the meaning of
//! each error (was the call sent? did the API say it did nothing?), not read from the code.

use intellectmoney::runtime::api::{Meaning, StateCode};
use intellectmoney::runtime::client::{AttemptFailure, RetryDecision, RetryPolicy, TransportKind};
use intellectmoney::runtime::{Api, DecodeError, Effect, RequestError, WireEnum};
use intellectmoney::{Error, IntellectMoney};
use std::time::Duration;

const CALL: &str = "ExecuteOperation";
const LOGIN: &str = "getUserToken";

/// A value of an enum with this meaning (the spec's roles).
fn code_meaning<C: WireEnum + StateCode>(meaning: Meaning) -> C {
    C::all()
        .iter()
        .find(|c| c.meaning() == meaning)
        .cloned()
        .unwrap_or_else(|| panic!("no value means {meaning:?}"))
}

fn transport(method: &'static str, kind: TransportKind) -> Error {
    Error::Transport {
        method,
        kind,
        source: "broken".into(),
    }
}

type Service = <IntellectMoney as Api>::ServiceCode;
type Request = <IntellectMoney as Api>::RequestCode;

/// Every kind of error, with the class it must get for `CALL`.
fn errors() -> Vec<(&'static str, Error, AttemptFailure)> {
    use AttemptFailure::*;
    let refused = |method| Error::Refused {
        method,
        // A code the spec does not know is a refusal.
        code: Service::from_wire("99"),
        desc: Some("no".into()),
        operation_id: None,
    };
    let rejected = |code| Error::Rejected {
        method: CALL,
        code,
        desc: None,
        operation_id: None,
    };
    vec![
        (
            "a parameter refused by the client",
            Error::Request(RequestError::new(CALL, "Amount", "at most 2 places")),
            NotSent,
        ),
        ("the configuration", Error::Config("no base URL".into()), NotSent),
        ("no connection", transport(CALL, TransportKind::Connect), NotConnected),
        ("a broken connection", transport(CALL, TransportKind::Body), NoAnswer),
        ("TLS", transport(CALL, TransportKind::Tls), NoAnswer),
        (
            "the attempt's timeout",
            transport(CALL, TransportKind::Timeout),
            NoAnswer,
        ),
        (
            "the flow's deadline",
            Error::Deadline {
                method: CALL,
                deadline: Duration::from_secs(1),
            },
            NoAnswer,
        ),
        (
            "a 503",
            Error::Status {
                method: CALL,
                status: 503,
                snippet: String::new(),
            },
            Status(503),
        ),
        (
            "a 400",
            Error::Status {
                method: CALL,
                status: 400,
                snippet: String::new(),
            },
            Status(400),
        ),
        ("a body too large", Error::TooLarge { method: CALL, limit: 1 }, TooLarge),
        (
            "an unreadable answer",
            Error::Decode(DecodeError::new::<IntellectMoney>(CALL, "Result", "bad", "")),
            Unreadable,
        ),
        (
            "queued",
            Error::Queued {
                method: CALL,
                operation_id: None,
            },
            Queued,
        ),
        ("refused", refused(CALL), Refused),
        ("rejected", rejected(Request::from_wire("99")), Refused),
        (
            "authentication failed",
            rejected(code_meaning::<Request>(Meaning::AuthenticationFailed)),
            AuthenticationFailed,
        ),
        ("the login refused", refused(LOGIN), NotConnected),
        (
            "the login timed out",
            transport(LOGIN, TransportKind::Timeout),
            NotConnected,
        ),
        (
            "in doubt already",
            Error::Unsettled {
                method: CALL,
                operation_id: None,
                cause: Box::new(transport(CALL, TransportKind::Body)),
            },
            NoAnswer,
        ),
    ]
}

#[test]
fn every_error_gets_its_class() {
    // The errors after which the call itself certainly did not reach the server.
    let not_sent = [
        "a parameter refused by the client",
        "the configuration",
        "no connection",
    ];
    for (what, e, class) in errors() {
        assert_eq!(e.failure_of(CALL), class, "{what}: {e}");
        assert_eq!(e.was_not_sent(), not_sent.contains(&what), "{what}: {e}");
    }
}

/// A money call is sent again only by its caller, and only when it certainly did not reach the
/// server; the API's refusal stops it clean; everything else leaves it unsettled.
#[test]
fn a_money_call_is_never_sent_twice() {
    let table = RetryPolicy::default();
    for (what, e, class) in errors() {
        let decision = table.decide(Effect::Money, e.failure_of(CALL), 0, 0.5);
        let want = match class {
            AttemptFailure::NotSent | AttemptFailure::NotConnected | AttemptFailure::Refused => RetryDecision::Stop,
            _ => RetryDecision::Unsettled,
        };
        assert_eq!(decision, want, "{what}");
        assert!(!matches!(decision, RetryDecision::RetryAfter(_)), "{what}");
    }
}

/// A read (the payout's poll) is tried again while the answer may change, and stops on what
/// will not: a bad request, a refusal, a 4xx, a body too large.
#[test]
fn a_read_is_tried_again_only_while_its_answer_may_change() {
    let table = RetryPolicy::default();
    for (what, e, _) in errors() {
        let class = e.failure();
        let again = matches!(table.decide(Effect::Read, class, 0, 0.0), RetryDecision::RetryAfter(_));
        let want = matches!(
            class,
            AttemptFailure::NotConnected
                | AttemptFailure::NoAnswer
                | AttemptFailure::Unreadable
                | AttemptFailure::Queued
                | AttemptFailure::Status(500..)
        );
        assert_eq!(again, want, "{what}: {class:?}");
    }
}
