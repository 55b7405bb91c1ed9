//! Whether two postings are revisions of one piece of work, and why.
//!
//! A wrong link is worse than a missed one: it turns into a silently
//! wrong mbox, another person's patch from another year. So a link needs
//! evidence, weighed here: a `change-id:`, a re-roll sent in reply to the
//! revision it replaces, the same patch sent again (patch-id), the same
//! title or nearly (a typo fixed, a word added, a subsystem prefix
//! changed), the same patch titles, the files both touch, a version bump
//! or RESEND, and a plausible time between them. Mail without a patch tag
//! (`[PATCH]`, `[RFC]`, `[PULL]`, a version or a counter) is never linked
//! by its subject: a report or a status mail that reuses one subject
//! every week is a recurring title, not a series. Each link keeps the
//! evidence it rests on, so `putt series show` can say why.

use serde::Serialize;

/// Links by title reach this far back (a year); further only a thread,
/// a change-id, a patch-id or the user links.
pub const WINDOW: i64 = 366 * 24 * 3600;

/// The score a link by evidence needs: an identical title from the same
/// person; or a close title with a version bump; or a looser title with a
/// version bump and the same files; or a re-roll sent in reply.
const THRESHOLD: f32 = 4.0;

/// Corrections the user made (`putt link`, `putt unlink`), kept apart
/// from the mail and applied over the evidence on every grouping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrections {
    /// `(earlier, later)`: a Message-ID of a revision in each series; the
    /// later one's revision is made a later revision of the earlier's
    /// series.
    pub links: Vec<(String, String)>,
    /// A Message-ID of each revision split off its series: it keeps only
    /// the links the user made.
    pub splits: Vec<String>,
}

impl Corrections {
    pub fn is_empty(&self) -> bool {
        self.links.is_empty() && self.splits.is_empty()
    }

    /// Every Message-ID the corrections name.
    pub fn message_ids(&self) -> impl Iterator<Item = &String> {
        self.links
            .iter()
            .flat_map(|(a, b)| [a, b])
            .chain(self.splits.iter())
    }
}

/// Why a revision is in its series: the revision it is linked to, and the
/// evidence the link rests on.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Link {
    /// The label of the revision it is linked to (`v2`).
    pub to: String,
    /// That revision's root Message-ID.
    pub message_id: String,
    /// Whether that revision was sent after this one (it was linked to
    /// this one, not this one to an earlier).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub later: bool,
    /// The evidence, strongest first: `user`, `change-id`, `supersedes`,
    /// `partial re-roll`, `cites v1`, `reply`, `in thread`, `patch-id`,
    /// `subject`,
    /// `subject≈0.93`, `patches 3/4`, `files`, `v1→v2`, `resend`.
    pub because: Vec<String>,
}

impl Link {
    /// `follows v1 (subject≈0.93 + files + v1→v2)`; `linked by you` for
    /// the user's links.
    pub fn describe(&self) -> String {
        let side = if self.later { "linked from" } else { "follows" };
        let why: Vec<&str> = self
            .because
            .iter()
            .map(|b| {
                if b == "user" {
                    "linked by you"
                } else {
                    b.as_str()
                }
            })
            .collect();
        format!("{side} {} ({})", self.to, why.join(" + "))
    }
}

/// What the evidence compares of one revision.
#[derive(Debug, Clone, Default)]
pub(super) struct Facts {
    /// Lower-cased address.
    pub author: String,
    /// [`crate::summary::name_key`] of the sender's name, if any.
    pub name: Option<String>,
    pub date: i64,
    pub version: u32,
    pub explicit: bool,
    pub resend: bool,
    /// Some mail of it carries a patch tag.
    pub tagged: bool,
    pub pull: bool,
    /// A stable-tree prefix (`6.12`, `5.15.y`).
    pub tree: Option<String>,
    /// Lower-cased normalised subjects of its title mail and first patch.
    pub subjects: Vec<String>,
    /// Lower-cased normalised subjects of its patches, sorted, no repeats.
    pub patch_subjects: Vec<String>,
    /// Hashes of the touched paths, sorted, no repeats.
    pub files: Vec<u64>,
    /// Stable patch-ids of its patches, sorted, no repeats.
    pub patch_ids: Vec<String>,
}

impl Facts {
    pub fn same_person(&self, other: &Facts) -> bool {
        self.author == other.author || (self.name.is_some() && self.name == other.name)
    }
}

/// Where the newer revision's first mail sits relative to the older one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Thread {
    /// In reply to its cover letter or one of its patches.
    Direct,
    /// Further down its thread (in reply to a review).
    Within,
    /// Elsewhere.
    Apart,
}

