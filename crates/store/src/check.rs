//! Checks (CI): configured commands (`[[check]]`) run once per new series
//! revision, their results kept per revision in the data dir.
//!
//! A check runs `sh -c COMMAND` in a scratch directory, in a process group
//! of its own, with the revision's patches in an mbox (`$PUTT_MBOX`) and
//! its facts in `PUTT_*` variables. Exit 0 is `success`, the check's
//! `warning_exit` is `warning`, anything else is `fail`; past its time
//! limit the whole group is killed and the result is `fail` ("timed out").
//! A newer revision of the series arriving while a check runs cancels it
//! (`cancelled`) and checks the new one instead.
//!
//! Results are rows of the database ([`crate::db`]), the full output in
//! `checks/output/` of the data dir. A run is recorded as `pending` before
//! the command starts, while a lock file held by the running putt says it
//! is alive; a `pending` result whose lock is free
//! belongs to a putt that died, and reads as `interrupted` (the next `putt
//! check` records it so and kills what is left of the command). A revision
//! with a result is not checked again unless asked (`--rerun`).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};
use serde::{Deserialize, Serialize};

use crate::archive::Inbox;
use crate::config::{CheckConfig, Config};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::events::{EventKind, EventLog};
use crate::index::Index;
use crate::process::{self, Ended};
use crate::series::gather::{series_by_key, series_for_query};
use crate::series::{Revision, Series};

/// A check's time limit when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// Checks run at once when `[workflow] jobs` is not set.
pub const DEFAULT_JOBS: usize = 2;
/// How often a run looks at the index for newer revisions.
const TICK: Duration = Duration::from_millis(250);

pub use crate::triage::CheckStatus;

/// One check's result for one revision (the latest run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub check: String,
    pub series: String,
    pub version: u32,
    /// The revision's root Message-ID (cover letter or first patch).
    pub revision: String,
    pub subject: String,
    pub status: CheckStatus,
    /// One line: the command's last line of output, or why it stopped.
    pub summary: String,
    /// This run's id.
    pub run: String,
    /// Unix seconds.
    pub started: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The full output (stdout and stderr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    /// The command's process group while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pgid: Option<u32>,
    /// The patches checked, by Message-ID.
    #[serde(default)]
    pub patches: Vec<String>,
}

/// Writes one record, replacing the check's last result for the revision.
pub(crate) fn insert_record(conn: &rusqlite::Connection, r: &CheckRecord) -> rusqlite::Result<()> {
    let patches = serde_json::to_string(&r.patches).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "INSERT OR REPLACE INTO check_result (check_name, revision, series, version, subject,
             status, summary, run, started, finished, seconds, exit_code, output, pgid, patches)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        rusqlite::params![
            r.check,
            r.revision,
            r.series,
            r.version,
            r.subject,
            r.status.name(),
            r.summary,
            r.run,
            r.started,
            r.finished,
            r.seconds,
            r.exit_code,
            r.output.as_ref().map(|p| p.to_string_lossy().into_owned()),
            r.pgid,
            patches,
        ],
    )
    .map(|_| ())
}

/// Stored check results, as the database holds them when last read.
pub struct CheckStore {
    db: Db,
    /// `checks/` in the data dir: output, scratch dirs, run locks.
    dir: PathBuf,
    /// (check, revision root) -> the latest result.
    records: BTreeMap<(String, String), CheckRecord>,
    /// Revision root -> checks with a result for it.
    by_revision: HashMap<String, Vec<String>>,
    /// [`Db::data_version`] of what is in memory.
    seen: i64,
}

impl CheckStore {
    /// The data dir, whose database holds the results.
    pub fn default_dir() -> PathBuf {
        crate::config::Dirs::data_dir()
    }

    /// Opens (creating) the store of the data dir `data_dir`.
    pub fn open(data_dir: &Path) -> Result<CheckStore> {
        let db = Db::open(data_dir)?;
        let mut s = CheckStore {
            db,
            dir: data_dir.join("checks"),
            records: BTreeMap::new(),
            by_revision: HashMap::new(),
            seen: -1,
        };
        s.reload()?;
        Ok(s)
    }

