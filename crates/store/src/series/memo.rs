//! Series kept between runs, so a listing reads its series instead of
//! grouping them again.
//!
//! Grouping a month of a busy list from scratch gathers every message of
//! its series (a stored document, thread rounds and the grouping for each),
//! so a 30-day listing of a large archive cost the same every time it was
//! asked. The memo keeps each series a listing or an
//! index run grouped, under every Message-ID it holds, in one file beside
//! the index. It is only a cache, and never the reason a command fails:
//!
//! - It belongs to one index generation (a hash of the last commit's
//!   archive cursors). A memo of another generation is never read; the next
//!   write starts it afresh.
//! - Indexing new mail ([`after_index`]) drops every series holding a
//!   message the new mail's gathering reached (its threads, other
//!   revisions, loose siblings) and keeps the new mail's series instead;
//!   a removed message's series are grouped again from what is left of
//!   them; rewritten histories and new inboxes start it afresh.
//! - A listing keeps what it had to group ([`record`]): the series of the
//!   matches the memo did not know, and the matches that are in no series.
//! - Anything unreadable (a torn write, another format, a checksum that
//!   does not match) reads as absent.
//!
//! The file is rewritten whole on each change (a temporary, then a
//! rename), so a reader always sees one consistent memo; writers take a
//! lock file beside it, and a listing that finds it taken skips its write.
//! Layout: a header (with a checksum of the entries), `n` (Message-ID
//! hash, record offset) pairs sorted, then the records, each a length, a
//! checksum, the series' date and the encoded [`Series`]. When the records
//! outgrow [`MAX_BYTES`] the oldest series are left out.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::{CollectedTrailer, FollowUp, Link, MailRef, Patch, Pull, Revision, Series, Via};
use crate::error::Result;
use crate::files::Lock;
use crate::index::Index;
use crate::index::build::{IndexReport, trailer_kind_code};
use crate::index::schema::hash;
use crate::trailers::{Person, Trailer, TrailerKind};

const MAGIC: &[u8; 8] = b"puttsmem";
/// Bumped whenever the encoding below changes.
const FORMAT: u32 = 6;
const HEADER: usize = 8 + 4 + 4 + 8 + 8;
/// A Message-ID the memo knows to be in no series.
pub(crate) const NONE: u64 = u64::MAX;
/// Records beyond this many bytes are left out, oldest series first: the
/// file is rewritten on every change, and a month of a busy list is a few
/// tens of MB.
const MAX_BYTES: u64 = 64 << 20;
/// Message-IDs known to be in no series are forgotten beyond this many.
const MAX_NONE: usize = 2_000_000;

const FILE_NAME: &str = "series.memo";

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// The memo's files, for removing an index.
pub(crate) fn is_memo_file(name: &str) -> bool {
    name.starts_with(FILE_NAME)
}

/// An open memo of the index's current generation.
pub(crate) struct Memo {
    file: File,
    /// (Message-ID hash, record offset or [`NONE`]), sorted.
    entries: Vec<(u64, u64)>,
    records_start: u64,
}

/// The memo file's header, after the magic and the format.
struct Header {
    /// Checksum of the entries (low 32 bits).
    check: u32,
    /// The index generation the memo belongs to.
    token: u64,
    /// Number of entries.
    n: u64,
}

impl Header {
    /// The memo file at `dir` and its header, if it is one of this format.
    fn read(dir: &Path) -> Option<(File, Header)> {
        let file = File::open(path(dir)).ok()?;
        let mut raw = [0u8; HEADER];
        file.read_exact_at(&mut raw, 0).ok()?;
        let mut d = Dec::new(&raw);
        if d.bytes(8)? != MAGIC || d.u32()? != FORMAT {
            return None;
        }
        let header = Header {
            check: d.u32()?,
            token: d.u64()?,
            n: d.u64()?,
        };
        Some((file, header))
    }
}

/// What the memo says about one Message-ID.
pub(crate) enum Lookup<'m> {
    /// Nothing: group it.
    Unknown,
    /// The entries naming it: offsets of the series holding it ([`NONE`]
    /// entries aside); empty when it is in none.
    Known(&'m [(u64, u64)]),
}

impl Memo {
    /// The memo of `index`'s generation, if there is a readable one.
    pub(crate) fn open(index: &Index) -> Option<Memo> {
        Memo::open_at(index.dir(), Some(index.generation()))
    }

