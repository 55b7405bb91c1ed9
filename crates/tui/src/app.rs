//! The TUI's state and its one `update()`.
//!
//! Everything the screen shows is in [`App`]; [`App::update`] is the only
//! place it changes. A key becomes an [`Action`] through the keymap (or
//! goes to the prompt); a worker's answer arrives as a notification. Work
//! that would block is never done here: `update` queues a
//! [`Request`] (taken by [`App::take_requests`]) and shows a spinner until
//! the answer comes. Triage state is the exception: it is a single append
//! to a file, done here so a kill loses at most that change (its
//! `state.changed` event is appended here too; the event hook runs on a
//! worker).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use super::event::{Event, Notification, Request, Slot};
use super::keymap::{Key, Keymap, ViewKind};
use super::reply::{DraftRef, ReplyKind};
use super::theme::Theme;
use super::views::interdiff::{InterdiffState, Pane as DiffPane};
use super::views::message::{MessageState, PatchNav};
use super::views::pager::Pager;
use super::views::series_list::{SeriesListState, SeriesRow, position_of};
use super::views::thread::{Pane, ThreadState};
use super::views::trailers::PagerView;
use super::views::{self, areas};
use putt_core::series::{Revision, Series};
use putt_ops::events::EventLog;
use putt_ops::reply::{AfterEdit, Drafts, Mode, Review};
use putt_ops::series::Workflow;
use putt_ops::triage::{StateStore, TriageState};

/// What a user can ask for; keys map to these (see the keymap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Open,
    Back,
    Quit,
    Help,
    Search,
    SearchNext,
    SearchPrev,
    Limit,
    NextFilter,
    PrevFilter,
    PrevPatch,
    NextPatch,
    FocusNext,
    Interdiff,
    Trailers,
    Apply,
    Export,
    Reply,
    GroupReply,
    ListReply,
    Review,
    SetState,
    ToggleRead,
    Mark,
    OlderFrom,
    NewerFrom,
    PickRevisions,
    Reindex,
    Redraw,
}

/// A view stacked over the series list.
#[derive(Debug, Clone)]
pub enum View {
    Thread(ThreadState),
    Message(MessageState),
    Interdiff(InterdiffState),
    Trailers(PagerView),
    Help(PagerView),
}

/// A line in the message area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub error: bool,
}

/// What a prompt is asking for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Limit,
    Search,
    /// One key picks the state.
    State,
    /// Two revisions for the interdiff view on top.
    Revisions,
    ApplyRepo,
    ApplyBranch {
        repo: PathBuf,
    },
    Export,
    /// One key picks the review trailer for these messages.
    Review {
        targets: Vec<String>,
    },
    /// One key: send, edit again, keep or discard the draft in front.
    AfterEdit,
}

/// The one-line prompt at the bottom.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub label: String,
    pub input: String,
    /// Cursor position, in characters.
    pub cursor: usize,
    /// The revision it is about (state, apply, export).
    pub target: Option<(Arc<Series>, usize)>,
}

/// Settings of an [`App`].
pub struct AppOptions {
    pub keymap: Keymap,
    pub theme: Theme,
    /// Saved filters, in config order: (name, query).
    pub filters: Vec<(String, String)>,
    /// Configured repositories for apply: (name, path).
    pub repos: Vec<(String, PathBuf)>,
    pub inbox_names: Vec<String>,
    pub now: chrono::DateTime<chrono::Utc>,
    /// Matching messages the first page of the list reads.
    pub first_page: usize,
    /// ... and each later page.
    pub next_page: usize,
    /// Index new mail when the TUI starts.
    pub index_on_start: bool,
    /// The drafts folder replies are written to.
    pub drafts: Drafts,
    /// The configured rules and checks, to check a query's `is:` and
    /// `check:` terms before asking a worker.
    pub queries: Workflow,
    /// Where state changes are logged (`putt events`).
    pub events: EventLog,
}

/// The whole state of the TUI.
pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub store: Option<StateStore>,
    pub filters: Vec<(String, String)>,
    pub filter: Option<usize>,
    pub limit: Option<String>,
    pub list: SeriesListState,
    pub stack: Vec<View>,
    pub prompt: Option<Prompt>,
    pub message: Option<StatusMessage>,
    /// (done, total) while an index run is going.
    pub indexing: Option<(u64, u64)>,
    pub tick: usize,
    pub quit: bool,
    pub size: Rect,
    /// The terminal must be cleared and redrawn from scratch.
    pub redraw_all: bool,
    pub repos: Vec<(String, PathBuf)>,
    pub inbox_names: Vec<String>,
    pub now: chrono::DateTime<chrono::Utc>,
    drafts: Drafts,
    index_gen: Option<u64>,
    git_gen: Option<u64>,
    /// A compose or send request in flight.
    mail_gen: Option<u64>,
    /// Drafts composed and not yet sent, kept or discarded; the first is
    /// the one the prompt or the editor is about.
    pub outgoing: VecDeque<DraftRef>,
    /// Open the editor on each draft before asking (a reply, not a
    /// one-key review).
    edit_first: bool,
    /// A draft to open in the editor: the terminal loop suspends the UI.
    suspend: Option<DraftRef>,
    /// Keys typed while the view on top had nothing to show yet.
    typeahead: VecDeque<KeyEvent>,
    next_gen: u64,
    requests: Vec<Request>,
    last_search: Option<String>,
    first_page: usize,
    next_page: usize,
    index_on_start: bool,
    queries: Workflow,
    events: EventLog,
}

impl App {
    pub fn new(opts: AppOptions, store: Option<StateStore>) -> App {
        App {
            keymap: opts.keymap,
            theme: opts.theme,
            store,
            filters: opts.filters,
            filter: None,
            limit: None,
            list: SeriesListState::default(),
            stack: Vec::new(),
            prompt: None,
            message: None,
            indexing: None,
            tick: 0,
            quit: false,
            size: Rect::new(0, 0, 80, 24),
            redraw_all: false,
            repos: opts.repos,
            inbox_names: opts.inbox_names,
            now: opts.now,
            drafts: opts.drafts,
            index_gen: None,
            git_gen: None,
            mail_gen: None,
            outgoing: VecDeque::new(),
            edit_first: false,
            suspend: None,
            typeahead: VecDeque::new(),
            next_gen: 1,
            requests: Vec::new(),
            last_search: None,
            first_page: opts.first_page.max(1),
            next_page: opts.next_page.max(1),
            index_on_start: opts.index_on_start,
            queries: opts.queries,
            events: opts.events,
        }
    }

    /// Queues what the first screen needs: the list from the index as it
    /// is, and (in the background) an incremental index run.
    pub fn start(&mut self) {
        self.reload_list(None);
        if self.index_on_start {
            self.start_index();
        }
    }

