//! The library's one error type. Every variant names the thing that was
//! wrong (a path, a key, a message-id, a query position) so that the CLI and
//! the TUI can show it as is; nothing here is meant to be matched on deeply.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a public-inbox archive: {reason}")]
    NotAnArchive { path: PathBuf, reason: String },
    #[error("{path}: git: {message}")]
    Git { path: PathBuf, message: String },
    #[error("index {path}: {message}")]
    Index { path: PathBuf, message: String },
    #[error(
        "index {path} is being written by another putt process; wait for it to finish or pass --wait"
    )]
    IndexLocked { path: PathBuf },
    #[error("{0}")]
    Query(#[from] crate::query::QueryError),
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("no message with Message-ID <{0}> in the index")]
    NoSuchMessage(String),
    #[error(
        "no series {0}: give a series id from `putt series` or the Message-ID of a message in it"
    )]
    NoSuchSeries(String),
    #[error(
        "send command `{command}` failed ({status}){}{}",
        if .stderr.is_empty() { String::new() } else { format!(": {}", .stderr) },
        .draft.as_ref().map(|p| format!("; the draft is kept in {}", p.display())).unwrap_or_default()
    )]
    Send {
        command: String,
        /// `exit status 1`, `killed: signal 9`, `could not start ...`.
        status: String,
        /// What the command wrote on stderr (stdout when stderr was empty).
        stderr: String,
        /// Where the unsent draft is, when it came from the drafts folder.
        draft: Option<PathBuf>,
    },
    /// A revision with patches missing, where all of them are needed.
    #[error(
        "series {series} {label} is incomplete: {} of {total} missing; pass --partial to use the patches that arrived",
        crate::series::slot_ranges(.missing)
    )]
    Incomplete {
        series: String,
        label: String,
        missing: Vec<u32>,
        total: u32,
    },
    #[error("no draft {id} in {}", .dir.display())]
    NoSuchDraft { id: String, dir: PathBuf },
    #[error("{0}")]
    Invalid(String),
    #[error("{what}: {message}")]
    Command { what: String, message: String },
    /// Talking to a remote archive (clone, fetch, probe, manifest) failed.
    #[error("{url}: {message}")]
    Remote { url: String, message: String },
    /// `putt clone` cannot put an inbox at `path`.
    #[error("cannot clone {url} into {path}: {message}")]
    Clone {
        url: String,
        path: PathBuf,
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn git(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Error::Git {
            path: path.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn remote(url: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::Remote {
            url: url.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn index(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Error::Index {
            path: path.into(),
            message: message.to_string(),
        }
    }
}
