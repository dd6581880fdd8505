//! Card numbers found by their shape in text a server wrote: any run of 13 to 19 digits (alone,
//! or in groups split by single spaces or dashes) that passes the Luhn check is shown as
//! `411111******1111`. This catches a card number the client was never given (another payout's,
//! quoted in an answer); the numbers it was given are removed by value, in every form.

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
        out.push_str(&mask_run(&text[i..end]));
        done = end;
        i = end;
    }
    out.push_str(&text[done..]);
    out
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

/// A run with its card numbers masked: the run as one number, else each of its groups.
fn mask_run(run: &str) -> String {
    let digits: String = run.chars().filter(char::is_ascii_digit).collect();
    if is_card_number(&digits) {
        return masked(&digits);
    }
    if !run.contains([' ', '-']) {
        return run.to_owned();
    }
    let mut out = String::with_capacity(run.len());
    let mut group = String::new();
    for c in run.chars() {
        if c.is_ascii_digit() {
            group.push(c);
        } else {
            out.push_str(&mask_group(&group));
            group.clear();
            out.push(c);
        }
    }
    out.push_str(&mask_group(&group));
    out
}

fn mask_group(group: &str) -> String {
    if is_card_number(group) {
        masked(group)
    } else {
        group.to_owned()
    }
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
    }
}
