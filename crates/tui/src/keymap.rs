//! Keys -> actions, per view, as data.
//!
//! Defaults live in [`DEFAULTS`]; the user's `[keys.<view>]` tables in
//! `config.toml` (key name = action name, or `"none"` to unbind) change
//! only the keys they name. `[keys.global]` applies to every view unless
//! the view's own table says otherwise. A misspelt view, key or action is
//! an error naming it, so a typo never silently does nothing. The help
//! screen and the hint line are generated from the active map.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::error::{Error, Result};

/// What a user can ask for; a [`Keymap`] maps keys to these, per screen.
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
    Link,
    Unlink,
    Reindex,
    Redraw,
}

/// The screens that have their own bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViewKind {
    SeriesList,
    Thread,
    Message,
    Interdiff,
    Trailers,
    Help,
}

impl ViewKind {
    pub const ALL: [ViewKind; 6] = [
        ViewKind::SeriesList,
        ViewKind::Thread,
        ViewKind::Message,
        ViewKind::Interdiff,
        ViewKind::Trailers,
        ViewKind::Help,
    ];

    /// The config table name: `[keys.series_list]`.
    pub fn name(self) -> &'static str {
        match self {
            ViewKind::SeriesList => "series_list",
            ViewKind::Thread => "thread",
            ViewKind::Message => "message",
            ViewKind::Interdiff => "interdiff",
            ViewKind::Trailers => "trailers",
            ViewKind::Help => "help",
        }
    }

    /// What the help screen calls it.
    pub fn title(self) -> &'static str {
        match self {
            ViewKind::SeriesList => "Series list",
            ViewKind::Thread => "Thread",
            ViewKind::Message => "Message",
            ViewKind::Interdiff => "Interdiff",
            ViewKind::Trailers => "Trailers",
            ViewKind::Help => "Help",
        }
    }

    fn from_name(s: &str) -> Option<ViewKind> {
        ViewKind::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// The bindable actions: config name, action, one-line description.
pub const ACTIONS: &[(&str, Action, &str)] = &[
    ("down", Action::Down, "next line or row"),
    ("up", Action::Up, "previous line or row"),
    ("top", Action::Top, "first row"),
    ("bottom", Action::Bottom, "last row"),
    ("page_down", Action::PageDown, "one screen down"),
    ("page_up", Action::PageUp, "one screen up"),
    (
        "open",
        Action::Open,
        "open the selected series, revision or message",
    ),
    ("back", Action::Back, "close this view"),
    ("quit", Action::Quit, "leave putt"),
    ("help", Action::Help, "this help"),
    ("search", Action::Search, "search in this view"),
    ("search_next", Action::SearchNext, "next match"),
    ("search_prev", Action::SearchPrev, "previous match"),
    (
        "limit",
        Action::Limit,
        "show only series matching a query (empty: all)",
    ),
    ("next_filter", Action::NextFilter, "next saved filter"),
    ("prev_filter", Action::PrevFilter, "previous saved filter"),
    ("prev_patch", Action::PrevPatch, "previous patch (or pair)"),
    ("next_patch", Action::NextPatch, "next patch (or pair)"),
    ("focus_next", Action::FocusNext, "switch pane"),
    (
        "interdiff",
        Action::Interdiff,
        "interdiff between revisions",
    ),
    (
        "trailers",
        Action::Trailers,
        "trailer summary of the revision",
    ),
    ("apply", Action::Apply, "apply the revision to a local repo"),
    (
        "export",
        Action::Export,
        "export the revision as an mbox for git am",
    ),
    (
        "reply",
        Action::Reply,
        "reply to the sender (of the message, or the series' cover)",
    ),
    (
        "group_reply",
        Action::GroupReply,
        "reply to the sender and everyone in To and Cc",
    ),
    ("list_reply", Action::ListReply, "reply to the mailing list"),
    (
        "review",
        Action::Review,
        "reply with Reviewed-by, Acked-by or Tested-by: you",
    ),
    ("set_state", Action::SetState, "set the triage state"),
    ("toggle_read", Action::ToggleRead, "mark read / unread"),
    (
        "mark",
        Action::Mark,
        "mark a revision as the interdiff's old side",
    ),
    (
        "older_from",
        Action::OlderFrom,
        "interdiff from an older revision",
    ),
    (
        "newer_from",
        Action::NewerFrom,
        "interdiff from a newer revision",
    ),
    (
        "pick_revisions",
        Action::PickRevisions,
        "pick the two revisions to compare",
    ),
    (
        "link",
        Action::Link,
        "mark a series, then make another a later revision of it",
    ),
    (
        "unlink",
        Action::Unlink,
        "split the revision under the cursor off this series",
    ),
    ("reindex", Action::Reindex, "index new mail now"),
    ("redraw", Action::Redraw, "redraw the screen"),
];

/// Default bindings: view (`None` = every view), key, action name.
pub const DEFAULTS: &[(Option<ViewKind>, &str, &str)] = &[
    (None, "j", "down"),
    (None, "down", "down"),
    (None, "k", "up"),
    (None, "up", "up"),
    (None, "g", "top"),
    (None, "home", "top"),
    (None, "^", "top"),
    (None, "G", "bottom"),
    (None, "end", "bottom"),
    (None, "pagedown", "page_down"),
    (None, "space", "page_down"),
    (None, "ctrl-f", "page_down"),
    (None, "pageup", "page_up"),
    (None, "-", "page_up"),
    (None, "ctrl-b", "page_up"),
    (None, "enter", "open"),
    (None, "q", "back"),
    (None, "esc", "back"),
    (None, "Q", "quit"),
    (None, "ctrl-c", "quit"),
    (None, "?", "help"),
    (None, "/", "search"),
    (None, "n", "search_next"),
    (None, "N", "search_prev"),
    (None, "tab", "focus_next"),
    (None, "[", "prev_patch"),
    (None, "]", "next_patch"),
    (None, "d", "interdiff"),
    (None, "t", "trailers"),
    (None, "a", "apply"),
    (None, "e", "export"),
    (None, "r", "reply"),
    (None, "L", "list_reply"),
    (None, "R", "review"),
    (None, "s", "set_state"),
    (None, "u", "toggle_read"),
    (None, "$", "reindex"),
    (None, "ctrl-l", "redraw"),
    (Some(ViewKind::SeriesList), "q", "quit"),
    (Some(ViewKind::SeriesList), "l", "limit"),
    (Some(ViewKind::SeriesList), "f", "next_filter"),
    (Some(ViewKind::SeriesList), "F", "prev_filter"),
    (Some(ViewKind::SeriesList), "+", "link"),
    (Some(ViewKind::Thread), "U", "unlink"),
    (Some(ViewKind::Thread), "m", "mark"),
    // mutt's group reply where mail is read; top stays on Home and ^.
    (Some(ViewKind::Thread), "g", "group_reply"),
    (Some(ViewKind::Message), "g", "group_reply"),
    (Some(ViewKind::Interdiff), "<", "older_from"),
    (Some(ViewKind::Interdiff), ">", "newer_from"),
    (Some(ViewKind::Interdiff), "v", "pick_revisions"),
];

/// What each view's hint line offers, in order.
const HINTS: &[(ViewKind, &[&str])] = &[
    (
        ViewKind::SeriesList,
        &[
            "quit",
            "open",
            "limit",
            "next_filter",
            "search",
            "interdiff",
            "trailers",
            "set_state",
            "help",
        ],
    ),
    (
        ViewKind::Thread,
        &[
            "back",
            "open",
            "focus_next",
            "reply",
            "review",
            "interdiff",
            "set_state",
            "help",
        ],
    ),
    (
        ViewKind::Message,
        &[
            "back",
            "prev_patch",
            "next_patch",
            "reply",
            "group_reply",
            "review",
            "interdiff",
            "help",
            "search",
        ],
    ),
    (
        ViewKind::Interdiff,
        &[
            "back",
            "prev_patch",
            "next_patch",
            "focus_next",
            "older_from",
            "newer_from",
            "pick_revisions",
            "help",
        ],
    ),
    (ViewKind::Trailers, &["back", "search", "help"]),
    (ViewKind::Help, &["back", "search"]),
];

/// A key with its modifiers, as the keymap compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// A terminal key event, normalised: Shift is part of the character
    /// (`G`, not Shift+g), and only Ctrl and Alt count as modifiers.
    pub fn from_event(ev: KeyEvent) -> Key {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        if code == KeyCode::BackTab {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key { code, mods }
    }

    /// Parses a key name: `j`, `G`, `?`, `enter`, `pagedown`, `ctrl-r`,
    /// `alt-x`, `shift-tab`, `f5`, `space`.
    pub fn parse(name: &str) -> Option<Key> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = name;
        loop {
            let lower = rest.to_ascii_lowercase();
            let stripped = ["ctrl-", "c-"]
                .iter()
                .find(|p| lower.starts_with(*p) && rest.len() > p.len())
                .map(|p| (KeyModifiers::CONTROL, p.len()))
                .or_else(|| {
                    ["alt-", "m-", "a-"]
                        .iter()
                        .find(|p| lower.starts_with(*p) && rest.len() > p.len())
                        .map(|p| (KeyModifiers::ALT, p.len()))
                })
                .or_else(|| {
                    ["shift-", "s-"]
                        .iter()
                        .find(|p| lower.starts_with(*p) && rest.len() > p.len())
                        .map(|p| (KeyModifiers::SHIFT, p.len()))
                });
            match stripped {
                Some((m, n)) => {
                    mods |= m;
                    rest = &rest[n..];
                }
                None => break,
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" | "ret" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" | "bs" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" | "pgdown" => KeyCode::PageDown,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "space" => KeyCode::Char(' '),
                "minus" => KeyCode::Char('-'),
                f if f.starts_with('f') => {
                    let n: u8 = f[1..].parse().ok()?;
                    if !(1..=24).contains(&n) {
                        return None;
                    }
                    KeyCode::F(n)
                }
                _ => return None,
            },
        };
        let mut key = Key { code, mods };
        if key.mods.contains(KeyModifiers::SHIFT) {
            key.mods.remove(KeyModifiers::SHIFT);
            key.code = match key.code {
                KeyCode::Tab => KeyCode::BackTab,
                KeyCode::Char(c) => KeyCode::Char(c.to_ascii_uppercase()),
                // Shift with other keys is not something terminals report
                // reliably; refuse rather than bind a key that never comes.
                _ => return None,
            };
        }
        if let KeyCode::Char(c) = key.code
            && key.mods.contains(KeyModifiers::CONTROL)
        {
            key.code = KeyCode::Char(c.to_ascii_lowercase());
        }
        Some(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("C-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("M-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Backspace => f.write_str("BS"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The active bindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    global: HashMap<Key, Action>,
    /// Per view: `None` unbinds a global key in that view.
    views: HashMap<ViewKind, HashMap<Key, Option<Action>>>,
}

/// An action by its config name.
pub fn action_by_name(name: &str) -> Option<Action> {
    ACTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, a, _)| *a)
}

/// The config name of a bindable action.
pub fn action_name(action: &Action) -> Option<&'static str> {
    ACTIONS
        .iter()
        .find(|(_, a, _)| a == action)
        .map(|(n, _, _)| *n)
}

fn action_description(action: &Action) -> &'static str {
    ACTIONS
        .iter()
        .find(|(_, a, _)| a == action)
        .map_or("", |(_, _, d)| *d)
}

