//! Export (`e`) and apply (`a`), run on a worker. ADAPTER — TEMPORARY:
//! both belong to `putt::apply` (`am_mbox`, `apply`), being built on main;
//! until it lands they report that they are not available. When it lands,
//! call `crate::apply::am_mbox` / `crate::apply::apply` here.

use std::path::Path;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::series::Series;

/// Writes a revision as an mbox for `git am`.
pub fn export(_index: &Index, _series: &Series, _revision: usize, path: &Path) -> Result<String> {
    Err(Error::Invalid(format!(
        "export to {}: not available yet (putt::apply has not landed)",
        path.display()
    )))
}

/// Applies a revision to `repo` on a new branch.
pub fn apply(
    _index: &Index,
    _series: &Series,
    _revision: usize,
    repo: &Path,
    branch: &str,
) -> Result<String> {
    Err(Error::Invalid(format!(
        "apply to {} ({branch}): not available yet (putt::apply has not landed)",
        repo.display()
    )))
}
