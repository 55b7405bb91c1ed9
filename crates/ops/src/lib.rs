//! putt's use cases: what a maintainer does, written once, for the CLI and
//! the TUI alike. A front end parses its input (flags, keys), calls here,
//! and shows what comes back; it holds no logic of its own.
//!
//! Each module is one use case ([`am`], [`revision`], [`repo`] ...) over
//! a [`Session`] (config, index, clock). Errors are [`Error`]: what went
//! wrong, with its data; the front end says what to do about it in its own
//! terms.

pub mod am;
pub mod clock;
pub mod error;
pub mod interdiff;
pub mod repo;
pub mod revision;
pub mod session;

pub use clock::Clock;
pub use error::{Error, Result};
pub use session::Session;
