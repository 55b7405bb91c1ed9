//! The series list, putt's index: one row per series with its state,
//! newest revision, n/N received, A/R/T trailer counts, date, author and
//! subject, the names of the rules its newest revision matches before the
//! subject (`[ready]`); unread series in bold; once `putt check` has run,
//! a column with the worst check status of the newest revision. Rows
//! arrive a page at a time from a worker, newest first; scrolling near the
//! end asks for the next. It is always there, under the stack of the
//! other screens, and owns what it lists: the saved filter and the limit.

use std::collections::HashSet;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::interdiff::InterdiffScreen;
use super::page::PageScreen;
use super::thread::{ThreadScreen, revision_targets};
use super::{
    Ctx, Effect, Screen, StoreOp, error, info, is_move, latest_index, moved, not_here, pattern,
    prompt, revision, two_newest,
};
use crate::event::{Job, Notification};
use crate::keymap::{Action, ViewKind};
use crate::load::RowFlow;
use crate::prompt::{Answer, Ask, Target};
use crate::ui::{clean, date, fit, page_top, person_name, row_style, spinner, width};
use putt_core::series::Series;
use putt_ops::check::CheckStatus;
use putt_ops::series::Workflow;
use putt_ops::triage::TriageState;

/// One row: a series and what the list shows beside it.
#[derive(Debug, Clone)]
pub struct SeriesRow {
    pub series: Arc<Series>,
    pub flow: RowFlow,
}

/// How the list reads its pages.
pub struct ListOptions {
    /// Saved filters, in config order: (name, query).
    pub filters: Vec<(String, String)>,
    /// Matching messages the first page reads at most.
    pub first_page: usize,
    /// ... and each later page.
    pub next_page: usize,
    /// The configured rules and checks, to check a query's `is:` and
    /// `check:` terms before asking a worker.
    pub queries: Workflow,
}

/// The list's state.
pub struct SeriesList {
    pub rows: Vec<SeriesRow>,
    pub selected: usize,
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
    pub hidden: HashSet<String>,
    /// Saved filters, in config order: (name, query).
    pub filters: Vec<(String, String)>,
    /// The saved filter in use.
    pub filter: Option<usize>,
    /// What `l` limited the list to.
    pub limit: Option<String>,
    /// The series `+` marked: `+` on another makes that one a later
    /// revision of it.
    pub link_from: Option<Arc<Series>>,
    first_page: usize,
    next_page: usize,
    queries: Workflow,
}

impl SeriesList {
    pub fn new(opts: ListOptions) -> SeriesList {
        SeriesList {
            rows: Vec::new(),
            selected: 0,
            loaded: false,
            next_offset: 0,
            more: false,
            query: String::new(),
            search: None,
            want: None,
            show_checks: false,
            hidden: HashSet::new(),
            filters: opts.filters,
            filter: None,
            limit: None,
            link_from: None,
            first_page: opts.first_page.max(1),
            next_page: opts.next_page.max(1),
            queries: opts.queries,
        }
    }

    pub fn selected_series(&self) -> Option<&Arc<Series>> {
        self.rows.get(self.selected).map(|r| &r.series)
    }

    pub fn selected_id(&self) -> Option<String> {
        self.selected_series().map(|s| s.id.clone())
    }

