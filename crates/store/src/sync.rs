//! Getting archives and keeping them current: `putt clone` and `putt sync`.
//!
//! A public-inbox server (lore) serves each epoch of an inbox as its own git
//! repository at `URL/N` and lists them in `URL/manifest.js.gz`. A clone
//! finds the epochs (the manifest, else probing `URL/0`, `URL/1`, ... until
//! one is missing) and mirrors each into `git/N.git` with gix. A sync fetches
//! every epoch a clone has, clones the epochs that appeared upstream since,
//! and reports per inbox: one inbox failing never stops the others, and a
//! failed fetch leaves its clone as it was. Indexing is the caller's next
//! step ([`crate::index::build::update`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;

use crate::archive::{self, Format, Inbox};
use crate::error::{Error, Result};

pub mod manifest;
pub mod progress;
mod remote;

pub use manifest::Manifest;
pub use progress::Meter;

/// How the epochs of an inbox were found upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Discovery {
    /// `URL/manifest.js.gz` listed them.
    Manifest,
    /// `URL/N` was asked for until one did not exist.
    Probe,
}

/// What a server has of one inbox.
#[derive(Debug, Clone)]
struct Upstream {
    format: Format,
    /// v2 epochs with their manifest fingerprints (when a manifest gave them).
    epochs: BTreeMap<u32, Option<String>>,
    discovery: Discovery,
}

fn is_http(url: &str) -> bool {
    let u = url.to_ascii_lowercase();
    u.starts_with("http://") || u.starts_with("https://")
}

/// The URL of epoch `n` of the v2 inbox at `url`, as lore serves it.
pub fn epoch_url(url: &str, n: u32) -> String {
    format!("{}/{n}", url.trim_end_matches('/'))
}

/// A bare repository in the temp dir that lends its config to probes, and
/// is removed when dropped.
struct Scratch {
    dir: PathBuf,
    repo: gix::Repository,
}

