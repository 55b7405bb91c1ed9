//! Series, revisions and trailers: the patchwork model.
//!
//! Input is a set of messages (complete threads); output is what a
//! maintainer thinks in: series, each with its revisions (v1, v2, ...), each
//! revision with its cover letter, its patches by slot (missing and extra
//! ones known), its follow-ups and the trailers they carry. The rules follow
//! b4 and Patchwork where those are right and do better where they are not
//! (see ../shared/RULES.md): patches join the cover or patch they are
//! threaded under only when author, version, total and a free slot agree;
//! unthreaded patches join by author, version and total within 30 minutes;
//! revisions link on evidence ([`link`]: change-id, a re-roll in reply,
//! patch-id, titles, files, version, time) and the user's corrections;
//! partial re-rolls borrow the untouched slots of the revision they
//! answer. Grouping is pure; the store's gathering fetches the messages
//! from the index.

mod link;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

pub use link::{Corrections, Link, WINDOW as SUBJECT_LINK_WINDOW, title_similarity};
use link::{Facts, Thread};

use crate::subject::{SubjectInfo, parse_subject};
use crate::summary::MessageSummary;
use crate::trailers::{Trailer, TrailerKind};

/// Unthreaded patches of one revision arrive within this many seconds.
pub const UNTHREADED_WINDOW: i64 = 30 * 60;
/// How many earlier revisions of the same person a revision is weighed
/// against (the nearest in time).
const MAX_CANDIDATES: usize = 128;

/// The series model's view of one message.
#[derive(Debug, Clone)]
pub struct Mail {
    pub message_id: String,
    pub parent: Option<String>,
    pub references: Vec<String>,
    pub date: i64,
    pub from_name: String,
    pub from_addr: String,
    pub subject: String,
    pub info: SubjectInfo,
    pub has_diff: bool,
    pub has_diffstat: bool,
    pub pull: Option<Pull>,
    pub patch_id: Option<String>,
    pub change_id: Option<String>,
    pub base_commit: Option<String>,
    pub trailers: Vec<Trailer>,
    /// Hashes of the paths its diff touches.
    pub files: Vec<u64>,
    /// Message-IDs it says it replaces.
    pub supersedes: Vec<String>,
    /// Message-IDs of earlier versions it links to.
    pub cites: Vec<String>,
    pub inbox: String,
    pub blob: String,
}

impl From<MessageSummary> for Mail {
    fn from(m: MessageSummary) -> Mail {
        Mail {
            from_name: m.from_name(),
            from_addr: m.from_addr(),
            info: parse_subject(&m.subject),
            has_diff: m.meta.has_diff,
            has_diffstat: m.meta.has_diffstat,
            pull: m.pull.map(|p| Pull {
                url: p.url,
                branch: p.branch,
            }),
            message_id: m.message_id,
            parent: m.parent,
            references: m.references,
            date: m.date,
            subject: m.subject,
            patch_id: m.patch_id,
            change_id: m.change_id,
            base_commit: m.base_commit,
            trailers: m.trailers,
            files: m.files,
            supersedes: m.supersedes,
            cites: m.cites,
            inbox: m.inbox,
            blob: m.blob,
        }
    }
}

/// A message as a series shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MailRef {
    pub message_id: String,
    pub subject: String,
    pub from: String,
    pub date: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_id: Option<String>,
    #[serde(skip)]
    pub inbox: String,
    #[serde(skip)]
    pub blob: String,
}

impl MailRef {
    fn of(m: &Mail) -> MailRef {
        MailRef {
            message_id: m.message_id.clone(),
            subject: m.subject.clone(),
            from: if m.from_name.is_empty() {
                m.from_addr.clone()
            } else {
                format!("{} <{}>", m.from_name, m.from_addr)
            },
            date: m.date,
            patch_id: m.patch_id.clone(),
            inbox: m.inbox.clone(),
            blob: m.blob.clone(),
        }
    }
}

/// How a collected trailer reached a patch.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// Written in the patch itself.
    Patch,
    /// A follow-up to this patch.
    Reply,
    /// A follow-up to the cover letter: applies to every patch.
    Cover,
    /// Collected on an earlier revision whose patch is unchanged.
    Carried,
}

/// A trailer with where it came from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CollectedTrailer {
    #[serde(flatten)]
    pub trailer: Trailer,
    pub via: Via,
    /// Who sent the mail carrying it.
    pub sender: String,
    /// The mail carrying it.
    pub message_id: String,
    pub date: i64,
    /// Version of the revision it was collected on (for `Carried`).
    pub version: u32,
}

impl CollectedTrailer {
    /// `Reviewed-by: Name <addr>`.
    pub fn line(&self) -> String {
        format!("{}: {}", self.trailer.name, self.trailer.value)
    }
}

/// One slot of a revision.
#[derive(Debug, Clone, Serialize)]
pub struct Patch {
    pub counter: u32,
    #[serde(flatten)]
    pub mail: MailRef,
    /// Taken from an earlier revision (partial re-roll), not sent in this one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inherited: bool,
    /// Review trailers the patch already carries (its author added them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub own_trailers: Vec<Trailer>,
    /// Trailers collected for this patch (own ones excluded), in order.
    pub trailers: Vec<CollectedTrailer>,
    /// Trailers in follow-ups naming someone other than their sender, or
    /// holding hidden characters ([`Trailer::has_hidden_characters`]):
    /// shown, never applied by default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub someone_else: Vec<CollectedTrailer>,
    pub followups: usize,
}

/// A pull request's repository and branch.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pull {
    pub url: String,
    pub branch: Option<String>,
}

