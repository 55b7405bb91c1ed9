//! The compose → edit → send flow, as one state machine.
//!
//! `r`, `g` and `L` (a reply) and `R` (a one-key review) start it. A
//! worker composes and saves one draft per target. A reply's drafts each
//! go to the editor first (the app gives it the terminal); a review is
//! written already and goes straight to the question: send, edit again,
//! keep as a draft, or discard. A draft sent, kept or discarded makes way
//! for the next; when none is left the flow is idle again. Each state says
//! what it waits for, so a stray answer cannot move it:
//!
//! ```text
//! Idle ─reply─▶ Composing ─drafts─▶ Editing ─editor closed─▶ Asking
//! Idle ─review─▶ ChoosingReview ─r/a/t─▶ Composing ─drafts─▶ Asking
//! Asking ─y─▶ Sending ─sent─▶ the next draft (Editing or Asking), else Idle
//! Asking ─e─▶ Editing        Asking ─p, d, Esc─▶ the next draft
//! ```
//!
//! Re-reading an edited draft and deleting a discarded one are a small
//! file each, done here on the UI thread as triage changes are; composing
//! (it reads the originals from git) and sending (the send command may
//! take a while) are requests.

use std::collections::VecDeque;

use crate::event::{Job, Notification};
use crate::prompt::Ask;
use crate::reply::{DraftRef, ReplyKind};
use crate::screens::{Effect, error, info, prompt};
use crate::ui::clean;
use putt_ops::reply::{AfterEdit, Drafts, Mode, Review};

/// Where the flow is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Idle,
    /// The review prompt is up: one key picks the trailer.
    ChoosingReview {
        targets: Vec<String>,
    },
    /// A worker composes the drafts; `edit`: each goes to the editor
    /// before the question.
    Composing {
        edit: bool,
    },
    /// The draft in front is in the editor.
    Editing(Outgoing),
    /// The question about the draft in front is up.
    Asking(Outgoing),
    /// The draft in front is being sent.
    Sending(Outgoing),
}

/// Drafts composed and not yet sent, kept or discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The first is the one in front: in the editor, asked about, sent.
    pub drafts: VecDeque<DraftRef>,
    /// Whether each goes to the editor before the question (a reply, not
    /// a one-key review).
    pub edit: bool,
}

impl Outgoing {
    /// How many drafts wait after the one in front, for messages.
    fn left_note(&self) -> String {
        match self.drafts.len() {
            0 | 1 => String::new(),
            n => format!(" ({} more to go)", n - 1),
        }
    }
}

/// The flow and the drafts folder it works in.
pub struct Compose {
    pub state: State,
    drafts: Drafts,
}

impl Compose {
    pub fn new(drafts: Drafts) -> Compose {
        Compose {
            state: State::Idle,
            drafts,
        }
    }

    /// Whether a reply is under way (another must wait for it).
    pub fn busy(&self) -> bool {
        self.state != State::Idle
    }

    /// A reply to `targets`: composed, then edited, then asked about.
    pub fn reply(&mut self, targets: Vec<String>, mode: Mode) -> Vec<Effect> {
        self.compose(targets, ReplyKind { mode, review: None })
    }

    /// A one-key review of `targets` (named `what`): which trailer first.
    pub fn review(&mut self, targets: Vec<String>, what: &str) -> Vec<Effect> {
        let keys: Vec<String> = Review::ALL
            .iter()
            .map(|r| format!("{}){}", r.key(), &r.name()[1..]))
            .collect();
        self.state = State::ChoosingReview { targets };
        // The choices first: a long subject is cut, never the keys.
        vec![prompt(
            Ask::Compose,
            format!("Review: {}? {what} ", keys.join(" ")),
            "",
        )]
    }

    fn compose(&mut self, targets: Vec<String>, kind: ReplyKind) -> Vec<Effect> {
        self.state = State::Composing {
            edit: kind.review.is_none(),
        };
        vec![
            info("Composing …"),
            Effect::Request(Job::Compose { targets, kind }),
        ]
    }

