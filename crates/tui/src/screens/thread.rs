//! The thread screen of a series: its revisions in one pane (state, check
//! status and matching rules of each), the rules and check results of the
//! shown revision under it (as `putt series show` prints them), and the
//! messages of that revision as a mutt thread tree in the other pane. Tab
//! switches panes; moving in the revisions pane asks a worker for that
//! revision's thread.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::interdiff::InterdiffScreen;
use super::message::{MessageScreen, PatchNav};
use super::page::PageScreen;
use super::series_list::check_role;
use super::{
    Ctx, Effect, Screen, StoreOp, View, info, is_move, moved, not_here, pattern, previous_revision,
    prompt, revision,
};
use crate::event::{Job, Notification};
use crate::keymap::{Action, ViewKind};
use crate::load::ThreadRow;
use crate::prompt::{Ask, Target};
use crate::theme::Theme;
use crate::ui::{clean, date, date_time, fit, page_top, pane_top, person_name, row_style, width};
use putt_core::series::{Revision, Series};
use putt_ops::series::RevisionInfo;

/// Which pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Revisions,
    Messages,
}

/// The thread screen's state.
#[derive(Debug, Clone)]
pub struct ThreadScreen {
    pub series: Arc<Series>,
    /// The revision whose thread is shown.
    pub revision: usize,
    /// The cursor in the revisions pane.
    pub rev_selected: usize,
    /// The old side picked for an interdiff.
    pub marked: Option<usize>,
    pub focus: Pane,
    pub rows: Vec<ThreadRow>,
    pub selected: usize,
    pub search: Option<String>,
    /// State, rules and checks of each revision (empty until the worker
    /// answers).
    pub infos: Vec<RevisionInfo>,
}

impl ThreadScreen {
    /// The thread of a series' newest revision.
    pub fn open(series: Arc<Series>) -> View {
        let revision = super::latest_index(&series);
        ThreadScreen::open_at(series, revision)
    }

    /// The thread of revision `revision` (an index into the series').
    pub fn open_at(series: Arc<Series>, revision: usize) -> View {
        let revision = revision.min(series.revisions.len().saturating_sub(1));
        View::Thread(ThreadScreen {
            series,
            revision,
            rev_selected: revision,
            marked: None,
            focus: Pane::Messages,
            rows: Vec::new(),
            selected: 0,
            search: None,
            infos: Vec::new(),
        })
    }

    /// How many rows the revisions pane takes (it scrolls beyond).
    pub fn revisions_height(&self, body_height: usize) -> usize {
        self.series
            .revisions
            .len()
            .min(5)
            .min(body_height / 3)
            .max(1)
    }

    /// Lines under the revisions for the shown revision's rules and
    /// checks (at most 4, fewer on a short screen).
    pub fn flow_height(&self, body_height: usize) -> usize {
        self.infos
            .get(self.revision)
            .map_or(0, |i| usize::from(!i.rules.is_empty()) + i.checks.len())
            .min(4)
            .min(body_height / 6)
    }

    /// Rows available to the thread pane.
    pub fn thread_height(&self, body_height: usize) -> usize {
        body_height
            .saturating_sub(3 + self.revisions_height(body_height) + self.flow_height(body_height))
    }

    pub fn selected_row(&self) -> Option<&ThreadRow> {
        self.rows.get(self.selected)
    }

    fn request(&self) -> Effect {
        Effect::Request(Job::Thread {
            series: self.series.clone(),
            revision: self.revision,
        })
    }

    /// Shows revision `rev`'s thread.
    fn show_revision(&mut self, rev: usize, focus_messages: bool) -> Vec<Effect> {
        if focus_messages {
            self.focus = Pane::Messages;
        }
        if self.revision == rev && !self.rows.is_empty() {
            return Vec::new();
        }
        self.revision = rev;
        self.rows.clear();
        self.selected = 0;
        vec![self.request()]
    }

    /// The revision the keys are about: the one under the cursor in the
    /// revisions pane, else the one shown.
    fn focused_revision(&self) -> usize {
        match self.focus {
            Pane::Revisions => self.rev_selected,
            Pane::Messages => self.revision,
        }
    }

