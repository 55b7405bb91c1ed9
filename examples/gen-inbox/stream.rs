//! The list's life as a discrete-event simulation: threads arrive (patch
//! series, bug reports, pull requests), each plans its future mail
//! (patches seconds apart, reviews hours later, a re-roll weeks later) into
//! a queue ordered by receive time, and mail leaves the queue in that order.
//!
//! The plan is cheap (ids, subjects, who, when); bodies are rendered later
//! from seeds, so `--skip K` only has to replay K plans, and the stream is
//! the same whether it is generated in one run or in parts. Nothing here
//! depends on how many messages are wanted.

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::rc::Rc;

use crate::mail::{b4_msgid, reply_msgid, send_email_msgid, ymd};
use crate::rng::{Rng, hash3};
use crate::text::{NOUNS, VERBS};
use crate::world::{Client, Sender, World};

const DAY: i64 = 86_400;
const HOUR: i64 = 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailerKind {
    Reviewed,
    Acked,
    Tested,
    Nacked,
}

impl TrailerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TrailerKind::Reviewed => "Reviewed-by",
            TrailerKind::Acked => "Acked-by",
            TrailerKind::Tested => "Tested-by",
            TrailerKind::Nacked => "Nacked-by",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Trailer {
    pub kind: TrailerKind,
    pub person: u32,
    pub at: i64,
}

/// One patch of a series as its author carries it from revision to
/// revision.
#[derive(Clone, Debug)]
pub struct PatchState {
    /// Identity across revisions; seeds the commit message and the diff.
    pub key: u64,
    /// Content version: bumped when a re-roll changes this patch.
    pub ver: u16,
    pub summary: Rc<str>,
    /// Trailers collected for the current content, carried into re-rolls.
    pub trailers: Vec<Trailer>,
    pub huge: bool,
}

/// What stays the same over a series' revisions.
#[derive(Debug)]
pub struct SeriesInfo {
    pub seed: u64,
    pub author: u32,
    pub subsys: usize,
    pub dir: usize,
    pub tree: Option<&'static str>,
    pub b4: bool,
    /// 0: `[PATCH v2 3/7]`; 1: `[PATCHv2 3/7]`; 2: `[PATCH V2 3/7]`;
    /// 3: `[PATCH v2,3/7]` (old or hand-rolled tooling).
    pub odd: u8,
    pub slug: String,
    pub change_id: Option<String>,
    pub to: Vec<u32>,
    pub cc: Vec<u32>,
}

/// One revision as sent.
#[derive(Debug)]
pub struct Rev {
    pub info: Rc<SeriesInfo>,
    pub version: u16,
    pub resend: bool,
    pub rfc: bool,
    pub patches: Vec<PatchState>,
    pub cover: bool,
    pub cover_summary: Rc<str>,
    pub base: Option<u64>,
    /// (version, seed) of each earlier re-roll's changelog entry.
    pub changes: Vec<(u16, u64)>,
    /// (version, Message-ID) of earlier revisions, for "Link to v1:".
    pub links: Vec<(u16, String)>,
}

#[derive(Clone, Copy, Debug)]
pub enum TopicKind {
    Bug,
    Question,
    Regression,
    Announce,
    Design,
}

#[derive(Debug)]
pub enum Kind {
    Cover(Rc<Rev>),
    Patch(Rc<Rev>, usize),
    /// A review or comment; `whole_series` when its trailer is for all.
    Review {
        trailer: Option<TrailerKind>,
        whole_series: bool,
    },
    /// The patch author answering review.
    Answer,
    CiReport {
        ok: bool,
        rev: Rc<Rev>,
    },
    Applied(Rc<Rev>),
    Topic(TopicKind, usize),
    TopicReply,
    Pull {
        subsys: usize,
        version: String,
    },
    PullMerged,
}

#[derive(Debug)]
pub struct Msg {
    /// Plan order; a stable identity for caches.
    pub seq: u64,
    pub author: u32,
    /// Sent from the author's second address (trailers use the first).
    pub from_alt: bool,
    pub sent: i64,
    pub recv: i64,
    pub id: String,
    pub subject: String,
    pub parent: Option<Rc<Msg>>,
    pub to: Vec<u32>,
    pub cc: Vec<u32>,
    pub kind: Kind,
    pub seed: u64,
    pub qp: bool,
    /// Replies planned to this message and not rendered yet (the renderer
    /// keeps this body cached for quoting while it is non-zero).
    pub pending_children: Cell<u32>,
}

impl Msg {
    /// References: the parent's, then the parent.
    pub fn references(&self) -> Vec<&str> {
        let mut chain = Vec::new();
        let mut p = self.parent.as_deref();
        while let Some(m) = p {
            chain.push(m.id.as_str());
            p = m.parent.as_deref();
        }
        chain.reverse();
        chain
    }
}