    /// The memo at `dir`; with `token`, only if it belongs to that
    /// generation.
    fn open_at(dir: &Path, token: Option<u64>) -> Option<Memo> {
        let (
            file,
            Header {
                check,
                token: memo_token,
                n,
            },
        ) = Header::read(dir)?;
        if token.is_some_and(|t| t != memo_token) {
            return None;
        }
        let len = usize::try_from(n).ok()?.checked_mul(16)?;
        if len as u64 > file.metadata().ok()?.len() {
            return None;
        }
        let mut raw = vec![0u8; len];
        file.read_exact_at(&mut raw, HEADER as u64).ok()?;
        // Records check themselves; an entry that pointed at the wrong one
        // would show a match in another series.
        if checksum(&raw) as u32 != check {
            return None;
        }
        let entries = raw
            .chunks_exact(16)
            .map(|c| {
                let (k, v) = c.split_at(8);
                (
                    u64::from_le_bytes(k.try_into().unwrap_or_default()),
                    u64::from_le_bytes(v.try_into().unwrap_or_default()),
                )
            })
            .collect();
        Some(Memo {
            file,
            entries,
            records_start: (HEADER + len) as u64,
        })
    }

    fn token_of(dir: &Path) -> Option<u64> {
        Header::read(dir).map(|(_, h)| h.token)
    }

    pub(crate) fn lookup(&self, mid_h: u64) -> Lookup<'_> {
        self.lookup_from(&mut 0, mid_h)
    }

    /// [`Memo::lookup`] for hashes asked in ascending order: the search
    /// starts at `cursor` and gallops, and leaves `cursor` at the first
    /// entry not below `mid_h`.
    pub(crate) fn lookup_from(&self, cursor: &mut usize, mid_h: u64) -> Lookup<'_> {
        let rest = &self.entries[(*cursor).min(self.entries.len())..];
        let mut step = 1;
        while step < rest.len() && rest[step].0 < mid_h {
            step *= 2;
        }
        let window = &rest[..rest.len().min(step + 1)];
        let from = *cursor + window.partition_point(|e| e.0 < mid_h);
        *cursor = from;
        let to = from + self.entries[from..].partition_point(|e| e.0 == mid_h);
        if from == to {
            return Lookup::Unknown;
        }
        let found = &self.entries[from..to];
        if found.iter().all(|e| e.1 == NONE) {
            Lookup::Known(&[])
        } else {
            Lookup::Known(found)
        }
    }

    /// The series stored at each of `offsets`: `None` for a record that
    /// does not read back whole. Records near each other are read in one
    /// go: a month's series lie together, newest first, and a read per
    /// record cost more than decoding them.
    pub(crate) fn load_many(&self, offsets: &[u64]) -> HashMap<u64, Option<Series>> {
        let mut sorted = offsets.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out = HashMap::with_capacity(sorted.len());
        // (run buffer, offset) of each record to decode.
        let mut bufs: Vec<Vec<u8>> = Vec::new();
        let mut todo: Vec<(usize, u64, u64)> = Vec::with_capacity(sorted.len());
        let mut i = 0;
        while i < sorted.len() {
            let mut j = i + 1;
            while j < sorted.len() && sorted[j] - sorted[j - 1] <= RUN_GAP {
                j += 1;
            }
            let run = &sorted[i..j];
            match self.read_run(run) {
                Some(buf) => {
                    bufs.push(buf);
                    todo.extend(run.iter().map(|&off| (bufs.len() - 1, run[0], off)));
                }
                None => out.extend(run.iter().map(|&off| (off, None))),
            }
            i = j;
        }
        // Decoding is allocation-bound (a series is hundreds of strings):
        // split over the cores.
        let decode = |part: &[(usize, u64, u64)]| -> Vec<(u64, Option<Series>)> {
            part.iter()
                .map(|&(b, start, off)| (off, decode_record(&bufs[b][(off - start) as usize..])))
                .collect()
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        if threads < 2 || todo.len() < 64 {
            out.extend(decode(&todo));
            return out;
        }
        let chunk = todo.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let mut chunks = todo.chunks(chunk);
            // This thread decodes the first part while helpers do the rest.
            let mine = chunks.next().unwrap_or_default();
            let parts: Vec<_> = chunks.map(|part| scope.spawn(|| decode(part))).collect();
            out.extend(decode(mine));
            for p in parts {
                // A decoder cannot panic on bad bytes (it returns None); if
                // one did anyway, its records are simply not loaded.
                if let Ok(done) = p.join() {
                    out.extend(done);
                }
            }
        });
        out
    }

    /// The bytes from the first record of `run` to the end of its last.
    fn read_run(&self, run: &[u64]) -> Option<Vec<u8>> {
        let (first, last) = (*run.first()?, *run.last()?);
        let mut head = [0u8; RECORD_HEAD];
        self.file
            .read_exact_at(&mut head, self.records_start.checked_add(last)?)
            .ok()?;
        let len = Dec::new(&head).u32()? as u64;
        let end = last.checked_add(RECORD_HEAD as u64 + len)?;
        let mut buf = vec![0u8; usize::try_from(end - first).ok()?];
        self.file
            .read_exact_at(&mut buf, self.records_start + first)
            .ok()?;
        Some(buf)
    }

    /// Every record's bytes, for copying the ones a write keeps.
    fn all_records(&self) -> Option<Vec<u8>> {
        let len = self.file.metadata().ok()?.len();
        let mut buf = vec![0u8; usize::try_from(len.checked_sub(self.records_start)?).ok()?];
        self.file.read_exact_at(&mut buf, self.records_start).ok()?;
        Some(buf)
    }
}

