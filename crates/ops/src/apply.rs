//! `putt apply` and the TUI's `a`: a revision applied to a local tree on a
//! new branch with `git am`, and the undoing of an apply that was
//! interrupted.

use std::path::Path;

pub use putt_store::apply::{
    Applied, ApplyOptions, ApplyReport, BaseSource, Failed, Recovered, apply_mbox, recover,
};

use putt_core::series::{Revision, Series};
use putt_store::config::Config;
use putt_store::index::Index;

use crate::am::AmFlags;
use crate::error::Result;

/// The mbox of `rev` (as [`crate::am::mbox`] makes it, signing off as the
/// tree's git user when the config names no one) applied per `opts`.
pub fn apply(
    index: &Index,
    config: &Config,
    series: &Series,
    rev: &Revision,
    flags: &AmFlags,
    opts: &ApplyOptions,
) -> Result<ApplyReport> {
    let am = crate::am::mbox(index, config, series, rev, flags, Some(&opts.repo))?;
    Ok(putt_store::apply::apply_mbox(&am, opts)?)
}

/// [`recover`] for a repository that may be given as any directory in it.
pub fn abort(repo: &Path) -> Result<Option<Recovered>> {
    Ok(recover(repo)?)
}