/// One posting of a series: v1, v2, ...
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub version: u32,
    pub version_inferred: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resend: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rfc: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<String>,
    /// Normalised subject of the cover (or of the first patch).
    pub subject: String,
    pub author: String,
    #[serde(skip)]
    pub author_addr: String,
    /// Date of its first message.
    pub date: i64,
    pub total: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover: Option<MailRef>,
    pub patches: Vec<Patch>,
    pub missing: Vec<u32>,
    /// Patches that landed in an occupied slot of this revision.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<MailRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull: Option<Pull>,
    /// Version of the revision a partial re-roll takes its other slots from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_of: Option<u32>,
    pub followups: usize,
    pub superseded: bool,
    /// Trailers sent in reply to the cover letter (they also appear on
    /// every patch).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cover_trailers: Vec<CollectedTrailer>,
    /// Why it is in this series: the revision it is linked to and the
    /// evidence (none for the first one sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    /// The user split it off the series it would join (`putt unlink`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub split: bool,
    /// The Message-ID the revision starts at (its cover, else its first
    /// patch): what [`Revision::root_message_id`] gives.
    #[serde(skip)]
    pub root_message: String,
    /// Message-IDs of the cover, the patches sent and the follow-ups.
    #[serde(skip)]
    pub members: HashSet<String>,
    /// Who answered and when, for rules ("no objection for 7 days", "a new
    /// revision since I replied").
    #[serde(skip)]
    pub replies: Vec<FollowUp>,
}

/// A follow-up to a revision: who sent it, when, and under which slot (0
/// for the cover letter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub message_id: String,
    /// Lower-cased.
    pub from_addr: String,
    pub date: i64,
    pub slot: u32,
}

impl Revision {
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// Patches present (sent or inherited) out of the total.
    pub fn received(&self) -> u32 {
        self.patches.len() as u32
    }

    /// Why it is in its series as it is: `follows v1 (change-id)`,
    /// `linked by you`, `split off by you`; `None` for a first revision.
    pub fn why_linked(&self) -> Option<String> {
        match (&self.link, self.split) {
            (Some(l), _) => Some(l.describe()),
            (None, true) => Some("split off by you".into()),
            (None, false) => None,
        }
    }

    /// `v3`, `v1`, `v2 RESEND`, `RFC v2`.
    pub fn label(&self) -> String {
        let mut s = format!("v{}", self.version);
        if self.rfc {
            s = format!("RFC {s}");
        }
        if self.resend {
            s.push_str(" RESEND");
        }
        s
    }

    /// Distinct people per kind over every patch and the cover, counting
    /// trailers written in the patches, collected and carried.
    pub fn counts(&self) -> TrailerCounts {
        let mut seen: HashSet<(TrailerKind, String)> = HashSet::new();
        let mut c = TrailerCounts::default();
        let all = self
            .patches
            .iter()
            .flat_map(|p| {
                p.trailers
                    .iter()
                    .map(|t| &t.trailer)
                    .chain(p.own_trailers.iter())
            })
            .chain(self.cover_trailers.iter().map(|t| &t.trailer));
        for t in all {
            let who = t
                .person
                .as_ref()
                .map(|p| p.addr.clone())
                .unwrap_or_else(|| t.value.clone());
            if !seen.insert((t.kind, who)) {
                continue;
            }
            match t.kind {
                TrailerKind::AckedBy => c.acked += 1,
                TrailerKind::ReviewedBy => c.reviewed += 1,
                TrailerKind::TestedBy => c.tested += 1,
                TrailerKind::NackedBy => c.nacked += 1,
                _ => {}
            }
        }
        c
    }

    /// When the last message of this revision (patch or follow-up) was sent.
    pub fn last_activity(&self) -> i64 {
        let patches = self.patches.iter().filter(|p| !p.inherited);
        patches
            .map(|p| p.mail.date)
            .chain(self.cover.iter().map(|c| c.date))
            .chain(self.replies.iter().map(|r| r.date))
            .fold(self.date, i64::max)
    }

    /// The Message-ID the revision starts at: its cover letter, else its
    /// first patch. Stable across re-grouping; triage state and check
    /// results are keyed by it.
    pub fn root_message_id(&self) -> &str {
        &self.root_message
    }
}

/// A/R/T counts (and objections) for a list row.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct TrailerCounts {
    pub acked: u32,
    pub reviewed: u32,
    pub tested: u32,
    pub nacked: u32,
}

/// A series: every revision of one piece of work, by version then date.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// Stable: derived from the first revision's cover (or first patch).
    pub id: String,
    pub subject: String,
    pub author: String,
    pub revisions: Vec<Revision>,
}

impl Series {
    /// The revision sent last (not necessarily the highest version).
    pub fn latest(&self) -> &Revision {
        &self.revisions[latest_index(&self.revisions)]
    }

    /// A revision by version (the last one sent with that number).
    pub fn revision(&self, version: u32) -> Option<&Revision> {
        self.revisions.iter().rev().find(|r| r.version == version)
    }

    /// Date of the newest revision.
    pub fn date(&self) -> i64 {
        self.latest().date
    }

    /// Whether any message of the series has this Message-ID.
    pub fn contains(&self, message_id: &str) -> bool {
        self.revisions
            .iter()
            .any(|r| r.members.contains(message_id))
    }
}

/// Index of the revision sent last; on a tie, the higher version.
fn latest_index(revisions: &[Revision]) -> usize {
    revisions
        .iter()
        .enumerate()
        .max_by_key(|(_, r)| (r.date, r.version))
        .map_or(0, |(i, _)| i)
}

/// The short id of the series whose first revision starts at `message_id`.
pub fn series_id(message_id: &str) -> String {
    format!("{:012x}", crate::summary::hash(message_id) >> 16)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cover,
    Patch,
    Pull,
    FollowUp,
}

/// Groups `mails` into series. Messages outside complete threads still
/// group; replies whose parents are missing hang off placeholders.
pub fn group(mails: Vec<Mail>) -> Vec<Series> {
    group_with(mails, &Corrections::default())
}

/// [`group`], with the user's corrections over the evidence.
pub fn group_with(mails: Vec<Mail>, corrections: &Corrections) -> Vec<Series> {
    Grouper::new(mails).run(corrections)
}

/// A link between two revisions (indexes into the grouper's), with its
/// evidence. `rank` orders kinds: the user's, then decisive evidence, then
/// weighed evidence.
struct Edge {
    older: usize,
    newer: usize,
    rank: u8,
    score: f32,
    because: Vec<String>,
}

