//! The facts a saved page states, read into the kinds the spec holds: per method, its parameter
//! rows (required mark, length limits, type where the page gives one); per document, its field
//! rows (type); per method, its `Sign` template as an ordered list of slots. Names ([`super::extract`])
//! say what exists; facts say what it is, so that a changed type, order or required mark shows
//! as itself and not only as "the page changed".
//!
//! The two pages write tables differently, and both are read:
//!
//! - The Personal page (a browser's text): a method's request table runs from its `Имя параметра`
//!   header to the `Ответ` line; a row is a name followed, on its line or the next ones, by its
//!   required cell (`Да`, `Нет`, `Да, если …`), the cells often run together with the
//!   description (`Ключ доступаUserTokenДаКлюч…`, `(покупателя)OwnerEmailНет`). A limit is
//!   taken from the row's description (`Максимальная длина – 100 символов`). A document's table
//!   starts at a `<Name>` line followed by its `Поле` header; a row is a name and its type cell,
//!   run together (`EShopIdlongНомер…`) or on lines of their own.
//! - The Payout page (OCR, its Russian lost): a parameter row is `Name type(min,max)` on one line
//!   between a method's path or `Sign:` line and its `Response.` line; rows above the first method's path
//!   belong to the method whose example follows them (the page's top was lost, see the spec).

use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a fact is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactKind {
    /// A row of a method's request table.
    Param,
    /// A row of a document's table.
    Field,
    /// A method's `Sign` template.
    Sign,
}

impl FactKind {
    /// The word in the index.
    pub fn word(self) -> &'static str {
        match self {
            FactKind::Param => "param",
            FactKind::Field => "field",
            FactKind::Sign => "sign",
        }
    }

    /// The kind a word of the index names.
    pub fn from_word(w: &str) -> Option<FactKind> {
        [FactKind::Param, FactKind::Field, FactKind::Sign]
            .into_iter()
            .find(|k| k.word() == w)
    }
}

/// What a fact is keyed by: kind, scope and name, lowercase.
pub type FactKey = (FactKind, String, String);

/// One fact of a page: what (kind, scope, name) and its attributes (`required=yes`,
/// `type=decimal`, `max_len=100`, `slots=UserToken::Pan::…`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fact {
    /// What it is.
    pub kind: FactKind,
    /// The method path (parameters, signs) or the document's name (fields), as the page writes it.
    pub scope: String,
    /// The parameter's or field's name as the page writes it (empty for a sign).
    pub name: String,
    /// What the page says of it, by attribute.
    pub attrs: BTreeMap<String, String>,
    /// 1-based line on the page (0 when read from an index, which keeps no lines).
    pub line: usize,
}

impl Fact {
    /// The key facts are compared by: kind, scope and name, without regard to case.
    pub fn key(&self) -> FactKey {
        (self.kind, self.scope.to_lowercase(), self.name.to_lowercase())
    }

    /// The attributes as the index writes them: `a=1 b=2`, sorted.
    pub fn attrs_text(&self) -> String {
        self.attrs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// How a reader names it: `param /personal/…/getInvoicesHistory OwnerEmail`.
    pub fn shown(&self) -> String {
        match self.kind {
            FactKind::Sign => format!("Sign of {}", self.scope),
            FactKind::Param => format!("parameter {} of {}", self.name, self.scope),
            FactKind::Field => format!("field {} of <{}>", self.name, self.scope),
        }
    }
}

// The type cells of both pages, as they are spelled there.
const TYPES: &str = r"List<[A-Za-z]+>|<[A-Za-z]+>|[A-Z][A-Za-z]*Enum|string|text|tinyint|int|long|decimal|double|float|boolean|bool|DateTime|datetime|date|GUID|Guid|guid";
static GLUED_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^([A-Za-z][A-Za-z0-9_]*?)\s*({TYPES})(?:[^\x00-\x7F]|\s|[A-Z]|$)"
    ))
    .unwrap()
});
static TYPE_CELL: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!(r"^(?:{TYPES}|[A-Z][A-Za-z]+)$")).unwrap());
static LONE_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9_]*$").unwrap());
static DOC_HEAD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^<([A-Za-z][A-Za-z0-9_]*)>$").unwrap());
// A name, then (across spaces and line breaks) its required cell; the cell ends where the
// description begins (an upper-case letter, a comma, a line end).
static REQUIRED_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9_])([A-Za-z][A-Za-z0-9_]*)\s*(Да|Нет)(,\s*если[^\n]*)?(?:[А-ЯЁ]|[^а-яёА-ЯЁA-Za-z]|$)")
        .unwrap()
});
static MAX_LEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)максимальная длина\s*[–—-]\s*(\d+)").unwrap());
static OCR_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Za-z][A-Za-z0-9_]*\s*\|\s*)?([A-Za-z][A-Za-z0-9_]*)\s*(?:[,|][^()]*?)?\s(string|decimal|int|long|[Gg]uid|bool)\b(?:\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?").unwrap()
});

