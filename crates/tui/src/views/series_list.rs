//! The series list, putt's index view: one row per series with its state,
//! newest revision, n/N received, A/R/T trailer counts, date, author and
//! subject, the names of the rules its newest revision matches before the
//! subject (`[ready]`); unread series in bold; once `putt check` has run,
//! a column with the worst check status of the newest revision. Rows
//! arrive a page at a time from a worker, newest first; scrolling near the
//! end asks for the next.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{clean, date, fit, page_top, person_name, row_style};
use crate::app::App;
use putt_core::series::Series;
use putt_ops::check::CheckStatus;
use putt_ops::triage::TriageState;

/// One row: a series and what the list shows beside it.
#[derive(Debug, Clone)]
pub struct SeriesRow {
    pub series: Arc<Series>,
    pub flow: RowFlow,
}

/// What the workflow says about a series' newest revision, as a row shows
/// it (computed by the worker that loaded the page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowFlow {
    /// The worst status of its checks.
    pub check: Option<CheckStatus>,
    /// Names of the rules that match, in config order.
    pub rules: Vec<String>,
}

/// The list's state.
#[derive(Debug, Clone, Default)]
pub struct SeriesListState {
    pub rows: Vec<SeriesRow>,
    pub selected: usize,
    /// Generation of the page request still to answer.
    pub waiting: Option<u64>,
    /// Whether a first page has arrived for the current query.
    pub loaded: bool,
    /// Matching messages read so far: the next page starts here.
    pub next_offset: usize,
    pub more: bool,
    /// The query the rows answer (saved filter and limit combined).
    pub query: String,
    pub search: Option<String>,
    /// A series to put the cursor on when the rows arrive (kept across a
    /// refresh).
    pub want: Option<String>,
    /// Whether any check ever ran: then the list has a check column.
    pub show_checks: bool,
    /// Series of the pages read so far that a rule with `hide = true`
    /// left out: the status line counts them.
    pub hidden: std::collections::HashSet<String>,
}

impl SeriesListState {
    pub fn selected_series(&self) -> Option<&Arc<Series>> {
        self.rows.get(self.selected).map(|r| &r.series)
    }
}

/// The short state label of the list's state column.
pub fn state_label(s: TriageState) -> &'static str {
    match s {
        TriageState::New => "new",
        TriageState::Reviewing => "rev",
        TriageState::Waiting => "wait",
        TriageState::Accepted => "acc",
        TriageState::Rejected => "rej",
        TriageState::Superseded => "sup",
        TriageState::Ignored => "ign",
    }
}

/// Column widths for a terminal width: the author column grows on wide
/// terminals, the subject takes the rest.
fn author_width(w: usize) -> usize {
    (w / 6).clamp(10, 24)
}

/// Draws the list.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let s = &app.list;
    if area.height == 0 {
        return;
    }
    let w = area.width as usize;
    let aw = author_width(w);
    // Narrow terminals get mutt's short dates, so the subject keeps room.
    let short = w < 100;
    let date_w = if short { 8 } else { 12 };
    let check_w = if s.show_checks { 2 } else { 0 };
    // Fixed part: flag state rev n/N A R T [check] date author
    let fixed_w = 2 + 5 + 5 + 6 + 9 + check_w + date_w + aw + 1;
    let subject_w = w.saturating_sub(fixed_w);
    let header = format!(
        "  {}{}  n/N   A  R  T{}{}{}{}",
        fit("St", 5),
        fit("Rev", 5),
        if s.show_checks { " C" } else { "" },
        fit(" Date", date_w),
        fit("Author", aw + 1),
        fit("Subject", subject_w),
    );
    frame.render_widget(
        Paragraph::new(fit(&header, w)).style(theme.style("list.header")),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    if s.rows.is_empty() {
        let note = if s.waiting.is_some() || !s.loaded {
            format!("{} loading series…", app.spinner())
        } else if s.query.is_empty() {
            "No patch series in the index yet.".to_string()
        } else {
            format!("No series match {}", clean(&s.query))
        };
        frame.render_widget(Paragraph::new(note).style(theme.style("list.dim")), body);
        return;
    }
    let h = body.height as usize;
    let top = page_top(s.selected, h);
    let mut lines = Vec::with_capacity(h);
    for (i, row) in s.rows.iter().enumerate().skip(top).take(h) {
        lines.push(row_line(app, row, i == s.selected, short, aw, subject_w));
    }
    frame.render_widget(Paragraph::new(lines), body);
}

