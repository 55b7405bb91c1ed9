//! The one-line prompt at the bottom: what it asks ([`Ask`]), the line
//! editing (mutt's and readline's keys), and the answer ([`Answer`]) that
//! goes back to whoever asked. Some questions take one key (a state, the
//! compose flow's send / edit / keep / discard); the rest take a line.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tickets::Owner;
use putt_core::series::Series;

/// One revision of a series, what state, apply and export are about.
#[derive(Debug, Clone)]
pub struct Target {
    pub series: Arc<Series>,
    pub revision: usize,
}

/// What a prompt asks for.
#[derive(Debug, Clone)]
pub enum Ask {
    /// A pattern for the screen that asked.
    Search,
    /// A query for the series list.
    Limit,
    /// Two revisions for the interdiff that asked.
    Revisions,
    /// One key picks the state.
    State(Target),
    ApplyRepo(Target),
    ApplyBranch(Target, PathBuf),
    Export(Target),
    /// y/n: make the series `later` names a later revision of `earlier`'s.
    Link {
        earlier: String,
        later: String,
    },
    /// y/n: split the revision off its series.
    Unlink(Target),
    /// The compose flow's question of the moment (one key): it knows what
    /// it asked.
    Compose,
}

impl Ask {
    /// Whether one key answers it (no line to edit).
    pub fn one_key(&self) -> bool {
        matches!(
            self,
            Ask::State(_) | Ask::Compose | Ask::Link { .. } | Ask::Unlink(_)
        )
    }
}

/// What the user answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The line, trimmed, on Enter.
    Line(String),
    /// The key pressed for a one-key question; `None` for Esc or any key
    /// that is not a character.
    Key(Option<char>),
}

/// The prompt on the bottom line.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// Who gets the answer.
    pub owner: Owner,
    pub ask: Ask,
    pub label: String,
    pub input: String,
    /// Cursor position, in characters.
    pub cursor: usize,
}

/// What a key did to the prompt.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still editing.
    Editing,
    /// Left without an answer.
    Cancelled,
    Answered(Answer),
}

impl Prompt {
    pub fn new(owner: Owner, ask: Ask, label: String, input: String) -> Prompt {
        let cursor = input.chars().count();
        Prompt {
            owner,
            ask,
            label,
            input,
            cursor,
        }
    }

    /// Takes a key.
    pub fn key(&mut self, k: KeyEvent) -> Outcome {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if self.ask.one_key() {
            return Outcome::Answered(Answer::Key(match k.code {
                KeyCode::Char(c) if !ctrl => Some(c),
                _ => None,
            }));
        }
        let byte_at =
            |s: &str, chars: usize| s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i);
        let (input, cursor) = (&mut self.input, &mut self.cursor);
        match k.code {
            KeyCode::Esc => return Outcome::Cancelled,
            KeyCode::Char('g' | 'c') if ctrl => return Outcome::Cancelled,
            KeyCode::Enter => return Outcome::Answered(Answer::Line(input.trim().to_string())),
            KeyCode::Char('u') if ctrl => {
                let at = byte_at(input, *cursor);
                input.replace_range(..at, "");
                *cursor = 0;
            }
            KeyCode::Char('a') if ctrl => *cursor = 0,
            KeyCode::Char('e') if ctrl => *cursor = input.chars().count(),
            KeyCode::Char('w') if ctrl => {
                let at = byte_at(input, *cursor);
                let head = input[..at].trim_end();
                let cut = head.rfind(' ').map_or(0, |i| i + 1);
                input.replace_range(cut..at, "");
                *cursor = input[..cut].chars().count();
            }
            KeyCode::Backspace => {
                if *cursor > 0 {
                    let start = byte_at(input, *cursor - 1);
                    let end = byte_at(input, *cursor);
                    input.replace_range(start..end, "");
                    *cursor -= 1;
                } else if input.is_empty() {
                    // Backspace on an empty prompt leaves it, as in mutt.
                    return Outcome::Cancelled;
                }
            }
            KeyCode::Delete if *cursor < input.chars().count() => {
                let start = byte_at(input, *cursor);
                let end = byte_at(input, *cursor + 1);
                input.replace_range(start..end, "");
            }
            KeyCode::Left => *cursor = cursor.saturating_sub(1),
            KeyCode::Right => *cursor = (*cursor + 1).min(input.chars().count()),
            KeyCode::Home => *cursor = 0,
            KeyCode::End => *cursor = input.chars().count(),
            KeyCode::Char(c) if !ctrl => {
                let at = byte_at(input, *cursor);
                input.insert(at, c);
                *cursor += 1;
            }
            _ => {}
        }
        Outcome::Editing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::ScreenId;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn line_editing_keys() {
        let owner = Owner::Screen(ScreenId::LIST);
        let mut p = Prompt::new(owner, Ask::Limit, "Limit to: ".into(), "s:foo bar".into());
        assert_eq!(p.key(ctrl('w')), Outcome::Editing);
        assert_eq!(p.input, "s:foo ");
        p.key(key(KeyCode::Home));
        p.key(key(KeyCode::Char('x')));
        assert_eq!((p.input.as_str(), p.cursor), ("xs:foo ", 1));
        p.key(key(KeyCode::Delete));
        assert_eq!(p.input, "x:foo ");
        assert_eq!(
            p.key(key(KeyCode::Enter)),
            Outcome::Answered(Answer::Line("x:foo".into()))
        );
        p.key(ctrl('e'));
        p.key(ctrl('u'));
        assert!(p.input.is_empty());
        assert_eq!(p.key(key(KeyCode::Backspace)), Outcome::Cancelled);
    }

    #[test]
    fn one_key_questions_take_any_key() {
        let mut p = Prompt::new(Owner::Compose, Ask::Compose, "y/n? ".into(), String::new());
        assert_eq!(
            p.key(key(KeyCode::Char('y'))),
            Outcome::Answered(Answer::Key(Some('y')))
        );
        assert_eq!(
            p.key(key(KeyCode::Esc)),
            Outcome::Answered(Answer::Key(None))
        );
        assert_eq!(p.key(ctrl('c')), Outcome::Answered(Answer::Key(None)));
    }
}