/// Every fact of the page, in page order.
pub fn facts(page: &str) -> Vec<Fact> {
    let lines: Vec<&str> = page.lines().collect();
    let mut out = Vec::new();
    out.extend(request_rows(&lines));
    out.extend(ocr_rows(&lines));
    out.extend(document_rows(&lines));
    out.extend(signs(&lines));
    out.sort_by_key(|f| f.line);
    out
}

fn fact(kind: FactKind, scope: &str, name: &str, attrs: &[(&str, String)], line: usize) -> Fact {
    Fact {
        kind,
        scope: scope.to_owned(),
        name: name.to_owned(),
        attrs: attrs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        line,
    }
}

/// The method whose section each line is in (the last path above it), as `extract` finds paths.
fn sections(lines: &[&str]) -> Vec<String> {
    let mut method = String::new();
    lines
        .iter()
        .map(|l| {
            if let Some(p) = super::extract::paths_on(l.trim()).pop() {
                method = p;
            }
            method.clone()
        })
        .collect()
}

/// The Personal page's request tables: `Имя параметра` to `Ответ`.
fn request_rows(lines: &[&str]) -> Vec<Fact> {
    let methods = sections(lines);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "Имя параметра" || methods[i].is_empty() {
            i += 1;
            continue;
        }
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| lines[j].trim_start().starts_with("Ответ"))
            .unwrap_or(lines.len());
        out.extend(rows_of_table(&lines[start..end], start, &methods[i]));
        i = end;
    }
    out
}

/// The rows of one request table (`first` is the 0-based index of its first line).
fn rows_of_table(lines: &[&str], first: usize, method: &str) -> Vec<Fact> {
    let text = lines.join("\n");
    let line_at = |offset: usize| first + 1 + text[..offset].matches('\n').count();
    let rows: Vec<(usize, usize, String, String)> = REQUIRED_ROW
        .captures_iter(&text)
        .map(|c| {
            let name = c.get(1).expect("name");
            let required = match (&c[2], c.get(3)) {
                (_, Some(_)) => "conditional",
                ("Да", None) => "yes",
                _ => "no",
            };
            (
                name.start(),
                c.get(0).expect("row").end(),
                name.as_str().to_owned(),
                required.to_owned(),
            )
        })
        .collect();
    let mut out = Vec::new();
    for (n, (start, end, name, required)) in rows.iter().enumerate() {
        let until = rows.get(n + 1).map_or(text.len(), |r| r.0);
        let mut attrs = vec![("required", required.clone())];
        if let Some(c) = MAX_LEN.captures(&text[*end.min(&until)..until]) {
            attrs.push(("max_len", c[1].to_owned()));
        }
        out.push(fact(FactKind::Param, method, name, &attrs, line_at(*start)));
    }
    out
}

