//! The workflow ([`putt_ops::series::Workflow`]: rules, triage states,
//! check results) as the TUI's workers ask it. The rules are parsed once,
//! when the TUI starts (a bad rule stops it before the terminal is
//! touched); the state and check stores are read again whenever their
//! files change, since the UI thread and `putt check` write them while the
//! TUI runs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::error::Result;
use putt_ops::check::CheckStore;
use putt_ops::config::Config;
use putt_ops::series::Workflow;
use putt_ops::triage::StateStore;

/// Where the workflow's data is, and the last workflow built from it.
pub struct Flow {
    base: Workflow,
    data_dir: PathBuf,
    cached: Mutex<Option<(Stamp, Arc<Workflow>)>>,
}

/// Sizes and modification times of the database's files: a commit changes
/// its write-ahead log.
type Stamp = Vec<Option<(u64, SystemTime)>>;

fn stamp(data_dir: &Path) -> Stamp {
    let db = putt_ops::triage::DATABASE;
    [data_dir.join(db), data_dir.join(format!("{db}-wal"))]
        .iter()
        .map(|p| {
            std::fs::metadata(p)
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?)))
        })
        .collect()
}

impl Flow {
    /// The workflow of `config` over the stores of `data_dir`. Fails on a
    /// rule that does not parse.
    pub fn new(
        config: &Config,
        now: chrono::DateTime<chrono::Utc>,
        data_dir: &Path,
    ) -> Result<Flow> {
        Ok(Flow {
            base: Workflow::new(config, None, None, now)?,
            data_dir: data_dir.to_path_buf(),
            cached: Mutex::new(None),
        })
    }

    /// The rules without any store: enough to check a query's `is:` and
    /// `check:` names.
    pub fn rules_only(&self) -> Workflow {
        self.with_stores(None, None)
    }

    fn with_stores(&self, state: Option<StateStore>, checks: Option<CheckStore>) -> Workflow {
        Workflow {
            rules: self.base.rules.clone(),
            me: self.base.me.clone(),
            state,
            checks,
            check_names: self.base.check_names.clone(),
            now: self.base.now,
        }
    }

    /// The workflow as the stores are now. A store that cannot be read
    /// counts as empty (the list still shows; the UI reports the state
    /// store's own failure when it opens it).
    pub fn current(&self) -> Arc<Workflow> {
        let now = stamp(&self.data_dir);
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, wf)) = cached.as_ref()
            && *at == now
        {
            return wf.clone();
        }
        let state = if putt_ops::triage::has_database(&self.data_dir) {
            StateStore::open(&self.data_dir).ok()
        } else {
            None
        };
        let checks = CheckStore::open_existing(&self.data_dir).ok().flatten();
        let wf = Arc::new(self.with_stores(state, checks));
        *cached = Some((now, wf.clone()));
        wf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_is_read_again_only_when_a_store_changed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let flow = Flow::new(&Config::default(), chrono::Utc::now(), &data).expect("flow");
        let first = flow.current();
        assert!(first.state.is_none() && first.checks.is_none());
        assert!(Arc::ptr_eq(&first, &flow.current()));
        // Another process makes the database and writes to it.
        let mut other = StateStore::open(&data).expect("state");
        other.set_read(["m@x"], true).expect("read");
        let second = flow.current();
        assert!(!Arc::ptr_eq(&first, &second));
        assert!(second.checks.is_some() && second.state.is_some());
        assert!(Arc::ptr_eq(&second, &flow.current()));
        other.set_read(["n@x"], true).expect("read");
        assert!(!Arc::ptr_eq(&second, &flow.current()));
    }
}
