//! Everything that reaches the UI thread: terminal input, worker results,
//! ticks, signals. And the workers themselves.
//!
//! The UI thread never touches tantivy, gix or git: it sends a [`Request`]
//! and later receives a [`Notification`]. Each request has a slot (list,
//! thread, message, interdiff, index, git, mail); a newer request replaces
//! one still waiting in its slot, and every request carries a ticket so the
//! UI drops a late answer to a question it no longer asks (see
//! [`crate::tickets`]). [`execute`] is the whole of a worker's job and is
//! called directly by the headless driver, so tests see exactly what the
//! threads would do.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use ratatui::crossterm::event::KeyEvent;

use super::error::Hint;
use super::flow::Flow;
use super::git::GitOutcome;
use super::load::{self, RowFlow, ThreadRow};
use super::reply::{DraftRef, ReplyKind, ReplyOptions};
use super::tickets::Ticket;
use super::ui::pager::PagerLine;
use putt_core::series::Series;
use putt_ops::config::Config;
use putt_ops::events::EventLog;
use putt_ops::index::Index;
use putt_ops::series::{RevisionInfo, SeriesPage};

/// What the UI thread reacts to.
#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Time passed (spinners move).
    Tick,
    Worker(Notification),
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly.
    Terminate,
    /// The editor the UI suspended to on a draft has exited.
    Edited {
        id: String,
        error: Option<String>,
    },
}

/// Work for a worker thread, with the ticket its answer carries back.
#[derive(Debug, Clone)]
pub struct Request {
    pub ticket: Ticket,
    pub job: Job,
}

/// What a worker is asked to do.
#[derive(Debug, Clone)]
pub enum Job {
    /// A page of the series list.
    List {
        query: String,
        offset: usize,
        hits: usize,
        patches_only: bool,
    },
    /// The messages of one revision, as a thread.
    Thread {
        series: Arc<Series>,
        revision: usize,
    },
    /// One message laid out for the pager.
    Message { message_id: String },
    /// The interdiff between two revisions.
    Interdiff {
        series: Arc<Series>,
        from: usize,
        to: usize,
    },
    /// Index new mail of the configured inboxes.
    Index,
    /// Write a revision as an mbox for `git am`.
    Export {
        series: Arc<Series>,
        revision: usize,
        path: PathBuf,
    },
    /// Apply a revision to a local repository on a new branch.
    Apply {
        series: Arc<Series>,
        revision: usize,
        repo: PathBuf,
        branch: String,
    },
    /// Compose and save a reply (or review) to each of `targets`.
    Compose {
        targets: Vec<String>,
        kind: ReplyKind,
    },
    /// Send a saved draft.
    Send { id: String },
    /// Make the series `later` names a later revision of `earlier`'s.
    Link { earlier: String, later: String },
    /// Split the revision starting at `root` off its series.
    Unlink { root: String },
    /// Run the event hook on events the UI thread logged.
    Hook {
        events: Vec<putt_ops::events::Event>,
    },
}

/// Requests in one slot replace each other while waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    List,
    Thread,
    Message,
    Interdiff,
    Index,
    Git,
    Mail,
    /// Event hooks: never replaced, every event is heard.
    Events,
}

impl Job {
    pub fn slot(&self) -> Slot {
        match self {
            Job::List { .. } => Slot::List,
            Job::Thread { .. } => Slot::Thread,
            Job::Message { .. } => Slot::Message,
            Job::Interdiff { .. } => Slot::Interdiff,
            Job::Index => Slot::Index,
            Job::Export { .. } | Job::Apply { .. } | Job::Link { .. } | Job::Unlink { .. } => {
                Slot::Git
            }
            Job::Compose { .. } | Job::Send { .. } => Slot::Mail,
            Job::Hook { .. } => Slot::Events,
        }
    }
}

impl Request {
    pub fn slot(&self) -> Slot {
        self.job.slot()
    }

    /// The ticket its answer carries.
    pub fn seq(&self) -> Ticket {
        self.ticket
    }
}