/// The Payout page's parameter rows: `Name type(min,max)` between a method's path or `Sign:`
/// line (or the page's top) and the next `Response.` line.
fn ocr_rows(lines: &[&str]) -> Vec<Fact> {
    let methods = sections(lines);
    let first_method = methods.iter().find(|m| !m.is_empty()).cloned().unwrap_or_default();
    let mut out = Vec::new();
    let mut open = true;
    for (i, raw) in lines.iter().enumerate() {
        let text = raw.trim();
        if text.starts_with("Sign:") || !super::extract::paths_on(text).is_empty() {
            open = true;
            continue;
        }
        if text.starts_with("Response") {
            open = false;
            continue;
        }
        let Some(c) = OCR_ROW.captures(text).filter(|_| open) else {
            continue;
        };
        let method = if methods[i].is_empty() {
            &first_method
        } else {
            &methods[i]
        };
        let mut attrs = vec![("type", c[2].to_lowercase())];
        match (c.get(3), c.get(4)) {
            (Some(min), Some(max)) => {
                attrs.push(("min_len", min.as_str().to_owned()));
                attrs.push(("max_len", max.as_str().to_owned()));
            }
            (Some(len), None) => {
                attrs.push(("min_len", len.as_str().to_owned()));
                attrs.push(("max_len", len.as_str().to_owned()));
            }
            _ => {}
        }
        out.push(fact(FactKind::Param, method, &c[1], &attrs, i + 1));
    }
    out
}

/// The index of the next line that is not blank, from `i` on.
fn next_filled(lines: &[&str], i: usize) -> Option<usize> {
    (i..lines.len()).find(|&j| !lines[j].trim().is_empty())
}

/// Whether a `<Name>` line at `i` opens a document's table with a type column (its `Поле`
/// header follows, then `Тип`). A table without one (a request document's fields with their
/// limits in words) has no fact of this kind to read.
fn opens_table(lines: &[&str], i: usize) -> bool {
    let Some(a) = next_filled(lines, i + 1).filter(|&a| lines[a].trim().starts_with("Поле")) else {
        return false;
    };
    lines[a].trim() == "ПолеТипОписание" || next_filled(lines, a + 1).is_some_and(|b| lines[b].trim() == "Тип")
}

/// Whether the filled line before `i` is a `<Name>` head.
fn after_head(lines: &[&str], i: usize) -> bool {
    (0..i).rev().find(|&j| !lines[j].trim().is_empty()).is_some_and(|j| {
        DOC_HEAD.is_match(lines[j].trim()) || lines[j].trim().starts_with("Поле") || lines[j].trim() == "Тип"
    })
}

/// The documents' tables of the Personal page. A row on lines of its own is a name cell and the
/// type cell after it, taken as a pair; a `<Name>` line that is neither a type cell nor a table's
/// head ends the table (an enum's table or prose follows).
fn document_rows(lines: &[&str]) -> Vec<Fact> {
    let mut out = Vec::new();
    let mut doc: Option<String> = None;
    // Before a table's first row: a table whose first row has no type cell has none at all (its
    // `Тип` column holds words), and is not read.
    let mut first = false;
    let mut i = 0;
    while i < lines.len() {
        let text = lines[i].trim();
        if let Some(c) = DOC_HEAD.captures(text) {
            doc = opens_table(lines, i).then(|| c[1].to_owned());
            first = true;
        } else if text.starts_with("Свойства") || text.starts_with("Ответ") {
            doc = None;
        } else if text.starts_with("Поле") && doc.is_some() && !after_head(lines, i) {
            // A table headed in words, not `<Name>` (`Оплата`): the spec names what it stands for.
            doc = (0..i)
                .rev()
                .find(|&j| !lines[j].trim().is_empty())
                .map(|j| lines[j].trim().to_owned());
            first = true;
        } else if let Some(d) = doc.clone().filter(|_| !text.is_empty() && !is_header(text)) {
            match field_row(lines, i) {
                Some((name, ty, last)) => {
                    out.push(fact(FactKind::Field, &d, &name, &[("type", ty)], i + 1));
                    i = last;
                }
                None if first => doc = None,
                None => {}
            }
            first = false;
        }
        i += 1;
    }
    out
}