    /// The key that answered the flow's question (`None`: Esc or a key
    /// that is not a character).
    pub fn key(&mut self, choice: Option<char>) -> Vec<Effect> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::ChoosingReview { targets } => match choice.and_then(review_for_key) {
                Some(review) => self.compose(
                    targets,
                    ReplyKind {
                        mode: Mode::All,
                        review: Some(review),
                    },
                ),
                None => vec![info("No review sent.")],
            },
            State::Asking(out) => self.after_edit(choice, out),
            other => {
                self.state = other;
                Vec::new()
            }
        }
    }

    fn after_edit(&mut self, choice: Option<char>, mut out: Outgoing) -> Vec<Effect> {
        let Some(d) = out.drafts.front().cloned() else {
            return Vec::new();
        };
        let action = match choice {
            Some(c) => AfterEdit::from_key(c.to_ascii_lowercase()),
            // Esc (or any non-character) keeps the draft: nothing typed is
            // thrown away by accident.
            None => Some(AfterEdit::Postpone),
        };
        match action {
            Some(AfterEdit::Send) => {
                self.state = State::Sending(out);
                vec![info("Sending …"), Effect::Request(Job::Send { id: d.id })]
            }
            Some(AfterEdit::Edit) => {
                self.state = State::Editing(out);
                vec![Effect::Suspend(d)]
            }
            Some(AfterEdit::Postpone) => {
                out.drafts.pop_front();
                let mut fx = vec![info(format!(
                    "Draft kept: `putt drafts send {}` sends it{}.",
                    clean(&d.id),
                    out.left_note()
                ))];
                fx.extend(self.next(out));
                fx
            }
            Some(AfterEdit::Discard) => {
                out.drafts.pop_front();
                let mut fx = vec![match self.drafts.delete(&d.id) {
                    Ok(()) => info("Draft discarded."),
                    Err(e) => error(format!("Discarding the draft: {e}")),
                }];
                fx.extend(self.next(out));
                fx
            }
            None => {
                self.state = State::Asking(out);
                vec![Effect::AskAgain]
            }
        }
    }

    /// On to the draft in front: into the editor first (a reply), or
    /// straight to the question (a review); idle when none is left.
    fn next(&mut self, out: Outgoing) -> Vec<Effect> {
        match out.drafts.front().cloned() {
            None => {
                self.state = State::Idle;
                Vec::new()
            }
            Some(d) if out.edit => {
                self.state = State::Editing(out);
                vec![Effect::Suspend(d)]
            }
            Some(_) => self.ask(out),
        }
    }

    /// The question about the draft in front.
    fn ask(&mut self, out: Outgoing) -> Vec<Effect> {
        let Some(d) = out.drafts.front() else {
            self.state = State::Idle;
            return Vec::new();
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
            out.left_note(),
            clean(&what),
            clean(&to),
        );
        self.state = State::Asking(out);
        vec![prompt(Ask::Compose, label, "")]
    }

    /// The editor closed on draft `id`.
    pub fn edited(&mut self, id: &str, failure: Option<String>) -> Vec<Effect> {
        let mut out = match std::mem::replace(&mut self.state, State::Idle) {
            State::Editing(out) if out.drafts.front().is_some_and(|d| d.id == id) => out,
            other => {
                self.state = other;
                return Vec::new();
            }
        };
        let Some(d) = out.drafts.front_mut() else {
            return Vec::new();
        };
        if let Some(e) = failure {
            // The draft is on disk: keep it and say where.
            return vec![error(format!(
                "{} (draft kept in {})",
                clean(&e),
                d.path.display()
            ))];
        }
        if let Err(e) = d.reload(&self.drafts) {
            return vec![error(format!("The edited draft does not parse: {e}"))];
        }
        self.ask(out)
    }

    /// A worker's answer to one of its requests.
    pub fn on_reply(&mut self, reply: Notification) -> Vec<Effect> {
        match (std::mem::replace(&mut self.state, State::Idle), reply) {
            (
                State::Composing { edit },
                Notification::Composed {
                    drafts, warnings, ..
                },
            ) => {
                let mut fx = Vec::new();
                if !warnings.is_empty() {
                    fx.push(info(format!("Note: {}", warnings.join("; "))));
                }
                fx.extend(self.next(Outgoing {
                    drafts: drafts.into(),
                    edit,
                }));
                fx
            }
            (State::Sending(mut out), Notification::Sent { message, .. }) => {
                out.drafts.pop_front();
                let mut fx = vec![info(format!("{}{}", clean(&message), out.left_note()))];
                fx.extend(self.next(out));
                fx
            }
            (other, _) => {
                self.state = other;
                Vec::new()
            }
        }
    }

    /// Composing or sending failed (`text` says why). A failed send keeps
    /// its draft, and the ones after it, in the drafts folder: the flow
    /// stops here and says so.
    pub fn failed(&mut self, text: String) -> Vec<Effect> {
        let more = match std::mem::replace(&mut self.state, State::Idle) {
            State::Sending(out) => out.drafts.len().saturating_sub(1),
            State::Composing { .. } => 0,
            other => {
                self.state = other;
                return Vec::new();
            }
        };
        if more > 0 {
            return vec![error(format!(
                "{text} ({more} more draft(s) kept: `putt drafts` lists them)"
            ))];
        }
        vec![error(text)]
    }
}