/// The evidence that `b` is a later revision of `a` (sent before it),
/// `None` when it is not enough.
/// `cited`: a cover or patch of `b` links to a mail of `a` in a line
/// about versions ("Link to v1: https://lore.kernel.org/r/...").
pub(super) fn weigh(
    a: &Facts,
    b: &Facts,
    thread: Thread,
    cited: bool,
) -> Option<(f32, Vec<String>)> {
    // Recurring titles of another kind: two pull requests with one title
    // are two pulls; a backport posted for a stable tree is a posting of
    // its own, apart from the patch upstream and from the backport to
    // another tree (it has the same title and often the same patch-id).
    if (a.pull && b.pull && a.version == b.version) || a.tree != b.tree {
        return None;
    }
    let bump = b.explicit && b.version > a.version;
    let mut score = 0.0;
    let mut because: Vec<String> = Vec::new();
    if cited && b.explicit && b.version >= a.version {
        score += 6.0;
        because.push(format!("cites v{}", a.version));
    }
    match thread {
        Thread::Direct if bump && !a.pull => {
            score += 6.0;
            because.push("reply".into());
        }
        Thread::Within if bump && !a.pull => {
            score += 2.0;
            because.push("in thread".into());
        }
        _ => {}
    }
    let gap = (b.date - a.date).max(0);
    let mut fuzzy_at: Option<usize> = None;
    // Without a patch tag on both, or from someone else, only the thread
    // speaks.
    if a.tagged && b.tagged && a.same_person(b) {
        if shares(&a.patch_ids, &b.patch_ids) {
            score += 5.0;
            because.push("patch-id".into());
        }
        // A title merely alike counts only with a bump or a resend, and
        // is measured (costly) last, when it can still make the link.
        if a.subjects.iter().any(|x| b.subjects.contains(x)) {
            score += 4.0;
            because.push("subject".into());
        } else if bump || b.resend {
            fuzzy_at = Some(because.len());
        }
        // Most patches sent again under their titles; or a lone patch
        // taken into a larger series in its next version.
        let same_patches = crate::common_sorted(&a.patch_subjects, &b.patch_subjects);
        let fewer = a.patch_subjects.len().min(b.patch_subjects.len());
        if same_patches * 2 >= fewer && (same_patches >= 2 || (same_patches == 1 && bump)) {
            score += 3.0;
            because.push(format!("patches {same_patches}/{}", b.patch_subjects.len()));
        }
        if !a.files.is_empty() && !b.files.is_empty() {
            let shared = crate::common_sorted(&a.files, &b.files);
            let fewer = a.files.len().min(b.files.len());
            if shared * 2 >= fewer {
                score += 2.0;
                because.push("files".into());
            } else if shared == 0 {
                // The same title over other files is another change,
                // unless it says it is the next version (a new approach).
                score -= if bump { 1.0 } else { 3.0 };
            }
        }
        if bump {
            score += 1.0;
            because.push(format!("v{}→v{}", a.version, b.version));
        } else if b.resend {
            score += 1.0;
            because.push("resend".into());
        } else if a.explicit && b.explicit && b.version < a.version {
            score -= 1.0;
        }
    }
    const DAY: i64 = 24 * 3600;
    score -= match gap {
        g if g > WINDOW => 2.0,
        g if g > 180 * DAY => 1.0,
        g if g > 60 * DAY => 0.5,
        _ => 0.0,
    };
    if let Some(at) = fuzzy_at
        && score + 3.0 >= THRESHOLD
    {
        let sim = a
            .subjects
            .iter()
            .flat_map(|x| b.subjects.iter().map(move |y| title_similarity(x, y)))
            .fold(0.0f32, f32::max);
        if sim >= 0.6 {
            score += if sim >= 0.9 {
                3.0
            } else if sim >= 0.75 {
                2.0
            } else {
                1.0
            };
            because.insert(at, format!("subject≈{:.2}", (sim * 100.0).floor() / 100.0));
        }
    }
    (score >= THRESHOLD).then_some((score, because))
}