/// A worker's answer; `seq` is the ticket of the request it answers.
#[derive(Debug, Clone)]
pub enum Notification {
    List {
        seq: Ticket,
        page: Arc<SeriesPage>,
        offset: usize,
        /// Rules and checks of each series' newest revision, in page order.
        flow: Vec<RowFlow>,
        /// Whether any check ever ran (the list has a check column then).
        checks_ran: bool,
    },
    Thread {
        seq: Ticket,
        rows: Vec<ThreadRow>,
        /// State, rules and checks of each revision of the series.
        infos: Vec<RevisionInfo>,
    },
    Message {
        seq: Ticket,
        lines: Arc<Vec<PagerLine>>,
    },
    Interdiff {
        seq: Ticket,
        result: Arc<putt_core::interdiff::Interdiff>,
    },
    /// An interim answer: the index run is this far.
    IndexProgress { seq: Ticket, done: u64, total: u64 },
    Indexed {
        seq: Ticket,
        added: u64,
        removed: u64,
        /// What went wrong with the event hook.
        problems: Vec<String>,
    },
    /// The event hook ran; what went wrong with it.
    Hooked { seq: Ticket, problems: Vec<String> },
    /// Drafts saved, for the editor and the send prompt.
    Composed {
        seq: Ticket,
        drafts: Vec<DraftRef>,
        warnings: Vec<String>,
    },
    /// A draft left; the text says how.
    Sent { seq: Ticket, message: String },
    /// A git job finished; the outcome says what happened.
    Done { seq: Ticket, outcome: GitOutcome },
    Failed {
        seq: Ticket,
        slot: Slot,
        error: String,
        /// What the user can do about it, in the TUI's terms.
        hint: Option<Hint>,
    },
}

impl Notification {
    /// The ticket of the request it answers.
    pub fn seq(&self) -> Ticket {
        match self {
            Notification::List { seq, .. }
            | Notification::Thread { seq, .. }
            | Notification::Message { seq, .. }
            | Notification::Interdiff { seq, .. }
            | Notification::IndexProgress { seq, .. }
            | Notification::Indexed { seq, .. }
            | Notification::Hooked { seq, .. }
            | Notification::Composed { seq, .. }
            | Notification::Sent { seq, .. }
            | Notification::Done { seq, .. }
            | Notification::Failed { seq, .. } => *seq,
        }
    }
}

/// What workers share.
pub struct WorkerContext {
    pub index: Arc<Index>,
    pub config: Arc<Config>,
    pub now: chrono::DateTime<chrono::Utc>,
    pub reply: ReplyOptions,
    /// Where putt keeps its own (the corrections to series links).
    pub data_dir: PathBuf,
    /// Rules, triage states and check results.
    pub flow: Flow,
    /// Where index runs log what they found (`putt events`).
    pub events: EventLog,
}

/// Does one request. `progress` receives interim notifications (index
/// progress) and may be called from this thread only.
pub fn execute(
    ctx: &WorkerContext,
    req: Request,
    progress: &mut dyn FnMut(Notification),
) -> Notification {
    let seq = req.ticket;
    let slot = req.slot();
    let failed = |e: crate::Error| Notification::Failed {
        seq,
        slot,
        error: putt_core::text::sanitize_line(&e.to_string()),
        hint: e.hint(),
    };
    match req.job {
        Job::List {
            query,
            offset,
            hits,
            patches_only,
        } => match load::list_page(
            &ctx.index,
            &ctx.flow,
            &query,
            ctx.now,
            offset,
            hits,
            patches_only,
        ) {
            Ok(p) => Notification::List {
                seq,
                page: Arc::new(p.page),
                offset,
                flow: p.flow,
                checks_ran: p.checks_ran,
            },
            Err(e) => failed(e),
        },
        Job::Thread { series, revision } => {
            match load::thread(&ctx.index, &ctx.flow, &series, revision) {
                Ok((rows, infos)) => Notification::Thread { seq, rows, infos },
                Err(e) => failed(e),
            }
        }
        Job::Message { message_id } => match load::message(&ctx.index, &message_id) {
            Ok(lines) => Notification::Message { seq, lines },
            Err(e) => failed(e),
        },
        Job::Interdiff { series, from, to } => {
            let (Some(a), Some(b)) = (series.revisions.get(from), series.revisions.get(to)) else {
                return failed(crate::Error::Gone("the revision"));
            };
            let context = putt_core::interdiff::Options::default().context;
            match putt_ops::interdiff::between(
                &ctx.index,
                &ctx.config,
                &series,
                a,
                b,
                context,
                None,
            ) {
                Ok(result) => Notification::Interdiff {
                    seq,
                    result: Arc::new(result),
                },
                Err(e) => failed(e.into()),
            }
        }
        Job::Index => match index_now(ctx, &mut |done, total| {
            progress(Notification::IndexProgress { seq, done, total })
        }) {
            Ok((added, removed, problems)) => Notification::Indexed {
                seq,
                added,
                removed,
                problems,
            },
            Err(e) => failed(e),
        },
        Job::Export {
            series,
            revision,
            path,
        } => match super::git::export(&ctx.index, &ctx.config, &series, revision, &path) {
            Ok(outcome) => Notification::Done { seq, outcome },
            Err(e) => failed(e),
        },
        Job::Apply {
            series,
            revision,
            repo,
            branch,
        } => match super::git::apply(&ctx.index, &ctx.config, &series, revision, &repo, &branch) {
            Ok(outcome) => Notification::Done { seq, outcome },
            Err(e) => failed(e),
        },
        Job::Compose { targets, kind } => {
            match super::reply::compose(&ctx.index, &ctx.config, &ctx.reply, &targets, kind) {
                Ok((drafts, warnings)) => Notification::Composed {
                    seq,
                    drafts,
                    warnings,
                },
                Err(e) => failed(e),
            }
        }
        Job::Send { id } => match super::reply::send(&ctx.config, &ctx.reply, &id) {
            Ok(message) => Notification::Sent { seq, message },
            Err(e) => failed(e),
        },
        Job::Link { earlier, later } => match super::git::link(
            &ctx.index,
            &ctx.data_dir,
            ctx.now.timestamp(),
            &earlier,
            &later,
        ) {
            Ok(outcome) => Notification::Done { seq, outcome },
            Err(e) => failed(e),
        },
        Job::Unlink { root } => {
            match super::git::unlink(&ctx.index, &ctx.data_dir, ctx.now.timestamp(), &root) {
                Ok(outcome) => Notification::Done { seq, outcome },
                Err(e) => failed(e),
            }
        }
        Job::Hook { events } => Notification::Hooked {
            seq,
            problems: ctx.events.run_hook(&events),
        },
    }
}

