//! The storefront's configuration file (`--config storefront.toml`, `TIJARA_CONFIG`): every
//! command-line flag, also as a TOML key of the same name (`bind = "0.0.0.0:8080"`,
//! `data-dir = "/var/lib/tijara"`, `trusted-proxy = ["10.0.0.0/8"]`; `snake_case` works too).
//!
//! A flag on the command line or its environment variable wins over the file; the file wins
//! over the defaults. Secrets that have no flag (the admin password, the SMS token) stay in the
//! environment. Every mistake names the file and the line: a syntax error, an unknown key, a
//! value the flag would refuse, an array for a flag that takes one value.
//!
//! ```
//! let cmd = clap::Command::new("shop")
//!     .arg(clap::Arg::new("bind").long("bind").default_value("127.0.0.1:8080"));
//! let from_file = tijara_storefront::config_file::to_args(
//!     &cmd,
//!     "bind = \"0.0.0.0:8080\"\n",
//!     std::path::Path::new("shop.toml"),
//!     |_| false,
//! )
//! .unwrap();
//! assert_eq!(from_file.args, ["--bind", "0.0.0.0:8080"]);
//! let err = tijara_storefront::config_file::to_args(
//!     &cmd,
//!     "\nbnd = \"0.0.0.0:8080\"\n",
//!     std::path::Path::new("shop.toml"),
//!     |_| false,
//! )
//! .unwrap_err();
//! assert_eq!(err.line(), Some(2));
//! ```

use clap::error::{ContextKind, ContextValue};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// What is wrong with a configuration file; each case but [`ConfigError::Read`] names the line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read the configuration file: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}: line {line}: {message} (the file is TOML: `key = \"value\"`, one a line)", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The line (from 1).
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A key that is no flag of the storefront.
    #[error("{}: line {line}: unknown setting `{key}`; the keys are the flags' names without `--` (see `tijara-storefront --help`)", path.display())]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The line (from 1).
        line: usize,
        /// The key as written.
        key: String,
    },
    /// A value the flag refuses (or of a kind it cannot take: a table, an array for a
    /// one-value flag).
    #[error("{}: line {line}: `{key}`: {message}", path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The line (from 1).
        line: usize,
        /// The key.
        key: String,
        /// What is wrong and what the flag takes.
        message: String,
    },
}

impl ConfigError {
    /// The line of the mistake (from 1), when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Read { .. } => None,
            ConfigError::Syntax { line, .. }
            | ConfigError::UnknownKey { line, .. }
            | ConfigError::BadValue { line, .. } => Some(*line),
        }
    }
}

/// The line (from 1) of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .unwrap_or(text)
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// The command-line arguments a configuration file gives, and where each came from.
#[derive(Debug, Clone)]
pub struct FromFile {
    /// `--flag value` pairs (a switch alone), in the file's order.
    pub args: Vec<String>,
    path: PathBuf,
    /// Each flag's long name and the line of its value.
    lines: BTreeMap<String, usize>,
}

impl FromFile {
    /// The mistake of the file that clap's `error` (from parsing [`FromFile::args`] with the
    /// command line) is about, with its line; `None` when the error is about another flag.
    pub fn blame(&self, error: &clap::Error) -> Option<ConfigError> {
        let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
            return None;
        };
        let name = arg.split_whitespace().next()?.trim_start_matches("--");
        let line = *self.lines.get(name)?;
        Some(ConfigError::BadValue {
            path: self.path.clone(),
            line,
            key: name.to_owned(),
            message: clap_message(error),
        })
    }
}

/// Reads the configuration file at `path` and turns it into command-line arguments for `cmd`
/// (see [`to_args`]).
pub fn read_args(
    cmd: &clap::Command,
    path: &Path,
    given: impl Fn(&str) -> bool,
) -> Result<FromFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    to_args(cmd, &text, path, given)
}

/// The command-line arguments (`--flag value`...) that the configuration `text` (read from
/// `path`, named in errors) says, for the flags of `cmd` that `given` says were not given on
/// the command line or in the environment (`given` receives the flag's id). The values are
/// checked when clap parses them: [`FromFile::blame`] turns its error into the file's line.
/// `config` itself is refused (one file only).
pub fn to_args(
    cmd: &clap::Command,
    text: &str,
    path: &Path,
    given: impl Fn(&str) -> bool,
) -> Result<FromFile, ConfigError> {
    let table: BTreeMap<Spanned<String>, Spanned<toml::Value>> =
        toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: e.message().trim().to_owned(),
        })?;
    // In the file's order, so the arguments read as the file does.
    let mut entries: Vec<_> = table.into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let mut out = Vec::new();
    let mut lines = BTreeMap::new();
    for (key, value) in entries {
        let line = line_of(text, key.span().start);
        let name = key.get_ref().replace('_', "-");
        let unknown = || ConfigError::UnknownKey {
            path: path.to_owned(),
            line,
            key: key.get_ref().clone(),
        };
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(name.as_str()))
            .ok_or_else(unknown)?;
        if name == "config" || name == "help" || name == "version" {
            return Err(unknown());
        }
        if given(arg.get_id().as_str()) {
            continue;
        }
        let value_line = line_of(text, value.span().start);
        lines.insert(name.clone(), value_line);
        let bad = |message: String| ConfigError::BadValue {
            path: path.to_owned(),
            line: value_line,
            key: name.clone(),
            message,
        };
        let flag = format!("--{name}");
        let is_switch = matches!(arg.get_action(), clap::ArgAction::SetTrue);
        let many = matches!(arg.get_action(), clap::ArgAction::Append);
        let values: Vec<String> = match value.get_ref() {
            toml::Value::Array(items) if many => items
                .iter()
                .map(|v| scalar(v).ok_or_else(|| bad("each item is a string or a number".into())))
                .collect::<Result<_, _>>()?,
            toml::Value::Array(_) => {
                return Err(bad("takes one value, not an array".into()));
            }
            toml::Value::Boolean(on) if is_switch => {
                if *on {
                    out.push(flag);
                }
                continue;
            }
            _ if is_switch => return Err(bad("is true or false".into())),
            v => {
                vec![scalar(v).ok_or_else(|| {
                    bad("is a string or a number (a table is not a setting)".into())
                })?]
            }
        };
        for v in values {
            out.push(flag.clone());
            out.push(v);
        }
    }
    Ok(FromFile {
        args: out,
        path: path.to_owned(),
        lines,
    })
}

/// A one-line reason from clap's error (without its `error:` prefix and usage lines).
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or("invalid value");
    first.trim_start_matches("error:").trim().to_owned()
}

/// A scalar TOML value as the command line would give it.
fn scalar(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}