/// How alike two normalised, lower-cased titles are, from 0 to 1; 1 only
/// when they are equal. The best of: the words they share (Jaccard), the
/// characters an edit keeps (a typo fixed, a word added), and the same
/// object under another subsystem prefix (`foo: bar: do X` and
/// `bar: do X`).
pub fn title_similarity(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (wa, wb) = (words(a), words(b));
    let shared = crate::common_sorted(&wa, &wb);
    let all = wa.len() + wb.len() - shared;
    let mut best = if all == 0 {
        0.0
    } else {
        shared as f32 / all as f32
    };
    if let (Some(x), Some(y)) = (object(a), object(b))
        && x == y
        && x.chars().count() >= 12
    {
        best = best.max(0.95);
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    // The edit distance is at least the difference in length.
    let bound = 1.0 - la.abs_diff(lb) as f32 / la.max(lb) as f32;
    if bound > best && bound >= 0.6 {
        best = best.max(edit_similarity(a, b));
    }
    best.min(0.99)
}

/// Words of a title, without the punctuation that sticks to them;
/// sorted, each once.
fn words(s: &str) -> Vec<&str> {
    let mut w: Vec<&str> = s
        .split_whitespace()
        .map(|w| w.trim_matches([':', ',', '.', '(', ')', '"', '\'']))
        .filter(|w| !w.is_empty())
        .collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// What a title says after its subsystem prefixes (`a: b: text` gives
/// `text`).
fn object(s: &str) -> Option<&str> {
    s.rfind(": ").map(|i| s[i + 2..].trim())
}

/// One minus the Levenshtein distance over the longer length, in
/// characters; long titles are cut at 160 characters.
fn edit_similarity(a: &str, b: &str) -> f32 {
    let a: Vec<char> = a.chars().take(160).collect();
    let b: Vec<char> = b.chars().take(160).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let longest = a.len().max(b.len()).max(1);
    1.0 - prev[b.len()] as f32 / longest as f32
}

fn shares<T: Ord>(a: &[T], b: &[T]) -> bool {
    crate::common_sorted(a, b) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(subject: &str, version: u32, day: i64, files: &[u64]) -> Facts {
        Facts {
            author: "a@x".into(),
            name: Some("a".into()),
            date: day * 24 * 3600,
            version,
            explicit: version > 1,
            tagged: true,
            subjects: vec![subject.to_lowercase()],
            patch_subjects: vec![subject.to_lowercase()],
            files: files.to_vec(),
            ..Facts::default()
        }
    }

    #[test]
    fn titles_touched_by_a_re_roll_still_resemble() {
        let sim = |a: &str, b: &str| title_similarity(&a.to_lowercase(), &b.to_lowercase());
        assert_eq!(sim("kbuild: fix it", "kbuild: fix it"), 1.0);
        for (a, b) in [
            (
                "docs: scape the asterisks in the table",
                "docs: escape the asterisks in the table",
            ),
            (
                "pwm: add support for the foo controller",
                "pwm: add PWM support for the foo controller",
            ),
            (
                "kbuild: rust: build the proc-macro crates first",
                "rust: build the proc-macro crates first",
            ),
        ] {
            let s = sim(a, b);
            assert!((0.9..1.0).contains(&s), "{a} / {b}: {s}");
        }
        assert!(
            sim(
                "scripts/tags.sh: prevent binary files appearing in cscope.files",
                "scripts/tags.sh: add support for rust source files"
            ) < 0.6
        );
    }

    #[test]
    fn evidence_is_weighed() {
        // The same title and files from the same person: linked.
        let v1 = facts("kbuild: fix it", 1, 0, &[1]);
        let resent = facts("kbuild: fix it", 1, 20, &[1]);
        assert!(weigh(&v1, &resent, Thread::Apart, false).is_some());
        // The same generic title over other files is another fix.
        let other = facts("kbuild: fix it", 1, 20, &[2]);
        assert!(weigh(&v1, &other, Thread::Apart, false).is_none());
        // A touched title needs a version bump.
        let v2 = facts("kbuild: fix its", 2, 20, &[1]);
        let (_, why) = weigh(&v1, &v2, Thread::Apart, false).expect("linked");
        assert_eq!(why, ["subject≈0.93", "files", "v1→v2"]);
        let v1b = facts("kbuild: fix its", 1, 20, &[1]);
        assert!(weigh(&v1, &v1b, Thread::Apart, false).is_none());
        // Without a patch tag only the thread speaks.
        let mut report = facts("build failure after merge of the foo tree", 1, 0, &[]);
        report.tagged = false;
        let mut again = report.clone();
        again.date += 7 * 24 * 3600;
        assert!(weigh(&report, &again, Thread::Apart, false).is_none());
        // A new version in reply to the old one, whatever its title.
        let retitled = facts("tags: index rust sources", 3, 1, &[9]);
        let (_, why) = weigh(&v1, &retitled, Thread::Direct, false).expect("linked");
        assert_eq!(why[0], "reply");
        // Two backports for two stable trees are two postings.
        let mut a = facts("kbuild: fix it", 1, 0, &[1]);
        a.tree = Some("6.12".into());
        let mut b = a.clone();
        b.tree = Some("6.18".into());
        assert!(weigh(&a, &b, Thread::Apart, false).is_none());
        // Nor is a backport a revision of the patch upstream.
        assert!(weigh(&v1, &b, Thread::Apart, false).is_none());
    }
}
