//! Apply: a revision of a series as an mbox ready for `git am`, with the
//! trailers reviewers sent, and that mbox applied to a local tree on a new
//! branch, b4 am / b4 shazam's job, offline.
//!
//! The API, for the CLI (`putt am`, `putt apply`) and the TUI (`e` export):
//!
//! - [`am_mbox`]`(index, series, &AmOptions) -> AmOutput`: one revision
//!   (the latest unless [`AmOptions::version`]), patches in order, each with
//!   its collected trailers added to its trailer block. The order is b4's:
//!   the trailers already in the patch stay as they are, then those from
//!   replies to the patch, then those carried from an earlier revision of
//!   the unchanged patch, then those from replies to the cover letter
//!   (they count for every patch), then `Link:`, then the applier's own
//!   `Signed-off-by:` (moved last when the patch already has it above new
//!   trailers). Duplicates (same kind, same address) are left out; so are
//!   trailers whose address is not their sender's unless
//!   [`AmOptions::all_trailers`]. A revision with missing patches is an
//!   [`Error::Incomplete`] unless [`AmOptions::partial`]. Write the result
//!   with [`crate::files::write`] (atomic: a reader never sees half a file).
//!   [`am_revision`] does the same for a revision the caller picked (the
//!   TUI's `e`: two postings of one version are told apart by position).
//! - [`apply`]`(index, series, &AmOptions, &ApplyOptions) -> ApplyReport`:
//!   [`am_mbox`], then [`apply_mbox`]: a new branch at the series'
//!   `base-commit:` (or [`ApplyOptions::base`], or HEAD; the report says
//!   which and why), `git am` run by git itself, in the user's checkout (a
//!   clean one) or in a new worktree. When a patch does not apply, the am
//!   is aborted, the branch (and worktree) removed, the checkout put back
//!   as it was, and [`ApplyReport::failed`] names the patch with git's
//!   message. [`apply_mbox`] applies an [`AmOutput`] already made (the
//!   TUI's `a`, after [`am_revision`]).
//!
//! Each mail goes through `git mailinfo`, so what lands in the repository
//! is exactly what `git am` makes of the mail as sent (author, date,
//! message, diff bytes) plus the trailers; see `apply/mbox.rs`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::series::{Revision, Series, Via};
use crate::trailers::{Trailer, TrailerKind};

mod mbox;
mod repo;

pub use repo::{
    Applied, ApplyOptions, ApplyReport, BaseSource, Failed, Recovered, apply_mbox, git_signer,
    recover,
};

/// The `Link:` template b4 uses: `%s` is the Message-ID.
pub const DEFAULT_LINK: &str = "https://patch.msgid.link/%s";

/// What goes into an am-ready mbox.
#[derive(Debug, Clone, Default)]
pub struct AmOptions {
    /// The revision by version (default: the one sent last).
    pub version: Option<u32>,
    /// Also return the cover letter (as its own mbox, never among the
    /// patches: `git am` would take it for a patch).
    pub cover: bool,
    /// The applier's `Signed-off-by:` value, `Name <addr>`, added last.
    pub signoff: Option<String>,
    /// A `Link:` to each patch from this template (`%s` = Message-ID).
    pub link: Option<String>,
    /// Write what arrived of an incomplete revision instead of refusing.
    pub partial: bool,
    /// Also add trailers whose address is not the address that sent them.
    pub all_trailers: bool,
    /// Add no collected trailers (the patches as sent, plus `signoff` and
    /// `link` when asked).
    pub no_trailers: bool,
}

/// One patch of an [`AmOutput`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AmPatch {
    pub counter: u32,
    /// The subject written into the mbox: `[PATCH v3 2/5] subject`.
    pub subject: String,
    pub message_id: String,
    /// `Name <addr>` as `git am` reads it (an in-body `From:` wins).
    pub author: String,
    /// Lines added to the trailer block, in order.
    pub trailers_added: Vec<String>,
    /// Taken from an earlier revision (partial re-roll).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inherited: bool,
}

/// An am-ready mbox and what went into it.
#[derive(Debug, Clone, Serialize)]
pub struct AmOutput {
    /// The mbox: one mail per patch, in order.
    #[serde(skip)]
    pub mbox: Vec<u8>,
    /// The cover letter as sent, as a one-mail mbox, when asked and there
    /// is one.
    #[serde(skip)]
    pub cover: Option<Vec<u8>>,
    pub series: String,
    pub version: u32,
    /// `v3`, `RFC v2`.
    pub label: String,
    pub subject: String,
    pub author: String,
    pub total: u32,
    /// A name for files and branches: `v3-20240501-short-subject`.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_message_id: Option<String>,
    pub patches: Vec<AmPatch>,
    /// Slots not in the mbox (only with [`AmOptions::partial`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<u32>,
    /// Trailer lines added over all patches.
    pub trailers_added: usize,
    /// The version of a revision sent after this one, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newer: Option<u32>,
    /// What the user should know: a newer revision, patches missing,
    /// trailers left out, objections.
    pub warnings: Vec<String>,
}

