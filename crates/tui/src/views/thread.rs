//! The thread view of a series: its revisions in one pane (state, check
//! status and matching rules of each), the rules and check results of the
//! shown revision under it (as `putt series show` prints them), and the
//! messages of that revision as a mutt thread tree in the other pane. Tab
//! switches panes; moving in the revisions pane loads that revision's
//! thread on a worker.

use std::collections::BTreeSet;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::series_list::check_role;
use super::{clean, date, date_time, fit, page_top, pane_top, person_name, row_style};
use crate::app::App;
use crate::error::Result;
use putt_core::series::Series;
use putt_core::thread::Thread;
use putt_ops::index::Index;
use putt_ops::series::RevisionInfo;

/// One drawn line of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRow {
    pub message_id: String,
    /// Tree drawing before the subject.
    pub prefix: String,
    pub subject: String,
    pub from: String,
    pub date: i64,
    /// False for a placeholder (a message the archive lacks).
    pub present: bool,
}

/// Which pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Revisions,
    Messages,
}

/// The thread view's state.
#[derive(Debug, Clone)]
pub struct ThreadState {
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
    pub waiting: Option<u64>,
    pub search: Option<String>,
    /// Message to put the cursor on once the thread arrives.
    pub want: Option<String>,
    /// State, rules and checks of each revision (empty until the worker
    /// answers).
    pub infos: Vec<RevisionInfo>,
}

impl ThreadState {
    pub fn new(series: Arc<Series>, revision: usize) -> ThreadState {
        ThreadState {
            series,
            revision,
            rev_selected: revision,
            marked: None,
            focus: Pane::Messages,
            rows: Vec::new(),
            selected: 0,
            waiting: None,
            search: None,
            want: None,
            infos: Vec::new(),
        }
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
}

/// Loads the messages of one revision (cover, patches, including ones
/// inherited from an older revision, and follow-ups) as a thread.
pub fn load(index: &Index, series: &Series, revision: usize) -> Result<Vec<ThreadRow>> {
    let Some(rev) = series.revisions.get(revision) else {
        return Ok(Vec::new());
    };
    let mut ids: BTreeSet<&str> = rev.members.iter().map(String::as_str).collect();
    ids.extend(rev.patches.iter().map(|p| p.mail.message_id.as_str()));
    if let Some(c) = &rev.cover {
        ids.insert(c.message_id.as_str());
    }
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(m) = index.by_message_id(id)?.into_iter().next() {
            found.push(m);
        }
    }
    let thread = Thread::build(found);
    Ok(thread
        .lines()
        .into_iter()
        .map(|l| {
            let node = &thread.nodes[l.node];
            match &node.message {
                Some(m) => ThreadRow {
                    message_id: node.message_id.clone(),
                    prefix: l.prefix,
                    subject: m.subject.clone(),
                    from: m.from_name(),
                    date: m.date,
                    present: true,
                },
                None => ThreadRow {
                    message_id: node.message_id.clone(),
                    prefix: l.prefix,
                    subject: String::new(),
                    from: String::new(),
                    date: 0,
                    present: false,
                },
            }
        })
        .collect())
}