    /// Requests queued by `update`, for the workers.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    fn seq(&mut self) -> u64 {
        self.next_gen += 1;
        self.next_gen
    }

    /// The one place the state changes.
    pub fn update(&mut self, ev: Event) {
        match ev {
            Event::Key(k) => self.key(k),
            Event::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.maybe_load_more();
            }
            Event::Tick => self.tick = self.tick.wrapping_add(1),
            Event::Worker(n) => {
                self.notify(n);
                self.replay_typeahead();
            }
            Event::Terminate => self.quit = true,
            Event::Edited { id, error } => self.edited(&id, error),
        }
    }

    /// A draft the UI must suspend to the editor for; the terminal loop
    /// takes it, runs the editor and answers with [`Event::Edited`].
    pub fn take_suspend(&mut self) -> Option<DraftRef> {
        self.suspend.take()
    }

    /// Whether a suspend to the editor is waiting.
    pub fn suspend_pending(&self) -> bool {
        self.suspend.is_some()
    }

    fn key(&mut self, k: KeyEvent) {
        if self.prompt.is_some() {
            self.prompt_key(k);
            return;
        }
        let key = Key::from_event(k);
        // Keys typed ahead of a view that has nothing to show yet wait for
        // it (Enter right after a limit opens the first match, as in
        // mutt); leaving and quitting never wait.
        if self.view_empty_waiting() {
            let leaves = matches!(
                self.keymap.lookup(self.view_kind(), key),
                Some(Action::Back | Action::Quit | Action::Redraw | Action::Help) | None
            );
            if !leaves {
                if self.typeahead.len() < 64 {
                    self.typeahead.push_back(k);
                }
                return;
            }
            self.typeahead.clear();
        }
        match self.keymap.lookup(self.view_kind(), key) {
            Some(a) => {
                self.message = None;
                self.act(a);
            }
            None => {
                let help = self
                    .keymap
                    .key_for(self.view_kind(), &Action::Help)
                    .map(|k| format!(" ({k} for help)"))
                    .unwrap_or_default();
                self.info(format!("Key {key} is not bound in this view{help}."));
            }
        }
    }

    /// The kind of the view on top.
    pub fn view_kind(&self) -> ViewKind {
        views::kind_of(self.stack.last())
    }

    fn body_height(&self) -> usize {
        areas(self.size).body.height as usize
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            error: false,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            error: true,
        });
    }

    fn act(&mut self, a: Action) {
        match a {
            Action::Quit => {
                self.quit = true;
                return;
            }
            Action::Redraw => {
                self.redraw_all = true;
                return;
            }
            Action::Reindex => {
                self.start_index();
                return;
            }
            Action::Help => {
                if !matches!(self.stack.last(), Some(View::Help(_))) {
                    let kind = self.view_kind();
                    self.stack.push(View::Help(PagerView {
                        title: format!("Help: {} (q to close)", kind.title()),
                        pager: Pager::new(views::help::lines(&self.keymap, kind)),
                        search: None,
                    }));
                }
                return;
            }
            Action::Reply | Action::GroupReply | Action::ListReply | Action::Review => {
                self.reply(a);
                return;
            }
            _ => {}
        }
        match self.view_kind() {
            ViewKind::SeriesList => self.act_list(a),
            ViewKind::Thread => self.act_thread(a),
            ViewKind::Message => self.act_message(a),
            ViewKind::Interdiff => self.act_interdiff(a),
            ViewKind::Trailers | ViewKind::Help => self.act_pager(a),
        }
    }

    fn not_here(&mut self, a: Action) {
        let name = super::keymap::action_name(&a).unwrap_or("that");
        self.info(format!("{name}: not available in this view"));
    }

    // ---- the series list ----

    fn act_list(&mut self, a: Action) {
        let page = views::series_list::page(self.body_height());
        let n = self.list.rows.len();
        match a {
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp => {
                self.list.selected = moved(self.list.selected, n, a, page);
                self.maybe_load_more();
            }
            Action::Back => {
                if self.limit.is_some() {
                    self.limit = None;
                    self.reload_list(self.selected_id());
                }
            }
            Action::Open => {
                if let Some(s) = self.list.selected_series().cloned() {
                    self.open_thread(s);
                }
            }
            Action::Search => self.open_prompt(PromptKind::Search, "Search: ", "", None),
            Action::SearchNext | Action::SearchPrev => {
                self.search_list(a == Action::SearchNext);
            }
            Action::Limit => {
                let current = self.limit.clone().unwrap_or_default();
                self.open_prompt(PromptKind::Limit, "Limit to: ", &current, None);
            }
            Action::NextFilter | Action::PrevFilter => self.cycle_filter(a == Action::NextFilter),
            Action::Interdiff => {
                if let Some(s) = self.list.selected_series().cloned() {
                    match two_newest(&s) {
                        Some((from, to)) => self.open_interdiff(s, from, to),
                        None => self.info("This series has one revision: nothing to compare."),
                    }
                }
            }
            Action::Trailers => {
                if let Some(s) = self.list.selected_series().cloned() {
                    let i = latest_index(&s);
                    self.open_trailers(s, i);
                }
            }
            Action::SetState | Action::Apply | Action::Export => {
                if let Some(s) = self.list.selected_series().cloned() {
                    let i = latest_index(&s);
                    self.ask_about(a, s, i);
                }
            }
            Action::ToggleRead => {
                if let Some(s) = self.list.selected_series().cloned() {
                    let ids: Vec<String> = s
                        .revisions
                        .iter()
                        .flat_map(|r| r.members.iter().cloned())
                        .collect();
                    let read = self.series_unread(&s);
                    self.set_read(ids, read);
                }
            }
            _ => self.not_here(a),
        }
    }

    fn selected_id(&self) -> Option<String> {
        self.list.selected_series().map(|s| s.id.clone())
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

    /// Asks for the list again from the top (query changed, new mail),
    /// keeping the cursor on `keep` when it is still there.
    fn reload_list(&mut self, keep: Option<String>) {
        // What `putt state` (or another TUI) set meanwhile shows too.
        if let Some(store) = &mut self.store
            && let Err(e) = store.catch_up()
        {
            self.error(format!("Reading the triage state failed: {e}"));
        }
        let seq = self.seq();
        let query = self.effective_query();
        // Enough matching messages to fill the screen (a series takes
        // about four on a busy list), capped by the first page's size:
        // the first screen comes sooner, the rest pages in behind it.
        let rows = views::series_list::rows_height(self.body_height());
        let first = self.first_page.min((rows * 5).max(60));
        // A refresh of the same list reads as deep as it had paged; a new
        // query starts with one screen.
        let same = self.list.query == query;
        let hits = first.max(if keep.is_some() && same {
            self.list.next_offset
        } else {
            0
        });
        if !same {
            self.list.rows.clear();
            self.list.selected = 0;
            self.list.loaded = false;
        }
        self.list.query = query.clone();
        self.list.waiting = Some(seq);
        self.list.want = keep;
        self.requests.push(Request::List {
            seq,
            patches_only: self.patches_only(&query),
            query,
            offset: 0,
            hits,
        });
    }

    /// Whether a list query counts only patches, covers and pull requests
    /// as hits: when it has no message terms (nothing, or only `is:` and
    /// `check:`), so a page holds as many series as it can.
    fn patches_only(&self, query: &str) -> bool {
        query.trim().is_empty()
            || self
                .queries
                .parse_query(query, self.now)
                .is_ok_and(|q| q.messages == putt_core::query::Query::All)
    }

    /// Pages more series in when the cursor is within a screen of the end.
    fn maybe_load_more(&mut self) {
        let page = views::series_list::page(self.body_height());
        let l = &self.list;
        if !l.loaded || !l.more || l.waiting.is_some() || l.selected + page < l.rows.len() {
            return;
        }
        let seq = self.seq();
        let query = self.list.query.clone();
        self.list.waiting = Some(seq);
        self.requests.push(Request::List {
            seq,
            patches_only: self.patches_only(&query),
            query,
            offset: self.list.next_offset,
            hits: self.next_page,
        });
    }

    fn cycle_filter(&mut self, forward: bool) {
        if self.filters.is_empty() {
            self.info("No saved filters: add some under [filters] in config.toml.");
            return;
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
        match self.filter {
            Some(i) => {
                let (name, q) = &self.filters[i];
                self.info(format!("Filter {name}: {q}"));
            }
            None => self.info("No filter."),
        }
        let keep = self.selected_id();
        self.reload_list(keep);
    }

    fn search_list(&mut self, forward: bool) {
        let Some(pattern) = self.list.search.clone().or(self.last_search.clone()) else {
            self.info("No search yet: / to search.");
            return;
        };
        let needle = pattern.to_lowercase();
        let n = self.list.rows.len();
        let hit = (1..=n)
            .map(|step| {
                if forward {
                    (self.list.selected + step) % n
                } else {
                    (self.list.selected + n * 2 - step) % n
                }
            })
            .find(|&i| {
                let s = &self.list.rows[i].series;
                s.subject.to_lowercase().contains(&needle)
                    || s.author.to_lowercase().contains(&needle)
            });
        match hit {
            Some(i) => self.list.selected = i,
            None => self.info(format!("Not found in the {n} series loaded: {pattern}")),
        }
    }

    // ---- opening views ----

    fn open_thread(&mut self, series: Arc<Series>) {
        let rev = latest_index(&series);
        let mut st = ThreadState::new(series, rev);
        let seq = self.seq();
        st.waiting = Some(seq);
        self.requests.push(Request::Thread {
            seq,
            series: st.series.clone(),
            revision: rev,
        });
        self.stack.push(View::Thread(st));
    }

    fn open_message(&mut self, message_id: String, subject: String, nav: Option<PatchNav>) {
        let seq = self.seq();
        self.requests.push(Request::Message {
            seq,
            message_id: message_id.clone(),
        });
        self.set_read(vec![message_id.clone()], true);
        self.stack.push(View::Message(MessageState {
            message_id,
            subject,
            pager: Pager::default(),
            waiting: Some(seq),
            nav,
            search: None,
        }));
    }

    fn open_interdiff(&mut self, series: Arc<Series>, from: usize, to: usize) {
        let mut st = InterdiffState::new(series, from, to);
        let seq = self.seq();
        st.waiting = Some(seq);
        self.requests.push(Request::Interdiff {
            seq,
            series: st.series.clone(),
            from,
            to,
        });
        self.stack.push(View::Interdiff(st));
    }

    fn open_trailers(&mut self, series: Arc<Series>, revision: usize) {
        let Some(rev) = series.revisions.get(revision) else {
            return;
        };
        self.stack.push(View::Trailers(PagerView {
            title: format!("Trailers of {} — {}", rev.label(), series.subject),
            pager: Pager::new(views::trailers::lines(&series, rev)),
            search: None,
        }));
    }

    /// Opens the prompt an action needs about a revision.
    fn ask_about(&mut self, a: Action, series: Arc<Series>, revision: usize) {
        let label = series
            .revisions
            .get(revision)
            .map(|r| r.label())
            .unwrap_or_default();
        match a {
            Action::SetState => {
                let prompt = format!(
                    "State of {label}: n)ew r)eviewing w)aiting a)ccepted x)rejected s)uperseded i)gnored c)lear "
                );
                self.open_prompt(PromptKind::State, &prompt, "", Some((series, revision)));
            }
            Action::Apply | Action::Export if self.git_gen.is_some() => {
                self.info("An apply or export is still running.");
            }
            Action::Apply => {
                // The [repos] entry named like the inbox, else the first.
                let default = series
                    .revisions
                    .get(revision)
                    .and_then(|r| {
                        r.patches
                            .iter()
                            .find_map(|p| self.repos.iter().find(|(n, _)| *n == p.mail.inbox))
                    })
                    .or(self.repos.first())
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
                let label = if self.repos.is_empty() {
                    "Apply to repo (path; [repos] in config.toml names them): ".to_string()
                } else {
                    let names: Vec<&str> = self.repos.iter().map(|(n, _)| n.as_str()).collect();
                    format!("Apply to repo ({} or a path): ", names.join(", "))
                };
                self.open_prompt(
                    PromptKind::ApplyRepo,
                    &label,
                    &default,
                    Some((series, revision)),
                );
            }
            Action::Export => {
                let default = series
                    .revisions
                    .get(revision)
                    .map_or_else(|| "series".into(), super::git::default_name);
                let default = format!("./{default}.mbx");
                self.open_prompt(
                    PromptKind::Export,
                    "Export mbox to: ",
                    &default,
                    Some((series, revision)),
                );
            }
            _ => {}
        }
    }

    // ---- the thread view ----

    fn act_thread(&mut self, a: Action) {
        let body = self.body_height();
        let Some(View::Thread(st)) = self.stack.last_mut() else {
            return;
        };
        let thread_h = st.thread_height(body).max(1);
        let revs = st.series.revisions.len();
        match (a, st.focus) {
            (
                Action::Down
                | Action::Up
                | Action::Top
                | Action::Bottom
                | Action::PageDown
                | Action::PageUp,
                Pane::Revisions,
            ) => {
                let before = st.rev_selected;
                st.rev_selected = moved(st.rev_selected, revs, a, 5);
                if st.rev_selected != before {
                    // Show the thread of the revision under the cursor.
                    let rev = st.rev_selected;
                    self.show_revision(rev, false);
                }
            }
            (
                Action::Down
                | Action::Up
                | Action::Top
                | Action::Bottom
                | Action::PageDown
                | Action::PageUp,
                Pane::Messages,
            ) => {
                st.selected = moved(st.selected, st.rows.len(), a, thread_h);
            }
            (Action::FocusNext, _) => {
                st.focus = match st.focus {
                    Pane::Revisions => Pane::Messages,
                    Pane::Messages => Pane::Revisions,
                };
            }
            (Action::Open, Pane::Revisions) => {
                let rev = st.rev_selected;
                self.show_revision(rev, true);
            }
            (Action::Open, Pane::Messages) => {
                let Some(row) = st.selected_row().cloned() else {
                    return;
                };
                if !row.present {
                    self.info("That message is not in the archive.");
                    return;
                }
                let nav = PatchNav::new(st.series.clone(), st.revision, &row.message_id);
                self.open_message(row.message_id, row.subject, nav);
            }
            (Action::Back, _) => {
                self.stack.pop();
            }
            (Action::Mark, _) => {
                let i = st.rev_selected;
                st.marked = if st.marked == Some(i) { None } else { Some(i) };
                let text = match st.marked {
                    Some(i) => format!(
                        "{} marked: d compares it with the revision under the cursor.",
                        st.series.revisions[i].label()
                    ),
                    None => "Mark cleared.".into(),
                };
                self.info(text);
            }
            (Action::Interdiff, focus) => {
                let to = if focus == Pane::Revisions {
                    st.rev_selected
                } else {
                    st.revision
                };
                let from = match st.marked {
                    Some(m) if m != to => Some(m),
                    _ => previous_revision(&st.series, to),
                };
                let series = st.series.clone();
                match from {
                    Some(from) => self.open_interdiff(series, from, to),
                    None => self.info("No other revision to compare with."),
                }
            }
            (Action::Trailers | Action::SetState | Action::Apply | Action::Export, focus) => {
                let rev = if focus == Pane::Revisions {
                    st.rev_selected
                } else {
                    st.revision
                };
                let series = st.series.clone();
                if a == Action::Trailers {
                    self.open_trailers(series, rev);
                } else {
                    self.ask_about(a, series, rev);
                }
            }
            (Action::PrevPatch | Action::NextPatch, _) => {
                let Some(rev) = st.series.revisions.get(st.revision) else {
                    return;
                };
                let patches: Vec<&str> = rev
                    .cover
                    .iter()
                    .map(|c| c.message_id.as_str())
                    .chain(rev.patches.iter().map(|p| p.mail.message_id.as_str()))
                    .collect();
                let is_patch = |i: usize| {
                    st.rows
                        .get(i)
                        .is_some_and(|r| patches.contains(&r.message_id.as_str()))
                };
                let n = st.rows.len();
                let next = if a == Action::NextPatch {
                    (st.selected + 1..n).find(|&i| is_patch(i))
                } else {
                    (0..st.selected).rev().find(|&i| is_patch(i))
                };
                if let Some(i) = next {
                    st.selected = i;
                    st.focus = Pane::Messages;
                }
            }
            (Action::ToggleRead, Pane::Messages) => {
                if let Some(row) = st.selected_row().cloned() {
                    let read = !self.is_read(&row.message_id);
                    self.set_read(vec![row.message_id], read);
                }
            }
            (Action::Search, _) => self.open_prompt(PromptKind::Search, "Search: ", "", None),
            (Action::SearchNext | Action::SearchPrev, _) => {
                let Some(p) = st.search.clone().or(self.last_search.clone()) else {
                    return;
                };
                let needle = p.to_lowercase();
                let n = st.rows.len();
                let forward = a == Action::SearchNext;
                let hit = (1..=n)
                    .map(|k| {
                        if forward {
                            (st.selected + k) % n
                        } else {
                            (st.selected + n * 2 - k) % n
                        }
                    })
                    .find(|&i| {
                        st.rows[i].subject.to_lowercase().contains(&needle)
                            || st.rows[i].from.to_lowercase().contains(&needle)
                    });
                match hit {
                    Some(i) => {
                        st.selected = i;
                        st.focus = Pane::Messages;
                    }
                    None => self.info(format!("Not found: {p}")),
                }
            }
            _ => self.not_here(a),
        }
    }

    /// Shows revision `rev` in the thread view on top.
    fn show_revision(&mut self, rev: usize, focus_messages: bool) {
        let seq = self.seq();
        let Some(View::Thread(st)) = self.stack.last_mut() else {
            return;
        };
        if focus_messages {
            st.focus = Pane::Messages;
        }
        if st.revision == rev && !st.rows.is_empty() {
            return;
        }
        st.revision = rev;
        st.rows.clear();
        st.selected = 0;
        st.waiting = Some(seq);
        self.requests.push(Request::Thread {
            seq,
            series: st.series.clone(),
            revision: rev,
        });
    }

    // ---- the message view ----

    fn act_message(&mut self, a: Action) {
        let h = self.body_height().saturating_sub(1).max(1);
        // Taken up front: the view below borrows self.
        let next_seq = self.seq();
        let Some(View::Message(st)) = self.stack.last_mut() else {
            return;
        };
        if scroll_pager(&mut st.pager, a, h) {
            return;
        }
        match a {
            Action::Back => {
                // Back in the thread, the cursor follows the patch walk.
                let id = st.message_id.clone();
                self.stack.pop();
                if let Some(View::Thread(t)) = self.stack.last_mut()
                    && let Some(i) = t.rows.iter().position(|r| r.message_id == id)
                {
                    t.selected = i;
                }
            }
            Action::PrevPatch | Action::NextPatch => {
                let Some(nav) = &mut st.nav else {
                    self.info("This message is not part of a revision's patches.");
                    return;
                };
                let on_slot = nav.slots[nav.pos].1 == st.message_id;
                let next = match (a, on_slot) {
                    (Action::NextPatch, true) => nav.pos + 1,
                    (Action::NextPatch, false) => nav.pos,
                    (_, _) => match nav.pos.checked_sub(1) {
                        Some(p) if on_slot => p,
                        Some(_) | None => {
                            if on_slot {
                                self.info("This is the first one.");
                                return;
                            }
                            nav.pos
                        }
                    },
                };
                if next >= nav.slots.len() {
                    self.info("This is the last patch.");
                    return;
                }
                nav.pos = next;
                let id = nav.slots[next].1.clone();
                let subject = nav
                    .series
                    .revisions
                    .get(nav.revision)
                    .and_then(|r| {
                        r.cover
                            .iter()
                            .chain(r.patches.iter().map(|p| &p.mail))
                            .find(|m| m.message_id == id)
                    })
                    .map(|m| m.subject.clone())
                    .unwrap_or_default();
                let seq = next_seq;
                st.message_id = id.clone();
                st.subject = subject;
                st.pager = Pager::default();
                st.waiting = Some(seq);
                self.requests.push(Request::Message {
                    seq,
                    message_id: id.clone(),
                });
                self.set_read(vec![id], true);
            }
            Action::Search => self.open_prompt(PromptKind::Search, "Search: ", "", None),
            Action::SearchNext | Action::SearchPrev => {
                let Some(p) = st.search.clone().or(self.last_search.clone()) else {
                    return;
                };
                if !st.pager.find(&p, a == Action::SearchNext) {
                    self.info(format!("Not found: {p}"));
                }
            }
            Action::ToggleRead => {
                let id = st.message_id.clone();
                let read = !self.is_read(&id);
                self.set_read(vec![id], read);
            }
            Action::Interdiff
            | Action::Trailers
            | Action::SetState
            | Action::Apply
            | Action::Export => {
                let Some(nav) = &st.nav else {
                    self.info("This message is not part of a revision.");
                    return;
                };
                let (series, rev) = (nav.series.clone(), nav.revision);
                match a {
                    Action::Interdiff => match previous_revision(&series, rev) {
                        Some(from) => self.open_interdiff(series, from, rev),
                        None => self.info("No other revision to compare with."),
                    },
                    Action::Trailers => self.open_trailers(series, rev),
                    _ => self.ask_about(a, series, rev),
                }
            }
            _ => self.not_here(a),
        }
    }

    // ---- the interdiff view ----

    fn act_interdiff(&mut self, a: Action) {
        let body = self.body_height();
        let next_seq = self.seq();
        let Some(View::Interdiff(st)) = self.stack.last_mut() else {
            return;
        };
        let diff_h = st.diff_height(body).max(1);
        let pairs = st.entries();
        let is_move = matches!(
            a,
            Action::Down
                | Action::Up
                | Action::Top
                | Action::Bottom
                | Action::PageDown
                | Action::PageUp
        );
        match a {
            _ if is_move && st.focus == DiffPane::Pairs => {
                let i = moved(st.pair, pairs, a, st.pairs_height(body));
                st.select_pair(i);
            }
            _ if is_move => {
                scroll_pager(&mut st.pager, a, diff_h);
            }
            Action::FocusNext => {
                st.focus = match st.focus {
                    DiffPane::Pairs => DiffPane::Diff,
                    DiffPane::Diff => DiffPane::Pairs,
                };
            }
            Action::Open => {
                // A changed pair is read in the diff pane; an added,
                // dropped or unchanged one is read as its patch mail.
                let Some(p) = st.selected_pair() else {
                    st.focus = DiffPane::Diff;
                    return;
                };
                if !p.lines.is_empty() {
                    st.focus = DiffPane::Diff;
                    return;
                }
                let (side, rev) = match (&p.new, &p.old) {
                    (Some(n), _) => (n.clone(), st.to),
                    (None, Some(o)) => (o.clone(), st.from),
                    (None, None) => return,
                };
                let nav = PatchNav::new(st.series.clone(), rev, &side.message_id);
                self.open_message(side.message_id, side.subject, nav);
            }
            Action::PickRevisions => {
                let labels = |i: usize| {
                    st.series
                        .revisions
                        .get(i)
                        .map_or(String::new(), |r| format!("v{}", r.version))
                };
                let current = format!("{} {}", labels(st.from), labels(st.to));
                let all: Vec<String> = (0..st.series.revisions.len()).map(labels).collect();
                let series = st.series.clone();
                self.open_prompt(
                    PromptKind::Revisions,
                    &format!("Compare (old new; {}): ", all.join(" ")),
                    &current,
                    Some((series, 0)),
                );
            }
            Action::PrevPatch => {
                if st.pair > 0 {
                    let i = st.pair - 1;
                    st.select_pair(i);
                }
            }
            Action::NextPatch => {
                if st.pair + 1 < pairs {
                    let i = st.pair + 1;
                    st.select_pair(i);
                }
            }
            Action::Back => {
                self.stack.pop();
            }
            Action::OlderFrom | Action::NewerFrom => {
                let from = if a == Action::OlderFrom {
                    st.from.checked_sub(1)
                } else {
                    Some(st.from + 1).filter(|f| *f < st.to)
                };
                let Some(from) = from else {
                    self.info(if a == Action::OlderFrom {
                        "No older revision."
                    } else {
                        "The old side is already the revision just before the new one."
                    });
                    return;
                };
                let seq = next_seq;
                st.from = from;
                st.result = None;
                st.pager = Pager::default();
                st.pair = 0;
                st.waiting = Some(seq);
                self.requests.push(Request::Interdiff {
                    seq,
                    series: st.series.clone(),
                    from,
                    to: st.to,
                });
            }
            Action::Search => self.open_prompt(PromptKind::Search, "Search: ", "", None),
            Action::SearchNext | Action::SearchPrev => {
                let Some(p) = st.search.clone().or(self.last_search.clone()) else {
                    return;
                };
                st.focus = DiffPane::Diff;
                if !st.pager.find(&p, a == Action::SearchNext) {
                    self.info(format!("Not found: {p}"));
                }
            }
            Action::Trailers => {
                let (s, to) = (st.series.clone(), st.to);
                self.open_trailers(s, to);
            }
            _ => self.not_here(a),
        }
    }

    // ---- trailers and help ----

    fn act_pager(&mut self, a: Action) {
        let h = self.body_height().saturating_sub(1).max(1);
        let Some(View::Trailers(st) | View::Help(st)) = self.stack.last_mut() else {
            return;
        };
        if scroll_pager(&mut st.pager, a, h) {
            return;
        }
        match a {
            Action::Back => {
                self.stack.pop();
            }
            Action::Search => self.open_prompt(PromptKind::Search, "Search: ", "", None),
            Action::SearchNext | Action::SearchPrev => {
                let Some(p) = st.search.clone().or(self.last_search.clone()) else {
                    return;
                };
                if !st.pager.find(&p, a == Action::SearchNext) {
                    self.info(format!("Not found: {p}"));
                }
            }
            _ => self.not_here(a),
        }
    }

    // ---- the prompt ----

    fn open_prompt(
        &mut self,
        kind: PromptKind,
        label: &str,
        input: &str,
        target: Option<(Arc<Series>, usize)>,
    ) {
        self.message = None;
        self.prompt = Some(Prompt {
            kind,
            label: label.to_string(),
            input: input.to_string(),
            cursor: input.chars().count(),
            target,
        });
    }

    fn prompt_key(&mut self, k: KeyEvent) {
        let Some(p) = &mut self.prompt else {
            return;
        };
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if matches!(p.kind, PromptKind::Review { .. } | PromptKind::AfterEdit) {
            let choice = match k.code {
                KeyCode::Char(c) if !ctrl => Some(c),
                _ => None,
            };
            let Some(prompt) = self.prompt.take() else {
                return;
            };
            match prompt.kind {
                PromptKind::Review { targets } => match choice.and_then(review_for_key) {
                    Some(review) => self.start_compose(
                        targets,
                        ReplyKind {
                            mode: Mode::All,
                            review: Some(review),
                        },
                    ),
                    None => self.info("No review sent."),
                },
                _ => self.after_edit(choice, prompt),
            }
            return;
        }
        if p.kind == PromptKind::State {
            let choice = match k.code {
                KeyCode::Char(c) if !ctrl => Some(c),
                _ => None,
            };
            let Some(prompt) = self.prompt.take() else {
                return;
            };
            if let (Some(c), Some((series, rev))) = (choice, prompt.target) {
                self.choose_state(c, &series, rev);
            } else {
                self.info("State unchanged.");
            }
            return;
        }
        let byte_at =
            |s: &str, chars: usize| s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i);
        match k.code {
            KeyCode::Esc => {
                self.prompt = None;
            }
            KeyCode::Char('g') if ctrl => {
                self.prompt = None;
            }
            KeyCode::Char('c') if ctrl => {
                self.prompt = None;
            }
            KeyCode::Enter => {
                if let Some(p) = self.prompt.take() {
                    self.submit(p);
                }
            }
            KeyCode::Char('u') if ctrl => {
                let at = byte_at(&p.input, p.cursor);
                p.input.replace_range(..at, "");
                p.cursor = 0;
            }
            KeyCode::Char('a') if ctrl => p.cursor = 0,
            KeyCode::Char('e') if ctrl => p.cursor = p.input.chars().count(),
            KeyCode::Char('w') if ctrl => {
                let at = byte_at(&p.input, p.cursor);
                let head = p.input[..at].trim_end();
                let cut = head.rfind(' ').map_or(0, |i| i + 1);
                p.input.replace_range(cut..at, "");
                p.cursor = p.input[..cut].chars().count();
            }
            KeyCode::Backspace => {
                if p.cursor > 0 {
                    let start = byte_at(&p.input, p.cursor - 1);
                    let end = byte_at(&p.input, p.cursor);
                    p.input.replace_range(start..end, "");
                    p.cursor -= 1;
                } else if p.input.is_empty() {
                    // Backspace on an empty prompt leaves it, as in mutt.
                    self.prompt = None;
                }
            }
            KeyCode::Delete if p.cursor < p.input.chars().count() => {
                let start = byte_at(&p.input, p.cursor);
                let end = byte_at(&p.input, p.cursor + 1);
                p.input.replace_range(start..end, "");
            }
            KeyCode::Left => p.cursor = p.cursor.saturating_sub(1),
            KeyCode::Right => p.cursor = (p.cursor + 1).min(p.input.chars().count()),
            KeyCode::Home => p.cursor = 0,
            KeyCode::End => p.cursor = p.input.chars().count(),
            KeyCode::Char(c) if !ctrl => {
                let at = byte_at(&p.input, p.cursor);
                p.input.insert(at, c);
                p.cursor += 1;
            }
            _ => {}
        }
    }

    fn submit(&mut self, p: Prompt) {
        let input = p.input.trim().to_string();
        match p.kind {
            PromptKind::Limit => {
                // The terms `putt series` takes, `is:` and `check:` too,
                // with its errors.
                if !input.is_empty()
                    && let Err(e) = self.queries.parse_query(&input, self.now)
                {
                    self.error(format!("Bad query: {e}"));
                    return;
                }
                self.limit = Some(input).filter(|q| !q.is_empty());
                self.stack.clear();
                let keep = self.selected_id();
                self.reload_list(keep);
            }
            PromptKind::Search => {
                if input.is_empty() {
                    return;
                }
                self.last_search = Some(input.clone());
                let set = Some(input);
                match self.stack.last_mut() {
                    None => self.list.search = set,
                    Some(View::Thread(s)) => s.search = set,
                    Some(View::Message(s)) => s.search = set,
                    Some(View::Interdiff(s)) => s.search = set,
                    Some(View::Trailers(s) | View::Help(s)) => s.search = set,
                }
                // The first match is the next one from here.
                self.act(Action::SearchNext);
            }
            PromptKind::State | PromptKind::Review { .. } | PromptKind::AfterEdit => {}
            PromptKind::Revisions => {
                let Some((series, _)) = p.target else {
                    return;
                };
                self.pick_revisions(&series, &input);
            }
            PromptKind::ApplyRepo => {
                if input.is_empty() {
                    self.info("Apply cancelled.");
                    return;
                }
                let repo = self
                    .repos
                    .iter()
                    .find(|(n, _)| *n == input)
                    .map(|(_, p)| p.clone())
                    .unwrap_or_else(|| expand_home(&input));
                let Some((series, rev)) = p.target else {
                    return;
                };
                let branch = series
                    .revisions
                    .get(rev)
                    .map_or_else(|| "series".into(), super::git::default_name);
                self.open_prompt(
                    PromptKind::ApplyBranch { repo },
                    "New branch: ",
                    &branch,
                    Some((series, rev)),
                );
            }
            PromptKind::ApplyBranch { repo } => {
                let Some((series, revision)) = p.target else {
                    return;
                };
                if input.is_empty() {
                    self.info("Apply cancelled.");
                    return;
                }
                let seq = self.seq();
                self.git_gen = Some(seq);
                self.info(format!("Applying to {} …", repo.display()));
                self.requests.push(Request::Apply {
                    seq,
                    series,
                    revision,
                    repo,
                    branch: input,
                });
            }
            PromptKind::Export => {
                let Some((series, revision)) = p.target else {
                    return;
                };
                if input.is_empty() {
                    self.info("Export cancelled.");
                    return;
                }
                let seq = self.seq();
                self.git_gen = Some(seq);
                self.info("Exporting …");
                self.requests.push(Request::Export {
                    seq,
                    series,
                    revision,
                    path: expand_home(&input),
                });
            }
        }
    }

    /// Recomputes the interdiff on top for the revisions named in `input`
    /// (`v1 v3`, `1 3`).
    fn pick_revisions(&mut self, series: &Arc<Series>, input: &str) {
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
            self.error(format!(
                "Give two different revisions of this series, like `v1 v2` (not `{}`).",
                views::clean(input)
            ));
            return;
        };
        let seq = self.seq();
        let Some(View::Interdiff(st)) = self.stack.last_mut() else {
            return;
        };
        st.from = from;
        st.to = to;
        st.focus = DiffPane::Pairs;
        st.result = None;
        st.pager = Pager::default();
        st.pair = 0;
        st.waiting = Some(seq);
        self.requests.push(Request::Interdiff {
            seq,
            series: st.series.clone(),
            from,
            to,
        });
    }

    fn choose_state(&mut self, c: char, series: &Series, rev: usize) {
        let Some(revision) = series.revisions.get(rev) else {
            return;
        };
        let state = if c == 'c' {
            None
        } else {
            match TriageState::ALL.into_iter().find(|s| s.letter() == c) {
                Some(s) => Some(s),
                None => {
                    self.info(format!("No state for `{c}`: state unchanged."));
                    return;
                }
            }
        };
        let Some(store) = &mut self.store else {
            self.error("Triage state is not available (its store failed to open).");
            return;
        };
        // Against what is stored: `putt state` may have set it meanwhile.
        let change = match store.change_state(series, revision, state) {
            Ok(c) => c,
            Err(e) => {
                self.error(format!("Saving the state failed: {e}"));
                return;
            }
        };
        let shown = store.state_of(series, revision);
        self.info(format!("{} is {}.", revision.label(), shown.name()));
        if let Some(change) = change {
            // Logged here, as `putt state` logs it; the hook may take a
            // while, so a worker runs it.
            match self.events.append(vec![change.event(series, revision)]) {
                Ok(events) => {
                    let seq = self.seq();
                    self.requests.push(Request::Hook { seq, events });
                }
                Err(e) => self.error(format!("Logging the state change failed: {e}")),
            }
        }
        // Rules and `is:` terms may read the state: ask again.
        let keep = self.selected_id();
        self.reload_list(keep);
    }

    fn set_read(&mut self, ids: Vec<String>, read: bool) {
        if let Some(store) = &mut self.store
            && let Err(e) = store.set_read(ids, read)
        {
            self.error(format!("Saving read marks failed: {e}"));
        }
    }

    // ---- replies ----

    /// `r`, `g`, `L` and `R`: what they answer depends on the view.
    fn reply(&mut self, a: Action) {
        if self.mail_gen.is_some() || !self.outgoing.is_empty() {
            self.info("A reply is in progress: finish it first.");
            return;
        }
        let review = a == Action::Review;
        let Some((targets, what)) = self.reply_targets(review) else {
            let name = super::keymap::action_name(&a).unwrap_or("reply");
            self.info(format!(
                "{name}: select a message, a revision or a series first"
            ));
            return;
        };
        if review {
            let keys: Vec<String> = Review::ALL
                .iter()
                .map(|r| format!("{}){}", r.key(), &r.name()[1..]))
                .collect();
            // The choices first: a long subject is cut, never the keys.
            self.open_prompt(
                PromptKind::Review { targets },
                &format!("Review: {}? {what} ", keys.join(" ")),
                "",
                None,
            );
            return;
        }
        let mode = match a {
            Action::GroupReply => Mode::All,
            Action::ListReply => Mode::List,
            _ => Mode::Sender,
        };
        self.start_compose(targets, ReplyKind { mode, review: None });
    }

    /// The messages a reply (or a review) from the current view answers,
    /// and how to name them. A review of a whole revision answers its
    /// cover letter, or each patch when there is none (a trailer on the
    /// cover counts for every patch); a reply answers the cover or the
    /// first patch.
    fn reply_targets(&self, review: bool) -> Option<(Vec<String>, String)> {
        let revision_targets = |series: &Series, rev: usize| {
            let r = series.revisions.get(rev)?;
            let what = format!("{} of {}", r.label(), views::clean(&series.subject));
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
        };
        match self.stack.last() {
            None => {
                let s = self.list.selected_series()?;
                revision_targets(s, latest_index(s))
            }
            Some(View::Thread(st)) => match st.focus {
                Pane::Revisions => revision_targets(&st.series, st.rev_selected),
                Pane::Messages => {
                    let row = st.selected_row().filter(|r| r.present)?;
                    Some((vec![row.message_id.clone()], views::clean(&row.subject)))
                }
            },
            Some(View::Message(st)) => {
                Some((vec![st.message_id.clone()], views::clean(&st.subject)))
            }
            Some(View::Interdiff(st)) => {
                let side = st.selected_pair()?.new.as_ref()?;
                Some((vec![side.message_id.clone()], views::clean(&side.subject)))
            }
            Some(View::Trailers(_) | View::Help(_)) => None,
        }
    }

    fn start_compose(&mut self, targets: Vec<String>, kind: ReplyKind) {
        let seq = self.seq();
        self.mail_gen = Some(seq);
        self.edit_first = kind.review.is_none();
        self.info("Composing …");
        self.requests.push(Request::Compose { seq, targets, kind });
    }

    /// Moves on to the draft in front: into the editor first (a reply), or
    /// straight to the question (a review, already written).
    fn next_draft(&mut self) {
        let Some(d) = self.outgoing.front().cloned() else {
            return;
        };
        if self.edit_first {
            self.suspend = Some(d);
        } else {
            self.ask_after_edit();
        }
    }

    /// How many drafts wait after the one in front, for messages.
    fn left_note(&self) -> String {
        match self.outgoing.len() {
            0 | 1 => String::new(),
            n => format!(" ({} more to go)", n - 1),
        }
    }

    fn ask_after_edit(&mut self) {
        let Some(d) = self.outgoing.front() else {
            return;
        };
        let what = match &d.trailer {
            Some(t) => format!("{t} on {}", d.subject),
            None => d.subject.clone(),
        };
        let to = if d.recipients.is_empty() {
            "NO RECIPIENT".to_string()
        } else {
            d.recipients.join(", ")
        };
        // The choices first: a long subject is cut, never the keys.
        let label = format!(
            "{}?{} {} → {} ",
            AfterEdit::prompt(),
            self.left_note(),
            views::clean(&what),
            views::clean(&to),
        );
        self.open_prompt(PromptKind::AfterEdit, &label, "", None);
    }

    /// The editor closed on the draft in front.
    fn edited(&mut self, id: &str, error: Option<String>) {
        let store = self.drafts.clone();
        let Some(d) = self.outgoing.front_mut().filter(|d| d.id == id) else {
            return;
        };
        if let Some(e) = error {
            // The draft is on disk: keep it and say where.
            let path = d.path.display().to_string();
            self.outgoing.clear();
            self.error(format!("{} (draft kept in {path})", views::clean(&e)));
            return;
        }
        if let Err(e) = d.reload(&store) {
            self.error(format!("The edited draft does not parse: {e}"));
            self.edit_first = true;
            self.outgoing.clear();
            return;
        }
        self.ask_after_edit();
    }

    fn after_edit(&mut self, choice: Option<char>, prompt: Prompt) {
        let Some(d) = self.outgoing.front().cloned() else {
            return;
        };
        let action = match choice {
            Some(c) => AfterEdit::from_key(c.to_ascii_lowercase()),
            // Esc (or any non-character) keeps the draft: nothing typed is
            // thrown away by accident.
            None => Some(AfterEdit::Postpone),
        };
        match action {
            Some(AfterEdit::Send) => {
                let seq = self.seq();
                self.mail_gen = Some(seq);
                self.info("Sending …");
                self.requests.push(Request::Send { seq, id: d.id });
            }
            Some(AfterEdit::Edit) => self.suspend = Some(d),
            Some(AfterEdit::Postpone) => {
                self.outgoing.pop_front();
                let note = self.left_note();
                self.info(format!(
                    "Draft kept: `putt drafts send {}` sends it{note}.",
                    views::clean(&d.id)
                ));
                self.next_draft();
            }
            Some(AfterEdit::Discard) => {
                self.outgoing.pop_front();
                match self.drafts.delete(&d.id) {
                    Ok(()) => self.info("Draft discarded."),
                    Err(e) => self.error(format!("Discarding the draft: {e}")),
                }
                self.next_draft();
            }
            None => self.prompt = Some(prompt),
        }
    }

    // ---- worker answers ----

    fn notify(&mut self, n: Notification) {
        match n {
            Notification::List {
                seq,
                page,
                offset,
                flow,
                checks_ran,
            } => {
                if self.list.waiting != Some(seq) {
                    return;
                }
                self.list.waiting = None;
                self.list.loaded = true;
                self.list.more = page.more;
                self.list.next_offset = offset + page.hits;
                let keep = self
                    .list
                    .want
                    .take()
                    .or_else(|| (offset > 0).then(|| self.selected_id()).flatten());
                if offset == 0 {
                    self.list.show_checks = checks_ran;
                    self.list.hidden.clear();
                }
                self.list.hidden.extend(page.hidden.iter().cloned());
                let fresh = page.series.iter().zip(flow).map(|(s, flow)| SeriesRow {
                    series: Arc::new(s.clone()),
                    flow,
                });
                if offset == 0 {
                    self.list.rows = fresh.collect();
                } else {
                    let known: std::collections::HashSet<String> =
                        self.list.rows.iter().map(|r| r.series.id.clone()).collect();
                    self.list
                        .rows
                        .extend(fresh.filter(|r| !known.contains(&r.series.id)));
                    // A series found on a later page can be newer than rows
                    // already shown (its newest revision matched nothing).
                    self.list.rows.sort_by(|a, b| {
                        b.series
                            .date()
                            .cmp(&a.series.date())
                            .then_with(|| a.series.id.cmp(&b.series.id))
                    });
                }
                let n = self.list.rows.len();
                self.list.selected = keep
                    .and_then(|id| position_of(&self.list.rows, &id))
                    .unwrap_or(self.list.selected)
                    .min(n.saturating_sub(1));
                self.maybe_load_more();
            }
            Notification::Thread { seq, rows, infos } => {
                for v in self.stack.iter_mut() {
                    if let View::Thread(st) = v
                        && st.waiting == Some(seq)
                    {
                        st.waiting = None;
                        st.infos = infos;
                        // The message asked for, else the first one the
                        // archive holds (not a missing root's placeholder).
                        st.selected = st
                            .want
                            .take()
                            .and_then(|id| rows.iter().position(|r| r.message_id == id))
                            .or_else(|| rows.iter().position(|r| r.present))
                            .unwrap_or(0);
                        st.rows = rows;
                        return;
                    }
                }
            }
            Notification::Message { seq, lines } => {
                for v in self.stack.iter_mut() {
                    if let View::Message(st) = v
                        && st.waiting == Some(seq)
                    {
                        st.waiting = None;
                        st.pager = Pager { lines, top: 0 };
                        return;
                    }
                }
            }
            Notification::Interdiff { seq, result } => {
                for v in self.stack.iter_mut() {
                    if let View::Interdiff(st) = v
                        && st.waiting == Some(seq)
                    {
                        st.waiting = None;
                        st.result = Some(result);
                        let first = st.first_interesting();
                        st.select_pair(first);
                        return;
                    }
                }
            }
            Notification::IndexProgress { done, total } => {
                if self.index_gen.is_some() {
                    self.indexing = Some((done, total));
                }
            }
            Notification::Indexed {
                seq,
                added,
                removed,
                problems,
            } => {
                if self.index_gen != Some(seq) {
                    return;
                }
                self.index_gen = None;
                self.indexing = None;
                if added + removed > 0 {
                    self.info(format!(
                        "Indexed {added} new message(s){}.",
                        if removed > 0 {
                            format!(", {removed} removed")
                        } else {
                            String::new()
                        }
                    ));
                }
                // New mail or none, another process may have set states
                // or recorded checks: a refresh shows them.
                let keep = self.selected_id();
                self.reload_list(keep);
                // The events are logged; only the hook failed.
                if !problems.is_empty() {
                    self.error(views::clean(&problems.join("; ")));
                }
            }
            Notification::Composed {
                seq,
                drafts,
                warnings,
            } => {
                if self.mail_gen != Some(seq) {
                    return;
                }
                self.mail_gen = None;
                if !warnings.is_empty() {
                    self.info(format!("Note: {}", warnings.join("; ")));
                }
                self.outgoing = drafts.into();
                self.next_draft();
            }
            Notification::Sent { seq, message } => {
                if self.mail_gen != Some(seq) {
                    return;
                }
                self.mail_gen = None;
                self.outgoing.pop_front();
                self.info(format!("{}{}", views::clean(&message), self.left_note()));
                self.next_draft();
            }
            Notification::Done { seq, outcome } => {
                if self.git_gen == Some(seq) {
                    self.git_gen = None;
                }
                if let Some((title, lines)) = outcome.report {
                    self.stack.push(View::Trailers(PagerView {
                        title,
                        pager: Pager::new(lines),
                        search: None,
                    }));
                }
                let text = views::clean(&outcome.message);
                if outcome.error {
                    self.error(text);
                } else {
                    self.info(text);
                }
            }
            Notification::Hooked { problems, .. } => {
                if !problems.is_empty() {
                    self.error(views::clean(&problems.join("; ")));
                }
            }
            Notification::Failed { seq, slot, error } => self.failed(seq, slot, error),
        }
    }

    fn failed(&mut self, seq: u64, slot: Slot, error: String) {
        if matches!(
            slot,
            Slot::List | Slot::Thread | Slot::Message | Slot::Interdiff
        ) {
            // What was typed for a view that will not come is dropped.
            self.typeahead.clear();
        }
        let mine = match slot {
            Slot::List => {
                let mine = self.list.waiting == Some(seq);
                if mine {
                    self.list.waiting = None;
                    self.list.loaded = true;
                }
                mine
            }
            Slot::Index => {
                let mine = self.index_gen == Some(seq);
                if mine {
                    self.index_gen = None;
                    self.indexing = None;
                }
                mine
            }
            Slot::Git => {
                let mine = self.git_gen == Some(seq);
                self.git_gen = None;
                mine
            }
            Slot::Mail => {
                let mine = self.mail_gen == Some(seq);
                if mine {
                    self.mail_gen = None;
                    // A failed send keeps its draft (and the ones after
                    // it) in the drafts folder: stop here and say so.
                    let more = self.outgoing.len().saturating_sub(1);
                    self.outgoing.clear();
                    if more > 0 {
                        self.error(format!(
                            "{error} ({more} more draft(s) kept: `putt drafts` lists them)"
                        ));
                        return;
                    }
                }
                mine
            }
            Slot::Events => true,
            Slot::Thread | Slot::Message | Slot::Interdiff => {
                let mut mine = false;
                for v in self.stack.iter_mut() {
                    let waiting = match v {
                        View::Thread(s) => &mut s.waiting,
                        View::Message(s) => &mut s.waiting,
                        View::Interdiff(s) => &mut s.waiting,
                        _ => continue,
                    };
                    if *waiting == Some(seq) {
                        *waiting = None;
                        mine = true;
                    }
                }
                mine
            }
        };
        if mine {
            self.error(error);
        }
    }

    fn start_index(&mut self) {
        if self.index_gen.is_some() {
            self.info("Indexing is already running.");
            return;
        }
        let seq = self.seq();
        self.index_gen = Some(seq);
        self.indexing = Some((0, 0));
        self.requests.push(Request::Index { seq });
    }

    // ---- what drawing asks ----

    /// The shown state of a revision.
    pub fn state_of(&self, series: &Series, rev: &Revision) -> TriageState {
        match &self.store {
            Some(s) => s.state_of(series, rev),
            None if rev.superseded => TriageState::Superseded,
            None => TriageState::New,
        }
    }

    pub fn is_read(&self, message_id: &str) -> bool {
        self.store.as_ref().is_some_and(|s| s.is_read(message_id))
    }

    /// Whether the newest revision has a message not read yet.
    pub fn series_unread(&self, series: &Series) -> bool {
        series.latest().members.iter().any(|m| !self.is_read(m))
    }

    /// Whether a revision other than the newest is still open (not
    /// superseded, accepted, rejected or ignored).
    pub fn older_open(&self, series: &Series) -> bool {
        let latest = series.latest().root_message_id();
        series
            .revisions
            .iter()
            .filter(|r| r.root_message_id() != latest)
            .any(|r| !self.state_of(series, r).is_closed())
    }

    /// Whether the view on top waits for its first data (keys typed now
    /// are kept for when it comes).
    pub fn view_empty_waiting(&self) -> bool {
        match self.stack.last() {
            None => self.list.waiting.is_some() && self.list.rows.is_empty(),
            Some(View::Thread(s)) => s.waiting.is_some() && s.rows.is_empty(),
            Some(View::Message(s)) => s.waiting.is_some(),
            Some(View::Interdiff(s)) => s.waiting.is_some() && s.result.is_none(),
            Some(_) => false,
        }
    }

    /// Runs the keys typed ahead, as long as the view on top has its data.
    fn replay_typeahead(&mut self) {
        while !self.view_empty_waiting()
            && !self.quit
            && let Some(k) = self.typeahead.pop_front()
        {
            self.key(k);
        }
    }

    /// Whether anything is being waited for (the spinner turns).
    pub fn busy(&self) -> bool {
        self.list.waiting.is_some()
            || self.indexing.is_some()
            || self.git_gen.is_some()
            || self.mail_gen.is_some()
            || self.view_waiting()
    }

    /// Whether the view on top (or the list) waits for a worker: what a
    /// key-to-screen latency measures.
    pub fn view_waiting(&self) -> bool {
        match self.stack.last() {
            None => self.list.waiting.is_some(),
            Some(View::Thread(s)) => s.waiting.is_some(),
            Some(View::Message(s)) => s.waiting.is_some(),
            Some(View::Interdiff(s)) => s.waiting.is_some(),
            Some(_) => false,
        }
    }

    /// Whether the screen shows all it is going to for now: the view on
    /// top has its data, and the list its first page with either a full
    /// screen of rows or nothing more being read (for the timings: a page
    /// read ahead below the screen does not count).
    pub fn screen_complete(&self) -> bool {
        match self.stack.last() {
            None => {
                let h = views::series_list::rows_height(self.body_height());
                let top = views::page_top(self.list.selected, h);
                self.list.loaded && (self.list.waiting.is_none() || self.list.rows.len() >= top + h)
            }
            Some(_) => !self.view_waiting(),
        }
    }

    pub fn spinner(&self) -> &'static str {
        ["-", "\\", "|", "/"][self.tick % 4]
    }

    /// The status bar's left side: where you are and what is shown.
    pub fn status_left(&self) -> String {
        let mut parts = vec![format!("putt: {}", self.inbox_names.join(", "))];
        let n = self.list.rows.len();
        let more = if self.list.more { "+" } else { "" };
        if self.stack.is_empty() {
            if n > 0 {
                parts.push(format!("{}/{n}{more} series", self.list.selected + 1));
            } else {
                parts.push(format!("0{more} series"));
            }
        } else {
            parts.push(format!("{n}{more} series"));
        }
        if let Some(i) = self.filter
            && let Some((name, _)) = self.filters.get(i)
        {
            parts.push(format!("filter: {name}"));
        }
        if let Some(l) = &self.limit {
            parts.push(format!("limit: {}", views::clean(l)));
        }
        if !self.list.hidden.is_empty() {
            parts.push(format!("{} hidden", self.list.hidden.len()));
        }
        format!("-- {} ", parts.join(" │ "))
    }

    /// The status bar's right side: what runs in the background.
    pub fn status_right(&self) -> String {
        let spin = self.spinner();
        if let Some((done, total)) = self.indexing {
            return if total > 0 {
                format!(" {spin} indexing {done}/{total} ")
            } else {
                format!(" {spin} indexing ")
            };
        }
        if self.busy() {
            return format!(" {spin} working ");
        }
        String::new()
    }
}

