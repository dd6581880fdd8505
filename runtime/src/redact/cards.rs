//! Card numbers found by their shape in text a server wrote: any 13 to 19 digits, alone or in
//! groups split by single spaces or dashes (beside other groups too), that pass the Luhn check
//! are shown as `411111******1111`. This catches a card number the client was never given
//! (another payout's, quoted in an answer); the numbers it was given are removed by value, in
//! every form. Digits that are part of a word or an identifier (a GUID's, `ORD-1736942400001`,
//! `id_…`) are left as they are: an operator needs an operation's id whole.

/// `text` with every card number in it masked to its first six and last four digits.
pub fn mask_card_numbers(text: &str) -> String {
    if text.bytes().filter(u8::is_ascii_digit).count() < 13 {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let end = run_end(bytes, i);
        out.push_str(&text[done..i]);
        let joined = (
            joined_to_word(bytes, i.checked_sub(1), i.checked_sub(2)),
            joined_to_word(bytes, Some(end), Some(end + 1)),
        );
        out.push_str(&mask_run(&text[i..end], joined));
        done = end;
        i = end;
    }
    out.push_str(&text[done..]);
    out
}

/// Whether the byte `next` to a run (before or after it) makes the run's end group part of a
/// word or identifier: a letter, or `-` or `_` with a letter or digit at `beyond`.
fn joined_to_word(bytes: &[u8], next: Option<usize>, beyond: Option<usize>) -> bool {
    let at = |i: Option<usize>| i.and_then(|i| bytes.get(i)).copied();
    match at(next) {
        Some(b) if b.is_ascii_alphabetic() => true,
        Some(b'-' | b'_') => at(beyond).is_some_and(|b| b.is_ascii_alphanumeric()),
        _ => false,
    }
}

/// Where a run of digit groups, split by single spaces or dashes, that starts at `start` ends.
fn run_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() {
        let digit = bytes[end].is_ascii_digit();
        let separator = matches!(bytes[end], b' ' | b'-') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        if !(digit || separator) {
            break;
        }
        end += 1;
    }
    end
}

/// A run with its card numbers masked. A run is groups of digits split by single spaces or
/// dashes; a card number is any stretch of whole groups (the run, one group, or groups beside
/// others: `100 4111 1111 1111 1111`). Consecutive groups within card-shaped stretches (ones
/// that overlap, or two cards side by side) are masked as one number, so that a stretch that
/// passes the Luhn check by chance never leaves part of a real card number beside it unmasked.
/// An end group `joined` to a word (first, last) is part of an identifier, never of a card.
fn mask_run(run: &str, joined: (bool, bool)) -> String {
    let groups: Vec<&str> = run.split([' ', '-']).collect();
    let separators: Vec<char> = run.chars().filter(|c| !c.is_ascii_digit()).collect();
    let mut in_word = vec![false; groups.len()];
    in_word[0] |= joined.0;
    in_word[groups.len() - 1] |= joined.1;
    let in_card = groups_in_cards(&groups, &in_word);
    let mut out = String::with_capacity(run.len());
    let mut i = 0;
    while i < groups.len() {
        let last = match in_card[i] {
            true => {
                let last = (i..groups.len()).take_while(|&j| in_card[j]).last().unwrap_or(i);
                out.push_str(&masked(&groups[i..=last].concat()));
                last
            }
            false => {
                out.push_str(groups[i]);
                i
            }
        };
        out.extend(separators.get(last));
        i = last + 1;
    }
    out
}

/// For each group, whether a stretch of whole groups holding it, none `in_word`, is a card
/// number: the whole run, one group, or groups of 3 to 6 digits each, as card numbers are
/// written (`4111 1111 1111 1111`, `3782 822463 10005`). A GUID's groups (`8-4-4-4-12`) never
/// make one.
fn groups_in_cards(groups: &[&str], in_word: &[bool]) -> Vec<bool> {
    let mut in_card = vec![false; groups.len()];
    let card_group = |g: &str| (3..=6).contains(&g.len());
    for i in 0..groups.len() {
        let mut digits = String::new();
        for j in i..groups.len() {
            digits.push_str(groups[j]);
            if digits.len() > 19 || in_word[j] {
                break;
            }
            let whole = i == 0 && j + 1 == groups.len();
            let written_as_card = i == j || whole || groups[i..=j].iter().all(|g| card_group(g));
            if written_as_card && is_card_number(&digits) {
                in_card[i..=j].fill(true);
            }
        }
    }
    in_card
}

