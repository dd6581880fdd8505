//! What a run shows while it goes: on a terminal, one live bar at the bottom (lines done of the
//! file, counts per ending, the amount paid per currency), with every result line printed above
//! it, so that no stale bar is left behind; elsewhere plain lines only. The same counts go to a
//! progress file beside the journal (`<journal>.progress`, counts and amounts only), which
//! `status` reads while the run holds the journal; the run removes it when it ends. (A journal on
//! PostgreSQL has no such file: `status` reads the journal itself while workers run.)

use intellectmoney::batch::Step;
use intellectmoney::runtime::Decimal;
use std::collections::BTreeMap;

/// The live bar of a run and what it counts.
pub struct Screen {
    bar: indicatif::ProgressBar,
    counts: std::sync::Mutex<Counts>,
    /// The progress file (none for a journal on a server), and the lines of the file.
    progress: (Option<std::path::PathBuf>, u64),
}

#[derive(Default)]
struct Counts {
    steps: BTreeMap<&'static str, u64>,
    paid: BTreeMap<String, Decimal>,
    conflicts: u64,
    stopped: u64,
    /// Left to another worker of a shared journal, which was paying them.
    elsewhere: u64,
    /// When the progress file was last written.
    written: Option<std::time::Instant>,
}

/// The progress file of the journal at `journal`.
pub fn progress_path(journal: &std::path::Path) -> std::path::PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".progress");
    name.into()
}

impl Screen {
    /// A bar over `lines` lines when stderr is a terminal, else none; the progress file of
    /// `journal` either way, when it is a file.
    pub fn new(lines: u64, journal: Option<&std::path::Path>) -> Screen {
        let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let bar = indicatif::ProgressBar::new(lines);
            let style = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} lines  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            let term = Narrower(console::Term::buffered_stderr());
            bar.set_draw_target(indicatif::ProgressDrawTarget::term_like_with_hz(Box::new(term), 20));
            crate::say::live_bar(Some(bar.clone()));
            // Shown from the start, before the first line ends.
            bar.tick();
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        let screen = Screen {
            bar,
            counts: std::sync::Mutex::new(Counts::default()),
            progress: (journal.map(progress_path), lines),
        };
        screen.write_progress(&mut screen.lock(), true);
        screen
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
        self.show(&mut c);
    }

    /// A line refused as a conflict.
    pub fn conflict(&self) {
        let mut c = self.lock();
        c.conflicts += 1;
        self.show(&mut c);
    }

    /// A line started and not done.
    pub fn stopped(&self) {
        let mut c = self.lock();
        c.stopped += 1;
        self.show(&mut c);
    }

    /// A line left to the worker paying it.
    pub fn elsewhere(&self) {
        let mut c = self.lock();
        c.elsewhere += 1;
        self.show(&mut c);
    }

    /// Lines left to another worker and then taken over by this one: counted by their ending.
    pub fn taken_over(&self, n: u64) {
        let mut c = self.lock();
        c.elsewhere = c.elsewhere.saturating_sub(n);
        self.bar.set_position(self.bar.position().saturating_sub(n));
    }

    /// The bar removed, once the run is over (the summary follows as plain lines).
    pub fn finish(&self) {
        crate::say::live_bar(None);
        self.bar.finish_and_clear();
        // The journal says it all once the run lets go of it.
        if let Some(progress) = &self.progress.0 {
            let _ = std::fs::remove_file(progress);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn show(&self, c: &mut Counts) {
        self.bar.inc(1);
        self.bar.set_message(message(c));
        self.write_progress(c, false);
    }

    /// The counts in the progress file, at most four times a second (`now`: at once), written
    /// whole under another name and renamed, so that a reader never sees half of it. A file
    /// that cannot be written costs the run nothing: `status` then says the journal is in use.
    fn write_progress(&self, c: &mut Counts, now: bool) {
        let due = c
            .written
            .is_none_or(|t| t.elapsed() >= std::time::Duration::from_millis(250));
        let Some(progress) = &self.progress.0 else { return };
        if !(now || due) {
            return;
        }
        c.written = Some(std::time::Instant::now());
        let done: u64 = c.steps.values().sum::<u64>() + c.conflicts + c.stopped + c.elsewhere;
        let text = serde_json::json!({
            "pid": std::process::id(),
            "lines": self.progress.1,
            "done": done,
            "steps": c.steps,
            "paid": c.paid.iter().map(|(k, v)| (k.clone(), v.to_string())).collect::<BTreeMap<_, _>>(),
            "conflicts": c.conflicts,
            "stopped": c.stopped,
        })
        .to_string();
        let mut temporary = progress.as_os_str().to_owned();
        temporary.push(".new");
        let _ = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, progress));
    }
}

/// The terminal, seen two columns narrower than it is. indicatif fills the bar's line to the
/// terminal's width, which leaves the cursor in the last column; the `^C` that the terminal
/// echoes for Ctrl-C then wraps onto a line of its own, the bar's next redraw clears only that
/// one, and a stale copy of the bar stays above it.
#[derive(Debug)]
struct Narrower(console::Term);

impl indicatif::TermLike for Narrower {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(2).max(1)
    }
    fn height(&self) -> u16 {
        self.0.size().0
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
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
    if c.elsewhere > 0 {
        parts.push(format!("paid by other workers {}", c.elsewhere));
    }
    let paid: Vec<String> = c.paid.iter().map(|(cur, sum)| format!("{cur} {sum}")).collect();
    if !paid.is_empty() {
        parts.push(format!("paid {}", paid.join(", ")));
    }
    parts.join(" · ")
}
