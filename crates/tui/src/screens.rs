//! Screens: what the TUI shows, one at a time, stacked over the series
//! list.
//!
//! Each screen owns its state, turns the actions the keymap gives it into
//! [`Effect`]s, takes the answers to its own requests and prompts, and
//! draws itself from its state and a [`Ctx`]. It never reaches into the
//! app: what it wants done (another screen, a prompt, work for a worker,
//! a line on the message line, a triage change) it returns, and the app
//! does it. It does no I/O either: reading happens on workers, and the one
//! store written on the UI thread (triage state and read marks) is the
//! app's. So a screen can be read, and tested, alone; adding one is a
//! module, a [`View`] variant and its keys.
//!
//! Why a trait and an enum: [`Screen`] is the contract the dispatcher
//! talks to, the same for every screen, the series list under the stack
//! included. The stack holds [`View`], a closed enum of the concrete
//! screens, rather than boxed trait objects: an effect carries a screen by
//! value, the screen under a closed one can look at what closed (the
//! thread follows the message walk), and tests can ask which screen is on
//! top, all without downcasting.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::event::{Job, Notification};
use crate::keymap::{Action, Keymap, ViewKind};
use crate::prompt::{Answer, Ask, Target};
use crate::reply::DraftRef;
use crate::theme::Theme;
use crate::tickets::ScreenId;
use crate::ui::pager::Pager;
use putt_core::series::{Revision, Series};
use putt_ops::triage::{StateStore, TriageState};

pub mod help;
pub mod interdiff;
pub mod message;
pub mod page;
pub mod revision;
pub mod series_list;
pub mod thread;
pub mod trailers;

use interdiff::InterdiffScreen;
use message::MessageScreen;
use page::PageScreen;
use thread::ThreadScreen;

/// What a screen does with the keys, answers and prompts it gets.
pub trait Screen {
    /// Which keymap table its keys come from.
    fn kind(&self) -> ViewKind;

    /// What it needs once it is on the stack (its first request): the
    /// answers come back to it.
    fn start(&mut self, _cx: &Ctx) -> Vec<Effect> {
        Vec::new()
    }

    /// An action the keymap made of a key.
    fn handle(&mut self, action: Action, cx: &Ctx) -> Vec<Effect>;

    /// The answer to one of its requests (a failure too: the app shows
    /// the error).
    fn on_reply(&mut self, _reply: Notification, _cx: &Ctx) -> Vec<Effect> {
        Vec::new()
    }

    /// The answer to one of its prompts. State, apply and export are the
    /// same wherever a revision is shown.
    fn on_prompt(&mut self, ask: Ask, answer: Answer, cx: &Ctx) -> Vec<Effect> {
        revision::answer(ask, answer, cx)
    }

    /// The screen above it closed.
    fn on_return(&mut self, _closed: &View) {}

    /// The pattern `/` asked for, which `n` and `N` look for.
    fn set_search(&mut self, pattern: String);

    /// Whether it has nothing to show until its request is answered (keys
    /// typed meanwhile wait for it).
    fn empty(&self) -> bool {
        false
    }

    /// The messages a reply (or a review) from here answers, and how to
    /// name them.
    fn reply_targets(&self, _review: bool) -> Option<(Vec<String>, String)> {
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx);
}

/// A screen stacked over the series list.
#[derive(Debug, Clone)]
pub enum View {
    Thread(ThreadScreen),
    Message(MessageScreen),
    Interdiff(InterdiffScreen),
    /// Trailers, help, an apply report.
    Page(PageScreen),
}

impl View {
    pub fn screen(&self) -> &dyn Screen {
        match self {
            View::Thread(s) => s,
            View::Message(s) => s,
            View::Interdiff(s) => s,
            View::Page(s) => s,
        }
    }

    pub fn screen_mut(&mut self) -> &mut dyn Screen {
        match self {
            View::Thread(s) => s,
            View::Message(s) => s,
            View::Interdiff(s) => s,
            View::Page(s) => s,
        }
    }
}

/// The screens over the list, the top one last, each with the id its
/// answers find it by.
#[derive(Default)]
pub struct Stack {
    views: Vec<(ScreenId, View)>,
    last_id: u64,
}

impl Stack {
    pub fn last(&self) -> Option<&View> {
        self.views.last().map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.views.is_empty()
    }

    pub fn len(&self) -> usize {
        self.views.len()
    }

    /// The screen on top: the list when the stack is empty.
    pub fn top_id(&self) -> ScreenId {
        self.views.last().map_or(ScreenId::LIST, |(id, _)| *id)
    }

    pub(crate) fn push(&mut self, v: View) -> ScreenId {
        self.last_id += 1;
        let id = ScreenId(self.last_id);
        self.views.push((id, v));
        id
    }

    pub(crate) fn pop(&mut self) -> Option<(ScreenId, View)> {
        self.views.pop()
    }

    pub(crate) fn get_mut(&mut self, id: ScreenId) -> Option<&mut View> {
        self.views
            .iter_mut()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| v)
    }
}