/// An incremental index run, with its events logged as `putt index` logs
/// them (so `putt events` hears of series the TUI's refresh found).
fn index_now(
    ctx: &WorkerContext,
    progress: &mut dyn FnMut(u64, u64),
) -> crate::Result<(u64, u64, Vec<String>)> {
    let inboxes = putt_ops::session::inboxes(&ctx.config)?;
    let mut last = Instant::now() - Duration::from_secs(1);
    let putt_ops::index::Updated {
        report,
        mut problems,
    } = putt_ops::index::update(
        &ctx.index,
        &inboxes,
        &putt_ops::index::IndexOptions::default(),
        &ctx.events,
        &mut |p| {
            // The UI redraws on each notification: a few a second is plenty.
            if last.elapsed() >= Duration::from_millis(100) {
                last = Instant::now();
                progress(p.done, p.total);
            }
        },
    )?;
    if !report.unreadable.is_empty() {
        problems.push(format!(
            "{} message(s) could not be read (a missing or damaged object); the next refresh tries again",
            report.unreadable.len()
        ));
    }
    ctx.index.reload()?;
    Ok((report.added, report.removed, problems))
}

/// The request queue: one waiting request per slot at most.
#[derive(Default)]
struct Queue {
    waiting: VecDeque<Request>,
    closed: bool,
}

impl Queue {
    /// Adds a request; one already waiting in its slot is replaced (it
    /// keeps its place in line: the slot was asked for first).
    fn push(&mut self, req: Request) {
        let slot = req.slot();
        if slot == Slot::Events {
            self.waiting.push_back(req);
        } else if let Some(old) = self.waiting.iter_mut().find(|r| r.slot() == slot) {
            *old = req;
        } else {
            self.waiting.push_back(req);
        }
    }
}

/// Worker threads taking requests from a shared queue.
pub struct Workers {
    queue: Arc<(Mutex<Queue>, Condvar)>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    /// Starts `n` workers that send their answers to `out`.
    pub fn start(ctx: Arc<WorkerContext>, n: usize, out: Sender<Event>) -> Workers {
        let queue: Arc<(Mutex<Queue>, Condvar)> = Arc::default();
        let threads = (0..n.max(1))
            .map(|i| {
                let queue = queue.clone();
                let ctx = ctx.clone();
                let out = out.clone();
                std::thread::Builder::new()
                    .name(format!("putt-worker-{i}"))
                    .spawn(move || worker_loop(&ctx, &queue, &out))
                    .expect("spawning a worker thread")
            })
            .collect();
        Workers { queue, threads }
    }

    /// Queues a request, replacing a waiting one of the same slot.
    pub fn send(&self, req: Request) {
        let (lock, cvar) = &*self.queue;
        let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
        q.push(req);
        cvar.notify_one();
    }

