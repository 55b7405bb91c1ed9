//! Fetching what series need from the index: the whole threads of the
//! messages a query found, and the other revisions of their series (by
//! change-id and by subject), so a query window never cuts a series short.
//! Each round looks its ids up in the hashed fields' term dictionaries
//! ([`docs_with_any`]) and filters candidates on fast columns before
//! loading any stored document, so the cost follows the size of the answer,
//! not of the archive.

use std::collections::{HashMap, HashSet};

use tantivy::collector::DocSetCollector;
use tantivy::columnar::{Column, DynamicColumn, HasAssociatedColumnType};
use tantivy::query::{BooleanQuery, Occur, Query as TantivyQuery, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Term};

use super::memo::{self, Lookup, Memo};
use super::{Mail, Series, group_with};
use crate::error::{Error, Result};
use crate::index::schema::{Meta, hash};
use crate::index::{Index, MessageSummary};

/// Same subject links revisions this far apart (as the grouping does).
const SUBJECT_WINDOW: i64 = super::SUBJECT_LINK_WINDOW;

/// Which fetched documents to load.
#[derive(Clone, Copy)]
enum Keep {
    All,
    /// Patches, covers and pull requests (no replies or discussion).
    SeriesMail,
}

/// The fast columns `Keep` tests read, opened once per segment.
struct Columns<'i> {
    index: &'i Index,
    u64s: HashMap<(&'static str, u32), Column<u64>>,
    dates: HashMap<(&'static str, u32), Column<i64>>,
}

impl<'i> Columns<'i> {
    fn new(index: &'i Index) -> Columns<'i> {
        Columns {
            index,
            u64s: HashMap::new(),
            dates: HashMap::new(),
        }
    }

    fn u64(&mut self, name: &'static str, a: DocAddress) -> Result<Option<u64>> {
        value(self.index, &mut self.u64s, name, a)
    }

    fn meta(&mut self, a: DocAddress) -> Result<Meta> {
        Ok(self.u64("meta", a)?.map(Meta::unpack).unwrap_or_default())
    }

    fn date(&mut self, a: DocAddress) -> Result<Option<i64>> {
        value(self.index, &mut self.dates, "date", a)
    }
}

/// The value of fast field `name` at `a`, its segment's column opened once.
fn value<T>(
    index: &Index,
    columns: &mut HashMap<(&'static str, u32), Column<T>>,
    name: &'static str,
    a: DocAddress,
) -> Result<Option<T>>
where
    T: PartialOrd + Copy + HasAssociatedColumnType + Send + Sync + 'static,
    DynamicColumn: Into<Option<Column<T>>>,
{
    let col = match columns.entry((name, a.segment_ord)) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(open_column(index, name, a.segment_ord as usize)?)
        }
    };
    Ok(col.first(a.doc_id))
}

/// Fast field `name` of segment `seg`.
fn open_column<T>(index: &Index, name: &str, seg: usize) -> Result<Column<T>>
where
    T: PartialOrd + Copy + HasAssociatedColumnType + Send + Sync + 'static,
    DynamicColumn: Into<Option<Column<T>>>,
{
    index
        .searcher()
        .segment_reader(seg as u32)
        .fast_fields()
        .column_opt::<T>(name)
        .map_err(|e| Error::index(index.dir(), e))?
        .ok_or_else(|| Error::index(index.dir(), format!("no fast field {name}")))
}

/// Fast field `name` of segment `seg`, opened once into `columns`: one
/// slot per segment, for loops over tens of thousands of hits where
/// [`Columns`]' hashed keys cost more than the reads.
fn column<'c, T>(
    index: &Index,
    columns: &'c mut [Option<Column<T>>],
    name: &str,
    seg: usize,
) -> Result<&'c Column<T>>
where
    T: PartialOrd + Copy + HasAssociatedColumnType + Send + Sync + 'static,
    DynamicColumn: Into<Option<Column<T>>>,
{
    let slot = &mut columns[seg];
    if slot.is_none() {
        *slot = Some(open_column(index, name, seg)?);
    }
    Ok(slot.as_ref().expect("opened above"))
}

/// Who sent a message, as the subject link of the grouping compares
/// senders: by address, or by name.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Sender {
    Addr(u64),
    Name(u64),
}

/// A date under one subject and sender: one we have (`None`), or a
/// candidate's.
type Point = (i64, Option<DocAddress>);

/// The sender keys of the document at `a`.
fn senders(cols: &mut Columns, a: DocAddress) -> Result<impl Iterator<Item = Sender>> {
    let addr = cols.u64("from_h", a)?.filter(|&h| h != 0).map(Sender::Addr);
    let name = cols.u64("name_h", a)?.filter(|&h| h != 0).map(Sender::Name);
    Ok(addr.into_iter().chain(name))
}

