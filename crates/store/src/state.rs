//! Triage state: what the user decided about each series revision (new,
//! reviewing, waiting, accepted, rejected, superseded, ignored) and which
//! messages they have read.
//!
//! It is the one piece of putt that is not a cache of the archives, so it
//! lives in the database ([`crate::db`]): every change is one transaction,
//! so a `kill -9` at any moment loses at most the change being written.
//! An open store keeps what it read in memory (a list draws thousands of
//! rows); another process (`putt state` beside an open TUI) may write at
//! any time, so the store catches up ([`StateStore::catch_up`]: the
//! database says whether anything changed) before it shows a list and
//! inside the transaction that changes anything, and a change is computed
//! against what is stored, not against what this process saw last.
//!
//! States are kept per revision, keyed by the Message-ID the revision starts
//! at (its cover letter or first patch), so they survive a series id change
//! when an older revision is found later. A revision nobody set a state for
//! is `superseded` when the model says a newer one replaced it, `ignored`
//! when an older revision of its series was ignored, and `new` otherwise.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::Result;
use crate::series::{Revision, Series};

pub use crate::triage::{TriageState, UnknownState};

/// What the user set for one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionState {
    pub state: TriageState,
    /// The series id when it was set (for people reading it).
    pub series: String,
    pub version: u32,
}

/// The triage state store, open for reading and writing.
pub struct StateStore {
    db: Db,
    dir: PathBuf,
    revisions: BTreeMap<String, RevisionState>,
    read: HashSet<String>,
    /// [`Db::data_version`] of what is in memory.
    seen: i64,
    /// Where `state.changed` events go, when set ([`StateStore::with_events`]).
    events: Option<crate::events::EventLog>,
}

impl StateStore {
    /// The store's usual place: the database in the data dir.
    pub fn default_dir() -> PathBuf {
        crate::config::Dirs::data_dir()
    }

    /// Opens (creating) the store of the data dir `dir`.
    pub fn open(dir: &Path) -> Result<StateStore> {
        let db = Db::open(dir)?;
        let mut store = StateStore {
            db,
            dir: dir.to_path_buf(),
            revisions: BTreeMap::new(),
            read: HashSet::new(),
            seen: -1,
            events: None,
        };
        store.catch_up()?;
        Ok(store)
    }

    /// Reads what other processes wrote since this store last looked.
    /// Returns whether anything changed.
    pub fn catch_up(&mut self) -> Result<bool> {
        let version = self.db.data_version()?;
        if version == self.seen {
            return Ok(false);
        }
        self.load()?;
        self.seen = version;
        Ok(true)
    }

    fn load(&mut self) -> Result<()> {
        let db = &self.db;
        let mut revisions = BTreeMap::new();
        let conn = db.conn();
        let mut stmt = conn
            .prepare_cached("SELECT revision, state, series, version FROM revision_state")
            .map_err(|e| db.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                ))
            })
            .map_err(|e| db.error(e))?;
        for row in rows {
            let (revision, state, series, version) = row.map_err(|e| db.error(e))?;
            // A state this putt does not know (a newer putt's) is left alone.
            if let Ok(state) = TriageState::parse(&state) {
                revisions.insert(
                    revision,
                    RevisionState {
                        state,
                        series,
                        version,
                    },
                );
            }
        }
        drop(stmt);
        let mut read = HashSet::new();
        let mut stmt = conn
            .prepare_cached("SELECT message_id FROM read_mark")
            .map_err(|e| db.error(e))?;
        for m in stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| db.error(e))?
        {
            read.insert(m.map_err(|e| db.error(e))?);
        }
        drop(stmt);
        drop(conn);
        self.revisions = revisions;
        self.read = read;
        Ok(())
    }

    /// Appends a `state.changed` event to `log` (and runs its hook) for
    /// every state set from now on.
    pub fn with_events(mut self, log: crate::events::EventLog) -> StateStore {
        self.events = Some(log);
        self
    }

    /// The data dir the store's database is in.
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
    /// another process set is read first, in the same transaction); `None`
    /// when nothing changed. Logs no event: that is the caller's
    /// ([`StateChange::event`]).
    pub fn change_state(
        &mut self,
        series: &Series,
        revision: &Revision,
        state: Option<TriageState>,
    ) -> Result<Option<StateChange>> {
        let root = revision.root_message_id().to_string();
        // Under the write lock: what is stored now.
        self.begin_write()?;
        let result = (|| {
            self.catch_up()?;
            let before = (
                self.state_of(series, revision),
                self.explicit(revision).is_some(),
            );
            match state {
                Some(state) => {
                    self.db
                        .conn()
                        .execute(
                            "INSERT OR REPLACE INTO revision_state (revision, state, series, version)
                             VALUES (?1, ?2, ?3, ?4)",
                            params![root, state.name(), series.id, revision.version],
                        )
                        .map_err(|e| self.db.error(e))?;
                    self.revisions.insert(
                        root.clone(),
                        RevisionState {
                            state,
                            series: series.id.clone(),
                            version: revision.version,
                        },
                    );
                }
                None => {
                    self.db
                        .conn()
                        .execute(
                            "DELETE FROM revision_state WHERE revision = ?1",
                            params![root],
                        )
                        .map_err(|e| self.db.error(e))?;
                    self.revisions.remove(&root);
                }
            }
            let after = (
                self.state_of(series, revision),
                self.explicit(revision).is_some(),
            );
            Ok((before != after).then_some(StateChange {
                from: before.0,
                to: after.0,
                explicit: after.1,
            }))
        })();
        self.end_write(result.is_ok())?;
        result
    }

    /// Starts the write transaction that makes the store the one writer.
    fn begin_write(&mut self) -> Result<()> {
        self.db
            .conn()
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.db.error(e))
    }

    /// Commits (or rolls back) what [`StateStore::begin_write`] began; this
    /// store's own commit does not count as news.
    fn end_write(&mut self, commit: bool) -> Result<()> {
        let sql = if commit { "COMMIT" } else { "ROLLBACK" };
        self.db
            .conn()
            .execute_batch(sql)
            .map_err(|e| self.db.error(e))?;
        self.seen = self.db.data_version()?;
        Ok(())
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
        let messages: Vec<String> = message_ids.into_iter().map(Into::into).collect();
        if messages.iter().all(|m| self.read.contains(m) == read) {
            return Ok(());
        }
        self.begin_write()?;
        let result = (|| -> Result<()> {
            self.catch_up()?;
            let sql = if read {
                "INSERT OR IGNORE INTO read_mark (message_id) VALUES (?1)"
            } else {
                "DELETE FROM read_mark WHERE message_id = ?1"
            };
            let conn = self.db.conn();
            let mut stmt = conn.prepare_cached(sql).map_err(|e| self.db.error(e))?;
            for m in &messages {
                stmt.execute(params![m]).map_err(|e| self.db.error(e))?;
            }
            Ok(())
        })();
        self.end_write(result.is_ok())?;
        result?;
        for m in messages {
            if read {
                self.read.insert(m);
            } else {
                self.read.remove(&m);
            }
        }
        Ok(())
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

#[cfg(test)]
mod tests;
