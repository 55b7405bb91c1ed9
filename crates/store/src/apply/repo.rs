//! An am-ready mbox applied to a local repository: a new branch at the
//! right base, `git am` (git itself: what users trust), and, when a patch
//! does not apply, everything put back the way it was.
//!
//! gix inspects the repository (is it one, bare or not, which refs exist,
//! where HEAD is, which commits it has); git changes it (checkout, worktree,
//! am, branch removal), so the user's hooks and settings apply as they would
//! to their own `git am`.
//!
//! An apply that is killed midway (Ctrl-C in the middle of `git am`, a
//! crash) would leave the checkout on the new branch with an am in
//! progress. So before it changes anything, apply writes what it is about
//! to do (`putt-apply.json` in the repository's git dir, as git keeps its
//! own sequencer state there) and removes it when it is done. The next
//! apply to that repository, or [`recover`] (`putt apply --abort`), finds
//! the record and puts the repository back as it was; an apply that had
//! finished all its patches before the kill is kept.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use super::AmOutput;
use crate::error::{Error, Result};

/// Where and how to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// The repository (any directory inside it).
    pub repo: PathBuf,
    /// The branch to create (default: [`AmOutput::name`]).
    pub branch: Option<String>,
    /// The base to use instead of the series' `base-commit:` (any revision
    /// git understands). Default: `base-commit:` when the repository has
    /// it, else HEAD.
    pub base: Option<String>,
    /// `git am -3`: fall back on a three-way merge.
    pub three_way: bool,
    /// Apply in a new worktree at this path instead of the checkout (which
    /// then may be dirty, or the repository bare).
    pub worktree: Option<PathBuf>,
}

/// Where the base came from.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum BaseSource {
    /// The series' `base-commit:`, found in the repository.
    BaseCommit,
    /// [`ApplyOptions::base`].
    Given,
    /// HEAD, for want of the others.
    Head,
}

/// A patch that became a commit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Applied {
    pub counter: u32,
    pub message_id: String,
    pub commit: String,
    /// The commit's subject.
    pub subject: String,
}

/// The patch `git am` stopped at.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Failed {
    pub counter: u32,
    pub message_id: String,
    /// The subject in the mbox: `[PATCH v3 2/5] subject`.
    pub subject: String,
    /// What git said (its errors, without the hints about `--continue`).
    pub message: String,
}

/// What [`apply_mbox`] did.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    /// The repository's top directory (its git dir when bare).
    pub repo: PathBuf,
    pub branch: String,
    /// Full id of the commit the branch started at.
    pub base: String,
    pub base_source: BaseSource,
    /// Why the base is what it is, when that is worth saying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_note: Option<String>,
    /// The worktree the branch is checked out in, when one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worktree: Option<PathBuf>,
    /// The commits made, in order. Empty when a patch failed: they were
    /// dropped with the branch.
    pub applied: Vec<Applied>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<Failed>,
    /// The mbox that was applied: patches, trailers added, warnings.
    pub am: AmOutput,
    /// An earlier apply to this repository that was interrupted, and what
    /// was done about it before this one began.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered: Option<Recovered>,
    /// Anything that went wrong while putting the repository back.
    pub warnings: Vec<String>,
}

impl ApplyReport {
    /// Whether every patch became a commit.
    pub fn ok(&self) -> bool {
        self.failed.is_none()
    }
}

/// What a git command printed.
struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Out {
    /// stderr, else stdout, trimmed: what to show when it failed.
    fn error(&self) -> String {
        let e = self.stderr.trim();
        if e.is_empty() {
            self.stdout.trim().to_string()
        } else {
            e.to_string()
        }
    }
}