/// What the sender of a message decides: who, when, its id, its subject
/// and its place in a thread.
struct Head {
    author: u32,
    sent: i64,
    id: String,
    subject: String,
    parent: Option<Rc<Msg>>,
    to: Vec<u32>,
    cc: Vec<u32>,
}

#[derive(Clone, Copy, Debug)]
enum NextRev {
    Full,
    Partial(usize),
    Resend,
}

/// The author's running copy of a series, carried between revisions.
struct SeriesState {
    info: Rc<SeriesInfo>,
    version: u16,
    rfc: bool,
    patches: Vec<PatchState>,
    cover_summary: Rc<str>,
    base: Option<u64>,
    changes: Vec<(u16, u64)>,
    links: Vec<(u16, String)>,
    last_cover: Option<Rc<Msg>>,
    last_patches: Vec<Rc<Msg>>,
    next: NextRev,
}

enum Event {
    Msg(Rc<Msg>),
    ReRoll(Box<SeriesState>),
    Remove(Rc<Msg>),
}

struct Pending {
    at: i64,
    seq: u64,
    ev: Event,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

pub enum Item {
    Message(Rc<Msg>),
    /// Remove `msg` (public-inbox writes its raw bytes as blob `d`).
    Removal {
        msg: Rc<Msg>,
        at: i64,
    },
}

pub struct StreamOptions {
    pub seed: u64,
    pub start: i64,
    /// Mean messages per second.
    pub rate: f64,
    pub remove_ratio: f64,
}

pub struct Stream<'w> {
    world: &'w World,
    opts: StreamOptions,
    heap: BinaryHeap<Pending>,
    seq: u64,
    planned: u64,
    /// When the next new thread starts, in seconds.
    next_arrival: f64,
    rng: Rng,
}

impl<'w> Stream<'w> {
    pub fn new(world: &'w World, opts: StreamOptions) -> Self {
        let rng = Rng::of(opts.seed, 0x7374_7265_616d);
        let next_arrival = opts.start as f64;
        Stream {
            world,
            opts,
            heap: BinaryHeap::new(),
            seq: 0,
            planned: 0,
            next_arrival,
            rng,
        }
    }

    fn push(&mut self, at: i64, ev: Event) {
        self.seq += 1;
        self.heap.push(Pending {
            at,
            seq: self.seq,
            ev,
        });
    }

    fn recv_delay(&mut self) -> i64 {
        if self.rng.chance(0.02) {
            self.rng.log_range(600, 6 * HOUR as u64) as i64
        } else {
            self.rng.range(3, 150) as i64
        }
    }

    fn new_msg(&mut self, head: Head, kind: Kind) -> Rc<Msg> {
        let Head {
            author,
            sent,
            id,
            subject,
            parent,
            to,
            cc,
        } = head;
        let recv = sent + self.recv_delay();
        let p = self.world.person(author);
        let from_alt = p.alt_email.is_some() && self.rng.chance(0.3);
        let qp = (p.qp_prone && self.rng.chance(0.5)) || self.rng.chance(0.005);
        if let Some(par) = &parent {
            par.pending_children.set(par.pending_children.get() + 1);
        }
        self.seq += 1;
        let m = Rc::new(Msg {
            seq: self.seq,
            author,
            from_alt,
            sent,
            recv,
            id,
            subject,
            parent,
            to,
            cc,
            kind,
            seed: self.rng.next_u64(),
            qp,
            pending_children: Cell::new(0),
        });
        self.planned += 1;
        self.push(recv, Event::Msg(m.clone()));
        m
    }

    /// A reply to `parent` by `who`, `delay` seconds after it arrived.
    fn reply(&mut self, parent: &Rc<Msg>, who: u32, kind: Kind, delay: i64) -> Rc<Msg> {
        let sent = parent.recv + delay.max(30);
        let person = self.world.person(who);
        let id = reply_msgid(person.client, person, sent, &mut self.rng);
        let base = parent
            .subject
            .strip_prefix("Re: ")
            .unwrap_or(&parent.subject);
        let subject = format!("Re: {base}");
        let mut cc: Vec<u32> = Vec::new();
        for &p in parent.to.iter().chain(parent.cc.iter()) {
            if p != who && p != parent.author && !cc.contains(&p) && cc.len() < 12 {
                cc.push(p);
            }
        }
        let to = if parent.author == who {
            Vec::new()
        } else {
            vec![parent.author]
        };
        self.new_msg(
            Head {
                author: who,
                sent,
                id,
                subject,
                parent: Some(parent.clone()),
                to,
                cc,
            },
            kind,
        )
    }