impl Default for Keymap {
    fn default() -> Keymap {
        let mut map = Keymap {
            global: HashMap::new(),
            views: HashMap::new(),
        };
        for (view, key, action) in DEFAULTS {
            let key = Key::parse(key).expect("default key names parse");
            let action = action_by_name(action).expect("default action names exist");
            match view {
                None => {
                    map.global.insert(key, action);
                }
                Some(v) => {
                    map.views.entry(*v).or_default().insert(key, Some(action));
                }
            }
        }
        map
    }
}

impl Keymap {
    /// The defaults with the user's `[keys.*]` tables over them. `source`
    /// names the config file in errors.
    pub fn with_config(
        user: &BTreeMap<String, BTreeMap<String, String>>,
        source: &std::path::Path,
    ) -> Result<Keymap> {
        let mut map = Keymap::default();
        let err = |message: String| Error::Config {
            path: source.to_path_buf(),
            message,
        };
        for (view_name, table) in user {
            let view = if view_name == "global" {
                None
            } else {
                Some(ViewKind::from_name(view_name).ok_or_else(|| {
                    err(format!(
                        "[keys.{view_name}]: unknown view; views are global, {}",
                        ViewKind::ALL.map(|v| v.name()).join(", ")
                    ))
                })?)
            };
            for (key_name, action_name) in table {
                let key = Key::parse(key_name).ok_or_else(|| {
                    err(format!(
                        "[keys.{view_name}]: unknown key `{key_name}` (use e.g. `j`, `G`, `enter`, `pagedown`, `ctrl-r`, `alt-x`, `f5`)"
                    ))
                })?;
                let action = if action_name == "none" {
                    None
                } else {
                    Some(action_by_name(action_name).ok_or_else(|| {
                        err(format!(
                            "[keys.{view_name}]: `{key_name}` = \"{action_name}\": unknown action; actions are none, {}",
                            ACTIONS.iter().map(|(n, _, _)| *n).collect::<Vec<_>>().join(", ")
                        ))
                    })?)
                };
                match (view, action) {
                    (None, Some(a)) => {
                        map.global.insert(key, a);
                    }
                    (None, None) => {
                        map.global.remove(&key);
                    }
                    (Some(v), a) => {
                        map.views.entry(v).or_default().insert(key, a);
                    }
                }
            }
        }
        Ok(map)
    }