/// Runs git in `dir`, messages in English (they are parsed), no prompts.
fn git<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Result<Out> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::git(dir, format!("cannot run git: {e}")))?;
    Ok(Out {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Like [`git`], an error (naming the command) when git fails.
fn git_ok<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Result<String> {
    let out = git(dir, args)?;
    if out.ok {
        Ok(out.stdout)
    } else {
        let cmd: Vec<String> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        Err(Error::git(
            dir,
            format!("git {} failed: {}", cmd.join(" "), out.error()),
        ))
    }
}

/// The applier's `Name <addr>` from git's `user.name` and `user.email`
/// (read in `dir`, or the current directory).
pub fn git_signer(dir: Option<&Path>) -> Option<String> {
    let dir = dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let get = |key: &str| {
        git(&dir, &["config", key])
            .ok()
            .filter(|o| o.ok)
            .map(|o| o.stdout.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let email = get("user.email")?;
    Some(match get("user.name") {
        Some(name) => format!("{name} <{email}>"),
        None => email,
    })
}

/// HEAD and the state of the files: what must be the same after a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Snapshot {
    /// `refs/heads/main`, or `None` when detached.
    head_ref: Option<String>,
    head: Option<String>,
    status: String,
}

fn snapshot(top: &Path) -> Result<Snapshot> {
    let repo = gix::discover(top).map_err(|e| Error::git(top, e))?;
    let head_ref = repo
        .head_name()
        .map_err(|e| Error::git(top, e))?
        .map(|n| n.as_bstr().to_string());
    let head = repo.head_id().ok().map(|id| id.to_string());
    let status = git_ok(top, &["status", "--porcelain", "--untracked-files=all"])?;
    Ok(Snapshot {
        head_ref,
        head,
        status,
    })
}

/// The record of an apply in progress, in the repository's (common) git
/// dir.
const RECORD: &str = "putt-apply.json";

/// What an apply in progress is changing ([`RECORD`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    /// The process applying.
    pid: u32,
    /// The checkout's top directory (the git dir when bare).
    repo: PathBuf,
    branch: String,
    base: String,
    /// Patches in the mbox: a branch holding that many commits past the
    /// base was applied whole.
    patches: usize,
    /// The worktree being made, when one was asked for.
    worktree: Option<PathBuf>,
    /// The checkout as it was, when applying in place.
    before: Option<Snapshot>,
}

/// What [`recover`] found and did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Recovered {
    /// The branch the interrupted apply made.
    pub branch: String,
    /// Every patch had been applied: the branch is kept, as a successful
    /// apply leaves it.
    pub finished: bool,
    /// Anything that went wrong putting the repository back.
    pub warnings: Vec<String>,
}

fn record_path(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join(RECORD)
}

/// Finishes an apply to the repository at `dir` that was interrupted: the
/// am aborted, the branch and worktree it made removed, HEAD and the files
/// put back (or, when all its patches were in, its branch kept).
/// `Ok(None)` when no apply was interrupted there; an error when the
/// apply is still running.
pub fn recover(dir: &Path) -> Result<Option<Recovered>> {
    let repo =
        gix::discover(dir).map_err(|e| Error::git(dir, format!("not a git repository: {e}")))?;
    recover_in(&repo)
}

fn recover_in(repo: &gix::Repository) -> Result<Option<Recovered>> {
    let path = record_path(repo);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let record: Record = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
        path: path.clone(),
        message: format!(
            "unreadable record of an interrupted apply ({e}); remove it once the repository is as it should be"
        ),
    })?;
    if record.pid != std::process::id() && alive(record.pid) {
        return Err(Error::ApplyRunning {
            repo: record.repo,
            pid: record.pid,
        });
    }
    let work = record
        .worktree
        .clone()
        .unwrap_or_else(|| record.repo.clone());
    let range = format!("{}..refs/heads/{}", record.base, record.branch);
    let am_running = gix::discover(&work)
        .ok()
        .is_some_and(|w| w.git_dir().join("rebase-apply").exists());
    let commits = if am_running {
        None
    } else {
        git(&record.repo, &["rev-list", "--count", range.as_str()])
            .ok()
            .filter(|o| o.ok)
            .and_then(|o| o.stdout.trim().parse::<usize>().ok())
    };
    let finished = record.patches > 0 && commits == Some(record.patches);
    let mut warnings = Vec::new();
    if !finished {
        undo(
            &record.repo,
            &work,
            &record.branch,
            record.worktree.is_some(),
            record.before.as_ref(),
            &mut warnings,
        );
    }
    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
    Ok(Some(Recovered {
        branch: record.branch,
        finished,
        warnings,
    }))
}

/// Whether process `pid` is running (Linux; elsewhere, assumed gone).
fn alive(pid: u32) -> bool {
    cfg!(target_os = "linux") && Path::new("/proc").join(pid.to_string()).exists()
}

