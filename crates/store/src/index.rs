//! The tantivy index of every configured inbox: opening, searching, lookups.
//!
//! One index holds all inboxes (cross-list series and queries need that).
//! The archive cursors (last indexed commit per epoch) live in the payload of
//! tantivy's own commit, so documents and cursors can never disagree, even
//! after a kill. Building and updating the index is in [`build`]; turning a
//! parsed query into tantivy's is in [`compile`].

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::collector::sort_key::{SortByStaticFastValue, SortByString};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{Query as TantivyQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Order, ReloadPolicy, TantivyDocument, Term};

use crate::archive::{self, Format};
use crate::error::{Error, Result};
pub mod build;
pub mod compile;
pub mod directory;
pub mod doc;
pub mod health;
pub mod schema;
pub mod tokens;

pub use crate::summary::{DocRef, MessageSummary, Meta, display_name};
pub use schema::Fields;

/// tantivy's address of a document the index named.
pub(crate) fn doc_address(r: DocRef) -> DocAddress {
    DocAddress::new(r.segment, r.doc)
}

/// The index's name for a document tantivy found.
pub(crate) fn doc_ref(a: DocAddress) -> DocRef {
    DocRef {
        segment: a.segment_ord,
        doc: a.doc_id,
    }
}

/// Where each inbox's indexing stopped, committed with the documents.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cursors {
    pub schema: u32,
    #[serde(default)]
    pub inboxes: BTreeMap<String, InboxCursor>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct InboxCursor {
    pub path: PathBuf,
    /// Epoch number -> hex id of the last indexed commit.
    #[serde(default)]
    pub epochs: BTreeMap<u32, String>,
}

/// Why [`Index::open_for_update`] started the index over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rebuilt {
    /// The caller asked (`putt index --rebuild`).
    Asked,
    /// Written by another version of putt.
    OtherVersion,
    /// It could not be read: what was wrong.
    Damaged(String),
}

/// A message that could not be read whole (`putt stats --degraded`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Degraded {
    pub inbox: String,
    pub epoch: u32,
    /// The commit that delivered it (empty in an index written before
    /// putt recorded it).
    pub commit: String,
    pub blob: String,
    /// Empty when the mail has none, or could not be read at all.
    pub message_id: String,
    pub subject: String,
    /// Unix seconds: the mail's date, else its commit's.
    pub date: i64,
    /// `no Message-ID`, `bad Date`, `missing object` ...
    pub reasons: Vec<String>,
    /// The blob itself could not be read: the mail is not in the index,
    /// only its stand-in, and the next `putt index` tries again.
    pub unreadable: bool,
}

/// Counts for `putt stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub messages: u64,
    pub patches: u64,
    pub cover_letters: u64,
    pub replies: u64,
    pub pull_requests: u64,
    pub degraded: u64,
    /// Of `degraded`: mails whose blob could not be read (not counted in
    /// `messages`).
    pub unreadable: u64,
    pub index_bytes: u64,
    pub inboxes: Vec<InboxStats>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InboxStats {
    pub name: String,
    pub path: PathBuf,
    pub messages: u64,
    pub patches: u64,
    pub degraded: u64,
}

/// An open index.
pub struct Index {
    dir: PathBuf,
    inner: tantivy::Index,
    fields: Fields,
    reader: tantivy::IndexReader,
    /// [`Index::generation`] of what the reader sees.
    generation: std::sync::atomic::AtomicU64,
    syncing: std::sync::Arc<directory::Syncing>,
    /// The user's corrections to series links, applied by every grouping
    /// of this index's messages (replaced when the user makes one).
    corrections: std::sync::RwLock<std::sync::Arc<crate::series::Corrections>>,
    /// A hash of `corrections` (0 for none), part of the generation.
    corrections_key: std::sync::atomic::AtomicU64,
}

impl Index {
    /// Opens the index at `dir`, creating it when absent. An index written
    /// with another schema version is removed and recreated (it is only a
    /// cache of the archives).
    pub fn open_or_create(dir: &Path) -> Result<Index> {
        Ok(Index::open_for_update(dir, false)?.0)
    }

