//! What changed between two revisions of a series (`putt interdiff`, the
//! TUI's `d`): their patches paired and diffed, and, when a repository
//! holds both bases, the diff of the trees they make.

use std::path::Path;

use putt_core::interdiff::{Interdiff, Options};
use putt_core::series::{Revision, Series};
use putt_store::config::Config;
use putt_store::index::Index;

use crate::error::Result;

/// The interdiff of `from` and `to`, with `context` lines. The tree
/// interdiff is tried in `repo` when given, else in the repository for the
/// series ([`crate::repo::find`]) when both revisions name their base.
pub fn between(
    index: &Index,
    config: &Config,
    series: &Series,
    from: &Revision,
    to: &Revision,
    context: usize,
    repo: Option<&Path>,
) -> Result<Interdiff> {
    let repo = match repo {
        Some(r) => Some(r.to_path_buf()),
        None if from.base_commit.is_some() && to.base_commit.is_some() => {
            crate::repo::find(config, to, None)
        }
        None => None,
    };
    let opts = Options {
        context,
        repo,
        ..Options::default()
    };
    Ok(putt_store::interdiff::between(
        index, series, from, to, &opts,
    )?)
}
