//! The git side of sync, with gix: clone an epoch as a bare mirror, fetch
//! into one, ask whether a repository exists, fingerprint refs.
//!
//! Every transfer uses the refspec of `git clone --mirror`, forced, so a
//! branch that upstream rewrote (a purged message) is followed rather than
//! refused. gix writes the whole pack (to a temporary file, moved into place
//! when complete) before it touches a ref, so a transfer that dies midway
//! leaves refs where they were, pointing at objects that exist.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::ObjectId;
use gix::remote::Direction;

use super::manifest::error_chain;
use super::progress::Meter;
use crate::archive;
use crate::error::{Error, Result};

/// Every ref, forced: what `git clone --mirror` fetches.
pub(crate) const MIRROR_REFSPEC: &str = "+refs/*:refs/*";

/// Suffix of the directory an epoch is cloned into before it is complete.
pub(crate) const PARTIAL_SUFFIX: &str = ".putt-partial";

/// Opens a repository for a network operation. Unlike reading an archive,
/// this honours the user's git config (proxies, `url.*.insteadOf`, CA
/// files), as `git fetch` would.
fn open_for_network(git_dir: &Path) -> Result<gix::Repository> {
    gix::open_opts(git_dir, gix::open::Options::default()).map_err(|e| Error::git(git_dir, e))
}

fn remote_err(url: &str, e: &dyn std::error::Error) -> Error {
    Error::remote(url, error_chain(e))
}

/// A remote for `url` that fetches like a mirror.
fn mirror_remote<'r>(repo: &'r gix::Repository, url: &str) -> Result<gix::Remote<'r>> {
    let remote = repo
        .remote_at(url)
        .map_err(|e| remote_err(url, &e))?
        .with_refspecs([MIRROR_REFSPEC], Direction::Fetch)
        .map_err(|e| remote_err(url, &e))?
        .with_fetch_tags(gix::remote::fetch::Tags::None);
    Ok(remote)
}

/// What one fetch did to an epoch's branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Moved {
    pub before: Option<ObjectId>,
    pub after: Option<ObjectId>,
    /// Commits reachable from `after` that were not there before.
    pub new_commits: u64,
    /// `before` is not an ancestor of `after`: history was rewritten.
    pub rewritten: bool,
}

/// Fetches `url` into the bare repository at `git_dir`.
pub(crate) fn fetch(
    git_dir: &Path,
    url: &str,
    meter: &Meter,
    interrupt: &AtomicBool,
) -> Result<Moved> {
    let before = archive::tip(&archive::open_repo(git_dir)?)?;
    receive(git_dir, url, meter, interrupt)?;
    // Re-read refs from disk: what the archive reader will see.
    let repo = archive::open_repo(git_dir)?;
    let after = archive::tip(&repo)?;
    let (new_commits, rewritten) = count_new(&repo, before, after)?;
    Ok(Moved {
        before,
        after,
        new_commits,
        rewritten,
    })
}

/// One mirror fetch: negotiate, receive the pack, then move the refs.
fn receive(
    git_dir: &Path,
    url: &str,
    meter: &Meter,
    interrupt: &AtomicBool,
) -> Result<gix::remote::fetch::Outcome> {
    let repo = open_for_network(git_dir)?;
    let remote = mirror_remote(&repo, url)?;
    let mut progress = meter.item();
    let options = gix::remote::ref_map::Options {
        // gix derives no ref-prefix from `refs/*` and would then ask the
        // server for HEAD alone; a mirror wants every ref listed.
        prefix_from_spec_as_filter_on_remote: false,
        ..Default::default()
    };
    let outcome = remote
        .connect(Direction::Fetch)
        .map_err(|e| remote_err(url, &e))?
        .prepare_fetch(
            gix::NestedProgress::add_child(&mut progress, "listing refs"),
            options,
        )
        .map_err(|e| remote_err(url, &e))?
        .receive(progress, interrupt)
        .map_err(|e| remote_err(url, &e))?;
    check_ref_updates(url, &outcome)?;
    Ok(outcome)
}

/// A ref the fetch refused to move is a failure: the mirror would silently
/// stop following upstream.
fn check_ref_updates(url: &str, outcome: &gix::remote::fetch::Outcome) -> Result<()> {
    use gix::remote::fetch::Status;
    use gix::remote::fetch::refs::update::Mode;
    let updates = match &outcome.status {
        Status::NoPackReceived { update_refs, .. } | Status::Change { update_refs, .. } => {
            &update_refs.updates
        }
    };
    let rejected: Vec<String> = updates
        .iter()
        .filter(|u| {
            matches!(
                u.mode,
                Mode::RejectedSourceObjectNotFound { .. }
                    | Mode::RejectedTagUpdate
                    | Mode::RejectedNonFastForward
                    | Mode::RejectedToReplaceWithUnborn
                    | Mode::RejectedCurrentlyCheckedOut { .. }
            )
        })
        .map(|u| u.mode.to_string())
        .collect();
    if rejected.is_empty() {
        Ok(())
    } else {
        Err(Error::remote(
            url,
            format!("refs not updated: {}", rejected.join(", ")),
        ))
    }
}

