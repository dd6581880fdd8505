//! Differential: the generated XML decoders (the client's path) against the serde path
//! (`runtime::xml_serde`, quick-xml's deserializer), their reference. Any UTF-8 text, as the
//! answer of any method, read as the whole answer and as the bare result: both paths read the
//! same value, or both refuse it; and the generated decoders' two lanes (the plain lexer,
//! quick-xml's reader) give the same outcome. A disagreement (different values, or one
//! accepting what the other refuses) panics with both outcomes.
#![no_main]
// The deprecated Payout methods are still decoded.
#![allow(deprecated)]

include!("decode_all.rs");

use intellectmoney::runtime::xml::{self, FromXml};
use intellectmoney::runtime::{decode_xml, decode_xml_as, xml_serde, ApiRequest, DecodeError, EnvelopeOf};
use intellectmoney::IntellectMoney;
use std::fmt::Debug;

fn same<T: PartialEq + Debug>(method: &str, new: Result<T, DecodeError>, reference: Result<T, DecodeError>) {
    match (new, reference) {
        (Ok(new), Ok(reference)) if new == reference => {}
        (Err(_), Err(_)) => {}
        (new, reference) => panic!(
            "the decoders disagree on {method}:\ngenerated {:?}\nserde {:?}",
            new.map_err(|e| format!("{} at {}", e.message, e.path)),
            reference.map_err(|e| format!("{} at {}", e.message, e.path))
        ),
    }
}

fn lanes<T: FromXml + PartialEq + Debug>(method: &str, body: &str) {
    let (plain, quick) = (xml::from_str::<T>(body), xml::from_str_quick::<T>(body));
    assert!(
        plain == quick,
        "the lanes differ on {method}:\nplain {plain:?}\nquick {quick:?}"
    );
}

fn differ<R: ApiRequest>(body: &str)
where
    EnvelopeOf<R>: PartialEq + Debug,
    R::Output: PartialEq + Debug,
{
    let name = R::METHOD.name;
    lanes::<EnvelopeOf<R>>(name, body);
    lanes::<R::Output>(name, body);
    same(name, decode_xml::<R>(body), xml_serde::decode_xml::<R>(body));
    same(
        name,
        decode_xml_as::<IntellectMoney, R::Output>(name, body),
        xml_serde::decode_xml_as::<IntellectMoney, R::Output>(name, body),
    );
}

/// `differ::<R>` for every method `R`.
macro_rules! checks {
    ($($method:path),*) => { [$(differ::<$method> as fn(&str)),*] };
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let checks = intellectmoney::for_each_method!(checks);
    if let Some((check, body)) = pick(&checks, data) {
        check(body);
    }
});
