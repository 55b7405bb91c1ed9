//! What changed between two revisions of a series.
//!
//! Patches of the old and the new revision are paired by normalised subject,
//! then by how similar their diffs are (so a reworded subject still pairs),
//! and the rest count as dropped or added. Each pair gets a diff of its two
//! patches, range-diff style: the outer `+`/`-` says what changed between
//! revisions, the inner one is the patch's own; line numbers in hunk headers
//! and `index` lines are ignored, so a rebase alone reads as "unchanged".
//! When both revisions name a `base-commit:` present in a local repository,
//! [`tree`] also applies each on its base in a temporary index (never the
//! user's branches, index or working tree) and diffs the resulting trees.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use similar::{Algorithm, ChangeTag, TextDiff};

use crate::mail::Message;

mod pairing;

pub use pairing::pair;

/// Settings for [`between`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Lines of context around each change in a pair's diff.
    pub context: usize,
    /// A local repository for the tree interdiff (when both bases are in it).
    pub repo: Option<PathBuf>,
    /// Give up on refining one pair's diff after this long (huge patches).
    pub deadline: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            context: 3,
            repo: None,
            deadline: Duration::from_millis(500),
        }
    }
}

/// How a pair changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Identical up to line numbers and `index` lines.
    Same,
    Changed,
    /// Only in the new revision.
    Added,
    /// Only in the old revision.
    Dropped,
}

impl Status {
    /// git range-diff's mark: `=`, `!`, `>`, `<`.
    pub fn mark(self) -> char {
        match self {
            Status::Same => '=',
            Status::Changed => '!',
            Status::Added => '>',
            Status::Dropped => '<',
        }
    }
}

/// One side of a pair.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Side {
    pub counter: u32,
    pub subject: String,
    pub message_id: String,
}

/// What a line of a pair's diff shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineKind {
    /// A line of the commit message.
    Message,
    /// `## path ##` or `## Commit message ##`.
    FileHeader,
    /// `@@ section`: the outer hunk header.
    HunkHeader,
    /// An inner context line.
    Context,
    /// An inner `+` line.
    Added,
    /// An inner `-` line.
    Removed,
    /// A remark from putt (a diff cut short, say).
    Note,
}

/// One line of a pair's diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `' '` (unchanged between revisions), `'-'` (only old), `'+'` (only new).
    pub outer: char,
    pub kind: LineKind,
    /// The patch's own line, inner marker included.
    pub text: String,
}

/// A patch of the old revision and its counterpart in the new.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    pub status: Status,
    pub old: Option<Side>,
    pub new: Option<Side>,
    /// Empty unless `status` is `Changed`.
    pub lines: Vec<Line>,
}

impl Pair {
    /// `1: = 1: subject`, `-: > 3: subject`, `4: < -: subject`.
    pub fn summary(&self) -> String {
        let n = |s: &Option<Side>| {
            s.as_ref()
                .map_or("-".to_string(), |s| s.counter.to_string())
        };
        let subject = self
            .new
            .as_ref()
            .or(self.old.as_ref())
            .map_or("", |s| s.subject.as_str());
        format!(
            "{}: {} {}: {}",
            n(&self.old),
            self.status.mark(),
            n(&self.new),
            subject
        )
    }
}

/// The interdiff of two revisions.
#[derive(Debug, Clone, Serialize)]
pub struct Interdiff {
    /// Label of the old revision (`v2`).
    pub from: String,
    /// Label of the new revision (`v3`).
    pub to: String,
    pub pairs: Vec<Pair>,
    /// The diff of the resulting trees, when both bases were available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<TreeDiff>,
    /// Why the tree interdiff is missing, incompleteness, and such.
    pub notes: Vec<String>,
}

/// A patch reduced to what the interdiff compares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchText {
    pub counter: u32,
    pub message_id: String,
    /// Normalised subject (no `[PATCH ...]`).
    pub subject: String,
    /// The commit message body (after the subject, up to `---`).
    pub message: String,
    /// The diff, without `index` lines or hunk line numbers.
    pub diff: String,
    /// The diff as sent, for the tree interdiff.
    pub raw_diff: String,
}

impl PatchText {
    /// Reduces a parsed patch mail.
    pub fn from_message(counter: u32, m: &Message) -> PatchText {
        let body = m
            .diff
            .diff_start
            .map_or(m.body.as_str(), |s| &m.body[..s.min(m.body.len())]);
        PatchText {
            counter,
            message_id: m.message_id.clone(),
            subject: m.subject_info.normalized.clone(),
            message: commit_message(body),
            diff: m
                .diff
                .diff_start
                .map(|s| normalize_diff(&m.body[s.min(m.body.len())..]))
                .unwrap_or_default(),
            raw_diff: m
                .diff
                .diff_start
                .map(|s| m.body[s.min(m.body.len())..].to_string())
                .unwrap_or_default(),
        }
    }

