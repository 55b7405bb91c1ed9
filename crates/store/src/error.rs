//! The store's error. Every variant names the thing that was wrong (a
//! path, a key, a message-id, a query position) with its data. A message
//! says what went wrong, never what to type about it: the front ends add
//! that in their own terms (a flag, a key), by matching the variant.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A path that must name a file names something else.
    #[error("{path}: is {what}, not a file")]
    NotAFile { path: PathBuf, what: &'static str },
    /// A path putt must keep as text (an inbox's, in the index's cursors)
    /// is not UTF-8.
    #[error(
        "{path}: the path is not valid UTF-8 (putt records inbox paths as text); give the inbox a UTF-8 path, a symlink will do"
    )]
    PathNotUtf8 { path: PathBuf },
    #[error("{path}: not a public-inbox archive: {reason}")]
    NotAnArchive { path: PathBuf, reason: String },
    #[error("{path}: git: {message}")]
    Git { path: PathBuf, message: String },
    /// An object the archive refers to is not in the repository (a partial
    /// or damaged clone).
    #[error("{path}: object {id} is missing")]
    MissingObject { path: PathBuf, id: String },
    #[error("index {path}: {message}")]
    Index { path: PathBuf, message: String },
    /// The index's files cannot be read as they should: it has to be
    /// rebuilt from the archives (everything else putt keeps lives
    /// elsewhere).
    #[error("index {path} is damaged: {detail}")]
    IndexDamaged { path: PathBuf, detail: String },
    /// A write failed for want of space (ENOSPC).
    #[error("{path}: no space left on device (ENOSPC)")]
    DiskFull { path: PathBuf },
    #[error("index {path} is being written by another putt process")]
    IndexLocked { path: PathBuf },
    /// No index was made at the path yet.
    #[error("index {path}: there is no index here yet")]
    NoIndex { path: PathBuf },
    /// An index written with another schema.
    #[error("index {path} was written by another version of putt")]
    IndexVersion { path: PathBuf },
    #[error("{0}")]
    Query(#[from] crate::query::QueryError),
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("no message with Message-ID <{0}> in the index")]
    NoSuchMessage(String),
    #[error("no series {0}: neither a series id nor the Message-ID of a message in a series")]
    NoSuchSeries(String),
    /// A short series id that starts more than one series' id.
    #[error("series id {key} is ambiguous: {}", candidates.join(", "))]
    AmbiguousSeries {
        key: String,
        candidates: Vec<String>,
    },
    #[error(
        "send command `{command}` failed ({status}){}{}",
        if .stderr.is_empty() { String::new() } else { format!(": {}", .stderr) },
        .draft.as_ref().map(|p| format!("; the draft is kept in {}", p.display())).unwrap_or_default()
    )]
    Send {
        command: String,
        /// `exit status 1`, `killed: signal 9`, `could not start ...`.
        status: String,
        /// What the command wrote on stderr (stdout when stderr was empty).
        stderr: String,
        /// Where the unsent draft is, when it came from the drafts folder.
        draft: Option<PathBuf>,
    },
    /// A revision with patches missing, where all of them are needed.
    #[error(
        "series {series} {label} is incomplete: {} of {total} missing",
        crate::series::slot_ranges(.missing)
    )]
    Incomplete {
        series: String,
        label: String,
        missing: Vec<u32>,
        total: u32,
    },
    /// Another putt is applying to this repository.
    #[error("{repo}: another putt apply (process {pid}) is applying here; wait for it")]
    ApplyRunning { repo: PathBuf, pid: u32 },
    #[error("no draft {id} in {}", .dir.display())]
    NoSuchDraft { id: String, dir: PathBuf },
    /// A pull request: nothing for `git am`.
    #[error("series {series} {label} is a pull request ({url}{}): fetch it with git instead", .branch.as_deref().map(|b| format!(" {b}")).unwrap_or_default())]
    PullRequest {
        series: String,
        label: String,
        url: String,
        branch: Option<String>,
    },
    /// Only the cover letter of a revision arrived.
    #[error("series {series} {label} has no patches (only its cover letter arrived)")]
    NoPatches { series: String, label: String },
    /// A `Link:` template without a place for the Message-ID.
    #[error("link template `{template}` has no %s for the Message-ID")]
    BadLinkTemplate { template: String },
    /// A bare repository, where a checkout was needed.
    #[error("{repo} is a bare repository")]
    BareRepository { repo: PathBuf },
    /// git is in the middle of something in the checkout.
    #[error("{repo}: {what} is in progress")]
    InProgress { repo: PathBuf, what: &'static str },
    /// Not a branch name git takes.
    #[error("`{branch}` is not a valid branch name")]
    BadBranchName { branch: String },
    #[error("branch {branch} already exists in {repo}")]
    BranchExists { branch: String, repo: PathBuf },
    /// No commit at HEAD to start a branch at.
    #[error("{repo} has no commit at HEAD to apply on")]
    NoHead { repo: PathBuf },
    /// A base the user named that the repository does not have.
    #[error("base {base}: no such commit in {repo}")]
    NoSuchBase { base: String, repo: PathBuf },
    /// git knows no one to commit as.
    #[error("git has no committer identity in {repo} ({why}): set user.name and user.email")]
    NoCommitter { repo: PathBuf, why: String },
    /// Uncommitted changes where a clean checkout was needed.
    #[error("{repo} has uncommitted changes ({}{})", .files.join(", "), if *.more { ", ..." } else { "" })]
    Dirty {
        repo: PathBuf,
        /// The first few files changed.
        files: Vec<String>,
        more: bool,
    },
    /// Two revisions of different series, where one series was meant.
    #[error("both revisions must belong to series {series}")]
    ForeignRevision { series: String },
    /// A check the config does not have.
    #[error("no check `{name}` in the config{}", if .known.is_empty() { String::new() } else { format!(" (there is {})", .known.join(", ")) })]
    NoSuchCheck { name: String, known: Vec<String> },
    /// Nothing to send a reply to (no From, Reply-To or recipient).
    #[error("<{message_id}>: no address to reply to (no usable From, Reply-To or recipients)")]
    NoReplyAddress { message_id: String },
    /// A reply to the list where the mail names no list.
    #[error(
        "<{message_id}>: no list address to reply to (no Mail-Followup-To or List-Post, and no recipient matches its List-Id)"
    )]
    NoListAddress { message_id: String },
    /// New Message-IDs need a domain.
    #[error(
        "Message-ID domain `{domain}` is not a domain name (from [send] message_id_domain, else identity.email)"
    )]
    BadMessageIdDomain { domain: String },
    /// A draft that cannot be sent as it is.
    #[error("draft <{id}>: {problem}{}", .kept.as_ref().map(|p| format!(" (the draft is kept in {})", p.display())).unwrap_or_default())]
    BadDraft {
        id: String,
        problem: String,
        /// Where the draft is kept, when it came from the drafts folder.
        kept: Option<PathBuf>,
    },
    /// A file putt keeps (a record, a draft) that does not read as it
    /// should.
    #[error("{path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    /// The database refused (other than full or damaged: locked past
    /// waiting, read-only ...).
    #[error("{path}: {message}")]
    Database { path: PathBuf, message: String },
    /// Something putt made could not be written down (a bug).
    #[error("{what} cannot be encoded: {message}")]
    Encode { what: &'static str, message: String },
    /// Stopped by the user (Ctrl-C) before anything was done.
    #[error("interrupted")]
    Interrupted,
    /// A worker thread of putt's panicked (a bug).
    #[error("a {0} thread panicked")]
    Panicked(&'static str),
    #[error("{what}: {message}")]
    Command { what: String, message: String },
    /// Talking to a remote archive (clone, fetch, probe, manifest) failed.
    #[error("{url}: {message}")]
    Remote { url: String, message: String },
    /// A clone cannot put an inbox at `path`.
    #[error("cannot clone {url} into {path}: {message}")]
    Clone {
        url: String,
        path: PathBuf,
        message: String,
    },
}

/// Whether an I/O error is a full disk (ENOSPC, or EDQUOT: over quota).
pub fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull
        || e.kind() == std::io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(28 | 122))
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        if is_disk_full(&source) {
            return Error::DiskFull { path: path.into() };
        }
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn git(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Error::Git {
            path: path.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn remote(url: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::Remote {
            url: url.into(),
            message: message.to_string(),
        }
    }

    /// An error of the index at `path`. A tantivy error that shows the
    /// index's files are damaged, or the disk full, says so by its variant.
    pub(crate) fn index(
        path: impl Into<PathBuf>,
        message: impl std::fmt::Display + 'static,
    ) -> Self {
        let path = path.into();
        let any: &dyn std::any::Any = &message;
        if let Some(e) = any.downcast_ref::<tantivy::TantivyError>() {
            use tantivy::TantivyError as T;
            use tantivy::directory::error::OpenReadError;
            let io_damage = |io: &std::io::Error| {
                !matches!(
                    io.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::Interrupted
                )
            };
            // tantivy may wrap the system's error in its own words, or
            // lose it in a thread; the file system says whether it is full.
            let full = |io: Option<&std::io::Error>| {
                io.is_some_and(is_disk_full) || crate::index::health::disk_full(&path)
            };
            match e {
                T::IoError(io) if full(Some(io)) => return Error::DiskFull { path },
                T::ErrorInThread(_) if full(None) => return Error::DiskFull { path },
                T::IoError(io) if io_damage(io) => {
                    return Error::IndexDamaged {
                        path,
                        detail: io.to_string(),
                    };
                }
                T::DataCorruption(_)
                | T::DeserializeError(_)
                | T::OpenReadError(OpenReadError::FileDoesNotExist(_))
                | T::OpenReadError(OpenReadError::IncompatibleIndex(_)) => {
                    return Error::IndexDamaged {
                        path,
                        detail: e.to_string(),
                    };
                }
                _ => {}
            }
        }
        Error::Index {
            path,
            message: message.to_string(),
        }
    }
}
