//! Which local repository a revision's patches go to: the one the user
//! names, else the `[repos]` entry named like one of the inboxes the
//! patches came from, else the only one configured. `putt apply`, `putt
//! interdiff` and the TUI all ask here (they once disagreed: interdiff took
//! the first repository of the config).

use std::path::{Path, PathBuf};

use putt_core::series::Revision;
use putt_store::config::Config;

use crate::error::{Error, Result};

/// The repository for `rev`, or `None` when the config does not say.
pub fn find(config: &Config, rev: &Revision, given: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = given {
        return Some(p.to_path_buf());
    }
    let repos = &config.repos;
    if let Some(p) = rev
        .patches
        .iter()
        .find_map(|p| repos.get(p.mail.inbox.as_str()))
    {
        return Some(p.clone());
    }
    match repos.len() {
        1 => repos.values().next().cloned(),
        _ => None,
    }
}

/// [`find`], an error naming the inbox when the config does not say.
pub fn for_revision(config: &Config, rev: &Revision, given: Option<&Path>) -> Result<PathBuf> {
    find(config, rev, given).ok_or_else(|| Error::WhichRepository {
        inbox: rev
            .patches
            .first()
            .map(|p| p.mail.inbox.clone())
            .unwrap_or_default(),
    })
}