fn is_header(text: &str) -> bool {
    matches!(text, "Поле" | "Тип" | "Описание" | "ПолеТипОписание")
}

/// The row at line `i`: name, type cell, and the index of its last line.
fn field_row(lines: &[&str], i: usize) -> Option<(String, String, usize)> {
    let text = lines[i].trim();
    if let Some(c) = GLUED_FIELD.captures(text) {
        return Some((c[1].to_owned(), c[2].to_owned(), i));
    }
    if !LONE_NAME.is_match(text) {
        return None;
    }
    let j = next_filled(lines, i + 1).filter(|&j| TYPE_CELL.is_match(lines[j].trim()))?;
    Some((text.to_owned(), lines[j].trim().to_owned(), j))
}

/// `Sign: A::B::::C` lines: the template as its slots, OCR's spaces removed.
fn signs(lines: &[&str]) -> Vec<Fact> {
    let methods = sections(lines);
    let mut out = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let Some(rest) = raw.trim().strip_prefix("Sign") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let template: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
        if template.contains("::") {
            out.push(fact(FactKind::Sign, &methods[i], "", &[("slots", template)], i + 1));
        }
    }
    out
}

/// How one fact differs between the page's last index and the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactChange {
    /// The fact's key.
    pub key: FactKey,
    /// How a reader names the fact.
    pub shown: String,
    /// Its line on the new page (0: removed).
    pub line: usize,
    /// What changed, in words: `Sign order changed: …`, `required no → yes`, `row added`.
    pub what: String,
}

/// Every fact that differs between `old` (an index) and `new` (a page), in `new`'s order, the
/// removed ones last.
pub fn changes(old: &[Fact], new: &[Fact]) -> Vec<FactChange> {
    let before: BTreeMap<FactKey, &Fact> = old.iter().map(|f| (f.key(), f)).collect();
    let after: BTreeMap<FactKey, &Fact> = new.iter().map(|f| (f.key(), f)).collect();
    let mut out = Vec::new();
    for f in new {
        let what = match before.get(&f.key()) {
            None if f.kind == FactKind::Sign => format!("Sign added: {}", f.attrs_text()),
            None => format!("row added ({})", f.attrs_text()),
            Some(o) => match attr_changes(o, f) {
                Some(w) => w,
                None => continue,
            },
        };
        out.push(FactChange {
            key: f.key(),
            shown: f.shown(),
            line: f.line,
            what,
        });
    }
    for f in old.iter().filter(|f| !after.contains_key(&f.key())) {
        let what = if f.kind == FactKind::Sign {
            "Sign removed"
        } else {
            "row removed"
        };
        out.push(FactChange {
            key: f.key(),
            shown: f.shown(),
            line: 0,
            what: format!("{what} (was {})", f.attrs_text()),
        });
    }
    out
}

