//! Triage state: what the user decided about each series revision (new,
//! reviewing, waiting, accepted, rejected, superseded, ignored) and which
//! messages they have read.
//!
//! It is the one piece of putt that is not a cache of the archives, so it
//! must survive anything: every change is one line appended to a journal
//! (`journal.jsonl`) with a single `write`, so a `kill -9` at any moment
//! loses at most the change being written, and a torn last line is dropped
//! on the next open. From time to time the journal is folded into a
//! snapshot (`state.json`, written to a temp file, synced, renamed) and
//! emptied; replaying a journal twice is harmless because every entry sets
//! a value rather than toggling it. An advisory lock (`lock`) keeps a second
//! putt process from folding the journal while the first appends to it.
//!
//! Another process (`putt state` beside an open TUI) may write at any
//! time, so an open store catches up ([`StateStore::catch_up`]) before it
//! changes anything, under the lock, and a change is computed against
//! what is stored, not against what this process saw last.
//!
//! States are kept per revision, keyed by the Message-ID the revision starts
//! at (its cover letter or first patch), so they survive a series id change
//! when an older revision is found later. A revision nobody set a state for
//! is `superseded` when the model says a newer one replaced it, `ignored`
//! when an older revision of its series was ignored, and `new` otherwise.

use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::series::{Revision, Series};

/// Fold the journal into the snapshot after this many entries.
const COMPACT_AFTER: usize = 2000;
/// Snapshot format version.
const FORMAT: u32 = 1;

pub use crate::triage::{TriageState, UnknownState};

/// What the user set for one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionState {
    pub state: TriageState,
    /// The series id when it was set (for people reading the file).
    pub series: String,
    pub version: u32,
}

/// The whole store as the snapshot holds it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Snapshot {
    format: u32,
    /// Revision root Message-ID -> state.
    #[serde(default)]
    revisions: BTreeMap<String, RevisionState>,
    /// Read messages, sorted (a set, written in a stable order).
    #[serde(default)]
    read: Vec<String>,
}

/// One journal line. Each sets a value, so replaying is idempotent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Change {
    /// Sets (or with `state: null`, clears) a revision's state.
    State {
        revision: String,
        #[serde(default)]
        state: Option<RevisionState>,
    },
    /// Marks messages read or unread.
    Read { read: bool, messages: Vec<String> },
}

/// The triage state store, open for reading and writing.
pub struct StateStore {
    dir: PathBuf,
    revisions: BTreeMap<String, RevisionState>,
    read: HashSet<String>,
    journal: File,
    journal_entries: usize,
    /// How much of the journal is applied here (this process's appends
    /// included), and the snapshot it was applied over.
    journal_read: u64,
    snapshot: Option<FileStamp>,
    /// Where `state.changed` events go, when set ([`StateStore::with_events`]).
    events: Option<crate::events::EventLog>,
}

impl StateStore {
    /// The store's usual place: `state/` in the data dir.
    pub fn default_dir() -> PathBuf {
        crate::config::Dirs::data_dir().join("state")
    }

