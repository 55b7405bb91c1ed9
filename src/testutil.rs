//! Helpers shared by the unit tests.

use std::path::PathBuf;

/// A folder of the shared corpus of real mail (see the corpus README):
/// `../shared/corpus/<sub>` from the crate root, or from a parent of it when
/// the crate is checked out deeper (a git worktree). `None`, with the reason
/// printed, where it is absent (a fresh clone has no `../shared`).
pub(crate) fn corpus_dir(sub: &str) -> Option<PathBuf> {
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