    /// The saved filter and the limit, combined.
    pub fn effective_query(&self) -> String {
        let filter = self
            .filter
            .and_then(|i| self.filters.get(i))
            .map(|(_, q)| q.trim().to_string())
            .filter(|q| !q.is_empty());
        let limit = self
            .limit
            .as_ref()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty());
        match (filter, limit) {
            (Some(f), Some(l)) => format!("({f}) AND ({l})"),
            (Some(f), None) => f,
            (None, Some(l)) => l,
            (None, None) => String::new(),
        }
    }

    /// Asks for the list again from the top (query changed, new mail,
    /// a state changed), keeping the cursor on the series it is on when
    /// that is still there.
    pub fn reload(&mut self, cx: &Ctx) -> Vec<Effect> {
        let keep = self.selected_id();
        self.reload_keeping(keep, cx)
    }

    fn reload_keeping(&mut self, keep: Option<String>, cx: &Ctx) -> Vec<Effect> {
        let query = self.effective_query();
        // Enough matching messages to fill the screen (a series takes
        // about four on a busy list), capped by the first page's size:
        // the first screen comes sooner, the rest pages in behind it.
        let rows = rows_height(cx.body_height);
        let first = self.first_page.min((rows * 5).max(60));
        // A refresh of the same list reads as deep as it had paged; a new
        // query starts with one screen.
        let same = self.query == query;
        let hits = first.max(if keep.is_some() && same {
            self.next_offset
        } else {
            0
        });
        if !same {
            self.rows.clear();
            self.selected = 0;
            self.loaded = false;
        }
        self.query = query.clone();
        self.want = keep;
        vec![
            // What `putt state` (or another TUI) set meanwhile shows too.
            Effect::Store(StoreOp::CatchUp),
            Effect::Request(Job::List {
                patches_only: self.patches_only(&query, cx),
                query,
                offset: 0,
                hits,
            }),
        ]
    }

    /// Whether a list query counts only patches, covers and pull requests
    /// as hits: when it has no message terms (nothing, or only `is:` and
    /// `check:`), so a page holds as many series as it can.
    fn patches_only(&self, query: &str, cx: &Ctx) -> bool {
        query.trim().is_empty()
            || self
                .queries
                .parse_query(query, cx.now)
                .is_ok_and(|q| q.messages == putt_core::query::Query::All)
    }

    /// Pages more series in when the cursor is within a screen of the end.
    pub fn maybe_load_more(&mut self, cx: &Ctx) -> Vec<Effect> {
        let page = page(cx.body_height);
        if !self.loaded || !self.more || cx.waiting || self.selected + page < self.rows.len() {
            return Vec::new();
        }
        vec![Effect::Request(Job::List {
            patches_only: self.patches_only(&self.query, cx),
            query: self.query.clone(),
            offset: self.next_offset,
            hits: self.next_page,
        })]
    }

    fn cycle_filter(&mut self, forward: bool, cx: &Ctx) -> Vec<Effect> {
        if self.filters.is_empty() {
            return vec![info(
                "No saved filters: add some under [filters] in config.toml.",
            )];
        }
        let n = self.filters.len();
        // None -> 0 -> 1 ... -> n-1 -> None
        self.filter = match (self.filter, forward) {
            (None, true) => Some(0),
            (None, false) => Some(n - 1),
            (Some(i), true) if i + 1 < n => Some(i + 1),
            (Some(i), false) if i > 0 => Some(i - 1),
            _ => None,
        };
        let mut fx = vec![match self.filter {
            Some(i) => {
                let (name, q) = &self.filters[i];
                info(format!("Filter {name}: {q}"))
            }
            None => info("No filter."),
        }];
        fx.extend(self.reload(cx));
        fx
    }

    fn search_list(&mut self, forward: bool, cx: &Ctx) -> Vec<Effect> {
        let Some(pattern) = pattern(&self.search, cx) else {
            return vec![info("No search yet: / to search.")];
        };
        let needle = pattern.to_lowercase();
        let n = self.rows.len();
        let hit = (1..=n)
            .map(|step| {
                if forward {
                    (self.selected + step) % n
                } else {
                    (self.selected + n * 2 - step) % n
                }
            })
            .find(|&i| {
                let s = &self.rows[i].series;
                s.subject.to_lowercase().contains(&needle)
                    || s.author.to_lowercase().contains(&needle)
            });
        match hit {
            Some(i) => {
                self.selected = i;
                Vec::new()
            }
            None => vec![info(format!(
                "Not found in the {n} series loaded: {pattern}"
            ))],
        }
    }

    /// A page of series arrived.
    fn take_page(
        &mut self,
        page: &putt_ops::series::SeriesPage,
        offset: usize,
        flow: Vec<RowFlow>,
        checks_ran: bool,
    ) {
        self.loaded = true;
        self.more = page.more;
        self.next_offset = offset + page.hits;
        let keep = self
            .want
            .take()
            .or_else(|| (offset > 0).then(|| self.selected_id()).flatten());
        if offset == 0 {
            self.show_checks = checks_ran;
            self.hidden.clear();
        }
        self.hidden.extend(page.hidden.iter().cloned());
        let fresh = page.series.iter().zip(flow).map(|(s, flow)| SeriesRow {
            series: Arc::new(s.clone()),
            flow,
        });
        if offset == 0 {
            self.rows = fresh.collect();
        } else {
            let known: HashSet<String> = self.rows.iter().map(|r| r.series.id.clone()).collect();
            self.rows
                .extend(fresh.filter(|r| !known.contains(&r.series.id)));
            // A series found on a later page can be newer than rows
            // already shown (its newest revision matched nothing).
            self.rows.sort_by(|a, b| {
                b.series
                    .date()
                    .cmp(&a.series.date())
                    .then_with(|| a.series.id.cmp(&b.series.id))
            });
        }
        let n = self.rows.len();
        self.selected = keep
            .and_then(|id| position_of(&self.rows, &id))
            .unwrap_or(self.selected)
            .min(n.saturating_sub(1));
    }

    /// What the status line says about the list: where the cursor is
    /// (when the list is on top), how many series, the filter, the limit,
    /// what a rule hid.
    pub fn status(&self, on_top: bool) -> Vec<String> {
        let mut parts = Vec::new();
        let n = self.rows.len();
        let more = if self.more { "+" } else { "" };
        if on_top && n > 0 {
            parts.push(format!("{}/{n}{more} series", self.selected + 1));
        } else if on_top {
            parts.push(format!("0{more} series"));
        } else {
            parts.push(format!("{n}{more} series"));
        }
        if let Some(i) = self.filter
            && let Some((name, _)) = self.filters.get(i)
        {
            parts.push(format!("filter: {name}"));
        }
        if let Some(l) = &self.limit {
            parts.push(format!("limit: {}", clean(l)));
        }
        if !self.hidden.is_empty() {
            parts.push(format!("{} hidden", self.hidden.len()));
        }
        parts
    }

    /// Whether it shows all it is going to for now: its first page, with
    /// either a full screen of rows or nothing more being read (a page
    /// read ahead below the screen does not count).
    pub fn complete(&self, cx: &Ctx) -> bool {
        let h = rows_height(cx.body_height);
        let top = page_top(self.selected, h);
        self.loaded && (!cx.waiting || self.rows.len() >= top + h)
    }
}