/// The am-ready mbox of one revision of `series`: [`AmOptions::version`],
/// else the one sent last.
pub fn am_mbox(index: &Index, series: &Series, opts: &AmOptions) -> Result<AmOutput> {
    let rev = pick_revision(series, opts.version)?;
    am_revision(index, series, rev, opts)
}

/// The am-ready mbox of `rev`, one of the revisions of `series` (for a
/// caller that picked it itself, as the TUI does; [`AmOptions::version`]
/// is not looked at).
pub fn am_revision(
    index: &Index,
    series: &Series,
    rev: &Revision,
    opts: &AmOptions,
) -> Result<AmOutput> {
    if let Some(pull) = &rev.pull {
        return Err(Error::Invalid(format!(
            "series {} {} is a pull request ({}{}): fetch it with git instead",
            series.id,
            rev.label(),
            pull.url,
            pull.branch
                .as_deref()
                .map(|b| format!(" {b}"))
                .unwrap_or_default()
        )));
    }
    if rev.patches.is_empty() {
        return Err(Error::Invalid(format!(
            "series {} {} has no patches (only its cover letter arrived)",
            series.id,
            rev.label()
        )));
    }
    if let Some(t) = &opts.link
        && !t.contains("%s")
    {
        return Err(Error::Invalid(format!(
            "link template `{t}` has no %s for the Message-ID"
        )));
    }
    let mut warnings = Vec::new();
    let latest = series.latest();
    let newer = (!std::ptr::eq(latest, rev)).then_some(latest.version);
    if let Some(v) = newer {
        warnings.push(format!(
            "{} exists (sent after {}); use -v {v} for it",
            latest.label(),
            rev.label()
        ));
    }
    if !rev.complete() {
        if !opts.partial {
            return Err(Error::Incomplete {
                series: series.id.clone(),
                label: rev.label(),
                missing: rev.missing.clone(),
                total: rev.total,
            });
        }
        warnings.push(format!(
            "{} is incomplete: {} missing; writing {} of {} patches",
            rev.label(),
            crate::series::slot_ranges(&rev.missing),
            rev.patches.len(),
            rev.total
        ));
    }
    for extra in &rev.extra {
        warnings.push(format!(
            "left out <{}> \"{}\": its slot is taken by another patch of {}",
            extra.message_id,
            extra.subject,
            rev.label()
        ));
    }
    let mut out = AmOutput {
        mbox: Vec::new(),
        cover: None,
        series: series.id.clone(),
        version: rev.version,
        label: rev.label(),
        subject: rev.subject.clone(),
        author: rev.author.clone(),
        total: rev.total,
        name: file_name(rev),
        base_commit: rev.base_commit.clone(),
        cover_message_id: rev.cover.as_ref().map(|c| c.message_id.clone()),
        patches: Vec::new(),
        missing: rev.missing.clone(),
        trailers_added: 0,
        newer,
        warnings,
    };
    let cover = rev.cover.as_ref().filter(|_| opts.cover);
    let wanted: Vec<&crate::series::MailRef> = cover
        .into_iter()
        .chain(rev.patches.iter().map(|p| &p.mail))
        .collect();
    let mut raws = crate::interdiff::read_raws(index, &wanted)?.into_iter();
    if cover.is_some()
        && let Some(raw) = raws.next()
    {
        out.cover = Some(mbox::raw_entry(&raw));
    }
    for (p, raw) in rev.patches.iter().zip(raws) {
        let info = mbox::mailinfo(&raw).map_err(|e| Error::Command {
            what: format!("patch {}/{} <{}>", p.counter, rev.total, p.mail.message_id),
            message: e,
        })?;
        if let Some(w) = &info.warning {
            out.warnings.push(format!(
                "{}/{} <{}>: {w}",
                p.counter, rev.total, p.mail.message_id
            ));
        }
        if info.patch.is_empty() {
            out.warnings.push(format!(
                "{}/{} <{}>: git finds no diff in it; git am will stop there",
                p.counter, rev.total, p.mail.message_id
            ));
        }
        let mut new: Vec<Trailer> = Vec::new();
        if !opts.no_trailers {
            // b4's order: replies to the patch, then those carried from an
            // earlier revision (also replies to the patch), then the cover's.
            let mut collected: Vec<&crate::series::CollectedTrailer> = p.trailers.iter().collect();
            collected.sort_by_key(|c| match c.via {
                Via::Patch | Via::Reply => 0,
                Via::Carried => 1,
                Via::Cover => 2,
            });
            new.extend(collected.into_iter().map(|c| c.trailer.clone()));
            if opts.all_trailers {
                new.extend(p.someone_else.iter().map(|c| c.trailer.clone()));
            } else {
                for c in &p.someone_else {
                    let why = if c.trailer.has_hidden_characters() {
                        "it holds control or invisible characters".to_string()
                    } else {
                        format!("sent by {}", c.sender)
                    };
                    out.warnings.push(format!(
                        "{}/{}: left out {} ({why}; --all-trailers adds it)",
                        p.counter,
                        rev.total,
                        c.line(),
                    ));
                }
            }
        }
        if let Some(t) = &opts.link {
            new.push(mbox::new_trailer(
                TrailerKind::Link,
                &t.replace("%s", &p.mail.message_id),
            ));
        }
        let with =
            mbox::insert_trailers(&info.subject, &info.message, &new, opts.signoff.as_deref());
        for t in new.iter().filter(|t| t.kind == TrailerKind::NackedBy) {
            out.warnings.push(format!(
                "{}/{} has an objection: {}",
                p.counter,
                rev.total,
                t.to_line()
            ));
        }
        let subject = format!("{} {}", am_prefix(rev, p.counter), info.subject);
        let mut body = mbox::inbody_guard(&info, &with.message);
        body.extend_from_slice(&with.message);
        body.extend_from_slice(&info.patch);
        out.mbox
            .extend_from_slice(&mbox::compose(&info, &subject, &p.mail.message_id, &body));
        out.trailers_added += with.added.len();
        out.patches.push(AmPatch {
            counter: p.counter,
            subject,
            message_id: p.mail.message_id.clone(),
            author: if info.author.is_empty() {
                info.email.clone()
            } else {
                format!("{} <{}>", info.author, info.email)
            },
            trailers_added: with.added,
            inherited: p.inherited,
        });
    }
    Ok(out)
}

