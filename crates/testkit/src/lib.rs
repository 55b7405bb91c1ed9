//! What putt's tests (and `putt demo`) build on: real public-inbox archives
//! written the way public-inbox lays them out ([`write`], and [`bulk`] for
//! millions of messages), the built-in
//! sample list ([`sample`]), mail builders ([`mail`]), real git servers on
//! loopback ([`serve`]), and the shared corpus of real mail ([`corpus`]).
//!
//! It depends on no putt crate, so every layer can test with it.

use std::path::PathBuf;

pub mod bulk;
pub mod corpus;
pub mod mail;
pub mod sample;
pub mod serve;
pub mod write;

/// What went wrong making a fixture.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: git: {message}")]
    Git { path: PathBuf, message: String },
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
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
