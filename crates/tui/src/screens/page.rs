//! A titled page of text: a revision's trailers, the help, an apply
//! report. It scrolls and searches and closes; it asks no worker, so it
//! never waits.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Ctx, Effect, Screen, View, not_here, prompt, scroll_pager, search_pager};
use crate::keymap::{Action, Keymap, ViewKind};
use crate::prompt::Ask;
use crate::ui::pager::{Pager, PagerLine};
use putt_core::series::Series;

/// The page's state.
#[derive(Debug, Clone)]
pub struct PageScreen {
    /// Whose keys it takes: the trailers' (reports too) or the help's.
    pub kind: ViewKind,
    pub title: String,
    pub pager: Pager,
    pub search: Option<String>,
}

impl PageScreen {
    fn view(kind: ViewKind, title: String, lines: Vec<PagerLine>) -> View {
        View::Page(PageScreen {
            kind,
            title,
            pager: Pager::new(lines),
            search: None,
        })
    }

    /// The trailer summary of a revision, if the series has it.
    pub fn trailers(series: &Arc<Series>, revision: usize) -> Option<View> {
        let rev = series.revisions.get(revision)?;
        Some(Self::view(
            ViewKind::Trailers,
            format!("Trailers of {} — {}", rev.label(), series.subject),
            super::trailers::lines(series, rev),
        ))
    }

    /// The keys of the screen of kind `of`.
    pub fn help(keymap: &Keymap, of: ViewKind) -> View {
        Self::view(
            ViewKind::Help,
            format!("Help: {} (q to close)", of.title()),
            super::help::lines(keymap, of),
        )
    }

    /// A report (an apply's), read like the trailers.
    pub fn report(title: String, lines: Vec<PagerLine>) -> View {
        Self::view(ViewKind::Trailers, title, lines)
    }
}

impl Screen for PageScreen {
    fn kind(&self) -> ViewKind {
        self.kind
    }

    fn handle(&mut self, a: Action, cx: &Ctx) -> Vec<Effect> {
        let h = cx.body_height.saturating_sub(1).max(1);
        if scroll_pager(&mut self.pager, a, h) {
            return Vec::new();
        }
        match a {
            Action::Back => vec![Effect::Pop],
            Action::Search => vec![prompt(Ask::Search, "Search: ", "")],
            Action::SearchNext | Action::SearchPrev => {
                search_pager(&mut self.pager, &self.search, a, cx)
            }
            _ => not_here(a),
        }
    }

    fn set_search(&mut self, pattern: String) {
        self.search = Some(pattern);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        if area.height < 2 {
            return;
        }
        crate::ui::title_line(
            frame,
            Rect::new(area.x, area.y, area.width, 1),
            cx.theme,
            &self.title,
        );
        self.pager.draw(
            frame,
            Rect::new(area.x, area.y + 1, area.width, area.height - 1),
            cx.theme,
            self.search.as_deref(),
        );
    }
}
