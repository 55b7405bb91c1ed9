//! putt: a local patchwork over public-inbox archives.
//!
//! The library holds every capability; the `putt` binary and its TUI are
//! clients of it. Data flows one way: git objects ([`archive`]) -> raw mail
//! -> parsed [`mail::Message`] -> tantivy [`index`] -> query results ->
//! [`series`] model -> views. Beside it, the [`workflow`]: [`rules`],
//! [`check`]s and [`events`] over the series model.

pub mod apply;
pub mod archive;
pub mod check;
pub mod config;
pub mod error;
pub mod events;
pub mod files;
pub mod index;
pub mod interdiff;
pub mod journal;
pub mod keyed;
pub mod lines;
pub mod mail;
pub mod maintainers;
pub mod patchid;
pub mod process;
pub mod query;
pub mod reply;
pub mod rules;
pub mod sample;
pub mod series;
pub mod state;
pub mod subject;
pub mod summary;
pub mod sync;
pub mod text;
pub mod thread;
pub mod triage;
pub mod trailers;
#[cfg(feature = "tui")]
pub mod tui;
pub mod workflow;

pub use error::{Error, Result};

#[cfg(test)]
pub(crate) mod testutil;
