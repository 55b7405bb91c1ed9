//! putt: a local patchwork over public-inbox archives.
//!
//! The library holds every capability; the `putt` binary and its TUI are
//! clients of it. Data flows one way: git objects ([`archive`]) -> raw mail
//! -> parsed [`mail::Message`] -> tantivy [`index`] -> query results ->
//! [`series`] model -> views.

pub mod apply;
pub mod archive;
pub mod config;
pub mod error;
pub mod index;
pub mod interdiff;
pub mod mail;
pub mod patchid;
pub mod query;
pub mod reply;
pub mod sample;
pub mod series;
pub mod state;
pub mod subject;
pub mod sync;
pub mod text;
pub mod thread;
pub mod trailers;
#[cfg(feature = "tui")]
pub mod tui;

pub use error::{Error, Result};

#[cfg(test)]
pub(crate) mod testutil;