    /// [`Index::open_or_create`] for a run that writes: an index whose
    /// files are damaged ([`health::damaged_files`]), or any index when
    /// `rebuild`, is removed and created empty, to be filled again from
    /// the archives; the second value then says why.
    pub fn open_for_update(dir: &Path, rebuild: bool) -> Result<(Index, Option<Rebuilt>)> {
        let mut rebuilt = None;
        if dir.join("meta.json").is_file() {
            match Index::open(dir) {
                Ok(_) if rebuild => rebuilt = Some(Rebuilt::Asked),
                Ok(index) if index.cursors()?.schema == schema::SCHEMA_VERSION => {
                    let damaged = health::damaged_files(dir, &index.inner);
                    if damaged.is_empty() {
                        return Ok((index, None));
                    }
                    rebuilt = Some(Rebuilt::Damaged(health::describe(&damaged)));
                }
                Ok(_) | Err(Error::IndexVersion { .. }) => rebuilt = Some(Rebuilt::OtherVersion),
                Err(
                    Error::Index { message, .. }
                    | Error::IndexDamaged {
                        detail: message, ..
                    },
                ) => {
                    rebuilt = Some(Rebuilt::Damaged(message));
                }
                Err(e) => return Err(e),
            }
            remove_index_files(dir)?;
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let (schema, fields) = schema::build();
        let files = directory::IndexDirectory::open(dir).map_err(|e| Error::index(dir, e))?;
        let syncing = files.syncing();
        let inner = tantivy::Index::create(files, schema, tantivy::IndexSettings::default())
            .map_err(|e| Error::index(dir, e))?;
        Ok((Index::from_parts(dir, inner, fields, syncing)?, rebuilt))
    }

    /// Opens an existing index for reading.
    pub fn open(dir: &Path) -> Result<Index> {
        if !dir.join("meta.json").is_file() {
            return Err(Error::NoIndex {
                path: dir.to_path_buf(),
            });
        }
        let files = directory::IndexDirectory::open(dir).map_err(|e| Error::index(dir, e))?;
        let syncing = files.syncing();
        let inner = tantivy::Index::open(files).map_err(|e| Error::index(dir, e))?;
        let (expected, fields) = schema::build();
        if inner.schema() != expected {
            return Err(Error::IndexVersion {
                path: dir.to_path_buf(),
            });
        }
        Index::from_parts(dir, inner, fields, syncing)
    }

    fn from_parts(
        dir: &Path,
        inner: tantivy::Index,
        fields: Fields,
        syncing: std::sync::Arc<directory::Syncing>,
    ) -> Result<Index> {
        inner
            .tokenizers()
            .register("default", tokens::MailTokenizer::default());
        // Read before the reader opens: a commit landing in between then
        // makes the reader newer than its generation, never older, and a
        // memo of the older generation only misses the newest mail.
        let generation = generation_of(dir, &inner)?;
        let reader = inner
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| Error::index(dir, e))?;
        Ok(Index {
            dir: dir.to_path_buf(),
            inner,
            fields,
            reader,
            generation: generation.into(),
            syncing,
            corrections: Default::default(),
            corrections_key: 0.into(),
        })
    }

    /// Whether what is written from now on is synced to disk (it is unless
    /// turned off: see [`directory`]).
    pub fn set_fsync(&self, on: bool) {
        self.syncing.set(on);
    }