    fn reviewer(&mut self, subsys: usize, not: u32) -> u32 {
        let s = &self.world.subsystems[subsys];
        for _ in 0..8 {
            let p = match self.rng.weighted(&[40, 30, 30]) {
                0 => *self.rng.pick(&s.maintainers),
                1 if !s.reviewers.is_empty() => *self.rng.pick(&s.reviewers),
                _ => self.world.person_in(subsys, &mut self.rng),
            };
            if p != not {
                return p;
            }
        }
        self.world.active_person(&mut self.rng)
    }

    fn is_maintainer(&self, subsys: usize, p: u32) -> bool {
        self.world.subsystems[subsys].maintainers.contains(&p)
    }

    /// Plan a new thread starting at time `at`.
    fn plan_thread(&mut self, at: i64) {
        match self.rng.weighted(&[78, 18, 4]) {
            0 => self.plan_series(at),
            1 => self.plan_topic(at),
            _ => self.plan_pull(at),
        }
    }

    fn summary(&mut self, ident: &str) -> String {
        let r = &mut self.rng;
        let f = format!("{ident}_{}_{}", r.one(VERBS), r.one(NOUNS));
        let n = r.one(NOUNS);
        let n2 = r.one(NOUNS);
        match r.below(18) {
            0 => format!("fix NULL pointer dereference in {f}()"),
            1 => format!("add support for {n} {n2} offload"),
            2 => format!("use {f}() instead of open-coding it"),
            3 => format!("remove unused {n} field"),
            4 => format!(
                "convert {n} handling to {}",
                r.one(&[
                    "folios",
                    "guard()",
                    "devm helpers",
                    "xarray",
                    "kvcalloc()",
                    "the new API"
                ])
            ),
            5 => format!(
                "avoid {} {n} on the error path",
                r.one(&["leaking", "double freeing", "touching", "dereferencing"])
            ),
            6 => format!("don't leak {n} in {f}()"),
            7 => format!("drop redundant {n} check"),
            8 => format!("refactor {f}()"),
            9 => format!("introduce {f}() helper"),
            10 => format!("document {n} locking rules"),
            11 => format!("simplify {n} {n2} handling"),
            12 => format!("fix {n} refcount leak in {f}()"),
            13 => format!("update {n} statistics under the {n2} lock"),
            14 => format!("handle {n} reset during {n2} setup"),
            15 => format!("move {n} initialization to probe"),
            16 => format!("fix race between {f}() and {n} teardown"),
            _ => format!("add {n} {n2} selftest"),
        }
    }

    fn cover_summary(&mut self, ident: &str) -> String {
        let r = &mut self.rng;
        let n = r.one(NOUNS);
        let n2 = r.one(NOUNS);
        match r.below(8) {
            0 => format!("rework {n} handling"),
            1 => format!("add {n} {n2} support"),
            2 => format!("fixes for {n} teardown"),
            3 => format!("clean up {n} and {n2} code"),
            4 => format!(
                "convert {ident} to {}",
                r.one(&["folios", "page_pool", "the new clock API", "devm helpers"])
            ),
            5 => format!("{n} {n2} improvements"),
            6 => format!("introduce {n} {n2} infrastructure"),
            _ => format!("misc {n} fixes"),
        }
    }

