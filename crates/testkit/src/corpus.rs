//! The shared corpus of real mail (`../shared/corpus`), and a hermetic
//! git for the tests that make repositories.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A folder of the shared corpus of real mail (see the corpus README):
/// `../shared/corpus/<sub>` from the crate root, or from a parent of it when
/// the crate is checked out deeper (a git worktree). `None`, with the reason
/// printed, where it is absent (a fresh clone has no `../shared`).
pub fn corpus_dir(sub: &str) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for base in root.ancestors().skip(1) {
        let dir = base.join("shared/corpus").join(sub);
        if dir.is_dir() {
            return Some(dir);
        }
    }
    eprintln!(
        "skipping: shared/corpus/{sub} not found beside {} or its parents",
        root.display()
    );
    None
}

/// Every mail sample of the shared corpus (`../shared/corpus/mail`, b4's,
/// Patchwork's and public-inbox's), raw, with its path, sorted by path:
/// for the tests that hold a piece of parsing to a reference on all of
/// them. `None`, with the reason printed, where the corpus is absent; a
/// file that cannot be read fails the test, naming it.
pub fn corpus_mails() -> Option<Vec<(PathBuf, Vec<u8>)>> {
    let dir = corpus_dir("mail")?;
    let mails: Vec<_> = corpus_files(&dir)
        .into_iter()
        .map(|path| {
            let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, raw)
        })
        .collect();
    assert!(
        mails.len() > 100,
        "only {} mails under {}",
        mails.len(),
        dir.display()
    );
    Some(mails)
}

/// Every file under `dir`, sorted, git bundles left out.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_none_or(|e| e != "bundle") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A git command that ignores the user's configuration and pins identity
/// and time, so that the tests are hermetic.
pub fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "A U Thor")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_NAME", "C O Mitter")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z");
    cmd
}