/// Rounds of "parents and replies of what we have" before giving up on
/// pathological threads.
const MAX_ROUNDS: usize = 8;

/// Every series that a message matching `query` belongs to, newest first.
/// `max_hits` caps how many matching messages are considered (newest first).
/// Series-level terms (`is:`, `check:`) are an error here: they need the
/// workflow ([`crate::workflow::Workflow::series_for_query`]).
pub fn series_for_query(
    index: &Index,
    query: &str,
    now: chrono::DateTime<chrono::Utc>,
    max_hits: usize,
) -> Result<Vec<Series>> {
    let ast = crate::query::parse(query, now)?;
    reject_series_terms(&ast)?;
    series_for_ast(index, &ast, max_hits)
}

/// [`series_for_query`] for a parsed query (series-level terms restrict
/// nothing here).
pub fn series_for_ast(
    index: &Index,
    ast: &crate::query::Query,
    max_hits: usize,
) -> Result<Vec<Series>> {
    let q = index.compile(ast);
    let hits = index.top_by_date(q.as_ref(), max_hits, 0)?;
    Ok(series_of_hits(index, hits)?.0)
}

/// The series holding any of `hits` (each as it was found), newest first,
/// and the date of the oldest hit. Series the memo knows are read from it
/// ([`super::memo`]); the rest are grouped, and kept there for next time.
fn series_of_hits(index: &Index, hits: Vec<DocAddress>) -> Result<(Vec<Series>, Option<i64>)> {
    let memo = Memo::open(index);
    let segments = index.searcher().segment_readers().len();
    let mut mid_cols: Vec<Option<Column<u64>>> = vec![None; segments];
    let mut date_cols: Vec<Option<Column<i64>>> = vec![None; segments];
    let mut oldest: Option<i64> = None;
    // (Message-ID hash, position) of each hit, looked up in hash order: the
    // memo's entries are sorted, and a month's hits walk them once.
    let mut keyed: Vec<(u64, usize)> = Vec::with_capacity(hits.len());
    for (i, a) in hits.iter().enumerate() {
        let seg = a.segment_ord as usize;
        let dates = column(index, &mut date_cols, "date", seg)?;
        if let Some(d) = dates.first(a.doc_id) {
            oldest = Some(oldest.map_or(d, |o| o.min(d)));
        }
        if memo.is_some() {
            let mid_h = column(index, &mut mid_cols, "mid_h", seg)?.first(a.doc_id);
            keyed.push((mid_h.unwrap_or(0), i));
        }
    }
    let mut missed: Vec<usize> = Vec::new();
    let mut loaded: HashMap<u64, Option<Series>> = HashMap::new();
    match &memo {
        None => missed.extend(0..hits.len()),
        Some(memo) => {
            keyed.sort_unstable();
            // Hits the memo knows, with the records of their series.
            let mut known: Vec<(usize, Vec<u64>)> = Vec::new();
            let mut cursor = 0;
            for (h, i) in keyed {
                match memo.lookup_from(&mut cursor, h) {
                    Lookup::Unknown => missed.push(i),
                    Lookup::Known(entries) => {
                        let offsets = entries.iter().map(|e| e.1).filter(|&o| o != memo::NONE);
                        known.push((i, offsets.collect()));
                    }
                }
            }
            let offsets: Vec<u64> = known.iter().flat_map(|k| k.1.iter().copied()).collect();
            loaded = memo.load_many(&offsets);
            // A record that does not read back: group its hits afresh.
            for (i, offsets) in known {
                if offsets
                    .iter()
                    .any(|o| loaded.get(o).is_none_or(Option::is_none))
                {
                    missed.push(i);
                }
            }
        }
    }
    // Grouped in the order they were found, as without a memo.
    missed.sort_unstable();
    let missed: Vec<DocAddress> = missed.into_iter().map(|i| hits[i]).collect();
    let mut out = Vec::new();
    if !missed.is_empty() {
        let mut g = Gatherer::new(index);
        let mut hit_ids = HashSet::new();
        for a in missed {
            let m = index.summary(a)?;
            hit_ids.insert(m.message_id.clone());
            g.add(a, m);
        }
        out = g
            .finish()?
            .into_iter()
            .filter(|s| {
                s.revisions
                    .iter()
                    .any(|r| r.members.iter().any(|m| hit_ids.contains(m)))
            })
            .collect();
        let in_series: HashSet<&String> = out
            .iter()
            .flat_map(|s: &Series| s.revisions.iter().flat_map(|r| r.members.iter()))
            .collect();
        let none = hit_ids
            .iter()
            .filter(|m| !in_series.contains(m))
            .map(|m| hash(m))
            .collect();
        memo::record(index, &out, none);
    }
    let mut ids: HashSet<String> = out.iter().map(|s| s.id.clone()).collect();
    for s in loaded.into_values().flatten() {
        if ids.insert(s.id.clone()) {
            out.push(s);
        }
    }
    out.sort_by(|a, b| b.date().cmp(&a.date()).then_with(|| a.id.cmp(&b.id)));
    Ok((out, oldest))
}

