//! What a maintainer decided about a revision (its triage state) and what
//! a check said of it: the values the rules test and every store keeps.

use serde::{Deserialize, Serialize};

/// A series revision's triage state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TriageState {
    New,
    Reviewing,
    Waiting,
    Accepted,
    Rejected,
    Superseded,
    Ignored,
}

impl TriageState {
    pub const ALL: [TriageState; 7] = [
        TriageState::New,
        TriageState::Reviewing,
        TriageState::Waiting,
        TriageState::Accepted,
        TriageState::Rejected,
        TriageState::Superseded,
        TriageState::Ignored,
    ];

    /// `reviewing`.
    pub fn name(self) -> &'static str {
        match self {
            TriageState::New => "new",
            TriageState::Reviewing => "reviewing",
            TriageState::Waiting => "waiting",
            TriageState::Accepted => "accepted",
            TriageState::Rejected => "rejected",
            TriageState::Superseded => "superseded",
            TriageState::Ignored => "ignored",
        }
    }

    /// The key that picks it in the TUI's state prompt.
    pub fn letter(self) -> char {
        match self {
            TriageState::New => 'n',
            TriageState::Reviewing => 'r',
            TriageState::Waiting => 'w',
            TriageState::Accepted => 'a',
            TriageState::Rejected => 'x',
            TriageState::Superseded => 's',
            TriageState::Ignored => 'i',
        }
    }

    /// Whether nothing more is expected of the user (the series is closed).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            TriageState::Accepted
                | TriageState::Rejected
                | TriageState::Superseded
                | TriageState::Ignored
        )
    }

    /// Parses a state name (or a unique prefix of one).
    pub fn parse(s: &str) -> Result<TriageState, UnknownState> {
        let s = s.trim().to_ascii_lowercase();
        let found: Vec<TriageState> = TriageState::ALL
            .into_iter()
            .filter(|t| !s.is_empty() && t.name().starts_with(&s))
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            _ => Err(UnknownState(s)),
        }
    }
}

impl std::fmt::Display for TriageState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A state name that names no state (or more than one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown triage state `{0}`: use one of new, reviewing, waiting, accepted, rejected, superseded, ignored"
)]
pub struct UnknownState(pub String);

/// The result of one check on one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Running (or about to).
    Pending,
    Success,
    Warning,
    Fail,
    /// putt stopped (killed, crashed, Ctrl-C) before the command finished:
    /// nothing is known.
    Interrupted,
    /// A newer revision arrived while it ran: no longer worth finishing.
    Cancelled,
}

impl CheckStatus {
    pub const ALL: [CheckStatus; 6] = [
        CheckStatus::Pending,
        CheckStatus::Success,
        CheckStatus::Warning,
        CheckStatus::Fail,
        CheckStatus::Interrupted,
        CheckStatus::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CheckStatus::Pending => "pending",
            CheckStatus::Success => "success",
            CheckStatus::Warning => "warning",
            CheckStatus::Fail => "fail",
            CheckStatus::Interrupted => "interrupted",
            CheckStatus::Cancelled => "cancelled",
        }
    }

    /// One letter for a list column: P S W F I C.
    pub fn letter(self) -> char {
        match self {
            CheckStatus::Pending => 'P',
            CheckStatus::Success => 'S',
            CheckStatus::Warning => 'W',
            CheckStatus::Fail => 'F',
            CheckStatus::Interrupted => 'I',
            CheckStatus::Cancelled => 'C',
        }
    }

    /// How much it asks for attention when several checks are summed up
    /// into one: fail > interrupted > warning > pending > success >
    /// cancelled.
    pub fn weight(self) -> u8 {
        match self {
            CheckStatus::Fail => 5,
            CheckStatus::Interrupted => 4,
            CheckStatus::Warning => 3,
            CheckStatus::Pending => 2,
            CheckStatus::Success => 1,
            CheckStatus::Cancelled => 0,
        }
    }

    /// Whether the check is over.
    pub fn is_final(self) -> bool {
        self != CheckStatus::Pending
    }

    /// Parses a status name (`failed`, `ok`, `warn` too).
    pub fn parse(s: &str) -> std::result::Result<CheckStatus, String> {
        let l = s.trim().to_ascii_lowercase();
        let alias = match l.as_str() {
            "ok" | "succeeded" | "passed" | "pass" => "success",
            "failed" | "failure" => "fail",
            "warn" | "warnings" => "warning",
            "running" => "pending",
            "canceled" | "superseded" => "cancelled",
            other => other,
        };
        CheckStatus::ALL
            .into_iter()
            .find(|c| c.name() == alias)
            .ok_or_else(|| {
                format!(
                    "unknown check status `{s}`: use one of {}",
                    CheckStatus::ALL.map(|c| c.name()).join(", ")
                )
            })
    }

    /// The status to show for several checks (see [`CheckStatus::weight`]).
    pub fn worst(all: impl IntoIterator<Item = CheckStatus>) -> Option<CheckStatus> {
        all.into_iter().max_by_key(|s| s.weight())
    }
}

impl std::fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