/// The whole record (head and payload) at `offset` of `records`, if its
/// checksum holds.
fn record_at(records: &[u8], offset: u64) -> Option<&[u8]> {
    let at = usize::try_from(offset).ok()?;
    let mut d = Dec::new(records.get(at..)?);
    let len = d.u32()? as usize;
    let check = d.u64()?;
    let whole = records.get(at..at.checked_add(RECORD_HEAD)?.checked_add(len)?)?;
    (checksum(&whole[RECORD_HEAD..]) == check).then_some(whole)
}

/// Length, checksum, date.
const RECORD_HEAD: usize = 4 + 8 + 8;
/// Records fewer bytes apart than this are read together.
const RUN_GAP: u64 = 64 << 10;

/// The series in the record at the start of `bytes`, if it is whole.
fn decode_record(bytes: &[u8]) -> Option<Series> {
    let whole = record_at(bytes, 0)?;
    decode_series(&mut Dec::new(&whole[RECORD_HEAD..]))
}

fn record_date(record: &[u8]) -> i64 {
    Dec::new(&record[12..RECORD_HEAD]).i64().unwrap_or(i64::MIN)
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for chunk in bytes.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h ^= u64::from_le_bytes(w);
        h = h.wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29);
    }
    h
}

/// Every Message-ID a series holds (covers, patches, follow-ups).
fn members(s: &Series) -> impl Iterator<Item = &String> {
    s.revisions.iter().flat_map(|r| r.members.iter())
}

/// One change to the memo.
struct Change<'c> {
    /// Message-ID hashes whose entries go, with every series they were in.
    drop: HashSet<u64>,
    /// Series to keep, under each of their members.
    add: &'c [Series],
    /// Message-ID hashes known to be in no series.
    none: Vec<u64>,
}

/// How a write treats what is there.
enum Base {
    /// Change the memo if it belongs to this generation, else start afresh.
    Generation(u64),
    /// Start afresh.
    Fresh,
}

/// Keeps the series a listing grouped (`series`, each holding one of its
/// matches) and the matches that are in no series (`none`, Message-ID
/// hashes). Skipped when another process is writing the memo; a failure
/// leaves the memo as it was and the listing unaffected.
pub(crate) fn record(index: &Index, series: &[Series], none: Vec<u64>) {
    let Ok(Some(_held)) = lock(index.dir(), false) else {
        return;
    };
    let touched: HashSet<u64> = series
        .iter()
        .flat_map(members)
        .map(|m| hash(m))
        .chain(none.iter().copied())
        .collect();
    let token = index.generation();
    let _ = write(
        index.dir(),
        token,
        Base::Generation(token),
        Change {
            drop: touched,
            add: series,
            none,
        },
    );
}