/// [`am_mbox`], then [`apply_mbox`]: the revision on a new branch of the
/// repository in `opts`.
pub fn apply(
    index: &Index,
    series: &Series,
    am: &AmOptions,
    opts: &ApplyOptions,
) -> Result<ApplyReport> {
    let out = am_mbox(index, series, am)?;
    apply_mbox(&out, opts)
}

/// `[PATCH v3 2/5]` as b4 writes it: `RFC` when the revision is one, the
/// version unless it was only inferred, the counter unless the revision is
/// a single patch.
fn am_prefix(rev: &Revision, counter: u32) -> String {
    let mut parts = vec!["PATCH".to_string()];
    if rev.rfc {
        parts.push("RFC".into());
    }
    if !rev.version_inferred {
        parts.push(format!("v{}", rev.version));
    }
    if rev.total > 1 {
        parts.push(format!("{counter}/{}", rev.total));
    }
    format!("[{}]", parts.join(" "))
}

/// The revision asked for, or the latest.
pub fn pick_revision(series: &Series, version: Option<u32>) -> Result<&Revision> {
    match version {
        None => Ok(series.latest()),
        Some(v) => series.revision(v).ok_or_else(|| {
            let have: Vec<String> = series.revisions.iter().map(|r| r.label()).collect();
            Error::Invalid(format!(
                "series {} has no v{v} (it has {})",
                series.id,
                have.join(", ")
            ))
        }),
    }
}

/// `v3-20240501-short-subject`: the revision, the day it was sent and its
/// subject as a slug; a valid branch and file name.
pub fn file_name(rev: &Revision) -> String {
    let day = chrono::DateTime::from_timestamp(rev.date, 0)
        .map(|d| d.format("%Y%m%d").to_string())
        .unwrap_or_else(|| "00000000".into());
    let slug = slug(&rev.subject, 40);
    let slug = if slug.is_empty() { "series" } else { &slug };
    format!("v{}-{day}-{slug}", rev.version)
}

/// Lower-case ASCII letters and digits joined by single dashes, at most
/// `max` bytes, cut at a dash when it has to be cut.
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    if out.len() > max {
        let cut = out[..max]
            .rfind('-')
            .filter(|&i| i > max / 2)
            .unwrap_or(max);
        out.truncate(cut);
    }
    out
}

/// Where the cover letter goes beside an mbox: `NAME.cover` for
/// `NAME.mbx` (b4's names).
pub fn cover_path(mbox: &Path) -> PathBuf {
    mbox.with_extension("cover")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_branch_names() {
        assert_eq!(
            slug("kbuild: Fix the `make dtbs` target!", 40),
            "kbuild-fix-the-make-dtbs-target"
        );
        assert_eq!(slug("--", 40), "");
        assert_eq!(
            slug("a very long subject that goes on and on and on forever", 20),
            "a-very-long-subject"
        );
        assert_eq!(slug("Ünïcode only ÄÖ", 40), "n-code-only");
    }
}