    /// Opens (creating) the store in `dir`: the snapshot, then the journal
    /// replayed over it. A torn last journal line (a kill mid-write) is cut
    /// off so the next append starts on a fresh line.
    pub fn open(dir: &Path) -> Result<StateStore> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lock = lock_file(dir)?;
        let (snapshot, _) = read_snapshot(dir)?;
        let journal_path = dir.join("journal.jsonl");
        let mut journal = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&journal_path)
            .map_err(|e| Error::io(&journal_path, e))?;
        let mut store = StateStore {
            dir: dir.to_path_buf(),
            revisions: snapshot.revisions,
            read: snapshot.read.into_iter().collect(),
            journal_entries: 0,
            journal: journal
                .try_clone()
                .map_err(|e| Error::io(&journal_path, e))?,
            journal_read: 0,
            snapshot: file_stamp(&dir.join("state.json")),
            events: None,
        };
        let good_len = store.replay(&mut journal, 0)?;
        let len = journal
            .metadata()
            .map_err(|e| Error::io(&journal_path, e))?
            .len();
        if good_len < len {
            journal
                .set_len(good_len)
                .map_err(|e| Error::io(&journal_path, e))?;
        }
        store.journal_read = good_len;
        drop(lock);
        if store.journal_entries >= COMPACT_AFTER {
            store.compact()?;
        }
        Ok(store)
    }

    /// Replays journal lines from byte `from`; returns where the
    /// well-formed part ends.
    fn replay(&mut self, journal: &mut File, from: u64) -> Result<u64> {
        let path = self.dir.join("journal.jsonl");
        let mut text = Vec::new();
        journal
            .seek(SeekFrom::Start(from))
            .and_then(|_| journal.read_to_end(&mut text))
            .map_err(|e| Error::io(&path, e))?;
        let mut good = 0usize;
        let mut start = 0usize;
        while let Some(nl) = text[start..].iter().position(|&b| b == b'\n') {
            let line = &text[start..start + nl];
            start += nl + 1;
            // A line that does not parse was torn by a crash and then
            // followed by a later append; skip it, keep what follows.
            if let Ok(change) = serde_json::from_slice::<Change>(line) {
                self.apply(change);
                self.journal_entries += 1;
            }
            good = start;
        }
        Ok(from + good as u64)
    }

    /// Reads what other processes wrote since this store last looked:
    /// their appends to the journal, or everything again when one of them
    /// folded it into a new snapshot. Returns whether anything changed.
    pub fn catch_up(&mut self) -> Result<bool> {
        let _lock = lock_file(&self.dir)?;
        self.catch_up_locked()
    }

    fn catch_up_locked(&mut self) -> Result<bool> {
        let path = self.dir.join("journal.jsonl");
        let len = self
            .journal
            .metadata()
            .map_err(|e| Error::io(&path, e))?
            .len();
        let snapshot = file_stamp(&self.dir.join("state.json"));
        if snapshot != self.snapshot || len < self.journal_read {
            let (snap, _) = read_snapshot(&self.dir)?;
            self.revisions = snap.revisions;
            self.read = snap.read.into_iter().collect();
            self.journal_entries = 0;
            self.snapshot = snapshot;
            let mut journal = self.journal.try_clone().map_err(|e| Error::io(&path, e))?;
            self.journal_read = self.replay(&mut journal, 0)?;
            return Ok(true);
        }
        if len == self.journal_read {
            return Ok(false);
        }
        let mut journal = self.journal.try_clone().map_err(|e| Error::io(&path, e))?;
        self.journal_read = self.replay(&mut journal, self.journal_read)?;
        Ok(true)
    }

    fn apply(&mut self, change: Change) {
        match change {
            Change::State {
                revision,
                state: Some(s),
            } => {
                self.revisions.insert(revision, s);
            }
            Change::State {
                revision,
                state: None,
            } => {
                self.revisions.remove(&revision);
            }
            Change::Read { read, messages } => {
                for m in messages {
                    if read {
                        self.read.insert(m);
                    } else {
                        self.read.remove(&m);
                    }
                }
            }
        }
    }

    /// Appends one change with a single write, then applies it in memory;
    /// the caller holds the lock and has caught up.
    fn record_locked(&mut self, change: Change) -> Result<()> {
        let path = self.dir.join("journal.jsonl");
        let mut line = serde_json::to_vec(&change).map_err(|e| Error::Encode {
            what: "a state change",
            message: e.to_string(),
        })?;
        line.push(b'\n');
        self.journal
            .write_all(&line)
            .map_err(|e| Error::io(&path, e))?;
        self.journal_read += line.len() as u64;
        self.apply(change);
        self.journal_entries += 1;
        Ok(())
    }

    /// Folds the journal when it grew long (after the lock is let go).
    fn maybe_compact(&mut self) -> Result<()> {
        if self.journal_entries >= COMPACT_AFTER {
            self.compact()?;
        }
        Ok(())
    }

    /// Folds the journal into a new snapshot and empties it. Other putt
    /// processes may have appended: the journal is re-read under the lock
    /// so their changes are kept.
    pub fn compact(&mut self) -> Result<()> {
        let _lock = lock_file(&self.dir)?;
        let (snapshot, _) = read_snapshot(&self.dir)?;
        self.revisions = snapshot.revisions;
        self.read = snapshot.read.into_iter().collect();
        self.journal_entries = 0;
        let mut journal = self
            .journal
            .try_clone()
            .map_err(|e| Error::io(self.dir.join("journal.jsonl"), e))?;
        self.replay(&mut journal, 0)?;
        let mut read: Vec<String> = self.read.iter().cloned().collect();
        read.sort();
        let snapshot = Snapshot {
            format: FORMAT,
            revisions: self.revisions.clone(),
            read,
        };
        let text = serde_json::to_vec(&snapshot).map_err(|e| Error::Encode {
            what: "the state snapshot",
            message: e.to_string(),
        })?;
        crate::files::write(&self.dir.join("state.json"), &text)?;
        // The snapshot holds everything now; a kill before this truncate
        // only means the journal is replayed once more over it.
        let path = self.dir.join("journal.jsonl");
        self.journal.set_len(0).map_err(|e| Error::io(&path, e))?;
        self.journal_entries = 0;
        self.journal_read = 0;
        self.snapshot = file_stamp(&self.dir.join("state.json"));
        Ok(())
    }

    /// Appends a `state.changed` event to `log` (and runs its hook) for
    /// every state set from now on.
    pub fn with_events(mut self, log: crate::events::EventLog) -> StateStore {
        self.events = Some(log);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The state the user set for a revision, if any.
    pub fn explicit(&self, revision: &Revision) -> Option<TriageState> {
        self.revisions
            .get(revision.root_message_id())
            .map(|s| s.state)
    }

    /// The state to show for a revision of `series` (see the module docs).
    pub fn state_of(&self, series: &Series, revision: &Revision) -> TriageState {
        if let Some(s) = self.explicit(revision) {
            return s;
        }
        if revision.superseded {
            return TriageState::Superseded;
        }
        let ignored_before = series.revisions.iter().any(|r| {
            r.version < revision.version && self.explicit(r) == Some(TriageState::Ignored)
        });
        if ignored_before {
            TriageState::Ignored
        } else {
            TriageState::New
        }
    }

    /// Sets a revision's state; `None` returns it to the automatic one.
    pub fn set_state(
        &mut self,
        series: &Series,
        revision: &Revision,
        state: Option<TriageState>,
    ) -> Result<()> {
        self.set_state_reporting(series, revision, state)
            .map(|_| ())
    }

    /// [`StateStore::set_state`], returning what the event hook reported
    /// (empty without an event log or when the state did not change).
    pub fn set_state_reporting(
        &mut self,
        series: &Series,
        revision: &Revision,
        state: Option<TriageState>,
    ) -> Result<Vec<String>> {
        match (self.change_state(series, revision, state)?, &self.events) {
            (Some(change), Some(log)) => log.emit(vec![change.event(series, revision)]),
            _ => Ok(Vec::new()),
        }
    }

    /// Sets a revision's state, as [`StateStore::set_state`], and returns
    /// the change in the state shown, computed against what is stored (what
    /// another process set is read first); `None` when nothing changed.
    /// Logs no event: that is the caller's ([`StateChange::event`]).
    pub fn change_state(
        &mut self,
        series: &Series,
        revision: &Revision,
        state: Option<TriageState>,
    ) -> Result<Option<StateChange>> {
        let change = {
            let _lock = lock_file(&self.dir)?;
            self.catch_up_locked()?;
            let before = (
                self.state_of(series, revision),
                self.explicit(revision).is_some(),
            );
            self.record_locked(Change::State {
                revision: revision.root_message_id().to_string(),
                state: state.map(|state| RevisionState {
                    state,
                    series: series.id.clone(),
                    version: revision.version,
                }),
            })?;
            let after = (
                self.state_of(series, revision),
                self.explicit(revision).is_some(),
            );
            (before != after).then_some(StateChange {
                from: before.0,
                to: after.0,
                explicit: after.1,
            })
        };
        self.maybe_compact()?;
        Ok(change)
    }

    pub fn is_read(&self, message_id: &str) -> bool {
        self.read.contains(message_id)
    }

    /// Marks messages read (or unread), as one change.
    pub fn set_read<I, S>(&mut self, message_ids: I, read: bool) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let lock = lock_file(&self.dir)?;
        self.catch_up_locked()?;
        let messages: Vec<String> = message_ids
            .into_iter()
            .map(Into::into)
            .filter(|m: &String| self.read.contains(m) != read)
            .collect();
        if messages.is_empty() {
            return Ok(());
        }
        self.record_locked(Change::Read { read, messages })?;
        drop(lock);
        self.maybe_compact()
    }

    /// Every revision with a state set, by root Message-ID.
    pub fn revisions(&self) -> &BTreeMap<String, RevisionState> {
        &self.revisions
    }

    /// How many messages are marked read.
    pub fn read_count(&self) -> usize {
        self.read.len()
    }
}