/// Brings the memo to the generation an index run committed: drops what
/// the new mail touches and keeps the new mail's series, which it returns
/// (as [`super::gather::series_of_messages`] would) when it grouped them.
/// Needs the run's [`IndexReport::new_messages`]
/// ([`crate::index::build::IndexOptions::track_new`]).
pub fn after_index(index: &Index, report: &IndexReport) -> Result<Option<Vec<Series>>> {
    let dir = index.dir();
    // A bulk load (a new archive, a rebuild) is followed by a listing:
    // group its newest month now, while the archive is still in the page
    // cache, so the first listing reads it.
    let warm = report.added >= WARM_AFTER;
    let Some(memo_token) = Memo::token_of(dir) else {
        if warm {
            super::gather::keep_newest(index, WARM_SECONDS)?;
        }
        return Ok(None);
    };
    let token = report.generation;
    if memo_token == token {
        return Ok(None);
    }
    let held = lock(dir, true)?;
    let wholesale = memo_token != report.generation_before
        || !report.rewritten.is_empty()
        || !report.imported.is_empty()
        || report.new_messages.len() as u64 != report.added;
    if wholesale || (report.new_messages.is_empty() && report.removed_messages.is_empty()) {
        // Nothing new (empty commits moved a cursor) keeps the series.
        let base = if wholesale {
            Base::Fresh
        } else {
            Base::Generation(memo_token)
        };
        let change = Change {
            drop: HashSet::new(),
            add: &[],
            none: Vec::new(),
        };
        write(dir, token, base, change)?;
        drop(held);
        if wholesale && warm {
            super::gather::keep_newest(index, WARM_SECONDS)?;
        }
        return Ok(None);
    }
    // A removed message's series are grouped again from what is left of
    // them, like new mail: it may have tied their patches together.
    let mut seeds = report.new_messages.clone();
    let removed: HashSet<u64> = report.removed_messages.iter().map(|m| hash(m)).collect();
    if !removed.is_empty()
        && let Some(old) = Memo::open_at(dir, Some(memo_token))
    {
        let offsets: Vec<u64> = old
            .entries
            .iter()
            .filter(|e| e.1 != NONE && removed.contains(&e.0))
            .map(|e| e.1)
            .collect();
        for s in old.load_many(&offsets).into_values().flatten() {
            seeds.extend(members(&s).filter(|m| !removed.contains(&hash(m))).cloned());
        }
    }
    let (series, reached) = super::gather::series_and_reach(index, &seeds)?;
    let in_series: HashSet<u64> = series.iter().flat_map(members).map(|m| hash(m)).collect();
    let seeded: HashSet<u64> = seeds.iter().map(|m| hash(m)).collect();
    let none = reached
        .iter()
        .map(|m| hash(m))
        .filter(|h| seeded.contains(h) && !in_series.contains(h))
        .collect();
    let touched: HashSet<u64> = reached
        .iter()
        .map(|m| hash(m))
        .chain(in_series)
        .chain(removed)
        .collect();
    let change = Change {
        drop: touched,
        add: &series,
        none,
    };
    write(dir, token, Base::Generation(memo_token), change)?;
    // What events report: the new mail's series.
    let new: HashSet<&str> = report.new_messages.iter().map(String::as_str).collect();
    Ok(Some(
        series
            .into_iter()
            .filter(|s| members(s).any(|m| new.contains(m.as_str())))
            .collect(),
    ))
}

/// Index runs adding at least this many messages group the newest month
/// into the memo ([`after_index`]).
const WARM_AFTER: u64 = 20_000;
/// How far back from the newest mail that month reaches.
const WARM_SECONDS: i64 = 31 * 24 * 3600;

/// The writers' lock; `None` when `wait` is false and another holds it.
fn lock(dir: &Path, wait: bool) -> Result<Option<Lock>> {
    let p = dir.join(format!("{FILE_NAME}.lock"));
    if wait {
        Lock::take(&p).map(Some)
    } else {
        Lock::try_take(&p)
    }
}

/// Writes the memo of generation `token`: what `base` keeps of the
/// current one, changed by `change`.
fn write(dir: &Path, token: u64, base: Base, change: Change<'_>) -> Result<()> {
    let old = match base {
        Base::Generation(t) => Memo::open_at(dir, Some(t)),
        Base::Fresh => None,
    };
    // What stays of the old memo: entries not dropped, pointing at series
    // none of whose members were dropped.
    let mut kept: Vec<(u64, u64)> = Vec::new();
    let mut records: Vec<Vec<u8>> = Vec::new();
    // Whether the old memo (of this same generation) stays whole: then a
    // write that adds nothing is skipped. A query matching more series than
    // the memo holds would otherwise rewrite it on every run.
    let mut whole = old.is_some() && matches!(base, Base::Generation(t) if t == token);
    if let Some(old) = &old {
        let old_records = old.all_records().unwrap_or_default();
        let gone: HashSet<u64> = old
            .entries
            .iter()
            .filter(|e| e.1 != NONE && change.drop.contains(&e.0))
            .map(|e| e.1)
            .collect();
        let mut moved: HashMap<u64, u64> = HashMap::new();
        for &(h, off) in &old.entries {
            if change.drop.contains(&h) || gone.contains(&off) {
                whole = false;
                continue;
            }
            if off == NONE {
                kept.push((h, NONE));
                continue;
            }
            let slot = match moved.get(&off) {
                Some(&s) => s,
                None => {
                    // A record that does not read back is left out, with
                    // every entry pointing at it.
                    let Some(rec) = record_at(&old_records, off) else {
                        moved.insert(off, NONE);
                        whole = false;
                        continue;
                    };
                    records.push(rec.to_vec());
                    let s = records.len() as u64 - 1;
                    moved.insert(off, s);
                    s
                }
            };
            if slot != NONE {
                kept.push((h, slot));
            }
        }
    }
    let old_records = records.len();
    if let Some(old) = &old {
        whole &= change
            .none
            .iter()
            .all(|&h| matches!(old.lookup(h), Lookup::Known(e) if e.is_empty()));
    }
    for s in change.add {
        let mut e = Enc::default();
        encode_series(&mut e, s);
        let mut rec = Vec::with_capacity(RECORD_HEAD + e.0.len());
        rec.extend_from_slice(&(e.0.len() as u32).to_le_bytes());
        rec.extend_from_slice(&checksum(&e.0).to_le_bytes());
        rec.extend_from_slice(&s.date().to_le_bytes());
        rec.extend_from_slice(&e.0);
        records.push(rec);
        let slot = records.len() as u64 - 1;
        let mut hs: Vec<u64> = members(s).map(|m| hash(m)).collect();
        hs.sort_unstable();
        hs.dedup();
        kept.extend(hs.into_iter().map(|h| (h, slot)));
    }
    kept.extend(change.none.iter().map(|&h| (h, NONE)));
    if kept.iter().filter(|e| e.1 == NONE).count() > MAX_NONE {
        kept.retain(|e| e.1 != NONE);
    }

    // Newest series first within the size bound; slots become offsets.
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(record_date(&records[i])));
    let mut offset_of = vec![NONE; records.len()];
    let mut at = 0u64;
    for i in order {
        let len = records[i].len() as u64;
        if at + len > MAX_BYTES {
            continue;
        }
        offset_of[i] = at;
        at += len;
    }
    if whole && offset_of[old_records..].iter().all(|&o| o == NONE) {
        return Ok(());
    }
    let mut entries: Vec<(u64, u64)> = kept
        .into_iter()
        .filter_map(|(h, slot)| match slot {
            NONE => Some((h, NONE)),
            s => {
                let off = offset_of[s as usize];
                (off != NONE).then_some((h, off))
            }
        })
        .collect();
    entries.sort_unstable();
    entries.dedup();

    crate::files::write_cache_with(&path(dir), |out| {
        write_file(out, token, &entries, &records, &offset_of)
    })
}