struct Grouper {
    mails: Vec<Mail>,
    by_id: HashMap<String, usize>,
    parent: Vec<Option<usize>>,
    kind: Vec<Kind>,
    /// Revision and slot of each cover/patch once assigned.
    place: Vec<Option<(usize, u32)>>,
    revs: Vec<Rev>,
}

/// A revision while it is being built.
struct Rev {
    author: String,
    version: u32,
    version_explicit: bool,
    total: u32,
    cover: Option<usize>,
    slots: BTreeMap<u32, usize>,
    extra: Vec<usize>,
    first_date: i64,
    pull: Option<usize>,
    partial_of: Option<usize>,
}

impl Rev {
    fn new(m: &Mail) -> Rev {
        Rev {
            author: m.from_addr.clone(),
            version: m.info.version.max(1),
            version_explicit: !m.info.version_inferred,
            total: m.info.total.max(1),
            cover: None,
            slots: BTreeMap::new(),
            extra: Vec::new(),
            first_date: m.date,
            pull: None,
            partial_of: None,
        }
    }

    /// The message the revision is named after: cover, else lowest slot.
    fn title(&self) -> Option<usize> {
        self.cover
            .or(self.pull)
            .or_else(|| self.slots.values().next().copied())
    }
}

impl Grouper {
    fn new(mut mails: Vec<Mail>) -> Grouper {
        // One node per Message-ID: the earliest copy wins.
        mails.sort_by(|a, b| a.date.cmp(&b.date).then(a.message_id.cmp(&b.message_id)));
        let mut seen = HashSet::new();
        mails.retain(|m| seen.insert(m.message_id.clone()));
        let by_id: HashMap<String, usize> = mails
            .iter()
            .enumerate()
            .map(|(i, m)| (m.message_id.clone(), i))
            .collect();
        let parent: Vec<Option<usize>> = mails
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let direct = m.parent.as_deref().and_then(|p| by_id.get(p).copied());
                direct
                    .or_else(|| {
                        m.references
                            .iter()
                            .rev()
                            .find_map(|r| by_id.get(r.as_str()).copied())
                    })
                    .filter(|&p| p != i)
            })
            .collect();
        let kind = mails.iter().map(classify).collect();
        let n = mails.len();
        let mut g = Grouper {
            mails,
            by_id,
            parent,
            kind,
            place: vec![None; n],
            revs: Vec::new(),
        };
        g.break_cycles();
        g
    }

    /// Broken References can make loops; cut them so walks terminate.
    fn break_cycles(&mut self) {
        for start in 0..self.parent.len() {
            let mut seen = HashSet::new();
            let mut cur = start;
            seen.insert(cur);
            while let Some(p) = self.parent[cur] {
                if !seen.insert(p) {
                    self.parent[cur] = None;
                    break;
                }
                cur = p;
            }
        }
    }

    fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut cur = self.parent[i];
        std::iter::from_fn(move || {
            let here = cur?;
            cur = self.parent[here];
            Some(here)
        })
    }

    fn run(mut self, corrections: &Corrections) -> Vec<Series> {
        // Covers and pull requests open revisions of their own.
        for i in 0..self.mails.len() {
            match self.kind[i] {
                Kind::Cover => {
                    let mut r = Rev::new(&self.mails[i]);
                    r.cover = Some(i);
                    self.revs.push(r);
                    self.place[i] = Some((self.revs.len() - 1, 0));
                }
                Kind::Pull => {
                    let mut r = Rev::new(&self.mails[i]);
                    r.total = 1;
                    r.pull = Some(i);
                    self.revs.push(r);
                    self.place[i] = Some((self.revs.len() - 1, 1));
                }
                _ => {}
            }
        }
        // Patches under a cover letter first, so a loose patch never takes
        // a slot one of them would fill; then the rest. Within each, ancestors
        // before descendants, so deep threading finds its revision.
        let mut order: Vec<usize> = (0..self.mails.len())
            .filter(|&i| self.kind[i] == Kind::Patch)
            .collect();
        order.sort_by_key(|&i| {
            let under_cover = self.ancestors(i).any(|a| self.kind[a] == Kind::Cover);
            (
                !under_cover,
                self.depth(i),
                self.mails[i].date,
                self.mails[i].info.counter,
            )
        });
        for i in order {
            self.assign_patch(i);
        }
        self.naked_covers();
        self.partial_rerolls();
        let (roots, why) = self.link_revisions(corrections);
        let split: HashSet<usize> = corrections
            .splits
            .iter()
            .filter_map(|m| self.rev_of(m))
            .collect();
        self.build(roots, why, &split)
    }

    fn depth(&self, i: usize) -> usize {
        self.ancestors(i).count()
    }

    /// Whether patch `p` may take its slot in revision `r`; `threaded` when
    /// `p` hangs under that revision's cover or patch.
    fn compatible(&self, r: usize, p: usize, threaded: bool) -> bool {
        let rev = &self.revs[r];
        let m = &self.mails[p];
        if rev.pull.is_some() || m.from_addr != rev.author {
            return false;
        }
        // A cover letter's own numbers may be typos (`v11 0/6` over `v12`
        // patches): for the patches threaded under it, theirs count.
        let cover_only = threaded && rev.cover.is_some() && rev.slots.is_empty();
        let version_ok = if m.info.version_inferred {
            true
        } else {
            !rev.version_explicit || m.info.version == rev.version || cover_only
        };
        // A counter above the total (`6/5`, read as 6/6) extends a revision
        // of its own version only: a `v6 2/2` threaded below a lone
        // unversioned patch is not that patch's second half.
        let same_version =
            m.info.version.max(1) == rev.version && m.info.version_inferred != rev.version_explicit;
        let extra = m.info.counter == m.info.total && m.info.counter > rev.total && same_version;
        let total_ok = m.info.total == rev.total || extra || cover_only;
        version_ok && total_ok && !rev.slots.contains_key(&m.info.counter)
    }

    fn assign_patch(&mut self, p: usize) {
        // Threaded: the nearest cover or patch above decides.
        let threaded = self
            .ancestors(p)
            .find(|&a| matches!(self.kind[a], Kind::Cover | Kind::Patch) && self.place[a].is_some())
            .and_then(|a| self.place[a])
            .map(|(r, _)| r);
        let target = match threaded {
            Some(r) if self.compatible(r, p, true) => Some(r),
            _ => self.unthreaded_match(p),
        };
        let r = match target {
            Some(r) => r,
            None => {
                self.revs.push(Rev::new(&self.mails[p]));
                self.revs.len() - 1
            }
        };
        let m = &self.mails[p];
        let rev = &mut self.revs[r];
        let first_patch = rev.slots.is_empty();
        rev.slots.insert(m.info.counter, p);
        // The first patch's numbers win over the cover letter's (a cover
        // saying `v10 0/4` over six `v10 n/6` patches is a typo).
        if first_patch && rev.cover.is_some() {
            rev.total = m.info.total.max(1);
        }
        rev.total = rev.total.max(m.info.counter);
        if !m.info.version_inferred && (!rev.version_explicit || first_patch) {
            rev.version = m.info.version;
            rev.version_explicit = true;
        }
        rev.first_date = rev.first_date.min(m.date);
        self.place[p] = Some((r, m.info.counter));
    }

    /// A patch with no compatible revision above it joins the revision of
    /// the same author, version and total sent within the window (the
    /// newest such one with its slot free).
    fn unthreaded_match(&self, p: usize) -> Option<usize> {
        let m = &self.mails[p];
        // Also catches patches threaded under the wrong message (a second
        // series sent in the same git-send-email run as the first).
        (0..self.revs.len()).rev().find(|&r| {
            let rev = &self.revs[r];
            (m.date - rev.first_date).abs() <= UNTHREADED_WINDOW
                && rev.version == m.info.version.max(1)
                && self.compatible(r, p, false)
        })
    }

    /// b4's naked cover: patch 1's thread parent without a diff, from the
    /// same author, with a diffstat or starting the thread.
    fn naked_covers(&mut self) {
        for r in 0..self.revs.len() {
            if self.revs[r].cover.is_some() || self.revs[r].pull.is_some() {
                continue;
            }
            let Some(&first) = self.revs[r].slots.values().next() else {
                continue;
            };
            let Some(parent) = self.parent[first] else {
                continue;
            };
            let pm = &self.mails[parent];
            let is_cover = self.kind[parent] == Kind::FollowUp
                && !pm.info.reply
                && !pm.has_diff
                && pm.from_addr == self.revs[r].author
                && (pm.has_diffstat || self.parent[parent].is_none());
            if is_cover {
                self.kind[parent] = Kind::Cover;
                self.revs[r].cover = Some(parent);
                self.place[parent] = Some((r, 0));
            }
        }
    }

    /// A coverless revision whose every patch answers the same slot of one
    /// earlier revision (of a lower version) re-rolls only those patches.
    fn partial_rerolls(&mut self) {
        for r in 0..self.revs.len() {
            let rev = &self.revs[r];
            if rev.cover.is_some() || rev.pull.is_some() || rev.slots.is_empty() {
                continue;
            }
            let mut base: Option<usize> = None;
            let mut ok = true;
            for (&slot, &p) in &rev.slots {
                let answered = self
                    .ancestors(p)
                    .find(|&a| self.kind[a] == Kind::Patch)
                    .and_then(|a| self.place[a]);
                match answered {
                    Some((old, old_slot))
                        if old != r
                            && old_slot == slot
                            && self.revs[old].version < rev.version
                            && base.is_none_or(|b| b == old)
                            && self.answers(p, self.revs[old].slots.get(&slot).copied()) =>
                    {
                        base = Some(old);
                    }
                    _ => ok = false,
                }
            }
            if let (true, Some(old)) = (ok, base)
                && self.revs[old].total == rev.total
            {
                self.revs[r].partial_of = Some(old);
            }
        }
    }

    /// The revision holding a cover, patch or pull request.
    fn rev_of(&self, message_id: &str) -> Option<usize> {
        let i = *self.by_id.get(message_id)?;
        self.place[i].map(|(r, _)| r)
    }

    /// What the evidence compares of revision `r`.
    fn facts(&self, r: usize) -> Facts {
        let rev = &self.revs[r];
        let title = rev.title().map(|t| &self.mails[t]);
        let sent: Vec<&Mail> = rev
            .cover
            .into_iter()
            .chain(rev.pull)
            .chain(rev.slots.values().copied())
            .map(|i| &self.mails[i])
            .collect();
        let lower = |m: &Mail| m.info.normalized.to_lowercase();
        let mut subjects: Vec<String> = title
            .into_iter()
            .chain(rev.slots.values().next().map(|&i| &self.mails[i]))
            .map(lower)
            .filter(|s| !s.is_empty())
            .collect();
        subjects.dedup();
        let mut patch_subjects: Vec<String> = rev
            .slots
            .values()
            .map(|&i| lower(&self.mails[i]))
            .filter(|s| !s.is_empty())
            .collect();
        patch_subjects.sort_unstable();
        patch_subjects.dedup();
        let mut files: Vec<u64> = rev
            .slots
            .values()
            .flat_map(|&i| self.mails[i].files.iter().copied())
            .collect();
        files.sort_unstable();
        files.dedup();
        let mut patch_ids: Vec<String> = rev
            .slots
            .values()
            .filter_map(|&i| self.mails[i].patch_id.clone())
            .collect();
        patch_ids.sort_unstable();
        patch_ids.dedup();
        let tagged = |i: &SubjectInfo| {
            i.patch || i.rfc || i.pull || !i.version_inferred || !i.counter_inferred
        };
        Facts {
            author: rev.author.clone(),
            name: title
                .map(|t| crate::summary::name_key(&t.from_name))
                .filter(|n| !n.is_empty()),
            date: rev.first_date,
            version: rev.version,
            explicit: rev.version_explicit,
            resend: sent.iter().any(|m| m.info.resend),
            tagged: sent.iter().any(|m| tagged(&m.info)),
            pull: rev.pull.is_some(),
            tree: title.and_then(|t| {
                t.info
                    .prefixes
                    .iter()
                    .find(|p| is_release_prefix(p))
                    .cloned()
            }),
            subjects,
            patch_subjects,
            files,
            patch_ids,
        }
    }

    /// Which revisions are one series (a root per revision) and, for
    /// each, the link that explains it: the revision it is linked to,
    /// whether that one came later, and the evidence.
    ///
    /// The user's links and decisive evidence (change-id, `Supersedes:`,
    /// a partial re-roll) always join; otherwise each revision joins the
    /// earlier one the evidence weighs highest, if any weighs enough
    /// ([`link::weigh`]): one predecessor each, so a chain never grows
    /// from weak links on both sides of a revision.
    #[allow(clippy::type_complexity)]
    fn link_revisions(
        &self,
        corrections: &Corrections,
    ) -> (Vec<usize>, Vec<Option<(usize, bool, Vec<String>)>>) {
        let n = self.revs.len();
        let facts: Vec<Facts> = (0..n).map(|r| self.facts(r)).collect();
        let split: HashSet<usize> = corrections
            .splits
            .iter()
            .filter_map(|m| self.rev_of(m))
            .collect();
        let earlier = |a: usize, b: usize| (facts[a].date, a) < (facts[b].date, b);
        let mut edges: Vec<Edge> = Vec::new();
        let decisive = |edges: &mut Vec<Edge>, x: usize, y: usize, why: &str| {
            if x == y || split.contains(&x) || split.contains(&y) {
                return;
            }
            let (older, newer) = if earlier(x, y) { (x, y) } else { (y, x) };
            edges.push(Edge {
                older,
                newer,
                rank: 1,
                score: 0.0,
                because: vec![why.to_string()],
            });
        };
        for (a, b) in &corrections.links {
            if let (Some(x), Some(y)) = (self.rev_of(a), self.rev_of(b))
                && x != y
            {
                edges.push(Edge {
                    older: x,
                    newer: y,
                    rank: 0,
                    score: 0.0,
                    because: vec!["user".into()],
                });
            }
        }
        let mut by_change: HashMap<&str, Vec<usize>> = HashMap::new();
        for r in 0..n {
            if let Some(cid) = self.change_id(r) {
                by_change.entry(cid).or_default().push(r);
            }
            if let Some(old) = self.revs[r].partial_of {
                decisive(&mut edges, old, r, "partial re-roll");
            }
            let rev = &self.revs[r];
            let sent = rev.cover.into_iter().chain(rev.slots.values().copied());
            for i in sent {
                for id in &self.mails[i].supersedes {
                    if let Some(old) = self.rev_of(id) {
                        decisive(&mut edges, old, r, "supersedes");
                    }
                }
            }
        }
        for revs in by_change.values_mut() {
            revs.sort_by_key(|&r| (facts[r].date, r));
            for pair in revs.windows(2) {
                decisive(&mut edges, pair[0], pair[1], "change-id");
            }
        }
        // Weighed evidence: each revision against the earlier revisions
        // of the same person (address or name: b4's relay one time,
        // directly the next) and the revision its first mail answers.
        let mut by_person: HashMap<&str, Vec<usize>> = HashMap::new();
        for (r, f) in facts.iter().enumerate() {
            by_person.entry(f.author.as_str()).or_default().push(r);
            if let Some(name) = &f.name {
                by_person.entry(name.as_str()).or_default().push(r);
            }
        }
        for revs in by_person.values_mut() {
            revs.sort_by_key(|&r| (facts[r].date, r));
            revs.dedup();
        }
        for b in 0..n {
            if split.contains(&b) {
                continue;
            }
            let fb = &facts[b];
            let mut candidates: Vec<(usize, Thread)> = Vec::new();
            let rev = &self.revs[b];
            let cited: HashSet<usize> = rev
                .cover
                .into_iter()
                .chain(rev.slots.values().copied())
                .flat_map(|i| self.mails[i].cites.iter())
                .filter_map(|id| self.rev_of(id))
                .filter(|&a| a != b)
                .collect();
            candidates.extend(cited.iter().map(|&a| (a, Thread::Apart)));
            if let Some(t) = self.revs[b].title()
                && let Some((old, _)) = self.ancestors(t).find_map(|a| self.place[a])
                && old != b
            {
                let direct = self.parent[t]
                    .and_then(|p| self.place[p])
                    .is_some_and(|(r, _)| r == old);
                let thread = if direct {
                    Thread::Direct
                } else {
                    Thread::Within
                };
                candidates.push((old, thread));
            }
            let keys = std::iter::once(fb.author.as_str()).chain(fb.name.as_deref());
            for key in keys {
                let Some(revs) = by_person.get(key) else {
                    continue;
                };
                let at = revs.partition_point(|&r| earlier(r, b));
                for &a in revs[..at].iter().rev().take(MAX_CANDIDATES) {
                    if fb.date - facts[a].date > link::WINDOW {
                        break;
                    }
                    if !candidates.iter().any(|c| c.0 == a) {
                        candidates.push((a, Thread::Apart));
                    }
                }
            }
            let best = candidates
                .into_iter()
                .filter(|(a, _)| !split.contains(a) && earlier(*a, b))
                .filter_map(|(a, thread)| {
                    link::weigh(&facts[a], fb, thread, cited.contains(&a))
                        .map(|(score, why)| (a, score, why))
                })
                .max_by(|x, y| {
                    x.1.total_cmp(&y.1)
                        .then_with(|| (facts[x.0].date, x.0).cmp(&(facts[y.0].date, y.0)))
                });
            if let Some((a, score, because)) = best {
                edges.push(Edge {
                    older: a,
                    newer: b,
                    rank: 2,
                    score,
                    because,
                });
            }
        }
        let mut uf: Vec<usize> = (0..n).collect();
        fn find(uf: &mut [usize], mut x: usize) -> usize {
            while uf[x] != x {
                uf[x] = uf[uf[x]];
                x = uf[x];
            }
            x
        }
        for e in &edges {
            let (ra, rb) = (find(&mut uf, e.older), find(&mut uf, e.newer));
            if ra != rb {
                uf[ra.max(rb)] = ra.min(rb);
            }
        }
        let roots: Vec<usize> = (0..n).map(|r| find(&mut uf, r)).collect();
        // Each revision's explanation: its strongest link to an earlier
        // one, else to a later one that was linked to it.
        let stronger = |x: &Edge, y: &Edge| {
            y.rank
                .cmp(&x.rank)
                .then_with(|| x.score.total_cmp(&y.score))
        };
        let mut why: Vec<Option<(usize, bool, Vec<String>)>> = vec![None; n];
        let mut chosen: Vec<Option<&Edge>> = vec![None; n];
        for e in &edges {
            if chosen[e.newer].is_none_or(|c| stronger(e, c).is_gt()) {
                chosen[e.newer] = Some(e);
            }
        }
        for (r, e) in chosen.iter().enumerate() {
            if let Some(e) = e {
                why[r] = Some((e.older, false, e.because.clone()));
            }
        }
        let first: HashMap<usize, usize> = {
            let mut m: HashMap<usize, usize> = HashMap::new();
            for (r, &root) in roots.iter().enumerate() {
                let e = m.entry(root).or_insert(r);
                if earlier(r, *e) {
                    *e = r;
                }
            }
            m
        };
        for e in &edges {
            let r = e.older;
            if why[r].is_none() && first.get(&roots[r]) != Some(&r) {
                why[r] = Some((e.newer, true, e.because.clone()));
            }
        }
        (roots, why)
    }

    /// Whether `newer`, found somewhere below `older` in a thread, is
    /// its re-roll: sent straight in reply to it, or under a subject that
    /// still resembles it. A thread can hold two unrelated patches of one
    /// author, each re-rolled in reply to the same reviewer's message
    /// (linux-kbuild, scripts/tags.sh, July 2026); the reply alone must
    /// not join them.
    fn answers(&self, newer: usize, older: Option<usize>) -> bool {
        let Some(older) = older else { return false };
        self.parent[newer] == Some(older)
            || subjects_resemble(
                &self.mails[newer].info.normalized,
                &self.mails[older].info.normalized,
            )
    }

    fn change_id(&self, r: usize) -> Option<&str> {
        let rev = &self.revs[r];
        rev.cover
            .into_iter()
            .chain(rev.slots.values().copied())
            .find_map(|i| self.mails[i].change_id.as_deref())
    }

    fn build(
        self,
        links: Vec<usize>,
        why: Vec<Option<(usize, bool, Vec<String>)>>,
        split: &HashSet<usize>,
    ) -> Vec<Series> {
        // Follow-ups hang off the nearest cover or patch above them.
        let n_revs = self.revs.len();
        let mut followups: Vec<Vec<(usize, u32)>> = vec![Vec::new(); n_revs];
        for i in 0..self.mails.len() {
            if self.kind[i] != Kind::FollowUp {
                continue;
            }
            if let Some((r, slot)) = self.ancestors(i).find_map(|a| self.place[a]) {
                followups[r].push((i, slot));
            }
        }
        let mut built: Vec<Revision> = (0..n_revs)
            .map(|r| self.revision(r, &followups[r]))
            .collect();
        let named: Vec<(String, String)> = built
            .iter()
            .map(|r| (r.label(), r.root_message.clone()))
            .collect();
        for (r, w) in why.into_iter().enumerate() {
            built[r].split = split.contains(&r);
            if let Some((other, later, because)) = w {
                let (to, message_id) = named[other].clone();
                built[r].link = Some(Link {
                    to,
                    message_id,
                    later,
                    because,
                });
            }
        }
        // Fill partial re-rolls from the revision they answer.
        for r in 0..n_revs {
            if let Some(old) = self.revs[r].partial_of {
                let version = built[old].version;
                let borrowed: Vec<Patch> = built[old]
                    .patches
                    .iter()
                    .filter(|p| !self.revs[r].slots.contains_key(&p.counter))
                    .map(|p| Patch {
                        inherited: true,
                        ..p.clone()
                    })
                    .collect();
                let rev = &mut built[r];
                rev.partial_of = Some(version);
                rev.patches.extend(borrowed);
                rev.patches.sort_by_key(|p| p.counter);
                rev.missing = (1..=rev.total)
                    .filter(|s| !rev.patches.iter().any(|p| p.counter == *s))
                    .collect();
            }
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (r, &root) in links.iter().enumerate() {
            groups.entry(root).or_default().push(r);
        }
        let mut out = Vec::new();
        let mut built: Vec<Option<Revision>> = built.into_iter().map(Some).collect();
        for members in groups.into_values() {
            let mut revisions: Vec<Revision> =
                members.iter().filter_map(|&r| built[r].take()).collect();
            fold_lone_covers(&mut revisions);
            revisions.sort_by(|a, b| a.version.cmp(&b.version).then(a.date.cmp(&b.date)));
            relink_folded(&mut revisions);
            carry_trailers(&mut revisions);
            let last = latest_index(&revisions);
            for (i, r) in revisions.iter_mut().enumerate() {
                r.superseded = i != last;
            }
            let first = revisions
                .iter()
                .min_by_key(|r| r.date)
                .expect("a series has revisions");
            let latest = &revisions[last];
            out.push(Series {
                id: series_id(&first.root_message),
                subject: latest.subject.clone(),
                author: latest.author.clone(),
                revisions,
            });
        }
        out.sort_by(|a, b| b.date().cmp(&a.date()).then(a.id.cmp(&b.id)));
        out
    }

    fn revision(&self, r: usize, followups: &[(usize, u32)]) -> Revision {
        let rev = &self.revs[r];
        let title = rev.title().map(|t| &self.mails[t]);
        let members: Vec<usize> = rev
            .cover
            .into_iter()
            .chain(rev.pull)
            .chain(rev.slots.values().copied())
            .collect();
        let any =
            |f: &dyn Fn(&SubjectInfo) -> bool| members.iter().any(|&i| f(&self.mails[i].info));
        let prefixes = title.map(|t| t.info.prefixes.clone()).unwrap_or_default();
        let mut cover_trailers = Vec::new();
        let mut per_slot: HashMap<u32, (Vec<CollectedTrailer>, Vec<CollectedTrailer>, usize)> =
            HashMap::new();
        for &(f, slot) in followups {
            let fm = &self.mails[f];
            let entry = per_slot.entry(slot).or_default();
            entry.2 += 1;
            for t in &fm.trailers {
                if !counts_as_review(t) {
                    continue;
                }
                let c = CollectedTrailer {
                    trailer: t.clone(),
                    via: if slot == 0 { Via::Cover } else { Via::Reply },
                    sender: display(fm),
                    message_id: fm.message_id.clone(),
                    date: fm.date,
                    version: rev.version,
                };
                let own = !t.has_hidden_characters()
                    && t.person
                        .as_ref()
                        .is_none_or(|p| p.matches(&fm.from_name, &fm.from_addr));
                if own {
                    entry.0.push(c);
                } else {
                    entry.1.push(c);
                }
            }
        }
        if let Some((own, _, _)) = per_slot.get(&0) {
            cover_trailers = dedupe(own.clone());
        }
        let mut patches = Vec::new();
        for (&slot, &p) in &rev.slots {
            let pm = &self.mails[p];
            let (mut trailers, someone_else, count) = per_slot.remove(&slot).unwrap_or_default();
            if let Some((cover_own, cover_else, _)) = per_slot.get(&0) {
                trailers.extend(cover_own.iter().cloned());
                let _ = cover_else;
            }
            // Not what the patch itself already says.
            trailers.retain(|t| !pm.trailers.iter().any(|o| same_trailer(o, &t.trailer)));
            let mut else_all = someone_else;
            if let Some((_, cover_else, _)) = per_slot.get(&0) {
                else_all.extend(cover_else.iter().cloned());
            }
            patches.push(Patch {
                counter: slot,
                mail: MailRef::of(pm),
                inherited: false,
                own_trailers: pm
                    .trailers
                    .iter()
                    .filter(|t| counts_as_review(t))
                    .cloned()
                    .collect(),
                trailers: dedupe(trailers),
                someone_else: else_all,
                followups: count,
            });
        }
        if let Some(pull) = rev.pull {
            let pm = &self.mails[pull];
            patches.push(Patch {
                counter: 1,
                mail: MailRef::of(pm),
                inherited: false,
                own_trailers: Vec::new(),
                trailers: Vec::new(),
                someone_else: Vec::new(),
                followups: per_slot.get(&1).map_or(0, |e| e.2),
            });
        }
        let missing = (1..=rev.total)
            .filter(|s| !rev.slots.contains_key(s) && rev.pull.is_none())
            .collect();
        let root = title.map(|t| t.message_id.clone()).unwrap_or_default();
        let pull = rev.pull.and_then(|p| self.mails[p].pull.clone());
        Revision {
            version: rev.version,
            version_inferred: !rev.version_explicit,
            resend: any(&|i: &SubjectInfo| i.resend),
            rfc: any(&|i: &SubjectInfo| i.rfc),
            prefixes,
            subject: title.map(|t| t.info.normalized.clone()).unwrap_or_default(),
            author: title.map(display).unwrap_or_default(),
            author_addr: rev.author.clone(),
            date: rev.first_date,
            total: rev.total,
            cover: rev.cover.map(|c| MailRef::of(&self.mails[c])),
            patches,
            missing,
            extra: rev
                .extra
                .iter()
                .map(|&i| MailRef::of(&self.mails[i]))
                .collect(),
            change_id: self.change_id(r).map(str::to_string),
            base_commit: members
                .iter()
                .find_map(|&i| self.mails[i].base_commit.clone()),
            pull,
            partial_of: None,
            followups: followups.len(),
            superseded: false,
            cover_trailers,
            link: None,
            split: false,
            root_message: root,
            replies: followups
                .iter()
                .map(|&(f, slot)| FollowUp {
                    message_id: self.mails[f].message_id.clone(),
                    from_addr: self.mails[f].from_addr.clone(),
                    date: self.mails[f].date,
                    slot,
                })
                .collect(),
            members: rev
                .cover
                .into_iter()
                .chain(rev.pull)
                .chain(rev.slots.values().copied())
                .chain(rev.extra.iter().copied())
                .chain(followups.iter().map(|&(f, _)| f))
                .map(|i| self.mails[i].message_id.clone())
                .collect(),
        }
    }
}

