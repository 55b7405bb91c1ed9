//! The dispatcher, and its one `update()`.
//!
//! [`App`] holds the screens (the series list, and the stack over it),
//! the prompt, the message line and the work in flight; [`App::update`] is
//! the only place any of it changes. A key goes to the prompt when one is
//! up, else through the keymap to the screen on top; a worker's answer
//! goes, by its ticket, to whoever asked; what a screen or the compose
//! flow wants done comes back as [`Effect`]s, which `apply` carries out.
//! Work that would block is never done here: requests wait in
//! [`App::take_requests`] for the workers and the editor in
//! [`App::take_suspend`] for the terminal loop. The triage store is the
//! exception: a single append to a file, done here so a kill loses at
//! most that change (its `state.changed` event is appended here too; the
//! event hook runs on a worker).

use std::collections::VecDeque;
use std::path::PathBuf;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::compose::Compose;
use crate::event::{Event, Job, Notification, Request, Slot};
use crate::keymap::{Key, Keymap, ViewKind};
use crate::prompt::{Answer, Ask, Outcome, Prompt, Target};
use crate::reply::DraftRef;
use crate::screens::page::PageScreen;
use crate::screens::series_list::{ListOptions, SeriesList};
use crate::screens::{Ctx, Effect, Screen, Stack, StoreOp};
use crate::theme::Theme;
use crate::tickets::{Owner, ScreenId, Tickets};
use crate::ui::{self, areas, clean};
use putt_ops::events::EventLog;
use putt_ops::reply::{Drafts, Mode};
use putt_ops::series::Workflow;
use putt_ops::triage::{StateStore, TriageState};

pub use crate::keymap::Action;
pub use crate::screens::{StatusMessage, View};

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
    /// The series list, always there under the stack.
    pub list: SeriesList,
    pub stack: Stack,
    pub prompt: Option<Prompt>,
    pub message: Option<StatusMessage>,
    /// (done, total) while an index run is going.
    pub indexing: Option<(u64, u64)>,
    pub tick: usize,
    pub quit: bool,
    pub size: Rect,
    /// The terminal must be cleared and redrawn from scratch.
    pub redraw_all: bool,
    repos: Vec<(String, PathBuf)>,
    inbox_names: Vec<String>,
    now: chrono::DateTime<chrono::Utc>,
    index_on_start: bool,
    events: EventLog,
    tickets: Tickets,
    compose: Compose,
    /// Keys typed while the screen on top had nothing to show yet.
    typeahead: VecDeque<KeyEvent>,
    last_search: Option<String>,
    requests: Vec<Request>,
    /// A draft for the editor: the terminal loop suspends the UI.
    suspend: Option<DraftRef>,
}

/// What screen `$id` of `$app` may read; a macro so that it borrows the
/// app's fields one by one, beside a screen borrowed mutably.
macro_rules! ctx {
    ($app:expr, $id:expr) => {
        Ctx {
            keymap: &$app.keymap,
            theme: &$app.theme,
            store: $app.store.as_ref(),
            now: $app.now,
            body_height: areas($app.size).body.height as usize,
            last_search: $app.last_search.as_deref(),
            repos: &$app.repos,
            tick: $app.tick,
            waiting: $app.tickets.waiting(Owner::Screen($id)),
            git_running: $app.tickets.waiting(Owner::Git),
        }
    };
}

impl App {
    pub fn new(opts: AppOptions, store: Option<StateStore>) -> App {
        App {
            keymap: opts.keymap,
            theme: opts.theme,
            store,
            list: SeriesList::new(ListOptions {
                filters: opts.filters,
                first_page: opts.first_page,
                next_page: opts.next_page,
                queries: opts.queries,
            }),
            stack: Stack::default(),
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
            index_on_start: opts.index_on_start,
            events: opts.events,
            tickets: Tickets::default(),
            compose: Compose::new(opts.drafts),
            typeahead: VecDeque::new(),
            last_search: None,
            requests: Vec::new(),
            suspend: None,
        }
    }

    /// Queues what the first screen needs: the list from the index as it
    /// is, and (in the background) an incremental index run.
    pub fn start(&mut self) {
        self.on_screen(ScreenId::LIST, |s, cx| s.start(cx));
        if self.index_on_start {
            self.start_index();
        }
    }

    /// Requests queued by `update`, for the workers.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
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

