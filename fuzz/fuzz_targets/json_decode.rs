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

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((&pick, rest)) = data.split_first() {
        if let Ok(body) = std::str::from_utf8(rest) {
            let decoders = every_method!(json);
            let _ = decoders[pick as usize % decoders.len()](body);
        }
    }
});
