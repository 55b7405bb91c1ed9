//! Replies and one-key reviews from the TUI, with the library calls
//! `putt reply` makes: [`compose`] (on a worker: it reads the originals
//! from git) builds and saves drafts; the UI suspends to the editor on
//! one (see `tui::run`), asks send / edit / keep / discard, and [`send`]
//! (on a worker: the send command may take a while) hands it over.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use crate::error::{Error, Result};
use putt_store::config::Config;
use putt_store::index::Index;
use putt_store::reply::{self, ComposeOptions, Drafts, Mode, Review, SendOptions};

/// Where drafts and the outbox live, and how new mail is stamped.
#[derive(Debug, Clone)]
pub struct ReplyOptions {
    /// The data dir: drafts in `drafts/`, the outbox mbox beside it.
    pub data_dir: PathBuf,
    pub compose: ComposeOptions,
    /// The Date a mail leaves with; `None`: the clock at sending.
    pub send_date: Option<DateTime<FixedOffset>>,
}

impl ReplyOptions {
    /// Drafts in `data_dir`, new mail stamped by `clock`.
    pub fn new(data_dir: PathBuf, clock: &putt_ops::Clock) -> ReplyOptions {
        ReplyOptions {
            data_dir,
            compose: clock.compose_options(),
            send_date: clock.pinned_send_date(),
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
    let identity = config.identity()?;
    let compose_opts = opts.compose.clone().with_send_config(&config.send);
    let drafts = opts.drafts();
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for target in targets {
        let raw = reply::load_original(index, target)?;
        let mut draft = reply::compose(&raw, kind.mode, identity, &compose_opts)?;
        let trailer = kind.review.map(|r| r.line(identity));
        if let Some(review) = kind.review {
            draft = draft.trailer_reply(review, identity);
        }
        warnings.extend(draft.warnings.iter().cloned());
        // A pinned Message-ID seed (`PUTT_MESSAGE_ID_SEED`) gives a second
        // reply to the same mail the same id: never overwrite a kept draft.
        let id = draft.message_id.clone();
        let mut n = 1;
        while drafts.path(&draft.message_id).exists() {
            n += 1;
            draft.message_id = match id.split_once('@') {
                Some((local, domain)) => format!("{local}.{n}@{domain}"),
                None => format!("{id}.{n}"),
            };
        }
        let path = drafts.save(&draft)?;
        out.push(DraftRef {
            id: draft.message_id.clone(),
            path,
            subject: draft.subject.clone(),
            recipients: recipients(&draft),
            trailer,
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
    let send_opts = SendOptions::new(&config.send, &opts.data_dir);
    let date = opts
        .send_date
        .unwrap_or_else(|| chrono::Local::now().fixed_offset());
    let outcome = reply::send_draft(&opts.drafts(), id, &send_opts, date)?;
    Ok(outcome.describe())
}

/// Runs the editor on `path` (the terminal must be the editor's).
pub fn edit(editor: Option<&str>, path: &Path) -> Result<()> {
    Ok(match editor {
        Some(e) => reply::edit_with(e, path),
        None => reply::edit(path),
    }?)
}
