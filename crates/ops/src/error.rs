//! What a use case can fail with: the store's and the core's errors as
//! they are, and the use cases' own. Each variant carries what went wrong;
//! no message names a front end's flag or key: the CLI and the TUI add
//! their own hint ([`Error::store`] finds the store's error inside).

use putt_core::query::QueryError;
use putt_core::triage::UnknownState;

/// The store's error, for front ends that match on what went wrong.
pub use putt_store::Error as StoreError;

/// Result alias of the use cases.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] putt_store::Error),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    State(#[from] UnknownState),
    /// No inbox is configured (and none was given).
    #[error("no inbox is configured")]
    NoInbox,
    /// A revision named in a way that names none.
    #[error("revision `{0}`: give a version like v2 or 2, or @N for the N-th")]
    BadRevision(String),
    /// The series has no such revision.
    #[error("series {series} has no {wanted} (it has {})", have.join(", "))]
    NoSuchRevision {
        series: String,
        wanted: String,
        have: Vec<String>,
    },
    /// An interdiff of a series with one revision.
    #[error("series {series} has one revision ({label}): nothing to compare")]
    OneRevision { series: String, label: String },
    /// Linking a series to itself.
    #[error("they are one series already ({series})")]
    SameSeries { series: String },
    /// A Message-ID of a message in another series.
    #[error("<{message_id}> is not in series {series}")]
    NotInSeries { series: String, message_id: String },
    /// A revision is needed and the key named a whole series.
    #[error("which revision of series {series}? it has {}", have.join(", "))]
    WhichRevision { series: String, have: Vec<String> },
    /// Nothing before the revision to compare it with.
    #[error("{label} is the first revision of series {series}: there is none before it")]
    FirstRevision { series: String, label: String },
    /// Which repository the patches of an inbox go to is not configured.
    #[error("which repository? none is configured for inbox {inbox}")]
    WhichRepository { inbox: String },
    /// Replying to one message of several failed.
    #[error("replying to <{target}>: {source}")]
    ReplyTo {
        target: String,
        #[source]
        source: Box<Error>,
    },
    /// A sign-off was asked for and nobody is known to sign.
    #[error(
        "no one to sign off as: no [identity] (name, email) in the config and no user.name/user.email in git"
    )]
    NoSigner,
}

impl Error {
    /// The store's error inside, when it is one.
    pub fn store(&self) -> Option<&putt_store::Error> {
        match self {
            Error::Store(e) => Some(e),
            Error::ReplyTo { source, .. } => source.store(),
            _ => None,
        }
    }
}