/// The review a key picks in the review prompt.
fn review_for_key(c: char) -> Option<Review> {
    Review::ALL
        .into_iter()
        .find(|r| r.key() == c.to_ascii_lowercase())
}

/// Moves a cursor over `n` rows.
fn moved(cur: usize, n: usize, a: Action, page: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let last = n - 1;
    match a {
        Action::Down => (cur + 1).min(last),
        Action::Up => cur.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageDown => (cur + page.max(1)).min(last),
        Action::PageUp => cur.saturating_sub(page.max(1)),
        _ => cur.min(last),
    }
}

/// Scrolls a pager for a movement action; false for other actions.
fn scroll_pager(p: &mut Pager, a: Action, h: usize) -> bool {
    match a {
        Action::Down => p.scroll(1, h),
        Action::Up => p.scroll(-1, h),
        Action::PageDown => p.scroll(h.saturating_sub(2).max(1) as isize, h),
        Action::PageUp => p.scroll(-(h.saturating_sub(2).max(1) as isize), h),
        Action::Top => p.to_top(),
        Action::Bottom => p.to_bottom(h),
        _ => return false,
    }
    true
}

/// Index of the revision sent last.
fn latest_index(s: &Series) -> usize {
    let latest = s.latest().root_message_id();
    s.revisions
        .iter()
        .position(|r| r.root_message_id() == latest)
        .unwrap_or(0)
}

/// The two newest revisions (by date sent, then version): (old, new).
fn two_newest(s: &Series) -> Option<(usize, usize)> {
    if s.revisions.len() < 2 {
        return None;
    }
    let mut order: Vec<usize> = (0..s.revisions.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((s.revisions[i].date, s.revisions[i].version)));
    Some((order[1], order[0]))
}

/// The revision before `to` (by version order), or after it when `to` is
/// the first.
fn previous_revision(s: &Series, to: usize) -> Option<usize> {
    if s.revisions.len() < 2 {
        return None;
    }
    Some(if to == 0 { 1 } else { to - 1 })
}

fn expand_home(p: &str) -> PathBuf {
    putt_ops::config::expand_home(std::path::Path::new(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_moves_stay_in_range() {
        assert_eq!(moved(0, 0, Action::Down, 10), 0);
        assert_eq!(moved(3, 5, Action::PageDown, 10), 4);
        assert_eq!(moved(3, 5, Action::PageUp, 10), 0);
        assert_eq!(moved(3, 5, Action::Bottom, 10), 4);
    }
}
