//! The interdiff view: two revisions of a series, their patches paired in
//! one pane (`1: ! 1: subject`, range-diff style), the diff of the diffs
//! of the selected pair in the other. `[`/`]` walk the pairs, `<`/`>` move
//! the old side to an older or newer revision.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::pager::{Pager, PagerLine};
use super::{clean, clean_body_line, fit, page_top, row_style};
use crate::series::Series;
use crate::tui::app::App;
use crate::tui::interdiff_contract as interdiff;
use interdiff::{LineKind, Status};

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
    pub pair: usize,
    pub focus: Pane,
    /// The selected pair's lines.
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

    /// Rows the pairs pane takes.
    pub fn pairs_height(&self, body_height: usize) -> usize {
        let n = self
            .result
            .as_ref()
            .map_or(1, |r| r.pairs.len() + r.notes.len());
        n.clamp(1, 8).min(body_height / 3).max(1)
    }

    /// Rows left for the diff pane.
    pub fn diff_height(&self, body_height: usize) -> usize {
        body_height.saturating_sub(3 + self.pairs_height(body_height))
    }

    /// Shows pair `i`'s lines in the diff pane.
    pub fn select_pair(&mut self, i: usize) {
        let Some(r) = &self.result else {
            return;
        };
        if r.pairs.is_empty() {
            self.pager = Pager::new(
                r.notes
                    .iter()
                    .map(|n| PagerLine::new("interdiff.note", clean(n)))
                    .collect(),
            );
            return;
        }
        self.pair = i.min(r.pairs.len() - 1);
        self.pager = Pager::new(pair_lines(&r.pairs[self.pair]));
    }
}

/// The lines of one pair: the outer column says what changed between the
/// revisions, the rest is the patch line in its own diff colour.
pub fn pair_lines(p: &interdiff::Pair) -> Vec<PagerLine> {
    if p.lines.is_empty() {
        let what = match p.status {
            Status::Same => "The patch did not change.",
            Status::Added => "New in this revision.",
            Status::Dropped => "Dropped in this revision.",
            Status::Changed => "Changed (no line differs: headers or whitespace only).",
        };
        return vec![PagerLine::new("interdiff.note", what)];
    }
    p.lines
        .iter()
        .map(|l| {
            let inner = match l.kind {
                LineKind::Message => "normal",
                LineKind::FileHeader => "diff.file",
                LineKind::HunkHeader => "diff.hunk",
                LineKind::Context => "diff.context",
                LineKind::Added => "diff.add",
                LineKind::Removed => "diff.remove",
                LineKind::Note => "interdiff.note",
            };
            let (outer_role, inner) = match l.outer {
                '+' => ("interdiff.add", "interdiff.add"),
                '-' => ("interdiff.remove", "interdiff.remove"),
                _ => ("normal", inner),
            };
            let outer = if l.outer.is_control() { ' ' } else { l.outer };
            PagerLine::new(outer_role, outer.to_string()).push(inner, clean_body_line(&l.text))
        })
        .collect()
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
        let t = format!("── {text} ");
        let fill = w.saturating_sub(super::width(&t));
        Paragraph::new(format!("{t}{}", "─".repeat(fill))).style(theme.style(role))
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
    frame.render_widget(
        rule(
            &format!("Patches ({})", result.pairs.len()),
            s.focus == Pane::Pairs,
        ),
        Rect::new(area.x, area.y + 1, area.width, 1),
    );
    let pairs_area = Rect::new(area.x, area.y + 2, area.width, ph);
    let top = page_top(s.pair, ph as usize);
    let mut lines: Vec<Line> = result
        .pairs
        .iter()
        .enumerate()
        .skip(top)
        .take(ph as usize)
        .map(|(i, p)| {
            let selected = i == s.pair;
            let mut style = theme.style(status_role(p.status));
            if selected {
                style = row_style(app, style, s.focus == Pane::Pairs)
                    .add_modifier(ratatui::style::Modifier::BOLD);
            }
            Line::styled(fit(&clean(&p.summary()), w), style)
        })
        .collect();
    if result.pairs.len() < ph as usize {
        for n in result.notes.iter().take(ph as usize - result.pairs.len()) {
            lines.push(Line::styled(
                fit(&clean(n), w),
                theme.style("interdiff.note"),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), pairs_area);
    let rule_y = area.y + 2 + ph;
    let which = result
        .pairs
        .get(s.pair)
        .map(|p| p.summary())
        .unwrap_or_default();
    frame.render_widget(
        rule(&clean(&which), s.focus == Pane::Diff),
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