/// The memo's bytes: header, entries, then the placed records in offset
/// order.
fn write_file(
    out: &mut dyn Write,
    token: u64,
    entries: &[(u64, u64)],
    records: &[Vec<u8>],
    offset_of: &[u64],
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(HEADER);
    head.extend_from_slice(MAGIC);
    let mut raw = Vec::with_capacity(entries.len() * 16);
    for (h, off) in entries {
        raw.extend_from_slice(&h.to_le_bytes());
        raw.extend_from_slice(&off.to_le_bytes());
    }
    head.extend_from_slice(&FORMAT.to_le_bytes());
    head.extend_from_slice(&(checksum(&raw) as u32).to_le_bytes());
    head.extend_from_slice(&token.to_le_bytes());
    head.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    out.write_all(&head)?;
    out.write_all(&raw)?;
    let mut placed: Vec<(u64, usize)> = offset_of
        .iter()
        .enumerate()
        .filter(|(_, o)| **o != NONE)
        .map(|(i, o)| (*o, i))
        .collect();
    placed.sort_unstable();
    for (_, i) in placed {
        out.write_all(&records[i])?;
    }
    Ok(())
}

// The encoding: little-endian integers, strings and lists behind a u32
// length. Every struct is taken apart whole, so a field added to the model
// cannot be forgotten here (bump `FORMAT` then).

#[derive(Default)]
struct Enc(Vec<u8>);

impl Enc {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bool(&mut self, v: bool) {
        self.0.push(u8::from(v));
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    /// A flag, then the value when there is one.
    fn opt<T>(&mut self, v: Option<&T>, each: impl FnOnce(&mut Enc, &T)) {
        self.bool(v.is_some());
        if let Some(v) = v {
            each(self, v);
        }
    }
    fn opt_str(&mut self, s: &Option<String>) {
        self.opt(s.as_ref(), |e, s| e.str(s));
    }
    fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Enc, &T)) {
        self.u32(items.len() as u32);
        for i in items {
            each(self, i);
        }
    }
}

struct Dec<'b> {
    buf: &'b [u8],
    pos: usize,
}

