//! public-inbox archives on disk, read with gix.
//!
//! An inbox is a v2 directory of epochs (`git/0.git`, `git/1.git`, ...) or a
//! v1 bare repository. This module finds the epochs and lists, per epoch, the
//! messages added and removed since a saved cursor (the commit indexed last);
//! it knows nothing of parsing or indexing. A cursor that is no longer an
//! ancestor of the tip (history rewritten by `public-inbox-purge`/`-edit` or
//! a forced fetch) makes the scan start over from the root, flagged
//! `rewritten`, so the caller can reconcile instead of adding twice.
//!
//! A commit or tree that cannot be read (a damaged or partial clone) does
//! not stop a scan: it is a [`Gap`]. A commit's tree that is missing only
//! hides what that commit changed; a missing commit also hides the history
//! before it, and the walk stops there.

use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::prelude::FindExt;

use crate::error::{Error, Result};

pub mod packed;

/// The on-disk layout of an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One bare repository, messages at `ab/cdef...` (SHA-1 of the Message-ID).
    V1,
    /// `git/N.git` epochs, each commit's tree a single blob `m` (or `d`).
    V2,
}

/// An inbox found on disk, with its epochs in numeric order.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub name: String,
    pub path: PathBuf,
    pub format: Format,
    pub epochs: Vec<Epoch>,
}

/// One git repository of an inbox. A v1 inbox has a single epoch 0.
#[derive(Debug, Clone)]
pub struct Epoch {
    pub number: u32,
    pub git_dir: PathBuf,
}

impl Inbox {
    /// Finds the epochs of the inbox at `path`. A path to a single bare
    /// repository (a v1 inbox, or one v2 epoch on its own) is an inbox of one
    /// epoch.
    pub fn open(name: &str, path: &Path) -> Result<Inbox> {
        // Said now, not when the run that indexed it all saves its cursors.
        if path.to_str().is_none() {
            return Err(Error::PathNotUtf8 {
                path: path.to_path_buf(),
            });
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if !meta.is_dir() {
            return Err(Error::NotAnArchive {
                path: path.to_path_buf(),
                reason: "not a directory".into(),
            });
        }
        let git = path.join("git");
        if git.is_dir() {
            let mut epochs = Vec::new();
            let entries = std::fs::read_dir(&git).map_err(|e| Error::io(&git, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(&git, e))?;
                let file_name = entry.file_name();
                let Some(name) = file_name.to_str() else {
                    continue;
                };
                let Some(number) = name
                    .strip_suffix(".git")
                    .and_then(|n| n.parse::<u32>().ok())
                else {
                    continue;
                };
                epochs.push(Epoch {
                    number,
                    git_dir: entry.path(),
                });
            }
            if epochs.is_empty() {
                return Err(Error::NotAnArchive {
                    path: path.to_path_buf(),
                    reason: "git/ holds no N.git epoch".into(),
                });
            }
            epochs.sort_by_key(|e| e.number);
            return Ok(Inbox {
                name: name.to_string(),
                path: path.to_path_buf(),
                format: Format::V2,
                epochs,
            });
        }
        let git_dir = if path.join("HEAD").is_file() && path.join("objects").is_dir() {
            path.to_path_buf()
        } else if path.join(".git").is_dir() {
            path.join(".git")
        } else {
            return Err(Error::NotAnArchive {
                path: path.to_path_buf(),
                reason: "neither a v2 inbox (git/N.git) nor a git repository (v1)".into(),
            });
        };
        Ok(Inbox {
            name: name.to_string(),
            path: path.to_path_buf(),
            format: Format::V1,
            epochs: vec![Epoch { number: 0, git_dir }],
        })
    }
}

/// Opens a repository without reading the user's or system git config: the
/// archive's content must not depend on who runs putt.
pub fn open_repo(git_dir: &Path) -> Result<gix::Repository> {
    let repo = gix::open_opts(git_dir, gix::open::Options::isolated())
        .map_err(|e| Error::git(git_dir, e))?;
    Ok(repo)
}

/// The commit an epoch's archive currently ends at: `refs/heads/master`
/// (what public-inbox writes), else whatever HEAD names. `None` for an epoch
/// without commits yet.
pub fn tip(repo: &gix::Repository) -> Result<Option<ObjectId>> {
    let path = repo.path();
    for name in ["refs/heads/master", "refs/heads/main"] {
        if let Some(mut r) = repo
            .try_find_reference(name)
            .map_err(|e| Error::git(path, e))?
        {
            let id = r.peel_to_id().map_err(|e| Error::git(path, e))?;
            return Ok(Some(id.detach()));
        }
    }
    match repo.head_id() {
        Ok(id) => Ok(Some(id.detach())),
        Err(_) => Ok(None),
    }
}

/// Whether a message enters or leaves the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
}

