//! Building and updating the index from the archives.
//!
//! One pass: scan every epoch since its cursor (gix), decide per message
//! whether it is added or removed in the end, then read blobs on one thread
//! (each pack entry inflated once) and parse them on worker threads while
//! the calling thread feeds tantivy and commits every
//! `commit_every` messages together with the cursors reached so far. A kill
//! at any moment leaves the last commit intact; the next run resumes from its
//! cursors and skips messages a later uncommitted batch already added, so
//! nothing is indexed twice and nothing is lost.
//!
//! A mail whose blob cannot be read (a partial or damaged clone lacks it,
//! a pack entry is corrupt) does not stop the run: it is indexed as a
//! stand-in, a degraded document of kind `missing` that names the inbox,
//! epoch, blob, commit and reason, searches never show, and the cursor
//! moves past it. Every later run looks for the stand-ins' blobs again and
//! indexes the mail in place of its stand-in once a fetch brought it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};
use gix::ObjectId;
use gix::prelude::FindExt;
use serde::Serialize;
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Query as TantivyQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

use super::doc::MailDoc;
use super::schema::{self, Fields, Meta, hash, name_hash, subject_hash};
use super::{Cursors, Index};
use crate::archive::{self, Inbox, Op};
use crate::error::{Error, Result};
use crate::keyed::{UniformMap, UniformSet};
use crate::mail::Message;
use crate::trailers::TrailerKind;

/// How an index run behaves; `Default` suits a laptop.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Threads reading and parsing mail.
    pub parse_threads: usize,
    /// Threads tantivy uses to build segments.
    pub writer_threads: usize,
    /// Memory tantivy may buffer before writing a segment (bytes, all threads).
    pub writer_heap: usize,
    /// Messages between two commits (each commit saves the cursors).
    pub commit_every: usize,
    /// Wait for another indexer to finish instead of failing.
    pub wait: bool,
    /// Sync what is written to disk at each commit. Without, a crash of the
    /// machine (not of putt) may lose the index, which is then rebuilt
    /// from the archives (see [`super::directory`]).
    pub fsync: bool,
    /// Keep the Message-IDs of mail added to inboxes the index already
    /// held ([`IndexReport::new_messages`]), for events. An inbox's first
    /// import is only named ([`IndexReport::imported`]): a whole archive is
    /// not news.
    pub track_new: bool,
}

impl Default for IndexOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        IndexOptions {
            parse_threads: cores.max(1),
            writer_threads: cores.clamp(1, 4),
            writer_heap: 256 << 20,
            commit_every: 100_000,
            wait: false,
            fsync: true,
            track_new: false,
        }
    }
}

/// What the run is doing, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Scanning,
    Indexing,
    Committing,
}

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub phase: Phase,
    /// Messages indexed so far in this run.
    pub done: u64,
    /// Messages this run will index.
    pub total: u64,
    /// Raw bytes read so far.
    pub bytes: u64,
}

/// What one run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexReport {
    pub added: u64,
    pub removed: u64,
    /// Already in the index (a re-scan after a rewrite or an interrupted run).
    pub already_indexed: u64,
    /// The same blob delivered twice in this run.
    pub duplicates: u64,
    pub empty_commits: u64,
    pub degraded: u64,
    /// Mails whose blob could not be read by this run, indexed as
    /// stand-ins (counted in `degraded` too).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<Unreadable>,
    /// Stand-ins of earlier runs whose mail this run could read and index.
    pub recovered: u64,
    /// `inbox/epoch` whose history was rewritten and reconciled.
    pub rewritten: Vec<String>,
    pub commits: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// Live messages in the index after the run.
    pub messages: u64,
    /// With [`IndexOptions::track_new`]: Message-IDs added to inboxes that
    /// were indexed before this run (in no particular order).
    #[serde(skip)]
    pub new_messages: Vec<String>,
    /// Inboxes indexed for the first time by this run.
    #[serde(skip)]
    pub imported: Vec<String>,
    /// With [`IndexOptions::track_new`]: Message-IDs of the messages this
    /// run removed (not those a rewritten history dropped).
    #[serde(skip)]
    pub removed_messages: Vec<String>,
    /// [`Index::generation`] before and after the run.
    #[serde(skip)]
    pub generation_before: u64,
    #[serde(skip)]
    pub generation: u64,
}

/// A mail whose blob could not be read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Unreadable {
    pub inbox: String,
    pub epoch: u32,
    pub blob: String,
    pub commit: String,
    /// `missing object`, or what went wrong reading it.
    pub reason: String,
}

/// One message to read, parse and add.
struct Job {
    seq: usize,
    inbox: usize,
    epoch: usize,
    blob: ObjectId,
    commit: ObjectId,
}

struct Parsed {
    seq: usize,
    inbox: usize,
    doc: MailDoc,
    degraded: bool,
    bytes: u64,
    /// Set for a stand-in: the blob could not be read.
    unreadable: Option<Unreadable>,
}

/// Per-epoch bookkeeping for cursors.
struct EpochPlan {
    inbox: usize,
    number: u32,
    tip: Option<ObjectId>,
    /// Sequence numbers of this epoch's jobs, with their commits, in order.
    jobs: Vec<(usize, ObjectId)>,
}

