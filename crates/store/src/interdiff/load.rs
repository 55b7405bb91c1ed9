//! The interdiff's inputs from the index: a revision's patches read from
//! the archives (the very copies the series saw), then paired and diffed
//! by [`super::compare`], with a tree interdiff when a repository has both
//! bases.

use crate::error::{Error, Result};
use crate::index::{Index, MessageSummary};
use crate::mail::Message;
use crate::series::{MailRef, Revision, Series};

use super::{Interdiff, Options, PatchText, compare, tree};

/// Loads and parses the patches of a revision.
pub fn patch_texts(index: &Index, rev: &Revision) -> Result<Vec<PatchText>> {
    Ok(patch_texts_of(index, &[rev])?.pop().unwrap_or_default())
}

/// The patches of several revisions, each archive opened once for all.
fn patch_texts_of(index: &Index, revs: &[&Revision]) -> Result<Vec<Vec<PatchText>>> {
    let copies = revs
        .iter()
        .flat_map(|r| &r.patches)
        .map(|p| chosen_copy(index, &p.mail))
        .collect::<Result<Vec<_>>>()?;
    let mut raw = index
        .raw_messages(&copies.iter().collect::<Vec<_>>())?
        .into_iter();
    Ok(revs
        .iter()
        .map(|r| {
            r.patches
                .iter()
                .zip(raw.by_ref())
                .map(|(p, raw)| PatchText::from_message(p.counter, &Message::parse(&raw)))
                .collect()
        })
        .collect())
}

/// The raw mails behind [`MailRef`]s, in order: the very copies the series
/// saw, each archive opened once for all.
pub(crate) fn read_raws(index: &Index, ms: &[&MailRef]) -> Result<Vec<Vec<u8>>> {
    let copies = ms
        .iter()
        .map(|m| chosen_copy(index, m))
        .collect::<Result<Vec<_>>>()?;
    index.raw_messages(&copies.iter().collect::<Vec<_>>())
}

/// The indexed copy of a [`MailRef`]'s message the series saw (the first
/// one when that blob is gone).
fn chosen_copy(index: &Index, m: &MailRef) -> Result<MessageSummary> {
    let mut copies = index.by_message_id(&m.message_id)?;
    let pos = copies.iter().position(|c| c.blob == m.blob).unwrap_or(0);
    if pos < copies.len() {
        Ok(copies.swap_remove(pos))
    } else {
        Err(Error::NoSuchMessage(m.message_id.clone()))
    }
}

/// The interdiff between two revisions of `series`.
pub fn between(
    index: &Index,
    series: &Series,
    from: &Revision,
    to: &Revision,
    opts: &Options,
) -> Result<Interdiff> {
    if !series.revisions.iter().any(|r| std::ptr::eq(r, from))
        || !series.revisions.iter().any(|r| std::ptr::eq(r, to))
    {
        return Err(Error::ForeignRevision {
            series: series.id.clone(),
        });
    }
    let mut texts = patch_texts_of(index, &[from, to])?;
    let new = texts.pop().unwrap_or_default();
    let old = texts.pop().unwrap_or_default();
    let mut result = compare(&old, &new, opts);
    result.from = from.label();
    result.to = to.label();
    for (r, which) in [(from, "old"), (to, "new")] {
        if !r.complete() {
            result.notes.push(format!(
                "{} ({which}) is incomplete: patches {} never arrived",
                r.label(),
                crate::series::slot_ranges(&r.missing)
            ));
        }
    }
    if let Some(repo) = &opts.repo {
        match tree::interdiff(repo, from, &old, to, &new) {
            Ok(t) => result.tree = Some(t),
            Err(why) => result.notes.push(format!("no tree interdiff: {why}")),
        }
    }
    Ok(result)
}