/// One message added or removed by one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub op: Op,
    /// The raw message's blob. A removal names the blob that was added.
    pub blob: ObjectId,
    pub commit: ObjectId,
}

/// A commit whose changes could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub commit: ObjectId,
    /// The object that could not be read: the commit itself or its tree.
    pub object: ObjectId,
    /// `missing commit`, `missing tree`, or what went wrong reading it.
    pub reason: String,
}

/// What happened in one epoch since the cursor.
#[derive(Debug, Default)]
pub struct Scan {
    /// The commit the scan ended at: the next cursor.
    pub tip: Option<ObjectId>,
    /// Changes oldest first.
    pub changes: Vec<Change>,
    /// The cursor was not an ancestor of the tip: `changes` lists the whole
    /// history from the root and the caller must reconcile.
    pub rewritten: bool,
    /// Commits that added or removed nothing (re-deliveries).
    pub empty_commits: u64,
    /// The epoch's packs, when a whole scan opened them: for reading the
    /// changes' blobs ([`packed::PackedBlobs::plan_in`]).
    pub packs: Option<packed::Packs>,
    /// Commits whose changes could not be read, oldest first.
    pub gaps: Vec<Gap>,
}

/// Why `id` (a `what`: commit, tree) could not be read.
fn unreadable(
    repo: &gix::Repository,
    what: &str,
    id: &gix::oid,
    e: impl std::fmt::Display,
) -> String {
    if repo.has_object(id) {
        format!("unreadable {what}: {e}")
    } else {
        format!("missing {what}")
    }
}

/// Lists the changes in `repo` after commit `since` (all of history when
/// `None`). public-inbox history is linear, so first parents are followed.
pub fn scan(repo: &gix::Repository, since: Option<ObjectId>) -> Result<Scan> {
    scan_with_threads(repo, since, 1)
}

