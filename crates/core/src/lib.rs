//! putt's core: what a mail, a patch series and a query are, with no I/O.
//!
//! Everything here works on values in memory: raw mail bytes in,
//! [`mail::Message`] out; [`summary::MessageSummary`]s (what the index
//! keeps of a message) in, [`series::Series`] and [`thread`]s out; query
//! and rule text in, their syntax trees out; two revisions' patch texts in,
//! an [`interdiff`] out. No file, no git, no index and no terminal: those
//! are `putt-store`'s and `putt-tui`'s, which build on this crate and never
//! the other way round (the crate graph holds it).

pub mod encode;
pub mod interdiff;
pub mod lines;
pub mod mail;
pub mod maintainers;
pub mod mbox;
pub mod patchid;
pub mod query;
pub mod rules;
pub mod series;
pub mod subject;
pub mod summary;
pub mod text;
pub mod thread;
pub mod trailers;
pub mod triage;

/// How many items two sorted lists share (each match used once).
pub(crate) fn common_sorted<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}
