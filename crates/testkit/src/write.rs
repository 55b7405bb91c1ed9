//! Writing public-inbox archives, the way public-inbox lays them out.
//!
//! putt only reads archives in normal use; this writer exists so the demo,
//! the tests and the benchmarks can make real v1/v2 inboxes (several epochs,
//! removals, re-deliveries, rewritten history) with pinned identities and
//! times, hermetically, without public-inbox installed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::bstr::BString;

use crate::{Error, Result};

const BRANCH: &str = "refs/heads/master";

/// A mail's first Message-ID (what names its file in a v1 inbox).
fn message_id(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.message_id().map(str::to_string))
        .unwrap_or_default()
}

/// Opens a repository without the user's or the system's git config.
fn open_repo(git_dir: &Path) -> Result<gix::Repository> {
    gix::open_opts(git_dir, gix::open::Options::isolated()).map_err(|e| Error::git(git_dir, e))
}

/// Where the branch the writer appends to points.
fn tip(repo: &gix::Repository) -> Result<Option<ObjectId>> {
    let path = repo.path();
    match repo
        .try_find_reference(BRANCH)
        .map_err(|e| Error::git(path, e))?
    {
        Some(mut r) => Ok(Some(
            r.peel_to_id().map_err(|e| Error::git(path, e))?.detach(),
        )),
        None => Ok(None),
    }
}

/// Who and when a commit says: the mail's From and Date, the list's receipt time.
struct Stamp {
    name: String,
    email: String,
    date: i64,
    subject: String,
}

fn stamp(raw: &[u8], received: i64) -> Stamp {
    let parsed = mail_parser::MessageParser::default().parse_headers(raw);
    let (name, email) = parsed
        .as_ref()
        .and_then(|m| m.from())
        .and_then(|a| a.first())
        .map(|a| {
            (
                a.name().unwrap_or_default().to_string(),
                a.address().unwrap_or_default().to_string(),
            )
        })
        .unwrap_or_default();
    let date = parsed
        .as_ref()
        .and_then(|m| m.date())
        .map(|d| d.to_timestamp())
        .unwrap_or(received);
    let subject = parsed
        .as_ref()
        .and_then(|m| m.subject())
        .unwrap_or_default()
        .to_string();
    // Names and addresses with newlines or angle brackets would corrupt the
    // commit header; public-inbox strips them the same way.
    let clean = |s: String| s.replace(['\n', '\r', '<', '>'], " ").trim().to_string();
    Stamp {
        name: clean(name),
        email: clean(email),
        date,
        subject: subject.replace(['\n', '\r'], " "),
    }
}

fn signature(name: &str, email: &str, seconds: i64) -> gix::actor::Signature {
    gix::actor::Signature {
        name: name.into(),
        email: email.into(),
        time: gix::date::Time { seconds, offset: 0 },
    }
}

fn init_bare(path: &Path) -> Result<gix::Repository> {
    std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
    let repo = gix::init_bare(path).map_err(|e| Error::git(path, e))?;
    // Re-open isolated so the user's git config never leaks in.
    open_repo(path).or(Ok(repo))
}

fn write_commit(
    repo: &gix::Repository,
    tree: ObjectId,
    parent: Option<ObjectId>,
    author: gix::actor::Signature,
    committer: gix::actor::Signature,
    message: &str,
) -> Result<ObjectId> {
    let path = repo.path().to_path_buf();
    let commit = gix::objs::Commit {
        tree,
        parents: parent.into_iter().collect(),
        author,
        committer,
        encoding: None,
        message: BString::from(message),
        extra_headers: Vec::new(),
    };
    let id = repo
        .write_object(&commit)
        .map_err(|e| Error::git(&path, e))?
        .detach();
    repo.reference(
        BRANCH,
        id,
        gix::refs::transaction::PreviousValue::Any,
        "putt: write",
    )
    .map_err(|e| Error::git(&path, e))?;
    Ok(id)
}