    /// The one place the state changes.
    pub fn update(&mut self, ev: Event) {
        match ev {
            Event::Key(k) => self.key(k),
            Event::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.on_list(|l, cx| l.maybe_load_more(cx));
            }
            Event::Tick => self.tick = self.tick.wrapping_add(1),
            Event::Worker(n) => {
                self.answer(n);
                self.replay_typeahead();
            }
            Event::Terminate => self.quit = true,
            Event::Edited { id, error } => {
                let fx = self.compose.edited(&id, error);
                self.apply(Owner::Compose, fx);
            }
        }
    }

    /// The screen on top (the list when nothing is stacked).
    pub fn top(&self) -> &dyn Screen {
        self.stack.last().map_or(&self.list, View::screen)
    }

    /// The kind of the screen on top.
    pub fn view_kind(&self) -> ViewKind {
        self.top().kind()
    }

    /// Draws the screen on top into `area`.
    pub fn draw_top(&self, frame: &mut Frame, area: Rect) {
        let cx = ctx!(self, self.stack.top_id());
        self.top().draw(frame, area, &cx);
    }

    /// Runs `f` on screen `id` (if it is still open) and applies what it
    /// returns, as that screen's.
    fn on_screen(&mut self, id: ScreenId, f: impl FnOnce(&mut dyn Screen, &Ctx) -> Vec<Effect>) {
        let cx = ctx!(self, id);
        let screen: &mut dyn Screen = if id == ScreenId::LIST {
            &mut self.list
        } else {
            match self.stack.get_mut(id) {
                Some(v) => v.screen_mut(),
                None => return,
            }
        };
        let fx = f(screen, &cx);
        self.apply(Owner::Screen(id), fx);
    }

    /// [`App::on_screen`] for what only the list does.
    fn on_list(&mut self, f: impl FnOnce(&mut SeriesList, &Ctx) -> Vec<Effect>) {
        let cx = ctx!(self, ScreenId::LIST);
        let fx = f(&mut self.list, &cx);
        self.apply(Owner::Screen(ScreenId::LIST), fx);
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            error: false,
        });
    }

    /// Shows an error on the message line.
    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            error: true,
        });
    }

    // ---- keys ----

    fn key(&mut self, k: KeyEvent) {
        if self.prompt.is_some() {
            self.prompt_key(k);
            return;
        }
        let key = Key::from_event(k);
        let action = self.keymap.lookup(self.view_kind(), key);
        // Keys typed ahead of a screen that has nothing to show yet wait
        // for it (Enter right after a limit opens the first match, as in
        // mutt); leaving and quitting never wait.
        if self.view_empty_waiting() {
            let leaves = matches!(
                action,
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
        match action {
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

    /// Actions that mean the same on every screen are the app's; the rest
    /// are the top screen's.
    fn act(&mut self, a: Action) {
        match a {
            Action::Quit => self.quit = true,
            Action::Redraw => self.redraw_all = true,
            Action::Reindex => self.start_index(),
            Action::Help => {
                if self.view_kind() != ViewKind::Help {
                    let help = PageScreen::help(&self.keymap, self.view_kind());
                    self.apply(Owner::Screen(self.stack.top_id()), vec![Effect::Push(help)]);
                }
            }
            Action::Reply | Action::GroupReply | Action::ListReply | Action::Review => {
                self.reply(a);
            }
            _ => self.on_screen(self.stack.top_id(), |s, cx| s.handle(a, cx)),
        }
    }

    /// `r`, `g`, `L` and `R`: what they answer is the top screen's to say.
    fn reply(&mut self, a: Action) {
        if self.compose.busy() {
            self.info("A reply is in progress: finish it first.");
            return;
        }
        let review = a == Action::Review;
        let Some((targets, what)) = self.top().reply_targets(review) else {
            let name = crate::keymap::action_name(&a).unwrap_or("reply");
            self.info(format!(
                "{name}: select a message, a revision or a series first"
            ));
            return;
        };
        let fx = match a {
            Action::Review => self.compose.review(targets, &what),
            Action::GroupReply => self.compose.reply(targets, Mode::All),
            Action::ListReply => self.compose.reply(targets, Mode::List),
            _ => self.compose.reply(targets, Mode::Sender),
        };
        self.apply(Owner::Compose, fx);
    }

    fn prompt_key(&mut self, k: KeyEvent) {
        let Some(p) = &mut self.prompt else {
            return;
        };
        match p.key(k) {
            Outcome::Editing => {}
            Outcome::Cancelled => self.prompt = None,
            Outcome::Answered(answer) => {
                if let Some(p) = self.prompt.take() {
                    self.answer_prompt(p, answer);
                }
            }
        }
    }

    /// An answer goes to whoever asked; a search is the same everywhere.
    fn answer_prompt(&mut self, p: Prompt, answer: Answer) {
        match (p.owner, answer) {
            (Owner::Compose, Answer::Key(choice)) => {
                let fx = self.compose.key(choice);
                if fx.iter().any(|e| matches!(e, Effect::AskAgain)) {
                    self.prompt = Some(p);
                }
                self.apply(Owner::Compose, fx);
            }
            (Owner::Screen(id), Answer::Line(pattern)) if matches!(p.ask, Ask::Search) => {
                if pattern.is_empty() {
                    return;
                }
                self.last_search = Some(pattern.clone());
                // The first match is the next one from here.
                self.on_screen(id, |s, cx| {
                    s.set_search(pattern);
                    s.handle(Action::SearchNext, cx)
                });
            }
            (Owner::Screen(id), answer) => {
                self.on_screen(id, |s, cx| s.on_prompt(p.ask, answer, cx));
            }
            _ => {}
        }
    }

    /// Runs the keys typed ahead, as long as the top screen has its data.
    fn replay_typeahead(&mut self) {
        while !self.view_empty_waiting()
            && !self.quit
            && let Some(k) = self.typeahead.pop_front()
        {
            self.key(k);
        }
    }

    // ---- effects ----

    /// Does what `owner` (a screen, the compose flow) asked for.
    fn apply(&mut self, owner: Owner, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Push(v) => {
                    let id = self.stack.push(v);
                    self.on_screen(id, |s, cx| s.start(cx));
                }
                Effect::Pop => {
                    if let Some((id, closed)) = self.stack.pop() {
                        self.tickets.forget(Owner::Screen(id));
                        self.on_screen(self.stack.top_id(), |s, _| {
                            s.on_return(&closed);
                            Vec::new()
                        });
                    }
                }
                Effect::PopAll => {
                    while let Some((id, _)) = self.stack.pop() {
                        self.tickets.forget(Owner::Screen(id));
                    }
                }
                Effect::Prompt { ask, label, input } => {
                    self.message = None;
                    self.prompt = Some(Prompt::new(owner, ask, label, input));
                }
                // Handled where the answer came in: the prompt is put back.
                Effect::AskAgain => {}
                Effect::Request(job) => self.request(owner, job),
                Effect::Git(job) => self.request(Owner::Git, job),
                Effect::Status(m) => self.message = Some(m),
                Effect::Store(op) => self.store(op),
                Effect::Suspend(d) => self.suspend = Some(d),
            }
        }
    }

    fn request(&mut self, owner: Owner, job: Job) {
        let ticket = self.tickets.issue(owner, job.slot());
        self.requests.push(Request { ticket, job });
    }

    fn start_index(&mut self) {
        if self.tickets.waiting(Owner::Index) {
            self.info("Indexing is already running.");
            return;
        }
        self.indexing = Some((0, 0));
        self.request(Owner::Index, Job::Index);
    }

    fn store(&mut self, op: StoreOp) {
        let result = match (op, &mut self.store) {
            (StoreOp::SetState { target, state }, _) => return self.set_state(target, state),
            (_, None) => return,
            (StoreOp::CatchUp, Some(store)) => store
                .catch_up()
                .map(drop)
                .map_err(|e| format!("Reading the triage state failed: {e}")),
            (StoreOp::SetRead { ids, read }, Some(store)) => store
                .set_read(ids, read)
                .map_err(|e| format!("Saving read marks failed: {e}")),
        };
        if let Err(e) = result {
            self.error(e);
        }
    }

    fn set_state(&mut self, target: Target, state: Option<TriageState>) {
        let series = &target.series;
        let Some(revision) = series.revisions.get(target.revision) else {
            return;
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
                Ok(events) => self.request(Owner::Hook, Job::Hook { events }),
                Err(e) => self.error(format!("Logging the state change failed: {e}")),
            }
        }
        // Rules and `is:` terms may read the state: ask again.
        self.on_list(|l, cx| l.reload(cx));
    }

    // ---- answers ----

    /// A worker's answer goes to whoever asked, if they still wait for it.
    fn answer(&mut self, n: Notification) {
        let seq = n.seq();
        match &n {
            Notification::IndexProgress { done, total, .. } => {
                if self.tickets.owner(seq) == Some(Owner::Index) {
                    self.indexing = Some((*done, *total));
                }
                return;
            }
            // What was typed for a screen that will not come is dropped.
            Notification::Failed {
                slot: Slot::List | Slot::Thread | Slot::Message | Slot::Interdiff,
                ..
            } => self.typeahead.clear(),
            _ => {}
        }
        let Some(owner) = self.tickets.take(seq) else {
            return;
        };
        let mut failure = match &n {
            Notification::Failed { error, hint, .. } => {
                let hint = hint.and_then(|h| h.render(&self.keymap, self.view_kind()));
                Some(crate::error::with_hint(error, hint))
            }
            _ => None,
        };
        match (owner, n) {
            (Owner::Screen(id), n) => self.on_screen(id, |s, cx| s.on_reply(n, cx)),
            (Owner::Compose, n) => {
                let fx = match failure.take() {
                    Some(text) => self.compose.failed(text),
                    None => self.compose.on_reply(n),
                };
                self.apply(Owner::Compose, fx);
            }
            (Owner::Index, n) => {
                self.indexing = None;
                if let Notification::Indexed {
                    added,
                    removed,
                    problems,
                    ..
                } = n
                {
                    self.indexed(added, removed, &problems);
                }
            }
            (Owner::Git, Notification::Done { outcome, .. }) => {
                if outcome.regrouped {
                    // What the screens show of those series is stale.
                    self.apply(Owner::Git, vec![Effect::PopAll]);
                    self.on_list(|l, cx| l.reload(cx));
                }
                if let Some((title, lines)) = outcome.report {
                    let report = PageScreen::report(title, lines);
                    self.apply(Owner::Git, vec![Effect::Push(report)]);
                }
                let text = clean(&outcome.message);
                if outcome.error {
                    self.error(text);
                } else {
                    self.info(text);
                }
            }
            (Owner::Hook, Notification::Hooked { problems, .. }) if !problems.is_empty() => {
                self.error(clean(&problems.join("; ")));
            }
            _ => {}
        }
        if let Some(text) = failure {
            self.error(text);
        }
    }

    fn indexed(&mut self, added: u64, removed: u64, problems: &[String]) {
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
        // New mail or none, another process may have set states or
        // recorded checks: a refresh shows them.
        self.on_list(|l, cx| l.reload(cx));
        // The events are logged; only the hook failed.
        if !problems.is_empty() {
            self.error(clean(&problems.join("; ")));
        }
    }

    // ---- what the frame shows ----

    /// Whether the screen on top waits for its first data (keys typed now
    /// are kept for when it comes).
    pub fn view_empty_waiting(&self) -> bool {
        self.view_waiting() && self.top().empty()
    }

    /// Whether the screen on top waits for a worker: what a key-to-screen
    /// latency measures.
    pub fn view_waiting(&self) -> bool {
        self.tickets.waiting(Owner::Screen(self.stack.top_id()))
    }

    /// Whether anything is being waited for (the spinner turns).
    pub fn busy(&self) -> bool {
        self.tickets.waiting(Owner::Screen(ScreenId::LIST))
            || self.indexing.is_some()
            || self.tickets.waiting(Owner::Git)
            || self.tickets.waiting(Owner::Compose)
            || self.view_waiting()
    }

    /// Whether the screen shows all it is going to for now: the screen on
    /// top has its data, and the list its first screenful (for the
    /// timings).
    pub fn screen_complete(&self) -> bool {
        if self.stack.is_empty() {
            self.list.complete(&ctx!(self, ScreenId::LIST))
        } else {
            !self.view_waiting()
        }
    }

    /// The status bar's left side: where you are and what is shown.
    pub fn status_left(&self) -> String {
        let mut parts = vec![format!("putt: {}", self.inbox_names.join(", "))];
        parts.extend(self.list.status(self.stack.is_empty()));
        format!("-- {} ", parts.join(" │ "))
    }

    /// The status bar's right side: what runs in the background.
    pub fn status_right(&self) -> String {
        let spin = ui::spinner(self.tick);
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

#[cfg(test)]
mod tests;