/// 13 to 19 digits that pass the Luhn check.
fn is_card_number(digits: &str) -> bool {
    (13..=19).contains(&digits.len()) && luhn(digits)
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A card number as it may be shown: its first six and last four digits (`411111******1111`).
pub fn masked(digits: &str) -> String {
    let n = digits.chars().count();
    if n <= 10 {
        return "*".repeat(n);
    }
    let head: String = digits.chars().take(6).collect();
    let tail: String = digits.chars().skip(n - 4).collect();
    format!("{head}{}{tail}", "*".repeat(n - 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_masked_by_shape() {
        assert_eq!(mask_card_numbers("card 4111111111111111."), "card 411111******1111.");
        assert_eq!(mask_card_numbers("4111 1111 1111 1111"), "411111******1111");
        assert_eq!(mask_card_numbers("4111-1111-1111-1111 ok"), "411111******1111 ok");
        assert_eq!(
            mask_card_numbers("sum 100 5555555555554444"),
            "sum 100 555555******4444"
        );
        // Not Luhn-valid: an ordinary number stays.
        assert_eq!(mask_card_numbers("order 4111111111111112"), "order 4111111111111112");
        assert_eq!(mask_card_numbers("phone 79001234567"), "phone 79001234567");
        // A card number in groups beside other numbers.
        assert_eq!(
            mask_card_numbers("100 4111 1111 1111 1111 paid"),
            "100 411111******1111 paid"
        );
        assert_eq!(
            mask_card_numbers("2026-01-15 4111-1111-1111-1111"),
            "2026-01-15 411111******1111"
        );
        assert_eq!(
            mask_card_numbers("1 2 3 4 5 6 7 8 9 10 11 12"),
            "1 2 3 4 5 6 7 8 9 10 11 12"
        );
        // `1004 4111 1111 1111` passes the Luhn check too (by chance): the stretches overlap,
        // and are masked as one number, leaving no digit of the card's middle.
        assert_eq!(mask_card_numbers("1004 4111 1111 1111 1111"), "100441**********1111");
        // An id is not a card number, whatever its digits: GUIDs (all digits, or with hex
        // letters whose digit runs pass the Luhn check), an order id with a prefix.
        for id in [
            "00000000-0000-4000-8000-000000000003",
            "12345678-1234-1234-1234-123456789012",
            "313874cd-dfbc-423d-b246-548991270564",
            "ORD-1736942400001",
            "order_4111111111111111",
            "operation 313874cd-dfbc-423d-b246-548991270564 failed",
        ] {
            assert_eq!(mask_card_numbers(id), id);
        }
        // A card number beside an id or a word is masked all the same.
        for (text, masked) in [
            ("card 4111111111111111 3DS failed", "card 411111******1111 3DS failed"),
            (
                "order ORD-1736942400001 4111111111111111 declined",
                "order ORD-1736942400001 411111******1111 declined",
            ),
            ("INV-2026 4111 1111 1111 1111", "INV-2026 411111******1111"),
            ("4111111111111111 100RUB", "411111******1111 100RUB"),
        ] {
            assert_eq!(mask_card_numbers(text), masked, "{text}");
        }
        // A card number in text stands apart: after a colon, in quotes, in Cyrillic text.
        assert_eq!(mask_card_numbers("PAN:4111111111111111"), "PAN:411111******1111");
        assert_eq!(mask_card_numbers("\"4111111111111111\""), "\"411111******1111\"");
        assert_eq!(mask_card_numbers("карта 4111111111111111"), "карта 411111******1111");
    }
}
