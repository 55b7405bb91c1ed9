//! putt's storage and use cases, over [`putt_core`].
//!
//! Data flows one way: git objects ([`archive`]) -> raw mail -> parsed
//! [`mail::Message`] -> the tantivy [`index`] -> query results -> the
//! [`series`] model ([`series::gather`], kept in the [`series::memo`]).
//! Beside it, what putt keeps of its own: triage [`state`], [`check`]
//! results, the [`events`] log, reply drafts ([`reply`]); and what it does
//! to a user's tree ([`apply`], [`interdiff::tree`]). [`workflow`] ties
//! rules, states and checks to the series model.
//!
//! The core's modules are re-exported under their own names, so that
//! `putt_store::mail` is `putt_core::mail`: one path for each type, whichever
//! crate a caller starts from.

pub use putt_core::{
    encode, lines, mail, maintainers, mbox, patchid, query, rules, subject, summary, text, thread,
    trailers, triage,
};

/// The series model ([`putt_core::series`]), and how it is gathered from
/// the index and kept.
pub mod series {
    pub use putt_core::series::*;
    pub mod gather;
    pub(crate) mod memo;
}

/// Interdiff ([`putt_core::interdiff`]) of revisions read from the index,
/// and of the trees they make.
pub mod interdiff {
    pub use putt_core::interdiff::*;
    mod load;
    pub mod tree;

    pub(crate) use load::read_raws;
    pub use load::{between, patch_texts};
}

pub mod apply;
pub mod archive;
pub mod check;
pub mod config;
pub mod corrections;
pub mod db;
pub mod error;
pub mod events;
pub mod files;
pub mod index;
pub mod keyed;
pub mod process;
pub mod reply;
pub mod state;
pub mod sync;
pub mod workflow;

pub use error::{Error, Result};
