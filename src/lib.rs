//! putt: a local patchwork over public-inbox archives.
//!
//! The library holds every capability; the `putt` binary and its TUI are
//! clients of it. Data flows one way: git objects -> raw mail -> parsed
//! [`mail::Message`] -> tantivy index -> query results -> series model -> views.

pub mod query;
