//! Noticing an index that cannot be trusted, and cleaning up after a run
//! that failed.
//!
//! The index is a cache of the archives, so a damaged one is rebuilt, not
//! repaired. Damage shows two ways: reading fails (a search then says the
//! index is damaged: [`crate::Error::IndexDamaged`]), or it silently
//! returns wrong answers (garbage in a postings file). tantivy ends every
//! file with a CRC32 of its bytes; [`damaged_files`] checks it for each
//! file of the live segments, once per version of the file: a file is
//! never changed in place by tantivy, so one that checked out keeps its
//! size and modification time, which `verified.json` remembers.
//!
//! A run that fails (a full disk) leaves the files of segments it never
//! committed; [`remove_orphans`] deletes them, so that the space they took
//! is free for the next run.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Where the checked files are remembered.
pub(crate) const VERIFIED: &str = "verified.json";

/// A file's identity for [`VERIFIED`]: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    len: u64,
    mtime_ns: i128,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta.modified().ok()?;
    let mtime_ns = match mtime.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    Some(Stamp {
        len: meta.len(),
        mtime_ns,
    })
}

/// A segment file's segment: `{32 hex digits}.{ext}` (a delete file is
/// `{id}.{opstamp}.del`).
fn segment_of(name: &str) -> Option<&str> {
    let (id, _) = name.split_once('.')?;
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// The ids of the segments the last commit names.
fn live_segments(inner: &tantivy::Index) -> tantivy::Result<HashSet<String>> {
    Ok(inner
        .searchable_segment_metas()?
        .iter()
        .map(|m| m.id().uuid_string())
        .collect())
}

/// Files of the committed segments whose checksum does not match (or that
/// cannot be read, or are gone), by name. Checks only what changed since
/// the last check.
pub(crate) fn damaged_files(dir: &Path, inner: &tantivy::Index) -> Vec<String> {
    let live = match live_segments(inner) {
        Ok(l) => l,
        Err(_) => return vec!["meta.json".into()],
    };
    let record = dir.join(VERIFIED);
    let verified: BTreeMap<String, Stamp> = std::fs::read(&record)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut now: BTreeMap<String, Stamp> = BTreeMap::new();
    let mut damaged = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) => return vec![dir.display().to_string()],
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(segment) = segment_of(name) else {
            continue;
        };
        if !live.contains(segment) {
            continue;
        }
        seen.insert(segment.to_string());
        let Some(st) = stamp(&entry.path()) else {
            damaged.push(name.to_string());
            continue;
        };
        if verified.get(name) == Some(&st) {
            now.insert(name.to_string(), st);
            continue;
        }
        match inner.directory().validate_checksum(Path::new(name)) {
            Ok(true) => {
                now.insert(name.to_string(), st);
            }
            _ => damaged.push(name.to_string()),
        }
    }
    for gone in live.difference(&seen) {
        damaged.push(format!("{gone}.*"));
    }
    if damaged.is_empty() && now != verified {
        // A cache: lost, it only costs one more check.
        let _ = crate::files::write_cache_with(&record, |w| {
            serde_json::to_writer(w, &now).map_err(std::io::Error::other)
        });
    }
    damaged.sort();
    damaged
}

/// Removes segment files the last commit does not name: what a failed or
/// killed run wrote. For the holder of the writer lock.
pub(crate) fn remove_orphans(dir: &Path, inner: &tantivy::Index) {
    let Ok(live) = live_segments(inner) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if segment_of(name).is_some_and(|s| !live.contains(s)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether the file system holding `dir` is (all but) full: an error of a
/// run whose cause tantivy lost on the way ("an index writer was killed")
/// is then a full disk.
pub(crate) fn disk_full(dir: &Path) -> bool {
    // An index dir not made yet: its parent.
    let dir = if dir.exists() {
        dir
    } else {
        dir.parent().unwrap_or(dir)
    };
    #[cfg(unix)]
    {
        if let Ok(st) = rustix::fs::statvfs(dir) {
            return st.f_bavail.saturating_mul(st.f_frsize) < 1 << 20;
        }
    }
    let _ = dir;
    false
}

/// Names a damaged index's files for a message: a few, then a count.
pub(crate) fn describe(files: &[String]) -> String {
    let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
    let more = files.len().saturating_sub(shown.len());
    let mut s = format!(
        "{} file(s) fail their checksum: {}",
        files.len(),
        shown.join(", ")
    );
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_files_are_told_by_name() {
        let id = "5b84ba36c25740a1839dba3238776014";
        assert_eq!(segment_of(&format!("{id}.store")), Some(id));
        assert_eq!(segment_of(&format!("{id}.2029.del")), Some(id));
        for name in [
            "meta.json",
            ".managed.json",
            "series.memo",
            VERIFIED,
            "abc.store",
        ] {
            assert_eq!(segment_of(name), None, "{name}");
        }
    }

    #[test]
    fn damage_is_named_briefly() {
        let files: Vec<String> = (0..5).map(|i| format!("f{i}")).collect();
        assert_eq!(
            describe(&files),
            "5 file(s) fail their checksum: f0, f1, f2 and 2 more"
        );
    }
}