/// [`scan`], reading the commits' trees on `threads` threads: walking the
/// commits back is serial, but each tree is compared only with the tree of
/// the commit before it, which the walk already named. A scan of a whole
/// epoch first decodes the commits and small trees of its packs on
/// `threads` threads ([`packed::Outline`]), so the walk is hash lookups.
pub fn scan_with_threads(
    repo: &gix::Repository,
    since: Option<ObjectId>,
    threads: usize,
) -> Result<Scan> {
    let path = repo.path().to_path_buf();
    let Some(tip) = tip(repo)? else {
        return Ok(Scan::default());
    };
    if Some(tip) == since {
        return Ok(Scan {
            tip: Some(tip),
            ..Scan::default()
        });
    }
    // A whole epoch: decode its commits and trees up front, on every thread.
    let mut outline = match since {
        None => packed::Outline::read(repo, &tip, threads),
        Some(_) => packed::Outline::default(),
    };
    // Walk back from the tip to the cursor, remembering (commit, tree);
    // a whole epoch's outline walked it already, unless something stopped
    // it (an incremental scan's outline is empty and walked nothing).
    let (mut chain, mut next) = match outline.walk.take() {
        Some(walk) => (walk, None),
        None => (Vec::new(), Some(tip)),
    };
    let mut buf = Vec::new();
    let mut found_cursor = since.is_none();
    let mut first_parent_of_oldest = None;
    let mut gap = None;
    while let Some(id) = next {
        if Some(id) == since {
            found_cursor = true;
            first_parent_of_oldest = Some(id);
            break;
        }
        if let Some(&(tree, parent)) = outline.commits.get(&id) {
            chain.push((id, tree));
            next = parent;
            continue;
        }
        let read = repo
            .objects
            .find_commit_iter(&id, &mut buf)
            .map_err(|e| e.to_string())
            .and_then(|mut c| {
                let tree = c.tree_id().map_err(|e| e.to_string())?;
                Ok((tree, c.parent_ids().next()))
            });
        match read {
            Ok((tree, parent)) => {
                next = parent;
                chain.push((id, tree));
            }
            Err(e) => {
                // What lies before is out of reach: not a rewrite.
                gap = Some(Gap {
                    commit: id,
                    object: id,
                    reason: format!(
                        "{} (the history before it was not read)",
                        unreadable(repo, "commit", &id, e)
                    ),
                });
                break;
            }
        }
    }
    let rewritten = !found_cursor && gap.is_none();
    if !found_cursor {
        first_parent_of_oldest = None;
    }
    chain.reverse();

    let mut scan = Scan {
        tip: Some(tip),
        rewritten,
        packs: outline.packs.take(),
        gaps: gap.into_iter().collect(),
        ..Scan::default()
    };
    // The cursor's tree; were it unreadable now, the first commit's tree
    // is compared with nothing, and what the index holds already is
    // skipped by the caller.
    let parent_tree = first_parent_of_oldest.and_then(|parent| {
        let mut commit = repo.objects.find_commit_iter(&parent, &mut buf).ok()?;
        commit.tree_id().ok()
    });
    // Below this many commits a second thread costs more than it saves.
    const PER_THREAD: usize = 2_000;
    let threads = threads.clamp(1, (chain.len() / PER_THREAD).max(1));
    if threads == 1 {
        let (changes, empty, gaps) = changes_of(repo, &outline, &chain, parent_tree);
        scan.changes = changes;
        scan.empty_commits = empty;
        scan.gaps.extend(gaps);
        return Ok(scan);
    }
    let chunk = chain.len().div_ceil(threads);
    let parts: Vec<Result<Changes>> = std::thread::scope(|s| {
        let handles: Vec<_> = chain
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                let before = if n == 0 {
                    parent_tree
                } else {
                    Some(chain[n * chunk - 1].1)
                };
                let repo = repo.clone();
                let outline = &outline;
                s.spawn(move || Ok(changes_of(&repo, outline, part, before)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::git(&path, "scan thread panicked")))
            })
            .collect()
    });
    for part in parts {
        let (changes, empty, gaps) = part?;
        scan.changes.extend(changes);
        scan.empty_commits += empty;
        scan.gaps.extend(gaps);
    }
    Ok(scan)
}

/// Changes, empty commits and gaps of a run of commits.
type Changes = (Vec<Change>, u64, Vec<Gap>);

/// The changes of consecutive commits `chain` (commit, tree), the first
/// one's parent having tree `parent_tree`; how many were empty; and the
/// commits whose tree could not be read (the next commit is compared with
/// the last tree that could: in a v1 inbox it then shows their changes).
fn changes_of(
    repo: &gix::Repository,
    outline: &packed::Outline,
    chain: &[(ObjectId, ObjectId)],
    mut parent_tree: Option<ObjectId>,
) -> Changes {
    let mut changes = Vec::with_capacity(chain.len());
    let mut empty = 0;
    let mut gaps = Vec::new();
    let mut bufs = (Vec::new(), Vec::new());
    for &(commit, tree) in chain {
        if parent_tree == Some(tree) {
            empty += 1;
            continue;
        }
        let before = changes.len();
        if let Err((object, e)) = changes_between(
            repo,
            outline,
            parent_tree,
            tree,
            commit,
            &mut changes,
            &mut bufs,
        ) {
            changes.truncate(before);
            gaps.push(Gap {
                commit,
                object,
                reason: unreadable(repo, "tree", &object, e),
            });
            continue;
        }
        if changes.len() == before {
            empty += 1;
        }
        parent_tree = Some(tree);
    }
    (changes, empty, gaps)
}

/// A tree that could not be read, and why.
type TreeError = (ObjectId, String);