impl<'b> Dec<'b> {
    fn new(buf: &'b [u8]) -> Dec<'b> {
        Dec { buf, pos: 0 }
    }
    fn bytes(&mut self, n: usize) -> Option<&'b [u8]> {
        let end = self.pos.checked_add(n)?;
        let b = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(b)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }
    fn bool(&mut self) -> Option<bool> {
        match self.bytes(1)?[0] {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.bytes(n)?.to_vec()).ok()
    }
    /// A flag, then the value when it is set.
    fn opt<T>(&mut self, value: impl FnOnce(&mut Dec<'b>) -> Option<T>) -> Option<Option<T>> {
        Some(if self.bool()? {
            Some(value(self)?)
        } else {
            None
        })
    }
    fn opt_str(&mut self) -> Option<Option<String>> {
        self.opt(Dec::str)
    }
    fn list<T>(&mut self, mut each: impl FnMut(&mut Dec<'b>) -> Option<T>) -> Option<Vec<T>> {
        let n = self.u32()? as usize;
        // A corrupt length must not allocate the moon.
        let mut v = Vec::with_capacity(n.min(self.buf.len() - self.pos));
        for _ in 0..n {
            v.push(each(self)?);
        }
        Some(v)
    }
}

fn encode_series(e: &mut Enc, s: &Series) {
    let Series {
        id,
        subject,
        author,
        revisions,
    } = s;
    e.str(id);
    e.str(subject);
    e.str(author);
    e.list(revisions, encode_revision);
}

fn decode_series(d: &mut Dec) -> Option<Series> {
    Some(Series {
        id: d.str()?,
        subject: d.str()?,
        author: d.str()?,
        revisions: d.list(decode_revision)?,
    })
}

fn encode_revision(e: &mut Enc, r: &Revision) {
    let Revision {
        version,
        version_inferred,
        resend,
        rfc,
        prefixes,
        subject,
        author,
        author_addr,
        date,
        total,
        cover,
        patches,
        missing,
        extra,
        change_id,
        base_commit,
        pull,
        partial_of,
        followups,
        superseded,
        cover_trailers,
        link,
        split,
        root_message,
        members,
        replies,
    } = r;
    e.u32(*version);
    e.bool(*version_inferred);
    e.bool(*resend);
    e.bool(*rfc);
    e.list(prefixes, |e, p| e.str(p));
    e.str(subject);
    e.str(author);
    e.str(author_addr);
    e.i64(*date);
    e.u32(*total);
    e.opt(cover.as_ref(), encode_mail);
    e.list(patches, encode_patch);
    e.list(missing, |e, m| e.u32(*m));
    e.list(extra, encode_mail);
    e.opt_str(change_id);
    e.opt_str(base_commit);
    e.opt(pull.as_ref(), |e, Pull { url, branch }| {
        e.str(url);
        e.opt_str(branch);
    });
    e.opt(partial_of.as_ref(), |e, v| e.u32(*v));
    e.u64(*followups as u64);
    e.bool(*superseded);
    e.list(cover_trailers, encode_collected);
    e.opt(link.as_ref(), |e, l| {
        let Link {
            to,
            message_id,
            later,
            because,
        } = l;
        e.str(to);
        e.str(message_id);
        e.bool(*later);
        e.list(because, |e, b| e.str(b));
    });
    e.bool(*split);
    e.str(root_message);
    // Most members are the cover, the patches and the follow-ups written
    // above: only the others are written (fewer strings to read back).
    let derived = derived_members(cover.as_ref(), patches, extra, replies);
    if derived.iter().all(|m| members.contains(*m)) {
        e.bool(true);
        let mut rest: Vec<&String> = members.iter().filter(|m| !derived.contains(m)).collect();
        rest.sort();
        e.list(&rest, |e, m| e.str(m));
    } else {
        e.bool(false);
        let mut ids: Vec<&String> = members.iter().collect();
        ids.sort();
        e.list(&ids, |e, m| e.str(m));
    }
    e.list(replies, |e, f| {
        let FollowUp {
            message_id,
            from_addr,
            date,
            slot,
        } = f;
        e.str(message_id);
        e.str(from_addr);
        e.i64(*date);
        e.u32(*slot);
    });
}

fn decode_revision(d: &mut Dec) -> Option<Revision> {
    let mut r = Revision {
        version: d.u32()?,
        version_inferred: d.bool()?,
        resend: d.bool()?,
        rfc: d.bool()?,
        prefixes: d.list(Dec::str)?,
        subject: d.str()?,
        author: d.str()?,
        author_addr: d.str()?,
        date: d.i64()?,
        total: d.u32()?,
        cover: d.opt(decode_mail)?,
        patches: d.list(decode_patch)?,
        missing: d.list(Dec::u32)?,
        extra: d.list(decode_mail)?,
        change_id: d.opt_str()?,
        base_commit: d.opt_str()?,
        pull: d.opt(|d| {
            Some(Pull {
                url: d.str()?,
                branch: d.opt_str()?,
            })
        })?,
        partial_of: d.opt(Dec::u32)?,
        followups: usize::try_from(d.u64()?).ok()?,
        superseded: d.bool()?,
        cover_trailers: d.list(decode_collected)?,
        link: d.opt(|d| {
            Some(Link {
                to: d.str()?,
                message_id: d.str()?,
                later: d.bool()?,
                because: d.list(Dec::str)?,
            })
        })?,
        split: d.bool()?,
        root_message: d.str()?,
        members: HashSet::new(),
        replies: Vec::new(),
    };
    let with_derived = d.bool()?;
    let listed = d.list(Dec::str)?;
    r.replies = d.list(|d| {
        Some(FollowUp {
            message_id: d.str()?,
            from_addr: d.str()?,
            date: d.i64()?,
            slot: d.u32()?,
        })
    })?;
    let mut members: HashSet<String> = listed.into_iter().collect();
    if with_derived {
        members.extend(
            derived_members(r.cover.as_ref(), &r.patches, &r.extra, &r.replies)
                .into_iter()
                .cloned(),
        );
    }
    r.members = members;
    Some(r)
}

/// Members a revision's other fields name: its cover, the patches it sent
/// (not inherited ones), extra patches and follow-ups.
fn derived_members<'r>(
    cover: Option<&'r MailRef>,
    patches: &'r [Patch],
    extra: &'r [MailRef],
    replies: &'r [FollowUp],
) -> HashSet<&'r String> {
    let sent = patches.iter().filter(|p| !p.inherited).map(|p| &p.mail);
    cover
        .into_iter()
        .chain(sent)
        .chain(extra)
        .map(|m| &m.message_id)
        .chain(replies.iter().map(|f| &f.message_id))
        .collect()
}

