//! Replies and one-key reviews from the TUI, with the library calls
//! `putt reply` makes: [`compose`] (on a worker: it reads the originals
//! from git) builds and saves drafts; the compose flow
//! ([`crate::compose`]) has the terminal loop suspend to the [`edit`]or
//! on each, asks send / edit / keep / discard, and [`send`] (on a worker:
//! the send command may take a while) hands it over.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use putt_ops::config::Config;
use putt_ops::index::Index;
use putt_ops::reply::{self, Drafts, Mode, Review};

/// Where drafts and the outbox live, and how new mail is stamped.
#[derive(Debug, Clone)]
pub struct ReplyOptions {
    pub data_dir: PathBuf,
    /// How new mail is stamped (its Date and Message-ID), and the Date it
    /// leaves with.
    pub clock: putt_ops::Clock,
}

impl ReplyOptions {
    /// Drafts in `data_dir`, new mail stamped by `clock`.
    pub fn new(data_dir: PathBuf, clock: &putt_ops::Clock) -> ReplyOptions {
        ReplyOptions {
            data_dir,
            clock: *clock,
        }
    }

    pub fn drafts(&self) -> Drafts {
        Drafts::new(&self.data_dir)
    }
}

/// A draft saved and waiting for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRef {
    /// The id [`Drafts`] knows it by (its Message-ID).
    pub id: String,
    pub path: PathBuf,
    pub subject: String,
    /// To and Cc, as `Name <addr>`.
    pub recipients: Vec<String>,
    /// The trailer line of a one-key review.
    pub trailer: Option<String>,
}

impl DraftRef {
    /// Re-reads what the prompt shows (after the editor changed it).
    pub fn reload(&mut self, drafts: &Drafts) -> Result<()> {
        let d = drafts.load(&self.id)?;
        self.subject = d.subject.clone();
        self.recipients = recipients(&d);
        Ok(())
    }
}

fn recipients(d: &reply::Draft) -> Vec<String> {
    d.to.iter().chain(&d.cc).map(|a| a.display()).collect()
}

/// What a reply key asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyKind {
    pub mode: Mode,
    pub review: Option<Review>,
}

/// Composes and saves one draft per target (in order). Warnings from
/// composing (a missing list address, say) come back with them.
pub fn compose(
    index: &Index,
    config: &Config,
    opts: &ReplyOptions,
    targets: &[String],
    kind: ReplyKind,
) -> Result<(Vec<DraftRef>, Vec<String>)> {
    let clock = opts.clock;
    let composed =
        putt_ops::reply::compose(index, config, &clock, targets, kind.mode, kind.review)?;
    let identity = config.identity().map_err(putt_ops::Error::from)?;
    let drafts = opts.drafts();
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for mut draft in composed {
        warnings.extend(draft.warnings.iter().cloned());
        let path = putt_ops::reply::save_new(&drafts, &mut draft)?;
        out.push(DraftRef {
            id: draft.message_id.clone(),
            path,
            subject: draft.subject.clone(),
            recipients: recipients(&draft),
            trailer: kind.review.map(|r| r.line(identity)),
        });
    }
    if out.is_empty() {
        return Err(Error::Gone("what to reply to"));
    }
    Ok((out, warnings))
}

/// Sends draft `id` (deleted once sent, kept on failure); says what
/// became of it.
pub fn send(config: &Config, opts: &ReplyOptions, id: &str) -> Result<String> {
    let outcome = putt_ops::reply::send(config, &opts.data_dir, &opts.clock, id)?;
    Ok(outcome.describe())
}

/// Runs the editor on `path` (the terminal must be the editor's).
pub fn edit(editor: Option<&str>, path: &Path) -> Result<()> {
    Ok(match editor {
        Some(e) => reply::edit_with(e, path),
        None => reply::edit(path),
    }?)
}
