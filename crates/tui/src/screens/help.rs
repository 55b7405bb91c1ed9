//! Help (`?`): the keys of the screen it was opened from, generated from
//! the active keymap (so the user's own bindings show), plus the list's
//! legend. Shown by a [`super::page::PageScreen`].

use super::series_list::state_label;
use crate::keymap::{Keymap, ViewKind};
use crate::ui::pager::PagerLine;
use crate::ui::{fit, width};
use putt_ops::triage::TriageState;

/// The help lines for `view`.
pub fn lines(keymap: &Keymap, view: ViewKind) -> Vec<PagerLine> {
    let mut out = Vec::new();
    let rows = keymap.help_lines(view);
    let kw = rows
        .iter()
        .map(|(k, _, _)| width(k))
        .max()
        .unwrap_or(4)
        .min(24);
    let aw = rows.iter().map(|(_, a, _)| a.len()).max().unwrap_or(4);
    for (keys, action, what) in rows {
        out.push(
            PagerLine::new("help.key", fit(&keys, kw))
                .push("normal", "  ")
                .push("help.action", fit(action, aw))
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
            out.push(PagerLine::new("help.key", fit(col, 6)).push("normal", format!("  {what}")));
        }
        out.push(PagerLine::blank());
        out.push(PagerLine::new("header.name", "States (s, then the letter)"));
        for s in TriageState::ALL {
            out.push(
                PagerLine::new("help.key", format!("{}  ", s.letter()))
                    .push(state_role(s), fit(state_label(s), 6))
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
