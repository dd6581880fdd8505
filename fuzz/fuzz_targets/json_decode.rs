//! The JSON decoder: any UTF-8 text as the answer of any method (the client refuses other bytes
//! before decoding). It must return a value or a `DecodeError`, never panic or hang.
#![no_main]
// The deprecated Payout methods are still decoded.
#![allow(deprecated)]

include!("decode_all.rs");

fn json<R: intellectmoney::runtime::ApiRequest>(body: &str) -> Option<String> {
    intellectmoney::runtime::decode_json::<R>(body)
        .err()
        .map(|e| e.to_string())
}

/// `json::<R>` for every method `R`.
macro_rules! decoders {
    ($($method:path),*) => { [$(json::<$method> as Decoder),*] };
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let decoders = intellectmoney::for_each_method!(decoders);
    if let Some((decode, body)) = pick(&decoders, data) {
        let _ = decode(body);
    }
});