/// Brings the index up to date with `inboxes`.
pub fn update(
    index: &Index,
    inboxes: &[Inbox],
    opts: &IndexOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<IndexReport> {
    let started = Instant::now();
    let fields = index.fields().clone();
    index.set_fsync(opts.fsync);
    let _synced_again = SyncAgain(index);
    // One thread (one new segment) until the scan shows a bulk load: an
    // incremental run of a few thousand messages then adds one small
    // segment instead of one per thread.
    let mut writer = acquire_writer(index, opts, 1)?;
    index.reload()?;
    let mut cursors = index.cursors()?;
    cursors.schema = schema::SCHEMA_VERSION;
    let searcher = index.searcher();
    let was_empty = searcher.num_docs() == 0;
    let mut report = IndexReport {
        generation_before: index.generation(),
        ..IndexReport::default()
    };
    progress(Progress {
        phase: Phase::Scanning,
        done: 0,
        total: 0,
        bytes: 0,
    });

    // Stand-ins of earlier runs (usually none). A gap's commit or tree
    // that can be read now has its epoch scanned whole again, reconciled.
    let stand_ins = if was_empty {
        Vec::new()
    } else {
        stand_ins(index, &fields, inboxes)?
    };
    let mut rescan: Vec<(usize, u32)> = Vec::new();
    for s in stand_ins.iter().filter(|s| s.gap) {
        let readable = inboxes[s.inbox]
            .epochs
            .iter()
            .find(|ep| ep.number == s.epoch)
            .and_then(|ep| archive::open_repo(&ep.git_dir).ok())
            .is_some_and(|repo| repo.has_object(s.blob));
        if readable && !rescan.contains(&(s.inbox, s.epoch)) {
            rescan.push((s.inbox, s.epoch));
        }
    }

    // 1. Scan every epoch since its cursor.
    let mut epochs: Vec<EpochPlan> = Vec::new();
    let mut repos: Vec<Vec<(u32, gix::ThreadSafeRepository)>> = Vec::new();
    // Each epoch's packs as its scan opened them, for the reader.
    let mut packs: Vec<Vec<Option<archive::packed::Packs>>> = Vec::new();
    // (inbox, blob) -> final op, and the job order of final adds.
    let mut last_op: UniformMap<(usize, ObjectId), (Op, usize, usize, ObjectId)> =
        UniformMap::default();
    let mut order: Vec<(usize, ObjectId)> = Vec::new();
    let mut reconcile: Vec<(usize, u32)> = Vec::new();
    let mut gaps: Vec<(usize, u32, archive::Gap)> = Vec::new();
    let mut scans = scan_all(inboxes, &cursors, &rescan, opts.parse_threads.max(1))?.into_iter();
    let changes: usize = scans.as_slice().iter().map(|(s, _)| s.changes.len()).sum();
    last_op.reserve(changes);
    order.reserve(changes);
    // Inboxes whose new mail is news (they were indexed before).
    let tracked: Vec<bool> = inboxes
        .iter()
        .map(|i| opts.track_new && cursors.inboxes.contains_key(&i.name))
        .collect();
    for (i, inbox) in inboxes.iter().enumerate() {
        let saved = cursors.inboxes.get(&inbox.name).cloned();
        if saved.is_none() {
            report.imported.push(inbox.name.clone());
        }
        let moved = saved.as_ref().is_some_and(|c| c.path != inbox.path);
        let mut inbox_repos = Vec::new();
        let mut inbox_packs = Vec::new();
        for epoch in &inbox.epochs {
            let (mut scan, repo) = scans
                .next()
                .expect("scan_all scans every epoch of every inbox");
            inbox_packs.push(scan.packs.take());
            report.empty_commits += scan.empty_commits;
            if scan.rewritten || (moved && saved.is_some()) {
                reconcile.push((i, epoch.number));
                report
                    .rewritten
                    .push(format!("{}/{}", inbox.name, epoch.number));
            } else if rescan.contains(&(i, epoch.number)) {
                reconcile.push((i, epoch.number));
            }
            gaps.extend(scan.gaps.drain(..).map(|g| (i, epoch.number, g)));
            let e = epochs.len();
            for change in &scan.changes {
                let key = (i, change.blob);
                if change.op == Op::Add && last_op.get(&key).is_some_and(|l| l.0 == Op::Add) {
                    report.duplicates += 1;
                    continue;
                }
                last_op.insert(key, (change.op, e, order.len(), change.commit));
                order.push(key);
            }
            epochs.push(EpochPlan {
                inbox: i,
                number: epoch.number,
                tip: scan.tip,
                jobs: Vec::new(),
            });
            inbox_repos.push((epoch.number, repo));
        }
        repos.push(inbox_repos);
        packs.push(inbox_packs);
    }

    if order.len() >= BULK && opts.writer_threads > 1 {
        // A bulk load: swap in a writer with every thread (nothing was
        // written yet). Dropping the first releases
        // the lock for a moment: if another indexer committed meanwhile,
        // this run's plan is stale, so give up and let the caller retry.
        let _ = writer.rollback();
        drop(writer);
        writer = acquire_writer(index, opts, opts.writer_threads)?;
        index.reload()?;
        if index.cursors()?.inboxes != cursors.inboxes {
            return Err(Error::IndexLocked {
                path: index.dir().to_path_buf(),
            });
        }
    }

    // 2. Removals (and reconciliation of rewritten epochs) go first; adds of
    //    this run never collide with them because only final ops survive.
    let key_term = |inbox: usize, blob: &ObjectId| {
        Term::from_field_u64(fields.key_h, schema::key_hash(&inboxes[inbox].name, blob))
    };
    let mut live: UniformSet<(usize, ObjectId)> = UniformSet::default();
    live.reserve(order.len());
    for (pos, key) in order.iter().enumerate() {
        let Some(&(op, _, at, _)) = last_op.get(key) else {
            continue;
        };
        if at != pos {
            continue;
        }
        match op {
            Op::Remove => {
                if !was_empty {
                    let term = key_term(key.0, &key.1);
                    if opts.track_new {
                        report.removed_messages.extend(message_ids_of(
                            index,
                            &searcher,
                            &fields,
                            term.clone(),
                        )?);
                    }
                    writer.delete_term(term);
                }
                report.removed += 1;
            }
            Op::Add => {
                live.insert(*key);
            }
        }
    }
    for &(inbox, epoch) in &reconcile {
        for blob in indexed_blobs(index, &fields, &inboxes[inbox].name, epoch)? {
            if !live.contains(&(inbox, blob)) {
                writer.delete_term(key_term(inbox, &blob));
                report.removed += 1;
            }
        }
    }

    // Stand-ins of earlier runs whose blob is there now: replaced by the
    // mail (deleted here, added with this run's jobs, in one commit).
    let mut retry: Vec<(usize, usize, ObjectId, ObjectId)> = Vec::new();
    let reconciled = |inbox: usize, epoch: u32| reconcile.contains(&(inbox, epoch));
    for s in stand_ins.iter().filter(|s| !s.gap) {
        {
            let key = (s.inbox, s.blob);
            let gone = last_op.get(&key).is_some_and(|l| l.0 == Op::Remove)
                || (reconciled(s.inbox, s.epoch) && !live.contains(&key));
            let Some(at) = inboxes[s.inbox]
                .epochs
                .iter()
                .position(|ep| ep.number == s.epoch)
            else {
                continue;
            };
            if gone || !repos[s.inbox][at].1.to_thread_local().has_object(s.blob) {
                continue;
            }
            writer.delete_term(key_term(s.inbox, &s.blob));
            retry.push((s.inbox, at, s.blob, s.commit));
        }
    }
    // Gaps met by this scan, each a stand-in (again, when its epoch was
    // scanned whole: reconciling removed the old one).
    for (inbox, epoch, gap) in gaps {
        let key = key_term(inbox, &gap.object);
        if !reconciled(inbox, epoch) && !was_empty && is_indexed(index, &searcher, key.clone())? {
            continue;
        }
        let u = Unreadable {
            inbox: inboxes[inbox].name.clone(),
            epoch,
            blob: gap.object.to_string(),
            commit: gap.commit.to_string(),
            reason: gap.reason,
        };
        let date = repos[inbox]
            .iter()
            .find(|(n, _)| *n == epoch)
            .and_then(|(_, r)| commit_time(&r.to_thread_local(), &gap.commit))
            .unwrap_or(0);
        let mut doc = stand_in(&fields, &u, &gap.object, date);
        doc.add_text(fields.kind, "gap");
        writer
            .add_document(doc)
            .map_err(|e| Error::index(index.dir(), e))?;
        report.degraded += 1;
        report.unreadable.push(u);
    }

    // 3. The adds, in archive order, minus what the index already holds.
    let mut jobs: Vec<Job> = Vec::new();
    for (pos, key) in order.iter().enumerate() {
        let Some(&(op, e, at, commit)) = last_op.get(key) else {
            continue;
        };
        if at != pos || op != Op::Add {
            continue;
        }
        if !was_empty && is_indexed(index, &searcher, key_term(key.0, &key.1))? {
            report.already_indexed += 1;
            continue;
        }
        let seq = jobs.len();
        epochs[e].jobs.push((seq, commit));
        let epoch_index = inboxes[key.0]
            .epochs
            .iter()
            .position(|ep| ep.number == epochs[e].number)
            .unwrap_or(0);
        jobs.push(Job {
            seq,
            inbox: key.0,
            epoch: epoch_index,
            blob: key.1,
            commit,
        });
    }
    // After the scan's jobs, outside any epoch's cursor (they lie behind it).
    for (inbox, epoch, blob, commit) in retry {
        jobs.push(Job {
            seq: jobs.len(),
            inbox,
            epoch,
            blob,
            commit,
        });
        report.recovered += 1;
    }
    drop(last_op);
    drop(order);
    drop(live);
    let total = jobs.len() as u64;

    // 4. Read and parse on workers; add and commit here.
    let inbox_names: Vec<String> = inboxes.iter().map(|i| i.name.clone()).collect();
    let (job_tx, job_rx) = bounded::<(Job, Result<Vec<u8>>)>(256);
    let (doc_tx, doc_rx) = bounded::<Result<Parsed>>(1024);
    let mut done = vec![false; jobs.len()];
    let mut watermark = 0usize;
    let mut since_commit = 0usize;
    let mut last_tick = Instant::now();
    let outcome: Result<()> = std::thread::scope(|scope| {
        // Owned here, so an early return (a failed read, a full disk) drops
        // it and the workers blocked on a full channel see the hang-up and
        // stop, instead of the scope waiting for them forever.
        let doc_rx = doc_rx;
        let feed_repos = &repos;
        scope.spawn(move || feed(jobs, feed_repos, packs, job_tx));
        for _ in 0..opts.parse_threads.max(1) {
            let rx = job_rx.clone();
            let tx = doc_tx.clone();
            let repos = &repos;
            let fields = &fields;
            let names = &inbox_names;
            scope.spawn(move || parse_worker(rx, tx, repos, fields, names));
        }
        drop(job_rx);
        drop(doc_tx);
        for parsed in doc_rx.iter() {
            let parsed = parsed?;
            if tracked[parsed.inbox]
                && let Some(mid) = parsed.doc.first_text(fields.mid)
            {
                report.new_messages.push(mid.to_string());
            }
            writer
                .add_document(parsed.doc)
                .map_err(|e| Error::index(index.dir(), e))?;
            report.added += 1;
            report.bytes += parsed.bytes;
            if parsed.degraded {
                report.degraded += 1;
            }
            if let Some(u) = parsed.unreadable {
                report.unreadable.push(u);
            }
            done[parsed.seq] = true;
            while watermark < done.len() && done[watermark] {
                watermark += 1;
            }
            since_commit += 1;
            if since_commit >= opts.commit_every {
                progress(Progress {
                    phase: Phase::Committing,
                    done: report.added,
                    total,
                    bytes: report.bytes,
                });
                let reached = cursors_at(&cursors, inboxes, &epochs, Some(watermark));
                commit(&mut writer, index, &reached)?;
                report.commits += 1;
                since_commit = 0;
            }
            if last_tick.elapsed() >= Duration::from_millis(100) {
                last_tick = Instant::now();
                progress(Progress {
                    phase: Phase::Indexing,
                    done: report.added,
                    total,
                    bytes: report.bytes,
                });
            }
        }
        Ok(())
    });
    if let Err(e) = outcome {
        return Err(failed(index, writer, e));
    }
    progress(Progress {
        phase: Phase::Committing,
        done: report.added,
        total,
        bytes: report.bytes,
    });
    let reached = cursors_at(&cursors, inboxes, &epochs, None);
    let changed = reached != cursors || report.added > 0 || report.removed > 0;
    if changed {
        if let Err(e) = commit(&mut writer, index, &reached) {
            return Err(failed(index, writer, e));
        }
        report.commits += 1;
    }
    // Let background merges finish so the next reader sees few segments.
    writer
        .wait_merging_threads()
        .map_err(|e| Error::index(index.dir(), e))?;
    index.reload()?;
    report.generation = index.generation();
    report.messages = index.num_messages();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Ends a run that failed: the last commit stays as it was, what this run
/// buffered is dropped and the files it wrote are removed (on a full disk,
/// their space is what the next run needs). A failure whose cause tantivy
/// lost ("an index writer was killed") on a full disk is a full disk.
fn failed(index: &Index, mut writer: IndexWriter, e: Error) -> Error {
    let _ = writer.rollback();
    // Still holding the writer lock: no other run is writing.
    super::health::remove_orphans(index.dir(), index.tantivy());
    drop(writer);
    match e {
        Error::Index { .. } if super::health::disk_full(index.dir()) => Error::DiskFull {
            path: index.dir().to_path_buf(),
        },
        e => e,
    }
}

/// Turns syncing back on when a run ends, however it ends.
struct SyncAgain<'a>(&'a Index);

impl Drop for SyncAgain<'_> {
    fn drop(&mut self) {
        self.0.set_fsync(true);
    }
}