    /// Opens the store if there is a database (reading never creates it).
    pub fn open_existing(data_dir: &Path) -> Result<Option<CheckStore>> {
        if Db::exists(data_dir) {
            CheckStore::open(data_dir).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Re-reads what other processes wrote, when they wrote anything.
    pub fn reload(&mut self) -> Result<()> {
        let version = self.db.data_version()?;
        if version == self.seen {
            return Ok(());
        }
        let db = &self.db;
        let conn = db.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT check_name, revision, series, version, subject, status, summary, run,
                        started, finished, seconds, exit_code, output, pgid, patches
                 FROM check_result",
            )
            .map_err(|e| db.error(e))?;
        let rows = stmt
            .query_map([], |row| {
                let status: String = row.get(5)?;
                let patches: String = row.get(14)?;
                Ok(CheckRecord {
                    check: row.get(0)?,
                    revision: row.get(1)?,
                    series: row.get(2)?,
                    version: row.get(3)?,
                    subject: row.get(4)?,
                    // A status this putt does not know (a newer putt's)
                    // reads as interrupted: nothing is known of it here.
                    status: CheckStatus::parse(&status).unwrap_or(CheckStatus::Interrupted),
                    summary: row.get(6)?,
                    run: row.get(7)?,
                    started: row.get(8)?,
                    finished: row.get(9)?,
                    seconds: row.get(10)?,
                    exit_code: row.get(11)?,
                    output: row.get::<_, Option<String>>(12)?.map(PathBuf::from),
                    pgid: row.get(13)?,
                    patches: serde_json::from_str(&patches).unwrap_or_default(),
                })
            })
            .map_err(|e| db.error(e))?;
        let mut records = BTreeMap::new();
        for r in rows {
            let r = r.map_err(|e| db.error(e))?;
            records.insert((r.check.clone(), r.revision.clone()), r);
        }
        self.by_revision.clear();
        for (check, revision) in records.keys() {
            self.by_revision
                .entry(revision.clone())
                .or_default()
                .push(check.clone());
        }
        self.records = records;
        self.seen = version;
        Ok(())
    }

    /// Whether any check ever ran here.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// `checks/` in the data dir: outputs, scratch dirs and run locks.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn put(&mut self, r: CheckRecord) -> Result<()> {
        insert_record(&self.db.conn(), &r).map_err(|e| self.db.error(e))?;
        self.seen = self.db.data_version()?;
        let checks = self.by_revision.entry(r.revision.clone()).or_default();
        if !checks.contains(&r.check) {
            checks.push(r.check.clone());
        }
        self.records
            .insert((r.check.clone(), r.revision.clone()), r);
        Ok(())
    }

    /// The stored record, as stored.
    pub fn get(&self, check: &str, revision: &str) -> Option<&CheckRecord> {
        self.records.get(&(check.to_string(), revision.to_string()))
    }

    /// Every record, with `pending` ones whose putt died shown as
    /// `interrupted`.
    pub fn records(&self) -> Vec<CheckRecord> {
        self.records.values().map(|r| self.live(r)).collect()
    }

    /// The results for one revision (by root Message-ID), as
    /// [`CheckStore::records`] shows them, in check name order.
    pub fn for_revision(&self, revision: &str) -> Vec<CheckRecord> {
        let mut v: Vec<CheckRecord> = self
            .by_revision
            .get(revision)
            .into_iter()
            .flatten()
            .filter_map(|c| self.get(c, revision))
            .map(|r| self.live(r))
            .collect();
        v.sort_by(|a, b| a.check.cmp(&b.check));
        v
    }

    /// The status to show for a revision: the worst of its checks.
    pub fn status_of(&self, revision: &str) -> Option<CheckStatus> {
        CheckStatus::worst(self.for_revision(revision).into_iter().map(|r| r.status))
    }

    fn live(&self, r: &CheckRecord) -> CheckRecord {
        let mut r = r.clone();
        if r.status == CheckStatus::Pending && !self.is_running(&r.check, &r.revision) {
            r.status = CheckStatus::Interrupted;
            r.summary = "putt stopped while the check ran".into();
        }
        r
    }