    /// `[` and `]` in the thread: the previous or next patch (or cover).
    fn walk(&mut self, a: Action) {
        let Some(rev) = self.series.revisions.get(self.revision) else {
            return;
        };
        let patches: Vec<&str> = rev
            .cover
            .iter()
            .map(|c| c.message_id.as_str())
            .chain(rev.patches.iter().map(|p| p.mail.message_id.as_str()))
            .collect();
        let is_patch = |i: usize| {
            self.rows
                .get(i)
                .is_some_and(|r| patches.contains(&r.message_id.as_str()))
        };
        let n = self.rows.len();
        let next = if a == Action::NextPatch {
            (self.selected + 1..n).find(|&i| is_patch(i))
        } else {
            (0..self.selected).rev().find(|&i| is_patch(i))
        };
        if let Some(i) = next {
            self.selected = i;
            self.focus = Pane::Messages;
        }
    }

    fn search(&mut self, a: Action, cx: &Ctx) -> Vec<Effect> {
        let Some(p) = pattern(&self.search, cx) else {
            return Vec::new();
        };
        let needle = p.to_lowercase();
        let n = self.rows.len();
        let forward = a == Action::SearchNext;
        let hit = (1..=n)
            .map(|k| {
                if forward {
                    (self.selected + k) % n
                } else {
                    (self.selected + n * 2 - k) % n
                }
            })
            .find(|&i| {
                self.rows[i].subject.to_lowercase().contains(&needle)
                    || self.rows[i].from.to_lowercase().contains(&needle)
            });
        match hit {
            Some(i) => {
                self.selected = i;
                self.focus = Pane::Messages;
                Vec::new()
            }
            None => vec![info(format!("Not found: {p}"))],
        }
    }
}

impl Screen for ThreadScreen {
    fn kind(&self) -> ViewKind {
        ViewKind::Thread
    }

    fn start(&mut self, _cx: &Ctx) -> Vec<Effect> {
        vec![self.request()]
    }

    fn handle(&mut self, a: Action, cx: &Ctx) -> Vec<Effect> {
        let thread_h = self.thread_height(cx.body_height).max(1);
        let revs = self.series.revisions.len();
        match (a, self.focus) {
            (_, Pane::Revisions) if is_move(a) => {
                let before = self.rev_selected;
                self.rev_selected = moved(self.rev_selected, revs, a, 5);
                if self.rev_selected != before {
                    // Show the thread of the revision under the cursor.
                    return self.show_revision(self.rev_selected, false);
                }
                Vec::new()
            }
            (_, Pane::Messages) if is_move(a) => {
                self.selected = moved(self.selected, self.rows.len(), a, thread_h);
                Vec::new()
            }
            (Action::FocusNext, _) => {
                self.focus = match self.focus {
                    Pane::Revisions => Pane::Messages,
                    Pane::Messages => Pane::Revisions,
                };
                Vec::new()
            }
            (Action::Open, Pane::Revisions) => self.show_revision(self.rev_selected, true),
            (Action::Open, Pane::Messages) => {
                let Some(row) = self.selected_row().cloned() else {
                    return Vec::new();
                };
                if !row.present {
                    return vec![info("That message is not in the archive.")];
                }
                let nav = PatchNav::new(self.series.clone(), self.revision, &row.message_id);
                vec![Effect::Push(MessageScreen::open(
                    row.message_id,
                    row.subject,
                    nav,
                ))]
            }
            (Action::Back, _) => vec![Effect::Pop],
            (Action::Mark, _) => {
                let i = self.rev_selected;
                self.marked = if self.marked == Some(i) {
                    None
                } else {
                    Some(i)
                };
                vec![info(match self.marked {
                    Some(i) => format!(
                        "{} marked: d compares it with the revision under the cursor.",
                        self.series.revisions[i].label()
                    ),
                    None => "Mark cleared.".into(),
                })]
            }
            (Action::Interdiff, _) => {
                let to = self.focused_revision();
                let from = match self.marked {
                    Some(m) if m != to => Some(m),
                    _ => previous_revision(&self.series, to),
                };
                match from {
                    Some(from) => vec![Effect::Push(InterdiffScreen::open(
                        self.series.clone(),
                        from,
                        to,
                    ))],
                    None => vec![info("No other revision to compare with.")],
                }
            }
            (Action::Trailers, _) => PageScreen::trailers(&self.series, self.focused_revision())
                .map(Effect::Push)
                .into_iter()
                .collect(),
            (Action::SetState | Action::Apply | Action::Export | Action::Unlink, _) => {
                revision::ask(
                    a,
                    Target {
                        series: self.series.clone(),
                        revision: self.focused_revision(),
                    },
                    cx,
                )
            }
            (Action::PrevPatch | Action::NextPatch, _) => {
                self.walk(a);
                Vec::new()
            }
            (Action::ToggleRead, Pane::Messages) => match self.selected_row() {
                Some(row) => vec![Effect::Store(StoreOp::SetRead {
                    ids: vec![row.message_id.clone()],
                    read: !cx.is_read(&row.message_id),
                })],
                None => Vec::new(),
            },
            (Action::Search, _) => vec![prompt(Ask::Search, "Search: ", "")],
            (Action::SearchNext | Action::SearchPrev, _) => self.search(a, cx),
            _ => not_here(a),
        }
    }

