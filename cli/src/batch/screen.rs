//! What a run shows while it goes: on a terminal, one live bar at the bottom (lines done of the
//! file, counts per ending, the amount paid per currency), with every result line printed above
//! it, so that no stale bar is left behind; elsewhere plain lines only.

use intellectmoney::runtime::batch::Step;
use intellectmoney::runtime::Decimal;
use std::collections::BTreeMap;

/// The live bar of a run and what it counts.
pub struct Screen {
    bar: indicatif::ProgressBar,
    counts: std::sync::Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    steps: BTreeMap<&'static str, u64>,
    paid: BTreeMap<String, Decimal>,
    conflicts: u64,
    stopped: u64,
}

impl Screen {
    /// A bar over `lines` lines when stderr is a terminal, else none.
    pub fn new(lines: u64) -> Screen {
        let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let bar = indicatif::ProgressBar::new(lines);
            let style = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} lines  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            crate::say::live_bar(Some(bar.clone()));
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Screen {
            bar,
            counts: std::sync::Mutex::new(Counts::default()),
        }
    }

    /// A result line on stdout, above the bar (every printed line goes above it).
    pub fn out(&self, line: &str) {
        crate::say::out!("{line}");
    }

    /// A message on stderr, above the bar.
    pub fn err(&self, line: &str) {
        crate::say::err!("{line}");
    }

    /// A line ended at `step`, paying `amount` in `currency` when it completed.
    pub fn ended(&self, step: &Step, amount: Decimal, currency: &str) {
        let mut c = self.lock();
        *c.steps.entry(step.name()).or_default() += 1;
        if matches!(step, Step::Completed(_)) {
            *c.paid.entry(currency.to_owned()).or_default() += amount;
        }
        self.show(&c);
    }

    /// A line refused as a conflict.
    pub fn conflict(&self) {
        let mut c = self.lock();
        c.conflicts += 1;
        self.show(&c);
    }

    /// A line started and not done.
    pub fn stopped(&self) {
        let mut c = self.lock();
        c.stopped += 1;
        self.show(&c);
    }

    /// The bar removed, once the run is over (the summary follows as plain lines).
    pub fn finish(&self) {
        crate::say::live_bar(None);
        self.bar.finish_and_clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn show(&self, c: &Counts) {
        self.bar.inc(1);
        self.bar.set_message(message(c));
    }
}

/// `completed 12 · not enough money 1 · conflicts 0 · paid RUB 1234.50`: the endings seen so
/// far, and what was paid.
fn message(c: &Counts) -> String {
    let mut parts: Vec<String> = Step::ENDS
        .iter()
        .filter_map(|name| c.steps.get(name).map(|n| format!("{} {n}", name.replace('_', " "))))
        .collect();
    if c.conflicts > 0 {
        parts.push(format!("conflicts {}", c.conflicts));
    }
    if c.stopped > 0 {
        parts.push(format!("stopped {}", c.stopped));
    }
    let paid: Vec<String> = c.paid.iter().map(|(cur, sum)| format!("{cur} {sum}")).collect();
    if !paid.is_empty() {
        parts.push(format!("paid {}", paid.join(", ")));
    }
    parts.join(" · ")
}
