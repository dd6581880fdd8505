//! The base side of a diff: a git revision of the repository (its `spec/` and the generated
//! crate's manifest, taken out with `git archive`) or a directory holding a checkout.

use super::version::{crate_version, Version};
use crate::{ir::Ir, Layout};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The spec and version at the base.
pub struct Base {
    /// The spec files and examples.
    layout: Layout,
    /// The crate's version there, when its manifest has one.
    pub version: Option<Version>,
    /// Removed when the diff is done (a revision's files are copied here).
    _tmp: Option<tempfile::TempDir>,
}

impl Base {
    /// Opens `base`: a directory when one exists at that path, else a git revision of `root`.
    pub fn open(root: &Path, base: &str, current: &Layout) -> Result<Self, String> {
        let spec_rel = current
            .spec_dir
            .strip_prefix(root)
            .unwrap_or(Path::new("spec"))
            .to_path_buf();
        let out_rel = current
            .out_dir
            .strip_prefix(root)
            .unwrap_or(Path::new("generated"))
            .to_path_buf();
        let dir = Path::new(base);
        if dir.is_dir() {
            return Ok(Self::at(dir, &spec_rel, &out_rel, None, base));
        }
        let tmp = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        let manifest = out_rel.join("Cargo.toml");
        // The workspace's manifest too: the crate's version may be inherited from it.
        let workspace = PathBuf::from("Cargo.toml");
        extract(root, base, &[&spec_rel, &manifest, &workspace], tmp.path())?;
        let path = tmp.path().to_path_buf();
        Ok(Self::at(&path, &spec_rel, &out_rel, Some(tmp), base))
    }

    fn at(dir: &Path, spec_rel: &Path, out_rel: &Path, tmp: Option<tempfile::TempDir>, name: &str) -> Self {
        let version = crate_version(&dir.join(out_rel)).ok();
        let layout = Layout {
            spec_dir: dir.join(spec_rel),
            spec_display: format!("{name}:{}/", spec_rel.display()),
            out_dir: dir.join(out_rel),
        };
        Base {
            layout,
            version,
            _tmp: tmp,
        }
    }

    /// The base's IR, read without today's lints (it was written before them).
    pub fn ir(&self) -> Result<Ir, String> {
        crate::build_ir_with(&self.layout, crate::ir::Lints::Off).map_err(|d| format!("the base's spec:\n{d}"))
    }
}

/// Copies `paths` as they are at `rev` into `into` (`git archive | tar -x`). A path the revision
/// lacks is skipped (an old revision may have no generated manifest).
fn extract(root: &Path, rev: &str, paths: &[&Path], into: &Path) -> Result<(), String> {
    let present: Vec<PathBuf> = paths
        .iter()
        .filter(|p| {
            Command::new("git")
                .arg("-C")
                .arg(root)
                .args(["cat-file", "-e"])
                .arg(format!("{rev}:{}", p.display()))
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(|p| p.to_path_buf())
        .collect();
    if !present.iter().any(|p| p == paths[0]) {
        return Err(format!(
            "`{rev}` is neither a directory nor a git revision of {} with {}/",
            root.display(),
            paths[0].display()
        ));
    }
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["archive", "--format=tar", rev, "--"])
        .args(&present)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git archive: {e}"))?;
    let stdout = archive.stdout.take().expect("piped");
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(stdout)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    let git = archive.wait().map_err(|e| format!("git archive: {e}"))?;
    if !git.success() || !tar.success() {
        return Err(format!("could not take {rev}'s files out with git archive"));
    }
    Ok(())
}
