//! Indexing (`putt index`, `putt sync`, the TUI's refresh) and what the
//! index says about itself (`putt stats`). Every way of indexing comes
//! through [`update`], so that no run leaves out its events.

pub use putt_store::archive::{Format, Inbox};
pub use putt_store::index::build::{IndexOptions, IndexReport, Phase, Progress, Unreadable};
pub use putt_store::index::{Degraded, InboxStats, Index, MessageSummary, Rebuilt, Stats};

use putt_store::events::EventLog;

use crate::error::Result;
use crate::session::Session;

/// The index for a run that writes it: rebuilt when damaged, or when
/// `rebuild` asks; the second value says why it was.
pub fn open_for_update(session: &Session, rebuild: bool) -> Result<(Index, Option<Rebuilt>)> {
    let (index, rebuilt) = Index::open_for_update(&session.index_dir, rebuild)?;
    Ok((
        crate::session::with_corrections(index, &session.data_dir())?,
        rebuilt,
    ))
}

/// What an index run did, and what the event hook reported.
#[derive(Debug)]
pub struct Updated {
    pub report: IndexReport,
    pub problems: Vec<String>,
}

/// Brings the index up to date with `inboxes`, and logs the events the new
/// mail caused (new series, revisions, trailers) to `events`.
pub fn update(
    index: &Index,
    inboxes: &[Inbox],
    opts: &IndexOptions,
    events: &EventLog,
    progress: &mut dyn FnMut(Progress),
) -> Result<Updated> {
    let (report, problems) =
        putt_store::events::update_index(index, inboxes, opts, progress, events)?;
    Ok(Updated { report, problems })
}