fn encode_mail(e: &mut Enc, m: &MailRef) {
    let MailRef {
        message_id,
        subject,
        from,
        date,
        patch_id,
        inbox,
        blob,
    } = m;
    e.str(message_id);
    e.str(subject);
    e.str(from);
    e.i64(*date);
    e.opt_str(patch_id);
    e.str(inbox);
    e.str(blob);
}

fn decode_mail(d: &mut Dec) -> Option<MailRef> {
    Some(MailRef {
        message_id: d.str()?,
        subject: d.str()?,
        from: d.str()?,
        date: d.i64()?,
        patch_id: d.opt_str()?,
        inbox: d.str()?,
        blob: d.str()?,
    })
}

fn encode_patch(e: &mut Enc, p: &Patch) {
    let Patch {
        counter,
        mail,
        inherited,
        own_trailers,
        trailers,
        someone_else,
        followups,
    } = p;
    e.u32(*counter);
    encode_mail(e, mail);
    e.bool(*inherited);
    e.list(own_trailers, encode_trailer);
    e.list(trailers, encode_collected);
    e.list(someone_else, encode_collected);
    e.u64(*followups as u64);
}

fn decode_patch(d: &mut Dec) -> Option<Patch> {
    Some(Patch {
        counter: d.u32()?,
        mail: decode_mail(d)?,
        inherited: d.bool()?,
        own_trailers: d.list(decode_trailer)?,
        trailers: d.list(decode_collected)?,
        someone_else: d.list(decode_collected)?,
        followups: usize::try_from(d.u64()?).ok()?,
    })
}

const VIAS: [Via; 4] = [Via::Patch, Via::Reply, Via::Cover, Via::Carried];

fn encode_collected(e: &mut Enc, t: &CollectedTrailer) {
    let CollectedTrailer {
        trailer,
        via,
        sender,
        message_id,
        date,
        version,
    } = t;
    encode_trailer(e, trailer);
    e.u32(VIAS.iter().position(|v| v == via).unwrap_or(0) as u32);
    e.str(sender);
    e.str(message_id);
    e.i64(*date);
    e.u32(*version);
}

fn decode_collected(d: &mut Dec) -> Option<CollectedTrailer> {
    Some(CollectedTrailer {
        trailer: decode_trailer(d)?,
        via: *VIAS.get(d.u32()? as usize)?,
        sender: d.str()?,
        message_id: d.str()?,
        date: d.i64()?,
        version: d.u32()?,
    })
}

const KINDS: [TrailerKind; 13] = [
    TrailerKind::ReviewedBy,
    TrailerKind::AckedBy,
    TrailerKind::TestedBy,
    TrailerKind::ReportedBy,
    TrailerKind::SuggestedBy,
    TrailerKind::CoDevelopedBy,
    TrailerKind::SignedOffBy,
    TrailerKind::NackedBy,
    TrailerKind::Fixes,
    TrailerKind::Link,
    TrailerKind::Closes,
    TrailerKind::Cc,
    TrailerKind::Other,
];

fn encode_trailer(e: &mut Enc, t: &Trailer) {
    let Trailer {
        kind,
        name,
        value,
        person,
        comment,
    } = t;
    e.u64(trailer_kind_code(*kind));
    e.str(name);
    e.str(value);
    e.opt(person.as_ref(), |e, Person { name, addr }| {
        e.str(name);
        e.str(addr);
    });
    e.opt_str(comment);
}

