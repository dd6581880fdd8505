// Shared by the decoder targets: the input's first byte picks a method, the rest is its answer.
// Every method of both APIs is covered, in the order of `intellectmoney::for_each_method!` (the
// spec's), so that every generated type is reached; `fuzz_seeds` (tests/examples) writes the
// seeds with the same indexes.

/// Decodes one answer; the error is formatted as the client would show it.
#[allow(dead_code)]
type Decoder = fn(&str) -> Option<String>;

/// Runs the decoder the first byte of `data` picks on the rest, when it is UTF-8 (the client
/// refuses other bytes before decoding).
#[allow(dead_code)]
fn pick<'a, F: Copy>(decoders: &[F], data: &'a [u8]) -> Option<(F, &'a str)> {
    let (&pick, rest) = data.split_first()?;
    let body = std::str::from_utf8(rest).ok()?;
    Some((decoders[pick as usize % decoders.len()], body))
}
