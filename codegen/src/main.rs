//! `intellectmoney-codegen`: regenerates `generated/` from `spec/`, checks that it is up to date,
//! classifies the change of the public API against a base revision, and audits the spec against
//! saved wiki pages. `--help` on each subcommand says more.

use clap::{Args, Parser, Subcommand};
use intellectmoney_codegen::diff::{self, Class, ReportFormat};
use intellectmoney_codegen::{audit, emit::REGENERATE, generate, stale, write, Layout};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Generates the `intellectmoney` client crate from the hand-written YAML spec.
///
/// With no subcommand, `generate` runs. The repository is the nearest directory, from the
/// current one upwards, that holds `spec/` and `generated/` (or `--root`).
#[derive(Parser)]
#[command(name = "intellectmoney-codegen", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    paths: Paths,
    /// Same as the `check` subcommand (kept for scripts written before the subcommands).
    #[arg(long, hide = true)]
    check: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Where the generator reads and writes.
#[derive(Args, Clone)]
struct Paths {
    /// The repository's root [default: found from the current directory upwards].
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The directory of spec files [default: ROOT/spec].
    #[arg(long, global = true, value_name = "DIR")]
    spec: Option<PathBuf>,
    /// The generated crate [default: ROOT/generated].
    #[arg(long, global = true, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerates the generated crate from the spec (writes only files whose text changed).
    Generate,
    /// Writes nothing; fails naming each stale file when the generated crate differs from the spec.
    Check,
    /// Classifies every change of the public API since BASE and checks the crate's version.
    Diff(DiffArgs),
    /// Lists what saved wiki pages name that the spec does not account for, and the reverse.
    ///
    /// With no PAGE, checks the spec against the indexes in spec/audit/ (what earlier audits
    /// took from the pages). With PAGEs, reads them (text as saved from the browser, or OCR
    /// text), says how each differs from its index, and checks the spec against them.
    Audit(AuditArgs),
}

#[derive(Args)]
struct DiffArgs {
    /// A git revision (read with git from the repository) or a directory holding a checkout.
    base: String,
    /// How the report is written.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Exit 1 when a change of this class or a stronger one is found (breaking > additive > wire).
    #[arg(long, value_enum, value_name = "CLASS")]
    fail_on: Option<Class>,
    /// Do not fail when the crate's version was not bumped as the changes need.
    #[arg(long)]
    no_version_check: bool,
    /// Write the classified changes as a section of CHANGELOG.md (under the manifest's version;
    /// only when the diff passes, and only against the last release).
    #[arg(long)]
    changelog: bool,
    /// Bump the version as far as the changes need: the root Cargo.toml's [workspace.package]
    /// and the published crates' [workspace.dependencies] entries, and both lock files.
    #[arg(long)]
    bump: bool,
}

#[derive(Args)]
struct AuditArgs {
    /// Saved wiki pages; their file names name them (personal-api.txt).
    pages: Vec<PathBuf>,
    /// Rewrite the indexes in spec/audit/ from these pages.
    #[arg(long, requires = "pages")]
    update: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = match (cli.command, cli.check) {
        (Some(c), _) => c,
        (None, true) => Command::Check,
        (None, false) => Command::Generate,
    };
    let ctx = match Context::new(&cli.paths) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("intellectmoney-codegen: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Generate => ctx.generate(),
        Command::Check => ctx.check(),
        Command::Diff(a) => ctx.diff(a),
        Command::Audit(a) => ctx.audit(a),
    }
}

/// The repository and the layout a command works on.
struct Context {
    root: PathBuf,
    layout: Layout,
}

impl Context {
    fn new(paths: &Paths) -> Result<Self, String> {
        let root = match &paths.root {
            Some(r) => r.clone(),
            None if paths.spec.is_some() && paths.out.is_some() => {
                std::env::current_dir().map_err(|e| e.to_string())?
            }
            None => find_root()?,
        };
        let root = root
            .canonicalize()
            .map_err(|e| format!("root {}: {e}", root.display()))?;
        let mut layout = Layout::repository(&root);
        if let Some(s) = &paths.spec {
            layout.spec_display = format!("{}/", s.display());
            layout.spec_dir = s.clone();
        }
        if let Some(o) = &paths.out {
            layout.out_dir = o.clone();
        }
        Ok(Context { root, layout })
    }