impl Scratch {
    fn new() -> Result<Scratch> {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "putt-probe-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        gix::init_bare(&dir).map_err(|e| Error::git(&dir, e))?;
        let repo =
            gix::open_opts(&dir, gix::open::Options::default()).map_err(|e| Error::git(&dir, e))?;
        Ok(Scratch { dir, repo })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Epoch numbers from `from` on that answer at `url_of(N)`, until one
/// does not.
fn probe_epochs(
    repo: &gix::Repository,
    from: u32,
    url_of: impl Fn(u32) -> String,
) -> Result<Vec<u32>> {
    let mut found = Vec::new();
    let mut n = from;
    while remote::exists(repo, &url_of(n))? {
        found.push(n);
        n += 1;
    }
    Ok(found)
}

/// What `url` serves: a v2 inbox's epochs, or a v1 repository.
fn discover(url: &str, scratch: &gix::Repository) -> Result<Upstream> {
    if is_http(url)
        && let Some(m) = Manifest::fetch(url)?
    {
        if !m.epochs.is_empty() {
            return Ok(Upstream {
                format: Format::V2,
                epochs: m.epochs,
                discovery: Discovery::Manifest,
            });
        }
        if let Some(fingerprint) = m.v1 {
            return Ok(Upstream {
                format: Format::V1,
                epochs: BTreeMap::from([(0, fingerprint)]),
                discovery: Discovery::Manifest,
            });
        }
    }
    let epochs = probe_epochs(scratch, 0, |n| epoch_url(url, n))?;
    if !epochs.is_empty() {
        return Ok(Upstream {
            format: Format::V2,
            epochs: epochs.into_iter().map(|n| (n, None)).collect(),
            discovery: Discovery::Probe,
        });
    }
    if remote::exists(scratch, url)? {
        return Ok(Upstream {
            format: Format::V1,
            epochs: BTreeMap::from([(0, None)]),
            discovery: Discovery::Probe,
        });
    }
    Err(Error::remote(
        url,
        format!(
            "no public-inbox archive here: neither {} (a v2 epoch) nor the URL itself (v1) is a git repository",
            epoch_url(url, 0)
        ),
    ))
}

/// Settings of `putt clone`.
#[derive(Debug, Clone, Default)]
pub struct CloneOptions {
    /// Only the newest this many epochs (`None`: all). A quick start on a
    /// big list: the newest epoch holds the recent mail.
    pub epochs: Option<u32>,
}

/// What a clone did.
#[derive(Debug, Clone, Serialize)]
pub struct CloneReport {
    pub url: String,
    pub path: PathBuf,
    pub format: Format,
    /// Epochs cloned.
    pub epochs: Vec<u32>,
    /// Epochs the server has.
    pub upstream_epochs: Vec<u32>,
    pub discovery: Discovery,
    /// Messages (commits) cloned.
    pub commits: u64,
    pub seconds: f64,
}

/// Clones the inbox at `url` into `dest` (absent or an empty directory):
/// `dest/git/N.git` for a v2 inbox, `dest` itself for v1. On failure
/// nothing is left behind, so the same command can simply be run again.
pub fn clone_inbox(
    url: &str,
    dest: &Path,
    opts: &CloneOptions,
    meter: &Meter,
    interrupt: &AtomicBool,
) -> Result<CloneReport> {
    let started = Instant::now();
    let url = url.trim_end_matches('/').to_string();
    let clone_err = |message: String| Error::Clone {
        url: url.clone(),
        path: dest.to_path_buf(),
        message,
    };
    if dest.exists() && !dest.is_dir() {
        return Err(clone_err("a file is in the way".into()));
    }
    let was_empty_dir = match std::fs::read_dir(dest) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(clone_err(
                    "it exists and is not empty (an interrupted clone?)".into(),
                ));
            }
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::io(dest, e)),
    };
    meter.set_stage("finding epochs");
    let scratch = Scratch::new()?;
    let upstream = discover(&url, &scratch.repo)?;
    drop(scratch);
    let wanted: Vec<u32> = match (upstream.format, opts.epochs) {
        (Format::V2, Some(n)) => {
            let skip = upstream.epochs.len().saturating_sub(n.max(1) as usize);
            upstream.epochs.keys().copied().skip(skip).collect()
        }
        _ => upstream.epochs.keys().copied().collect(),
    };
    let result = (|| -> Result<u64> {
        let mut commits = 0;
        match upstream.format {
            Format::V1 => {
                if was_empty_dir {
                    std::fs::remove_dir(dest).map_err(|e| Error::io(dest, e))?;
                }
                meter.set_stage("cloning");
                commits += remote::clone(&url, dest, meter, interrupt)?.new_commits;
            }
            Format::V2 => {
                for &n in &wanted {
                    meter.set_stage(format!("cloning epoch {n}"));
                    let git_dir = dest.join("git").join(format!("{n}.git"));
                    commits +=
                        remote::clone(&epoch_url(&url, n), &git_dir, meter, interrupt)?.new_commits;
                }
            }
        }
        Ok(commits)
    })();
    match result {
        Ok(commits) => Ok(CloneReport {
            url,
            path: dest.to_path_buf(),
            format: upstream.format,
            epochs: wanted,
            upstream_epochs: upstream.epochs.keys().copied().collect(),
            discovery: upstream.discovery,
            commits,
            seconds: started.elapsed().as_secs_f64(),
        }),
        Err(e) => {
            // Leave `dest` as it was found: absent, or an empty directory.
            let _ = std::fs::remove_dir_all(dest);
            if was_empty_dir {
                let _ = std::fs::create_dir_all(dest);
            }
            Err(e)
        }
    }
}

/// One inbox to sync: where it is and, when configured, where it comes from
/// (else each epoch's own `origin` remote).
#[derive(Debug, Clone)]
pub struct SyncTarget {
    pub name: String,
    pub path: PathBuf,
    pub url: Option<String>,
}

/// How an inbox's sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncStatus {
    /// New commits or a new epoch arrived.
    Updated,
    UpToDate,
    /// See `error`; epochs fetched before the failure are listed.
    Failed,
    /// Neither a configured URL nor an `origin` remote: a local archive.
    NoRemote,
}

/// What happened to one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EpochAction {
    Fetched,
    /// The manifest's fingerprint equals ours: nothing to fetch.
    Unchanged,
    /// A new epoch upstream, cloned.
    Cloned,
}

#[derive(Debug, Clone, Serialize)]
pub struct EpochSync {
    pub epoch: u32,
    pub url: String,
    pub action: EpochAction,
    /// The branch before and after (commit ids).
    pub before: Option<String>,
    pub after: Option<String>,
    pub new_commits: u64,
    /// Upstream rewrote history (a purge): the old tip is gone.
    pub rewritten: bool,
}

/// What a sync did to one inbox.
#[derive(Debug, Clone, Serialize)]
pub struct InboxSync {
    pub name: String,
    pub path: PathBuf,
    pub url: Option<String>,
    pub status: SyncStatus,
    pub error: Option<String>,
    pub new_commits: u64,
    pub new_epochs: Vec<u32>,
    /// Epochs whose history upstream rewrote.
    pub rewritten: Vec<u32>,
    pub discovery: Option<Discovery>,
    pub epochs: Vec<EpochSync>,
    pub seconds: f64,
}

