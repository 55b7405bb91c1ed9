//! Events: what changed, as one JSON object per line, for other tools (a
//! CI system, a notifier, a bridge to a tracker) to build on without
//! reading putt's storage.
//!
//! Indexing appends `series.new`, `revision.new` and `trailer.new` for mail
//! added to an inbox that was indexed before (an inbox's first import is
//! one `inbox.imported`: a whole archive is not news); checks append
//! `check.started` and `check.finished`; a triage state set through a
//! [`crate::state::StateStore`] with an event log appends `state.changed`.
//! Each event gets the next `seq` (1, 2, ...) and the time it was written.
//!
//! The log is `events/events.jsonl` in the data dir: appended under an
//! advisory lock with one write per batch, so readers (`putt events
//! --follow`) never see half a line except at the very end, which they
//! leave for later. It is never rewritten; delete it to start over (`seq`
//! then starts at 1 again). Events of an index run are written after the
//! index commit: a kill between the two loses that run's events, never
//! invents any.
//!
//! `[events] hook` runs with `sh -c` once per event, the event's JSON line
//! on stdin and `$PUTT_EVENT` set to its type; its output goes to
//! `events/hook.log`. A hook that fails or runs past 30 s (then its process
//! group is killed) is reported, and the event stays in the log. Commands a
//! hook runs see `PUTT_HOOK=1`, and events they cause run no hook (no
//! loops).

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check::CheckStatus;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::build::{self, IndexOptions, IndexReport, Progress};
use crate::state::TriageState;

/// A hook gets this long per event.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// One event as the log holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    /// Unix seconds.
    pub time: i64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. `type` in the JSON is the dotted name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EventKind {
    /// The first revision of a series arrived.
    #[serde(rename = "series.new")]
    SeriesNew {
        series: String,
        version: u32,
        /// Root Message-ID of the revision.
        revision: String,
        subject: String,
        author: String,
        total: u32,
        inbox: String,
    },
    /// Another revision of a known series arrived.
    #[serde(rename = "revision.new")]
    RevisionNew {
        series: String,
        version: u32,
        revision: String,
        subject: String,
        author: String,
        total: u32,
        inbox: String,
        /// The version it follows, when the series had one before.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<u32>,
    },
    /// A review trailer arrived in a follow-up.
    #[serde(rename = "trailer.new")]
    TrailerNew {
        series: String,
        version: u32,
        revision: String,
        /// The patch it applies to; 0: the whole series (sent to the cover).
        patch: u32,
        /// `Reviewed-by`.
        name: String,
        /// `Jane Doe <jane@example.org>`.
        value: String,
        /// Who sent the mail carrying it.
        sender: String,
        message_id: String,
        /// The trailer names someone other than its sender: not applied.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        suspicious: bool,
    },
    #[serde(rename = "check.started")]
    CheckStarted {
        check: String,
        series: String,
        version: u32,
        revision: String,
        run: String,
    },
    #[serde(rename = "check.finished")]
    CheckFinished {
        check: String,
        series: String,
        version: u32,
        revision: String,
        run: String,
        status: CheckStatus,
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seconds: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<PathBuf>,
    },
    /// A revision's triage state was set (or cleared: `explicit` false).
    #[serde(rename = "state.changed")]
    StateChanged {
        series: String,
        version: u32,
        revision: String,
        from: TriageState,
        to: TriageState,
        explicit: bool,
    },
    /// An inbox was indexed for the first time.
    #[serde(rename = "inbox.imported")]
    InboxImported { inbox: String, messages: u64 },
}

impl EventKind {
    /// The `type` name: `series.new`, `check.finished`, ...
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::SeriesNew { .. } => "series.new",
            EventKind::RevisionNew { .. } => "revision.new",
            EventKind::TrailerNew { .. } => "trailer.new",
            EventKind::CheckStarted { .. } => "check.started",
            EventKind::CheckFinished { .. } => "check.finished",
            EventKind::StateChanged { .. } => "state.changed",
            EventKind::InboxImported { .. } => "inbox.imported",
        }
    }
}

/// The event log, and the hook that hears about each event.
#[derive(Debug, Clone)]
pub struct EventLog {
    dir: PathBuf,
    hook: Option<String>,
}

