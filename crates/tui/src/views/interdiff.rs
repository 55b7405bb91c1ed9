//! The interdiff view: two revisions of a series compared by
//! `putt::interdiff`, their patches paired in one pane (`1: ! 1: subject`,
//! as `git range-diff` prints them), the diff of the diffs of the selected
//! pair in the other, and, when a configured repository holds both bases,
//! the diff of the resulting trees as a last entry. `[`/`]` walk the
//! pairs, `<`/`>` move the old side, `v` picks both revisions.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::pager::{Pager, PagerLine};
use super::{clean, clean_body_line, fit, pane_top, row_style};
use crate::app::App;
use putt_core::interdiff::{self, LineKind, Status};
use putt_core::series::Series;

/// Which pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Pairs,
    Diff,
}

/// The interdiff view's state.
#[derive(Debug, Clone)]
pub struct InterdiffState {
    pub series: Arc<Series>,
    /// Revision indexes (old, new side).
    pub from: usize,
    pub to: usize,
    pub result: Option<Arc<interdiff::Interdiff>>,
    /// The selected entry: a pair, or (one past the pairs) the tree diff.
    pub pair: usize,
    pub focus: Pane,
    /// The selected entry's lines.
    pub pager: Pager,
    pub waiting: Option<u64>,
    pub search: Option<String>,
}

impl InterdiffState {
    pub fn new(series: Arc<Series>, from: usize, to: usize) -> InterdiffState {
        InterdiffState {
            series,
            from,
            to,
            result: None,
            pair: 0,
            focus: Pane::Pairs,
            pager: Pager::default(),
            waiting: None,
            search: None,
        }
    }

    /// Pairs, plus one for the tree interdiff when there is one.
    pub fn entries(&self) -> usize {
        self.result
            .as_ref()
            .map_or(0, |r| r.pairs.len() + usize::from(r.tree.is_some()))
    }

    /// Rows the pairs pane takes.
    pub fn pairs_height(&self, body_height: usize) -> usize {
        let n = self
            .result
            .as_ref()
            .map_or(1, |r| self.entries() + r.notes.len());
        n.clamp(1, 8).min(body_height / 3).max(1)
    }

    /// Rows left for the diff pane.
    pub fn diff_height(&self, body_height: usize) -> usize {
        body_height.saturating_sub(3 + self.pairs_height(body_height))
    }

    /// The pair under the cursor (none on the tree entry).
    pub fn selected_pair(&self) -> Option<&interdiff::Pair> {
        self.result.as_ref().and_then(|r| r.pairs.get(self.pair))
    }

    /// The first entry worth reading: the first changed pair.
    pub fn first_interesting(&self) -> usize {
        self.result.as_ref().map_or(0, |r| {
            r.pairs
                .iter()
                .position(|p| p.status != Status::Same)
                .unwrap_or(0)
        })
    }

    /// Shows entry `i`'s lines in the diff pane.
    pub fn select_pair(&mut self, i: usize) {
        let Some(r) = &self.result else {
            return;
        };
        let n = self.entries();
        if n == 0 {
            self.pager = Pager::new(
                r.notes
                    .iter()
                    .map(|n| PagerLine::new("interdiff.note", clean(n)))
                    .chain(std::iter::once(PagerLine::new(
                        "interdiff.note",
                        "Neither revision has patches to compare.",
                    )))
                    .collect(),
            );
            return;
        }
        self.pair = i.min(n - 1);
        self.pager = match r.pairs.get(self.pair) {
            Some(p) => Pager::new(pair_lines(p)),
            None => Pager::new(tree_lines(r)),
        };
    }