/// Runs with at least this many messages index on every writer thread.
/// Parsing outruns tantivy, so with one writer thread a run ends with that
/// thread alone on a backlog of queued documents, one core idle. Smaller
/// runs keep one thread: a second segment and swapping the writer cost
/// more there.
const BULK: usize = 4_000;

/// Segments above this many documents are never merged again. Bulk loads
/// write segments of tens of thousands of messages each (one per thread per
/// commit); merging those would rewrite the whole index for no query gain
/// worth it (a few dozen segments cost little per query). Incremental runs
/// add small segments, merged eight at a time by tantivy's log policy.
const MAX_DOCS_BEFORE_MERGE: usize = 10_000;

/// Scans every epoch of every inbox since its cursor, in inbox and epoch
/// order, on up to `threads` threads: whole epochs in parallel when there
/// are several, else one epoch's trees in parallel.
fn scan_all(
    inboxes: &[Inbox],
    cursors: &Cursors,
    rescan: &[(usize, u32)],
    threads: usize,
) -> Result<Vec<(archive::Scan, gix::ThreadSafeRepository)>> {
    let mut work = Vec::new();
    for (i, inbox) in inboxes.iter().enumerate() {
        let saved = cursors.inboxes.get(&inbox.name);
        let moved = saved.is_some_and(|c| c.path != inbox.path);
        for epoch in &inbox.epochs {
            let since = if moved || rescan.contains(&(i, epoch.number)) {
                None
            } else {
                saved
                    .and_then(|c| c.epochs.get(&epoch.number))
                    .and_then(|hex| ObjectId::from_hex(hex.as_bytes()).ok())
            };
            work.push((epoch.git_dir.clone(), since));
        }
    }
    let workers = threads.clamp(1, work.len().max(1));
    let tree_threads = (threads / workers).max(1);
    let single = work.len() == 1;
    let one = |(dir, since): &(std::path::PathBuf, Option<ObjectId>)| {
        let repo = archive::open_repo(dir)?;
        let mut scan = archive::scan_with_threads(&repo, *since, tree_threads)?;
        // The packs stay open for the reader only when one epoch is
        // scanned. Of several, each would stay mapped, with the pages its
        // scan touched, through the other scans and until the reader got
        // to it, and a full index of many large epochs would hold them all
        // in memory at once.
        if !single {
            scan.packs = None;
        }
        Ok((scan, repo.into_sync()))
    };
    if workers == 1 {
        return work.iter().map(one).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Result<(archive::Scan, gix::ThreadSafeRepository)>>> =
        (0..work.len()).map(|_| None).collect();
    let done: Vec<Vec<(usize, Result<_>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = work.get(k) else { break };
                        mine.push((k, one(item)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (k, r) in done.into_iter().flatten() {
        results[k] = Some(r);
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Panicked("scan"))))
        .collect()
}

/// The index's writer; documents are [`MailDoc`]s.
type IndexWriter = tantivy::IndexWriter<MailDoc>;

fn acquire_writer(index: &Index, opts: &IndexOptions, threads: usize) -> Result<IndexWriter> {
    let per_thread_floor = 15 << 20;
    let threads = threads.max(1);
    // The heap is per thread share; one thread gets its share, not the sum.
    let share = opts.writer_heap / opts.writer_threads.max(1);
    let heap = (share * threads).max(per_thread_floor * threads);
    loop {
        match index
            .tantivy()
            .writer_with_num_threads::<MailDoc>(threads, heap)
        {
            Ok(w) => {
                crate::files::remove_stale_temporaries(index.dir());
                let mut policy = tantivy::merge_policy::LogMergePolicy::default();
                policy.set_max_docs_before_merge(MAX_DOCS_BEFORE_MERGE);
                w.set_merge_policy(Box::new(policy));
                return Ok(w);
            }
            Err(tantivy::TantivyError::LockFailure(_, _)) => {
                if !opts.wait {
                    return Err(Error::IndexLocked {
                        path: index.dir().to_path_buf(),
                    });
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => return Err(Error::index(index.dir(), e)),
        }
    }
}

fn commit(writer: &mut IndexWriter, index: &Index, cursors: &Cursors) -> Result<()> {
    let payload = serde_json::to_string(cursors).map_err(|e| Error::index(index.dir(), e))?;
    let mut prepared = writer
        .prepare_commit()
        .map_err(|e| Error::index(index.dir(), e))?;
    prepared.set_payload(&payload);
    prepared
        .commit()
        .map_err(|e| Error::index(index.dir(), e))?;
    Ok(())
}

/// Cursors once every job before `watermark` is in (all jobs when `None`).
fn cursors_at(
    old: &Cursors,
    inboxes: &[Inbox],
    epochs: &[EpochPlan],
    watermark: Option<usize>,
) -> Cursors {
    let mut out = old.clone();
    for inbox in inboxes {
        let entry = out.inboxes.entry(inbox.name.clone()).or_default();
        if entry.path != inbox.path {
            entry.path = inbox.path.clone();
            entry.epochs.clear();
        }
    }
    for e in epochs {
        let name = &inboxes[e.inbox].name;
        let reached = match watermark {
            None => e.tip,
            Some(w) => {
                let pending = e.jobs.iter().position(|&(seq, _)| seq >= w);
                match pending {
                    // Everything of this epoch is in: the tip (skipping
                    // trailing empty commits and removals too).
                    None => e.tip,
                    // Stop just before the first job not yet in. Removals
                    // between are re-applied next time, harmlessly.
                    Some(0) => continue,
                    Some(p) => Some(e.jobs[p - 1].1),
                }
            }
        };
        if let (Some(tip), Some(c)) = (reached, out.inboxes.get_mut(name)) {
            c.epochs.insert(e.number, tip.to_string());
        }
    }
    out
}

/// Reads the jobs' blobs in order, one epoch's packs at a time, and hands
/// them to the parse workers. One thread does all the reading so that each
/// pack entry is inflated once (see [`archive::packed`]); it is about a
/// tenth of a full index's CPU.
fn feed(
    jobs: Vec<Job>,
    repos: &[Vec<(u32, gix::ThreadSafeRepository)>],
    mut packs: Vec<Vec<Option<archive::packed::Packs>>>,
    tx: Sender<(Job, Result<Vec<u8>>)>,
) {
    // Each epoch's wanted blobs, in job order. The jobs of an epoch come
    // together (the scan lists epoch by epoch), so one reader is open at a
    // time; were they interleaved, reading would stay right, only slower.
    let mut wanted: HashMap<(usize, usize), Vec<ObjectId>> = HashMap::new();
    for job in &jobs {
        wanted
            .entry((job.inbox, job.epoch))
            .or_default()
            .push(job.blob);
    }
    let mut open: Option<(
        (usize, usize),
        gix::Repository,
        archive::packed::PackedBlobs,
    )> = None;
    for job in jobs {
        let at = (job.inbox, job.epoch);
        if open.as_ref().is_none_or(|(epoch, _, _)| *epoch != at) {
            let repo = repos[at.0][at.1].1.to_thread_local();
            let blobs = wanted.remove(&at).unwrap_or_default();
            let opened = packs.get_mut(at.0).and_then(|p| p.get_mut(at.1)?.take());
            let reader = match opened {
                Some(p) => archive::packed::PackedBlobs::plan_in(p, &blobs),
                None => archive::packed::PackedBlobs::plan(repo.path(), &blobs),
            };
            open = Some((at, repo, reader));
        }
        let Some((_, repo, reader)) = open.as_mut() else {
            return;
        };
        let raw = reader.read(repo, &job.blob);
        if tx.send((job, raw)).is_err() {
            return;
        }
    }
}

fn parse_worker(
    rx: Receiver<(Job, Result<Vec<u8>>)>,
    tx: Sender<Result<Parsed>>,
    repos: &[Vec<(u32, gix::ThreadSafeRepository)>],
    fields: &Fields,
    names: &[String],
) {
    let mut local: HashMap<(usize, usize), gix::Repository> = HashMap::new();
    for (job, raw) in rx.iter() {
        let result = (|| {
            let raw = match raw {
                Ok(raw) => raw,
                Err(e) => {
                    let repo = local
                        .entry((job.inbox, job.epoch))
                        .or_insert_with(|| repos[job.inbox][job.epoch].1.to_thread_local());
                    let unreadable = Unreadable {
                        inbox: names[job.inbox].clone(),
                        epoch: repos[job.inbox][job.epoch].0,
                        blob: job.blob.to_string(),
                        commit: job.commit.to_string(),
                        reason: match e {
                            Error::MissingObject { .. } => "missing object".to_string(),
                            other => format!("unreadable object: {other}"),
                        },
                    };
                    let date = commit_time(repo, &job.commit).unwrap_or(0);
                    return Ok(Parsed {
                        seq: job.seq,
                        inbox: job.inbox,
                        doc: stand_in(fields, &unreadable, &job.blob, date),
                        degraded: true,
                        bytes: 0,
                        unreadable: Some(unreadable),
                    });
                }
            };
            let bytes = raw.len() as u64;
            let msg = Message::parse(&raw);
            drop(raw);
            let degraded = msg.is_degraded();
            let date = match msg.date {
                Some(d) => d,
                None => {
                    let repo = local
                        .entry((job.inbox, job.epoch))
                        .or_insert_with(|| repos[job.inbox][job.epoch].1.to_thread_local());
                    commit_time(repo, &job.commit).unwrap_or(0)
                }
            };
            let mut doc = document(
                fields,
                msg,
                &names[job.inbox],
                repos[job.inbox][job.epoch].0,
                &job.blob,
                date,
            );
            if degraded {
                let mut hex = [0u8; 64];
                doc.add_text(fields.commit, &*job.commit.hex_to_buf(&mut hex));
            }
            Ok(Parsed {
                seq: job.seq,
                inbox: job.inbox,
                doc,
                degraded,
                bytes,
                unreadable: None,
            })
        })();
        let failed = result.is_err();
        if tx.send(result).is_err() || failed {
            return;
        }
    }
}

fn commit_time(repo: &gix::Repository, commit: &ObjectId) -> Option<i64> {
    let mut buf = Vec::new();
    let c = repo.objects.find_commit_iter(commit, &mut buf).ok()?;
    let sig = c.committer().ok()?;
    sig.time().ok().map(|t| t.seconds)
}

fn is_indexed(index: &Index, searcher: &tantivy::Searcher, term: Term) -> Result<bool> {
    let q = TermQuery::new(term, IndexRecordOption::Basic);
    searcher
        .search(&q, &Count)
        .map(|n| n > 0)
        .map_err(|e| Error::index(index.dir(), e))
}

/// Message-IDs of the documents holding `term` (one, unless a blob was
/// indexed twice).
fn message_ids_of(
    index: &Index,
    searcher: &tantivy::Searcher,
    f: &Fields,
    term: Term,
) -> Result<Vec<String>> {
    let err = |e: tantivy::TantivyError| Error::index(index.dir(), e);
    let q = TermQuery::new(term, IndexRecordOption::Basic);
    let mut out = Vec::new();
    for a in searcher
        .search(&q, &tantivy::collector::DocSetCollector)
        .map_err(err)?
    {
        let doc: TantivyDocument = searcher.doc(a).map_err(err)?;
        if let Some(mid) = doc.get_first(f.mid).and_then(|v| v.as_str()) {
            out.push(mid.to_string());
        }
    }
    Ok(out)
}

/// Blobs the index holds for one epoch of one inbox.
fn indexed_blobs(index: &Index, f: &Fields, inbox: &str, epoch: u32) -> Result<Vec<ObjectId>> {
    let q = BooleanQuery::intersection(vec![
        Box::new(TermQuery::new(
            Term::from_field_text(f.inbox, inbox),
            IndexRecordOption::Basic,
        )) as Box<dyn TantivyQuery>,
        Box::new(TermQuery::new(
            Term::from_field_u64(f.epoch, u64::from(epoch)),
            IndexRecordOption::Basic,
        )),
    ]);
    let searcher = index.searcher();
    let addrs = searcher
        .search(&q, &tantivy::collector::DocSetCollector)
        .map_err(|e| Error::index(index.dir(), e))?;
    let mut out = Vec::with_capacity(addrs.len());
    for a in addrs {
        let doc: TantivyDocument = searcher.doc(a).map_err(|e| Error::index(index.dir(), e))?;
        if let Some(id) = doc
            .get_first(f.blob)
            .and_then(|v| v.as_str())
            .and_then(|s| ObjectId::from_hex(s.as_bytes()).ok())
        {
            out.push(id);
        }
    }
    Ok(out)
}

/// A trailer kind's number in the `tr` fast field (4 bits).
pub fn trailer_kind_code(kind: TrailerKind) -> u64 {
    match kind {
        TrailerKind::ReviewedBy => 1,
        TrailerKind::AckedBy => 2,
        TrailerKind::TestedBy => 3,
        TrailerKind::ReportedBy => 4,
        TrailerKind::SuggestedBy => 5,
        TrailerKind::CoDevelopedBy => 6,
        TrailerKind::SignedOffBy => 7,
        TrailerKind::NackedBy => 8,
        TrailerKind::Fixes => 9,
        TrailerKind::Link => 10,
        TrailerKind::Closes => 11,
        TrailerKind::Cc => 12,
        TrailerKind::Other => 13,
    }
}

/// Packs one trailer for the `tr` fast field: kind (4 bits), whether it
/// names someone other than the sender (1 bit), and a hash of the person
/// or value.
pub fn trailer_code(kind: TrailerKind, someone_else: bool, who: &str) -> u64 {
    (trailer_kind_code(kind) << 60) | (u64::from(someone_else) << 59) | (hash(who) >> 5)
}

/// The stand-in for a mail whose blob could not be read: found by its key
/// like the mail would be, dated by its commit, and of kinds `degraded`
/// and `missing` (which searches leave out: [`Index::compile`]).
fn stand_in(f: &Fields, u: &Unreadable, blob: &ObjectId, date: i64) -> MailDoc {
    let mut doc = MailDoc::default();
    doc.add_u64(f.key_h, schema::key_hash(&u.inbox, blob));
    doc.add_text(f.blob, u.blob.as_str());
    doc.add_text(f.inbox, u.inbox.as_str());
    doc.add_u64(f.epoch, u64::from(u.epoch));
    doc.add_i64(f.date, date);
    doc.add_u64(
        f.meta,
        Meta {
            degraded: true,
            ..Meta::default()
        }
        .pack(),
    );
    doc.add_text(f.kind, "degraded");
    doc.add_text(f.kind, "missing");
    doc.add_text(f.problems, u.reason.as_str());
    doc.add_text(f.commit, u.commit.as_str());
    doc
}

/// A stand-in found in the index.
struct StandIn {
    inbox: usize,
    epoch: u32,
    /// The object that could not be read: the mail's blob, or for a gap
    /// the commit or tree.
    blob: ObjectId,
    commit: ObjectId,
    /// A commit whose changes could not be read ([`archive::Gap`]).
    gap: bool,
}

/// The stand-ins of `inboxes` in the index (usually none).
fn stand_ins(index: &Index, f: &Fields, inboxes: &[Inbox]) -> Result<Vec<StandIn>> {
    let searcher = index.searcher();
    let gaps = index.of_kind(&searcher, "gap")?;
    let mut out = Vec::new();
    for a in index.of_kind(&searcher, "missing")? {
        let doc: TantivyDocument = searcher.doc(a).map_err(|e| Error::index(index.dir(), e))?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("");
        let id = |field| ObjectId::from_hex(text(field).as_bytes()).ok();
        let Some(inbox) = inboxes.iter().position(|i| i.name == text(f.inbox)) else {
            continue;
        };
        let (Some(blob), Some(commit)) = (id(f.blob), id(f.commit)) else {
            continue;
        };
        out.push(StandIn {
            inbox,
            epoch: doc.get_first(f.epoch).and_then(|v| v.as_u64()).unwrap_or(0) as u32,
            blob,
            commit,
            gap: gaps.contains(&a),
        });
    }
    Ok(out)
}

/// Builds the tantivy document of one message, taking its strings.
pub fn document(
    f: &Fields,
    msg: Message,
    inbox: &str,
    epoch: u32,
    blob: &ObjectId,
    date: i64,
) -> MailDoc {
    let mut doc = MailDoc::default();
    doc.add_u64(f.key_h, schema::key_hash(inbox, blob));
    let mut hex = [0u8; 64];
    doc.add_text(f.blob, &*blob.hex_to_buf(&mut hex));
    doc.add_text(f.inbox, inbox);
    doc.add_u64(f.epoch, u64::from(epoch));
    doc.add_u64(f.mid_h, hash(&msg.message_id));
    let parent = msg.parent();
    let mut seen: Vec<&str> = Vec::new();
    for r in msg.in_reply_to.iter().chain(msg.references.iter()) {
        if !seen.contains(&r.as_str()) {
            seen.push(r);
            doc.add_u64(f.refs_h, hash(r));
        }
    }
    doc.add_u64(f.parent_h, parent.map_or(0, hash));
    // Stored as "parent ref1 ref2 ...", "-" for no parent.
    let mut refs = String::from(parent.unwrap_or("-"));
    for r in &msg.references {
        refs.push(' ');
        refs.push_str(r);
    }
    doc.add_text(f.refs, refs);
    doc.add_i64(f.date, date);
    let from = msg.from.display();
    doc.add_u64(f.name_h, name_hash(&from));
    match &msg.header_from {
        Some(header) => {
            doc.add_text(f.from, header.display());
            doc.add_text(f.sender, from);
        }
        None => doc.add_text(f.from, from),
    }
    let who = if msg.from.addr.is_empty() {
        &msg.from.name
    } else {
        &msg.from.addr
    };
    doc.add_u64(f.from_h, hash(who));
    for a in &msg.to {
        doc.add_text(f.to, a.display());
    }
    for a in &msg.cc {
        doc.add_text(f.cc, a.display());
    }
    let info = &msg.subject_info;
    doc.add_u64(f.subj_h, subject_hash(&info.normalized));
    let has_diff = msg.has_diff();
    let meta = Meta {
        version: info.version,
        counter: info.counter,
        total: info.total,
        reply: info.reply,
        patch: info.patch,
        rfc: info.rfc,
        resend: info.resend,
        version_inferred: info.version_inferred,
        counter_inferred: info.counter_inferred,
        has_diff,
        has_diffstat: msg.has_diffstat,
        pull: msg.pull.is_some(),
        degraded: msg.is_degraded(),
        forward: info.forward,
        has_base: msg.base_commit.is_some(),
    };
    doc.add_u64(f.meta, meta.pack());
    if let Some(list) = &msg.list_id {
        doc.add_text(f.list, list.as_str());
    }
    doc.add_text(f.list, inbox);
    let mut paths: Vec<&str> = Vec::new();
    for file in &msg.diff.files {
        for p in [&file.old_path, &file.new_path].into_iter().flatten() {
            if !paths.contains(&p.as_str()) {
                paths.push(p);
            }
        }
    }
    // A tree-wide change touches thousands: the first ones say enough
    // about which work it is.
    for p in paths.iter().take(MAX_FILES) {
        doc.add_u64(f.files_h, hash(p));
    }
    for p in paths {
        doc.add_text(f.dfn, p);
    }
    for h in &msg.diff.hunk_headers {
        doc.add_text(f.dfhh, h.as_str());
    }
    if let Some(pid) = &msg.patch_id {
        doc.add_u64(f.pid_h, hash(pid));
    }
    if let Some(cid) = &msg.change_id {
        doc.add_u64(f.cid_h, hash(cid));
    }
    if !msg.trailers.is_empty() {
        if let Ok(json) = serde_json::to_string(&msg.trailers) {
            doc.add_text(f.trailers, json);
        }
        for t in &msg.trailers {
            let (someone_else, who) = match &t.person {
                Some(p) => (!p.matches(&msg.from.name, &msg.from.addr), p.addr.as_str()),
                None => (false, t.value.as_str()),
            };
            // A suspect trailer counts as no one's own, as in the model.
            let someone_else = someone_else || t.has_hidden_characters();
            doc.add_u64(f.tr, trailer_code(t.kind, someone_else, who));
        }
    }
    if let Some(pull) = &msg.pull
        && let Ok(json) = serde_json::to_string(pull)
    {
        doc.add_text(f.pull, json);
    }
    for k in kinds(&msg) {
        doc.add_text(f.kind, k);
    }
    if msg.is_degraded() {
        doc.add_text(f.problems, msg.problems.join("; "));
    }
    // The strings last: taken, not copied.
    let Message {
        message_id,
        subject,
        diff,
        patch_id,
        change_id,
        base_commit,
        ..
    } = msg;
    doc.add_text(f.mid, message_id);
    doc.add_text(f.subject, subject);
    // Quoted lines are what the original already says: indexing them again
    // doubles the text of a busy list for no new answer.
    doc.add_text(f.body, unquoted(diff.prose));
    if !diff.removed.is_empty() {
        doc.add_text(f.dfa, diff.removed);
    }
    if !diff.added.is_empty() {
        doc.add_text(f.dfb, diff.added);
    }
    if let Some(pid) = patch_id {
        doc.add_text(f.patchid, pid);
    }
    if let Some(cid) = change_id {
        doc.add_text(f.change_id, cid);
    }
    if let Some(base) = base_commit {
        doc.add_text(f.base, base);
    }
    if !msg.supersedes.is_empty() {
        doc.add_text(f.supersedes, msg.supersedes.join(" "));
    }
    if !msg.cites.is_empty() {
        doc.add_text(f.cites, msg.cites.join(" "));
    }
    doc
}

/// How many touched paths a document keeps for linking revisions.
const MAX_FILES: usize = 64;

/// The prose without quoted (`>`) lines; most prose has none, and is
/// kept as it is.
fn unquoted(prose: String) -> String {
    let quoted = |line: &str| line.trim_start().starts_with('>');
    if !crate::lines::lines(&prose).any(quoted) {
        return prose;
    }
    let mut out = String::with_capacity(prose.len());
    for line in crate::lines::lines(&prose) {
        if !quoted(line) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The counting words of a message (see [`Fields::kind`]).
fn kinds(msg: &Message) -> Vec<&'static str> {
    let info = &msg.subject_info;
    let mut out = Vec::new();
    let reply = info.reply || (msg.in_reply_to.is_some() && !info.patch);
    // The same order of questions as the series model's classification.
    if !info.reply && info.counter == 0 && !info.counter_inferred {
        out.push("cover");
    } else if msg.pull.is_some() && !info.reply && !msg.has_diff() {
        out.push("pull");
    } else if msg.has_diff() && !info.reply {
        out.push("patch");
    } else if msg.pull.is_some() && !info.reply {
        out.push("pull");
    } else if reply {
        out.push("reply");
    }
    if msg.is_degraded() {
        out.push("degraded");
    }
    out
}
