//! A crash-safe store of keyed records in the data dir, the way the triage
//! state is kept ([`crate::state`]): every change is one JSON line appended
//! to `journal.jsonl` with a single write under an advisory lock, so a
//! `kill -9` loses at most the line being written (a torn last line is
//! dropped on the next open); now and then the journal is folded into
//! `records.json` (temp file, fsync, rename) and emptied. A line sets a
//! whole record, so replaying twice is harmless. Check results live here.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Fold the journal into the snapshot after this many lines.
const COMPACT_AFTER: usize = 1000;
const FORMAT: u32 = 1;

/// A value the store keeps under [`Record::key`].
pub trait Record: Serialize + DeserializeOwned + Clone {
    fn key(&self) -> String;
}

#[derive(Serialize, Deserialize)]
#[serde(bound = "R: Record")]
struct Snapshot<R> {
    format: u32,
    records: Vec<R>,
}

/// The records of one directory, open for reading and writing.
pub struct RecordStore<R: Record> {
    dir: PathBuf,
    records: BTreeMap<String, R>,
    journal: File,
    entries: usize,
}

impl<R: Record> RecordStore<R> {
    /// Opens (creating) the store in `dir`.
    pub fn open(dir: &Path) -> Result<RecordStore<R>> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lock = Lock::take(dir)?;
        let path = dir.join("journal.jsonl");
        let journal = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let mut store = RecordStore {
            dir: dir.to_path_buf(),
            records: BTreeMap::new(),
            journal,
            entries: 0,
        };
        store.load()?;
        drop(lock);
        if store.entries >= COMPACT_AFTER {
            store.compact()?;
        }
        Ok(store)
    }

    /// Snapshot then journal; cuts a torn last line. Called under the lock.
    fn load(&mut self) -> Result<()> {
        self.records.clear();
        self.entries = 0;
        let snap_path = self.dir.join("records.json");
        match std::fs::read(&snap_path) {
            Ok(bytes) => {
                let snap: Snapshot<R> =
                    serde_json::from_slice(&bytes).map_err(|e| Error::Config {
                        path: snap_path.clone(),
                        message: format!("unreadable: {e}"),
                    })?;
                if snap.format > FORMAT {
                    return Err(Error::Config {
                        path: snap_path,
                        message: format!(
                            "format {} is newer than this putt reads ({FORMAT})",
                            snap.format
                        ),
                    });
                }
                for r in snap.records {
                    self.records.insert(r.key(), r);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&snap_path, e)),
        }
        let path = self.dir.join("journal.jsonl");
        let mut text = Vec::new();
        self.journal
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.journal.read_to_end(&mut text))
            .map_err(|e| Error::io(&path, e))?;
        let mut good = 0usize;
        let mut start = 0usize;
        while let Some(nl) = text[start..].iter().position(|&b| b == b'\n') {
            let line = &text[start..start + nl];
            start += nl + 1;
            // A line torn by a crash and followed by a later append: skip it.
            if let Ok(r) = serde_json::from_slice::<R>(line) {
                self.records.insert(r.key(), r);
                self.entries += 1;
            }
            good = start;
        }
        if good < text.len() {
            self.journal
                .set_len(good as u64)
                .map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    /// Re-reads what other processes wrote.
    pub fn reload(&mut self) -> Result<()> {
        let _lock = Lock::take(&self.dir)?;
        self.load()
    }

    /// Sets a record with one journal line.
    pub fn put(&mut self, record: R) -> Result<()> {
        let path = self.dir.join("journal.jsonl");
        let mut line = serde_json::to_vec(&record).map_err(|e| Error::Encode {
            what: "a record",
            message: e.to_string(),
        })?;
        line.push(b'\n');
        {
            let _lock = Lock::take(&self.dir)?;
            self.journal
                .write_all(&line)
                .map_err(|e| Error::io(&path, e))?;
        }
        self.records.insert(record.key(), record);
        self.entries += 1;
        if self.entries >= COMPACT_AFTER {
            self.compact()?;
        }
        Ok(())
    }

    /// Folds the journal into the snapshot (re-reading it under the lock, so
    /// other processes' lines are kept) and empties it.
    pub fn compact(&mut self) -> Result<()> {
        let _lock = Lock::take(&self.dir)?;
        self.load()?;
        let snap = Snapshot {
            format: FORMAT,
            records: self.records.values().cloned().collect(),
        };
        let bytes = serde_json::to_vec(&snap).map_err(|e| Error::Encode {
            what: "a snapshot of records",
            message: e.to_string(),
        })?;
        crate::files::write(&self.dir.join("records.json"), &bytes)?;
        // A kill before this only means the journal is replayed once more.
        let path = self.dir.join("journal.jsonl");
        self.journal.set_len(0).map_err(|e| Error::io(&path, e))?;
        self.entries = 0;
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<&R> {
        self.records.get(key)
    }

    pub fn records(&self) -> impl Iterator<Item = &R> {
        self.records.values()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The store's advisory lock, held while alive.
struct Lock(File);

impl Lock {
    fn take(dir: &Path) -> Result<Lock> {
        let path = dir.join("lock");
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        f.lock().map_err(|e| Error::io(&path, e))?;
        Ok(Lock(f))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct R {
        k: String,
        v: u32,
    }

    impl Record for R {
        fn key(&self) -> String {
            self.k.clone()
        }
    }

    #[test]
    fn survives_a_torn_line_and_compaction() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s: RecordStore<R> = RecordStore::open(dir.path()).expect("open");
        s.put(R {
            k: "a".into(),
            v: 1,
        })
        .expect("put");
        s.put(R {
            k: "b".into(),
            v: 2,
        })
        .expect("put");
        s.put(R {
            k: "a".into(),
            v: 3,
        })
        .expect("put");
        drop(s);
        // A crash in the middle of a write.
        let mut j = OpenOptions::new()
            .append(true)
            .open(dir.path().join("journal.jsonl"))
            .expect("journal");
        j.write_all(b"{\"k\":\"c\",\"v\"").expect("torn");
        drop(j);
        let mut s: RecordStore<R> = RecordStore::open(dir.path()).expect("reopen");
        assert_eq!(s.get("a").map(|r| r.v), Some(3));
        assert!(s.get("c").is_none());
        s.put(R {
            k: "c".into(),
            v: 4,
        })
        .expect("put after torn line");
        s.compact().expect("compact");
        s.put(R {
            k: "d".into(),
            v: 5,
        })
        .expect("put");
        let s: RecordStore<R> = RecordStore::open(dir.path()).expect("reopen");
        let all: Vec<(String, u32)> = s.records().map(|r| (r.k.clone(), r.v)).collect();
        assert_eq!(
            all,
            [
                ("a".into(), 3),
                ("b".into(), 2),
                ("c".into(), 4),
                ("d".into(), 5)
            ]
        );
    }
}
