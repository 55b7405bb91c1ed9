//! Help (`?`): the keys of the view it was opened from, generated from the
//! active keymap (so the user's own bindings show), plus the list's
//! legend.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::pager::PagerLine;
use super::series_list::state_label;
use super::trailers::PagerView;
use crate::app::App;
use crate::keymap::{Keymap, ViewKind};
use putt_ops::triage::TriageState;

/// The help lines for `view`.
pub fn lines(keymap: &Keymap, view: ViewKind) -> Vec<PagerLine> {
    let mut out = Vec::new();
    let rows = keymap.help_lines(view);
    let kw = rows
        .iter()
        .map(|(k, _, _)| super::width(k))
        .max()
        .unwrap_or(4)
        .min(24);
    let aw = rows.iter().map(|(_, a, _)| a.len()).max().unwrap_or(4);
    for (keys, action, what) in rows {
        out.push(
            PagerLine::new("help.key", super::fit(&keys, kw))
                .push("normal", "  ")
                .push("help.action", super::fit(action, aw))
                .push("normal", format!("  {what}")),
        );
    }
    out.push(PagerLine::blank());
    out.push(PagerLine::new(
        "list.dim",
        "Keys are set per view in config.toml: [keys.series_list] J = \"down\" (\"none\" unbinds).",
    ));
    if view == ViewKind::SeriesList {
        out.push(PagerLine::blank());
        out.push(PagerLine::new("header.name", "Columns"));
        for (col, what) in [
            ("N", "unread messages in the newest revision"),
            ("St", "triage state (below)"),
            (
                "Rev",
                "newest revision; + older ones exist, * an older one is still open",
            ),
            ("n/N", "patches received of the total"),
            (
                "A R T",
                "people who acked, reviewed, tested (NAK: someone objected)",
            ),
            (
                "C",
                "worst check of the newest revision, once putt check ran (- none):",
            ),
            (
                "",
                "F fail, I interrupted, W warning, P pending, S success, C cancelled",
            ),
            (
                "[name]",
                "the [[rule]]s of the config that match; l is:name limits to them",
            ),
        ] {
            out.push(
                PagerLine::new("help.key", super::fit(col, 6)).push("normal", format!("  {what}")),
            );
        }
        out.push(PagerLine::blank());
        out.push(PagerLine::new("header.name", "States (s, then the letter)"));
        for s in TriageState::ALL {
            out.push(
                PagerLine::new("help.key", format!("{}  ", s.letter()))
                    .push(state_role(s), super::fit(state_label(s), 6))
                    .push("normal", s.name()),
            );
        }
    }
    out
}

fn state_role(s: TriageState) -> &'static str {
    match s {
        TriageState::New => "state.new",
        TriageState::Reviewing => "state.reviewing",
        TriageState::Waiting => "state.waiting",
        TriageState::Accepted => "state.accepted",
        TriageState::Rejected => "state.rejected",
        TriageState::Superseded => "state.superseded",
        TriageState::Ignored => "state.ignored",
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, s: &PagerView) {
    super::trailers::draw(frame, area, app, s);
}