    /// The text two patches are compared as, range-diff style.
    fn comparable(&self) -> String {
        let mut s = String::from("## Commit message ##\n");
        s.push_str(&format!("    {}\n", self.subject));
        if !self.message.is_empty() {
            s.push_str("    \n");
            for l in self.message.lines() {
                s.push_str(&format!("    {l}\n"));
            }
        }
        s.push_str(&self.diff);
        s
    }
}

/// The commit message of a patch mail body: after in-body pseudo-headers,
/// up to the `---` line (or the diff), trailing blank lines dropped.
fn commit_message(body: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let mut in_pseudo = true;
    for line in body.lines() {
        let line = line.trim_end_matches('\r');
        if in_pseudo {
            let l = line.to_ascii_lowercase();
            if l.starts_with("from:") || l.starts_with("date:") || l.starts_with("subject:") {
                continue;
            }
            if line.is_empty() && lines.is_empty() {
                continue;
            }
            in_pseudo = false;
        }
        if line == "---" || line.starts_with("diff --git ") {
            break;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// A diff without what changes when nothing does: `index` lines, hunk line
/// numbers, the trailing signature; file headers become `## path ##`.
pub fn normalize_diff(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len());
    let mut path = String::new();
    for line in diff.lines() {
        let line = line.trim_end_matches('\r');
        if line == "-- " {
            break;
        }
        if let Some(rest) = line.strip_prefix("diff --git ") {
            path = rest.split(" b/").nth(1).unwrap_or(rest).to_string();
            out.push_str(&format!("## {path} ##\n"));
            continue;
        }
        if line.starts_with("index ") || line.starts_with("--- ") || line.starts_with("+++ ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("@@ ") {
            let section = rest.split_once(" @@").map_or("", |(_, s)| s.trim());
            if section.is_empty() {
                out.push_str(&format!("@@ {path}\n"));
            } else {
                out.push_str(&format!("@@ {path}: {section}\n"));
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The diff of two patches (empty when they are the same).
pub fn diff_patches(
    old: &PatchText,
    new: &PatchText,
    context: usize,
    deadline: Duration,
) -> (Status, Vec<Line>) {
    let a = old.comparable();
    let b = new.comparable();
    if a == b {
        return (Status::Same, Vec::new());
    }
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(deadline)
        .diff_lines(a.as_str(), b.as_str());
    let old_lines: Vec<&str> = a.lines().collect();
    let new_lines: Vec<&str> = b.lines().collect();
    let mut out = Vec::new();
    for group in diff.grouped_ops(context) {
        // The section (file or commit message) the group starts in.
        let first_old = group.first().map_or(0, |op| op.old_range().start);
        let section = old_lines[..first_old.min(old_lines.len())]
            .iter()
            .rev()
            .find(|l| l.starts_with("## ") || l.starts_with("@@ "))
            .copied()
            .or_else(|| {
                let first_new = group.first().map_or(0, |op| op.new_range().start);
                new_lines[..first_new.min(new_lines.len())]
                    .iter()
                    .rev()
                    .find(|l| l.starts_with("## ") || l.starts_with("@@ "))
                    .copied()
            })
            .unwrap_or("## Commit message ##");
        out.push(Line {
            outer: ' ',
            kind: LineKind::HunkHeader,
            text: format!(
                "@@ {}",
                section
                    .trim_start_matches("## ")
                    .trim_end_matches(" ##")
                    .trim_start_matches("@@ ")
            ),
        });
        for op in &group {
            for change in diff.iter_changes(op) {
                let outer = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
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
    (Status::Changed, out)
}

fn kind_of(text: &str) -> LineKind {
    if text.starts_with("## ") {
        LineKind::FileHeader
    } else if text.starts_with("@@ ") {
        LineKind::HunkHeader
    } else if text.starts_with("    ") || text.is_empty() {
        LineKind::Message
    } else if text.starts_with('+') {
        LineKind::Added
    } else if text.starts_with('-') {
        LineKind::Removed
    } else {
        LineKind::Context
    }
}

/// The diff between the trees two revisions produce.
#[derive(Debug, Clone, Serialize)]
pub struct TreeDiff {
    pub base_from: String,
    pub base_to: String,
    pub tree_from: String,
    pub tree_to: String,
    /// `git diff` of the two trees, without colour.
    pub diff: String,
}

impl TreeDiff {
    /// The diff, coloured like git's when asked; mail text is sanitised.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for line in self.diff.lines() {
            let line = crate::text::sanitize_line(line);
            let code = if !color {
                ""
            } else if line.starts_with("diff --git")
                || line.starts_with("index ")
                || line.starts_with("--- ")
                || line.starts_with("+++ ")
            {
                "\x1b[1m"
            } else if line.starts_with("@@") {
                "\x1b[36m"
            } else if line.starts_with('+') {
                "\x1b[32m"
            } else if line.starts_with('-') {
                "\x1b[31m"
            } else {
                ""
            };
            if code.is_empty() {
                out.push_str(&line);
            } else {
                out.push_str(&format!("{code}{line}\x1b[m"));
            }
            out.push('\n');
        }
        out
    }
}

/// Pairs and diffs two lists of patches (no index needed: tests use this).
pub fn compare(old: &[PatchText], new: &[PatchText], opts: &Options) -> Interdiff {
    let side = |p: &PatchText| Side {
        counter: p.counter,
        subject: p.subject.clone(),
        message_id: p.message_id.clone(),
    };
    let pairs = pair(old, new, 0.4)
        .into_iter()
        .map(|pair| match pair {
            (Some(i), Some(j)) => {
                let (status, lines) = diff_patches(&old[i], &new[j], opts.context, opts.deadline);
                Pair {
                    status,
                    old: Some(side(&old[i])),
                    new: Some(side(&new[j])),
                    lines,
                }
            }
            (Some(i), None) => Pair {
                status: Status::Dropped,
                old: Some(side(&old[i])),
                new: None,
                lines: Vec::new(),
            },
            (None, Some(j)) => Pair {
                status: Status::Added,
                old: None,
                new: Some(side(&new[j])),
                lines: Vec::new(),
            },
            (None, None) => Pair {
                status: Status::Same,
                old: None,
                new: None,
                lines: Vec::new(),
            },
        })
        .collect();
    Interdiff {
        from: String::new(),
        to: String::new(),
        pairs,
        tree: None,
        notes: Vec::new(),
    }
}

/// Colours, as git's defaults.
mod ansi {
    pub const RESET: &str = "\x1b[m";
    pub const BOLD: &str = "\x1b[1m";
    pub const DIM: &str = "\x1b[2m";
    pub const RED: &str = "\x1b[31m";
    pub const GREEN: &str = "\x1b[32m";
    pub const YELLOW: &str = "\x1b[33m";
    pub const CYAN: &str = "\x1b[36m";
}

/// Renders an interdiff as text: the summary, then each changed pair.
/// With `color`, git's default colours; mail text is sanitised either way.
pub fn render(d: &Interdiff, color: bool, stat: bool) -> String {
    use crate::text::sanitize_line;
    let paint = |code: &str, s: &str| {
        if color {
            format!("{code}{s}{}", ansi::RESET)
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    out.push_str(&paint(
        ansi::BOLD,
        &format!("interdiff {} -> {}", d.from, d.to),
    ));
    out.push('\n');
    for n in &d.notes {
        out.push_str(&format!("note: {}\n", sanitize_line(n)));
    }
    for p in &d.pairs {
        let line = sanitize_line(&p.summary());
        let code = match p.status {
            Status::Same => ansi::YELLOW,
            Status::Changed => ansi::BOLD,
            Status::Added => ansi::GREEN,
            Status::Dropped => ansi::RED,
        };
        out.push_str(&paint(code, &line));
        if stat && p.status == Status::Changed {
            let plus = p.lines.iter().filter(|l| l.outer == '+').count();
            let minus = p.lines.iter().filter(|l| l.outer == '-').count();
            out.push_str(&format!("  (+{plus} -{minus})"));
        }
        out.push('\n');
    }
    if stat {
        return out;
    }
    for p in d.pairs.iter().filter(|p| p.status == Status::Changed) {
        out.push('\n');
        out.push_str(&paint(ansi::BOLD, &sanitize_line(&p.summary())));
        out.push('\n');
        for l in &p.lines {
            // Tabs stay: code is indented with them.
            let text = crate::text::sanitize(&l.text).replace('\n', " ");
            let rendered = match (l.outer, l.kind) {
                (_, LineKind::HunkHeader) if l.outer == ' ' => {
                    paint(ansi::CYAN, &format!("    {text}"))
                }
                ('-', _) => paint(ansi::RED, &format!("    -{text}")),
                ('+', _) => paint(ansi::GREEN, &format!("    +{text}")),
                (_, LineKind::FileHeader) => paint(ansi::BOLD, &format!("     {text}")),
                (_, LineKind::Added) => paint(
                    &format!("{}{}", ansi::DIM, ansi::GREEN),
                    &format!("     {text}"),
                ),
                (_, LineKind::Removed) => paint(
                    &format!("{}{}", ansi::DIM, ansi::RED),
                    &format!("     {text}"),
                ),
                _ => format!("     {text}"),
            };
            out.push_str(&rendered);
            out.push('\n');
        }
    }
    if let Some(t) = &d.tree {
        out.push('\n');
        out.push_str(&paint(
            ansi::BOLD,
            &format!(
                "tree interdiff: {} on {} -> {} on {}",
                d.from, t.base_from, d.to, t.base_to
            ),
        ));
        out.push('\n');
        out.push_str(&t.render(color));
    }
    out
}
