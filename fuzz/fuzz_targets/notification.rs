//! The Result-URL notification parser: any bytes as the form body (windows-1251, percent-encoded).
//! Parsing and verifying return a value or an error, never panic. A notification that parses has
//! no repeated field (so the fields read are the fields hashed), and `verify` accepts exactly the
//! hash made with the key, and returns as trusted only the fields the hash covers.
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
    let _ = format!("{n:?}");
    let verified = n.clone().verify(KEY);
    assert_eq!(verified.is_ok(), sent.as_deref() == Some(expected.as_str()));
    // What `verify` returns as trusted is only what the hash covers.
    if let Ok(trusted) = verified {
        for name in trusted.unverified.keys() {
            assert!(
                !scheme.order.contains(&name.as_str()) && name != scheme.hash_field,
                "{name}"
            );
        }
    }
});