impl Screen for SeriesList {
    fn kind(&self) -> ViewKind {
        ViewKind::SeriesList
    }

    fn start(&mut self, cx: &Ctx) -> Vec<Effect> {
        self.reload_keeping(None, cx)
    }

    fn handle(&mut self, a: Action, cx: &Ctx) -> Vec<Effect> {
        let page = page(cx.body_height);
        let selected = self.selected_series().cloned();
        match a {
            _ if is_move(a) => {
                self.selected = moved(self.selected, self.rows.len(), a, page);
                self.maybe_load_more(cx)
            }
            Action::Back if self.limit.is_some() => {
                self.limit = None;
                self.reload(cx)
            }
            Action::Back => Vec::new(),
            Action::Search => vec![prompt(Ask::Search, "Search: ", "")],
            Action::SearchNext | Action::SearchPrev => {
                self.search_list(a == Action::SearchNext, cx)
            }
            Action::Limit => vec![prompt(
                Ask::Limit,
                "Limit to: ",
                self.limit.clone().unwrap_or_default(),
            )],
            Action::NextFilter | Action::PrevFilter => {
                self.cycle_filter(a == Action::NextFilter, cx)
            }
            Action::Open
            | Action::Interdiff
            | Action::Trailers
            | Action::SetState
            | Action::Apply
            | Action::Export
            | Action::ToggleRead => {
                let Some(s) = selected else {
                    return Vec::new();
                };
                let meant = named_revision(&self.query, &s).unwrap_or_else(|| latest_index(&s));
                about_series(a, s, meant, cx)
            }
            Action::Link => {
                let Some(s) = selected else {
                    return Vec::new();
                };
                self.link(s)
            }
            _ => not_here(a),
        }
    }

