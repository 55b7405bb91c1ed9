//! Triage: what the maintainer decided about each revision, and which
//! messages they read. Every change is an event.

pub use putt_core::triage::{CheckStatus, TriageState, UnknownState};
pub use putt_store::db::FILE_NAME as DATABASE;
pub use putt_store::state::{RevisionState, StateChange, StateStore};

/// Whether the data dir holds putt's database (or an older putt's
/// journals to import into one).
pub fn has_database(data_dir: &std::path::Path) -> bool {
    putt_store::db::Db::exists(data_dir)
}

use putt_core::series::{Revision, Series};

use crate::error::Result;

/// Sets a revision's state (`None`: back to the automatic one), against
/// what is stored; logs the event and returns what its hook reported.
pub fn set(
    store: &mut StateStore,
    series: &Series,
    revision: &Revision,
    state: Option<TriageState>,
) -> Result<Vec<String>> {
    Ok(store.set_state_reporting(series, revision, state)?)
}

/// Reads a state's name (a unique prefix will do); `clear` and `auto` are
/// the automatic state.
pub fn parse(s: &str) -> Result<Option<TriageState>> {
    match s {
        "clear" | "auto" => Ok(None),
        s => Ok(Some(TriageState::parse(s)?)),
    }
}