impl InboxSync {
    fn record(&mut self, e: EpochSync) {
        self.new_commits += e.new_commits;
        if e.rewritten {
            self.rewritten.push(e.epoch);
        }
        if e.action == EpochAction::Cloned {
            self.new_epochs.push(e.epoch);
        }
        self.epochs.push(e);
    }
}

/// Fetches one inbox and clones its new epochs. Never fails as a whole:
/// the report says what went wrong.
pub fn sync_inbox(target: &SyncTarget, meter: &Meter, interrupt: &AtomicBool) -> InboxSync {
    let started = Instant::now();
    let mut report = InboxSync {
        name: target.name.clone(),
        path: target.path.clone(),
        url: target.url.clone(),
        status: SyncStatus::UpToDate,
        error: None,
        new_commits: 0,
        new_epochs: Vec::new(),
        rewritten: Vec::new(),
        discovery: None,
        epochs: Vec::new(),
        seconds: 0.0,
    };
    match sync_epochs(target, meter, interrupt, &mut report) {
        Ok(true) => {
            let changed = report.new_commits > 0
                || !report.new_epochs.is_empty()
                || !report.rewritten.is_empty();
            report.status = if changed {
                SyncStatus::Updated
            } else {
                SyncStatus::UpToDate
            };
        }
        Ok(false) => report.status = SyncStatus::NoRemote,
        Err(e) => {
            report.status = SyncStatus::Failed;
            report.error = Some(e.to_string());
        }
    }
    meter.set_stage(match report.status {
        SyncStatus::Failed => "failed",
        _ => "done",
    });
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// Where an existing clone's epochs come from, when no URL is configured:
/// the newest epoch's `origin`, with its `/N` or `/git/N.git` ending
/// dropped (so new epochs are asked for in the same form).
fn base_from_origin(origin: &str, n: u32) -> Option<(String, bool)> {
    let o = origin.trim_end_matches('/');
    if let Some(base) = o.strip_suffix(&format!("/git/{n}.git")) {
        return Some((base.to_string(), true));
    }
    o.strip_suffix(&format!("/{n}"))
        .map(|base| (base.to_string(), false))
}

/// `Ok(false)`: nothing to fetch from.
fn sync_epochs(
    target: &SyncTarget,
    meter: &Meter,
    interrupt: &AtomicBool,
    report: &mut InboxSync,
) -> Result<bool> {
    if interrupt.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    meter.set_stage("opening");
    let inbox = Inbox::open(&target.name, &target.path)?;
    let configured = target
        .url
        .as_deref()
        .map(|u| u.trim_end_matches('/').to_string());
    // (base URL, whether epochs are `base/git/N.git` rather than `base/N`).
    let newest = inbox.epochs.last().map_or(0, |e| e.number);
    let base: Option<(String, bool)> = match (&configured, inbox.format) {
        (Some(u), _) => Some((u.clone(), false)),
        (None, Format::V1) => inbox
            .epochs
            .first()
            .and_then(|e| remote::origin_url(&e.git_dir))
            .map(|u| (u, false)),
        (None, Format::V2) => inbox
            .epochs
            .last()
            .and_then(|e| remote::origin_url(&e.git_dir))
            .and_then(|o| base_from_origin(&o, newest)),
    };
    // Epoch `n` at the base URL, in the form the base came in.
    let derived = |n: u32| {
        base.as_ref().map(|(b, long)| {
            if *long {
                format!("{b}/git/{n}.git")
            } else {
                epoch_url(b, n)
            }
        })
    };
    // A configured URL is the inbox's; else each epoch fetches from its own
    // origin, as `git fetch` in it would.
    let url_of = |n: u32, git_dir: &Path| -> Option<String> {
        match (&configured, inbox.format) {
            (Some(u), Format::V1) => Some(u.clone()),
            (Some(u), Format::V2) => Some(epoch_url(u, n)),
            (None, _) => remote::origin_url(git_dir).or_else(|| derived(n)),
        }
    };
    if inbox
        .epochs
        .iter()
        .all(|e| url_of(e.number, &e.git_dir).is_none())
    {
        return Ok(false);
    }
    if report.url.is_none() {
        report.url = base.as_ref().map(|(b, _)| b.clone());
    }

    // What upstream has: the manifest, when the server offers one.
    let manifest = match (&base, inbox.format) {
        (Some((b, _)), Format::V2) if is_http(b) => {
            meter.set_stage("reading manifest");
            Manifest::fetch(b)?
        }
        _ => None,
    };
    if manifest.is_some() {
        report.discovery = Some(Discovery::Manifest);
    }

    for epoch in &inbox.epochs {
        let Some(url) = url_of(epoch.number, &epoch.git_dir) else {
            continue;
        };
        let upstream_fp = manifest
            .as_ref()
            .and_then(|m| m.epochs.get(&epoch.number).cloned().flatten());
        if let Some(fp) = upstream_fp
            && remote::fingerprint(&epoch.git_dir)?.as_deref() == Some(fp.as_str())
        {
            let tip = archive::tip(&archive::open_repo(&epoch.git_dir)?)?.map(|t| t.to_string());
            report.record(EpochSync {
                epoch: epoch.number,
                url,
                action: EpochAction::Unchanged,
                before: tip.clone(),
                after: tip,
                new_commits: 0,
                rewritten: false,
            });
            continue;
        }
        meter.set_stage(format!("fetching epoch {}", epoch.number));
        let moved = remote::fetch(&epoch.git_dir, &url, meter, interrupt)?;
        report.record(EpochSync {
            epoch: epoch.number,
            url,
            action: EpochAction::Fetched,
            before: moved.before.map(|t| t.to_string()),
            after: moved.after.map(|t| t.to_string()),
            new_commits: moved.new_commits,
            rewritten: moved.rewritten,
        });
    }

    // New epochs: after our newest one only, so an inbox cloned with
    // `--epochs 1` does not grow its old history back.
    if inbox.format == Format::V2 && base.is_some() {
        let new: Vec<u32> = match &manifest {
            Some(m) => m.epochs.keys().copied().filter(|&n| n > newest).collect(),
            None => {
                meter.set_stage(format!("looking for epoch {}", newest + 1));
                report.discovery = Some(Discovery::Probe);
                let asker = inbox.epochs.last().map_or(&inbox.path, |e| &e.git_dir);
                let repo = archive::open_repo(asker)?;
                probe_epochs(&repo, newest + 1, |n| derived(n).unwrap_or_default())?
            }
        };
        for n in new {
            let url = derived(n).unwrap_or_default();
            meter.set_stage(format!("cloning new epoch {n}"));
            let git_dir = inbox.path.join("git").join(format!("{n}.git"));
            let moved = remote::clone(&url, &git_dir, meter, interrupt)?;
            report.record(EpochSync {
                epoch: n,
                url,
                action: EpochAction::Cloned,
                before: None,
                after: moved.after.map(|t| t.to_string()),
                new_commits: moved.new_commits,
                rewritten: false,
            });
        }
    }
    Ok(true)
}

/// Settings of `putt sync`.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Inboxes fetched at the same time.
    pub jobs: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { jobs: 4 }
    }
}