/// Clones `url` as a bare mirror to `dest`, which must not exist: what
/// `git clone --mirror` makes. The clone is made beside it under a
/// temporary name and renamed when complete, so an interrupted clone never
/// looks like an epoch.
pub(crate) fn clone(
    url: &str,
    dest: &Path,
    meter: &Meter,
    interrupt: &AtomicBool,
) -> Result<Moved> {
    let partial = partial_path(dest);
    if partial.exists() {
        // Left by a clone that was killed; nothing in it is referenced.
        std::fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    }
    let result = (|| {
        std::fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        gix::init_bare(&partial).map_err(|e| Error::Clone {
            url: url.to_string(),
            path: dest.to_path_buf(),
            message: error_chain(&e),
        })?;
        write_origin(&partial, url)?;
        let outcome = receive(&partial, url, meter, interrupt)?;
        point_head(&partial, &outcome)?;
        std::fs::rename(&partial, dest).map_err(|e| Error::io(dest, e))
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    let repo = archive::open_repo(dest)?;
    let after = archive::tip(&repo)?;
    let (new_commits, _) = count_new(&repo, None, after)?;
    Ok(Moved {
        before: None,
        after,
        new_commits,
        rewritten: false,
    })
}

/// The `origin` remote `git clone --mirror` writes, so git itself (and a
/// later `putt sync` without a configured URL) fetches the same way.
fn write_origin(git_dir: &Path, url: &str) -> Result<()> {
    let path = git_dir.join("config");
    let mut text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let quoted = url.replace('\\', "\\\\").replace('"', "\\\"");
    text.push_str(&format!(
        "[remote \"origin\"]\n\turl = \"{quoted}\"\n\tfetch = {MIRROR_REFSPEC}\n\ttagOpt = --no-tags\n\tmirror = true\n"
    ));
    crate::files::write(&path, text.as_bytes())
}

/// Points HEAD where the server's HEAD points (`refs/heads/master` for
/// public-inbox), as a clone does; gix's init named some other branch.
fn point_head(git_dir: &Path, outcome: &gix::remote::fetch::Outcome) -> Result<()> {
    use gix::protocol::handshake::Ref;
    let target = outcome.ref_map.remote_refs.iter().find_map(|r| match r {
        Ref::Symbolic {
            full_ref_name,
            target,
            ..
        }
        | Ref::Unborn {
            full_ref_name,
            target,
        } if full_ref_name == "HEAD" => Some(target.to_string()),
        _ => None,
    });
    let Some(target) = target.filter(|t| {
        t.starts_with("refs/")
            && !t.contains(['\n', '\r', ' '])
            && gix::refs::FullName::try_from(t.as_str()).is_ok()
    }) else {
        return Ok(());
    };
    let head = git_dir.join("HEAD");
    crate::files::write(&head, format!("ref: {target}\n").as_bytes())
}

/// `dir/N.git` -> `dir/N.git.putt-partial`.
pub(crate) fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(PARTIAL_SUFFIX);
    dest.with_file_name(name)
}

/// Whether a repository answers at `url`, asked through `repo` (any
/// repository: it only lends its config). A repository that is not there
/// is `Ok(false)`; a server that cannot be reached is an error, so a dead
/// server is never mistaken for "no further epoch".
pub(crate) fn exists(repo: &gix::Repository, url: &str) -> Result<bool> {
    let remote = mirror_remote(repo, url)?;
    let connection = match remote.connect(Direction::Fetch) {
        Ok(c) => c,
        Err(e) => return classify(url, &e),
    };
    match connection.ref_map(gix::progress::Discard, Default::default()) {
        Ok(_) => Ok(true),
        Err(e) => classify(url, &e),
    }
}

fn classify(url: &str, e: &dyn std::error::Error) -> Result<bool> {
    let text = error_chain(e);
    if is_not_found(&text) {
        Ok(false)
    } else {
        Err(Error::remote(url, text))
    }
}

/// How servers say "no such repository": HTTP 404/410 (public-inbox,
/// `git http-backend`), `git daemon`'s "no such repository" or, without
/// `--informative-errors`, "not exported", a local path that is not a
/// repository. Anything else (refused, reset, timed out) is a failure.
fn is_not_found(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        // "Received HTTP status 404" (a bare "404" could be part of a port).
        "http status 404",
        "http status 410",
        "not exported",
        "no such repository",
        "does not appear to be a git repository",
        "could not find a git repository",
        "no such file or directory",
        "does not exist",
    ]
    .iter()
    .any(|p| t.contains(p))
}