    fn out_display(&self) -> String {
        display_under(&self.root, &self.layout.out_dir)
    }

    fn generate(&self) -> ExitCode {
        let Some(output) = self.render() else {
            return ExitCode::FAILURE;
        };
        let out = self.out_display();
        match write(&self.layout, &output) {
            Ok(changed) => {
                for p in &changed {
                    println!("wrote {out}{}", p.display());
                }
                println!(
                    "{} of {} files changed in {} (root {})",
                    changed.len(),
                    output.len(),
                    out,
                    self.root.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write {out}: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn check(&self) -> ExitCode {
        let Some(output) = self.render() else {
            return ExitCode::FAILURE;
        };
        let out = self.out_display();
        let stale = stale(&self.layout, &output);
        if stale.is_empty() {
            println!(
                "{out} is up to date with {} ({} files; root {})",
                self.layout.spec_display,
                output.len(),
                self.root.display()
            );
            return ExitCode::SUCCESS;
        }
        for p in &stale {
            if output.contains_key(p) {
                eprintln!("stale: {out}{}", p.display());
            } else {
                eprintln!(
                    "not written by the generator: {out}{} (the generator owns {out}: hand-written code goes in runtime/ or cli/; generating removes this file)",
                    p.display()
                );
            }
        }
        eprintln!(
            "{out} is out of date with {} (root {}): run `{REGENERATE}` and commit the result",
            self.layout.spec_display,
            self.root.display()
        );
        ExitCode::FAILURE
    }

    fn render(&self) -> Option<intellectmoney_codegen::Output> {
        match generate(&self.layout) {
            Ok(o) => Some(o),
            Err(diags) => {
                eprintln!("{diags}");
                eprintln!("nothing written (root {})", self.root.display());
                None
            }
        }
    }

    fn diff(&self, a: DiffArgs) -> ExitCode {
        let format = a.format;
        let options = diff::Options {
            root: self.root.clone(),
            layout: self.layout.clone(),
            base: a.base,
            format: a.format,
            fail_on: a.fail_on,
            version_check: !a.no_version_check,
            changelog: a.changelog,
            bump: a.bump,
        };
        match diff::run(&options) {
            Ok(outcome) => {
                print!("{}", outcome.report);
                for file in &outcome.bumped {
                    eprintln!("bumped to {}: wrote {}", outcome.version.current, file.display());
                }
                if format == ReportFormat::Text {
                    println!("(root {})", self.root.display());
                }
                for e in &outcome.failures {
                    eprintln!("error: {e}");
                }
                if outcome.failures.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("diff (root {}): {e}", self.root.display());
                ExitCode::from(2)
            }
        }
    }
}

impl Context {
    fn audit(&self, a: AuditArgs) -> ExitCode {
        match audit::run(&self.layout, &a.pages, a.update) {
            Ok(report) => {
                print!("{}", report.text);
                if report.clean {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("audit (root {}): {e}", self.root.display());
                ExitCode::from(2)
            }
        }
    }
}

/// The nearest directory from the current one upwards that holds `spec/` and `generated/`.
fn find_root() -> Result<PathBuf, String> {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    cwd.ancestors()
        .find(|d| d.join("spec").is_dir() && d.join("generated").is_dir())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "no repository found from {} upwards (a directory with spec/ and generated/); use --root",
                cwd.display()
            )
        })
}

/// `dir` relative to `root` with a trailing slash when it is under it, else in full.
fn display_under(root: &Path, dir: &Path) -> String {
    let shown = dir.strip_prefix(root).unwrap_or(dir);
    format!("{}/", shown.display())
}