fn row_line(
    app: &App,
    row: &SeriesRow,
    selected: bool,
    short_date: bool,
    aw: usize,
    subject_w: usize,
) -> Line<'static> {
    let theme = &app.theme;
    let series = &row.series;
    let latest = series.latest();
    let state = app.state_of(series, latest);
    let unread = app.series_unread(series);
    let c = latest.counts();
    let mut base = theme.style("normal");
    if unread {
        base = base.patch(theme.style("list.unread"));
    }
    let st = |role: &str| row_style(app, base.patch(theme.style(role)), selected);
    let plain = row_style(app, base, selected);
    let mark = if app.older_open(series) {
        "*"
    } else if series.revisions.len() > 1 {
        "+"
    } else {
        ""
    };
    let count = |n: u32, role: &str| {
        let role = if n == 0 { "count.zero" } else { role };
        Span::styled(format!("{n:>3}"), st(role))
    };
    let mut spans = vec![
        Span::styled(if unread { "N " } else { "  " }, plain),
        Span::styled(
            fit(state_label(state), 5),
            st(&format!("state.{}", state.name())),
        ),
        Span::styled(fit(&format!("v{}{mark}", latest.version), 5), plain),
        Span::styled(
            format!("{:>5} ", format!("{}/{}", latest.received(), latest.total)),
            if latest.complete() {
                plain
            } else {
                st("state.waiting")
            },
        ),
        count(c.acked, "count.acked"),
        count(c.reviewed, "count.reviewed"),
        count(c.tested, "count.tested"),
    ];
    if app.list.show_checks {
        let (text, role) = match row.flow.check {
            None => ('-', "count.zero"),
            Some(c) => (c.letter(), check_role(c)),
        };
        spans.push(Span::styled(format!(" {text}"), st(role)));
    }
    spans.extend([
        Span::styled(
            if short_date {
                format!(" {} ", short_day(series.date(), app.now))
            } else {
                format!(" {} ", date(series.date()))
            },
            st("date"),
        ),
        Span::styled(
            format!("{} ", fit(&clean(person_name(&series.author)), aw)),
            st("author"),
        ),
    ]);
    let mut subject_w = subject_w;
    if c.nacked > 0 {
        spans.push(Span::styled("NAK ", st("nak")));
        subject_w = subject_w.saturating_sub(4);
    }
    if !row.flow.rules.is_empty() {
        // Before the subject, which is cut to fit: a rule is what a
        // maintainer scans the list for. At most half the subject's room.
        let text = format!("[{}]", clean(&row.flow.rules.join(" ")));
        let tag = fit(&text, super::width(&text).min(subject_w / 2));
        subject_w = subject_w.saturating_sub(super::width(&tag) + 1);
        spans.push(Span::styled(tag, st("rule")));
        spans.push(Span::styled(" ", plain));
    }
    spans.push(Span::styled(fit(&clean(&series.subject), subject_w), plain));
    Line::from(spans)
}

/// The theme role of a check status (`check.fail`, ...).
pub fn check_role(c: CheckStatus) -> &'static str {
    match c {
        CheckStatus::Success => "check.success",
        CheckStatus::Warning => "check.warning",
        CheckStatus::Fail => "check.fail",
        CheckStatus::Interrupted => "check.interrupted",
        CheckStatus::Pending => "check.pending",
        CheckStatus::Cancelled => "check.cancelled",
    }
}

/// mutt's short date: `Jul 14` in the current year, else the year.
pub fn short_day(t: i64, now: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(d) if d.year() == now.year() => d.format("%b %d").to_string(),
        Some(d) => format!("{:>6}", d.year()),
        None => "??????".into(),
    }
}

/// A key for the selection to follow a series across reloads.
pub fn position_of(rows: &[SeriesRow], id: &str) -> Option<usize> {
    rows.iter().position(|r| r.series.id == id)
}

/// The height of the list's rows for a body of `body_height` lines.
pub fn rows_height(body_height: usize) -> usize {
    body_height.saturating_sub(1)
}

/// Page size hint for `page_top`.
pub fn page(body_height: usize) -> usize {
    rows_height(body_height).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_short_and_distinct() {
        let labels: Vec<&str> = TriageState::ALL.iter().map(|s| state_label(*s)).collect();
        for l in &labels {
            assert!(l.len() <= 4);
            assert_eq!(labels.iter().filter(|x| *x == l).count(), 1);
        }
        let now = chrono::DateTime::from_timestamp(1_784_000_000, 0).expect("now");
        assert_eq!(short_day(1_783_987_200, now), "Jul 14");
        assert_eq!(short_day(1_700_000_000, now), "  2023");
    }
}
