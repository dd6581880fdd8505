//! What a saved wiki page names: method paths, parameter and field names, and enum values with
//! their numbers, each with its line and the method whose section it is in. The page is text as
//! a browser saves it (table cells one per line) or as OCR gives it (words broken by spaces,
//! letters mistaken); the rules read both without guessing what a damaged word meant: a misread
//! name is extracted as it stands, and the spec says what it stands for.

use regex::Regex;
use std::sync::LazyLock;

/// What a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A method path (`/personal/user/getUserToken`).
    Path,
    /// A parameter, field, type or enum name.
    Name,
    /// An enum value with its number (`Paid` = 2), as the page runs them together (`Paid2`).
    Value,
    /// A name as an example's request writes it: a form's, a JSON object's or a PHP array's
    /// key (`eshopId=…`, `"Take": …`). The server binds those without regard to case, so they
    /// stand for the spec's name in any case; a name elsewhere on the page must have the spec's
    /// spelling when it is written all in lower case (`amount` is a word, not `Amount`).
    Key,
}

impl Kind {
    /// The word in the index.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Path => "path",
            Kind::Name => "name",
            Kind::Value => "value",
            Kind::Key => "key",
        }
    }

    /// The kind a word of the index names.
    pub fn from_word(w: &str) -> Option<Kind> {
        match w {
            "path" => Some(Kind::Path),
            "name" => Some(Kind::Name),
            "value" => Some(Kind::Value),
            "key" => Some(Kind::Key),
            _ => None,
        }
    }
}

/// One name found on a page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Found {
    /// What it is.
    pub kind: Kind,
    /// As the page writes it (OCR's spaces inside a quoted key removed). For a value, the name
    /// and number run together (`Vat201`): the split is the spec's to find.
    pub name: String,
    /// The method path whose section it is in (the last path seen above it), or empty.
    pub method: String,
    /// 1-based line.
    pub line: usize,
}

// OCR breaks words with spaces (`Del et eOperation`): letters and single spaces up to ` HTTP`,
// the end of the line, or anything else.
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"personal\s*/\s*([A-Za-z]+)\s*/\s*([A-Za-z](?:[A-Za-z]| [A-Za-z])*?)(?: HTTP|\s*$|[^A-Za-z ])").unwrap()
});
// A cell alone on its line; OCR may leave one more word after it (`QiwiWallet Qiwi .`).
static LONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_]*)(?:\s+[A-Za-z]+)?[\s.,:;|]*$").unwrap());
// A name and its type cell run together: `PaymentState<PaymentTransactionState>`.
static BEFORE_TYPE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_]*)<").unwrap());
static TYPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z][A-Za-z0-9_]*)\s*[,|]?.*?\b(?i:string|decimal|int|long|guid|bool|boolean|datetime)\b")
        .unwrap()
});
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"</?([A-Za-z][A-Za-z0-9_]*)[\s/>]").unwrap());
static JSON_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"["“”]([A-Za-z][A-Za-z0-9_ ]*)["“”]\s*:"#).unwrap());
static PHP_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"'([A-Za-z][A-Za-z0-9_]*)'\s*=>").unwrap());
static FORM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9_]*=[^\s]*(&[A-Za-z][A-Za-z0-9_]*=[^\s&]*)*$").unwrap());
static FORM_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:^|&)([A-Za-z][A-Za-z0-9_]*)=").unwrap());
// A table row saved as one line runs its cells together: `Тип операцииIsHoldingSearchНет`, and
// a title cell may end in a bracket: `Email пользователя (покупателя)OwnerEmailНет`.
static GLUED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\x00-\x7F]|\))([A-Za-z][A-Za-z0-9_]*)(?:[^\x00-\x7F]|$)").unwrap());
// `MerchantReceipt = {…}`: a form field shown with spaces.
static ASSIGN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_]*)\s*=\s*\S").unwrap());
// `• Active - Активен` and `(1 - Recurring)`: values listed in prose.
static BULLET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^•\s*([A-Za-z][A-Za-z0-9_]*)\s*-").unwrap());
static NUMBERED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\((\d+)\s*-\s*([A-Za-z][A-Za-z0-9_]*)\)").unwrap());
static SIGN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*Sign\s*:\s*(.*)$").unwrap());
static VALUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Z][A-Za-z]*[0-9]*?[0-9]+)(?:[^\x00-\x7F]|\s*$)").unwrap());

/// The method paths a line names, as `/personal/<area>/<method>` (OCR's spaces removed).
pub fn paths_on(text: &str) -> Vec<String> {
    PATH.captures_iter(text)
        .map(|c| format!("/personal/{}/{}", &c[1], c[2].replace(' ', "")))
        .collect()
}