/// A sender's name for matching: lower case, without b4 relay's suffix.
/// Slot numbers as ranges: `1-197, 199-315` (a stable review series
/// copied to a list may miss hundreds).
pub fn slot_ranges(v: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        while i + 1 < v.len() && v[i + 1] == end + 1 {
            i += 1;
            end = v[i];
        }
        parts.push(if end > start {
            format!("{start}-{end}")
        } else {
            start.to_string()
        });
        i += 1;
    }
    parts.join(", ")
}

/// A stable-tree prefix such as `6.18` or `5.15.y`.
fn is_release_prefix(p: &str) -> bool {
    let p = p.strip_suffix(".y").unwrap_or(p);
    let mut parts = p.split('.');
    let numeric =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next()) && parts.all(|s| numeric(Some(s)))
}

/// At least a third of the words of two subjects are shared (a reworded
/// re-roll keeps its subsystem prefix and most of its object).
fn subjects_resemble(a: &str, b: &str) -> bool {
    let words = |s: &str| -> HashSet<String> {
        s.split_whitespace()
            .map(|w| w.trim_end_matches([':', ',', '.']).to_lowercase())
            .filter(|w| !w.is_empty())
            .collect()
    };
    let (a, b) = (words(a), words(b));
    let shared = a.intersection(&b).count();
    let all = a.union(&b).count();
    all > 0 && shared * 3 >= all
}