/// An operation git is in the middle of, which `git am` must not join.
fn in_progress(git_dir: &Path) -> Option<&'static str> {
    [
        ("rebase-apply", "an am or rebase"),
        ("rebase-merge", "a rebase"),
        ("MERGE_HEAD", "a merge"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
        ("BISECT_LOG", "a bisect"),
    ]
    .into_iter()
    .find(|(f, _)| git_dir.join(f).exists())
    .map(|(_, what)| what)
}

/// Applies `am` (from [`super::am_revision`]) to the repository of `opts`.
///
/// Refuses, changing nothing, when: the path is no repository; the
/// branch exists; `--base` names nothing; git has no committer identity;
/// the checkout has uncommitted
/// changes to tracked files or an operation in progress (unless a
/// worktree is asked for); the repository is bare (idem). When `git am`
/// stops at a patch, the am is aborted, the branch (and the worktree)
/// removed and HEAD put back, and the report names the patch: that is an
/// `Ok` with [`ApplyReport::failed`] set.
pub fn apply_mbox(am: &AmOutput, opts: &ApplyOptions) -> Result<ApplyReport> {
    let repo = gix::discover(&opts.repo)
        .map_err(|e| Error::git(&opts.repo, format!("not a git repository: {e}")))?;
    let recovered = recover_in(&repo)?;
    let git_dir = repo.git_dir().to_path_buf();
    let top = repo.workdir().map(Path::to_path_buf);
    let main_dir = top.clone().unwrap_or_else(|| git_dir.clone());
    let in_place = opts.worktree.is_none();
    if in_place && top.is_none() {
        return Err(Error::BareRepository {
            repo: main_dir.clone(),
        });
    }
    if in_place && let Some(what) = in_progress(&git_dir) {
        return Err(Error::InProgress {
            repo: main_dir.clone(),
            what,
        });
    }

    let branch = opts.branch.clone().unwrap_or_else(|| am.name.clone());
    let valid = git(
        &main_dir,
        &["check-ref-format", "--branch", branch.as_str()],
    )?;
    if !valid.ok || branch.starts_with('-') {
        return Err(Error::BadBranchName { branch });
    }
    let full = format!("refs/heads/{branch}");
    if repo
        .try_find_reference(full.as_str())
        .map_err(|e| Error::git(&main_dir, e))?
        .is_some()
    {
        return Err(Error::BranchExists {
            branch,
            repo: main_dir.clone(),
        });
    }

    let resolve = |spec: &str| -> Option<String> {
        repo.rev_parse_single(format!("{spec}^{{commit}}").as_str())
            .ok()
            .map(|id| id.to_string())
    };
    let head_text = || -> Result<(String, String)> {
        let id = repo.head_id().map_err(|_| Error::NoHead {
            repo: main_dir.clone(),
        })?;
        let name = repo
            .head_name()
            .ok()
            .flatten()
            .map(|n| n.shorten().to_string())
            .unwrap_or_else(|| "detached".into());
        let id = id.to_string();
        let label = format!("HEAD ({name}, {})", &id[..12.min(id.len())]);
        Ok((id, label))
    };
    let (base, base_source, base_note) = match (&opts.base, &am.base_commit) {
        (Some(given), named) => {
            let id = resolve(given).ok_or_else(|| Error::NoSuchBase {
                base: given.clone(),
                repo: main_dir.clone(),
            })?;
            let note = named
                .as_ref()
                .filter(|c| !id.starts_with(c.as_str()))
                .map(|c| format!("the series names base-commit {c}; applying on {given} as asked"));
            (id, BaseSource::Given, note)
        }
        (None, Some(named)) => match resolve(named) {
            Some(id) => (id, BaseSource::BaseCommit, None),
            None => {
                let (id, label) = head_text()?;
                let note = format!(
                    "base-commit {named} is not in {}; applying on {label} instead",
                    main_dir.display()
                );
                (id, BaseSource::Head, Some(note))
            }
        },
        (None, None) => {
            let (id, label) = head_text()?;
            let note = format!("the series names no base-commit; applying on {label}");
            (id, BaseSource::Head, Some(note))
        }
    };

    // git am needs someone to commit as; find out before touching anything.
    let ident = git(&main_dir, &["var", "GIT_COMMITTER_IDENT"])?;
    if !ident.ok {
        let why = ident
            .stderr
            .lines()
            .rev()
            .find(|l| l.starts_with("fatal:"))
            .unwrap_or("no identity")
            .trim_start_matches("fatal:")
            .trim()
            .to_string();
        return Err(Error::NoCommitter {
            repo: main_dir.clone(),
            why,
        });
    }

    let before = match &top {
        Some(top) if in_place => {
            let dirty = git_ok(top, &["status", "--porcelain", "--untracked-files=no"])?;
            if !dirty.trim().is_empty() {
                return Err(Error::Dirty {
                    repo: top.clone(),
                    files: dirty
                        .lines()
                        .take(3)
                        .map(|l| l.trim().to_string())
                        .collect(),
                    more: dirty.lines().count() > 3,
                });
            }
            Some(snapshot(top)?)
        }
        _ => None,
    };

    let mut mbox = tempfile::Builder::new()
        .prefix("putt-am-")
        .suffix(".mbx")
        .tempfile()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    std::io::Write::write_all(&mut mbox, &am.mbox).map_err(|e| Error::io(mbox.path(), e))?;

    // From here on the repository changes: say what is changing first.
    let record_file = record_path(&repo);
    let record = Record {
        pid: std::process::id(),
        repo: main_dir.clone(),
        branch: branch.clone(),
        base: base.clone(),
        patches: am.patches.len(),
        worktree: opts
            .worktree
            .as_ref()
            .map(|d| std::path::absolute(d).map_err(|e| Error::io(d, e)))
            .transpose()?,
        before: before.clone(),
    };
    let json = serde_json::to_vec(&record).map_err(|e| Error::Encode {
        what: "the record of an apply",
        message: e.to_string(),
    })?;
    crate::files::write(&record_file, &json)?;
    let done = || std::fs::remove_file(&record_file).map_err(|e| Error::io(&record_file, e));

    // Start the branch: checked out here, or in a new worktree.
    let work = match &opts.worktree {
        None => {
            let top = top
                .clone()
                .expect("in place means a work tree (checked above)");
            let out = git(
                &top,
                &["checkout", "-q", "-b", branch.as_str(), base.as_str()],
            )?;
            if !out.ok {
                delete_branch(&main_dir, &branch);
                done()?;
                return Err(Error::git(
                    &top,
                    format!(
                        "cannot check out a new branch {branch} at {base}: {}",
                        out.error()
                    ),
                ));
            }
            top
        }
        Some(dir) => {
            let dir = std::path::absolute(dir).map_err(|e| Error::io(dir, e))?;
            let out = git(
                &main_dir,
                &[
                    OsStr::new("worktree"),
                    OsStr::new("add"),
                    OsStr::new("-q"),
                    OsStr::new("-b"),
                    OsStr::new(&branch),
                    dir.as_os_str(),
                    OsStr::new(&base),
                ],
            )?;
            if !out.ok {
                delete_branch(&main_dir, &branch);
                done()?;
                return Err(Error::git(
                    &main_dir,
                    format!(
                        "cannot add a worktree at {}: {}",
                        dir.display(),
                        out.error()
                    ),
                ));
            }
            dir
        }
    };

    let mut args: Vec<&OsStr> = vec![OsStr::new("am"), OsStr::new("--no-scissors")];
    if opts.three_way {
        args.push(OsStr::new("-3"));
    }
    args.push(mbox.path().as_os_str());
    let out = git(&work, &args)?;
    let mut report = ApplyReport {
        repo: main_dir.clone(),
        branch: branch.clone(),
        base: base.clone(),
        base_source,
        base_note,
        worktree: opts.worktree.as_ref().map(|_| work.clone()),
        applied: Vec::new(),
        failed: None,
        am: am.clone(),
        recovered,
        warnings: Vec::new(),
    };
    if out.ok {
        done()?;
        let range = format!("{base}..HEAD");
        let log = git_ok(
            &work,
            &["log", "--reverse", "--format=%H%x09%s", range.as_str()],
        )?;
        report.applied = log
            .lines()
            .zip(&am.patches)
            .map(|(line, p)| {
                let (commit, subject) = line.split_once('\t').unwrap_or((line, ""));
                Applied {
                    counter: p.counter,
                    message_id: p.message_id.clone(),
                    commit: commit.to_string(),
                    subject: subject.to_string(),
                }
            })
            .collect();
        return Ok(report);
    }

    // It stopped: say where and why, then undo everything.
    let failed_at = failed_patch(&out.stdout).or_else(|| failed_patch(&out.stderr));
    let message = git_message(&out);
    undo(
        &main_dir,
        &work,
        &branch,
        opts.worktree.is_some(),
        before.as_ref(),
        &mut report.warnings,
    );
    done()?;
    match failed_at.and_then(|n| am.patches.get(n.saturating_sub(1))) {
        Some(p) => {
            report.failed = Some(Failed {
                counter: p.counter,
                message_id: p.message_id.clone(),
                subject: p.subject.clone(),
                message,
            });
            Ok(report)
        }
        None => Err(Error::Command {
            what: format!("git am in {}", work.display()),
            message: if report.warnings.is_empty() {
                message
            } else {
                format!("{message}\n{}", report.warnings.join("\n"))
            },
        }),
    }
}

