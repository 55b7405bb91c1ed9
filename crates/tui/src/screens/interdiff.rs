//! The interdiff screen: two revisions of a series compared by
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

use super::message::{MessageScreen, PatchNav};
use super::page::PageScreen;
use super::{
    Ctx, Effect, Screen, View, error, info, is_move, moved, not_here, pattern, prompt,
    scroll_pager, search_pager,
};
use crate::event::{Job, Notification};
use crate::keymap::{Action, ViewKind};
use crate::prompt::{Answer, Ask};
use crate::ui::pager::{Pager, PagerLine};
use crate::ui::{clean, clean_body_line, fit, pane_top, row_style, width};
use putt_core::interdiff::{self, LineKind, Status};
use putt_core::series::Series;

/// Which pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Pairs,
    Diff,
}

/// The interdiff screen's state.
#[derive(Debug, Clone)]
pub struct InterdiffScreen {
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
    pub search: Option<String>,
}

impl InterdiffScreen {
    /// The interdiff of `series` from revision `from` to `to`.
    pub fn open(series: Arc<Series>, from: usize, to: usize) -> View {
        View::Interdiff(InterdiffScreen {
            series,
            from,
            to,
            result: None,
            pair: 0,
            focus: Pane::Pairs,
            pager: Pager::default(),
            search: None,
        })
    }

    /// Forgets what is shown and asks for `from` → `to`.
    fn compare(&mut self, from: usize, to: usize) -> Vec<Effect> {
        self.from = from;
        self.to = to;
        self.result = None;
        self.pager = Pager::default();
        self.pair = 0;
        vec![self.request()]
    }

    fn request(&self) -> Effect {
        Effect::Request(Job::Interdiff {
            series: self.series.clone(),
            from: self.from,
            to: self.to,
        })
    }

