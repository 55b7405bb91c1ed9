//! What every use case starts from: the effective config, where the index
//! is, and the clock; the stores it opens from there.

use std::path::{Path, PathBuf};

use putt_store::archive::Inbox;
use putt_store::config::{Config, Dirs};
use putt_store::events::EventLog;
use putt_store::index::Index;
use putt_store::state::StateStore;

use crate::clock::Clock;
use crate::error::{Error, Result};

/// A config, an index and a clock.
pub struct Session {
    pub config: Config,
    pub index_dir: PathBuf,
    pub clock: Clock,
}

impl Session {
    /// The config at `config_path` (the default place when `None`), with
    /// `inbox_paths` instead of its inboxes when any are given, the index
    /// at `index_dir` (default: the config's, else the data dir's), and
    /// the clock of the environment ([`Clock::from_env`]).
    pub fn load(
        config_path: Option<&Path>,
        inbox_paths: &[PathBuf],
        index_dir: Option<PathBuf>,
    ) -> Result<Session> {
        let mut config = Config::load(config_path)?;
        config.with_inbox_paths(inbox_paths)?;
        let index_dir = index_dir.unwrap_or_else(|| config.index_dir());
        Ok(Session {
            config,
            index_dir,
            clock: Clock::from_env(),
        })
    }

    pub fn new(config: Config, index_dir: PathBuf, clock: Clock) -> Session {
        Session {
            config,
            index_dir,
            clock,
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The configured inboxes, found on disk.
    pub fn inboxes(&self) -> Result<Vec<Inbox>> {
        if self.config.inboxes.is_empty() {
            return Err(Error::NoInbox);
        }
        inboxes(&self.config)
    }

    /// The index, for reading, its series grouped with the user's
    /// corrections.
    pub fn index(&self) -> Result<Index> {
        with_corrections(Index::open(&self.index_dir)?, &self.data_dir())
    }

    /// The event log, with the configured hook.
    pub fn events(&self) -> EventLog {
        EventLog::from_config(&self.config)
    }

    /// The triage state store, logging its changes as events.
    pub fn state(&self) -> Result<StateStore> {
        Ok(StateStore::open(&StateStore::default_dir())?.with_events(self.events()))
    }

    /// Where putt keeps what it keeps (drafts, state, checks, clones).
    pub fn data_dir(&self) -> PathBuf {
        Dirs::data_dir()
    }
}

/// `index` with the corrections kept in the data dir `data_dir` (`putt
/// link`, `putt unlink`): every way of opening an index goes through
/// here, so that every grouping applies them.
pub fn with_corrections(index: Index, data_dir: &Path) -> Result<Index> {
    let corrections = putt_store::corrections::CorrectionStore::load(data_dir)?;
    Ok(index.with_corrections(corrections))
}

/// Opens (creating) the index at `dir`, with the corrections of the data
/// dir `data_dir`.
pub fn open_index(dir: &Path, data_dir: &Path) -> Result<Index> {
    with_corrections(Index::open_or_create(dir)?, data_dir)
}

/// The inboxes of `config`, found on disk.
pub fn inboxes(config: &Config) -> Result<Vec<Inbox>> {
    config
        .inboxes
        .iter()
        .map(|i| Inbox::open(&i.name, &i.path).map_err(Error::from))
        .collect()
}
