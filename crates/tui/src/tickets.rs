//! Work in flight, tracked in one place.
//!
//! Every request to a worker gets a [`Ticket`], and the table remembers
//! who asked for it: a screen, or one of the app's own jobs (the index
//! refresh, an apply or export, the compose flow, the event hook). The
//! answer carries its ticket back and goes to whoever asked, or nowhere
//! when no one is waiting for it any more: the screen was closed, or it
//! asked again since. A newer request from the same asker in the same
//! slot replaces the waiting one, as the worker queue replaces a request
//! still waiting in its slot, so a late answer to an old question is
//! never shown. "Is this screen waiting?" and "is anything running?" are
//! questions to this table, not flags kept beside each screen.

use crate::event::Slot;

/// The number a request carries and its answer brings back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(pub u64);

/// A screen on the stack, by the number it got when it was opened (the
/// series list under the stack is [`ScreenId::LIST`]). Numbers are never
/// reused, so an answer for a closed screen cannot reach a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScreenId(pub u64);

impl ScreenId {
    pub const LIST: ScreenId = ScreenId(0);
}

/// Who asked, and so gets the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Screen(ScreenId),
    /// The index refresh (at start and on its key).
    Index,
    /// An apply or an export: its answer is shown whatever is on top.
    Git,
    /// The compose → edit → send flow.
    Compose,
    /// The event hook run after a state change.
    Hook,
}

/// The tickets waiting for an answer.
#[derive(Debug, Default)]
pub struct Tickets {
    last: u64,
    live: Vec<(Ticket, Owner, Slot)>,
}

impl Tickets {
    /// A ticket for a request of `owner` in `slot`; one of theirs still
    /// waiting in that slot is forgotten (event hooks never replace each
    /// other: every event is heard).
    pub fn issue(&mut self, owner: Owner, slot: Slot) -> Ticket {
        if slot != Slot::Events {
            self.live.retain(|(_, o, s)| !(*o == owner && *s == slot));
        }
        self.last += 1;
        let t = Ticket(self.last);
        self.live.push((t, owner, slot));
        t
    }

    /// The final answer to `t` came: who asked, if anyone still waits.
    pub fn take(&mut self, t: Ticket) -> Option<Owner> {
        let i = self.live.iter().position(|(x, _, _)| *x == t)?;
        Some(self.live.remove(i).1)
    }

    /// Who waits for `t` (for interim answers, which leave it waiting).
    pub fn owner(&self, t: Ticket) -> Option<Owner> {
        self.live
            .iter()
            .find(|(x, _, _)| *x == t)
            .map(|(_, o, _)| *o)
    }

    /// Whether `owner` waits for any answer.
    pub fn waiting(&self, owner: Owner) -> bool {
        self.live.iter().any(|(_, o, _)| *o == owner)
    }

    /// `owner` is gone (a closed screen): its answers are dropped.
    pub fn forget(&mut self, owner: Owner) {
        self.live.retain(|(_, o, _)| *o != owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREAD: Owner = Owner::Screen(ScreenId(1));

    #[test]
    fn an_answer_goes_to_who_asked_once() {
        let mut t = Tickets::default();
        let a = t.issue(Owner::Screen(ScreenId::LIST), Slot::List);
        let b = t.issue(THREAD, Slot::Thread);
        assert_eq!(t.owner(b), Some(THREAD));
        assert_eq!(t.take(b), Some(THREAD));
        assert_eq!(t.take(b), None, "a second answer is dropped");
        assert!(!t.waiting(THREAD));
        assert!(t.waiting(Owner::Screen(ScreenId::LIST)));
        assert_eq!(t.take(a), Some(Owner::Screen(ScreenId::LIST)));
    }

    #[test]
    fn a_newer_request_of_the_same_owner_and_slot_replaces_the_waiting_one() {
        let mut t = Tickets::default();
        let old = t.issue(THREAD, Slot::Thread);
        let other = t.issue(Owner::Screen(ScreenId(2)), Slot::Thread);
        let new = t.issue(THREAD, Slot::Thread);
        assert_eq!(t.take(old), None, "the old answer is late");
        assert_eq!(t.take(new), Some(THREAD));
        assert_eq!(t.take(other), Some(Owner::Screen(ScreenId(2))));
        // Every hook run is heard.
        let h1 = t.issue(Owner::Hook, Slot::Events);
        let h2 = t.issue(Owner::Hook, Slot::Events);
        assert_eq!(t.take(h1), Some(Owner::Hook));
        assert_eq!(t.take(h2), Some(Owner::Hook));
    }

    #[test]
    fn a_closed_screen_gets_no_answer() {
        let mut t = Tickets::default();
        let m = t.issue(THREAD, Slot::Message);
        t.forget(THREAD);
        assert!(!t.waiting(THREAD));
        assert_eq!(t.take(m), None);
    }
}
