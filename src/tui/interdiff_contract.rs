//! ADAPTER — TEMPORARY. The interdiff view is written against the contract
//! of `putt::interdiff` (being built on main by the lead); until it lands
//! this module mirrors its types and stands in for `between` with a plain
//! pairing by patch number and a line diff of the two patch mails (via
//! `similar`). When `putt::interdiff` lands: delete this file and point the
//! `use super::interdiff_contract as interdiff` lines (event.rs,
//! views/interdiff.rs) at `crate::interdiff`.

use crate::error::Result;
use crate::index::Index;
use crate::series::{Revision, Series};

/// Options of an interdiff (the contract's; nothing to set in the stand-in).
#[derive(Debug, Clone, Default)]
pub struct Options {}

/// How a patch fared between the two revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Same,
    Changed,
    Added,
    Dropped,
}

/// One side of a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub counter: u32,
    pub subject: String,
    pub message_id: String,
}

/// What a line of the diff of diffs is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Message,
    FileHeader,
    HunkHeader,
    Context,
    Added,
    Removed,
    Note,
}

/// One line: `outer` is the change between revisions (' ', '+', '-'),
/// `text` the line of the patch itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub outer: char,
    pub kind: LineKind,
    pub text: String,
}

/// A patch of the old revision paired with one of the new.
#[derive(Debug, Clone)]
pub struct Pair {
    pub status: Status,
    pub old: Option<Side>,
    pub new: Option<Side>,
    pub lines: Vec<Line>,
}

impl Pair {
    /// `1: = 1: subject`, as `git range-diff` prints it.
    pub fn summary(&self) -> String {
        let mark = match self.status {
            Status::Same => '=',
            Status::Changed => '!',
            Status::Added => '>',
            Status::Dropped => '<',
        };
        let n = |s: &Option<Side>| {
            s.as_ref()
                .map_or("-".to_string(), |s| s.counter.to_string())
        };
        let subject = self
            .new
            .as_ref()
            .or(self.old.as_ref())
            .map_or("", |s| s.subject.as_str());
        format!("{}: {mark} {}: {subject}", n(&self.old), n(&self.new))
    }
}

/// The interdiff of two revisions.
#[derive(Debug, Clone)]
pub struct Interdiff {
    pub from: String,
    pub to: String,
    pub pairs: Vec<Pair>,
    pub tree: Option<String>,
    pub notes: Vec<String>,
}

/// Stand-in for `putt::interdiff::between`: pairs patches by number and
/// diffs the two mails' bodies line by line.
pub fn between(
    index: &Index,
    _series: &Series,
    from: &Revision,
    to: &Revision,
    _opts: &Options,
) -> Result<Interdiff> {
    let body = |message_id: &str| -> Result<String> {
        let Some(m) = index.by_message_id(message_id)?.into_iter().next() else {
            return Ok(String::new());
        };
        let raw = index.raw_message(&m)?;
        Ok(crate::mail::Message::parse(&raw).body)
    };
    let side = |p: &crate::series::Patch| Side {
        counter: p.counter,
        subject: crate::subject::parse_subject(&p.mail.subject).normalized,
        message_id: p.mail.message_id.clone(),
    };
    let mut counters: Vec<u32> = from
        .patches
        .iter()
        .chain(to.patches.iter())
        .map(|p| p.counter)
        .collect();
    counters.sort_unstable();
    counters.dedup();
    let mut pairs = Vec::new();
    for n in counters {
        let old = from.patches.iter().find(|p| p.counter == n);
        let new = to.patches.iter().find(|p| p.counter == n);
        let pair = match (old, new) {
            (Some(o), Some(nw)) => {
                let same_id = o.mail.patch_id.is_some() && o.mail.patch_id == nw.mail.patch_id;
                let (a, b) = (body(&o.mail.message_id)?, body(&nw.mail.message_id)?);
                let lines = if same_id || a == b {
                    Vec::new()
                } else {
                    diff_lines(&a, &b)
                };
                Pair {
                    status: if lines.is_empty() {
                        Status::Same
                    } else {
                        Status::Changed
                    },
                    old: Some(side(o)),
                    new: Some(side(nw)),
                    lines,
                }
            }
            (Some(o), None) => Pair {
                status: Status::Dropped,
                old: Some(side(o)),
                new: None,
                lines: whole(&body(&o.mail.message_id)?, '-'),
            },
            (None, Some(nw)) => Pair {
                status: Status::Added,
                old: None,
                new: Some(side(nw)),
                lines: whole(&body(&nw.mail.message_id)?, '+'),
            },
            (None, None) => continue,
        };
        pairs.push(pair);
    }
    Ok(Interdiff {
        from: from.label(),
        to: to.label(),
        pairs,
        tree: None,
        notes: vec![
            "stand-in interdiff (pairs by patch number); putt::interdiff replaces it".into(),
        ],
    })
}

fn kind_of(text: &str) -> LineKind {
    if text.starts_with("diff --git")
        || text.starts_with("--- ")
        || text.starts_with("+++ ")
        || text.starts_with("index ")
    {
        LineKind::FileHeader
    } else if text.starts_with("@@") {
        LineKind::HunkHeader
    } else if text.starts_with('+') {
        LineKind::Added
    } else if text.starts_with('-') {
        LineKind::Removed
    } else if text.starts_with(' ') {
        LineKind::Context
    } else {
        LineKind::Message
    }
}

fn whole(body: &str, outer: char) -> Vec<Line> {
    body.lines()
        .map(|l| Line {
            outer,
            kind: kind_of(l),
            text: l.to_string(),
        })
        .collect()
}

fn diff_lines(a: &str, b: &str) -> Vec<Line> {
    let diff = similar::TextDiff::configure()
        .timeout(std::time::Duration::from_millis(200))
        .diff_lines(a, b);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(3).iter().enumerate() {
        if i > 0 {
            out.push(Line {
                outer: ' ',
                kind: LineKind::Note,
                text: "…".into(),
            });
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let outer = match change.tag() {
                    similar::ChangeTag::Equal => ' ',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                };
                let text = change.value().trim_end_matches('\n').to_string();
                out.push(Line {
                    outer,
                    kind: kind_of(&text),
                    text,
                });
            }
        }
    }
    out
}