/// Syncs every target, up to `opts.jobs` at once, and returns the reports
/// in the targets' order. `meters[i]` shows what target `i` is doing.
pub fn sync_all(
    targets: &[SyncTarget],
    opts: &SyncOptions,
    meters: &[Meter],
    interrupt: &AtomicBool,
) -> Vec<InboxSync> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<InboxSync>>> = Mutex::new(vec![None; targets.len()]);
    let workers = opts.jobs.clamp(1, targets.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(target) = targets.get(i) else {
                        break;
                    };
                    let fallback = Meter::new();
                    let meter = meters.get(i).unwrap_or(&fallback);
                    let report = sync_inbox(target, meter, interrupt);
                    let mut slots = results.lock().unwrap_or_else(|e| e.into_inner());
                    slots[i] = Some(report);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// Lets Ctrl-C stop a transfer cleanly (partial clones removed, refs
/// untouched); a second Ctrl-C ends the process at once. The handler is
/// gone when the value is dropped.
pub fn interrupt_handler() -> Option<impl Drop> {
    gix::interrupt::init_handler_default(1)
        .ok()
        .map(|d| d.auto_deregister())
}

/// The flag the handler sets, for [`clone_inbox`] and [`sync_all`].
pub fn interrupted_flag() -> &'static AtomicBool {
    &gix::interrupt::IS_INTERRUPTED
}

/// Whether Ctrl-C was pressed since the handler was installed.
pub fn interrupted() -> bool {
    gix::interrupt::is_triggered()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_urls_follow_lore() {
        assert_eq!(
            epoch_url("https://lore.kernel.org/linux-kbuild/", 3),
            "https://lore.kernel.org/linux-kbuild/3"
        );
    }

    #[test]
    fn base_of_an_origin_in_either_form() {
        assert_eq!(
            base_from_origin("https://lore.kernel.org/lkml/git/7.git", 7),
            Some(("https://lore.kernel.org/lkml".to_string(), true))
        );
        assert_eq!(
            base_from_origin("https://lore.kernel.org/lkml/7", 7),
            Some(("https://lore.kernel.org/lkml".to_string(), false))
        );
        assert_eq!(base_from_origin("https://example.org/x.git", 7), None);
    }
}