/// Groups the series of the messages from `seconds` before the newest
/// mail on, and keeps them in the memo. "Newest" is the 1,000th newest
/// message's date, so that a few messages dated years ahead (a wrong
/// clock, spam) do not make the window empty.
pub(crate) fn keep_newest(index: &Index, seconds: i64) -> Result<()> {
    let newest = index.top_by_date(&tantivy::query::AllQuery, 1_000, 0)?;
    let Some(&a) = newest.last() else {
        return Ok(());
    };
    let Some(date) = Columns::new(index).date(a)? else {
        return Ok(());
    };
    let from = Term::from_field_i64(index.fields().date, date.saturating_sub(seconds));
    let q = RangeQuery::new(std::ops::Bound::Included(from), std::ops::Bound::Unbounded);
    series_of_hits(index, index.top_by_date(&q, 200_000, 0)?)?;
    Ok(())
}

/// The series holding any of these messages (by Message-ID), newest first.
pub fn series_of_messages(index: &Index, message_ids: &[String]) -> Result<Vec<Series>> {
    Ok(series_and_reach(index, message_ids)?.0)
}

/// [`series_of_messages`], and the Message-IDs of every message the
/// gathering reached (their threads, other revisions and loose siblings):
/// any series holding one of those may have changed with these messages.
pub(crate) fn series_and_reach(
    index: &Index,
    message_ids: &[String],
) -> Result<(Vec<Series>, Vec<String>)> {
    let mut g = Gatherer::new(index);
    let wanted: HashSet<&str> = message_ids.iter().map(String::as_str).collect();
    let f = index.fields().clone();
    let hashes: Vec<u64> = message_ids.iter().map(|m| hash(m)).collect();
    g.fetch(f.mid_h, hashes, Keep::All)?;
    g.gather()?;
    let reached = g.known.keys().cloned().collect();
    let series = g.group();
    let series = series
        .into_iter()
        .filter(|s| {
            s.revisions
                .iter()
                .any(|r| r.members.iter().any(|m| wanted.contains(m.as_str())))
        })
        .collect();
    Ok((series, reached))
}

/// `is:` and `check:` filter series by the workflow, which these functions
/// do not know: refuse them rather than ignore them.
fn reject_series_terms(ast: &crate::query::Query) -> Result<()> {
    if let Some(span) = crate::workflow::first_series_term(ast) {
        return Err(crate::query::QueryError {
            message: "is: and check: filter series by rules, states and checks: use putt::workflow::Workflow here".into(),
            span,
        }
        .into());
    }
    Ok(())
}

/// Documents holding any of `hashes` in the hash field `field`, in
/// address order: each hash looked up in each segment's term dictionary
/// and its postings read directly. Gathering a month of a big list asks
/// for thousands of ids per round; a query over them (a `TermSetQuery`)
/// streams the field's whole dictionary, a term per message of the
/// archive, and that was a third of a 30-day listing on a million
/// messages.
fn docs_with_any(index: &Index, field: Field, hashes: &[u64]) -> Result<Vec<DocAddress>> {
    use tantivy::DocSet;
    let mut terms: Vec<Term> = hashes
        .iter()
        .map(|&h| Term::from_field_u64(field, h))
        .collect();
    terms.sort_unstable();
    terms.dedup();
    let err = |e: &dyn std::fmt::Display| Error::index(index.dir(), e.to_string());
    let mut out = Vec::new();
    for (ord, segment) in index.searcher().segment_readers().iter().enumerate() {
        let inverted = segment.inverted_index(field).map_err(|e| err(&e))?;
        let alive = segment.alive_bitset();
        let start = out.len();
        for t in &terms {
            let Some(info) = inverted.get_term_info(t).map_err(|e| err(&e))? else {
                continue;
            };
            let mut postings = inverted
                .read_postings_from_terminfo(&info, IndexRecordOption::Basic)
                .map_err(|e| err(&e))?;
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    out.push(DocAddress::new(ord as u32, doc));
                }
                doc = postings.advance();
            }
        }
        out[start..].sort_unstable();
    }
    out.dedup();
    Ok(out)
}

/// One page of a series list: see [`series_page`].
#[derive(Debug, Clone, Default)]
pub struct SeriesPage {
    /// Series of this page's messages, newest first.
    pub series: Vec<Series>,
    /// Matching messages this page looked at (the next page's offset
    /// grows by this much).
    pub hits: usize,
    /// Whether older matching messages remain.
    pub more: bool,
    /// Ids of series a rule with `hide = true` left out (only the
    /// workflow's pages hide: [`crate::workflow::Workflow::series_page`]).
    pub hidden: Vec<String>,
    /// Date of the oldest message this page looked at: every matching
    /// message newer than this was on this page or an earlier one.
    pub oldest: Option<i64>,
}

