//! The version a set of changes needs, by Cargo's semver rules (0.x included): in `0.y.z` the
//! minor number is the compatibility boundary, in `0.0.z` every release is.

use super::Class;
use std::fmt;

/// A `major.minor.patch` version (pre-release and build parts are not used by this crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.trim().split('.').collect();
        let n = |i: usize| -> Result<u64, String> {
            parts
                .get(i)
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("`{s}` is not a major.minor.patch version"))
        };
        if parts.len() != 3 {
            return Err(format!("`{s}` is not a major.minor.patch version"));
        }
        Ok(Version {
            major: n(0)?,
            minor: n(1)?,
            patch: n(2)?,
        })
    }
}

/// How far apart two versions are, as Cargo sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// The same version.
    None,
    /// A compatible release with no new API (`x.y.z+1`, or `0.y.z+1`).
    Patch,
    /// A compatible release that may add API (`x.y+1.0` for x ≥ 1).
    Minor,
    /// An incompatible release (`x+1.0.0`, `0.y+1.0`, `0.0.z+1`).
    Major,
}

impl Bump {
    /// The bump a class of change needs from `old`.
    pub fn needed(class: Class, old: Version) -> Bump {
        match class {
            Class::Breaking => Bump::Major,
            // Cargo treats 0.y.z+1 as compatible with 0.y.z: additions go in a patch below 1.0.
            Class::Additive if old.major == 0 => Bump::Patch,
            Class::Additive => Bump::Minor,
            Class::Wire => Bump::Patch,
            Class::Docs => Bump::None,
        }
    }

    /// The bump from `old` to `new` (`None` when `new` is not above `old`).
    pub fn between(old: Version, new: Version) -> Bump {
        if new <= old {
            return Bump::None;
        }
        let incompatible = match (old.major, new.major) {
            (0, 0) if old.minor == 0 && new.minor == 0 => true,
            (0, 0) => new.minor > old.minor,
            _ => new.major > old.major,
        };
        if incompatible {
            Bump::Major
        } else if new.major >= 1 && new.minor > old.minor {
            Bump::Minor
        } else {
            Bump::Patch
        }
    }

    /// The smallest version after `old` that makes this bump.
    pub fn apply(self, old: Version) -> Version {
        let Version { major, minor, patch } = old;
        match self {
            Bump::None => old,
            Bump::Patch => Version {
                major,
                minor,
                patch: patch + 1,
            },
            Bump::Minor if major == 0 => Version {
                major,
                minor,
                patch: patch + 1,
            },
            Bump::Minor => Version {
                major,
                minor: minor + 1,
                patch: 0,
            },
            Bump::Major if major == 0 && minor == 0 => Version {
                major,
                minor,
                patch: patch + 1,
            },
            Bump::Major if major == 0 => Version {
                major,
                minor: minor + 1,
                patch: 0,
            },
            Bump::Major => Version {
                major: major + 1,
                minor: 0,
                patch: 0,
            },
        }
    }
}

/// The `version = "…"` of a Cargo manifest's `[package]`.
pub fn manifest_version(manifest: &str) -> Option<Version> {
    section_version(manifest, "[package]")
}

/// The version of the crate whose manifest is `crate_dir/Cargo.toml`: its `[package]` version,
/// or, with `version.workspace = true`, the workspace's (`crate_dir/../Cargo.toml`).
pub fn crate_version(crate_dir: &std::path::Path) -> Result<Version, String> {
    let manifest = crate_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    if let Some(v) = manifest_version(&text) {
        return Ok(v);
    }
    let workspace = crate_dir.parent().unwrap_or(crate_dir).join("Cargo.toml");
    std::fs::read_to_string(&workspace)
        .ok()
        .and_then(|w| section_version(&w, "[workspace.package]"))
        .ok_or_else(|| {
            format!(
                "{}: no [package] version, and no [workspace.package] version in {}",
                manifest.display(),
                workspace.display()
            )
        })
}

/// `version = "…"` in a section of a manifest (`version.workspace = true` is not a version).
fn section_version(manifest: &str, section: &str) -> Option<Version> {
    let mut in_section = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == section;
        } else if in_section {
            if let Some(rest) = line.strip_prefix("version") {
                let Some(value) = rest.trim_start().strip_prefix('=') else {
                    continue;
                };
                return value.trim().trim_matches('"').parse().ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn cargo_compatibility_rules() {
        // From the Cargo book's "SemVer compatibility": 0.y.z → 0.y+1.0 is incompatible,
        // 0.y.z → 0.y.z+1 compatible, 0.0.z → 0.0.z+1 incompatible.
        assert_eq!(Bump::between(v("0.1.0"), v("0.2.0")), Bump::Major);
        assert_eq!(Bump::between(v("0.1.0"), v("0.1.1")), Bump::Patch);
        assert_eq!(Bump::between(v("0.0.3"), v("0.0.4")), Bump::Major);
        assert_eq!(Bump::between(v("1.2.3"), v("1.3.0")), Bump::Minor);
        assert_eq!(Bump::between(v("1.2.3"), v("2.0.0")), Bump::Major);
        assert_eq!(Bump::between(v("1.2.3"), v("1.2.3")), Bump::None);
        assert_eq!(Bump::between(v("1.2.3"), v("1.2.2")), Bump::None);
    }

    #[test]
    fn needed_and_applied() {
        assert_eq!(Bump::needed(Class::Breaking, v("0.1.0")).apply(v("0.1.0")), v("0.2.0"));
        assert_eq!(Bump::needed(Class::Additive, v("0.1.0")).apply(v("0.1.0")), v("0.1.1"));
        assert_eq!(Bump::needed(Class::Additive, v("1.4.2")).apply(v("1.4.2")), v("1.5.0"));
        assert_eq!(Bump::needed(Class::Wire, v("1.4.2")).apply(v("1.4.2")), v("1.4.3"));
        assert_eq!(Bump::needed(Class::Docs, v("1.4.2")), Bump::None);
    }

    #[test]
    fn reads_the_package_version() {
        let m = "[package]\nname = \"x\"\nversion = \"0.3.1\"\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(manifest_version(m), Some(v("0.3.1")));
    }
}
