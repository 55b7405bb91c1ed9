//! Export (`e`) and apply (`a`) on a worker, with the calls `putt am` and
//! `putt apply` make: `putt::apply::am_revision` for the revision the user
//! is on, then `files::write` or `apply_mbox`. What they did comes back as a
//! one-line message and, for apply, a report the UI shows as a page.

use std::path::{Path, PathBuf};

use super::ui::clean_body_line;
use super::ui::pager::PagerLine;
use crate::error::{Error, Result};
use putt_core::series::{Revision, Series};
use putt_ops::am::AmFlags;
use putt_ops::am::AmOutput;
use putt_ops::apply::{self, ApplyOptions, ApplyReport, BaseSource};
use putt_ops::config::Config;
use putt_ops::index::Index;

/// What a git job did.
#[derive(Debug, Clone)]
pub struct GitOutcome {
    /// For the message line.
    pub message: String,
    pub error: bool,
    /// A page to show: (title, lines).
    pub report: Option<(String, Vec<PagerLine>)>,
    /// Series group otherwise now (a link or a split): what is shown of
    /// them is stale.
    pub regrouped: bool,
}

/// `v3-20240501-short-subject`: the default branch and file name.
pub fn default_name(rev: &Revision) -> String {
    putt_ops::am::file_name(rev)
}

/// Writes a revision as an mbox for `git am`.
pub fn export(
    index: &Index,
    config: &Config,
    series: &Series,
    rev: usize,
    path: &Path,
) -> Result<GitOutcome> {
    let rev = series
        .revisions
        .get(rev)
        .ok_or(Error::Gone("the revision"))?;
    let out = putt_ops::am::mbox(index, config, series, rev, &AmFlags::default(), None)?;
    putt_ops::write_file(path, &out.mbox)?;
    let warnings = if out.warnings.is_empty() {
        String::new()
    } else {
        let notes: Vec<String> = out.warnings.iter().map(ToString::to_string).collect();
        format!(" Note: {}", notes.join("; "))
    };
    Ok(GitOutcome {
        message: format!(
            "Wrote {} patch(es), {} trailer(s) added, to {}: git am {}.{warnings}",
            out.patches.len(),
            out.trailers_added,
            path.display(),
            path.display()
        ),
        error: false,
        report: None,
        regrouped: false,
    })
}

/// Applies a revision to `repo` on a new branch.
pub fn apply(
    index: &Index,
    config: &Config,
    series: &Series,
    rev: usize,
    repo: &Path,
    branch: &str,
) -> Result<GitOutcome> {
    let rev = series
        .revisions
        .get(rev)
        .ok_or(Error::Gone("the revision"))?;
    let am = putt_ops::am::mbox(index, config, series, rev, &AmFlags::default(), Some(repo))?;
    let opts = ApplyOptions {
        repo: repo.to_path_buf(),
        branch: Some(branch.to_string()),
        ..ApplyOptions::default()
    };
    let report = apply::apply_mbox(&am, &opts)?;
    let message = match &report.failed {
        None => format!(
            "Applied {} patch(es) on branch {} in {}.",
            report.applied.len(),
            report.branch,
            report.repo.display()
        ),
        Some(f) => format!(
            "{} does not apply: the repository is as it was (see the report).",
            f.subject
        ),
    };
    Ok(GitOutcome {
        message,
        error: !report.ok(),
        report: Some((
            format!(
                "Apply {} to {}",
                report.am.label,
                PathBuf::from(&report.repo).display()
            ),
            report_lines(&report),
        )),
        regrouped: false,
    })
}

/// Makes the series `later` names a later revision of `earlier`'s
/// ([`putt_ops::link::link`]).
pub fn link(
    index: &Index,
    data_dir: &Path,
    now: i64,
    earlier: &str,
    later: &str,
) -> Result<GitOutcome> {
    let done = putt_ops::link::link(index, data_dir, now, earlier, later)?;
    Ok(regrouped("Linked", &done.series))
}

