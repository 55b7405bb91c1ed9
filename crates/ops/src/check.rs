//! Checks (`putt check`): configured commands run on new revisions, and
//! what they said.

pub use putt_core::triage::CheckStatus;
pub use putt_store::check::{
    CheckRecord, CheckStore, DEFAULT_JOBS, Job, Notice, Rerun, RunOptions, RunSummary, Runner,
    Skip, human, plan,
};