/// The series of the `hits` newest messages matching `query` after the
/// `offset` newest: how a list pages in without grouping the whole
/// archive. With `patches_only`, only patches, cover letters and pull
/// requests count as hits (replies still join their series), so a page of
/// an unfiltered list holds as many series as it can.
pub fn series_page(
    index: &Index,
    query: &str,
    now: chrono::DateTime<chrono::Utc>,
    offset: usize,
    hits: usize,
    patches_only: bool,
) -> Result<SeriesPage> {
    let ast = crate::query::parse(query, now)?;
    reject_series_terms(&ast)?;
    series_page_ast(index, &ast, offset, hits, patches_only)
}

/// [`series_page`] for a parsed query (series-level terms restrict nothing
/// here).
pub fn series_page_ast(
    index: &Index,
    ast: &crate::query::Query,
    offset: usize,
    hits: usize,
    patches_only: bool,
) -> Result<SeriesPage> {
    let mut q = index.compile(ast);
    if patches_only {
        let kind = index.fields().kind;
        let kinds: Vec<(Occur, Box<dyn TantivyQuery>)> = ["patch", "cover", "pull"]
            .map(|k| {
                let t = Term::from_field_text(kind, k);
                let q: Box<dyn TantivyQuery> =
                    Box::new(TermQuery::new(t, IndexRecordOption::Basic));
                (Occur::Should, q)
            })
            .into();
        q = Box::new(BooleanQuery::intersection(vec![
            q,
            Box::new(BooleanQuery::new(kinds)),
        ]));
    }
    let found = index.top_by_date(q.as_ref(), hits, offset)?;
    let more = found.len() >= hits.max(1);
    let n = found.len();
    let (series, oldest) = series_of_hits(index, found)?;
    Ok(SeriesPage {
        series,
        hits: n,
        more,
        hidden: Vec::new(),
        oldest,
    })
}

/// The whole thread(s) of a message, placeholders for what is missing.
pub fn thread_of(index: &Index, message_id: &str) -> Result<crate::thread::Thread> {
    let mid = crate::mail::normalize_message_id(message_id);
    let mut g = Gatherer::new(index);
    for m in index.by_message_id(&mid)? {
        g.add(crate::index::doc_address(m.address), m);
    }
    if g.known.is_empty() {
        return Err(Error::NoSuchMessage(mid));
    }
    g.complete_threads()?;
    Ok(crate::thread::Thread::build(
        g.known.into_values().collect(),
    ))
}

/// The series holding a message, by series id (or a prefix of one, four
/// characters at least, that starts only one series' id) or by any
/// Message-ID in it (with or without angle brackets). The memo is asked
/// first: a series a listing showed is the series shown here.
pub fn series_by_key(index: &Index, key: &str) -> Result<Series> {
    let key = key.trim();
    let hex = (4..=12).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_hexdigit());
    if hex {
        let wanted = key.to_ascii_lowercase();
        let roots = docs_in_id_range(index, &wanted)?;
        if !roots.is_empty() {
            let mut found = series_of_roots(index, &roots, &wanted)?;
            found.sort_by(|a, b| a.id.cmp(&b.id));
            found.dedup_by(|a, b| a.id == b.id);
            match found.len() {
                1 => return Ok(found.remove(0)),
                0 => {}
                _ => {
                    return Err(Error::AmbiguousSeries {
                        key: key.to_string(),
                        candidates: found.into_iter().map(|s| s.id).collect(),
                    });
                }
            }
        }
    }
    let mid = crate::mail::normalize_message_id(key);
    if let Some(memo) = Memo::open(index)
        && let Some(s) = memo_series(&memo, hash(&mid))
            .into_iter()
            .find(|s| s.revisions.iter().any(|r| r.members.contains(&mid)))
    {
        return Ok(s);
    }
    let mut g = Gatherer::new(index);
    g.later_too = true;
    for m in index.by_message_id(&mid)? {
        g.add(crate::index::doc_address(m.address), m);
    }
    if g.known.is_empty() {
        return Err(Error::NoSuchSeries(key.to_string()));
    }
    let series = g.finish()?;
    series
        .into_iter()
        .find(|s| s.revisions.iter().any(|r| r.members.contains(&mid)))
        .ok_or_else(|| Error::NoSuchSeries(key.to_string()))
}