    /// The action a key runs in a view.
    pub fn lookup(&self, view: ViewKind, key: Key) -> Option<Action> {
        if let Some(entry) = self.views.get(&view).and_then(|m| m.get(&key)) {
            return *entry;
        }
        self.global.get(&key).copied()
    }

    /// Every binding active in a view: (action, keys), in [`ACTIONS`] order.
    pub fn bindings(&self, view: ViewKind) -> Vec<(Action, Vec<Key>)> {
        let mut keys: Vec<Key> = self.global.keys().copied().collect();
        if let Some(m) = self.views.get(&view) {
            keys.extend(m.keys().copied());
        }
        keys.sort_by_key(|k| (key_rank(k), k.to_string()));
        keys.dedup();
        let mut out: Vec<(Action, Vec<Key>)> = Vec::new();
        for (_, action, _) in ACTIONS {
            let bound: Vec<Key> = keys
                .iter()
                .filter(|k| self.lookup(view, **k).as_ref() == Some(action))
                .copied()
                .collect();
            if !bound.is_empty() {
                out.push((*action, bound));
            }
        }
        out
    }

    /// The first key bound to an action in a view, for hints.
    pub fn key_for(&self, view: ViewKind, action: &Action) -> Option<Key> {
        self.bindings(view)
            .into_iter()
            .find(|(a, _)| a == action)
            .and_then(|(_, keys)| keys.first().copied())
    }