impl EventLog {
    /// `events/` in the data dir.
    pub fn default_dir() -> PathBuf {
        crate::config::Dirs::data_dir().join("events")
    }

    /// The log in `dir` (created on the first event), with `hook`.
    pub fn new(dir: &Path, hook: Option<String>) -> EventLog {
        EventLog {
            dir: dir.to_path_buf(),
            hook: hook.filter(|h| !h.trim().is_empty()),
        }
    }

    /// The log in the data dir, with the configured hook.
    pub fn from_config(config: &crate::config::Config) -> EventLog {
        EventLog::new(&EventLog::default_dir(), config.events.hook.clone())
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("events.jsonl")
    }

    /// Appends events (numbered after the last one in the log) with one
    /// write; returns them as written.
    pub fn append(&self, kinds: Vec<EventKind>) -> Result<Vec<Event>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let lock = crate::files::Lock::take(&self.dir.join("lock"))?;
        let path = self.path();
        let mut f = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let last = last_seq(&mut f).map_err(|e| Error::io(&path, e))?;
        let time = chrono::Utc::now().timestamp();
        let events: Vec<Event> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Event {
                seq: last + 1 + i as u64,
                time,
                kind,
            })
            .collect();
        let mut text = Vec::new();
        for e in &events {
            serde_json::to_writer(&mut text, e).map_err(|e| Error::Encode {
                what: "an event",
                message: e.to_string(),
            })?;
            text.push(b'\n');
        }
        f.write_all(&text).map_err(|e| Error::io(&path, e))?;
        drop(lock);
        Ok(events)
    }

    /// Appends events and runs the hook on each; returns what went wrong
    /// with the hook (the events are in the log regardless).
    pub fn emit(&self, kinds: Vec<EventKind>) -> Result<Vec<String>> {
        let events = self.append(kinds)?;
        Ok(self.run_hook(&events))
    }

    /// Runs the hook once per event, in order (not when putt itself runs
    /// under a hook).
    pub fn run_hook(&self, events: &[Event]) -> Vec<String> {
        let Some(hook) = &self.hook else {
            return Vec::new();
        };
        if std::env::var_os("PUTT_HOOK").is_some() {
            return Vec::new();
        }
        let mut problems = Vec::new();
        for e in events {
            if let Err(msg) = self.run_one(hook, e) {
                problems.push(format!("event hook `{hook}` on event {}: {msg}", e.seq));
            }
        }
        problems
    }

    fn run_one(&self, hook: &str, e: &Event) -> std::result::Result<(), String> {
        let log_path = self.dir.join("hook.log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|err| format!("{}: {err}", log_path.display()))?;
        let line = serde_json::to_string(e).map_err(|err| err.to_string())? + "\n";
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c")
            .arg(hook)
            .env("PUTT_EVENT", e.kind.name())
            .env("PUTT_HOOK", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(log.try_clone().map_err(|err| err.to_string())?)
            .stderr(log);
        let mut child =
            crate::process::spawn(&mut cmd).map_err(|err| format!("could not start: {err}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A hook that does not read its input is fine.
            let _ = stdin.write_all(line.as_bytes());
        }
        match crate::process::wait(&mut child, Some(HOOK_TIMEOUT), &|| false) {
            Ok(crate::process::Ended::Exited(0)) => Ok(()),
            Ok(crate::process::Ended::Exited(c)) => Err(format!(
                "exit {c} (its output is in {})",
                log_path.display()
            )),
            Ok(crate::process::Ended::Signaled(s)) => Err(format!("killed by signal {s}")),
            Ok(_) => Err(format!(
                "still running after {}s: stopped",
                HOOK_TIMEOUT.as_secs()
            )),
            Err(err) => Err(err.to_string()),
        }
    }
}

/// The `seq` of the last complete line; a torn last line (a writer killed
/// mid-write) is cut off first.
fn last_seq(f: &mut File) -> std::io::Result<u64> {
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(0);
    }
    let mut back = 4096u64;
    loop {
        let start = len.saturating_sub(back);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        let complete = match buf.iter().rposition(|&b| b == b'\n') {
            Some(i) => i + 1,
            None if start == 0 => 0,
            None => {
                back *= 4;
                continue;
            }
        };
        if (complete as u64) + start < len {
            f.set_len(start + complete as u64)?;
        }
        let body = &buf[..complete];
        let line_start = body[..body.len().saturating_sub(1)]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if line_start == 0 && start > 0 {
            back *= 4;
            continue;
        }
        let line = &body[line_start..];
        #[derive(Deserialize)]
        struct Seq {
            seq: u64,
        }
        return Ok(serde_json::from_slice::<Seq>(line).map_or(0, |s| s.seq));
    }
}

/// Reads the log from a byte offset on, complete lines only: what `putt
/// events` and `--follow` use.
pub struct EventReader {
    path: PathBuf,
    offset: u64,
}

impl EventReader {
    pub fn new(log: &EventLog) -> EventReader {
        EventReader {
            path: log.path(),
            offset: 0,
        }
    }

    /// The events written since the last call (all of them the first
    /// time). A log that shrank (deleted, started over) is read again from
    /// its start. Lines that do not parse are skipped.
    pub fn read_new(&mut self) -> Result<Vec<Event>> {
        let mut f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.offset = 0;
                return Ok(Vec::new());
            }
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        let len = f.metadata().map_err(|e| Error::io(&self.path, e))?.len();
        if len < self.offset {
            self.offset = 0;
        }
        if len == self.offset {
            return Ok(Vec::new());
        }
        f.seek(SeekFrom::Start(self.offset))
            .map_err(|e| Error::io(&self.path, e))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)
            .map_err(|e| Error::io(&self.path, e))?;
        let complete = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.offset += complete as u64;
        Ok(buf[..complete]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect())
    }
}