fn display(m: &Mail) -> String {
    if m.from_name.is_empty() {
        m.from_addr.clone()
    } else {
        format!("{} <{}>", m.from_name, m.from_addr)
    }
}

fn classify(m: &Mail) -> Kind {
    let i = &m.info;
    if i.reply || i.forward {
        return Kind::FollowUp;
    }
    // An explicit 0/N is a cover letter, with or without a PATCH word
    // (`[RFC v3 0/3]`), even when it shows a range-diff or interdiff.
    if i.counter == 0 && !i.counter_inferred {
        return Kind::Cover;
    }
    if m.pull.is_some() && !m.has_diff {
        return Kind::Pull;
    }
    if m.has_diff {
        return Kind::Patch;
    }
    Kind::FollowUp
}

/// Trailers a follow-up can give to a patch: the review kinds, `Fixes:`,
/// `Link:`, `Closes:`, and any other `*-by:` naming a person
/// (`Reviewed-and-tested-by:`, `Build-tested-by:`). Never a
/// `Signed-off-by:` (only those handling the patch add one, in the patch)
/// nor a `Cc:`.
fn counts_as_review(t: &Trailer) -> bool {
    match t.kind {
        TrailerKind::SignedOffBy | TrailerKind::Cc => false,
        TrailerKind::Other => t.person.is_some() && t.name.to_ascii_lowercase().ends_with("-by"),
        _ => true,
    }
}