    /// Stops taking requests; running ones finish in the background (the
    /// process exits without waiting for a long index run).
    pub fn close(&self) {
        let (lock, cvar) = &*self.queue;
        let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
        q.closed = true;
        q.waiting.clear();
        cvar.notify_all();
    }

    /// How many worker threads run.
    pub fn len(&self) -> usize {
        self.threads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }
}

fn worker_loop(ctx: &WorkerContext, queue: &(Mutex<Queue>, Condvar), out: &Sender<Event>) {
    let (lock, cvar) = queue;
    loop {
        let req = {
            let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if q.closed {
                    return;
                }
                if let Some(r) = q.waiting.pop_front() {
                    break r;
                }
                q = cvar.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        let mut progress = |n: Notification| {
            let _ = out.send(Event::Worker(n));
        };
        // A panic in a job must not take the UI down with a dead worker:
        // report it as that job's failure.
        let seq = req.seq();
        let slot = req.slot();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            execute(ctx, req, &mut progress)
        }));
        let n = result.unwrap_or_else(|_| Notification::Failed {
            seq,
            slot,
            error: "internal error (a worker panicked); see the log".into(),
            hint: None,
        });
        if out.send(Event::Worker(n)).is_err() {
            return;
        }
    }
}

/// Reads terminal input on its own thread. It can be paused (while an
/// editor owns the terminal) so it does not steal the editor's keys.
pub struct Input {
    paused: Arc<AtomicBool>,
    idle: Arc<(Mutex<bool>, Condvar)>,
}

impl Input {
    pub fn start(out: Sender<Event>) -> Input {
        let paused = Arc::new(AtomicBool::new(false));
        let idle: Arc<(Mutex<bool>, Condvar)> = Arc::new((Mutex::new(false), Condvar::new()));
        let (p, i) = (paused.clone(), idle.clone());
        let _ = std::thread::Builder::new()
            .name("putt-input".into())
            .spawn(move || input_loop(&p, &i, &out));
        Input { paused, idle }
    }

    /// Stops reading and waits until the thread is not inside a read.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let (lock, cvar) = &*self.idle;
        let mut idle = lock.lock().unwrap_or_else(|e| e.into_inner());
        let deadline = Instant::now() + Duration::from_millis(500);
        while !*idle && Instant::now() < deadline {
            let (g, _) = cvar
                .wait_timeout(idle, Duration::from_millis(20))
                .unwrap_or_else(|e| e.into_inner());
            idle = g;
        }
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

fn input_loop(paused: &AtomicBool, idle: &(Mutex<bool>, Condvar), out: &Sender<Event>) {
    use ratatui::crossterm::event::{self, Event as CtEvent, KeyEventKind};
    let set_idle = |v: bool| {
        let (lock, cvar) = idle;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = v;
        cvar.notify_all();
    };
    loop {
        if paused.load(Ordering::SeqCst) {
            set_idle(true);
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        set_idle(false);
        // Poll with a timeout so a pause takes effect quickly.
        match event::poll(Duration::from_millis(50)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        if paused.load(Ordering::SeqCst) {
            continue;
        }
        let ev = match event::read() {
            Ok(CtEvent::Key(k)) if k.kind != KeyEventKind::Release => Event::Key(k),
            Ok(CtEvent::Resize(w, h)) => Event::Resize(w, h),
            Ok(_) => continue,
            Err(_) => return,
        };
        if out.send(ev).is_err() {
            return;
        }
    }
}

/// Turns SIGTERM, SIGHUP and SIGINT into [`Event::Terminate`], so the
/// terminal is restored when putt is asked to stop.
pub fn forward_signals(out: Sender<Event>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("putt-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = out.send(Event::Terminate);
            }
        });
}

/// A tick source for spinners.
pub fn ticks(every: Duration) -> Receiver<Instant> {
    crossbeam_channel::tick(every)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(seq: u64, job: Job) -> Request {
        Request {
            ticket: Ticket(seq),
            job,
        }
    }

    fn message(seq: u64) -> Request {
        request(
            seq,
            Job::Message {
                message_id: format!("m{seq}"),
            },
        )
    }

    #[test]
    fn a_newer_request_replaces_a_waiting_one_of_its_slot() {
        let mut q = Queue::default();
        q.push(message(1));
        q.push(request(2, Job::Index));
        q.push(message(3));
        q.push(message(4));
        let seqs: Vec<(Slot, u64)> = q.waiting.iter().map(|r| (r.slot(), r.seq().0)).collect();
        assert_eq!(seqs, vec![(Slot::Message, 4), (Slot::Index, 2)]);
    }
}