    /// Files and directory syncs done through this index so far.
    pub fn syncs(&self) -> u64 {
        self.syncing.done()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub(crate) fn tantivy(&self) -> &tantivy::Index {
        &self.inner
    }

    /// Sees the latest commit (after `putt index` ran, here or elsewhere).
    pub fn reload(&self) -> Result<()> {
        let generation = generation_of(&self.dir, &self.inner)?;
        self.reader
            .reload()
            .map_err(|e| Error::index(&self.dir, e))?;
        self.generation
            .store(generation, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Which archive state the reader sees: a hash of the last commit's
    /// cursors, and of the corrections series are grouped with. Caches of
    /// what the index holds (the series memo) belong to one generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Relaxed)
            ^ self
                .corrections_key
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// This index, its series grouped with the user's `corrections`
    /// ([`crate::corrections::CorrectionStore::load`]).
    pub fn with_corrections(self, corrections: crate::series::Corrections) -> Index {
        self.set_corrections(corrections);
        self
    }

    /// Groups series with `corrections` from now on (the user just made
    /// one).
    pub fn set_corrections(&self, corrections: crate::series::Corrections) {
        let mut text = String::new();
        for (a, b) in &corrections.links {
            text.push_str(&format!("link {a} {b}\n"));
        }
        for s in &corrections.splits {
            text.push_str(&format!("split {s}\n"));
        }
        let key = if corrections.is_empty() {
            0
        } else {
            crate::summary::hash(&text)
        };
        let mut held = self.corrections.write().unwrap_or_else(|e| e.into_inner());
        *held = std::sync::Arc::new(corrections);
        self.corrections_key
            .store(key, std::sync::atomic::Ordering::Relaxed);
    }

    /// The user's corrections to series links ([`Index::with_corrections`]).
    pub fn corrections(&self) -> std::sync::Arc<crate::series::Corrections> {
        self.corrections
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// The archive cursors of the last commit.
    pub fn cursors(&self) -> Result<Cursors> {
        let metas = self
            .inner
            .load_metas()
            .map_err(|e| Error::index(&self.dir, e))?;
        match metas.payload {
            None => Ok(Cursors {
                schema: schema::SCHEMA_VERSION,
                ..Cursors::default()
            }),
            Some(p) => serde_json::from_str(&p)
                .map_err(|e| Error::index(&self.dir, format!("commit payload: {e}"))),
        }
    }

    /// Number of live messages (stand-ins of unreadable mail are none).
    pub fn num_messages(&self) -> u64 {
        let searcher = self.searcher();
        let stand_ins = searcher
            .search(&self.kind_query("missing"), &Count)
            .unwrap_or(0) as u64;
        searcher.num_docs().saturating_sub(stand_ins)
    }

    /// Runs a query string in the public-inbox syntax; newest first.
    pub fn search(
        &self,
        query: &str,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<MessageSummary>> {
        let ast = crate::query::parse(query, now)?;
        reject_series_terms(&ast)?;
        let q = self.compile(&ast);
        let addrs = self.top_by_date(q.as_ref(), limit, offset)?;
        addrs.into_iter().map(|a| self.summary(a)).collect()
    }

    /// Counts the matches of a query string.
    pub fn count(&self, query: &str, now: chrono::DateTime<chrono::Utc>) -> Result<usize> {
        let ast = crate::query::parse(query, now)?;
        reject_series_terms(&ast)?;
        let q = self.compile(&ast);
        self.searcher()
            .search(q.as_ref(), &Count)
            .map_err(|e| Error::index(&self.dir, e))
    }

    /// A parsed query as tantivy's, leaving out the stand-ins of mail that
    /// could not be read ([`build`]): they are no messages. Most indexes
    /// hold none, and their queries stay as they are.
    pub fn compile(&self, ast: &crate::query::Query) -> Box<dyn TantivyQuery> {
        let q = compile::compile(&self.fields, ast);
        let missing = Term::from_field_text(self.fields.kind, "missing");
        if self.searcher().doc_freq(&missing).unwrap_or(1) == 0 {
            return q;
        }
        Box::new(tantivy::query::BooleanQuery::new(vec![
            (tantivy::query::Occur::Must, q),
            (
                tantivy::query::Occur::MustNot,
                Box::new(self.kind_query("missing")),
            ),
        ]))
    }

    /// The documents of one [`Fields::kind`] (`degraded`, `missing` ...).
    pub(crate) fn kind_query(&self, kind: &str) -> TermQuery {
        TermQuery::new(
            Term::from_field_text(self.fields.kind, kind),
            IndexRecordOption::Basic,
        )
    }

    /// The addresses of the documents of one kind (for the rare kinds).
    pub(crate) fn of_kind(
        &self,
        searcher: &tantivy::Searcher,
        kind: &str,
    ) -> Result<std::collections::HashSet<DocAddress>> {
        searcher
            .search(&self.kind_query(kind), &tantivy::collector::DocSetCollector)
            .map_err(|e| Error::index(&self.dir, e))
    }

    /// Every degraded message (and stand-in of an unreadable one), oldest
    /// first, with what was wrong.
    pub fn degraded(&self) -> Result<Vec<Degraded>> {
        let searcher = self.searcher();
        let err = |e: tantivy::TantivyError| Error::index(&self.dir, e);
        let missing = self.of_kind(&searcher, "missing")?;
        let mut out = Vec::new();
        for a in self.of_kind(&searcher, "degraded")? {
            let doc: TantivyDocument = searcher.doc(a).map_err(err)?;
            let f = &self.fields;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            out.push(Degraded {
                inbox: text(f.inbox),
                epoch: doc.get_first(f.epoch).and_then(|v| v.as_u64()).unwrap_or(0) as u32,
                commit: text(f.commit),
                blob: text(f.blob),
                message_id: text(f.mid),
                subject: text(f.subject),
                date: doc.get_first(f.date).and_then(|v| v.as_i64()).unwrap_or(0),
                reasons: text(f.problems)
                    .split("; ")
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect(),
                unreadable: missing.contains(&a),
            });
        }
        out.sort_by(|a, b| {
            (a.date, &a.inbox, a.epoch, &a.blob).cmp(&(b.date, &b.inbox, b.epoch, &b.blob))
        });
        Ok(out)
    }

    /// Document addresses matching `q`, newest first.
    ///
    /// Ranking by date visits every match, which is slow for the match-all
    /// first page of a large archive. So on a big index a query matching many
    /// messages asks the newest slice of the date range first (sized from
    /// the density of its matches to hold a few pages), once more sixteen
    /// times wider, and only then the whole range.
    /// The page is the same: whatever lies outside a slice is older than
    /// everything in it.
    pub fn top_by_date(
        &self,
        q: &dyn TantivyQuery,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<DocAddress>> {
        self.top_by_date_sliced(q, limit, offset, SLICE_MIN_DOCS)
    }

    fn top_by_date_sliced(
        &self,
        q: &dyn TantivyQuery,
        limit: usize,
        offset: usize,
        min_docs: u64,
    ) -> Result<Vec<DocAddress>> {
        let limit = limit.max(1);
        let searcher = self.searcher();
        let wanted = limit + offset;
        let newest_hits = |q: &dyn TantivyQuery| -> Result<Vec<DatedHit>> {
            let collector =
                TopDocs::with_limit(wanted).order_by_fast_field::<i64>("date", Order::Desc);
            searcher
                .search(q, &collector)
                .map_err(|e| Error::index(&self.dir, e))
        };
        // Ties are settled only in the hits that make the page.
        let page = |q: &dyn TantivyQuery, mut hits: Vec<DatedHit>| -> Result<Vec<DocAddress>> {
            settle_ties(&searcher, &self.fields, q, &mut hits, wanted)
                .map_err(|e| Error::index(&self.dir, e))?;
            Ok(hits
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(|(_, a)| a)
                .collect())
        };
        let docs = searcher.num_docs();
        // A query matching few messages ranks them at once; slicing it
        // would only add queries.
        let matches = if docs >= min_docs.max(1) {
            estimated_matches(&searcher, q)
        } else {
            0
        };
        let broad = min_docs == 0 || matches >= (wanted as u64 * 64).max(4_096);
        let bounds = broad.then(|| date_bounds(&searcher)).flatten();
        if let Some((oldest, newest)) = bounds {
            let range = (newest - oldest).max(1) as f64;
            // Sized to hold four pages if the matches were spread evenly
            // over time; two tries, then the whole range: matches that all
            // lie far back (a `d:` range of last year) cost two small
            // extra queries, not a walk back through the years.
            let spread = matches.clamp(1, docs.max(1)) as f64;
            let mut slice = (range * (wanted * 4) as f64 / spread).max(3_600.0);
            for _ in 0..SLICE_TRIES {
                if slice >= range {
                    break;
                }
                let from = newest - slice as i64;
                let sliced = tantivy::query::BooleanQuery::intersection(vec![
                    q.box_clone(),
                    // From the term dictionary: the cost follows the
                    // slice's messages, where the date column would be
                    // scanned whole.
                    Box::new(tantivy::query::InvertedIndexRangeQuery::new(
                        std::ops::Bound::Included(Term::from_field_i64(self.fields.date, from)),
                        std::ops::Bound::Unbounded,
                    )),
                ]);
                let hits = newest_hits(&sliced)?;
                if hits.len() >= wanted {
                    return page(&sliced, hits);
                }
                slice *= 16.0;
            }
        }
        page(q, newest_hits(q)?)
    }

    /// Every message with this Message-ID (duplicates exist), oldest first.
    pub fn by_message_id(&self, message_id: &str) -> Result<Vec<MessageSummary>> {
        // The hash's hits, each stored document read once: to drop a hash
        // collision and for the summary.
        let q = compile::MessageIdQuery::new(&self.fields, message_id);
        let searcher = self.searcher();
        let mut out = Vec::new();
        for address in self.top_by_date(&q.hash_query(), 1000, 0)? {
            let doc: TantivyDocument = searcher
                .doc(address)
                .map_err(|e| Error::index(&self.dir, e))?;
            if q.matches(&doc) {
                out.push(self.summary_of(&doc, address));
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Loads the stored fields of one document.
    pub fn summary(&self, address: DocAddress) -> Result<MessageSummary> {
        let doc: TantivyDocument = self
            .searcher()
            .doc(address)
            .map_err(|e| Error::index(&self.dir, e))?;
        Ok(self.summary_of(&doc, address))
    }

    pub(crate) fn summary_of(&self, doc: &TantivyDocument, address: DocAddress) -> MessageSummary {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let opt = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let trailers = doc
            .get_first(f.trailers)
            .and_then(|v| v.as_str())
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let ids = |field| -> Vec<String> {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default()
        };
        let refs = text(f.refs);
        let mut refs = refs.split_whitespace().map(str::to_string);
        let parent = refs.next().filter(|p| p != "-");
        MessageSummary {
            message_id: text(f.mid),
            date: doc.get_first(f.date).and_then(|v| v.as_i64()).unwrap_or(0),
            from: opt(f.sender).unwrap_or_else(|| text(f.from)),
            subject: text(f.subject),
            inbox: text(f.inbox),
            epoch: doc.get_first(f.epoch).and_then(|v| v.as_u64()).unwrap_or(0) as u32,
            blob: text(f.blob),
            parent,
            references: refs.collect(),
            meta: Meta::unpack(doc.get_first(f.meta).and_then(|v| v.as_u64()).unwrap_or(0)),
            patch_id: opt(f.patchid),
            change_id: opt(f.change_id),
            base_commit: opt(f.base),
            trailers,
            pull: doc
                .get_first(f.pull)
                .and_then(|v| v.as_str())
                .and_then(|s| serde_json::from_str(s).ok()),
            files: doc.get_all(f.files_h).filter_map(|v| v.as_u64()).collect(),
            supersedes: ids(f.supersedes),
            cites: ids(f.cites),
            address: doc_ref(address),
        }
    }

    /// Reads the raw mail of an indexed message from its archive.
    pub fn raw_message(&self, m: &MessageSummary) -> Result<Vec<u8>> {
        let mut raw = self.raw_messages(&[m])?;
        Ok(raw.pop().unwrap_or_default())
    }

    /// Reads the raw mails of indexed messages, in order, opening each
    /// epoch's repository once (opening one, with its pack indexes, costs
    /// more than reading a mail).
    pub fn raw_messages(&self, ms: &[&MessageSummary]) -> Result<Vec<Vec<u8>>> {
        let cursors = self.cursors()?;
        let mut inboxes: BTreeMap<&str, archive::Inbox> = BTreeMap::new();
        let mut repos: BTreeMap<(&str, u32), gix::Repository> = BTreeMap::new();
        let mut buf = Vec::new();
        let mut out = Vec::with_capacity(ms.len());
        for m in ms {
            let repo = match repos.entry((m.inbox.as_str(), m.epoch)) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let found = match inboxes.entry(m.inbox.as_str()) {
                        Entry::Occupied(f) => f.into_mut(),
                        Entry::Vacant(f) => {
                            let inbox = cursors.inboxes.get(&m.inbox).ok_or_else(|| {
                                Error::index(
                                    &self.dir,
                                    format!("inbox {} is not in the index", m.inbox),
                                )
                            })?;
                            f.insert(archive::Inbox::open(&m.inbox, &inbox.path)?)
                        }
                    };
                    let epoch = found
                        .epochs
                        .iter()
                        .find(|e| e.number == m.epoch)
                        .ok_or_else(|| Error::NotAnArchive {
                            path: found.path.clone(),
                            reason: format!("epoch {} is gone", m.epoch),
                        })?;
                    e.insert(archive::open_repo(&epoch.git_dir)?)
                }
            };
            let id = gix::ObjectId::from_hex(m.blob.as_bytes())
                .map_err(|e| Error::index(&self.dir, format!("blob id {}: {e}", m.blob)))?;
            out.push(archive::read_blob(repo, &id, &mut buf)?.to_vec());
        }
        Ok(out)
    }

    /// Counts of messages by kind, per inbox, and the index size on disk.
    pub fn stats(&self) -> Result<Stats> {
        let searcher = self.searcher();
        let count = |q: &dyn TantivyQuery| -> Result<u64> {
            searcher
                .search(q, &Count)
                .map(|c| c as u64)
                .map_err(|e| Error::index(&self.dir, e))
        };
        let kind = |k: &str| self.kind_query(k);
        let unreadable = count(&kind("missing"))?;
        let mut stats = Stats {
            messages: searcher.num_docs().saturating_sub(unreadable),
            patches: count(&kind("patch"))?,
            cover_letters: count(&kind("cover"))?,
            replies: count(&kind("reply"))?,
            pull_requests: count(&kind("pull"))?,
            degraded: count(&kind("degraded"))?,
            unreadable,
            index_bytes: dir_size(&self.dir),
            inboxes: Vec::new(),
        };
        for (name, cursor) in self.cursors()?.inboxes {
            let inbox_q = TermQuery::new(
                Term::from_field_text(self.fields.inbox, &name),
                IndexRecordOption::Basic,
            );
            let and = |k: &str| {
                tantivy::query::BooleanQuery::intersection(vec![
                    Box::new(inbox_q.clone()) as Box<dyn TantivyQuery>,
                    Box::new(kind(k)),
                ])
            };
            stats.inboxes.push(InboxStats {
                messages: count(&inbox_q)?.saturating_sub(count(&and("missing"))?),
                patches: count(&and("patch"))?,
                degraded: count(&and("degraded"))?,
                name,
                path: cursor.path,
            });
        }
        Ok(stats)
    }
}

/// `is:` and `check:` test series, not messages.
fn reject_series_terms(ast: &crate::query::Query) -> Result<()> {
    match crate::workflow::first_series_term(ast) {
        Some(span) => Err(crate::query::QueryError {
            message: "is: and check: test series, not messages".into(),
            span,
        }
        .into()),
        None => Ok(()),
    }
}

/// The inbox layout recorded for diagnostics.
pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::V1 => "v1",
        Format::V2 => "v2",
    }
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Removes tantivy's files from `dir`, leaving anything else alone.
/// See [`Index::generation`].
fn generation_of(dir: &Path, inner: &tantivy::Index) -> Result<u64> {
    let metas = inner.load_metas().map_err(|e| Error::index(dir, e))?;
    Ok(metas.payload.as_deref().map_or(0, schema::hash))
}

fn remove_index_files(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name == "meta.json"
            || crate::series::memo::is_memo_file(&name)
            || name == health::VERIFIED
            || name == ".managed.json"
            || name.starts_with(".tantivy")
            || name.rsplit_once('.').is_some_and(|(stem, _)| {
                stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
            });
        if ours {
            std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        }
    }
    Ok(())
}

/// Below this many messages ranking every match by date is cheap enough
/// (a few ms) that slicing the date range would only add queries.
const SLICE_MIN_DOCS: u64 = 50_000;

/// Slices of the date range tried (each 16 times the last) before the
/// whole range.
const SLICE_TRIES: usize = 2;

/// How many documents `q` may match, from its scorers' size hints (a
/// term's document frequency, the smaller side of an intersection ...):
/// cheap, and an overestimate where it errs.
fn estimated_matches(searcher: &tantivy::Searcher, q: &dyn TantivyQuery) -> u64 {
    let Ok(weight) = q.weight(tantivy::query::EnableScoring::disabled_from_searcher(
        searcher,
    )) else {
        return u64::MAX;
    };
    let mut n = 0u64;
    for seg in searcher.segment_readers() {
        match weight.scorer(seg, 1.0) {
            Ok(s) => n += u64::from(tantivy::DocSet::size_hint(&*s)),
            Err(_) => return u64::MAX,
        }
    }
    n
}

/// A hit ranked by date, and its date.
type DatedHit = (Option<i64>, DocAddress);

/// Puts messages of equal dates (a bot's burst, one message cross-posted to
/// two inboxes) in one order whatever index holds them: newest first as
/// tantivy ranks them, then by Message-ID hash (descending) and inbox name.
/// Left to tantivy, ties go by document address, which depends on which
/// writer thread took each message, so two indexes of the same archives
/// listed them differently. `hits` are the `wanted` newest by date.
///
/// Ordering every hit by all three columns made broad queries on a large
/// archive much slower (tantivy reads the extra columns for each hit it keeps, and in
/// archive order nearly every hit is kept for a while). Here only ties
/// are looked at: those inside the page from the hits, and the run of
/// equal dates the page may end in by one more query for that one date,
/// whose messages are not all among the hits.
fn settle_ties(
    searcher: &tantivy::Searcher,
    f: &schema::Fields,
    q: &dyn TantivyQuery,
    hits: &mut Vec<DatedHit>,
    wanted: usize,
) -> tantivy::Result<()> {
    let mut tail: Vec<DatedHit> = Vec::new();
    if hits.len() == wanted
        && let Some(&(Some(last), _)) = hits.last()
    {
        let newer = hits.iter().take_while(|(d, _)| *d != Some(last)).count();
        let date = Term::from_field_i64(f.date, last);
        // Usually no other message has that date at all (the dictionary
        // counts deleted ones too, which only costs the query below).
        if searcher.doc_freq(&date)? <= (hits.len() - newer) as u64 {
            settle_runs(searcher, hits);
            return Ok(());
        }
        let at_last = tantivy::query::BooleanQuery::intersection(vec![
            q.box_clone(),
            Box::new(TermQuery::new(date, IndexRecordOption::Basic)),
        ]);
        let collector = TopDocs::with_limit(wanted - newer).order_by((
            (
                SortByStaticFastValue::<u64>::for_field("mid_h"),
                Order::Desc,
            ),
            (SortByString::for_field("inbox"), Order::Asc),
        ));
        tail = searcher
            .search(&at_last, &collector)?
            .into_iter()
            .map(|(_, a)| (Some(last), a))
            .collect();
        hits.truncate(newer);
    }
    // Every message newer than the page's last date is among the hits, so
    // the runs left are whole.
    settle_runs(searcher, hits);
    hits.extend(tail);
    Ok(())
}

/// Orders each run of equal dates in `hits` by Message-ID hash
/// (descending), inbox and address; the runs must be whole.
fn settle_runs(searcher: &tantivy::Searcher, hits: &mut [DatedHit]) {
    for run in hits.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_by_cached_key(|&(_, at)| {
                let (mid_h, inbox) = tie_key(searcher, at);
                (std::cmp::Reverse(mid_h), inbox, at)
            });
        }
    }
}

/// A message's Message-ID hash and inbox name, from the fast fields.
fn tie_key(searcher: &tantivy::Searcher, at: DocAddress) -> (u64, String) {
    let fast = searcher.segment_reader(at.segment_ord).fast_fields();
    let mid_h = fast
        .u64("mid_h")
        .ok()
        .and_then(|c| c.first(at.doc_id))
        .unwrap_or(0);
    let mut inbox = String::new();
    if let Ok(Some(col)) = fast.str("inbox")
        && let Some(ord) = col.term_ords(at.doc_id).next()
    {
        let _ = col.ord_to_str(ord, &mut inbox);
    }
    (mid_h, inbox)
}

/// The oldest and newest date in the index (of live and deleted documents
/// alike: they only size the first slice).
fn date_bounds(searcher: &tantivy::Searcher) -> Option<(i64, i64)> {
    let mut bounds: Option<(i64, i64)> = None;
    for seg in searcher.segment_readers() {
        let Ok(col) = seg.fast_fields().i64("date") else {
            continue;
        };
        if seg.num_docs() == 0 {
            continue;
        }
        let (lo, hi) = (col.min_value(), col.max_value());
        bounds = Some(match bounds {
            None => (lo, hi),
            Some((a, b)) => (a.min(lo), b.max(hi)),
        });
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::Inbox;
    use putt_testkit::write::V2Writer;

    /// A Message-ID's hash is shared here by a forged message and a
    /// duplicate: the lookup answers the two copies, oldest first, and not
    /// the forgery.
    #[test]
    fn by_message_id_checks_the_stored_id_and_puts_the_oldest_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let index = Index::open_or_create(dir.path()).expect("index");
        let f = index.fields().clone();
        let mut writer: tantivy::IndexWriter = index
            .tantivy()
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        for (mid, date, subject) in [
            ("a@example.org", 200, "second copy"),
            ("forged@example.org", 150, "forged"),
            ("a@example.org", 100, "first copy"),
        ] {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.mid, mid);
            doc.add_u64(f.mid_h, schema::hash("a@example.org"));
            doc.add_i64(f.date, date);
            doc.add_text(f.subject, subject);
            writer.add_document(doc).expect("add");
        }
        writer.commit().expect("commit");
        index.reload().expect("reload");
        let found = index.by_message_id("<a@example.org>").expect("lookup");
        let subjects: Vec<&str> = found.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(subjects, ["first copy", "second copy"]);
        assert!(found.iter().all(|m| m.message_id == "a@example.org"));
        assert!(
            index
                .by_message_id("forged@example.org")
                .expect("lookup")
                .is_empty()
        );
    }

    /// Sliced or not, a newest-first page is the same: dates out of order
    /// (a clock years off, a burst on one day, replies older than their
    /// patches), pages deep and shallow, queries common and rare.
    #[test]
    fn sliced_pages_are_the_pages_of_the_whole_range() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = V2Writer::open(&dir.path().join("inbox")).expect("inbox");
        let mut seed = 7u64;
        let mut rand = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let t0 = 1_700_000_000i64;
        for i in 0..1_500u64 {
            let date = match i % 50 {
                0 => t0 + 20 * 365 * 86_400 + rand(1000) as i64, // the future
                1 => t0 - 30 * 365 * 86_400,                     // the past
                2..=9 => t0 + 100 * 86_400,                      // one burst
                _ => t0 + rand(400 * 86_400) as i64,
            };
            let subject = if i % 97 == 0 {
                "rare thing"
            } else {
                "common thing"
            };
            let raw = format!(
                "From: A <a{}@example.org>\nSubject: {subject} {i}\nDate: {}\nMessage-ID: <m{i}@example.org>\n\nBody {i}.\n",
                i % 5,
                chrono::DateTime::from_timestamp(date, 0)
                    .expect("date")
                    .to_rfc2822()
            );
            w.add(raw.as_bytes(), date).expect("add");
        }
        drop(w);
        let inbox = Inbox::open("t", &dir.path().join("inbox")).expect("open");
        let index = Index::open_or_create(&dir.path().join("index")).expect("index");
        build::update(
            &index,
            &[inbox],
            &build::IndexOptions::default(),
            &mut |_| {},
        )
        .expect("update");
        index.reload().expect("reload");
        let now = chrono::DateTime::from_timestamp(t0, 0).expect("now");
        for query in ["", "s:common", "s:rare", "f:a3@example.org", "s:nothing"] {
            let ast = crate::query::parse(query, now).expect("parse");
            let q = compile::compile(index.fields(), &ast);
            for (limit, offset) in [(1, 0), (20, 0), (20, 40), (100, 1_300), (50, 1_480)] {
                let whole = index
                    .top_by_date_sliced(q.as_ref(), limit, offset, u64::MAX)
                    .expect("whole");
                let sliced = index
                    .top_by_date_sliced(q.as_ref(), limit, offset, 0)
                    .expect("sliced");
                let listed = |v: &[DocAddress]| -> Vec<(i64, String)> {
                    v.iter()
                        .map(|a| {
                            let m = index.summary(*a).expect("summary");
                            (m.date, m.message_id)
                        })
                        .collect()
                };
                // The burst's equal dates too: ties are settled the same
                // way in a slice as in the whole range.
                assert_eq!(
                    listed(&sliced),
                    listed(&whole),
                    "{query:?} {limit}+{offset}"
                );
            }
        }
    }

    /// Mail sent in the same second lists in one order whatever index
    /// holds it. Two indexes of the same two inboxes, built with the inboxes
    /// in opposite orders so that every message sits at another document
    /// address, list the same page: three seconds of four messages each per
    /// inbox, the first four cross-posted to both (same Message-ID, same
    /// date).
    #[test]
    fn equal_dates_list_in_the_same_order_in_every_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t0 = 1_700_000_000i64;
        for name in ["a", "b"] {
            let mut w = V2Writer::open(&dir.path().join(name)).expect("inbox");
            for i in 0..12i64 {
                let date = t0 + i / 4;
                let mid = if i < 4 {
                    format!("both{i}@example.org")
                } else {
                    format!("{name}{i}@example.org")
                };
                let raw = format!(
                    "From: A <a@example.org>\nSubject: burst {i}\nDate: {}\nMessage-ID: <{mid}>\n\nBody.\n",
                    chrono::DateTime::from_timestamp(date, 0)
                        .expect("date")
                        .to_rfc2822()
                );
                w.add(raw.as_bytes(), date).expect("add");
            }
        }
        let now = chrono::DateTime::from_timestamp(t0 + 60, 0).expect("now");
        let build = |order: [&str; 2], at: &str| -> Index {
            let inboxes: Vec<Inbox> = order
                .iter()
                .map(|n| Inbox::open(n, &dir.path().join(n)).expect("open"))
                .collect();
            let index = Index::open_or_create(&dir.path().join(at)).expect("index");
            build::update(
                &index,
                &inboxes,
                &build::IndexOptions::default(),
                &mut |_| {},
            )
            .expect("update");
            index.reload().expect("reload");
            index
        };
        let page = |index: &Index, limit: usize, offset: usize| -> Vec<(String, String)> {
            index
                .search("", now, limit, offset)
                .expect("search")
                .into_iter()
                .map(|m| (m.message_id, m.inbox))
                .collect()
        };
        let (ab_index, ba_index) = (build(["a", "b"], "ab"), build(["b", "a"], "ba"));
        let ab = page(&ab_index, 100, 0);
        let ba = page(&ba_index, 100, 0);
        assert_eq!(ab.len(), 24);
        assert_eq!(ab, ba);
        // Newest second first; a cross-posted message's two copies together.
        assert!(ab[..8].iter().all(|(m, _)| !m.starts_with("both")));
        let both: Vec<&(String, String)> = ab[16..].iter().collect();
        for pair in both.chunks(2) {
            assert_eq!(pair[0].0, pair[1].0);
            assert_eq!((pair[0].1.as_str(), pair[1].1.as_str()), ("a", "b"));
        }
        // Pages that begin or end inside a run of equal dates are slices
        // of the same list.
        for limit in [1, 3, 5] {
            for offset in 0..24 {
                let want = &ab[offset..(offset + limit).min(24)];
                assert_eq!(page(&ab_index, limit, offset), want, "{limit}+{offset}");
                assert_eq!(page(&ba_index, limit, offset), want, "{limit}+{offset}");
            }
        }
    }
}
