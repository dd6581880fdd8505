//! A `Sign` recomputed from the spec's template text (the IR keeps it as written) and the values
//! a server received, without the runtime's signing code: names replaced by the values sent
//! (matched in any case), empty slots and names not sent left empty, `signSecretKey` the secret,
//! joined by `::`, SHA-256 in lower-case hex (spec/README.md, «Sign»).

use sha2::{Digest, Sha256};

/// The `Sign` the spec's template of `method` for `version` gives these values (`None`: the
/// method is not signed). `version` picks the template tagged with it, else the untagged one.
pub fn sign_by_spec(method: &str, version: Option<&str>, params: &[(String, String)], secret: &str) -> Option<String> {
    let ir = crate::spec_ir();
    let m = ir.apis.iter().flat_map(|a| &a.methods).find(|m| m.wire == method)?;
    let sign = m.sign.as_ref()?;
    let all = sign.by_version();
    let text = all
        .iter()
        .find(|(v, _, _)| v.is_some() && *v == version)
        .or_else(|| all.iter().find(|(v, _, _)| v.is_none()))
        .map(|(_, text, _)| *text)?;
    let value = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    };
    let input: Vec<&str> = text
        .split("::")
        .map(|slot| match slot {
            "signSecretKey" => secret,
            // A name not sent (an `absent` one is never sent) stays empty.
            name => value(name),
        })
        .collect();
    let digest = Sha256::digest(input.join("::").as_bytes());
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}