/// Counts commits on `after`'s first-parent line that `before` did not
/// have, and says whether `before` was dropped (history rewritten).
/// public-inbox history is linear, so first parents are the history.
fn count_new(
    repo: &gix::Repository,
    before: Option<ObjectId>,
    after: Option<ObjectId>,
) -> Result<(u64, bool)> {
    if before == after {
        return Ok((0, false));
    }
    let Some(after) = after else {
        return Ok((0, before.is_some()));
    };
    let chain = first_parents(repo, after, before)?;
    match before {
        None => Ok((chain.len() as u64, false)),
        Some(b) if chain.last().is_some_and(|&c| c == b) => Ok((chain.len() as u64 - 1, false)),
        Some(b) => {
            // Rewritten: new commits are those after the last one both share.
            let old: std::collections::HashSet<ObjectId> =
                first_parents(repo, b, None)?.into_iter().collect();
            let fresh = chain.iter().take_while(|&c| !old.contains(c)).count();
            Ok((fresh as u64, true))
        }
    }
}

/// `tip` and its first parents, newest first, down to and including `stop`
/// (or the root).
fn first_parents(
    repo: &gix::Repository,
    tip: ObjectId,
    stop: Option<ObjectId>,
) -> Result<Vec<ObjectId>> {
    use gix::prelude::FindExt;
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next {
        out.push(id);
        if Some(id) == stop {
            break;
        }
        let commit = repo
            .objects
            .find_commit_iter(&id, &mut buf)
            .map_err(|e| Error::git(repo.path(), format!("commit {id}: {e}")))?;
        next = commit.parent_ids().next();
    }
    Ok(out)
}

/// grokmirror's fingerprint of a repository: the SHA-1 of `git show-ref`'s
/// output (`<id> <name>\n` for every ref, sorted by name). `None` without refs.
pub(crate) fn fingerprint(git_dir: &Path) -> Result<Option<String>> {
    use sha1::Digest;
    let repo = archive::open_repo(git_dir)?;
    let refs = repo.references().map_err(|e| Error::git(git_dir, e))?;
    let mut lines: Vec<(Vec<u8>, ObjectId)> = Vec::new();
    for r in refs.all().map_err(|e| Error::git(git_dir, e))? {
        let mut r = r.map_err(|e| Error::git(git_dir, e))?;
        let name = r.name().as_bstr().to_vec();
        if !name.starts_with(b"refs/") {
            continue;
        }
        // show-ref shows a ref's own target (a tag object, not its commit);
        // only a symbolic ref is resolved.
        let own = match r.target().try_id() {
            Some(id) => id.to_owned(),
            None => r.peel_to_id().map_err(|e| Error::git(git_dir, e))?.detach(),
        };
        lines.push((name, own));
    }
    if lines.is_empty() {
        return Ok(None);
    }
    lines.sort();
    let mut hasher = sha1::Sha1::new();
    for (name, id) in &lines {
        hasher.update(id.to_hex().to_string().as_bytes());
        hasher.update(b" ");
        hasher.update(name);
        hasher.update(b"\n");
    }
    Ok(Some(
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    ))
}

/// The URL an existing clone fetches from: its `origin` remote.
pub(crate) fn origin_url(git_dir: &Path) -> Option<String> {
    let repo = archive::open_repo(git_dir).ok()?;
    let remote = repo.find_remote("origin").ok()?;
    remote
        .url(Direction::Fetch)
        .map(|u| u.to_bstring().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_wording_of_servers() {
        assert!(is_not_found(
            "Transport handshake failed: An IO error occurred when talking to the server: Received HTTP status 404: HTTP status client error (404 Not Found) for url (http://127.0.0.1:37203/list/3/info/refs?service=git-upload-pack)"
        ));
        assert!(is_not_found(
            "Transport handshake failed: An IO error occurred when talking to the server: no such repository: /list/1"
        ));
        assert!(!is_not_found(
            "Received HTTP status 500 for url (http://127.0.0.1:40404/list/3/info/refs)"
        ));
        assert!(is_not_found(
            "remote error: access denied or repository not exported: /list/3"
        ));
        assert!(!is_not_found("Connection refused (os error 111)"));
    }

    #[test]
    fn partial_clone_sits_beside_the_epoch() {
        assert_eq!(
            partial_path(Path::new("/x/git/3.git")),
            Path::new("/x/git/3.git.putt-partial")
        );
    }
}
