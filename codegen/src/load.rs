//! Reading spec files: YAML syntax and shape, with positions for every error.

use crate::diag::Diagnostic;
use crate::model::SpecFile;
use marked_yaml::{LoadError, LoaderOptions, Marker, Span};
use std::path::Path;

/// A spec file read from disk, with the name used in messages.
pub struct Loaded {
    /// Name used in messages, e.g. `spec/personal.yaml`.
    pub file: String,
    /// The parsed file.
    pub spec: SpecFile,
}

/// Maps the `source` index of a marker back to a file name.
#[derive(Default, Clone)]
pub struct Files(pub Vec<String>);

impl Files {
    /// A diagnostic at a span (the start of the node), or at 1:1 when the span has no start.
    pub fn at(&self, span: &Span, message: impl Into<String>) -> Diagnostic {
        match span.start() {
            Some(m) => self.at_marker(m, message),
            None => Diagnostic {
                file: self.0.first().cloned().unwrap_or_default(),
                line: 1,
                column: 1,
                message: message.into(),
            },
        }
    }

    /// A diagnostic at a marker.
    pub fn at_marker(&self, m: &Marker, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.0.get(m.source()).cloned().unwrap_or_default(),
            line: m.line(),
            column: m.column(),
            message: message.into(),
        }
    }
}

/// Reads every `*.yaml` file of `dir`, in name order. `display_prefix` is put before each file
/// name in messages (`spec/`).
pub fn load_dir(dir: &Path, display_prefix: &str) -> Result<(Files, Vec<Loaded>), Vec<Diagnostic>> {
    let mut names: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect(),
        Err(e) => {
            return Err(vec![Diagnostic {
                file: dir.display().to_string(),
                line: 1,
                column: 1,
                message: format!("cannot read the spec directory: {e}"),
            }]);
        }
    };
    names.sort();
    let files = Files(
        names
            .iter()
            .map(|p| {
                format!(
                    "{display_prefix}{}",
                    p.file_name().unwrap_or_default().to_string_lossy()
                )
            })
            .collect(),
    );
    let mut texts = Vec::new();
    let mut errors = Vec::new();
    for (index, path) in names.iter().enumerate() {
        match std::fs::read_to_string(path) {
            Ok(text) => texts.push((index, text)),
            Err(e) => errors.push(Diagnostic {
                file: files.0[index].clone(),
                line: 1,
                column: 1,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    let parsed = parse_all(&files, texts.iter().map(|(i, t)| (*i, t.as_str())));
    match parsed {
        Ok(loaded) if errors.is_empty() => Ok((files, loaded)),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

/// Parses spec files held in memory, given as (name used in messages, text), in that order.
pub fn load_sources(sources: &[(String, String)]) -> Result<(Files, Vec<Loaded>), Vec<Diagnostic>> {
    let files = Files(sources.iter().map(|(name, _)| name.clone()).collect());
    let loaded = parse_all(&files, sources.iter().enumerate().map(|(i, (_, t))| (i, t.as_str())))?;
    Ok((files, loaded))
}

/// Parses each (index in `files`, text), collecting every error.
fn parse_all<'a>(files: &Files, texts: impl Iterator<Item = (usize, &'a str)>) -> Result<Vec<Loaded>, Vec<Diagnostic>> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for (index, text) in texts {
        match parse(index, text, files) {
            Ok(spec) => loaded.push(Loaded {
                file: files.0[index].clone(),
                spec,
            }),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

/// Parses one file's text; `source` is its index in `files`.
pub fn parse(source: usize, text: &str, files: &Files) -> Result<SpecFile, Diagnostic> {
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    let node = marked_yaml::parse_yaml_with_options(source, text, options).map_err(|e| load_error(&e, files))?;
    marked_yaml::from_node::<SpecFile>(&node).map_err(|e| {
        let message = format!("{}", *e).replace("Unknown field", "unknown key");
        match e.start_mark() {
            Some(m) => files.at_marker(&m, message),
            None => Diagnostic {
                file: files.0[source].clone(),
                line: 1,
                column: 1,
                message,
            },
        }
    })
}

fn load_error(e: &LoadError, files: &Files) -> Diagnostic {
    let (marker, message) = match e {
        LoadError::TopLevelMustBeMapping(m) => (*m, "the top level must be a mapping".to_owned()),
        LoadError::TopLevelMustBeSequence(m) => (*m, "the top level must be a sequence".to_owned()),
        LoadError::UnexpectedAnchor(m) => (*m, "anchors are not allowed in the spec".to_owned()),
        LoadError::MappingKeyMustBeScalar(m) => (*m, "mapping keys must be scalars".to_owned()),
        LoadError::UnexpectedTag(m) => (*m, "YAML tags are not allowed in the spec".to_owned()),
        LoadError::ScanError(m, s) => (*m, format!("YAML syntax error: {}", s.info())),
        LoadError::DuplicateKey(inner) => {
            let m = inner
                .key
                .span()
                .start()
                .copied()
                .unwrap_or_else(|| Marker::new(0, 0, 1, 1));
            (m, format!("duplicate key `{}`", inner.key.as_str()))
        }
    };
    files.at_marker(&marker, message)
}