    /// The summary line of entry `i`.
    pub fn entry_summary(&self, i: usize) -> String {
        let Some(r) = &self.result else {
            return String::new();
        };
        match (r.pairs.get(i), &r.tree) {
            (Some(p), _) => p.summary(),
            (None, Some(t)) => format!(
                "tree: {} on {} → {} on {}",
                r.from,
                short(&t.base_from),
                r.to,
                short(&t.base_to)
            ),
            (None, None) => String::new(),
        }
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// The lines of one pair. The first column is the outer marker (what
/// changed between the revisions), then the patch's own line with its
/// inner marker; both markers get their own colour, as `git range-diff`
/// colours them.
pub fn pair_lines(p: &interdiff::Pair) -> Vec<PagerLine> {
    if p.lines.is_empty() {
        let what = match p.status {
            Status::Same => "The patch did not change (up to line numbers and index lines).",
            Status::Added => "New in this revision: Enter opens the patch.",
            Status::Dropped => "Dropped in this revision: Enter opens the old patch.",
            Status::Changed => "Changed, but no line differs.",
        };
        return vec![PagerLine::new("interdiff.note", what)];
    }
    p.lines.iter().map(pair_line).collect()
}

fn pair_line(l: &interdiff::Line) -> PagerLine {
    let text = clean_body_line(&l.text);
    let (outer, outer_role, changed_role) = match l.outer {
        '+' => ("+", "interdiff.add", Some("interdiff.add")),
        '-' => ("-", "interdiff.remove", Some("interdiff.remove")),
        _ => (" ", "normal", None),
    };
    let line = PagerLine::new(outer_role, outer);
    if l.kind == LineKind::HunkHeader && l.outer == ' ' {
        return line.push("diff.hunk", text);
    }
    let inner_role = match l.kind {
        LineKind::Added => Some("diff.add"),
        LineKind::Removed => Some("diff.remove"),
        _ => None,
    };
    let rest_role = changed_role.unwrap_or(match l.kind {
        LineKind::Message => "normal",
        LineKind::FileHeader => "diff.file",
        LineKind::HunkHeader => "diff.hunk",
        LineKind::Context => "diff.context",
        LineKind::Added => "diff.add",
        LineKind::Removed => "diff.remove",
        LineKind::Note => "interdiff.note",
    });
    match (inner_role, text.chars().next()) {
        (Some(role), Some(c)) if c == '+' || c == '-' => {
            let rest = text[c.len_utf8()..].to_string();
            line.push(role, c.to_string()).push(rest_role, rest)
        }
        _ => line.push(rest_role, text),
    }
}

/// The tree interdiff, coloured as a plain diff.
fn tree_lines(r: &interdiff::Interdiff) -> Vec<PagerLine> {
    let Some(t) = &r.tree else {
        return Vec::new();
    };
    let mut out = vec![PagerLine::new(
        "interdiff.note",
        format!(
            "{} applied on {} against {} applied on {}",
            r.from,
            short(&t.base_from),
            r.to,
            short(&t.base_to)
        ),
    )];
    if t.diff.trim().is_empty() {
        out.push(PagerLine::new(
            "interdiff.note",
            "The two revisions produce the same tree.",
        ));
        return out;
    }
    for l in t.diff.lines() {
        let role = if l.starts_with("diff --git")
            || l.starts_with("index ")
            || l.starts_with("--- ")
            || l.starts_with("+++ ")
        {
            "diff.file"
        } else if l.starts_with("@@") {
            "diff.hunk"
        } else if l.starts_with('+') {
            "diff.add"
        } else if l.starts_with('-') {
            "diff.remove"
        } else {
            "diff.context"
        };
        out.push(PagerLine::new(role, clean_body_line(l)));
    }
    out
}

fn status_role(s: Status) -> &'static str {
    match s {
        Status::Same => "interdiff.same",
        Status::Changed => "interdiff.changed",
        Status::Added => "interdiff.added",
        Status::Dropped => "interdiff.dropped",
    }
}

/// Draws the interdiff view.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, s: &InterdiffState) {
    if area.height < 4 {
        return;
    }
    let theme = &app.theme;
    let w = area.width as usize;
    let label = |i: usize| {
        s.series
            .revisions
            .get(i)
            .map(|r| r.label())
            .unwrap_or_default()
    };
    super::title_line(
        frame,
        Rect::new(area.x, area.y, area.width, 1),
        app,
        &format!(
            "Interdiff {} → {} — {}",
            label(s.from),
            label(s.to),
            s.series.subject
        ),
    );
    let rule = |text: &str, focused: bool| {
        let role = if focused { "border.focused" } else { "border" };
        let t = format!("── {} ", clean(text));
        let fill = w.saturating_sub(super::width(&t));
        Paragraph::new(fit(&format!("{t}{}", "─".repeat(fill)), w)).style(theme.style(role))
    };
    let ph = s.pairs_height(area.height as usize) as u16;
    let Some(result) = &s.result else {
        super::loading(
            frame,
            Rect::new(area.x, area.y + 1, area.width, area.height - 1),
            app,
            "computing the interdiff…",
        );
        return;
    };
    let entries = s.entries();
    let changed = result
        .pairs
        .iter()
        .filter(|p| p.status != Status::Same)
        .count();
    frame.render_widget(
        rule(
            &format!("Patches ({}, {changed} changed)", result.pairs.len()),
            s.focus == Pane::Pairs,
        ),
        Rect::new(area.x, area.y + 1, area.width, 1),
    );
    let pairs_area = Rect::new(area.x, area.y + 2, area.width, ph);
    let top = pane_top(s.pair, ph as usize, entries);
    let mut lines: Vec<Line> = (0..entries)
        .skip(top)
        .take(ph as usize)
        .map(|i| {
            let selected = i == s.pair;
            let role = result
                .pairs
                .get(i)
                .map_or("interdiff.note", |p| status_role(p.status));
            let mut style = theme.style(role);
            if selected {
                style = row_style(app, style, s.focus == Pane::Pairs)
                    .add_modifier(ratatui::style::Modifier::BOLD);
            }
            Line::styled(fit(&clean(&s.entry_summary(i)), w), style)
        })
        .collect();
    if entries.saturating_sub(top) < ph as usize {
        let room = ph as usize - entries.saturating_sub(top);
        for n in result.notes.iter().take(room) {
            lines.push(Line::styled(
                fit(&clean(n), w),
                theme.style("interdiff.note"),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), pairs_area);
    let rule_y = area.y + 2 + ph;
    frame.render_widget(
        rule(&s.entry_summary(s.pair), s.focus == Pane::Diff),
        Rect::new(area.x, rule_y, area.width, 1),
    );
    let diff_area = Rect::new(
        area.x,
        rule_y + 1,
        area.width,
        area.height.saturating_sub(3 + ph),
    );
    s.pager.draw(frame, diff_area, app, s.search.as_deref());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(outer: char, kind: LineKind, text: &str) -> interdiff::Line {
        interdiff::Line {
            outer,
            kind,
            text: text.into(),
        }
    }

    #[test]
    fn outer_and_inner_markers_have_their_own_colours() {
        let l = pair_line(&line('+', LineKind::Added, "+\tnew();"));
        assert_eq!(
            l.segs,
            vec![
                ("interdiff.add", "+".to_string()),
                ("diff.add", "+".to_string()),
                ("interdiff.add", "       new();".to_string()),
            ]
        );
        let l = pair_line(&line(' ', LineKind::Removed, "-old"));
        assert_eq!(
            l.segs,
            vec![
                ("normal", " ".to_string()),
                ("diff.remove", "-".to_string()),
                ("diff.remove", "old".to_string()),
            ]
        );
        let l = pair_line(&line(' ', LineKind::HunkHeader, "@@ drivers/x.c: f()"));
        assert_eq!(l.segs[1], ("diff.hunk", "@@ drivers/x.c: f()".to_string()));
        let l = pair_line(&line('-', LineKind::Message, "    \u{1b}[2J"));
        assert_eq!(l.text(), "-    ^[[2J");
    }
}
