//! Replying and reviewing (`putt reply`, `putt drafts`, the TUI's `r`,
//! `g`, `R`): drafts composed from the mail answered, kept in the data
//! dir, edited, and sent by the configured command.

use std::path::PathBuf;

pub use putt_store::reply::{
    AfterEdit, ComposeOptions, Draft, DraftInfo, Drafts, Mode, Review, SendOptions, SendOutcome,
    edit, edit_with, editor_command, mbox_entry,
};

use putt_store::config::Config;
use putt_store::index::Index;

use crate::clock::Clock;
use crate::error::Result;

/// The messages a reply goes to: `key` itself, or with `series`, the
/// cover letter of the series it names (or each patch, when it has none).
pub fn targets(index: &Index, key: &str, series: bool) -> Result<Vec<String>> {
    Ok(if series {
        putt_store::reply::series_review_targets(index, key)?
    } else {
        vec![putt_core::mail::normalize_message_id(key)]
    })
}

/// One draft per target, in order: a reply in `mode`, with the review
/// trailer `review` when one is given. Each draft's `warnings` say what
/// the user should know (a missing list address, say).
pub fn compose(
    index: &Index,
    config: &Config,
    clock: &Clock,
    targets: &[String],
    mode: Mode,
    review: Option<Review>,
) -> Result<Vec<Draft>> {
    let identity = config.identity()?;
    let opts = clock.compose_options().with_send_config(&config.send);
    let mut out = Vec::with_capacity(targets.len());
    for target in targets {
        let raw = putt_store::reply::load_original(index, target)?;
        let mut draft = putt_store::reply::compose(&raw, mode, identity, &opts).map_err(|e| {
            crate::Error::ReplyTo {
                target: target.clone(),
                source: Box::new(e.into()),
            }
        })?;
        if let Some(review) = review {
            draft = draft.trailer_reply(review, identity);
        }
        out.push(draft);
    }
    Ok(out)
}

/// Keeps a new draft in `drafts` and returns its file. A pinned Message-ID
/// seed gives a second reply to the same mail the same id: a kept draft
/// is never overwritten, the new one takes the next free id.
pub fn save_new(drafts: &Drafts, draft: &mut Draft) -> Result<PathBuf> {
    let id = draft.message_id.clone();
    let mut n = 1;
    while drafts.path(&draft.message_id).exists() {
        n += 1;
        draft.message_id = match id.split_once('@') {
            Some((local, domain)) => format!("{local}.{n}@{domain}"),
            None => format!("{id}.{n}"),
        };
    }
    Ok(drafts.save(draft)?)
}

/// The drafts folder of the data dir.
pub fn drafts(data_dir: &std::path::Path) -> Drafts {
    Drafts::new(data_dir)
}

/// Sends draft `id` with the configured command (deleted once sent, kept
/// when sending fails), dated by `clock`.
pub fn send(
    config: &Config,
    data_dir: &std::path::Path,
    clock: &Clock,
    id: &str,
) -> Result<SendOutcome> {
    let opts = SendOptions::new(&config.send, data_dir);
    Ok(putt_store::reply::send_draft(
        &Drafts::new(data_dir),
        id,
        &opts,
        clock.send_date(),
    )?)
}
