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
    state_dir: PathBuf,
    checks_dir: PathBuf,
    cached: Mutex<Option<(Stamp, Arc<Workflow>)>>,
}

/// Sizes and modification times of the stores' files: a change to either
/// store changes it.
type Stamp = Vec<Option<(u64, SystemTime)>>;

fn stamp(state_dir: &Path, checks_dir: &Path) -> Stamp {
    [
        state_dir.join("state.json"),
        state_dir.join("journal.jsonl"),
        checks_dir.join("records.json"),
        checks_dir.join("journal.jsonl"),
    ]
    .iter()
    .map(|p| {
        std::fs::metadata(p)
            .ok()
            .and_then(|m| Some((m.len(), m.modified().ok()?)))
    })
    .collect()
}

impl Flow {
    /// The workflow of `config` over the stores in `state_dir` and
    /// `checks_dir`. Fails on a rule that does not parse.
    pub fn new(
        config: &Config,
        now: chrono::DateTime<chrono::Utc>,
        state_dir: &Path,
        checks_dir: &Path,
    ) -> Result<Flow> {
        Ok(Flow {
            base: Workflow::new(config, None, None, now)?,
            state_dir: state_dir.to_path_buf(),
            checks_dir: checks_dir.to_path_buf(),
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
        let now = stamp(&self.state_dir, &self.checks_dir);
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, wf)) = cached.as_ref()
            && *at == now
        {
            return wf.clone();
        }
        let state = if self.state_dir.is_dir() {
            StateStore::open(&self.state_dir).ok()
        } else {
            None
        };
        let checks = CheckStore::open_existing(&self.checks_dir).ok().flatten();
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
        let (state, checks) = (dir.path().join("state"), dir.path().join("checks"));
        let flow =
            Flow::new(&Config::default(), chrono::Utc::now(), &state, &checks).expect("flow");
        let first = flow.current();
        assert!(first.state.is_none() && first.checks.is_none());
        assert!(Arc::ptr_eq(&first, &flow.current()));
        std::fs::create_dir_all(&checks).expect("mkdir");
        std::fs::write(checks.join("journal.jsonl"), "").expect("journal");
        let second = flow.current();
        assert!(!Arc::ptr_eq(&first, &second));
        assert!(second.checks.is_some());
        assert!(Arc::ptr_eq(&second, &flow.current()));
    }
}