/// `Patch failed at 0002 subject` -> 2.
fn failed_patch(output: &str) -> Option<usize> {
    output.lines().find_map(|l| {
        l.strip_prefix("Patch failed at ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    })
}

/// git's account of the failure without its progress lines and hints.
fn git_message(out: &Out) -> String {
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .chain(out.stdout.lines())
        .filter(|l| {
            !l.starts_with("Applying: ")
                && !l.starts_with("hint:")
                && !l.starts_with("Patch failed at ")
                && !l.trim().is_empty()
        })
        .collect();
    if lines.is_empty() {
        out.error()
    } else {
        lines.join("\n")
    }
}

fn delete_branch(dir: &Path, branch: &str) {
    let full = format!("refs/heads/{branch}");
    if git(dir, &["rev-parse", "--verify", "--quiet", full.as_str()]).is_ok_and(|o| o.ok) {
        let _ = git(dir, &["branch", "-q", "-D", branch]);
    }
}

/// Aborts the am and removes what was made for it; checks (in place) that
/// HEAD, the index and the files are as they were.
fn undo(
    main_dir: &Path,
    work: &Path,
    branch: &str,
    worktree: bool,
    before: Option<&Snapshot>,
    warnings: &mut Vec<String>,
) {
    let aborted = git(work, &["am", "--abort"]).is_ok_and(|o| o.ok);
    if !aborted {
        // The tracked files were clean before, so a hard reset loses
        // nothing of the user's.
        let _ = git(work, &["am", "--quit"]);
        let _ = git(work, &["reset", "-q", "--hard"]);
    }
    if worktree {
        let out = git(
            main_dir,
            &[
                OsStr::new("worktree"),
                OsStr::new("remove"),
                OsStr::new("--force"),
                work.as_os_str(),
            ],
        );
        if !out.as_ref().is_ok_and(|o| o.ok) {
            warnings.push(format!(
                "could not remove the worktree {}: {}",
                work.display(),
                out.map(|o| o.error()).unwrap_or_else(|e| e.to_string())
            ));
        }
        let _ = git(main_dir, &["worktree", "prune"]);
    } else if let Some(before) = before {
        let back: Option<Vec<&str>> = match (&before.head_ref, &before.head) {
            (Some(r), Some(_)) => r
                .strip_prefix("refs/heads/")
                .map(|b| vec!["checkout", "-q", b]),
            (None, Some(id)) => Some(vec!["checkout", "-q", "--detach", id.as_str()]),
            // An unborn branch: point HEAD back at it.
            (Some(r), None) => Some(vec!["symbolic-ref", "HEAD", r.as_str()]),
            (None, None) => None,
        };
        if let Some(args) = back
            && let Ok(o) = git(work, &args)
            && !o.ok
        {
            warnings.push(format!(
                "could not check out what was checked out before: {}",
                o.error()
            ));
        }
    }
    delete_branch(main_dir, branch);
    if let Some(before) = before {
        match snapshot(work) {
            Ok(after) if &after == before => {}
            Ok(after) => {
                let head = |s: &Snapshot| {
                    format!(
                        "{} at {}",
                        s.head_ref.as_deref().unwrap_or("detached HEAD"),
                        s.head.as_deref().unwrap_or("no commit")
                    )
                };
                warnings.push(format!(
                    "the checkout is not quite as it was: {} before, {} after; status before:\n{}status after:\n{}",
                    head(before),
                    head(&after),
                    before.status,
                    after.status
                ))
            }
            Err(e) => warnings.push(format!("could not check the checkout afterwards: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_patch_number() {
        assert_eq!(
            failed_patch("Applying: a\nApplying: b\nPatch failed at 0002 b\n"),
            Some(2)
        );
        assert_eq!(failed_patch("error: nothing\n"), None);
    }
}