fn single_blob_tree(repo: &gix::Repository, name: &str, blob: ObjectId) -> Result<ObjectId> {
    let tree = gix::objs::Tree {
        entries: vec![gix::objs::tree::Entry {
            mode: gix::objs::tree::EntryKind::Blob.into(),
            filename: name.into(),
            oid: blob,
        }],
    };
    Ok(repo
        .write_object(&tree)
        .map_err(|e| Error::git(repo.path(), e))?
        .detach())
}

/// Appends messages to a v2 inbox: `git/N.git` epochs, one commit per
/// message with a tree of one blob `m`, removals as a blob `d`.
pub struct V2Writer {
    root: PathBuf,
    epoch: u32,
    repo: gix::Repository,
    tip: Option<ObjectId>,
    committer: (String, String),
}

impl V2Writer {
    /// Opens the newest epoch of the inbox at `root`, creating `git/0.git`
    /// when the inbox does not exist yet.
    pub fn open(root: &Path) -> Result<V2Writer> {
        let git = root.join("git");
        let mut newest = 0;
        if git.is_dir() {
            for entry in std::fs::read_dir(&git).map_err(|e| Error::io(&git, e))? {
                let entry = entry.map_err(|e| Error::io(&git, e))?;
                if let Some(n) = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".git"))
                    .and_then(|n| n.parse::<u32>().ok())
                {
                    newest = newest.max(n);
                }
            }
        }
        let dir = git.join(format!("{newest}.git"));
        let repo = if dir.is_dir() {
            open_repo(&dir)?
        } else {
            init_bare(&dir)?
        };
        let tip = tip(&repo)?;
        Ok(V2Writer {
            root: root.to_path_buf(),
            epoch: newest,
            repo,
            tip,
            committer: ("putt".into(), "putt@localhost".into()),
        })
    }

    /// The epoch messages go to now.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The current tip of the epoch being written.
    pub fn tip(&self) -> Option<ObjectId> {
        self.tip
    }

    /// Starts the next epoch; later messages go there.
    pub fn next_epoch(&mut self) -> Result<()> {
        self.epoch += 1;
        let dir = self.root.join("git").join(format!("{}.git", self.epoch));
        self.repo = init_bare(&dir)?;
        self.tip = None;
        Ok(())
    }

    /// Adds a message received at `received` (unix seconds). Returns the blob id.
    pub fn add(&mut self, raw: &[u8], received: i64) -> Result<ObjectId> {
        let blob = self.blob(raw)?;
        let s = stamp(raw, received);
        let tree = single_blob_tree(&self.repo, "m", blob)?;
        self.commit(tree, &s.name, &s.email, s.date, received, &s.subject)?;
        Ok(blob)
    }

    /// Removes a message the way `public-inbox-learn rm` does: a commit whose
    /// tree holds the removed message as blob `d`.
    pub fn remove(&mut self, raw: &[u8], received: i64) -> Result<ObjectId> {
        let blob = self.blob(raw)?;
        let tree = single_blob_tree(&self.repo, "d", blob)?;
        let (name, email) = self.committer.clone();
        self.commit(tree, &name, &email, received, received, "rm")?;
        Ok(blob)
    }

    /// A commit that changes nothing, as mirrors store identical re-deliveries.
    pub fn redeliver(&mut self, received: i64) -> Result<ObjectId> {
        let tree = match self.tip {
            Some(tip) => {
                let commit = self
                    .repo
                    .find_commit(tip)
                    .map_err(|e| Error::git(self.repo.path(), e))?;
                commit
                    .tree_id()
                    .map_err(|e| Error::git(self.repo.path(), e))?
                    .detach()
            }
            None => ObjectId::empty_tree(gix::hash::Kind::Sha1),
        };
        let (name, email) = self.committer.clone();
        self.commit(tree, &name, &email, received, received, "re-delivery")
    }

    /// Moves the branch back to `commit` (or to nothing), so what is written
    /// next rewrites history the way `public-inbox-purge` does.
    pub fn reset(&mut self, commit: Option<ObjectId>) -> Result<()> {
        let path = self.repo.path().to_path_buf();
        match commit {
            Some(id) => {
                self.repo
                    .reference(
                        BRANCH,
                        id,
                        gix::refs::transaction::PreviousValue::Any,
                        "putt: reset",
                    )
                    .map_err(|e| Error::git(&path, e))?;
            }
            None => {
                if let Some(r) = self
                    .repo
                    .try_find_reference(BRANCH)
                    .map_err(|e| Error::git(&path, e))?
                {
                    r.delete().map_err(|e| Error::git(&path, e))?;
                }
            }
        }
        self.tip = commit;
        Ok(())
    }

    fn blob(&self, raw: &[u8]) -> Result<ObjectId> {
        Ok(self
            .repo
            .write_blob(raw)
            .map_err(|e| Error::git(self.repo.path(), e))?
            .detach())
    }

    fn commit(
        &mut self,
        tree: ObjectId,
        name: &str,
        email: &str,
        date: i64,
        received: i64,
        subject: &str,
    ) -> Result<ObjectId> {
        let author = signature(name, email, date);
        let committer = signature(&self.committer.0, &self.committer.1, received);
        let id = write_commit(&self.repo, tree, self.tip, author, committer, subject)?;
        self.tip = Some(id);
        Ok(id)
    }
}