/// Every name on the page, in page order, each (kind, name) once per method section and line.
pub fn extract(page: &str) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    let mut method = String::new();
    for (i, raw) in page.lines().enumerate() {
        let line = i + 1;
        let text = raw.trim();
        let mut push = |kind: Kind, name: String, method: &str| {
            let f = Found {
                kind,
                name,
                method: method.to_owned(),
                line,
            };
            if !out.contains(&f) {
                out.push(f);
            }
        };
        for path in paths_on(text) {
            method = path.clone();
            push(Kind::Path, path, &method);
        }
        let value = VALUE.captures(text).map(|c| c[1].to_owned());
        // A value's row (`Paid2Полностью`) is a value, not also a name.
        for (kind, name) in names_on(text).into_iter().filter(|(_, n)| Some(n) != value.as_ref()) {
            push(kind, name, &method);
        }
        if let Some(v) = value {
            push(Kind::Value, v, &method);
        }
        for c in NUMBERED.captures_iter(text) {
            push(Kind::Value, format!("{}{}", &c[2], &c[1]), &method);
        }
    }
    out
}

/// The names one line holds, by the rules of the module's doc.
fn names_on(text: &str) -> Vec<(Kind, String)> {
    let mut v: Vec<String> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    if text.contains("://") && !text.contains(' ') {
        return Vec::new(); // a bare address: its path was taken, its words are not names
    }
    if let Some(c) = LONE.captures(text) {
        v.push(c[1].to_owned());
    } else if let Some(c) = TYPED.captures(text) {
        v.push(c[1].to_owned());
    }
    v.extend(TAG.captures_iter(&format!("{text} ")).map(|c| c[1].to_owned()));
    keys.extend(JSON_KEY.captures_iter(text).map(|c| c[1].replace(' ', "")));
    keys.extend(PHP_KEY.captures_iter(text).map(|c| c[1].to_owned()));
    // Runs of Latin between other letters; the spaces around them keep Latin words apart, so
    // ordinary prose ("через API") has none.
    let mut at = 0;
    while let Some(c) = GLUED.captures_at(text, at) {
        let m = c.get(1).expect("group");
        v.push(m.as_str().to_owned());
        at = m.end();
    }
    if let Some(c) = BEFORE_TYPE.captures(text) {
        v.push(c[1].to_owned());
    }
    if let Some(c) = ASSIGN.captures(text) {
        keys.push(c[1].to_owned()); // a form field shown as `Name = value`
    }
    if let Some(c) = BULLET.captures(text) {
        v.push(c[1].to_owned());
    }
    if FORM.is_match(text) {
        keys.extend(FORM_KEY.captures_iter(text).map(|c| c[1].to_owned()));
    }
    if let Some(c) = SIGN.captures(text) {
        let joined = c[1].replace(' ', "");
        v.extend(joined.split("::").filter(|s| is_identifier(s)).map(str::to_owned));
    }
    let names = v.into_iter().map(|n| (Kind::Name, n));
    names.chain(keys.into_iter().map(|k| (Kind::Key, k))).collect()
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(page: &str) -> Vec<(Kind, String)> {
        extract(page).into_iter().map(|f| (f.kind, f.name)).collect()
    }

    #[test]
    fn reads_tables_examples_and_paths() {
        let page = "https://api.intellectmoney.ru/personal/user/getUserToken\nЛогин\nLogin\nДа\n<Response>\n  <UserToken>x</UserToken>\n\"EshopId\": 1,\n'Take' => 5,\neshopId=450063&take=10\nPaid2Полностью оплачен\nEmail пользователя (покупателя)OwnerEmailНет\n";
        let got = names(page);
        for want in [
            (Kind::Path, "/personal/user/getUserToken"),
            (Kind::Name, "Login"),
            (Kind::Name, "Response"),
            (Kind::Name, "UserToken"),
            (Kind::Key, "EshopId"),
            (Kind::Key, "Take"),
            (Kind::Key, "eshopId"),
            (Kind::Key, "take"),
            (Kind::Value, "Paid2"),
            (Kind::Name, "OwnerEmail"),
        ] {
            assert!(got.contains(&(want.0, want.1.to_owned())), "{want:?} not in {got:?}");
        }
        assert!(!got.iter().any(|(_, n)| n == "Да" || n == "https"));
    }

    #[test]
    fn reads_ocr() {
        let page = "PCOST / personal / payout/ Del et eOperation HTTP/ 1.1\n\"Payout Operationld\": \"81fa\"\nSign: UserToken: : Pan: : Account::signSecretKey\nRecipientName string(2,50)\n";
        let got = names(page);
        for want in [
            (Kind::Path, "/personal/payout/DeleteOperation"),
            (Kind::Key, "PayoutOperationld"),
            (Kind::Name, "Pan"),
            (Kind::Name, "signSecretKey"),
            (Kind::Name, "RecipientName"),
        ] {
            assert!(got.contains(&(want.0, want.1.to_owned())), "{want:?} not in {got:?}");
        }
    }
}