/// Splits the revision starting at `root` off its series
/// ([`putt_ops::link::unlink`]).
pub fn unlink(index: &Index, data_dir: &Path, now: i64, root: &str) -> Result<GitOutcome> {
    let done = putt_ops::link::unlink(index, data_dir, now, root, None)?;
    Ok(regrouped("Split", &done.series))
}

/// `Linked: series 1a2b3c (v1, v2, v3).` for the message line.
fn regrouped(what: &str, series: &[putt_core::series::Series]) -> GitOutcome {
    let each: Vec<String> = series
        .iter()
        .map(|s| {
            let labels: Vec<String> = s.revisions.iter().map(|r| r.label()).collect();
            format!("series {} ({})", s.id, labels.join(", "))
        })
        .collect();
    GitOutcome {
        message: format!("{what}: {}.", each.join("; ")),
        error: false,
        report: None,
        regrouped: true,
    }
}

/// The apply report as `putt apply` prints it, with roles.
pub fn report_lines(r: &ApplyReport) -> Vec<PagerLine> {
    let line = |role: &'static str, text: String| PagerLine::new(role, clean_body_line(&text));
    let mut out = Vec::new();
    if let Some(rec) = &r.recovered {
        out.push(line(
            "trailer.suspicious",
            if rec.finished {
                format!(
                    "An interrupted apply had applied every patch: branch {} is kept.",
                    rec.branch
                )
            } else {
                format!(
                    "An interrupted apply was undone first: branch {} removed.",
                    rec.branch
                )
            },
        ));
        for w in &rec.warnings {
            out.push(line("trailer.suspicious", format!("warning: {w}")));
        }
        out.push(PagerLine::blank());
    }
    out.extend(am_lines(&r.am));
    let base = &r.base[..12.min(r.base.len())];
    let source = match r.base_source {
        BaseSource::BaseCommit => "the series' base-commit",
        BaseSource::Given => "given",
        BaseSource::Head => "HEAD",
    };
    out.push(PagerLine::blank());
    out.push(line("header.name", format!("Base: {base} ({source})")));
    if let Some(n) = &r.base_note {
        out.push(line("interdiff.note", format!("note: {n}")));
    }
    match &r.failed {
        None => {
            let place = match &r.worktree {
                Some(w) => format!(" in the worktree {}", w.display()),
                None => String::new(),
            };
            out.push(line(
                "trailer",
                format!(
                    "Applied {} patch(es) on branch {}{place}:",
                    r.applied.len(),
                    r.branch
                ),
            ));
            for a in &r.applied {
                out.push(line(
                    "normal",
                    format!("  {} {}", &a.commit[..12.min(a.commit.len())], a.subject),
                ));
            }
        }
        Some(f) => {
            out.push(line(
                "error",
                format!(
                    "Failed: {} <{}> does not apply on {base}:",
                    f.subject, f.message_id
                ),
            ));
            for l in f.message.lines() {
                out.push(line("diff.remove", format!("  {l}")));
            }
            out.push(line(
                "normal",
                format!(
                    "The am was aborted and branch {} removed; {} is as it was. `putt apply` can try -3 or --base.",
                    r.branch,
                    r.repo.display()
                ),
            ));
        }
    }
    for w in &r.warnings {
        out.push(line("trailer.suspicious", format!("warning: {w}")));
    }
    out
}

/// The mbox's patches with the trailers each gets, then the warnings.
fn am_lines(am: &AmOutput) -> Vec<PagerLine> {
    let line = |role: &'static str, text: String| PagerLine::new(role, clean_body_line(&text));
    let mut out = vec![line(
        "title",
        format!(
            "{} {} of {}: {}",
            am.series, am.label, am.author, am.subject
        ),
    )];
    for p in &am.patches {
        let from = if p.inherited {
            "  (from the earlier revision)"
        } else {
            ""
        };
        out.push(line("normal", format!("  {}{from}", p.subject)));
        for t in &p.trailers_added {
            for l in t.lines() {
                out.push(line("trailer", format!("    + {l}")));
            }
        }
    }
    if let Some(b) = &am.base_commit {
        out.push(line("list.dim", format!("  base-commit: {b}")));
    }
    for w in &am.warnings {
        out.push(line("trailer.suspicious", format!("warning: {w}")));
    }
    out
}