/// The documents whose Message-ID hash starts with the bits of the series
/// id prefix `hex` (an id is the top 48 bits of its first revision's root
/// Message-ID hash).
fn docs_in_id_range(index: &Index, hex: &str) -> Result<Vec<DocAddress>> {
    let Ok(prefix) = u64::from_str_radix(hex, 16) else {
        return Ok(Vec::new());
    };
    let bits = 4 * hex.len() as u32;
    let lo = prefix << (64 - bits);
    let hi = lo | (u64::MAX >> bits);
    let f = index.fields().mid_h;
    let q = RangeQuery::new(
        std::ops::Bound::Included(Term::from_field_u64(f, lo)),
        std::ops::Bound::Included(Term::from_field_u64(f, hi)),
    );
    let mut v: Vec<DocAddress> = index
        .searcher()
        .search(&q, &DocSetCollector)
        .map_err(|e| Error::index(index.dir(), e))?
        .into_iter()
        .collect();
    v.sort();
    Ok(v)
}

/// The series whose id starts with `prefix` among those the documents at
/// `roots` start: from the memo where it knows them, else grouped. With
/// a whole id and no series of that id (the grouping from its root alone
/// found another first revision), the series holding the root.
fn series_of_roots(index: &Index, roots: &[DocAddress], prefix: &str) -> Result<Vec<Series>> {
    let memo = Memo::open(index);
    let mut out: Vec<Series> = Vec::new();
    let mut g = Gatherer::new(index);
    g.later_too = true;
    let mut root_ids: Vec<String> = Vec::new();
    for &a in roots {
        let m = index.summary(a)?;
        root_ids.push(m.message_id.clone());
        let known = memo
            .as_ref()
            .map(|memo| memo_series(memo, hash(&m.message_id)))
            .unwrap_or_default();
        let matching: Vec<Series> = known
            .into_iter()
            .filter(|s| s.id.starts_with(prefix))
            .collect();
        if matching.is_empty() {
            g.add(a, m);
        } else {
            out.extend(matching);
        }
    }
    if !g.known.is_empty() {
        let grouped = g.finish()?;
        let (mut hit, rest): (Vec<Series>, Vec<Series>) =
            grouped.into_iter().partition(|s| s.id.starts_with(prefix));
        if hit.is_empty() && out.is_empty() && prefix.len() == 12 {
            hit = rest
                .into_iter()
                .filter(|s| {
                    s.revisions
                        .iter()
                        .any(|r| root_ids.iter().any(|m| r.root_message_id() == m))
                })
                .collect();
        }
        out.extend(hit);
    }
    Ok(out)
}

/// The series the memo keeps under a Message-ID hash.
fn memo_series(memo: &Memo, mid_h: u64) -> Vec<Series> {
    match memo.lookup(mid_h) {
        Lookup::Unknown => Vec::new(),
        Lookup::Known(entries) => {
            let offsets: Vec<u64> = entries
                .iter()
                .map(|e| e.1)
                .filter(|&o| o != memo::NONE)
                .collect();
            memo.load_many(&offsets).into_values().flatten().collect()
        }
    }
}

struct Gatherer<'a> {
    index: &'a Index,
    /// Fast columns, opened once per segment for the whole gathering.
    cols: Columns<'a>,
    known: HashMap<String, MessageSummary>,
    /// Messages added (or replaced by an earlier copy) whose parents and
    /// replies have not been asked for yet: each round walks only these.
    unexpanded: Vec<String>,
    seen_docs: HashSet<DocAddress>,
    asked_up: HashSet<u64>,
    asked_down: HashSet<u64>,
    asked_change_ids: HashSet<u64>,
    asked_subjects: HashSet<(u64, Sender, i64)>,
    asked_windows: HashSet<(u64, i64, u32, u32)>,
    /// Re-rolls (Message-ID hashes) whose sender's earlier postings were
    /// asked for.
    asked_earlier: HashSet<u64>,
    /// Threads (hashes of their roots) fetched as a sender's nearby
    /// postings: candidates, they do not ask for their own, so the search
    /// does not walk on through a busy sender's whole history.
    nearby: HashSet<u64>,
    /// Whether to look for later revisions too, not only earlier ones
    /// (one series looked up; a listing's later revisions are in it).
    later_too: bool,
}