/// Appends what `commit` (tree `tree`, parent tree `parent`) changed;
/// `bufs` are scratch space for the two trees.
fn changes_between(
    repo: &gix::Repository,
    outline: &packed::Outline,
    parent: Option<ObjectId>,
    tree: ObjectId,
    commit: ObjectId,
    out: &mut Vec<Change>,
    (buf, old_buf): &mut (Vec<u8>, Vec<u8>),
) -> std::result::Result<(), TreeError> {
    let new = match outline.trees.get(&tree) {
        Some(raw) => gix::objs::TreeRef::from_bytes(raw, gix::hash::Kind::Sha1)
            .map_err(|e| (tree, e.to_string()))?,
        None => repo
            .objects
            .find_tree(&tree, buf)
            .map_err(|e| (tree, e.to_string()))?,
    };
    // v2: the tree is the message (`m`) or the removal (`d`).
    let mut v2 = false;
    for entry in &new.entries {
        let op = match entry.filename.as_ref() as &[u8] {
            b"m" => Op::Add,
            b"d" => Op::Remove,
            _ => continue,
        };
        v2 = true;
        out.push(Change {
            op,
            blob: entry.oid.to_owned(),
            commit,
        });
    }
    if v2 {
        return Ok(());
    }
    // v1: a fan-out tree `ab/cdef...`; diff it against the parent's.
    let new_entries: Vec<(Vec<u8>, ObjectId, bool)> = new
        .entries
        .iter()
        .map(|e| (e.filename.to_vec(), e.oid.to_owned(), e.mode.is_tree()))
        .collect();
    let old_entries: Vec<(Vec<u8>, ObjectId, bool)> = match parent {
        Some(p) => repo
            .objects
            .find_tree(&p, old_buf)
            .map_err(|e| (p, e.to_string()))?
            .entries
            .iter()
            .map(|e| (e.filename.to_vec(), e.oid.to_owned(), e.mode.is_tree()))
            .collect(),
        None => Vec::new(),
    };
    diff_entries(repo, &old_entries, &new_entries, commit, out)
}

fn diff_entries(
    repo: &gix::Repository,
    old: &[(Vec<u8>, ObjectId, bool)],
    new: &[(Vec<u8>, ObjectId, bool)],
    commit: ObjectId,
    out: &mut Vec<Change>,
) -> std::result::Result<(), TreeError> {
    let mut i = 0;
    let mut j = 0;
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(&b.0),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, _) => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                walk_all(repo, &old[i], Op::Remove, commit, out)?;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                walk_all(repo, &new[j], Op::Add, commit, out)?;
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (a, b) = (&old[i], &new[j]);
                if a.1 != b.1 {
                    if a.2 && b.2 {
                        let sub_old = read_entries(repo, a.1)?;
                        let sub_new = read_entries(repo, b.1)?;
                        diff_entries(repo, &sub_old, &sub_new, commit, out)?;
                    } else {
                        walk_all(repo, a, Op::Remove, commit, out)?;
                        walk_all(repo, b, Op::Add, commit, out)?;
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

fn read_entries(
    repo: &gix::Repository,
    tree: ObjectId,
) -> std::result::Result<Vec<(Vec<u8>, ObjectId, bool)>, TreeError> {
    let mut buf = Vec::new();
    let t = repo
        .objects
        .find_tree(&tree, &mut buf)
        .map_err(|e| (tree, e.to_string()))?;
    Ok(t.entries
        .iter()
        .map(|e| (e.filename.to_vec(), e.oid.to_owned(), e.mode.is_tree()))
        .collect())
}

/// Every blob under an entry that appeared or disappeared as a whole.
fn walk_all(
    repo: &gix::Repository,
    entry: &(Vec<u8>, ObjectId, bool),
    op: Op,
    commit: ObjectId,
    out: &mut Vec<Change>,
) -> std::result::Result<(), TreeError> {
    if entry.2 {
        for sub in read_entries(repo, entry.1)? {
            walk_all(repo, &sub, op, commit, out)?;
        }
    } else {
        out.push(Change {
            op,
            blob: entry.1,
            commit,
        });
    }
    Ok(())
}

/// Reads a raw message blob into `buf` and returns it.
pub fn read_blob<'a>(
    repo: &gix::Repository,
    blob: &gix::oid,
    buf: &'a mut Vec<u8>,
) -> Result<&'a [u8]> {
    match repo.objects.find_blob(blob, buf) {
        Ok(data) => Ok(data.data),
        Err(_) if !repo.has_object(blob) => Err(Error::MissingObject {
            path: repo.path().to_path_buf(),
            id: blob.to_string(),
        }),
        Err(e) => Err(Error::git(repo.path(), format!("blob {blob}: {e}"))),
    }
}
