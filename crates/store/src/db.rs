//! The one database of what putt keeps of its own: the maintainer's triage
//! state and read marks, check results, and corrections to series links
//! (later: labels, notes, caches). Everything else putt has is a cache of the archives (the
//! index, the series memo) or a log others follow (events).
//!
//! SQLite (built in), in the data dir: `putt.sqlite3`, in WAL mode, so one
//! process writes while others read, and a writer waits for another
//! (`busy_timeout`) instead of failing. A change is one transaction: a
//! `kill -9` at any moment loses at most the change being written, and the
//! database is whole on the next open. The schema is versioned
//! (`PRAGMA user_version`) and migrated forward on open; a database newer
//! than this putt is refused, not touched.
//!
//! The first open also imports what older putts kept in JSON journals
//! (`state/`, `checks/` in the data dir), once; the old files are left as
//! they were.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{Error, Result};

/// The database's file in the data dir.
pub const FILE_NAME: &str = "putt.sqlite3";

/// The schema this putt writes.
const SCHEMA: i64 = 2;

/// How long a writer waits for another before giving up.
const BUSY: Duration = Duration::from_secs(30);

/// An open database. Its connection is behind a lock so that a store can
/// be shared with worker threads (the TUI's); putt's uses take it briefly.
pub struct Db {
    conn: std::sync::Mutex<Connection>,
    path: PathBuf,
}

impl Db {
    /// Opens (creating) the database of the data dir `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Db> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
        let path = data_dir.join(FILE_NAME);
        let conn = Connection::open(&path).map_err(|e| db_error(&path, e))?;
        let mut db = Db {
            conn: std::sync::Mutex::new(conn),
            path,
        };
        db.setup()?;
        db.migrate(data_dir)?;
        Ok(db)
    }

    /// Opens the database only if there is one, or what an older putt
    /// kept to import into one (reading never creates it otherwise).
    pub fn open_existing(data_dir: &Path) -> Result<Option<Db>> {
        if Db::exists(data_dir) {
            Db::open(data_dir).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Whether the data dir has a database (or an older putt's journals).
    pub fn exists(data_dir: &Path) -> bool {
        data_dir.join(FILE_NAME).is_file()
            || data_dir.join("state").is_dir()
            || data_dir.join("checks").is_dir()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding it leaves a connection SQLite keeps whole.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A number that changes whenever another connection commits a change:
    /// a store's cache is stale when it moved.
    pub fn data_version(&self) -> Result<i64> {
        self.conn()
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.error(e))
    }

    pub(crate) fn error(&self, e: rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }

    fn setup(&mut self) -> Result<()> {
        let path = self.path.clone();
        let conn = self.conn.get_mut().unwrap_or_else(|e| e.into_inner());
        let err = |e| db_error(&path, e);
        conn.busy_timeout(BUSY).map_err(err)?;
        // WAL: readers never wait for the writer; NORMAL sync is safe in
        // WAL mode (a crash of the machine may lose the last commits, never
        // the database).
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(err)
    }

    fn migrate(&mut self, data_dir: &Path) -> Result<()> {
        let path = self.path.clone();
        let err = |e| db_error(&path, e);
        let conn = self.conn.get_mut().unwrap_or_else(|e| e.into_inner());
        // Most opens find the schema current: they only read.
        let current: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if current == SCHEMA {
            return Ok(());
        }
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA {
            return Err(Error::Config {
                path: path.clone(),
                message: format!(
                    "the database is of schema {version}, newer than this putt reads ({SCHEMA})"
                ),
            });
        }
        if version < 1 {
            tx.execute_batch(
                "CREATE TABLE revision_state (
                     revision TEXT PRIMARY KEY,
                     state    TEXT NOT NULL,
                     series   TEXT NOT NULL,
                     version  INTEGER NOT NULL
                 ) STRICT;
                 CREATE TABLE read_mark (
                     message_id TEXT PRIMARY KEY
                 ) STRICT, WITHOUT ROWID;
                 CREATE TABLE check_result (
                     check_name TEXT NOT NULL,
                     revision   TEXT NOT NULL,
                     series     TEXT NOT NULL,
                     version    INTEGER NOT NULL,
                     subject    TEXT NOT NULL,
                     status     TEXT NOT NULL,
                     summary    TEXT NOT NULL,
                     run        TEXT NOT NULL,
                     started    INTEGER NOT NULL,
                     finished   INTEGER,
                     seconds    REAL,
                     exit_code  INTEGER,
                     output     TEXT,
                     pgid       INTEGER,
                     patches    TEXT NOT NULL,
                     PRIMARY KEY (check_name, revision)
                 ) STRICT;
                 CREATE INDEX check_result_revision ON check_result (revision);",
            )
            .map_err(err)?;
            legacy::import(&tx, data_dir).map_err(|e| match e {
                legacy::ImportError::Db(e) => err(e),
                legacy::ImportError::Other(e) => e,
            })?;
        }
        if version < 2 {
            // Message-IDs of revisions: `later`'s revision is a later
            // revision of `earlier`'s series; a split revision keeps only
            // the links made here.
            tx.execute_batch(
                "CREATE TABLE series_link (
                     earlier TEXT NOT NULL,
                     later   TEXT NOT NULL,
                     made    INTEGER NOT NULL,
                     PRIMARY KEY (earlier, later)
                 ) STRICT;
                 CREATE TABLE series_split (
                     revision TEXT PRIMARY KEY,
                     made     INTEGER NOT NULL
                 ) STRICT;",
            )
            .map_err(err)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA)
            .map_err(err)?;
        tx.commit().map_err(err)
    }
}

fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
            Error::DiskFull {
                path: path.to_path_buf(),
            }
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
            ) =>
        {
            Error::Corrupt {
                path: path.to_path_buf(),
                message: e.to_string(),
            }
        }
        _ => Error::Database {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    }
}

/// What putt kept before the database: JSON journals over snapshots, in
/// `state/` (triage states and read marks) and `checks/` (check results).
mod legacy {
    use std::collections::{BTreeMap, HashSet};
    use std::path::Path;

    use rusqlite::{Transaction, params};
    use serde::Deserialize;

    use crate::check::CheckRecord;
    use crate::error::Error;
    use crate::state::RevisionState;

    pub(super) enum ImportError {
        Db(rusqlite::Error),
        Other(Error),
    }

    impl From<rusqlite::Error> for ImportError {
        fn from(e: rusqlite::Error) -> Self {
            ImportError::Db(e)
        }
    }

    #[derive(Deserialize, Default)]
    struct StateSnapshot {
        #[serde(default)]
        revisions: BTreeMap<String, RevisionState>,
        #[serde(default)]
        read: Vec<String>,
    }

    #[derive(Deserialize)]
    #[serde(tag = "op", rename_all = "lowercase")]
    enum StateChange {
        State {
            revision: String,
            #[serde(default)]
            state: Option<RevisionState>,
        },
        Read {
            read: bool,
            messages: Vec<String>,
        },
    }

    #[derive(Deserialize, Default)]
    struct Records {
        #[serde(default)]
        records: Vec<CheckRecord>,
    }

    /// The lines of a journal that parse (a torn one is skipped, as the
    /// old stores did).
    fn journal<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
        std::fs::read(path)
            .map(|b| {
                b.split(|&c| c == b'\n')
                    .filter_map(|l| serde_json::from_slice(l).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn read_json<T: serde::de::DeserializeOwned + Default>(path: &Path) -> Result<T, ImportError> {
        match std::fs::read(path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                ImportError::Other(Error::Corrupt {
                    path: path.to_path_buf(),
                    message: format!("cannot import it: {e}"),
                })
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
            Err(e) => Err(ImportError::Other(Error::io(path, e))),
        }
    }

    pub(super) fn import(tx: &Transaction<'_>, data_dir: &Path) -> Result<(), ImportError> {
        let state = data_dir.join("state");
        let mut snap: StateSnapshot = read_json(&state.join("state.json"))?;
        let mut read: HashSet<String> = snap.read.drain(..).collect();
        for change in journal::<StateChange>(&state.join("journal.jsonl")) {
            match change {
                StateChange::State {
                    revision,
                    state: Some(s),
                } => {
                    snap.revisions.insert(revision, s);
                }
                StateChange::State {
                    revision,
                    state: None,
                } => {
                    snap.revisions.remove(&revision);
                }
                StateChange::Read {
                    read: true,
                    messages,
                } => read.extend(messages),
                StateChange::Read {
                    read: false,
                    messages,
                } => {
                    for m in messages {
                        read.remove(&m);
                    }
                }
            }
        }
        for (revision, s) in &snap.revisions {
            tx.execute(
                "INSERT OR REPLACE INTO revision_state (revision, state, series, version)
                 VALUES (?1, ?2, ?3, ?4)",
                params![revision, s.state.name(), s.series, s.version],
            )?;
        }
        for m in &read {
            tx.execute(
                "INSERT OR IGNORE INTO read_mark (message_id) VALUES (?1)",
                params![m],
            )?;
        }
        let checks = data_dir.join("checks");
        let mut records: BTreeMap<(String, String), CheckRecord> = BTreeMap::new();
        let snap: Records = read_json(&checks.join("records.json"))?;
        for r in snap
            .records
            .into_iter()
            .chain(journal::<CheckRecord>(&checks.join("journal.jsonl")))
        {
            records.insert((r.check.clone(), r.revision.clone()), r);
        }
        for r in records.values() {
            crate::check::insert_record(tx, r)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_at_the_schema_and_a_newer_one_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path()).expect("open");
        let v: i64 = db
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, SCHEMA);
        db.conn()
            .pragma_update(None, "user_version", SCHEMA + 1)
            .expect("bump");
        drop(db);
        let e = Db::open(dir.path()).err().expect("refused");
        assert!(e.to_string().contains("newer than this putt reads"), "{e}");
    }

    #[test]
    fn garbage_is_named_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let junk = vec![0x5a_u8; 8192];
        std::fs::write(&path, &junk).expect("junk");
        let e = Db::open(dir.path()).err().expect("refused");
        assert!(e.to_string().contains(FILE_NAME), "{e}");
        assert_eq!(std::fs::read(&path).expect("read"), junk, "left as it was");
    }

    #[test]
    fn check_results_an_older_putt_kept_are_imported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let checks = dir.path().join("checks");
        std::fs::create_dir_all(&checks).expect("mkdir");
        let record = |status: &str, summary: &str| {
            format!(
                r#"{{"check":"build","series":"s1","version":2,"revision":"r@x","subject":"S","status":"{status}","summary":"{summary}","run":"1","started":10,"patches":["p1@x"]}}"#
            )
        };
        std::fs::write(
            checks.join("records.json"),
            format!(
                r#"{{"format":1,"records":[{}]}}"#,
                record("pending", "running")
            ),
        )
        .expect("snapshot");
        std::fs::write(
            checks.join("journal.jsonl"),
            format!("{}\n", record("success", "ok")),
        )
        .expect("journal");
        let store = crate::check::CheckStore::open(dir.path()).expect("open");
        let r = store.get("build", "r@x").expect("imported");
        assert_eq!(r.status, crate::triage::CheckStatus::Success);
        assert_eq!(r.summary, "ok");
        assert_eq!(r.patches, vec!["p1@x".to_string()]);
    }
}