/// The review a key picks in the review prompt.
fn review_for_key(c: char) -> Option<Review> {
    Review::ALL
        .into_iter()
        .find(|r| r.key() == c.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::StatusMessage;
    use crate::tickets::Ticket;
    use std::path::PathBuf;

    fn draft(id: &str) -> DraftRef {
        DraftRef {
            id: id.into(),
            path: PathBuf::from(format!("/drafts/{id}.eml")),
            subject: format!("Re: {id}"),
            recipients: vec!["A <a@example.org>".into()],
            trailer: Some("Acked-by: R <r@example.org>".into()),
        }
    }

    fn flow() -> Compose {
        Compose::new(Drafts::new(std::path::Path::new("/nonexistent")))
    }

    fn composed(ids: &[&str]) -> Notification {
        Notification::Composed {
            seq: Ticket(1),
            drafts: ids.iter().map(|i| draft(i)).collect(),
            warnings: Vec::new(),
        }
    }

    fn texts(fx: &[Effect]) -> Vec<String> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Status(StatusMessage { text, .. }) => Some(text.clone()),
                Effect::Prompt { label, .. } => Some(format!("? {label}")),
                Effect::Suspend(d) => Some(format!("edit {}", d.id)),
                Effect::Request(Job::Send { id }) => Some(format!("send {id}")),
                Effect::Request(Job::Compose { .. }) => Some("compose".into()),
                Effect::AskAgain => Some("again".into()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_review_asks_the_trailer_then_each_draft_in_turn() {
        let mut c = flow();
        let fx = c.review(vec!["p1".into(), "p2".into()], "v1 of x");
        assert!(texts(&fx)[0].starts_with("? Review: r)eviewed-by a)cked-by t)ested-by?"));
        assert_eq!(texts(&c.key(Some('a'))), ["Composing …", "compose"]);
        assert_eq!(c.state, State::Composing { edit: false });
        // A review is written already: no editor, the question at once.
        let fx = c.on_reply(composed(&["p1", "p2"]));
        let t = texts(&fx);
        assert!(t[0].contains("(1 more to go) Acked-by: R <r@example.org> on Re: p1"));
        assert_eq!(texts(&c.key(Some('x'))), ["again"], "not a choice");
        assert_eq!(texts(&c.key(Some('y'))), ["Sending …", "send p1"]);
        // A key while sending moves nothing.
        assert!(c.key(Some('y')).is_empty());
        let fx = c.on_reply(Notification::Sent {
            seq: Ticket(2),
            message: "sent <p1>".into(),
        });
        let t = texts(&fx);
        assert_eq!(t[0], "sent <p1>");
        assert!(t[1].contains("Re: p2"), "{t:?}");
        // Esc keeps the last one; then the flow is idle.
        let t = texts(&c.key(None));
        assert_eq!(t, ["Draft kept: `putt drafts send p2` sends it."]);
        assert_eq!(c.state, State::Idle);
    }

    #[test]
    fn a_reply_goes_to_the_editor_and_a_failed_editor_keeps_the_draft() {
        let mut c = flow();
        c.reply(vec!["m".into()], Mode::Sender);
        assert_eq!(c.state, State::Composing { edit: true });
        assert_eq!(texts(&c.on_reply(composed(&["m"]))), ["edit m"]);
        assert!(matches!(c.state, State::Editing(_)));
        // Another draft's editor closing is not this one's.
        assert!(c.edited("other", None).is_empty());
        let t = texts(&c.edited("m", Some("vi: not found".into())));
        assert_eq!(t, ["vi: not found (draft kept in /drafts/m.eml)"]);
        assert!(!c.busy());
    }

    #[test]
    fn a_failed_send_stops_and_counts_what_is_kept() {
        let mut c = flow();
        c.review(vec!["a".into()], "x");
        c.key(Some('r'));
        c.on_reply(composed(&["a", "b", "c"]));
        c.key(Some('y'));
        let t = texts(&c.failed("relay says no".into()));
        assert_eq!(
            t,
            ["relay says no (2 more draft(s) kept: `putt drafts` lists them)"]
        );
        assert!(!c.busy());
        // A late answer finds the flow idle and changes nothing.
        assert!(c.on_reply(composed(&["z"])).is_empty());
        assert!(c.failed("late".into()).is_empty());
        assert!(!c.busy());
    }

    #[test]
    fn any_other_key_sends_no_review() {
        let mut c = flow();
        c.review(vec!["a".into()], "x");
        assert_eq!(texts(&c.key(Some('x'))), ["No review sent."]);
        assert!(!c.busy());
    }
}