fn same_trailer(a: &Trailer, b: &Trailer) -> bool {
    if a.kind != b.kind || (a.kind == TrailerKind::Other && !a.name.eq_ignore_ascii_case(&b.name)) {
        return false;
    }
    match (&a.person, &b.person) {
        (Some(x), Some(y)) => x.addr.eq_ignore_ascii_case(&y.addr),
        _ => a.value.trim().eq_ignore_ascii_case(b.value.trim()),
    }
}

fn dedupe(list: Vec<CollectedTrailer>) -> Vec<CollectedTrailer> {
    let mut out: Vec<CollectedTrailer> = Vec::with_capacity(list.len());
    for t in list {
        if !out.iter().any(|o| same_trailer(&o.trailer, &t.trailer)) {
            out.push(t);
        }
    }
    out
}

/// A cover letter sent again on its own (to fix its subject, say) is not a
/// revision: it joins the revision of the same version that has patches.
fn fold_lone_covers(revisions: &mut Vec<Revision>) {
    let mut i = 0;
    while i < revisions.len() {
        let lone = revisions[i].patches.is_empty() && revisions[i].pull.is_none();
        let home = lone
            .then(|| {
                revisions.iter().position(|r| {
                    !r.patches.is_empty()
                        && r.version == revisions[i].version
                        && r.author_addr == revisions[i].author_addr
                })
            })
            .flatten();
        match home {
            Some(h) => {
                let cover = revisions.remove(i);
                let h = if h > i { h - 1 } else { h };
                let target = &mut revisions[h];
                target.members.extend(cover.members);
                target.followups += cover.followups;
                target.replies.extend(cover.replies);
                for t in cover.cover_trailers {
                    if !target
                        .cover_trailers
                        .iter()
                        .any(|o| same_trailer(&o.trailer, &t.trailer))
                    {
                        target.cover_trailers.push(t);
                    }
                }
            }
            None => i += 1,
        }
    }
}