    fn plan_series(&mut self, at: i64) {
        let w = self.world;
        let author = w.active_person(&mut self.rng);
        let person = w.person(author);
        let subsys = if self.rng.chance(0.85) {
            person.subsys
        } else {
            self.rng.below_usize(w.subsystems.len())
        };
        let sub = &w.subsystems[subsys];
        let dir = self.rng.below_usize(sub.dirs.len());
        let tag = sub.dirs[dir].tag;
        let ident = sub.dirs[dir].ident;
        let n = match self.rng.weighted(&[40, 15, 12, 9, 7, 11, 5, 1]) {
            0 => 1,
            1 => 2,
            2 => 3,
            3 => 4,
            4 => 5,
            5 => self.rng.range(6, 10),
            6 => self.rng.range(11, 20),
            _ => self.rng.range(21, 30),
        } as usize;
        let b4 = person.sender == Sender::B4;
        let tree = match (sub.next_tree, sub.fixes_tree) {
            (Some(next), Some(fixes)) => Some(if self.rng.chance(0.75) { next } else { fixes }),
            (None, Some(fixes)) if self.rng.chance(0.1) => Some(fixes),
            _ => None,
        };
        let odd = if self.rng.chance(0.03) {
            self.rng.range(1, 3) as u8
        } else {
            0
        };
        let mut patches = Vec::with_capacity(n);
        for _ in 0..n {
            let s = self.summary(ident);
            patches.push(PatchState {
                key: self.rng.next_u64(),
                ver: 0,
                summary: format!("{tag}: {s}").into(),
                trailers: Vec::new(),
                huge: self.rng.chance(0.0015),
            });
        }
        let cover_summary: Rc<str> = format!("{tag}: {}", self.cover_summary(ident)).into();
        let slug = slugify(if n > 1 {
            &cover_summary
        } else {
            &patches[0].summary
        });
        let change_id = b4.then(|| {
            let mut s = format!("{}-{slug}-", ymd(at).replace('-', ""));
            self.rng.hex(&mut s, 12);
            s
        });
        let mut to = Vec::new();
        for &m in sub.maintainers.iter().take(self.rng.range(1, 3) as usize) {
            if m != author {
                to.push(m);
            }
        }
        let mut cc = Vec::new();
        for _ in 0..self.rng.range(0, 5) {
            let p = if self.rng.chance(0.6) && !sub.reviewers.is_empty() {
                *self.rng.pick(&sub.reviewers)
            } else {
                w.active_person(&mut self.rng)
            };
            if p != author && !to.contains(&p) && !cc.contains(&p) {
                cc.push(p);
            }
        }
        let base = (b4 || self.rng.chance(0.35)).then(|| self.rng.next_u64());
        let info = Rc::new(SeriesInfo {
            seed: self.rng.next_u64(),
            author,
            subsys,
            dir,
            tree,
            b4,
            odd,
            slug,
            change_id,
            to,
            cc,
        });
        let cover = n > 1 && self.rng.chance(0.95) || n == 1 && self.rng.chance(0.03);
        let state = Box::new(SeriesState {
            info,
            version: 1,
            rfc: self.rng.chance(0.07),
            patches,
            cover_summary: if cover { cover_summary } else { "".into() },
            base,
            changes: Vec::new(),
            links: Vec::new(),
            last_cover: None,
            last_patches: Vec::new(),
            next: NextRev::Full,
        });
        self.plan_rev(state, at, None, false);
    }

    /// Send one revision: cover, patches, then plan the reviews it gets and
    /// what happens next (a re-roll or an "applied" reply).
    fn plan_rev(
        &mut self,
        mut st: Box<SeriesState>,
        at: i64,
        in_reply_to: Option<Rc<Msg>>,
        resend: bool,
    ) {
        let info = st.info.clone();
        let person = self.world.person(info.author);
        let partial = match st.next {
            NextRev::Partial(i) => Some(i),
            _ => None,
        };
        let cover = !st.cover_summary.is_empty() && partial.is_none();
        let rev = Rc::new(Rev {
            info: info.clone(),
            version: st.version,
            resend,
            rfc: st.rfc,
            patches: st.patches.clone(),
            cover,
            cover_summary: st.cover_summary.clone(),
            base: st.base,
            changes: st.changes.clone(),
            links: st.links.clone(),
        });
        let pid = self.rng.range(1000, 99_999) as u32;
        let total = rev.patches.len();
        let numbered = total > 1 || cover;
        let mut counter = 0u32;
        let mut next_id = |sent: i64| {
            counter += 1;
            if info.b4 {
                b4_msgid(
                    person,
                    at,
                    &info.slug,
                    rev.version,
                    counter - 1,
                    // The send time keeps a RESEND's ids apart from the original's.
                    hash3(
                        info.seed,
                        u64::from(rev.version) << 8 | u64::from(counter),
                        at as u64,
                    ),
                )
            } else {
                send_email_msgid(person, sent, pid, counter)
            }
        };
        let mut sent = at;
        let cover_msg = if cover {
            let subject = format!("{} {}", prefix(&rev, Some((0, total))), rev.cover_summary);
            let id = next_id(sent);
            let m = self.new_msg(
                Head {
                    author: info.author,
                    sent,
                    id,
                    subject,
                    parent: in_reply_to.clone(),
                    to: info.to.clone(),
                    cc: info.cc.clone(),
                },
                Kind::Cover(rev.clone()),
            );
            sent += 1;
            Some(m)
        } else {
            None
        };
        let mut patch_msgs: Vec<(usize, Rc<Msg>)> = Vec::new();
        let indices: Vec<usize> = match partial {
            Some(i) => vec![i],
            None => (0..total).collect(),
        };
        for &i in &indices {
            let counter_part = numbered.then_some((i + 1, total));
            let subject = format!("{} {}", prefix(&rev, counter_part), rev.patches[i].summary);
            let parent = match (&cover_msg, partial) {
                (Some(c), _) => Some(c.clone()),
                (None, Some(i)) => st.last_patches.get(i).cloned().or(in_reply_to.clone()),
                (None, None) => patch_msgs
                    .first()
                    .map(|(_, m)| m.clone())
                    .or(in_reply_to.clone()),
            };
            let id = next_id(sent);
            let m = self.new_msg(
                Head {
                    author: info.author,
                    sent,
                    id,
                    subject,
                    parent,
                    to: info.to.clone(),
                    cc: info.cc.clone(),
                },
                Kind::Patch(rev.clone(), i),
            );
            sent += 1;
            patch_msgs.push((i, m));
        }
        let link = cover_msg
            .as_ref()
            .or(patch_msgs.first().map(|(_, m)| m))
            .map(|m| m.id.clone());
        if let Some(l) = link {
            st.links.push((st.version, l));
        }
        if let Some(c) = &cover_msg {
            st.last_cover = Some(c.clone());
        }
        if partial.is_none() {
            st.last_patches = patch_msgs.iter().map(|(_, m)| m.clone()).collect();
        } else if let Some((i, m)) = patch_msgs.first()
            && *i < st.last_patches.len()
        {
            st.last_patches[*i] = m.clone();
        }
        self.plan_reviews(&rev, cover_msg.as_ref(), &patch_msgs, &mut st);

        let p_reroll = match st.version {
            1 if st.rfc => 0.7,
            1 => 0.38,
            2 => 0.3,
            3 => 0.22,
            4 => 0.15,
            _ => 0.0,
        };
        if !resend && self.rng.chance(p_reroll) {
            st.next = if total >= 3 && self.rng.chance(0.06) {
                NextRev::Partial(self.rng.below_usize(total))
            } else if self.rng.chance(0.06) {
                NextRev::Resend
            } else {
                NextRev::Full
            };
            let delay = self.rng.log_range(2 * DAY as u64, 40 * DAY as u64) as i64;
            self.push(at + delay, Event::ReRoll(st));
        } else if self.rng.chance(0.4) {
            let target = cover_msg.or(patch_msgs.first().map(|(_, m)| m.clone()));
            if let Some(t) = target {
                let sub = &self.world.subsystems[info.subsys];
                let who = if sub.next_tree.is_some() && self.rng.chance(0.6) {
                    self.world.patch_bot
                } else {
                    *self.rng.pick(&sub.maintainers)
                };
                let delay = self.rng.log_range(DAY as u64, 21 * DAY as u64) as i64;
                self.reply(&t, who, Kind::Applied(rev.clone()), delay);
            }
        }
    }