    fn on_reply(&mut self, reply: Notification, cx: &Ctx) -> Vec<Effect> {
        match reply {
            Notification::List {
                page,
                offset,
                flow,
                checks_ran,
                ..
            } => {
                self.take_page(&page, offset, flow, checks_ran);
                self.maybe_load_more(cx)
            }
            Notification::Failed { .. } => {
                self.loaded = true;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_prompt(&mut self, ask: Ask, answer: Answer, cx: &Ctx) -> Vec<Effect> {
        match (ask, answer) {
            (Ask::Limit, Answer::Line(input)) => {
                // The terms `putt series` takes, `is:` and `check:` too,
                // with its errors.
                if !input.is_empty()
                    && let Err(e) = self.queries.parse_query(&input, cx.now)
                {
                    return vec![error(format!("Bad query: {e}"))];
                }
                self.limit = Some(input).filter(|q| !q.is_empty());
                let mut fx = vec![Effect::PopAll];
                fx.extend(self.reload(cx));
                fx
            }
            (ask, answer) => revision::answer(ask, answer, cx),
        }
    }

    fn set_search(&mut self, pattern: String) {
        self.search = Some(pattern);
    }

    fn empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn reply_targets(&self, review: bool) -> Option<(Vec<String>, String)> {
        let s = self.selected_series()?;
        revision_targets(s, latest_index(s), review)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        draw_list(frame, area, cx, self);
    }
}

impl SeriesList {
    /// `+`: marks a series, then makes another a later revision of it.
    fn link(&mut self, s: Arc<Series>) -> Vec<Effect> {
        match self.link_from.take() {
            None => {
                let text = format!(
                    "Series {} marked: + on another series makes it a later revision of this one.",
                    s.id
                );
                self.link_from = Some(s);
                vec![info(text)]
            }
            Some(a) if a.id == s.id => vec![info("Mark cleared.")],
            Some(a) => {
                vec![prompt(
                    Ask::Link {
                        earlier: a.id.clone(),
                        later: s.id.clone(),
                    },
                    format!(
                        "Make {} ({}) a later revision of {} ({})? (y/n) ",
                        s.id,
                        fit(&clean(&s.subject), 24),
                        a.id,
                        fit(&clean(&a.subject), 24)
                    ),
                    "",
                )]
            }
        }
    }
}

/// The revision a `m:` term of the list's query names (a Message-ID
/// names the revision it is in), if any.
fn named_revision(query: &str, s: &Series) -> Option<usize> {
    query
        .split_whitespace()
        .filter_map(|t| t.strip_prefix("m:"))
        .find_map(|id| putt_ops::revision::containing(s, id.trim_matches('"')))
}

/// Keys about the selected series: the revision `meant` (the newest, or
/// the one a Message-ID in the query names).
fn about_series(a: Action, s: Arc<Series>, meant: usize, cx: &Ctx) -> Vec<Effect> {
    match a {
        Action::Open => vec![Effect::Push(ThreadScreen::open_at(s, meant))],
        Action::Interdiff => {
            let pair = if meant == latest_index(&s) {
                two_newest(&s)
            } else {
                super::previous_revision(&s, meant).map(|from| (from, meant))
            };
            match pair {
                Some((from, to)) => vec![Effect::Push(InterdiffScreen::open(s, from, to))],
                None => vec![info("This series has one revision: nothing to compare.")],
            }
        }
        Action::Trailers => PageScreen::trailers(&s, meant)
            .map(Effect::Push)
            .into_iter()
            .collect(),
        Action::ToggleRead => {
            let ids: Vec<String> = s
                .revisions
                .iter()
                .flat_map(|r| r.members.iter().cloned())
                .collect();
            vec![Effect::Store(StoreOp::SetRead {
                ids,
                read: cx.series_unread(&s),
            })]
        }
        _ => revision::ask(
            a,
            Target {
                series: s,
                revision: meant,
            },
            cx,
        ),
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

fn draw_list(frame: &mut Frame, area: Rect, cx: &Ctx, s: &SeriesList) {
    let theme = cx.theme;
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
        let note = if cx.waiting || !s.loaded {
            format!("{} loading series…", spinner(cx.tick))
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
        lines.push(row_line(cx, s, row, i == s.selected, short, aw, subject_w));
    }
    frame.render_widget(Paragraph::new(lines), body);
}

fn row_line(
    cx: &Ctx,
    list: &SeriesList,
    row: &SeriesRow,
    selected: bool,
    short_date: bool,
    aw: usize,
    subject_w: usize,
) -> Line<'static> {
    let theme = cx.theme;
    let series = &row.series;
    let latest = series.latest();
    let state = cx.state_of(series, latest);
    let unread = cx.series_unread(series);
    let c = latest.counts();
    let mut base = theme.style("normal");
    if unread {
        base = base.patch(theme.style("list.unread"));
    }
    let st = |role: &str| row_style(theme, base.patch(theme.style(role)), selected);
    let plain = row_style(theme, base, selected);
    let mark = if cx.older_open(series) {
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
    if list.show_checks {
        let (text, role) = match row.flow.check {
            None => ('-', "count.zero"),
            Some(c) => (c.letter(), check_role(c)),
        };
        spans.push(Span::styled(format!(" {text}"), st(role)));
    }
    spans.extend([
        Span::styled(
            if short_date {
                format!(" {} ", short_day(series.date(), cx.now))
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
        let tag = fit(&text, width(&text).min(subject_w / 2));
        subject_w = subject_w.saturating_sub(width(&tag) + 1);
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
