//! The message screen: headers, body, coloured diff, trailers highlighted,
//! read in a pager. The message is read and laid out on a worker
//! ([`crate::load::message`]); `[` and `]` walk the patches of its
//! revision, asking for each in turn.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::interdiff::InterdiffScreen;
use super::page::PageScreen;
use super::{
    Ctx, Effect, Screen, StoreOp, View, info, not_here, previous_revision, prompt, revision,
    scroll_pager, search_pager,
};
use crate::event::{Job, Notification};
use crate::keymap::{Action, ViewKind};
use crate::prompt::{Ask, Target};
use crate::ui::clean;
use crate::ui::pager::Pager;
use putt_core::series::Series;

/// Where `[` and `]` go from a message: the messages of one revision, the
/// cover letter first, then the patches by number.
#[derive(Debug, Clone)]
pub struct PatchNav {
    pub series: Arc<Series>,
    pub revision: usize,
    /// (counter, Message-ID); the cover is 0.
    pub slots: Vec<(u32, String)>,
    pub pos: usize,
}

impl PatchNav {
    /// The walk of `revision`, positioned at `message_id` (or the start).
    pub fn new(series: Arc<Series>, revision: usize, message_id: &str) -> Option<PatchNav> {
        let rev = series.revisions.get(revision)?;
        let mut slots: Vec<(u32, String)> = Vec::new();
        if let Some(c) = &rev.cover {
            slots.push((0, c.message_id.clone()));
        }
        for p in &rev.patches {
            slots.push((p.counter, p.mail.message_id.clone()));
        }
        if slots.is_empty() {
            return None;
        }
        let pos = slots.iter().position(|(_, m)| m == message_id).unwrap_or(0);
        Some(PatchNav {
            series,
            revision,
            slots,
            pos,
        })
    }

    /// `2/5` (or `0/5` for the cover).
    pub fn label(&self) -> String {
        let total = self
            .series
            .revisions
            .get(self.revision)
            .map_or(0, |r| r.total);
        format!("{}/{}", self.slots[self.pos].0, total)
    }
}

/// The message screen's state.
#[derive(Debug, Clone)]
pub struct MessageScreen {
    pub message_id: String,
    pub subject: String,
    pub pager: Pager,
    pub nav: Option<PatchNav>,
    pub search: Option<String>,
}

impl MessageScreen {
    /// The screen for a message, read once it is open (and so marked
    /// read).
    pub fn open(message_id: String, subject: String, nav: Option<PatchNav>) -> View {
        View::Message(MessageScreen {
            message_id,
            subject,
            pager: Pager::default(),
            nav,
            search: None,
        })
    }

    /// Asks for the message shown, and marks it read.
    fn load(&self) -> Vec<Effect> {
        vec![
            Effect::Request(Job::Message {
                message_id: self.message_id.clone(),
            }),
            Effect::Store(StoreOp::SetRead {
                ids: vec![self.message_id.clone()],
                read: true,
            }),
        ]
    }

    /// `[` and `]`: the previous or next message of the revision.
    fn walk(&mut self, a: Action) -> Vec<Effect> {
        let Some(nav) = &mut self.nav else {
            return vec![info("This message is not part of a revision's patches.")];
        };
        let on_slot = nav.slots[nav.pos].1 == self.message_id;
        let next = match (a, on_slot) {
            (Action::NextPatch, true) => nav.pos + 1,
            (Action::NextPatch, false) => nav.pos,
            (_, true) => match nav.pos.checked_sub(1) {
                Some(p) => p,
                None => return vec![info("This is the first one.")],
            },
            // Off the walk (a reply): back to where the walk was.
            (_, false) => nav.pos,
        };
        if next >= nav.slots.len() {
            return vec![info("This is the last patch.")];
        }
        nav.pos = next;
        let id = nav.slots[next].1.clone();
        self.subject = nav
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
        self.message_id = id;
        self.pager = Pager::default();
        self.load()
    }

    /// Keys about the revision the message belongs to.
    fn about_revision(&self, a: Action, cx: &Ctx) -> Vec<Effect> {
        let Some(nav) = &self.nav else {
            return vec![info("This message is not part of a revision.")];
        };
        let (series, rev) = (nav.series.clone(), nav.revision);
        match a {
            Action::Interdiff => match previous_revision(&series, rev) {
                Some(from) => vec![Effect::Push(InterdiffScreen::open(series, from, rev))],
                None => vec![info("No other revision to compare with.")],
            },
            Action::Trailers => PageScreen::trailers(&series, rev)
                .map(Effect::Push)
                .into_iter()
                .collect(),
            _ => revision::ask(
                a,
                Target {
                    series,
                    revision: rev,
                },
                cx,
            ),
        }
    }
}

impl Screen for MessageScreen {
    fn kind(&self) -> ViewKind {
        ViewKind::Message
    }

    fn start(&mut self, _cx: &Ctx) -> Vec<Effect> {
        self.load()
    }

    fn handle(&mut self, a: Action, cx: &Ctx) -> Vec<Effect> {
        let h = cx.body_height.saturating_sub(1).max(1);
        if scroll_pager(&mut self.pager, a, h) {
            return Vec::new();
        }
        match a {
            // The thread under it puts its cursor on this message.
            Action::Back => vec![Effect::Pop],
            Action::PrevPatch | Action::NextPatch => self.walk(a),
            Action::Search => vec![prompt(Ask::Search, "Search: ", "")],
            Action::SearchNext | Action::SearchPrev => {
                search_pager(&mut self.pager, &self.search, a, cx)
            }
            Action::ToggleRead => vec![Effect::Store(StoreOp::SetRead {
                ids: vec![self.message_id.clone()],
                read: !cx.is_read(&self.message_id),
            })],
            Action::Interdiff
            | Action::Trailers
            | Action::SetState
            | Action::Apply
            | Action::Export => self.about_revision(a, cx),
            _ => not_here(a),
        }
    }

    fn on_reply(&mut self, reply: Notification, _cx: &Ctx) -> Vec<Effect> {
        if let Notification::Message { lines, .. } = reply {
            self.pager = Pager { lines, top: 0 };
        }
        Vec::new()
    }

    fn set_search(&mut self, pattern: String) {
        self.search = Some(pattern);
    }

    fn empty(&self) -> bool {
        self.pager.lines.is_empty()
    }

    fn reply_targets(&self, _review: bool) -> Option<(Vec<String>, String)> {
        Some((vec![self.message_id.clone()], clean(&self.subject)))
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        if area.height < 2 {
            return;
        }
        let title = match &self.nav {
            Some(nav) => format!("[{}] {}", nav.label(), self.subject),
            None => self.subject.clone(),
        };
        let [head, body] = [
            Rect::new(area.x, area.y, area.width, 1),
            Rect::new(area.x, area.y + 1, area.width, area.height - 1),
        ];
        crate::ui::title_line(frame, head, cx.theme, &title);
        if cx.waiting && self.pager.lines.is_empty() {
            crate::ui::loading(frame, body, cx.theme, cx.tick, "reading the message…");
            return;
        }
        self.pager
            .draw(frame, body, cx.theme, self.search.as_deref());
    }
}