    fn plan_reroll(&mut self, mut st: Box<SeriesState>, at: i64) {
        let mut in_reply_to = None;
        let mut resend = false;
        match st.next {
            NextRev::Resend => resend = true,
            NextRev::Partial(i) => {
                st.version += 1;
                st.patches[i].ver += 1;
                st.patches[i].trailers.clear();
                st.changes.push((st.version, self.rng.next_u64()));
            }
            NextRev::Full => {
                st.version += 1;
                st.changes.push((st.version, self.rng.next_u64()));
                let sub = &self.world.subsystems[st.info.subsys];
                let ident = sub.dirs[st.info.dir].ident;
                let tag = sub.dirs[st.info.dir].tag;
                for p in &mut st.patches {
                    if self.rng.chance(0.45) {
                        p.ver += 1;
                        p.trailers.clear();
                    }
                }
                if self.rng.chance(0.12) && st.patches.len() < 30 {
                    let pos = self.rng.below_usize(st.patches.len() + 1);
                    let s = self.summary(ident);
                    let p = PatchState {
                        key: self.rng.next_u64(),
                        ver: 0,
                        summary: format!("{tag}: {s}").into(),
                        trailers: Vec::new(),
                        huge: false,
                    };
                    st.patches.insert(pos, p);
                }
                if self.rng.chance(0.1) && st.patches.len() > 1 {
                    let i = self.rng.below_usize(st.patches.len());
                    st.patches.remove(i);
                }
                if self.rng.chance(0.08) && st.patches.len() > 1 {
                    let i = self.rng.below_usize(st.patches.len() - 1);
                    st.patches.swap(i, i + 1);
                }
                if self.rng.chance(0.08) {
                    let i = self.rng.below_usize(st.patches.len());
                    let s = self.summary(ident);
                    st.patches[i].summary = format!("{tag}: {s}").into();
                }
                // A series that grew a second patch gets a cover letter; an
                // existing one is now and then reworded.
                let needs_cover = st.patches.len() > 1 && st.cover_summary.is_empty();
                if needs_cover || (!st.cover_summary.is_empty() && self.rng.chance(0.06)) {
                    st.cover_summary = format!("{tag}: {}", self.cover_summary(ident)).into();
                }
                if st.rfc && self.rng.chance(0.6) {
                    st.rfc = false;
                }
                if st.base.is_some() && self.rng.chance(0.7) {
                    st.base = Some(self.rng.next_u64());
                }
                if self.rng.chance(0.2) {
                    in_reply_to = st
                        .last_cover
                        .clone()
                        .or_else(|| st.last_patches.first().cloned());
                }
            }
        }
        self.plan_rev(st, at, in_reply_to, resend);
    }

