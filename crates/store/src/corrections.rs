//! The user's corrections to how series link (`putt link`, `putt unlink`),
//! kept in the database of the data dir like triage state: keyed by
//! Message-IDs, they outlive re-indexing and rebuilds, and every grouping
//! applies them ([`crate::index::Index::with_corrections`]).

use std::path::Path;

use rusqlite::params;

use crate::db::Db;
use crate::error::Result;
use crate::series::Corrections;

/// The corrections of a data dir, open for changing.
pub struct CorrectionStore {
    db: Db,
}

impl CorrectionStore {
    /// Opens (creating) the database of the data dir `dir`.
    pub fn open(dir: &Path) -> Result<CorrectionStore> {
        Ok(CorrectionStore { db: Db::open(dir)? })
    }

    /// The corrections of the data dir `dir`: none when it has no
    /// database (reading never creates one).
    pub fn load(dir: &Path) -> Result<Corrections> {
        match Db::open_existing(dir)? {
            Some(db) => CorrectionStore { db }.corrections(),
            None => Ok(Corrections::default()),
        }
    }

    /// Every correction, oldest first.
    pub fn corrections(&self) -> Result<Corrections> {
        let conn = self.db.conn();
        let err = |e| self.db.error(e);
        let mut links = Vec::new();
        let mut q = conn
            .prepare("SELECT earlier, later FROM series_link ORDER BY made, rowid")
            .map_err(err)?;
        let rows = q
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(err)?;
        for row in rows {
            links.push(row.map_err(err)?);
        }
        let mut splits = Vec::new();
        let mut q = conn
            .prepare("SELECT revision FROM series_split ORDER BY made, rowid")
            .map_err(err)?;
        let rows = q.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
        for row in rows {
            splits.push(row.map_err(err)?);
        }
        Ok(Corrections { links, splits })
    }

    /// Makes the revision starting at `later` a later revision of the
    /// series holding `earlier`; a split of `later` made before goes.
    pub fn link(&self, earlier: &str, later: &str, now: i64) -> Result<()> {
        let mut conn = self.db.conn();
        let err = |e| self.db.error(e);
        let tx = conn.transaction().map_err(err)?;
        tx.execute(
            "DELETE FROM series_split WHERE revision IN (?1, ?2)",
            params![earlier, later],
        )
        .map_err(err)?;
        tx.execute(
            "INSERT OR REPLACE INTO series_link (earlier, later, made) VALUES (?1, ?2, ?3)",
            params![earlier, later, now],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Splits the revision whose messages are `members` (its root first)
    /// off its series: the links made to or from it go too.
    pub fn split(&self, members: &[String], now: i64) -> Result<()> {
        let Some(root) = members.first() else {
            return Ok(());
        };
        let mut conn = self.db.conn();
        let err = |e| self.db.error(e);
        let tx = conn.transaction().map_err(err)?;
        for m in members {
            tx.execute(
                "DELETE FROM series_link WHERE earlier = ?1 OR later = ?1",
                params![m],
            )
            .map_err(err)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO series_split (revision, made) VALUES (?1, ?2)",
            params![root, now],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_are_kept_and_replaced() {
        let dir = tempfile::tempdir().expect("tmp");
        assert!(CorrectionStore::load(dir.path()).expect("none").is_empty());
        assert!(!Db::exists(dir.path()), "reading created nothing");
        let store = CorrectionStore::open(dir.path()).expect("open");
        store.split(&["b1@x".into()], 1).expect("split");
        store.link("a3@x", "b1@x", 2).expect("link");
        store.link("a3@x", "c1@x", 3).expect("link");
        let c = CorrectionStore::load(dir.path()).expect("load");
        assert_eq!(
            c.links,
            vec![
                ("a3@x".into(), "b1@x".into()),
                ("a3@x".into(), "c1@x".into())
            ]
        );
        assert!(c.splits.is_empty(), "linking it again undid the split");
        store
            .split(&["c1@x".into(), "c2@x".into()], 4)
            .expect("split");
        let c = CorrectionStore::load(dir.path()).expect("load");
        assert_eq!(c.links, vec![("a3@x".into(), "b1@x".into())]);
        assert_eq!(c.splits, vec!["c1@x".to_string()]);
    }
}