/// What a screen (or the compose flow) asks the app to do.
#[derive(Debug)]
pub enum Effect {
    /// Open a screen on top; what it [starts](Screen::start) follows.
    Push(View),
    /// Close the screen on top.
    Pop,
    /// Close every screen over the list.
    PopAll,
    /// Ask on the bottom line; the answer goes back to whoever asked.
    Prompt {
        ask: Ask,
        label: String,
        input: String,
    },
    /// The key answered none of the choices: the question stays as it
    /// was.
    AskAgain,
    /// Work for a worker; the answer comes back to whoever asked, and a
    /// newer request of theirs in the same slot replaces this one.
    Request(Job),
    /// An apply or an export: its answer (a message, maybe a report) is
    /// shown whatever is on top by then.
    Git(Job),
    /// A line on the message line.
    Status(StatusMessage),
    /// A change to the triage store.
    Store(StoreOp),
    /// Give the terminal to the editor on this draft; the app hears back
    /// with [`crate::event::Event::Edited`].
    Suspend(DraftRef),
}

/// A line in the message area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub error: bool,
}

/// Triage state and read marks: a single append to a file each, done on
/// the UI thread so a kill loses at most that change. The app owns the
/// store; screens ask for changes.
#[derive(Debug)]
pub enum StoreOp {
    /// Read what other processes (`putt state`) wrote meanwhile.
    CatchUp,
    SetRead {
        ids: Vec<String>,
        read: bool,
    },
    /// Set (or clear) a revision's state, log it, and show the list again.
    SetState {
        target: Target,
        state: Option<TriageState>,
    },
}

/// A line saying something.
pub fn info(text: impl Into<String>) -> Effect {
    Effect::Status(StatusMessage {
        text: text.into(),
        error: false,
    })
}

/// A line saying what went wrong.
pub fn error(text: impl Into<String>) -> Effect {
    Effect::Status(StatusMessage {
        text: text.into(),
        error: true,
    })
}

/// A prompt for `ask`, with `input` typed already.
pub fn prompt(ask: Ask, label: impl Into<String>, input: impl Into<String>) -> Effect {
    Effect::Prompt {
        ask,
        label: label.into(),
        input: input.into(),
    }
}

/// The answer to an action a screen does not take.
pub fn not_here(a: Action) -> Vec<Effect> {
    let name = crate::keymap::action_name(&a).unwrap_or("that");
    vec![info(format!("{name}: not available in this view"))]
}

/// A screen's search pattern, else the last one searched anywhere.
pub fn pattern(own: &Option<String>, cx: &Ctx) -> Option<String> {
    own.clone().or(cx.last_search.map(str::to_string))
}

/// What a screen reads besides its own state: the app's settings and
/// stores, and whether it waits for an answer.
pub struct Ctx<'a> {
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
    pub store: Option<&'a StateStore>,
    pub now: chrono::DateTime<chrono::Utc>,
    /// Rows of the body: what a page moves by.
    pub body_height: usize,
    /// The last pattern searched for, in any screen.
    pub last_search: Option<&'a str>,
    /// Configured repositories for apply: (name, path).
    pub repos: &'a [(String, PathBuf)],
    /// Time passed, for spinners.
    pub tick: usize,
    /// Whether the screen this is for waits for an answer.
    pub waiting: bool,
    /// Whether an apply or export is running.
    pub git_running: bool,
}

impl Ctx<'_> {
    /// The shown state of a revision.
    pub fn state_of(&self, series: &Series, rev: &Revision) -> TriageState {
        match self.store {
            Some(s) => s.state_of(series, rev),
            None if rev.superseded => TriageState::Superseded,
            None => TriageState::New,
        }
    }

    pub fn is_read(&self, message_id: &str) -> bool {
        self.store.is_some_and(|s| s.is_read(message_id))
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
}

/// Moves a cursor over `n` rows.
pub fn moved(cur: usize, n: usize, a: Action, page: usize) -> usize {
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

/// Whether an action moves a cursor (or scrolls).
pub fn is_move(a: Action) -> bool {
    matches!(
        a,
        Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp
    )
}

/// Scrolls a pager for a movement action; false for other actions.
pub fn scroll_pager(p: &mut Pager, a: Action, h: usize) -> bool {
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

/// Finds the screen's pattern (else the last one searched) again in a
/// pager, forwards for SearchNext; says so when it is not there.
pub fn search_pager(p: &mut Pager, own: &Option<String>, a: Action, cx: &Ctx) -> Vec<Effect> {
    let Some(pat) = pattern(own, cx) else {
        return Vec::new();
    };
    if p.find(&pat, a == Action::SearchNext) {
        Vec::new()
    } else {
        vec![info(format!("Not found: {pat}"))]
    }
}

/// Index of the revision sent last.
pub fn latest_index(s: &Series) -> usize {
    let latest = s.latest().root_message_id();
    s.revisions
        .iter()
        .position(|r| r.root_message_id() == latest)
        .unwrap_or(0)
}

/// The two newest revisions (by date sent, then version): (old, new).
pub fn two_newest(s: &Series) -> Option<(usize, usize)> {
    if s.revisions.len() < 2 {
        return None;
    }
    let mut order: Vec<usize> = (0..s.revisions.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((s.revisions[i].date, s.revisions[i].version)));
    Some((order[1], order[0]))
}

/// The revision before `to` (by version order), or after it when `to` is
/// the first.
pub fn previous_revision(s: &Series, to: usize) -> Option<usize> {
    if s.revisions.len() < 2 {
        return None;
    }
    Some(if to == 0 { 1 } else { to - 1 })
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
