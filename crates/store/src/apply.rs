//! Apply: a revision of a series as an mbox ready for `git am`, with the
//! trailers reviewers sent, and that mbox applied to a local tree on a new
//! branch, b4 am / b4 shazam's job, offline.
//!
//! The API, for the use cases `putt am`, `putt apply` and the TUI's
//! export and apply (in `putt-ops`, which picks the revision):
//!
//! - [`am_revision`]`(index, series, rev, &AmOptions) -> AmOutput`: one
//!   revision, patches in order, each with its collected trailers added to
//!   its trailer block. The order is b4's:
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
//!   What the user should know comes as [`AmWarning`]s.
//! - [`apply`]`(index, series, rev, &AmOptions, &ApplyOptions) -> ApplyReport`:
//!   [`am_revision`], then [`apply_mbox`]: a new branch at the series'
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
    pub warnings: Vec<AmWarning>,
}

/// Something about an mbox the user should know. Written as a sentence;
/// a front end adds what to do about it in its own terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmWarning {
    /// A revision was sent after this one.
    Newer {
        /// `v3`, and its version.
        newer: String,
        version: u32,
        /// This revision's label.
        this: String,
    },
    /// An incomplete revision, written as far as it arrived.
    Partial {
        label: String,
        missing: Vec<u32>,
        written: usize,
        total: u32,
    },
    /// A second patch for a slot, left out.
    SlotTaken {
        message_id: String,
        subject: String,
        label: String,
    },
    /// How `git mailinfo` read a patch.
    MailInfo {
        counter: u32,
        total: u32,
        message_id: String,
        note: String,
    },
    /// git finds no diff in a patch: `git am` stops there.
    NoDiff {
        counter: u32,
        total: u32,
        message_id: String,
    },
    /// A collected trailer left out, and why.
    LeftOut {
        counter: u32,
        total: u32,
        /// `Reviewed-by: Name <addr>`.
        line: String,
        why: LeftOutWhy,
    },
    /// A patch has a `Nacked-by:`.
    Objection {
        counter: u32,
        total: u32,
        line: String,
    },
}

/// Why a trailer was left out of an mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftOutWhy {
    /// It names someone other than its sender (`sent by` this sender).
    Sender(String),
    /// It holds control, bidi or zero-width characters.
    HiddenCharacters,
}

impl std::fmt::Display for LeftOutWhy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LeftOutWhy::Sender(s) => write!(f, "sent by {s}"),
            LeftOutWhy::HiddenCharacters => f.write_str("it holds control or invisible characters"),
        }
    }
}

impl std::fmt::Display for AmWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AmWarning::Newer { newer, this, .. } => write!(f, "{newer} exists (sent after {this})"),
            AmWarning::Partial {
                label,
                missing,
                written,
                total,
            } => write!(
                f,
                "{label} is incomplete: {} missing; writing {written} of {total} patches",
                crate::series::slot_ranges(missing)
            ),
            AmWarning::SlotTaken {
                message_id,
                subject,
                label,
            } => write!(
                f,
                "left out <{message_id}> \"{subject}\": its slot is taken by another patch of {label}"
            ),
            AmWarning::MailInfo {
                counter,
                total,
                message_id,
                note,
            } => write!(f, "{counter}/{total} <{message_id}>: {note}"),
            AmWarning::NoDiff {
                counter,
                total,
                message_id,
            } => write!(
                f,
                "{counter}/{total} <{message_id}>: git finds no diff in it; git am will stop there"
            ),
            AmWarning::LeftOut {
                counter,
                total,
                line,
                why,
            } => write!(f, "{counter}/{total}: left out {line} ({why})"),
            AmWarning::Objection {
                counter,
                total,
                line,
            } => write!(f, "{counter}/{total} has an objection: {line}"),
        }
    }
}

impl Serialize for AmWarning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
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
        return Err(Error::PullRequest {
            series: series.id.clone(),
            label: rev.label(),
            url: pull.url.clone(),
            branch: pull.branch.clone(),
        });
    }
    if rev.patches.is_empty() {
        return Err(Error::NoPatches {
            series: series.id.clone(),
            label: rev.label(),
        });
    }
    if let Some(t) = &opts.link
        && !t.contains("%s")
    {
        return Err(Error::BadLinkTemplate {
            template: t.clone(),
        });
    }
    let mut warnings = Vec::new();
    let latest = series.latest();
    let newer = (!std::ptr::eq(latest, rev)).then_some(latest.version);
    if let Some(version) = newer {
        warnings.push(AmWarning::Newer {
            newer: latest.label(),
            version,
            this: rev.label(),
        });
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
        warnings.push(AmWarning::Partial {
            label: rev.label(),
            missing: rev.missing.clone(),
            written: rev.patches.len(),
            total: rev.total,
        });
    }
    for extra in &rev.extra {
        warnings.push(AmWarning::SlotTaken {
            message_id: extra.message_id.clone(),
            subject: extra.subject.clone(),
            label: rev.label(),
        });
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
        let mut info = mbox::mailinfo(&raw).map_err(|e| Error::Command {
            what: format!("patch {}/{} <{}>", p.counter, rev.total, p.mail.message_id),
            message: e,
        })?;
        mbox::relay_author(&raw, &mut info);
        if let Some(w) = &info.warning {
            out.warnings.push(AmWarning::MailInfo {
                counter: p.counter,
                total: rev.total,
                message_id: p.mail.message_id.clone(),
                note: w.clone(),
            });
        }
        if info.patch.is_empty() {
            out.warnings.push(AmWarning::NoDiff {
                counter: p.counter,
                total: rev.total,
                message_id: p.mail.message_id.clone(),
            });
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
                    out.warnings.push(AmWarning::LeftOut {
                        counter: p.counter,
                        total: rev.total,
                        line: c.line(),
                        why: if c.trailer.has_hidden_characters() {
                            LeftOutWhy::HiddenCharacters
                        } else {
                            LeftOutWhy::Sender(c.sender.clone())
                        },
                    });
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
            out.warnings.push(AmWarning::Objection {
                counter: p.counter,
                total: rev.total,
                line: t.to_line(),
            });
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

/// [`am_revision`], then [`apply_mbox`]: `rev` on a new branch of the
/// repository in `opts`.
pub fn apply(
    index: &Index,
    series: &Series,
    rev: &Revision,
    am: &AmOptions,
    opts: &ApplyOptions,
) -> Result<ApplyReport> {
    let out = am_revision(index, series, rev, am)?;
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
