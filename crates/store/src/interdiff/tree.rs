//! The true interdiff: both revisions applied on their `base-commit:` in a
//! local repository, and the resulting trees diffed.
//!
//! Each revision is applied with `git apply --cached` into a temporary index
//! file (`GIT_INDEX_FILE`), then written with `git write-tree`: the user's
//! branches, HEAD, index and working tree are never touched (only new blob
//! and tree objects land in the object store, as any `git apply` would add).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{PatchText, TreeDiff};
use crate::series::Revision;

fn git(
    repo: &Path,
    index: Option<&Path>,
    args: &[&str],
    stdin: Option<&[u8]>,
) -> Result<String, String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(repo).args(args);
    if let Some(i) = index {
        cmd.env("GIT_INDEX_FILE", i);
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(data)
            .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Applies `patches` on `base` in a scratch index and returns the tree id.
fn tree_of(repo: &Path, label: &str, base: &str, patches: &[PatchText]) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let index = dir.path().join("index");
    git(repo, Some(&index), &["read-tree", base], None)?;
    for p in patches {
        if p.raw_diff.trim().is_empty() {
            continue;
        }
        git(
            repo,
            Some(&index),
            &["apply", "--cached", "--whitespace=nowarn", "-"],
            Some(p.raw_diff.as_bytes()),
        )
        .map_err(|e| format!("{label} patch {} does not apply on {base}: {e}", p.counter))?;
    }
    Ok(git(repo, Some(&index), &["write-tree"], None)?
        .trim()
        .to_string())
}

/// Applies both revisions on their bases and diffs the trees. The error
/// says, in a sentence, why there is no tree interdiff.
pub fn interdiff(
    repo: &Path,
    from: &Revision,
    old: &[PatchText],
    to: &Revision,
    new: &[PatchText],
) -> Result<TreeDiff, String> {
    let base = |r: &Revision| -> Result<String, String> {
        let b = r
            .base_commit
            .clone()
            .ok_or_else(|| format!("{} names no base-commit", r.label()))?;
        git(
            repo,
            None,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{b}^{{commit}}"),
            ],
            None,
        )
        .map(|s| s.trim().to_string())
        .map_err(|_| {
            format!(
                "base-commit {b} of {} is not in {}",
                r.label(),
                repo.display()
            )
        })
    };
    let base_from = base(from)?;
    let base_to = base(to)?;
    let tree_from = tree_of(repo, &from.label(), &base_from, old)?;
    let tree_to = tree_of(repo, &to.label(), &base_to, new)?;
    let diff = git(
        repo,
        None,
        &["diff", "--no-color", "--no-ext-diff", &tree_from, &tree_to],
        None,
    )?;
    Ok(TreeDiff {
        base_from,
        base_to,
        tree_from,
        tree_to,
        diff,
    })
}
