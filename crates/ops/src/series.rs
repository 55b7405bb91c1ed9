//! Finding series: one by its id or a Message-ID in it, the newest that
//! match a query (`putt series`), a page of them (the TUI's list), and the
//! thread of a message.

pub use putt_store::series::gather::SeriesPage;
pub use putt_store::workflow::{
    RevisionInfo, SeriesList, SeriesQuery, Workflow, first_series_term,
};

use putt_core::series::{Revision, Series};
use putt_core::thread::Thread;
use putt_store::index::Index;

use crate::error::Result;
use crate::revision::{self, RevSpec};
use crate::session::Session;

/// The series `key` names: its id (or a prefix of it that names one
/// series), or the Message-ID of any message in it.
pub fn find(index: &Index, key: &str) -> Result<Series> {
    Ok(putt_store::series::gather::series_by_key(index, key)?)
}

/// A series as a key named it: when the key was a Message-ID, the
/// revision holding that message is the one meant.
#[derive(Debug, Clone)]
pub struct Named {
    pub series: Series,
    /// Index in `series.revisions` of the revision the key's message is in.
    pub revision: Option<usize>,
}

impl Named {
    /// The revision the user means: the one `spec` names when given, else
    /// the one the Message-ID is in, else the one sent last.
    pub fn pick(&self, spec: Option<RevSpec>) -> Result<&Revision> {
        match (spec, self.revision) {
            (Some(spec), _) => revision::pick(&self.series, spec),
            (None, Some(i)) => Ok(&self.series.revisions[i]),
            (None, None) => revision::pick(&self.series, RevSpec::Latest),
        }
    }

    /// The two revisions an interdiff compares ([`revision::pair`]); the
    /// revision a Message-ID named is the newer side unless `to` says.
    pub fn pair(
        &self,
        from: Option<RevSpec>,
        to: Option<RevSpec>,
    ) -> Result<(&Revision, &Revision)> {
        match (to, self.revision) {
            (None, Some(i)) => {
                let to = &self.series.revisions[i];
                let from = match from {
                    Some(spec) => revision::pick(&self.series, spec)?,
                    None => revision::before(&self.series, to)?,
                };
                Ok((from, to))
            }
            _ => revision::pair(&self.series, from, to),
        }
    }

    /// The revision sent last, when `rev` is older: a command on an older
    /// revision says so.
    pub fn newer(&self, rev: &Revision) -> Option<&Revision> {
        revision::newer(&self.series, rev)
    }
}

/// [`find`], and which revision a Message-ID `key` names.
pub fn named(index: &Index, key: &str) -> Result<Named> {
    let series = find(index, key)?;
    let revision = revision::containing(&series, key);
    Ok(Named { series, revision })
}

/// The thread of a message, missing messages as placeholders.
pub fn thread(index: &Index, message_id: &str) -> Result<Thread> {
    Ok(putt_store::series::gather::thread_of(index, message_id)?)
}

/// The workflow of the session's config (rules, state, checks), at its
/// clock's time.
pub fn workflow(session: &Session) -> Result<Workflow> {
    Ok(Workflow::load(&session.config, session.now())?)
}

/// The newest `n` series (0: all) with a message matching `query`, its
/// series terms (`is:`, `check:`) applied; hidden ones counted apart unless
/// `show_hidden`.
pub fn newest(
    index: &Index,
    wf: &Workflow,
    query: &SeriesQuery,
    n: usize,
    max_hits: usize,
    show_hidden: bool,
) -> Result<SeriesList> {
    Ok(wf.newest_series(index, query, n, max_hits, show_hidden)?)
}

/// One page of the list: `hits` matching messages from `offset`, grouped
/// into series, filtered as [`newest`] does.
pub fn page(
    index: &Index,
    wf: &Workflow,
    query: &SeriesQuery,
    offset: usize,
    hits: usize,
    patches_only: bool,
) -> Result<SeriesPage> {
    Ok(wf.series_page(index, query, offset, hits, patches_only)?)
}

/// Every series with a message matching a message query (no series
/// terms), newest first.
pub fn matching(
    index: &Index,
    query: &str,
    now: chrono::DateTime<chrono::Utc>,
    max_hits: usize,
) -> Result<Vec<Series>> {
    Ok(putt_store::series::gather::series_for_query(
        index, query, now, max_hits,
    )?)
}