impl<'a> Gatherer<'a> {
    fn new(index: &'a Index) -> Gatherer<'a> {
        Gatherer {
            index,
            cols: Columns::new(index),
            known: HashMap::new(),
            unexpanded: Vec::new(),
            seen_docs: HashSet::new(),
            asked_up: HashSet::new(),
            asked_down: HashSet::new(),
            asked_change_ids: HashSet::new(),
            asked_subjects: HashSet::new(),
            asked_windows: HashSet::new(),
            asked_earlier: HashSet::new(),
            nearby: HashSet::new(),
            later_too: false,
        }
    }

    fn add(&mut self, a: DocAddress, m: MessageSummary) -> bool {
        if !self.seen_docs.insert(a) {
            return false;
        }
        match self.known.get(&m.message_id) {
            // Keep the earliest copy of a duplicated Message-ID.
            Some(old) if old.date <= m.date => false,
            _ => {
                self.unexpanded.push(m.message_id.clone());
                self.known.insert(m.message_id.clone(), m);
                true
            }
        }
    }

    /// Loads the documents holding any of `hashes` in `field` that `keep`
    /// accepts (see [`Gatherer::fetch_docs`]).
    fn fetch(&mut self, field: Field, hashes: Vec<u64>, keep: Keep) -> Result<usize> {
        if hashes.is_empty() {
            return Ok(0);
        }
        let addrs = docs_with_any(self.index, field, &hashes)?;
        self.fetch_docs(addrs, keep)
    }

    /// Loads the documents at `addrs` that `keep` accepts. `keep` sees
    /// only fast columns, so what it turns away costs no stored-document
    /// load: on a big archive most candidates of a subject or an author
    /// are turned away, and loading them would also pull in their threads.
    fn fetch_docs(&mut self, addrs: Vec<DocAddress>, keep: Keep) -> Result<usize> {
        let mut cols = std::mem::replace(&mut self.cols, Columns::new(self.index));
        let added = self.fetch_docs_with(&mut cols, addrs, keep);
        self.cols = cols;
        added
    }

    fn fetch_docs_with(
        &mut self,
        cols: &mut Columns,
        addrs: Vec<DocAddress>,
        keep: Keep,
    ) -> Result<usize> {
        let mut added = 0;
        for a in addrs {
            if self.seen_docs.contains(&a) {
                continue;
            }
            let wanted = match keep {
                Keep::All => true,
                Keep::SeriesMail => cols.meta(a)?.is_series_mail(),
            };
            if !wanted {
                continue;
            }
            let m = self.index.summary(a)?;
            if self.add(a, m) {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Parents and replies until the threads are whole.
    fn complete_threads(&mut self) -> Result<()> {
        let f = self.index.fields().clone();
        for _ in 0..MAX_ROUNDS {
            let fresh = std::mem::take(&mut self.unexpanded);
            let mut up = Vec::new();
            let mut down = Vec::new();
            for id in &fresh {
                let Some(m) = self.known.get(id) else {
                    continue;
                };
                // What it replies to, what it says it replaces, and the
                // earlier versions it links to.
                let named = m
                    .parent
                    .iter()
                    .chain(&m.references)
                    .chain(&m.supersedes)
                    .chain(&m.cites);
                for r in named {
                    if !self.known.contains_key(r) && self.asked_up.insert(hash(r)) {
                        up.push(hash(r));
                    }
                }
                // Replies to what we have, and to what we only know by
                // name: a cover that never reached the archive still ties
                // its patches.
                let ids = std::iter::once(&m.message_id)
                    .chain(m.parent.iter())
                    .chain(m.references.iter());
                for id in ids {
                    if self.asked_down.insert(hash(id)) {
                        down.push(hash(id));
                    }
                }
            }
            let added =
                self.fetch(f.mid_h, up, Keep::All)? + self.fetch(f.refs_h, down, Keep::All)?;
            if added == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Other revisions: same change-id, or same normalised subject from the
    /// same sender (address or name, as the grouping links them,
    /// [`super::Grouper`]) within the window the grouping links subjects
    /// in. A recurring subject ("MAINTAINERS: update ...", a weekly pull,
    /// "remove unused field") sent by many people would otherwise pull in
    /// years of unrelated mail and their threads: on a million generated
    /// messages a 30-day listing gathered 393,000 messages. Every patch's
    /// subject is asked for, not only a cover's and patch 1's: a list
    /// copied on part of a series may hold patch 5/16 alone, and then that
    /// is its revision's first patch.
    fn other_revisions(&mut self) -> Result<usize> {
        let f = self.index.fields().clone();
        let mut cids = Vec::new();
        // Per subject hash, the dates we have under each sender key.
        let mut subjects: HashMap<u64, Vec<(Sender, i64)>> = HashMap::new();
        for m in self.known.values() {
            if m.meta.reply {
                continue;
            }
            if let Some(c) = &m.change_id
                && self.asked_change_ids.insert(hash(c))
            {
                cids.push(hash(c));
            }
            if m.meta.is_series_mail() {
                let Some(h) = self
                    .cols
                    .u64("subj_h", crate::index::doc_address(m.address))?
                else {
                    continue;
                };
                for sender in senders(&mut self.cols, crate::index::doc_address(m.address))? {
                    if self
                        .asked_subjects
                        .insert((h, sender, m.date.div_euclid(SUBJECT_WINDOW)))
                    {
                        subjects.entry(h).or_default().push((sender, m.date));
                    }
                }
            }
        }
        let by_cid = self.fetch(f.cid_h, cids, Keep::SeriesMail)?;
        if subjects.is_empty() {
            return Ok(by_cid);
        }
        let asked: Vec<u64> = subjects.keys().copied().collect();
        // Per (subject, sender): dates, with the candidate found there.
        let mut points: HashMap<(u64, Sender), Vec<Point>> = HashMap::new();
        for (&h, have) in &subjects {
            for &(sender, d) in have {
                points.entry((h, sender)).or_default().push((d, None));
            }
        }
        for a in docs_with_any(self.index, f.subj_h, &asked)? {
            if self.seen_docs.contains(&a) || !self.cols.meta(a)?.is_series_mail() {
                continue;
            }
            let (Some(h), Some(d)) = (self.cols.u64("subj_h", a)?, self.cols.date(a)?) else {
                continue;
            };
            for sender in senders(&mut self.cols, a)? {
                // Only senders we have dates for can link.
                if let Some(p) = points.get_mut(&(h, sender)) {
                    p.push((d, Some(a)));
                }
            }
        }
        // Revisions link in a chain, each within the window of the one
        // before: take every candidate that a chain of gaps no wider than
        // the window joins to a date we have.
        let mut near = HashSet::new();
        for (_, mut points) in points {
            points.sort_by_key(|p| p.0);
            let mut joined = vec![false; points.len()];
            let mut last: Option<i64> = None;
            for (i, &(d, a)) in points.iter().enumerate() {
                if a.is_none() || last.is_some_and(|l| d - l <= SUBJECT_WINDOW) {
                    joined[i] = true;
                    last = Some(d);
                }
            }
            let mut next: Option<i64> = None;
            for (i, &(d, a)) in points.iter().enumerate().rev() {
                if a.is_none() || joined[i] || next.is_some_and(|n| n - d <= SUBJECT_WINDOW) {
                    next = Some(d);
                    if let Some(a) = a {
                        near.insert(a);
                    }
                }
            }
        }
        let mut near: Vec<DocAddress> = near.into_iter().collect();
        near.sort();
        Ok(by_cid + self.fetch_docs(near, Keep::SeriesMail)?)
    }

    /// Two things of the same author, in one pass over their mail:
    ///
    /// - Patches sent within the unthreaded window of a cover or patch we
    ///   have, with its version and patch count: they may belong to its
    ///   revision unthreaded ([`super::Grouper`] joins nothing else). A
    ///   patch without "n/N" has no siblings to find.
    /// - For the first mail of a revision (a revision whose first patches
    ///   never arrived starts at its lowest), the nearest few postings of
    ///   the same address within a year before it with a lower version
    ///   (their first mails) and, for one series looked up, after it with
    ///   a higher one (any patch): its earlier and later revisions, when a
    ///   touched title hides them from [`Gatherer::other_revisions`].
    fn loose_siblings(&mut self) -> Result<usize> {
        /// The thread a mail is in, by its first reference.
        fn root_of(m: &MessageSummary) -> &str {
            m.references.first().unwrap_or(&m.message_id)
        }
        fn title_of(subject: &str) -> String {
            putt_core::subject::parse_subject(subject)
                .normalized
                .to_lowercase()
        }
        /// How many of a sender's postings nearest in time are candidates
        /// for the revision before (and after) one asked for.
        const OTHER_REVISIONS: usize = 4;
        let f = self.index.fields().clone();
        let window = super::UNTHREADED_WINDOW;
        let later_too = self.later_too;
        // Per author, the (date, version, total) whose windows to look in.
        let mut wanted: HashMap<u64, Vec<(i64, u32, u32)>> = HashMap::new();
        // The lowest counter of each thread and version we have: a
        // revision whose cover and first patches never arrived starts at
        // its lowest patch.
        let mut lowest: HashMap<(&str, u32), u32> = HashMap::new();
        for m in self.known.values() {
            if m.meta.is_series_mail() && !m.meta.reply {
                let c = lowest
                    .entry((root_of(m), m.meta.version))
                    .or_insert(u32::MAX);
                *c = (*c).min(m.meta.counter);
            }
        }
        // Per author, the (date, version) of the revisions' first mails.
        // Per author, the first mails: (date, version, title, files).
        type First = (i64, u32, String, Vec<u64>);
        let mut firsts: HashMap<u64, Vec<First>> = HashMap::new();
        for m in self.known.values() {
            let meta = &m.meta;
            let root = root_of(m);
            let first = meta.counter <= 1
                || (!meta.reply
                    && lowest
                        .get(&(root, meta.version))
                        .is_some_and(|&c| c == meta.counter));
            if meta.is_series_mail()
                && first
                && !self.nearby.contains(&hash(root))
                && self.asked_earlier.insert(hash(&m.message_id))
            {
                firsts.entry(hash(&m.from_addr())).or_default().push((
                    m.date,
                    meta.version.max(1),
                    title_of(&m.subject),
                    m.files.clone(),
                ));
            }
            // A subject without "n/N" is a patch on its own.
            if !m.meta.is_series_mail() || m.meta.counter_inferred {
                continue;
            }
            let author = hash(&m.from_addr());
            let (version, total) = (m.meta.version.max(1), m.meta.total);
            let key = (author, m.date.div_euclid(window), version, total);
            if self.asked_windows.insert(key) {
                wanted
                    .entry(author)
                    .or_default()
                    .push((m.date, version, total));
            }
        }
        // The author's messages by term, then their dates and numbers from
        // the fast columns: a date range query would scan the date column
        // of the whole index once per window.
        let mut added = 0;
        let authors: HashSet<u64> = wanted.keys().chain(firsts.keys()).copied().collect();
        for author in authors {
            let at = wanted.get(&author).map(Vec::as_slice).unwrap_or_default();
            let firsts = firsts.get(&author).map(Vec::as_slice).unwrap_or_default();
            let addrs = docs_with_any(self.index, f.from_h, &[author])?;
            // Siblings: same version and count within the window of one
            // we have. Other revisions: per first mail, the nearest few of
            // the sender's postings of a lower version before it (by their
            // first mails) and of a higher one after it (by any patch, as
            // a later revision may lack its first ones); nearest in
            // version first (v3 is most likely v4's), then in time.
            let mut siblings = Vec::new();
            let mut nearest: Vec<Vec<((u32, i64), DocAddress)>> =
                vec![Vec::new(); firsts.len() * 2];
            let mut cols = std::mem::replace(&mut self.cols, Columns::new(self.index));
            for &a in &addrs {
                if self.seen_docs.contains(&a) {
                    continue;
                }
                let meta = cols.meta(a)?;
                if !meta.is_series_mail() {
                    continue;
                }
                let Some(d) = cols.date(a)? else { continue };
                let v = meta.version.max(1);
                if at.iter().any(|&(t, version, total)| {
                    (d - t).abs() <= window && v == version && meta.total == total
                }) {
                    siblings.push(a);
                }
                if meta.reply {
                    continue;
                }
                for (i, &(t, version, _, _)) in firsts.iter().enumerate() {
                    if meta.counter <= 1 && d <= t && t - d <= SUBJECT_WINDOW && v < version {
                        nearest[2 * i].push(((version - v, t - d), a));
                    } else if later_too && d >= t && d - t <= SUBJECT_WINDOW && v > version {
                        nearest[2 * i + 1].push(((v - version, d - t), a));
                    }
                }
            }
            self.cols = cols;
            added += self.fetch_docs(siblings, Keep::All)?;
            // Candidates do not ask for their own: a busy sender's history
            // is not walked through (a chain of revisions still is, by
            // what links them: threads, titles, change-ids, citations).
            // Only the nearest few alike (title or files) come in, with
            // their threads: another revision is linked on neither alone.
            for (j, mut near) in nearest.into_iter().enumerate() {
                near.sort_unstable();
                let (_, _, title, files) = &firsts[j / 2];
                let mut taken = 0;
                for (_, a) in near.into_iter().take(4 * OTHER_REVISIONS) {
                    if taken == OTHER_REVISIONS {
                        break;
                    }
                    if self.seen_docs.contains(&a) {
                        continue;
                    }
                    let m = self.index.summary(a)?;
                    let alike = putt_core::series::title_similarity(title, &title_of(&m.subject))
                        >= 0.6
                        || m.files.iter().any(|f| files.contains(f));
                    if !alike {
                        continue;
                    }
                    taken += 1;
                    self.nearby.insert(hash(root_of(&m)));
                    if self.add(a, m) {
                        added += 1;
                    }
                }
            }
        }
        Ok(added)
    }

    fn finish(&mut self) -> Result<Vec<Series>> {
        self.gather()?;
        Ok(self.group())
    }

    /// Whole threads, other revisions, loose siblings, and the other end
    /// of the user's corrections, of what we have.
    fn gather(&mut self) -> Result<()> {
        self.complete_threads()?;
        for _ in 0..3 {
            let found = self.other_revisions()? + self.loose_siblings()? + self.corrected_ends()?;
            if found == 0 {
                break;
            }
            self.complete_threads()?;
        }
        Ok(())
    }

    /// The revisions the user linked to one we have.
    fn corrected_ends(&mut self) -> Result<usize> {
        let f = self.index.fields().clone();
        let mut want = Vec::new();
        let corrections = self.index.corrections();
        for (a, b) in &corrections.links {
            for (have, other) in [(a, b), (b, a)] {
                if self.known.contains_key(have)
                    && !self.known.contains_key(other)
                    && self.asked_up.insert(hash(other))
                {
                    want.push(hash(other));
                }
            }
        }
        self.fetch(f.mid_h, want, Keep::All)
    }

    /// Groups what was gathered (and forgets it).
    fn group(&mut self) -> Vec<Series> {
        let mails: Vec<Mail> = std::mem::take(&mut self.known)
            .into_values()
            .map(Mail::from)
            .collect();
        group_with(mails, &self.index.corrections())
    }
}