    fn pick_trailer(&mut self, maint: bool, weights_none: u32) -> Option<TrailerKind> {
        match self
            .rng
            .weighted(&[40, if maint { 25 } else { 4 }, 8, 1, weights_none])
        {
            0 => Some(TrailerKind::Reviewed),
            1 => Some(TrailerKind::Acked),
            2 => Some(TrailerKind::Tested),
            3 => Some(TrailerKind::Nacked),
            _ => None,
        }
    }

    fn plan_reviews(
        &mut self,
        rev: &Rc<Rev>,
        cover: Option<&Rc<Msg>>,
        patches: &[(usize, Rc<Msg>)],
        st: &mut SeriesState,
    ) {
        let subsys = rev.info.subsys;
        let author = rev.info.author;
        if let Some(c) = cover {
            let n = self.rng.weighted(&[55, 25, 12, 8]);
            for _ in 0..n {
                let who = self.reviewer(subsys, author);
                let maint = self.is_maintainer(subsys, who);
                let trailer = self.pick_trailer(maint, 30);
                let delay = self.rng.log_range(HOUR as u64, 12 * DAY as u64) as i64;
                let m = self.reply(
                    c,
                    who,
                    Kind::Review {
                        trailer,
                        whole_series: trailer.is_some(),
                    },
                    delay,
                );
                if let Some(kind) = trailer {
                    for p in &mut st.patches {
                        p.trailers.push(Trailer {
                            kind,
                            person: who,
                            at: m.sent,
                        });
                    }
                }
                if trailer.is_none() || self.rng.chance(0.2) {
                    self.converse(&m, author, who, subsys, 1);
                }
            }
        }
        let ci_target = cover.or(if patches.len() == 1 {
            patches.first().map(|(_, m)| m)
        } else {
            None
        });
        if let Some(t) = ci_target
            && self.rng.chance(0.12)
        {
            let ok = self.rng.chance(0.75);
            let delay = self.rng.log_range(HOUR as u64, 2 * DAY as u64) as i64;
            let m = self.reply(
                t,
                self.world.ci_bot,
                Kind::CiReport {
                    ok,
                    rev: rev.clone(),
                },
                delay,
            );
            if ok {
                for p in &mut st.patches {
                    p.trailers.push(Trailer {
                        kind: TrailerKind::Tested,
                        person: self.world.ci_bot,
                        at: m.sent,
                    });
                }
            }
        }
        for (i, pm) in patches {
            let n = self.rng.weighted(&[56, 27, 11, 6]);
            for _ in 0..n {
                let who = self.reviewer(subsys, author);
                let maint = self.is_maintainer(subsys, who);
                let trailer = self.pick_trailer(maint, 55);
                let delay = self.rng.log_range(HOUR as u64 / 2, 12 * DAY as u64) as i64;
                let m = self.reply(
                    pm,
                    who,
                    Kind::Review {
                        trailer,
                        whole_series: false,
                    },
                    delay,
                );
                if let Some(kind) = trailer
                    && let Some(p) = st.patches.get_mut(*i)
                {
                    p.trailers.push(Trailer {
                        kind,
                        person: who,
                        at: m.sent,
                    });
                }
                if trailer.is_none() || self.rng.chance(0.25) {
                    self.converse(&m, author, who, subsys, 1);
                }
            }
        }
    }

    /// A back-and-forth under a review: `a` answers `b`, and so on, dying
    /// out with depth; now and then a third person joins.
    fn converse(&mut self, parent: &Rc<Msg>, a: u32, b: u32, subsys: usize, depth: u32) {
        let p = [0.55, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1]
            .get(depth as usize - 1)
            .copied()
            .unwrap_or(0.0);
        if !self.rng.chance(p) {
            return;
        }
        let author = a;
        let kind = if self.is_series_author(parent, author) {
            Kind::Answer
        } else {
            let t = self.rng.chance(0.1).then_some(TrailerKind::Reviewed);
            Kind::Review {
                trailer: t,
                whole_series: false,
            }
        };
        let delay = self.rng.log_range(600, 4 * DAY as u64) as i64;
        let m = self.reply(parent, author, kind, delay);
        if self.rng.chance(0.08) {
            let third = self.reviewer(subsys, author);
            let delay = self.rng.log_range(600, 2 * DAY as u64) as i64;
            let t = self.reply(
                &m,
                third,
                Kind::Review {
                    trailer: None,
                    whole_series: false,
                },
                delay,
            );
            self.converse(&t, a, third, subsys, depth + 2);
        }
        self.converse(&m, b, a, subsys, depth + 1);
    }

