//! Finding series: one by its id or a Message-ID in it, the newest that
//! match a query (`putt series`), a page of them (the TUI's list), and the
//! thread of a message.

pub use putt_store::series::gather::SeriesPage;
pub use putt_store::workflow::{
    RevisionInfo, SeriesList, SeriesQuery, Workflow, first_series_term,
};

use putt_core::series::Series;
use putt_core::thread::Thread;
use putt_store::index::Index;

use crate::error::Result;
use crate::session::Session;

/// The series `key` names: its id, or the Message-ID of any message in it.
pub fn find(index: &Index, key: &str) -> Result<Series> {
    Ok(putt_store::series::gather::series_by_key(index, key)?)
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