    fn lock_path(&self, check: &str, revision: &str) -> PathBuf {
        self.dir().join("running").join(format!(
            "{check}-{:016x}.lock",
            crate::index::schema::hash(revision)
        ))
    }

    /// Whether a putt process holds the run lock of this check and revision.
    pub fn is_running(&self, check: &str, revision: &str) -> bool {
        crate::files::Lock::is_held(&self.lock_path(check, revision))
    }

    /// Takes the run lock of a check and revision; `None` when another
    /// process holds it.
    fn take_lock(&self, check: &str, revision: &str) -> Result<Option<crate::files::Lock>> {
        crate::files::Lock::try_take(&self.lock_path(check, revision))
    }

    /// Records every `pending` result whose putt died as `interrupted` and
    /// stops what is left of its command (a process group that still has
    /// this run's id in its environment). Returns the records changed.
    pub fn recover(&mut self) -> Result<Vec<CheckRecord>> {
        self.reload()?;
        let stale: Vec<CheckRecord> = self
            .records
            .values()
            .filter(|r| r.status == CheckStatus::Pending)
            .cloned()
            .collect();
        let mut out = Vec::new();
        for mut r in stale {
            // Hold the lock while deciding, so a run finishing right now is
            // not mistaken for a dead one.
            let Some(_lock) = self.take_lock(&r.check, &r.revision)? else {
                continue;
            };
            self.reload()?;
            if self.get(&r.check, &r.revision).map(|x| x.status) != Some(CheckStatus::Pending) {
                continue;
            }
            if let Some(pgid) = r.pgid
                && orphan_of_run(pgid, &r.run)
            {
                process::signal_group(pgid, true);
            }
            r.status = CheckStatus::Interrupted;
            r.summary = "putt stopped while the check ran".into();
            r.finished = Some(unix_now());
            r.pgid = None;
            self.put(r.clone())?;
            out.push(r);
        }
        Ok(out)
    }
}

/// Whether process group `pgid` still runs the command of check run `run`
/// (its leader's environment says so; Linux only).
fn orphan_of_run(pgid: u32, run: &str) -> bool {
    let Ok(env) = std::fs::read(format!("/proc/{pgid}/environ")) else {
        return false;
    };
    let want = format!("PUTT_CHECK_RUN={run}");
    env.split(|&b| b == 0).any(|v| v == want.as_bytes())
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

// ---------------------------------------------------------------------------
// Planning: which revisions to check

/// Which revisions already checked run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rerun {
    /// None: a revision with a result is done.
    #[default]
    No,
    /// Every revision in scope.
    All,
    /// Those whose result has this status.
    Status(CheckStatus),
}

/// One check to run on one revision.
#[derive(Debug, Clone)]
pub struct Job {
    pub check: Arc<CheckConfig>,
    pub series: String,
    pub version: u32,
    pub revision: String,
    pub subject: String,
    pub author: String,
    pub base_commit: Option<String>,
    /// The patches in slot order: (Message-ID, blob).
    pub patches: Vec<(String, String)>,
}

impl Job {
    /// One job per check and revision.
    fn key(&self) -> String {
        format!("{} {}", self.check.name, self.revision)
    }
}

/// Why a revision in scope is not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Done(CheckStatus),
    Incomplete,
    NoPatches,
    Running,
}

/// Settings of a run of checks.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Checks at once.
    pub jobs: usize,
    pub rerun: Rerun,
    /// With `Some`, index every interval and keep going (`--watch`).
    pub watch: Option<Duration>,
    /// Narrows every check's scope (a query; empty: no narrowing).
    pub query: String,
    /// Only this series (id or Message-ID).
    pub series: Option<String>,
    /// Only these checks (empty: all).
    pub only: Vec<String>,
    /// Matching messages considered per check (newest first).
    pub max_hits: usize,
    /// "Now" for relative dates in queries.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            jobs: DEFAULT_JOBS,
            rerun: Rerun::No,
            watch: None,
            query: String::new(),
            series: None,
            only: Vec::new(),
            max_hits: 200_000,
            now: chrono::Utc::now(),
        }
    }
}