    /// Whether `who` wrote the patch or cover at the root of this thread.
    fn is_series_author(&self, m: &Msg, who: u32) -> bool {
        let mut p = Some(m);
        while let Some(x) = p {
            if let Kind::Cover(rev) | Kind::Patch(rev, _) = &x.kind {
                return rev.info.author == who;
            }
            p = x.parent.as_deref();
        }
        false
    }

    fn plan_topic(&mut self, at: i64) {
        let w = self.world;
        let author = w.active_person(&mut self.rng);
        let subsys = if self.rng.chance(0.7) {
            w.person(author).subsys
        } else {
            self.rng.below_usize(w.subsystems.len())
        };
        let sub = &w.subsystems[subsys];
        let d = &sub.dirs[self.rng.below_usize(sub.dirs.len())];
        let (kind, subject) = {
            let r = &mut self.rng;
            let f = format!("{}_{}_{}", d.ident, r.one(VERBS), r.one(NOUNS));
            let n = r.one(NOUNS);
            match r.weighted(&[30, 35, 12, 5, 18]) {
                0 => (
                    TopicKind::Bug,
                    format!(
                        "[BUG] {}: {} in {f}()",
                        d.tag,
                        r.one(&[
                            "NULL pointer dereference",
                            "use-after-free",
                            "soft lockup",
                            "WARNING",
                            "general protection fault",
                            "hung task"
                        ])
                    ),
                ),
                1 => (
                    TopicKind::Question,
                    format!("Question about {n} locking in {f}()"),
                ),
                2 => (
                    TopicKind::Regression,
                    format!(
                        "[REGRESSION] {}: {n} broken since v6.{}",
                        d.tag,
                        r.range(6, 14)
                    ),
                ),
                3 => (
                    TopicKind::Announce,
                    format!(
                        "[ANNOUNCE] {}-tools {}.{} released",
                        d.ident,
                        r.range(1, 9),
                        r.range(0, 20)
                    ),
                ),
                _ => (
                    TopicKind::Design,
                    format!(
                        "{}: thoughts on reworking {n} {}",
                        d.tag,
                        r.one(&[
                            "lifetime",
                            "locking",
                            "allocation",
                            "accounting",
                            "error handling"
                        ])
                    ),
                ),
            }
        };
        let to: Vec<u32> = sub
            .maintainers
            .iter()
            .copied()
            .filter(|&m| m != author)
            .take(2)
            .collect();
        let person = w.person(author);
        let id = reply_msgid(
            if person.client == Client::Bot {
                Client::Mutt
            } else {
                person.client
            },
            person,
            at,
            &mut self.rng,
        );
        let first = self.new_msg(
            Head {
                author,
                sent: at,
                id,
                subject,
                parent: None,
                to,
                cc: Vec::new(),
            },
            Kind::Topic(kind, subsys),
        );
        let n = match self.rng.weighted(&[15, 45, 30, 10]) {
            0 => 0,
            1 => self.rng.range(1, 4),
            2 => self.rng.range(5, 12),
            _ => self.rng.range(13, 30),
        };
        let mut people = vec![author];
        people.extend(sub.maintainers.iter().copied());
        for _ in 0..3 {
            people.push(w.person_in(subsys, &mut self.rng));
        }
        let mut msgs = vec![first];
        for _ in 0..n {
            let back = self.rng.below_usize(msgs.len().min(3));
            let parent = msgs[msgs.len() - 1 - back].clone();
            let mut who = *self.rng.pick(&people);
            if who == parent.author {
                who = *self.rng.pick(&people);
            }
            let delay = self.rng.log_range(600, 3 * DAY as u64) as i64;
            let m = self.reply(&parent, who, Kind::TopicReply, delay);
            msgs.push(m);
        }
    }

    fn plan_pull(&mut self, at: i64) {
        let w = self.world;
        let weights: Vec<u32> = w.subsystems.iter().map(|s| s.weight).collect();
        let subsys = self.rng.weighted(&weights);
        let sub = &w.subsystems[subsys];
        let author = sub.maintainers[0];
        let version = kernel_version(self.opts.start, at);
        let what = if self.rng.chance(0.5) {
            "fixes"
        } else {
            "updates"
        };
        let name = sub
            .next_tree
            .map_or_else(|| sub.dirs[0].tag.to_string(), |t| t.to_string());
        let subject = format!("[GIT PULL] {name} {what} for {version}");
        let person = w.person(author);
        let id = reply_msgid(person.client, person, at, &mut self.rng);
        let cc: Vec<u32> = sub
            .maintainers
            .iter()
            .copied()
            .filter(|&m| m != author)
            .collect();
        let m = self.new_msg(
            Head {
                author,
                sent: at,
                id,
                subject,
                parent: None,
                to: vec![w.linus],
                cc,
            },
            Kind::Pull { subsys, version },
        );
        if self.rng.chance(0.8) {
            let delay = self.rng.log_range(2 * HOUR as u64, 6 * DAY as u64) as i64;
            self.reply(&m, w.pr_bot, Kind::PullMerged, delay);
        }
    }
}

