//! The Result-URL notification parser: any bytes as the form body (windows-1251, percent-encoded).
//! Parsing and verifying must return a value or an error, never panic; a notification that parses
//! must verify only with the key it was signed with.
#![no_main]

use intellectmoney::personal::Notification;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(n) = Notification::parse(data) {
        let _ = n.verify("fuzz-secret-key");
        let _ = format!("{n:?}");
    }
});