    fn on_reply(&mut self, reply: Notification, _cx: &Ctx) -> Vec<Effect> {
        if let Notification::Thread { rows, infos, .. } = reply {
            self.infos = infos;
            // The first message the archive holds, not a missing root's
            // placeholder.
            self.selected = rows.iter().position(|r| r.present).unwrap_or(0);
            self.rows = rows;
        }
        Vec::new()
    }

    fn on_return(&mut self, closed: &View) {
        // Back from a message, the cursor follows the patch walk.
        if let View::Message(m) = closed
            && let Some(i) = self.rows.iter().position(|r| r.message_id == m.message_id)
        {
            self.selected = i;
        }
    }

    fn set_search(&mut self, pattern: String) {
        self.search = Some(pattern);
    }

    fn empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn reply_targets(&self, review: bool) -> Option<(Vec<String>, String)> {
        match self.focus {
            Pane::Revisions => revision_targets(&self.series, self.rev_selected, review),
            Pane::Messages => {
                let row = self.selected_row().filter(|r| r.present)?;
                Some((vec![row.message_id.clone()], clean(&row.subject)))
            }
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        draw_thread(frame, area, cx, self);
    }
}

/// What a reply (or a review) of a whole revision answers. A review
/// answers its cover letter, or each patch when there is none (a trailer
/// on the cover counts for every patch); a reply answers the cover or the
/// first patch.
pub fn revision_targets(
    series: &Series,
    rev: usize,
    review: bool,
) -> Option<(Vec<String>, String)> {
    let r: &Revision = series.revisions.get(rev)?;
    let what = format!("{} of {}", r.label(), clean(&series.subject));
    if !review {
        return Some((vec![r.root_message_id().to_string()], what));
    }
    if let Some(c) = &r.cover {
        return Some((vec![c.message_id.clone()], format!("{what} (the cover)")));
    }
    let mut patches: Vec<_> = r.patches.iter().collect();
    patches.sort_by_key(|p| p.counter);
    let ids: Vec<String> = patches.iter().map(|p| p.mail.message_id.clone()).collect();
    let n = ids.len();
    (n > 0).then(|| {
        let each = if n > 1 {
            format!(" (no cover: {n} replies, one per patch)")
        } else {
            String::new()
        };
        (ids, format!("{what}{each}"))
    })
}

/// Draws the thread view.
fn draw_thread(frame: &mut Frame, area: Rect, cx: &Ctx, s: &ThreadScreen) {
    if area.height < 4 {
        return;
    }
    let theme = cx.theme;
    let w = area.width as usize;
    let rev_h = s.revisions_height(area.height as usize) as u16;
    let latest = s.series.latest();
    let checks_ran = s.infos.iter().any(|i| !i.checks.is_empty());
    crate::ui::title_line(
        frame,
        Rect::new(area.x, area.y, area.width, 1),
        theme,
        &format!(
            "{} {} — {}",
            latest.label(),
            s.series.subject,
            person_name(&s.series.author)
        ),
    );
    let rule = |text: &str, focused: bool| {
        let role = if focused { "border.focused" } else { "border" };
        let t = format!("── {text} ");
        let fill = w.saturating_sub(width(&t));
        Paragraph::new(format!("{t}{}", "─".repeat(fill))).style(theme.style(role))
    };
    // Why the revision under the cursor is in the series.
    let why = s
        .series
        .revisions
        .get(s.focused_revision())
        .and_then(|r| Some(format!("{} {}", r.label(), r.why_linked()?)))
        .map(|w| format!(" · {}", clean(&w)))
        .unwrap_or_default();
    frame.render_widget(
        rule(
            &format!("Revisions ({}){why}", s.series.revisions.len()),
            s.focus == Pane::Revisions,
        ),
        Rect::new(area.x, area.y + 1, area.width, 1),
    );
    let rev_area = Rect::new(area.x, area.y + 2, area.width, rev_h);
    let top = pane_top(s.rev_selected, rev_h as usize, s.series.revisions.len());
    let mut lines = Vec::new();
    for (i, r) in s
        .series
        .revisions
        .iter()
        .enumerate()
        .skip(top)
        .take(rev_h as usize)
    {
        let state = cx.state_of(&s.series, r);
        let info = s.infos.get(i);
        let c = r.counts();
        let mark = match (i == s.revision, Some(i) == s.marked) {
            (_, true) => "*",
            (true, false) => ">",
            _ => " ",
        };
        let selected = i == s.rev_selected && s.focus == Pane::Revisions;
        let fixed = format!(
            "{mark}{} {} {:>5} A{} R{} T{} ",
            fit(&r.label(), 9),
            date(r.date),
            format!("{}/{}", r.received(), r.total),
            c.acked,
            c.reviewed,
            c.tested
        );
        let state_txt = fit(state.name(), 11);
        let mut rest = w.saturating_sub(width(&fixed) + 11);
        let subject = r
            .cover
            .as_ref()
            .map(|c| c.subject.clone())
            .or_else(|| r.patches.first().map(|p| p.mail.subject.clone()))
            .unwrap_or_else(|| r.subject.clone());
        let mut spans = vec![Span::styled(
            fixed,
            row_style(theme, theme.style("normal"), selected),
        )];
        if checks_ran {
            let (letter, role) = match info.and_then(|i| i.check) {
                Some(c) => (c.letter(), check_role(c)),
                None => ('-', "count.zero"),
            };
            spans.push(Span::styled(
                format!("{letter} "),
                row_style(theme, theme.style(role), selected),
            ));
            rest = rest.saturating_sub(2);
        }
        spans.push(Span::styled(
            state_txt,
            row_style(
                theme,
                theme.style(&format!("state.{}", state.name())),
                selected,
            ),
        ));
        if let Some(i) = info.filter(|i| !i.rules.is_empty()) {
            let text = format!("[{}]", clean(&i.rules.join(" ")));
            let tag = fit(&text, width(&text).min(rest / 2));
            rest = rest.saturating_sub(width(&tag) + 1);
            spans.push(Span::styled(
                format!("{tag} "),
                row_style(theme, theme.style("rule"), selected),
            ));
        }
        spans.push(Span::styled(
            fit(&clean(&subject), rest),
            row_style(theme, theme.style("normal"), selected),
        ));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), rev_area);