/// A change in the state a revision shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateChange {
    pub from: TriageState,
    pub to: TriageState,
    /// Whether the new state was set (not automatic).
    pub explicit: bool,
}

impl StateChange {
    /// The `state.changed` event of this change.
    pub fn event(&self, series: &Series, revision: &Revision) -> crate::events::EventKind {
        crate::events::EventKind::StateChanged {
            series: series.id.clone(),
            version: revision.version,
            revision: revision.root_message_id().to_string(),
            from: self.from,
            to: self.to,
            explicit: self.explicit,
        }
    }
}

/// A file's size and modification time, to notice another process's write.
type FileStamp = (u64, std::time::SystemTime);

fn file_stamp(path: &Path) -> Option<FileStamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// Holds the store's advisory lock while alive.
struct Lock(File);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn lock_file(dir: &Path) -> Result<Lock> {
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

fn read_snapshot(dir: &Path) -> Result<(Snapshot, bool)> {
    let path = dir.join("state.json");
    match std::fs::read(&path) {
        Ok(bytes) => {
            let snap: Snapshot = serde_json::from_slice(&bytes).map_err(|e| Error::Config {
                path: path.clone(),
                message: format!("triage state is unreadable: {e}"),
            })?;
            if snap.format > FORMAT {
                return Err(Error::Config {
                    path,
                    message: format!(
                        "triage state format {} is newer than this putt reads ({FORMAT})",
                        snap.format
                    ),
                });
            }
            Ok((snap, true))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((
            Snapshot {
                format: FORMAT,
                ..Snapshot::default()
            },
            false,
        )),
        Err(e) => Err(Error::io(&path, e)),
    }
}

#[cfg(test)]
mod tests;