    /// `v`'s answer (`v1 v3`, `1 3`): the two revisions to compare.
    fn pick_revisions(&mut self, input: &str) -> Vec<Effect> {
        let series = &self.series;
        let find = |word: &str| -> Option<usize> {
            let v: u32 = word.trim_start_matches(['v', 'V']).parse().ok()?;
            // The last one sent with that number, as `putt interdiff --from`.
            series.revisions.iter().rposition(|r| r.version == v)
        };
        let words: Vec<&str> = input.split([' ', ',']).filter(|w| !w.is_empty()).collect();
        let picked = match words.as_slice() {
            [a, b] => find(a).zip(find(b)),
            _ => None,
        };
        let Some((from, to)) = picked.filter(|(a, b)| a != b) else {
            return vec![error(format!(
                "Give two different revisions of this series, like `v1 v2` (not `{}`).",
                clean(input)
            ))];
        };
        self.focus = Pane::Pairs;
        self.compare(from, to)
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

impl Screen for InterdiffScreen {
    fn kind(&self) -> ViewKind {
        ViewKind::Interdiff
    }

    fn start(&mut self, _cx: &Ctx) -> Vec<Effect> {
        vec![self.request()]
    }

    fn handle(&mut self, a: Action, cx: &Ctx) -> Vec<Effect> {
        let body = cx.body_height;
        let diff_h = self.diff_height(body).max(1);
        let pairs = self.entries();
        match a {
            _ if is_move(a) && self.focus == Pane::Pairs => {
                let i = moved(self.pair, pairs, a, self.pairs_height(body));
                self.select_pair(i);
            }
            _ if is_move(a) => {
                scroll_pager(&mut self.pager, a, diff_h);
            }
            Action::FocusNext => {
                self.focus = match self.focus {
                    Pane::Pairs => Pane::Diff,
                    Pane::Diff => Pane::Pairs,
                };
            }
            Action::Open => {
                // A changed pair is read in the diff pane; an added,
                // dropped or unchanged one is read as its patch mail.
                let Some(p) = self.selected_pair() else {
                    self.focus = Pane::Diff;
                    return Vec::new();
                };
                if !p.lines.is_empty() {
                    self.focus = Pane::Diff;
                    return Vec::new();
                }
                let (side, rev) = match (&p.new, &p.old) {
                    (Some(n), _) => (n.clone(), self.to),
                    (None, Some(o)) => (o.clone(), self.from),
                    (None, None) => return Vec::new(),
                };
                let nav = PatchNav::new(self.series.clone(), rev, &side.message_id);
                return vec![Effect::Push(MessageScreen::open(
                    side.message_id,
                    side.subject,
                    nav,
                ))];
            }
            Action::PickRevisions => {
                let labels = |i: usize| {
                    self.series
                        .revisions
                        .get(i)
                        .map_or(String::new(), |r| format!("v{}", r.version))
                };
                let current = format!("{} {}", labels(self.from), labels(self.to));
                let all: Vec<String> = (0..self.series.revisions.len()).map(labels).collect();
                return vec![prompt(
                    Ask::Revisions,
                    format!("Compare (old new; {}): ", all.join(" ")),
                    current,
                )];
            }
            Action::PrevPatch => {
                if self.pair > 0 {
                    self.select_pair(self.pair - 1);
                }
            }
            Action::NextPatch => {
                if self.pair + 1 < pairs {
                    self.select_pair(self.pair + 1);
                }
            }
            Action::Back => return vec![Effect::Pop],
            Action::OlderFrom | Action::NewerFrom => {
                let from = if a == Action::OlderFrom {
                    self.from.checked_sub(1)
                } else {
                    Some(self.from + 1).filter(|f| *f < self.to)
                };
                return match from {
                    Some(from) => self.compare(from, self.to),
                    None => vec![info(if a == Action::OlderFrom {
                        "No older revision."
                    } else {
                        "The old side is already the revision just before the new one."
                    })],
                };
            }
            Action::Search => return vec![prompt(Ask::Search, "Search: ", "")],
            Action::SearchNext | Action::SearchPrev => {
                if pattern(&self.search, cx).is_none() {
                    return Vec::new();
                }
                self.focus = Pane::Diff;
                let said = search_pager(&mut self.pager, &self.search, a, cx);
                if !said.is_empty() {
                    return said;
                }
            }
            Action::Trailers => {
                return PageScreen::trailers(&self.series, self.to)
                    .map(Effect::Push)
                    .into_iter()
                    .collect();
            }
            _ => return not_here(a),
        }
        Vec::new()
    }

    fn on_reply(&mut self, reply: Notification, _cx: &Ctx) -> Vec<Effect> {
        if let Notification::Interdiff { result, .. } = reply {
            self.result = Some(result);
            self.select_pair(self.first_interesting());
        }
        Vec::new()
    }

    fn on_prompt(&mut self, ask: Ask, answer: Answer, _cx: &Ctx) -> Vec<Effect> {
        match (ask, answer) {
            (Ask::Revisions, Answer::Line(input)) => self.pick_revisions(&input),
            _ => Vec::new(),
        }
    }

    fn set_search(&mut self, pattern: String) {
        self.search = Some(pattern);
    }

    fn empty(&self) -> bool {
        self.result.is_none()
    }

    fn reply_targets(&self, _review: bool) -> Option<(Vec<String>, String)> {
        let side = self.selected_pair()?.new.as_ref()?;
        Some((vec![side.message_id.clone()], clean(&side.subject)))
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        draw_interdiff(frame, area, cx, self);
    }
}

fn draw_interdiff(frame: &mut Frame, area: Rect, cx: &Ctx, s: &InterdiffScreen) {
    if area.height < 4 {
        return;
    }
    let theme = cx.theme;
    let w = area.width as usize;
    let label = |i: usize| {
        s.series
            .revisions
            .get(i)
            .map(|r| r.label())
            .unwrap_or_default()
    };
    crate::ui::title_line(
        frame,
        Rect::new(area.x, area.y, area.width, 1),
        theme,
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
        let fill = w.saturating_sub(width(&t));
        Paragraph::new(fit(&format!("{t}{}", "─".repeat(fill)), w)).style(theme.style(role))
    };
    let ph = s.pairs_height(area.height as usize) as u16;
    let Some(result) = &s.result else {
        crate::ui::loading(
            frame,
            Rect::new(area.x, area.y + 1, area.width, area.height - 1),
            theme,
            cx.tick,
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
                style = row_style(theme, style, s.focus == Pane::Pairs)
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
    s.pager.draw(frame, diff_area, theme, s.search.as_deref());
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