/// Draws the thread view.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, s: &ThreadState) {
    if area.height < 4 {
        return;
    }
    let theme = &app.theme;
    let w = area.width as usize;
    let rev_h = s.revisions_height(area.height as usize) as u16;
    let latest = s.series.latest();
    let checks_ran = s.infos.iter().any(|i| !i.checks.is_empty());
    super::title_line(
        frame,
        Rect::new(area.x, area.y, area.width, 1),
        app,
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
        let fill = w.saturating_sub(super::width(&t));
        Paragraph::new(format!("{t}{}", "─".repeat(fill))).style(theme.style(role))
    };
    frame.render_widget(
        rule(
            &format!("Revisions ({})", s.series.revisions.len()),
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
        let state = app.state_of(&s.series, r);
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
        let mut rest = w.saturating_sub(super::width(&fixed) + 11);
        let subject = r
            .cover
            .as_ref()
            .map(|c| c.subject.clone())
            .or_else(|| r.patches.first().map(|p| p.mail.subject.clone()))
            .unwrap_or_else(|| r.subject.clone());
        let mut spans = vec![Span::styled(
            fixed,
            row_style(app, theme.style("normal"), selected),
        )];
        if checks_ran {
            let (letter, role) = match info.and_then(|i| i.check) {
                Some(c) => (c.letter(), check_role(c)),
                None => ('-', "count.zero"),
            };
            spans.push(Span::styled(
                format!("{letter} "),
                row_style(app, theme.style(role), selected),
            ));
            rest = rest.saturating_sub(2);
        }
        spans.push(Span::styled(
            state_txt,
            row_style(
                app,
                theme.style(&format!("state.{}", state.name())),
                selected,
            ),
        ));
        if let Some(i) = info.filter(|i| !i.rules.is_empty()) {
            let text = format!("[{}]", clean(&i.rules.join(" ")));
            let tag = fit(&text, super::width(&text).min(rest / 2));
            rest = rest.saturating_sub(super::width(&tag) + 1);
            spans.push(Span::styled(
                format!("{tag} "),
                row_style(app, theme.style("rule"), selected),
            ));
        }
        spans.push(Span::styled(
            fit(&clean(&subject), rest),
            row_style(app, theme.style("normal"), selected),
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
            Paragraph::new(flow_lines(app, info, &shown, &s.series.id, flow_h, w)),
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
        if s.waiting.is_some() {
            super::loading(frame, body, app, "gathering the thread…");
        }
        return;
    }
    let h = body.height as usize;
    let top = page_top(s.selected, h);
    let mut lines = Vec::new();
    for (i, row) in s.rows.iter().enumerate().skip(top).take(h) {
        let selected = i == s.selected && s.focus == Pane::Messages;
        let unread = row.present && !app.is_read(&row.message_id);
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
        let rest = w.saturating_sub(super::width(&fixed) + super::width(&prefix));
        let (subject, role) = if row.present {
            (clean(&row.subject), base)
        } else {
            (
                format!("(not in the archive) <{}>", clean(&row.message_id)),
                theme.style("placeholder"),
            )
        };
        let mut subject_style = row_style(app, role, selected);
        if let Some(p) = &s.search
            && !p.is_empty()
            && row.subject.to_lowercase().contains(&p.to_lowercase())
        {
            subject_style = subject_style.add_modifier(Modifier::UNDERLINED);
        }
        lines.push(Line::from(vec![
            Span::styled(fixed, row_style(app, base, selected)),
            Span::styled(prefix, row_style(app, theme.style("tree"), selected)),
            Span::styled(fit(&subject, rest), subject_style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), body);
}

/// `v2 rules: ready` and `v2 check build: fail  summary` lines, at most
/// `max`; the last says how many more checks there are when they do not
/// fit.
fn flow_lines(
    app: &App,
    info: &RevisionInfo,
    label: &str,
    series_id: &str,
    max: usize,
    w: usize,
) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut out = Vec::new();
    let head = |what: &str| format!("  {label} {what}");
    if !info.rules.is_empty() {
        let names = clean(&info.rules.join(", "));
        let head = head("rules: ");
        let room = w.saturating_sub(super::width(&head));
        out.push(Line::from(vec![
            Span::styled(head, theme.style("list.dim")),
            Span::styled(
                fit(&names, super::width(&names).min(room)),
                theme.style("rule"),
            ),
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
        let used = super::width(&head) + super::width(&status) + 2;
        let summary = clean(&c.summary);
        let summary = fit(&summary, super::width(&summary).min(w.saturating_sub(used)));
        out.push(Line::from(vec![
            Span::styled(
                fit(&head, super::width(&head).min(w)),
                theme.style("list.dim"),
            ),
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