impl Iterator for Stream<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            let due = self.heap.peek().map(|p| p.at);
            if due.is_none_or(|t| t as f64 > self.next_arrival) {
                let before = self.planned;
                self.plan_thread(self.next_arrival as i64);
                self.advance_arrivals(before);
                continue;
            }
            let p = self.heap.pop()?;
            match p.ev {
                Event::Msg(m) => {
                    if self.rng.chance(self.opts.remove_ratio) {
                        let delay = self.rng.log_range(600, 14 * DAY as u64) as i64;
                        self.push(m.recv + delay, Event::Remove(m.clone()));
                    }
                    return Some(Item::Message(m));
                }
                Event::ReRoll(st) => {
                    let before = self.planned;
                    self.plan_reroll(st, p.at);
                    self.advance_arrivals(before);
                }
                Event::Remove(m) => return Some(Item::Removal { msg: m, at: p.at }),
            }
        }
    }
}

impl Stream<'_> {
    /// Each planned message pushes the next new thread later by its share
    /// of the mean rate, so the long-run rate is exactly `rate` however
    /// many replies and re-rolls threads grow.
    fn advance_arrivals(&mut self, before: u64) {
        let n = (self.planned - before) as f64;
        self.next_arrival += n / self.opts.rate * self.rng.exp_like();
    }
}

/// The `[RFC PATCH net-next v2 03/12]` part of a subject.
pub fn prefix(rev: &Rev, counter: Option<(usize, usize)>) -> String {
    let info = &rev.info;
    let mut s = String::from("[");
    let v = rev.version;
    if rev.rfc && !info.b4 {
        s.push_str("RFC ");
    }
    match info.odd {
        1 if v > 1 => s.push_str(&format!("PATCHv{v}")),
        2 if v > 1 => s.push_str(&format!("PATCH V{v}")),
        _ => s.push_str("PATCH"),
    }
    if rev.rfc && info.b4 {
        s.push_str(" RFC");
    }
    if rev.resend {
        s.push_str(" RESEND");
    }
    if let Some(t) = info.tree {
        s.push(' ');
        s.push_str(t);
    }
    if v > 1 && !matches!(info.odd, 1 | 2) {
        s.push_str(&format!(" v{v}"));
    }
    if let Some((i, n)) = counter {
        let w = n.to_string().len();
        let sep = if info.odd == 3 && v > 1 { "," } else { " " };
        s.push_str(&format!("{sep}{i:0w$}/{n}"));
    }
    s.push(']');
    s
}

/// b4's slug: the subject's words, lowercased, dash-joined, short.
fn slugify(subject: &str) -> String {
    let mut out = String::new();
    for word in subject
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out.truncate(40);
    out.trim_end_matches('-').to_string()
}

/// A plausible kernel release for time `at`: a new one every nine weeks.
pub fn kernel_version(start: i64, at: i64) -> String {
    let weeks = (at - start).max(0) / (7 * DAY);
    let minor = 8 + weeks / 9;
    let rc = weeks % 9;
    let (major, minor) = (6 + minor / 20, minor % 20);
    if rc == 0 {
        format!("v{major}.{minor}")
    } else {
        format!("v{major}.{minor}-rc{rc}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> StreamOptions {
        StreamOptions {
            seed: 5,
            start: 1_704_067_200,
            rate: 0.01,
            remove_ratio: 0.01,
        }
    }

    #[test]
    fn receive_times_never_go_back_and_rate_holds() {
        let world = World::new(5, "bench");
        let mut last = 0;
        let mut n = 0u64;
        let mut removals = 0;
        for item in Stream::new(&world, opts()).take(20_000) {
            match item {
                Item::Message(m) => {
                    assert!(m.recv >= last);
                    last = m.recv;
                    n += 1;
                }
                Item::Removal { at, .. } => {
                    assert!(at >= last);
                    last = at;
                    removals += 1;
                }
            }
        }
        let span = (last - 1_704_067_200) as f64;
        let rate = n as f64 / span;
        assert!((0.008..0.012).contains(&rate), "rate {rate}");
        assert!(removals > 50, "{removals}");
    }

    #[test]
    fn prefixes() {
        let world = World::new(5, "bench");
        let mut seen_v = false;
        for item in Stream::new(&world, opts()).take(5000) {
            if let Item::Message(m) = item
                && let Kind::Patch(rev, _) = &m.kind
            {
                assert!(m.subject.starts_with('[') || m.subject.starts_with("[RFC"));
                if rev.version > 1 {
                    seen_v = true;
                }
            }
        }
        assert!(seen_v);
    }
}