    /// `q:Quit  Enter:Open ...` for the top line of a view.
    pub fn hints(&self, view: ViewKind) -> Vec<(String, &'static str)> {
        let names = HINTS
            .iter()
            .find(|(v, _)| *v == view)
            .map_or(&[][..], |(_, n)| *n);
        let bindings = self.bindings(view);
        names
            .iter()
            .filter_map(|name| {
                let action = action_by_name(name)?;
                let (_, keys) = bindings.iter().find(|(a, _)| *a == action)?;
                Some((keys.first()?.to_string(), hint_label(name)))
            })
            .collect()
    }

    /// The README's keys table: one row per action with its keys; a key
    /// bound in only some views says which.
    pub fn markdown(&self) -> String {
        let mut out = String::from("| action | keys | what it does |\n|---|---|---|\n");
        for (name, action, what) in ACTIONS {
            // key -> the views it runs `action` in, in key order.
            let mut keys: Vec<(Key, Vec<ViewKind>)> = Vec::new();
            for view in ViewKind::ALL {
                for (a, bound) in self.bindings(view) {
                    if a != *action {
                        continue;
                    }
                    for k in bound {
                        match keys.iter_mut().find(|(x, _)| *x == k) {
                            Some((_, views)) => views.push(view),
                            None => keys.push((k, vec![view])),
                        }
                    }
                }
            }
            if keys.is_empty() {
                continue;
            }
            keys.sort_by_key(|(k, views)| {
                (
                    views.len() != ViewKind::ALL.len(),
                    key_rank(k),
                    k.to_string(),
                )
            });
            let mut everywhere = Vec::new();
            let mut some: Vec<(String, Vec<ViewKind>)> = Vec::new();
            for (k, views) in keys {
                let shown = match k.to_string().as_str() {
                    "|" => "`\\|`".to_string(),
                    s => format!("`{s}`"),
                };
                if views.len() == ViewKind::ALL.len() {
                    everywhere.push(shown);
                } else if let Some(entry) = some.iter_mut().find(|(_, v)| *v == views) {
                    entry.0.push_str(&format!(" {shown}"));
                } else {
                    some.push((shown, views));
                }
            }
            let mut cell = everywhere.join(" ");
            for (keys, views) in some {
                if !cell.is_empty() {
                    cell.push_str("; ");
                }
                let names: Vec<&str> = views.iter().map(|v| v.name()).collect();
                cell.push_str(&format!("{keys} in {}", names.join(", ")));
            }
            out.push_str(&format!("| `{name}` | {cell} | {what} |\n"));
        }
        out
    }

    /// The help screen's lines for a view: `keys  action  description`.
    pub fn help_lines(&self, view: ViewKind) -> Vec<(String, &'static str, &'static str)> {
        self.bindings(view)
            .into_iter()
            .map(|(action, keys)| {
                let keys = keys
                    .iter()
                    .map(Key::to_string)
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    keys,
                    action_name(&action).unwrap_or("?"),
                    action_description(&action),
                )
            })
            .collect()
    }
}

