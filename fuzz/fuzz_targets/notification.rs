//! The Result-URL notification parser: any bytes as the form body (windows-1251, percent-encoded).
//! Parsing and verifying return a value or an error, never panic. A notification that parses has
//! no repeated field (so the fields read are the fields hashed), and `verify` accepts exactly the
//! hash made with the key.
#![no_main]

use intellectmoney::personal::Notification;

const KEY: &str = "fuzz-secret-key";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(n) = Notification::parse(data) else { return };
    let mut names: Vec<&str> = n.fields.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n.fields.len(), "a repeated field passed: {:?}", n.fields);

    let scheme = &Notification::SCHEME;
    let expected = scheme.hash(&n.fields, KEY);
    let sent = n
        .fields
        .iter()
        .find(|(name, _)| name == scheme.hash_field)
        .map(|(_, v)| v.trim().to_ascii_lowercase());
    assert_eq!(n.verify(KEY).is_ok(), sent.as_deref() == Some(expected.as_str()));
    let _ = format!("{n:?}");
});