fn attr_changes(old: &Fact, new: &Fact) -> Option<String> {
    if old.attrs == new.attrs {
        return None;
    }
    if let (Some(a), Some(b)) = (old.attrs.get("slots"), new.attrs.get("slots")) {
        return Some(format!("Sign order changed: {a} → {b}"));
    }
    let keys: std::collections::BTreeSet<&String> = old.attrs.keys().chain(new.attrs.keys()).collect();
    let parts: Vec<String> = keys
        .into_iter()
        .filter(|k| old.attrs.get(*k) != new.attrs.get(*k))
        .map(|k| {
            let v = |f: &Fact| f.attrs.get(k).cloned().unwrap_or_else(|| "none".into());
            format!("{k} {} → {}", v(old), v(new))
        })
        .collect();
    Some(parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(page: &str, kind: FactKind) -> Vec<(String, String, String, usize)> {
        facts(page)
            .into_iter()
            .filter(|f| f.kind == kind)
            .map(|f| (f.scope.clone(), f.name.clone(), f.attrs_text(), f.line))
            .collect()
    }

    #[test]
    fn reads_request_rows_in_every_shape_the_page_uses() {
        // Lines of the Personal page's getInvoicesHistory table, as the browser saved them.
        let page = "https://api.intellectmoney.ru/personal/payment/getInvoicesHistory\nИмя параметра\n\
            Ключ доступаUserTokenДаКлюч доступа клиента к API\nID магазина\n\nEshopId\n\nНет\n\nНомер магазина\n\
            Email пользователя (покупателя)OwnerEmailНет\n\nБудут выбраны только те СКО.\n\nМаксимальная длина – 100 символов\n\
            Дата окончания выборки создания СКО\n\nDateTo Нет\nДата окончания\nEndExecDate\nДа, если передан RepeatPlan\n\
            Ограничение выборки по количеству объектовTakeДа\nОтвет\nNotAParamДа\n";
        let m = "/personal/payment/getInvoicesHistory";
        let got = of(page, FactKind::Param);
        let want = [
            ("UserToken", "required=yes", 3),
            ("EshopId", "required=no", 6),
            ("OwnerEmail", "max_len=100 required=no", 11),
            ("DateTo", "required=no", 18),
            ("EndExecDate", "required=conditional", 20),
            ("Take", "required=yes", 22),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(n, a, l)| (m.to_owned(), (*n).to_owned(), (*a).to_owned(), *l))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn reads_document_rows_run_together_and_split() {
        let page = "<InvoiceData>\n\nПоле\n\nТип\n\nОписание\n\nId\n\nlong\n\nНомер СКО\n\nState\n\n<InvoiceState>\n\nСтатус\n\
            EShopIdlongНомер магазина\nPurchaseOrderId stringВнутренний номер\nHistoryListList<HistoryData>Список\n\
            CreationDateDateTimeДата создания\nParamstext\nTypeReceiptDocTypeEnumТип документа\n\nСвойства <InvoiceData>\nIgnoredintНет\n";
        let got: Vec<(String, String)> = of(page, FactKind::Field)
            .into_iter()
            .map(|(_, n, a, _)| (n, a))
            .collect();
        let want = [
            ("Id", "type=long"),
            ("State", "type=<InvoiceState>"),
            ("EShopId", "type=long"),
            ("PurchaseOrderId", "type=string"),
            ("HistoryList", "type=List<HistoryData>"),
            ("CreationDate", "type=DateTime"),
            ("Params", "type=text"),
            ("Type", "type=ReceiptDocTypeEnum"),
        ];
        let want: Vec<(String, String)> = want.iter().map(|(n, a)| ((*n).to_owned(), (*a).to_owned())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn reads_ocr_rows_and_sign_slots_in_order() {
        let page = "UserToken string , IntellectMoney.\nPan , BankCardRussia | string(12,20) s\nCurrency string(3) ISO-.\n\
            PCOST / personal / payout/ CreateQperation HTTP/ 1.1\n\"Pan\": \"4111\"\n\
            URL: https://api.intellectmoney.ru/personal/payout/ExecuteOperation\n\
            Sign: UserToken: : Payout Operationld::::::::::::signSecretKey\nPayoutOperationld Guid\nResponse.\nAmount decimal\n";
        let params = of(page, FactKind::Param);
        let create = "/personal/payout/CreateQperation";
        let execute = "/personal/payout/ExecuteOperation";
        assert_eq!(
            params,
            [
                (create, "UserToken", "type=string", 1),
                (create, "Pan", "max_len=20 min_len=12 type=string", 2),
                (create, "Currency", "max_len=3 min_len=3 type=string", 3),
                (execute, "PayoutOperationld", "type=guid", 8),
            ]
            .map(|(s, n, a, l)| (s.to_owned(), n.to_owned(), a.to_owned(), l))
        );
        assert_eq!(
            of(page, FactKind::Sign),
            [(
                execute.to_owned(),
                String::new(),
                "slots=UserToken::PayoutOperationld::::::::::::signSecretKey".to_owned(),
                7
            )]
        );
    }
}