/// Lower-case letters first, then capitals, punctuation, named keys and
/// modified keys: the order a person scans a help line in, and the hint
/// line shows the first.
fn key_rank(k: &Key) -> u8 {
    match (k.code, k.mods.is_empty()) {
        (KeyCode::Char(c), true) if c.is_ascii_lowercase() || c.is_ascii_digit() => 0,
        (KeyCode::Char(c), true) if c.is_ascii_uppercase() => 1,
        (KeyCode::Char(' '), true) => 3,
        (KeyCode::Char(_), true) => 2,
        (_, true) => 3,
        _ => 4,
    }
}

fn hint_label(action: &str) -> &'static str {
    match action {
        "quit" => "Quit",
        "back" => "Back",
        "open" => "Open",
        "limit" => "Limit",
        "next_filter" => "Filter",
        "search" => "Search",
        "interdiff" => "Interdiff",
        "trailers" => "Trailers",
        "set_state" => "State",
        "help" => "Help",
        "focus_next" => "Pane",
        "mark" => "Mark",
        "prev_patch" => "Prev",
        "next_patch" => "Next",
        "reply" => "Reply",
        "group_reply" => "Group",
        "list_reply" => "List",
        "review" => "Review",
        "older_from" => "Older",
        "newer_from" => "Newer",
        "pick_revisions" => "Revisions",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key::parse(s).expect("key")
    }

    #[test]
    fn key_names_round_trip() {
        for name in [
            "j", "G", "?", "Enter", "Esc", "Tab", "S-Tab", "PgUp", "PgDn", "C-r", "M-x", "F5",
            "Space", "[",
        ] {
            assert_eq!(key(name).to_string(), name, "{name}");
        }
        assert_eq!(key("ctrl-R"), key("C-r"));
        assert_eq!(key("shift-tab"), key("backtab"));
        assert_eq!(key("shift-g"), key("G"));
        assert!(Key::parse("ctrl-").is_none());
        assert!(Key::parse("hyper-x").is_none());
        assert!(Key::parse("f99").is_none());
    }

    #[test]
    fn terminal_events_normalise() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(ev), key("G"));
        let ev = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(ev), key("ctrl-r"));
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(ev), key("shift-tab"));
    }

    #[test]
    fn user_entries_override_only_what_they_name() {
        let mut user = BTreeMap::new();
        user.insert(
            "series_list".to_string(),
            BTreeMap::from([
                ("J".to_string(), "down".to_string()),
                ("j".to_string(), "none".to_string()),
            ]),
        );
        user.insert(
            "global".to_string(),
            BTreeMap::from([("x".to_string(), "quit".to_string())]),
        );
        let map = Keymap::with_config(&user, std::path::Path::new("c.toml")).expect("valid");
        assert_eq!(
            map.lookup(ViewKind::SeriesList, key("J")),
            Some(Action::Down)
        );
        assert_eq!(map.lookup(ViewKind::SeriesList, key("j")), None);
        assert_eq!(map.lookup(ViewKind::Message, key("j")), Some(Action::Down));
        assert_eq!(map.lookup(ViewKind::Message, key("x")), Some(Action::Quit));
        assert_eq!(map.lookup(ViewKind::SeriesList, key("k")), Some(Action::Up));
    }

    #[test]
    fn unknown_names_are_errors_naming_them() {
        for (view, k, a, expect) in [
            ("serieslist", "j", "down", "serieslist"),
            ("series_list", "ctrl-", "down", "ctrl-"),
            ("series_list", "j", "dwn", "dwn"),
        ] {
            let user = BTreeMap::from([(
                view.to_string(),
                BTreeMap::from([(k.to_string(), a.to_string())]),
            )]);
            let err = Keymap::with_config(&user, std::path::Path::new("c.toml"))
                .expect_err("invalid")
                .to_string();
            assert!(err.contains(expect), "{err}");
            assert!(err.contains("c.toml"), "{err}");
        }
    }

    #[test]
    fn every_view_has_help_and_quit() {
        let map = Keymap::default();
        for v in ViewKind::ALL {
            assert!(map.key_for(v, &Action::Help).is_some(), "{v:?}");
            assert!(map.key_for(v, &Action::Quit).is_some(), "{v:?}");
            assert!(!map.hints(v).is_empty());
        }
        assert_eq!(
            map.lookup(ViewKind::SeriesList, key("q")),
            Some(Action::Quit)
        );
        assert_eq!(map.lookup(ViewKind::Message, key("q")), Some(Action::Back));
    }
}
