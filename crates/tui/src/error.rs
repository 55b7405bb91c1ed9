//! What can stop the TUI or one of its requests: the use cases' errors,
//! and its own (a key map, theme or filter in the config it cannot take,
//! the terminal itself). Shown on the message line with a hint in the
//! TUI's own terms (a key), never a CLI flag.

use std::path::PathBuf;

use crate::keymap::{Action, Keymap, ViewKind};

/// Result alias of the TUI.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Ops(#[from] putt_ops::Error),
    /// A setting of the TUI's in the config (keys, theme, a saved filter)
    /// that it cannot take.
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
    /// A theme file that cannot be read.
    #[error("{path}: {source}")]
    ThemeFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A theme that does not exist.
    #[error("no theme `{name}`: built-in themes are {builtin}{elsewhere}")]
    NoTheme {
        name: String,
        builtin: String,
        elsewhere: String,
    },
    #[error("terminal: {0}")]
    Terminal(#[source] std::io::Error),
    /// What a request was about is no longer there (a revision, a
    /// message, a reply target).
    #[error("{0} is no longer there")]
    Gone(&'static str),
}

impl From<putt_ops::error::StoreError> for Error {
    fn from(e: putt_ops::error::StoreError) -> Error {
        Error::Ops(e.into())
    }
}

impl From<putt_core::query::QueryError> for Error {
    fn from(e: putt_core::query::QueryError) -> Error {
        Error::Ops(e.into())
    }
}

/// What the user can do about an error, in the TUI's terms: a key (the
/// one bound in the screen the message shows on) or a step outside it.
/// Never a CLI flag: the TUI takes none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Something to do outside the TUI, or a fact about it.
    Say(&'static str),
    /// A key's action does it: shown as `<key> <text>`, or not at all
    /// where nothing is bound to it.
    Key(Action, &'static str),
}

impl Hint {
    /// The hint as the message line shows it after the error.
    pub fn render(self, keymap: &Keymap, view: ViewKind) -> Option<String> {
        match self {
            Hint::Say(text) => Some(text.to_string()),
            Hint::Key(action, text) => keymap.key_for(view, &action).map(|k| format!("{k} {text}")),
        }
    }
}

impl Error {
    /// The TUI's hint for this error, where one helps.
    pub fn hint(&self) -> Option<Hint> {
        use putt_ops::error::StoreError as Store;
        let Error::Ops(e) = self else {
            return None;
        };
        Some(match e.store()? {
            Store::Incomplete { .. } => {
                Hint::Say("the TUI exports and applies complete revisions only")
            }
            Store::IndexDamaged { .. } => Hint::Say(
                "quit and run `putt index --rebuild` (triage state, drafts and check results are kept)",
            ),
            Store::IndexLocked { .. } => {
                Hint::Key(Action::Reindex, "indexes again once it is done")
            }
            Store::DiskFull { .. } => Hint::Say("free some space and try again"),
            Store::NoListAddress { .. } => {
                Hint::Key(Action::GroupReply, "replies to everyone instead")
            }
            Store::BranchExists { .. } => Hint::Key(Action::Apply, "applies on another branch"),
            Store::Dirty { .. } | Store::InProgress { .. } => {
                Hint::Say("commit or stash, or finish what git is doing, then apply again")
            }
            _ => return None,
        })
    }
}

/// An error with its hint, for the message line.
pub fn with_hint(error: &str, hint: Option<String>) -> String {
    match hint {
        Some(h) => format!("{error}; {h}"),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_keys_of_the_screen_or_nothing() {
        let keymap = Keymap::default();
        let locked = Error::from(putt_ops::error::StoreError::IndexLocked {
            path: PathBuf::from("/i"),
        });
        let hint = locked.hint().expect("a hint");
        assert_eq!(
            hint.render(&keymap, ViewKind::SeriesList).as_deref(),
            Some("$ indexes again once it is done")
        );
        let no_list = Hint::Key(Action::GroupReply, "replies to everyone instead");
        assert_eq!(
            no_list.render(&keymap, ViewKind::Message).as_deref(),
            Some("g replies to everyone instead")
        );
        assert_eq!(no_list.render(&keymap, ViewKind::SeriesList), None);
        assert_eq!(Error::Gone("the revision").hint(), None);
    }
}