    // The shown revision's rules and checks, as `putt series show` has them.
    let shown = s
        .series
        .revisions
        .get(s.revision)
        .map(|r| r.label())
        .unwrap_or_default();
    let flow_h = s.flow_height(area.height as usize);
    if flow_h > 0
        && let Some(info) = s.infos.get(s.revision)
    {
        let flow_area = Rect::new(area.x, area.y + 2 + rev_h, area.width, flow_h as u16);
        frame.render_widget(
            Paragraph::new(flow_lines(theme, info, &shown, &s.series.id, flow_h, w)),
            flow_area,
        );
    }

    let rule_y = area.y + 2 + rev_h + flow_h as u16;
    frame.render_widget(
        rule(
            &format!("Thread of {shown} ({} messages)", s.rows.len()),
            s.focus == Pane::Messages,
        ),
        Rect::new(area.x, rule_y, area.width, 1),
    );
    let body = Rect::new(
        area.x,
        rule_y + 1,
        area.width,
        area.height.saturating_sub(3 + rev_h + flow_h as u16),
    );
    if s.rows.is_empty() {
        if cx.waiting {
            crate::ui::loading(frame, body, theme, cx.tick, "gathering the thread…");
        }
        return;
    }
    let h = body.height as usize;
    let top = page_top(s.selected, h);
    let mut lines = Vec::new();
    for (i, row) in s.rows.iter().enumerate().skip(top).take(h) {
        let selected = i == s.selected && s.focus == Pane::Messages;
        let unread = row.present && !cx.is_read(&row.message_id);
        let mut base = theme.style("normal");
        if unread {
            base = base.patch(theme.style("list.unread"));
        }
        let date_txt = if row.present {
            date_time(row.date)
        } else {
            String::new()
        };
        let fixed = format!(
            "{} {} {} ",
            if unread { "N" } else { " " },
            fit(&date_txt, 16),
            fit(&clean(person_name(&row.from)), 18)
        );
        let prefix = clean(&row.prefix);
        let rest = w.saturating_sub(width(&fixed) + width(&prefix));
        let (subject, role) = if row.present {
            (clean(&row.subject), base)
        } else {
            (
                format!("(not in the archive) <{}>", clean(&row.message_id)),
                theme.style("placeholder"),
            )
        };
        let mut subject_style = row_style(theme, role, selected);
        if let Some(p) = &s.search
            && !p.is_empty()
            && row.subject.to_lowercase().contains(&p.to_lowercase())
        {
            subject_style = subject_style.add_modifier(Modifier::UNDERLINED);
        }
        lines.push(Line::from(vec![
            Span::styled(fixed, row_style(theme, base, selected)),
            Span::styled(prefix, row_style(theme, theme.style("tree"), selected)),
            Span::styled(fit(&subject, rest), subject_style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), body);
}

/// `v2 rules: ready` and `v2 check build: fail  summary` lines, at most
/// `max`; the last says how many more checks there are when they do not
/// fit.
fn flow_lines(
    theme: &Theme,
    info: &RevisionInfo,
    label: &str,
    series_id: &str,
    max: usize,
    w: usize,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let head = |what: &str| format!("  {label} {what}");
    if !info.rules.is_empty() {
        let names = clean(&info.rules.join(", "));
        let head = head("rules: ");
        let room = w.saturating_sub(width(&head));
        out.push(Line::from(vec![
            Span::styled(head, theme.style("list.dim")),
            Span::styled(fit(&names, width(&names).min(room)), theme.style("rule")),
        ]));
    }
    let room = max.saturating_sub(out.len());
    let more = info.checks.len().saturating_sub(room);
    let shown = if more > 0 {
        room.saturating_sub(1)
    } else {
        room
    };
    for c in info.checks.iter().take(shown) {
        let head = head(&format!("check {}: ", clean(&c.check)));
        let status = c.status.name().to_string();
        let used = width(&head) + width(&status) + 2;
        let summary = clean(&c.summary);
        let summary = fit(&summary, width(&summary).min(w.saturating_sub(used)));
        out.push(Line::from(vec![
            Span::styled(fit(&head, width(&head).min(w)), theme.style("list.dim")),
            Span::styled(status, theme.style(check_role(c.status))),
            Span::styled(format!("  {summary}"), theme.style("normal")),
        ]));
    }
    if more > 0 && room > 0 {
        out.push(Line::from(Span::styled(
            head(&format!(
                "… {} more check(s): putt series show {series_id}",
                info.checks.len() - shown,
            )),
            theme.style("list.dim"),
        )));
    }
    out
}