fn decode_trailer(d: &mut Dec) -> Option<Trailer> {
    let code = d.u64()?;
    Some(Trailer {
        kind: *KINDS.iter().find(|k| trailer_kind_code(**k) == code)?,
        name: d.str()?,
        value: d.str()?,
        person: d.opt(|d| {
            Some(Person {
                name: d.str()?,
                addr: d.str()?,
            })
        })?,
        comment: d.opt_str()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::Inbox;
    use crate::index::build::{self, IndexOptions};

    /// Every field, those `--json` leaves out included.
    fn whole(s: &Series) -> String {
        let revs: Vec<String> = s
            .revisions
            .iter()
            .map(|r| {
                let mut members: Vec<&String> = r.members.iter().collect();
                members.sort();
                let mails: Vec<(&str, &str)> = r
                    .cover
                    .iter()
                    .chain(r.patches.iter().map(|p| &p.mail))
                    .chain(r.extra.iter())
                    .map(|m| (m.inbox.as_str(), m.blob.as_str()))
                    .collect();
                format!(
                    "{} {} {} {members:?} {:?} {mails:?} {:?}",
                    serde_json::to_string(r).expect("json"),
                    r.root_message,
                    r.author_addr,
                    r.replies,
                    r.patches
                        .iter()
                        .map(|p| (&p.own_trailers, &p.someone_else))
                        .collect::<Vec<_>>()
                )
            })
            .collect();
        format!("{} {revs:?}", serde_json::to_string(s).expect("json"))
    }

    #[test]
    fn series_read_back_as_written() {
        let dir = tempfile::tempdir().expect("tmp");
        putt_testkit::sample::write_inbox(&dir.path().join("inbox")).expect("sample");
        let index = Index::open_or_create(&dir.path().join("index")).expect("index");
        let inbox = Inbox::open("sample", &dir.path().join("inbox")).expect("inbox");
        build::update(&index, &[inbox], &IndexOptions::default(), &mut |_| {}).expect("index");
        let now = chrono::DateTime::from_timestamp(4_000_000_000, 0).expect("now");
        let series =
            super::super::gather::series_for_query(&index, "", now, 100_000).expect("series");
        assert!(series.len() > 3, "{}", series.len());
        let memo = Memo::open(&index).expect("the listing kept a memo");
        let mut checked = 0;
        for s in &series {
            for m in members(s) {
                let Lookup::Known(entries) = memo.lookup(hash(m)) else {
                    panic!("{m} of {} is not in the memo", s.id);
                };
                let offsets: Vec<u64> = entries.iter().map(|e| e.1).collect();
                let loaded = memo.load_many(&offsets);
                let back = loaded
                    .values()
                    .flatten()
                    .find(|b| b.id == s.id)
                    .expect("its series");
                assert_eq!(whole(back), whole(s));
                checked += 1;
            }
        }
        assert!(checked > 10, "{checked}");
        // Asked in ascending order from a cursor, the same answers.
        let mut asked: Vec<u64> = series.iter().flat_map(members).map(|m| hash(m)).collect();
        asked.extend([0, 1, u64::MAX, hash("nobody@x")]);
        asked.sort_unstable();
        let mut cursor = 0;
        for h in asked {
            let one = match memo.lookup(h) {
                Lookup::Unknown => None,
                Lookup::Known(e) => Some(e.to_vec()),
            };
            let walked = match memo.lookup_from(&mut cursor, h) {
                Lookup::Unknown => None,
                Lookup::Known(e) => Some(e.to_vec()),
            };
            assert_eq!(one, walked, "{h:x}");
        }
        assert!(matches!(memo.lookup(hash("nobody@x")), Lookup::Unknown));
        // One entry's offset changed: the memo is not read at all.
        let file = path(index.dir());
        let mut bytes = std::fs::read(&file).expect("read");
        bytes[HEADER + 8] ^= 1;
        std::fs::write(&file, &bytes).expect("write");
        assert!(Memo::open(&index).is_none());
    }

    #[test]
    fn bad_bytes_read_as_absent() {
        for bytes in [
            &b""[..],
            b"puttsmem",
            b"puttsmem\x04\0\0\0\0\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\x7f",
        ] {
            let dir = tempfile::tempdir().expect("tmp");
            std::fs::write(dir.path().join(FILE_NAME), bytes).expect("write");
            assert!(Memo::open_at(dir.path(), None).is_none());
        }
        assert!(decode_record(&[1, 0, 0, 0]).is_none());
        let mut d = Dec::new(&[0xff, 0xff, 0xff, 0xff]);
        assert!(d.list(Dec::str).is_none());
    }
}