/// A link to a lone cover folded into another revision names that
/// revision instead; the first revision sent explains nothing.
fn relink_folded(revisions: &mut [Revision]) {
    let fixes: Vec<(usize, Option<(String, String)>)> = revisions
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let link = r.link.as_ref()?;
            if revisions.iter().any(|o| o.root_message == link.message_id) {
                return (link.message_id == r.root_message).then_some((i, None));
            }
            let home = revisions
                .iter()
                .find(|o| o.members.contains(&link.message_id))
                .filter(|o| o.root_message != r.root_message)
                .map(|o| (o.label(), o.root_message.clone()));
            Some((i, home))
        })
        .collect();
    for (i, home) in fixes {
        match (home, &mut revisions[i].link) {
            (Some((to, root)), Some(link)) => {
                link.to = to;
                link.message_id = root;
            }
            _ => revisions[i].link = None,
        }
    }
}

/// Trailers collected on a revision carry to every later one for each patch
/// whose stable patch-id is the same, oldest revision first (the order they
/// were given in). A patch changed in v6 and sent again as it was in v5 in
/// v7 gets the reviews of v5, as b4 does (it finds them by `patchid:`).
/// Nothing carries back to an older revision: what was said about a later
/// posting was not said about it.
fn carry_trailers(revisions: &mut [Revision]) {
    for i in 1..revisions.len() {
        let (before, after) = revisions.split_at_mut(i);
        let cur = &mut after[0];
        for patch in &mut cur.patches {
            let Some(pid) = &patch.mail.patch_id else {
                continue;
            };
            for prev in before.iter() {
                let Some(old) = prev
                    .patches
                    .iter()
                    .find(|p| p.mail.patch_id.as_ref() == Some(pid))
                else {
                    continue;
                };
                for t in &old.trailers {
                    if patch
                        .trailers
                        .iter()
                        .any(|o| same_trailer(&o.trailer, &t.trailer))
                    {
                        continue;
                    }
                    let mut carried = t.clone();
                    if carried.via != Via::Carried {
                        carried.via = Via::Carried;
                        carried.version = prev.version;
                    }
                    patch.trailers.push(carried);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_slots_read_as_ranges() {
        assert_eq!(super::slot_ranges(&[1, 2, 3, 5, 7, 8]), "1-3, 5, 7-8");
        assert_eq!(super::slot_ranges(&[4]), "4");
        assert_eq!(super::slot_ranges(&[]), "");
    }

    #[test]
    fn release_prefixes_and_resembling_subjects() {
        assert!(super::is_release_prefix("6.18") && super::is_release_prefix("5.15.y"));
        assert!(!super::is_release_prefix("net-next") && !super::is_release_prefix("v2"));
        assert!(super::subjects_resemble(
            "kbuild: fix foo",
            "kbuild: avoid foo on bar"
        ));
        assert!(!super::subjects_resemble(
            "scripts/tags.sh: Prevent binary files appearing in cscope.files",
            "scripts/tags.sh: Add support for rust source files"
        ));
    }
}
