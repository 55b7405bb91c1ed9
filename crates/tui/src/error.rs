//! What can stop the TUI or one of its requests: the use cases' errors,
//! and its own (a key map, theme or filter in the config it cannot take,
//! the terminal itself). Shown on the message line with a hint in the
//! TUI's own terms (a key), never a CLI flag.

use std::path::PathBuf;

/// Result alias of the TUI.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Ops(#[from] putt_ops::Error),
    /// A setting of the TUI's in the config (keys, theme, a saved filter)
    /// that it cannot take.
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
    /// A theme file that cannot be read.
    #[error("{path}: {source}")]
    ThemeFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A theme that does not exist.
    #[error("no theme `{name}`: built-in themes are {builtin}{elsewhere}")]
    NoTheme {
        name: String,
        builtin: String,
        elsewhere: String,
    },
    #[error("terminal: {0}")]
    Terminal(#[source] std::io::Error),
    /// What a request was about is no longer there (a revision, a
    /// message, a reply target).
    #[error("{0} is no longer there")]
    Gone(&'static str),
}

impl From<putt_ops::error::StoreError> for Error {
    fn from(e: putt_ops::error::StoreError) -> Error {
        Error::Ops(e.into())
    }
}

impl From<putt_core::query::QueryError> for Error {
    fn from(e: putt_core::query::QueryError) -> Error {
        Error::Ops(e.into())
    }
}
