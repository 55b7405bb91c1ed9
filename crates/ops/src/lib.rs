//! putt's use cases: what a maintainer does, written once, for the CLI and
//! the TUI alike. A front end parses its input (flags, keys), calls here,
//! and shows what comes back; it holds no logic of its own.
//!
//! Each module is one use case ([`am`], [`revision`], [`repo`] ...) over
//! a [`Session`] (config, index, clock). Errors are [`Error`]: what went
//! wrong, with its data; the front end says what to do about it in its own
//! terms.

pub mod am;
pub mod apply;
pub mod check;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod index;
pub mod interdiff;
pub mod link;
pub mod reply;
pub mod repo;
pub mod revision;
pub mod series;
pub mod session;
pub mod sync;
pub mod triage;

/// Writes a file the user named, or one of putt's: whole or not at all,
/// and only a file (a device, FIFO or symlink is written through).
pub use putt_store::files::write as write_file;

pub use clock::Clock;
pub use error::{Error, Result};
pub use session::Session;