/// Indexes new mail (like [`build::update`]) and appends the events it
/// caused; returns the report and the hook's problems. Every way putt
/// indexes (`putt index`, `putt sync`, `putt check --watch`, the TUI's
/// refresh) should come through here so that no event is missed.
pub fn update_index(
    index: &Index,
    inboxes: &[crate::archive::Inbox],
    opts: &IndexOptions,
    progress: &mut dyn FnMut(Progress),
    log: &EventLog,
) -> Result<(IndexReport, Vec<String>)> {
    let opts = IndexOptions {
        track_new: true,
        ..opts.clone()
    };
    let report = build::update(index, inboxes, &opts, progress)?;
    // The memo and the events both need the new mail's series: group once.
    // A memo that cannot be kept is only slower next time.
    let series = crate::series::memo::after_index(index, &report)
        .ok()
        .flatten();
    let kinds = index_events(index, &report, series)?;
    let problems = log.emit(kinds)?;
    Ok((report, problems))
}

/// The events an index run caused: new series, revisions and trailers
/// among the messages it added. `series` are the series of those messages
/// when the caller has them already.
pub fn index_events(
    index: &Index,
    report: &IndexReport,
    series: Option<Vec<crate::series::Series>>,
) -> Result<Vec<EventKind>> {
    let mut out = Vec::new();
    for inbox in &report.imported {
        let messages = index
            .stats()?
            .inboxes
            .iter()
            .find(|i| &i.name == inbox)
            .map_or(0, |i| i.messages);
        out.push(EventKind::InboxImported {
            inbox: inbox.clone(),
            messages,
        });
    }
    if report.new_messages.is_empty() {
        return Ok(out);
    }
    let new: HashSet<&str> = report.new_messages.iter().map(String::as_str).collect();
    let series = match series {
        Some(s) => s,
        None => crate::series::gather::series_of_messages(index, &report.new_messages)?,
    };
    for s in &series {
        for (i, r) in s.revisions.iter().enumerate() {
            if new.contains(r.root_message_id()) {
                let inbox = r
                    .cover
                    .as_ref()
                    .map(|c| c.inbox.clone())
                    .or_else(|| r.patches.first().map(|p| p.mail.inbox.clone()))
                    .unwrap_or_default();
                // A series is new when all of it is; a late copy of an old
                // revision is still a revision.
                let all_new = s
                    .revisions
                    .iter()
                    .all(|o| new.contains(o.root_message_id()));
                if i == 0 && all_new {
                    out.push(EventKind::SeriesNew {
                        series: s.id.clone(),
                        version: r.version,
                        revision: r.root_message_id().to_string(),
                        subject: r.subject.clone(),
                        author: r.author.clone(),
                        total: r.total,
                        inbox,
                    });
                } else {
                    out.push(EventKind::RevisionNew {
                        series: s.id.clone(),
                        version: r.version,
                        revision: r.root_message_id().to_string(),
                        subject: r.subject.clone(),
                        author: r.author.clone(),
                        total: r.total,
                        inbox,
                        previous: i.checked_sub(1).map(|p| s.revisions[p].version),
                    });
                }
            }
            let mut seen = HashSet::new();
            let cover = r.cover_trailers.iter().map(|t| (0, t, false));
            let patches = r.patches.iter().filter(|p| !p.inherited).flat_map(|p| {
                p.trailers
                    .iter()
                    .map(move |t| (p.counter, t, false))
                    .chain(p.someone_else.iter().map(move |t| (p.counter, t, true)))
            });
            for (patch, t, suspicious) in cover.chain(patches) {
                if !new.contains(t.message_id.as_str())
                    || t.via == crate::series::Via::Carried
                    || t.version != r.version
                {
                    continue;
                }
                // A trailer sent to the cover shows on every patch: once.
                let patch = if t.via == crate::series::Via::Cover {
                    0
                } else {
                    patch
                };
                if !seen.insert((
                    t.message_id.clone(),
                    t.trailer.name.clone(),
                    t.trailer.value.clone(),
                    patch,
                )) {
                    continue;
                }
                out.push(EventKind::TrailerNew {
                    series: s.id.clone(),
                    version: r.version,
                    revision: r.root_message_id().to_string(),
                    patch,
                    name: t.trailer.name.clone(),
                    value: t.trailer.value.clone(),
                    sender: t.sender.clone(),
                    message_id: t.message_id.clone(),
                    suspicious,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(series: &str) -> EventKind {
        EventKind::StateChanged {
            series: series.into(),
            version: 1,
            revision: "r@x".into(),
            from: TriageState::New,
            to: TriageState::Reviewing,
            explicit: true,
        }
    }

    #[test]
    fn numbered_appends_survive_a_torn_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = EventLog::new(dir.path(), None);
        let a = log.append(vec![state("a"), state("b")]).expect("append");
        assert_eq!(a.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
        let mut reader = EventReader::new(&log);
        assert_eq!(reader.read_new().expect("read").len(), 2);
        // A writer killed mid-line: readers wait, the next append cuts it.
        let mut f = OpenOptions::new()
            .append(true)
            .open(log.path())
            .expect("open");
        f.write_all(b"{\"seq\":3,\"ti").expect("torn");
        assert!(reader.read_new().expect("read").is_empty());
        let b = log.append(vec![state("c")]).expect("append");
        assert_eq!(b[0].seq, 3);
        let got = reader.read_new().expect("read");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].kind, state("c"));
        let text = std::fs::read_to_string(log.path()).expect("read");
        assert!(text.contains("\"type\":\"state.changed\""), "{text}");
    }

    #[test]
    fn the_hook_reads_each_event() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("heard");
        let hook = format!(
            "cat >> '{}'; echo \"$PUTT_EVENT\" >> '{}'",
            out.display(),
            out.display()
        );
        let log = EventLog::new(&dir.path().join("ev"), Some(hook));
        let problems = log.emit(vec![state("a"), state("b")]).expect("emit");
        assert!(problems.is_empty(), "{problems:?}");
        let heard = std::fs::read_to_string(&out).expect("heard");
        let lines: Vec<&str> = heard.lines().collect();
        assert_eq!(lines.len(), 4, "{heard}");
        assert!(
            lines[0].contains("\"seq\":1") && lines[1] == "state.changed",
            "{heard}"
        );
        let failing = EventLog::new(&dir.path().join("ev2"), Some("exit 3".into()));
        let problems = failing.emit(vec![state("a")]).expect("emit");
        assert!(problems[0].contains("exit 3"), "{problems:?}");
    }
}