/// What a run tells its caller as it goes.
#[derive(Debug, Clone)]
pub enum Notice {
    Started(CheckRecord),
    Finished(CheckRecord),
    /// A `pending` result of a putt that died, now `interrupted`.
    Recovered(CheckRecord),
    /// New mail was indexed (`--watch`).
    Indexed(crate::index::build::IndexReport),
    /// Something went wrong that does not stop the run (a hook failed, the
    /// index was busy).
    Warning(String),
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    pub started: usize,
    pub success: usize,
    pub warning: usize,
    pub fail: usize,
    pub interrupted: usize,
    pub cancelled: usize,
    pub seconds: f64,
}

/// The checks in scope of a run, by config order.
fn selected_checks(config: &Config, opts: &RunOptions) -> Result<Vec<Arc<CheckConfig>>> {
    for name in &opts.only {
        if !config.checks.iter().any(|c| &c.name == name) {
            return Err(Error::NoSuchCheck {
                name: name.clone(),
                known: config.checks.iter().map(|c| c.name.clone()).collect(),
            });
        }
    }
    Ok(config
        .checks
        .iter()
        .filter(|c| opts.only.is_empty() || opts.only.contains(&c.name))
        .cloned()
        .map(Arc::new)
        .collect())
}

/// The query a check runs on: its own, its filter's and the run's, ANDed.
fn scope_query(config: &Config, check: &CheckConfig, extra: &str) -> String {
    let parts = [
        check.query.clone(),
        check
            .filter
            .as_ref()
            .and_then(|f| config.filters.get(f).cloned()),
        Some(extra.to_string()),
    ];
    parts
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("({p})"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `check` would run on the newest revision of `series`, and the
/// job if so.
pub fn job_for(
    check: &Arc<CheckConfig>,
    series: &Series,
    store: &CheckStore,
    rerun: Rerun,
) -> std::result::Result<Job, Skip> {
    let rev = series.latest();
    if !check.inboxes.is_empty()
        && !rev
            .patches
            .iter()
            .any(|p| check.inboxes.contains(&p.mail.inbox))
    {
        return Err(Skip::NoPatches);
    }
    if rev.pull.is_some() || rev.patches.iter().all(|p| p.inherited) {
        return Err(Skip::NoPatches);
    }
    if !rev.complete() && !check.incomplete {
        return Err(Skip::Incomplete);
    }
    if let Some(r) = store.get(&check.name, rev.root_message_id()) {
        if store.is_running(&check.name, rev.root_message_id()) {
            return Err(Skip::Running);
        }
        let status = store.live(r).status;
        let again = match rerun {
            Rerun::No => false,
            Rerun::All => true,
            Rerun::Status(s) => s == status,
        };
        if !again {
            return Err(Skip::Done(status));
        }
    }
    Ok(job(check, series, rev))
}

fn job(check: &Arc<CheckConfig>, series: &Series, rev: &Revision) -> Job {
    Job {
        check: check.clone(),
        series: series.id.clone(),
        version: rev.version,
        revision: rev.root_message_id().to_string(),
        subject: rev.subject.clone(),
        author: rev.author.clone(),
        base_commit: rev.base_commit.clone(),
        patches: rev
            .patches
            .iter()
            .map(|p| (p.mail.message_id.clone(), p.mail.blob.clone()))
            .collect(),
    }
}

/// Every job a run would start now, newest series first, checks in config
/// order.
pub fn plan(
    config: &Config,
    index: &Index,
    store: &CheckStore,
    opts: &RunOptions,
) -> Result<Vec<Job>> {
    let checks = selected_checks(config, opts)?;
    let mut jobs = Vec::new();
    let mut seen = HashSet::new();
    for check in &checks {
        let series = match &opts.series {
            Some(key) => vec![series_by_key(index, key)?],
            None => {
                let q = scope_query(config, check, &opts.query);
                series_for_query(index, &q, opts.now, opts.max_hits)?
            }
        };
        for s in &series {
            if let Ok(j) = job_for(check, s, store, opts.rerun)
                && seen.insert(j.key())
            {
                jobs.push(j);
            }
        }
    }
    Ok(jobs)
}

// ---------------------------------------------------------------------------
// Running

/// Writes the patches of `job` as an mboxrd (`git am
/// --patch-format=mboxrd` reads it), raw from the archives, in slot order.
pub fn write_mbox(index: &Index, patches: &[(String, String)], path: &Path) -> Result<()> {
    let mut out = Vec::new();
    for (mid, blob) in patches {
        let copies = index.by_message_id(mid)?;
        let m = copies
            .iter()
            .find(|c| &c.blob == blob)
            .or(copies.first())
            .ok_or_else(|| Error::NoSuchMessage(mid.clone()))?;
        let raw = index.raw_message(m)?;
        crate::mbox::push_mboxrd(&mut out, crate::mbox::MBOXRD_FROM_LINE, &raw);
    }
    crate::files::write(path, &out)
}

/// What a worker thread reports when its command is over.
struct Done {
    key: String,
    ended: std::io::Result<Ended>,
    seconds: f64,
}

/// A job being run.
struct Running {
    job: Job,
    record: CheckRecord,
    cancel: Arc<AtomicBool>,
    /// Why it was cancelled: becomes its status and summary.
    reason: Option<(CheckStatus, String)>,
    workdir: PathBuf,
    timeout: Duration,
    _lock: crate::files::Lock,
}

/// Runs checks: plans, starts up to `jobs` at once, records results, emits
/// events, cancels checks of revisions that a newer one superseded, and
/// with `watch` indexes new mail and goes on until `stop` is set.
pub struct Runner<'a> {
    pub config: &'a Config,
    pub index: &'a Index,
    pub inboxes: &'a [Inbox],
    pub store: CheckStore,
    pub events: &'a EventLog,
    pub opts: RunOptions,
    /// Set (by a signal handler) to stop: running checks end `interrupted`.
    pub stop: Arc<AtomicBool>,
}

impl Runner<'_> {
    pub fn run(&mut self, notify: &mut dyn FnMut(Notice)) -> Result<RunSummary> {
        let started = Instant::now();
        let mut summary = RunSummary::default();
        for r in self.store.recover()? {
            self.emit(finished_event(&r), notify);
            notify(Notice::Recovered(r));
        }
        let checks = selected_checks(self.config, &self.opts)?;
        if checks.is_empty() {
            return Ok(summary);
        }
        let (done_tx, done_rx): (Sender<Done>, Receiver<Done>) = unbounded();
        let mut queue: VecDeque<Job> =
            plan(self.config, self.index, &self.store, &self.opts)?.into();
        let mut running: HashMap<String, Running> = HashMap::new();
        let mut cursors = self.index.cursors()?;
        let mut next_index = Instant::now() + self.opts.watch.unwrap_or_default();
        let mut stopping = false;
        loop {
            if self.stop.load(Ordering::Relaxed) && !stopping {
                stopping = true;
                queue.clear();
                for r in running.values_mut() {
                    // A check already cancelled for a newer revision stays
                    // cancelled: that is what happened to it.
                    r.reason
                        .get_or_insert((CheckStatus::Interrupted, "putt check was stopped".into()));
                    r.cancel.store(true, Ordering::Relaxed);
                }
            }
            while !stopping && running.len() < self.opts.jobs.max(1) {
                let Some(job) = queue.pop_front() else { break };
                if let Some(r) = self.start(job, &done_tx, notify)? {
                    summary.started += 1;
                    running.insert(r.job.key(), r);
                }
            }
            if running.is_empty() && (stopping || (queue.is_empty() && self.opts.watch.is_none())) {
                break;
            }
            match done_rx.recv_timeout(TICK) {
                Ok(done) => {
                    if let Some(r) = running.remove(&done.key) {
                        let rec = self.finish(r, done)?;
                        match rec.status {
                            CheckStatus::Success => summary.success += 1,
                            CheckStatus::Warning => summary.warning += 1,
                            CheckStatus::Fail => summary.fail += 1,
                            CheckStatus::Interrupted => summary.interrupted += 1,
                            CheckStatus::Cancelled => summary.cancelled += 1,
                            CheckStatus::Pending => {}
                        }
                        self.emit(finished_event(&rec), notify);
                        notify(Notice::Finished(rec));
                    }
                    continue;
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            }
            if stopping {
                continue;
            }
            // New mail: index it (`--watch`), or notice another process did.
            let mut rescan = false;
            if let Some(every) = self.opts.watch
                && Instant::now() >= next_index
            {
                next_index = Instant::now() + every;
                match crate::events::update_index(
                    self.index,
                    self.inboxes,
                    &crate::index::build::IndexOptions::default(),
                    &mut |_| {},
                    self.events,
                ) {
                    Ok((report, warnings)) => {
                        for w in warnings {
                            notify(Notice::Warning(w));
                        }
                        if report.added > 0 || report.removed > 0 {
                            rescan = true;
                        }
                        notify(Notice::Indexed(report));
                    }
                    Err(Error::IndexLocked { .. }) => {}
                    Err(e) => notify(Notice::Warning(format!("indexing: {e}"))),
                }
            }
            let now_cursors = self.index.cursors()?;
            if now_cursors != cursors {
                cursors = now_cursors;
                self.index.reload()?;
                self.supersede(&mut queue, &mut running)?;
                rescan |= self.opts.watch.is_some();
            }
            if rescan {
                let keys: HashSet<String> = queue
                    .iter()
                    .map(Job::key)
                    .chain(running.keys().cloned())
                    .collect();
                for j in plan(self.config, self.index, &self.store, &self.opts)? {
                    if !keys.contains(&j.key()) {
                        queue.push_back(j);
                    }
                }
            }
        }
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }

    /// Cancels running checks (and drops queued ones) of revisions a newer
    /// one replaced, and queues that one.
    fn supersede(
        &mut self,
        queue: &mut VecDeque<Job>,
        running: &mut HashMap<String, Running>,
    ) -> Result<()> {
        let mut newer: Vec<Job> = Vec::new();
        let latest_of = |revision: &str| -> Result<Option<Series>> {
            match series_by_key(self.index, revision) {
                Ok(s) if s.latest().root_message_id() != revision => Ok(Some(s)),
                Ok(_) => Ok(None),
                Err(Error::NoSuchSeries(_)) => Ok(None),
                Err(e) => Err(e),
            }
        };
        for r in running.values_mut() {
            if r.reason.is_some() {
                continue;
            }
            if let Some(s) = latest_of(&r.job.revision)? {
                r.reason = Some((
                    CheckStatus::Cancelled,
                    format!("superseded by {}", s.latest().label()),
                ));
                r.cancel.store(true, Ordering::Relaxed);
                if let Ok(j) = job_for(&r.job.check, &s, &self.store, Rerun::No) {
                    newer.push(j);
                }
            }
        }
        let mut kept = VecDeque::new();
        for j in queue.drain(..) {
            match latest_of(&j.revision)? {
                Some(s) => {
                    if let Ok(n) = job_for(&j.check, &s, &self.store, Rerun::No) {
                        newer.push(n);
                    }
                }
                None => kept.push_back(j),
            }
        }
        *queue = kept;
        let mut keys: HashSet<String> = queue
            .iter()
            .map(Job::key)
            .chain(running.keys().cloned())
            .collect();
        for j in newer {
            if keys.insert(j.key()) {
                queue.push_front(j);
            }
        }
        Ok(())
    }

    fn emit(&self, kind: EventKind, notify: &mut dyn FnMut(Notice)) {
        match self.events.emit(vec![kind]) {
            Ok(warnings) => warnings
                .into_iter()
                .for_each(|w| notify(Notice::Warning(w))),
            Err(e) => notify(Notice::Warning(format!("event log: {e}"))),
        }
    }

    /// Takes the run lock, journals `pending`, writes the mbox and starts
    /// the command on a worker thread.
    fn start(
        &mut self,
        job: Job,
        done: &Sender<Done>,
        notify: &mut dyn FnMut(Notice),
    ) -> Result<Option<Running>> {
        let Some(lock) = self.store.take_lock(&job.check.name, &job.revision)? else {
            return Ok(None);
        };
        let run = run_id();
        let dir = self.store.dir().to_path_buf();
        let workdir = dir.join("work").join(&run);
        let output = dir
            .join("output")
            .join(&job.check.name)
            .join(format!("{}-v{}-{run}.log", job.series, job.version));
        for d in [&workdir, output.parent().unwrap_or(&dir)] {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
        }
        let mut record = CheckRecord {
            check: job.check.name.clone(),
            series: job.series.clone(),
            version: job.version,
            revision: job.revision.clone(),
            subject: job.subject.clone(),
            status: CheckStatus::Pending,
            summary: "running".into(),
            run: run.clone(),
            started: unix_now(),
            finished: None,
            seconds: None,
            exit_code: None,
            output: Some(output.clone()),
            pgid: None,
            patches: job.patches.iter().map(|(m, _)| m.clone()).collect(),
        };
        let timeout = job
            .check
            .timeout
            .as_deref()
            .and_then(crate::rules::parse_duration)
            .map_or(DEFAULT_TIMEOUT, |s| Duration::from_secs(s.max(1) as u64));
        let mbox = workdir.join("series.mbox");
        let log = File::create(&output).map_err(|e| Error::io(&output, e))?;
        let prepared = write_mbox(self.index, &job.patches, &mbox).and_then(|()| {
            let mut cmd = std::process::Command::new("sh");
            cmd.arg("-c")
                .arg(&job.check.command)
                .current_dir(&workdir)
                .stdin(std::process::Stdio::null())
                .stdout(log.try_clone().map_err(|e| Error::io(&output, e))?)
                .stderr(log.try_clone().map_err(|e| Error::io(&output, e))?)
                .env("PUTT_MBOX", &mbox)
                .env("PUTT_WORKDIR", &workdir)
                .env("PUTT_OUTPUT", &output)
                .env("PUTT_CHECK", &job.check.name)
                .env("PUTT_CHECK_RUN", &run)
                .env("PUTT_SERIES", &job.series)
                .env("PUTT_VERSION", job.version.to_string())
                .env("PUTT_REVISION", &job.revision)
                .env("PUTT_SUBJECT", &job.subject)
                .env("PUTT_AUTHOR", &job.author)
                .env("PUTT_PATCHES", job.patches.len().to_string())
                .env("PUTT_BASE_COMMIT", job.base_commit.as_deref().unwrap_or(""));
            if let Some(repo) = job
                .check
                .repo
                .as_ref()
                .and_then(|r| self.config.repos.get(r))
            {
                cmd.env("PUTT_REPO", repo);
            }
            process::spawn(&mut cmd).map_err(|e| Error::Command {
                what: format!("check {}", job.check.name),
                message: format!("could not start sh: {e}"),
            })
        });
        let child = match prepared {
            Ok(c) => c,
            Err(e) => {
                // Nothing ran: record why, as a failure of the check.
                record.status = CheckStatus::Fail;
                record.summary = crate::text::sanitize_line(&e.to_string());
                record.finished = Some(unix_now());
                let _ = writeln!(&log, "putt: {e}");
                self.store.put(record.clone())?;
                let _ = std::fs::remove_dir_all(&workdir);
                self.emit(finished_event(&record), notify);
                notify(Notice::Finished(record));
                return Ok(None);
            }
        };
        record.pgid = Some(child.id());
        self.store.put(record.clone())?;
        self.emit(
            EventKind::CheckStarted {
                check: record.check.clone(),
                series: record.series.clone(),
                version: record.version,
                revision: record.revision.clone(),
                run: record.run.clone(),
            },
            notify,
        );
        notify(Notice::Started(record.clone()));
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let tx = done.clone();
        let key = job.key();
        std::thread::spawn(move || {
            let mut child = child;
            let t = Instant::now();
            let ended = process::wait(&mut child, Some(timeout), &|| flag.load(Ordering::Relaxed));
            let _ = tx.send(Done {
                key,
                ended,
                seconds: t.elapsed().as_secs_f64(),
            });
        });
        Ok(Some(Running {
            job,
            record,
            cancel,
            reason: None,
            workdir,
            timeout,
            _lock: lock,
        }))
    }

    /// Records how a run ended; the run lock goes with `r`.
    fn finish(&mut self, r: Running, done: Done) -> Result<CheckRecord> {
        let mut rec = r.record;
        rec.finished = Some(unix_now());
        rec.seconds = Some((done.seconds * 1000.0).round() / 1000.0);
        rec.pgid = None;
        let last = rec.output.as_deref().map(last_line).unwrap_or_default();
        let warning_exit = r.job.check.warning_exit;
        let (status, summary) = match done.ended {
            Ok(Ended::Exited(0)) => (
                CheckStatus::Success,
                if last.is_empty() { "ok".into() } else { last },
            ),
            Ok(Ended::Exited(code)) => {
                rec.exit_code = Some(code);
                let status = if Some(code) == warning_exit {
                    CheckStatus::Warning
                } else {
                    CheckStatus::Fail
                };
                (status, join_summary(&format!("exit {code}"), &last))
            }
            Ok(Ended::Signaled(sig)) => (
                CheckStatus::Fail,
                join_summary(&format!("killed by signal {sig}"), &last),
            ),
            Ok(Ended::TimedOut) => (
                CheckStatus::Fail,
                format!("timed out after {}", human(r.timeout)),
            ),
            Ok(Ended::Cancelled) => r
                .reason
                .clone()
                .unwrap_or((CheckStatus::Interrupted, "stopped".into())),
            Err(e) => (
                CheckStatus::Interrupted,
                format!("waiting for the command: {e}"),
            ),
        };
        // A cancel that lost the race with the command's own exit keeps
        // the command's verdict.
        rec.status = status;
        rec.summary = summary;
        if let Some(path) = &rec.output
            && matches!(
                rec.status,
                CheckStatus::Cancelled | CheckStatus::Interrupted
            )
            && let Ok(mut f) = OpenOptions::new().append(true).open(path)
        {
            let _ = writeln!(f, "putt: {}", rec.summary);
        }
        self.store.put(rec.clone())?;
        let _ = std::fs::remove_dir_all(&r.workdir);
        Ok(rec)
    }
}

fn finished_event(r: &CheckRecord) -> EventKind {
    EventKind::CheckFinished {
        check: r.check.clone(),
        series: r.series.clone(),
        version: r.version,
        revision: r.revision.clone(),
        run: r.run.clone(),
        status: r.status,
        summary: r.summary.clone(),
        seconds: r.seconds,
        output: r.output.clone(),
    }
}

fn join_summary(head: &str, last: &str) -> String {
    if last.is_empty() {
        head.to_string()
    } else {
        format!("{head}: {last}")
    }
}

/// `90s`, `10m`, `1h30m`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

/// The last non-empty line of a file (its last 4 KB), made safe for a
/// terminal and cut to 200 characters.
fn last_line(path: &Path) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(4096)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let line = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let clean = crate::text::sanitize_line(line);
    if clean.chars().count() > 200 {
        let cut: String = clean.chars().take(199).collect();
        format!("{cut}…")
    } else {
        clean
    }
}

/// A run id: time, process and a counter, unique on this machine.
fn run_id() -> String {
    use std::sync::atomic::AtomicU32;
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:x}-{:x}-{n}",
        chrono::Utc::now().timestamp_millis(),
        std::process::id()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_and_sum_up() {
        assert_eq!(CheckStatus::parse("FAILED"), Ok(CheckStatus::Fail));
        assert!(
            CheckStatus::parse("nope")
                .expect_err("unknown")
                .contains("success")
        );
        assert_eq!(
            CheckStatus::worst([CheckStatus::Success, CheckStatus::Pending]),
            Some(CheckStatus::Pending)
        );
        assert_eq!(
            CheckStatus::worst([CheckStatus::Interrupted, CheckStatus::Fail]),
            Some(CheckStatus::Fail)
        );
        assert_eq!(CheckStatus::worst([]), None);
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
        assert_eq!(human(Duration::from_secs(600)), "10m");
        assert_eq!(human(Duration::from_secs(1)), "1s");
    }
}