/// Appends messages to a v1 inbox: one repository whose tree holds every
/// message at `ab/cdef...`, the SHA-1 of its Message-ID.
pub struct V1Writer {
    repo: gix::Repository,
    tip: Option<ObjectId>,
    files: BTreeMap<String, ObjectId>,
}

impl V1Writer {
    /// Creates a new v1 inbox (a bare repository) at `path`.
    pub fn create(path: &Path) -> Result<V1Writer> {
        let repo = init_bare(path)?;
        Ok(V1Writer {
            repo,
            tip: None,
            files: BTreeMap::new(),
        })
    }

    /// Adds a message received at `received`; the path comes from its Message-ID.
    pub fn add(&mut self, raw: &[u8], received: i64) -> Result<ObjectId> {
        let blob = self
            .repo
            .write_blob(raw)
            .map_err(|e| Error::git(self.repo.path(), e))?
            .detach();
        let mid = message_id(raw);
        self.files.insert(v1_path(&mid), blob);
        let s = stamp(raw, received);
        self.commit(&s.name, &s.email, s.date, received, &s.subject)?;
        Ok(blob)
    }

    /// Removes the message with this Message-ID (without angle brackets).
    pub fn remove(&mut self, message_id: &str, received: i64) -> Result<()> {
        self.files.remove(&v1_path(message_id));
        self.commit("putt", "putt@localhost", received, received, "rm")?;
        Ok(())
    }

    fn commit(
        &mut self,
        name: &str,
        email: &str,
        date: i64,
        received: i64,
        subject: &str,
    ) -> Result<ObjectId> {
        let mut dirs: BTreeMap<&str, Vec<gix::objs::tree::Entry>> = BTreeMap::new();
        for (path, oid) in &self.files {
            let (dir, file) = path.split_at(2);
            dirs.entry(dir).or_default().push(gix::objs::tree::Entry {
                mode: gix::objs::tree::EntryKind::Blob.into(),
                filename: file[1..].into(),
                oid: *oid,
            });
        }
        let mut top = Vec::new();
        for (dir, entries) in dirs {
            let id = self
                .repo
                .write_object(&gix::objs::Tree { entries })
                .map_err(|e| Error::git(self.repo.path(), e))?
                .detach();
            top.push(gix::objs::tree::Entry {
                mode: gix::objs::tree::EntryKind::Tree.into(),
                filename: dir.into(),
                oid: id,
            });
        }
        let tree = self
            .repo
            .write_object(&gix::objs::Tree { entries: top })
            .map_err(|e| Error::git(self.repo.path(), e))?
            .detach();
        let id = write_commit(
            &self.repo,
            tree,
            self.tip,
            signature(name, email, date),
            signature("putt", "putt@localhost", received),
            subject,
        )?;
        self.tip = Some(id);
        Ok(id)
    }
}

/// `ab/cdef...`: where a v1 inbox keeps the message with this id.
fn v1_path(message_id: &str) -> String {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(format!("<{message_id}>").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}/{}", &hex[..2], &hex[2..])
}
