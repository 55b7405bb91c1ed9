//! Pairing the patches of two revisions: by subject, then by how alike
//! their diffs are.
//!
//! The similarity of two diffs is `similar`'s ratio of a Myers line diff of
//! their changed lines (`+`, `-` and `## path ##` lines): 2 × matching lines
//! / all lines. Patches left after the subjects pair greedily, the pair
//! with the best ratio first. A Myers diff of two unrelated patches costs
//! about the product of their sizes, so diffing every old × new pair left is
//! what made pairing slow. Instead:
//!
//! - the changed lines are cut into the very tokens `similar` compares
//!   (`DiffableStr::tokenize_lines` of the same text) and interned as
//!   integers, once per patch;
//! - pairs whose changed lines are identical (ratio 1, the best there is)
//!   pair first, in the order the ranking would take them;
//! - every other pair gets an upper bound of its ratio in linear time: no
//!   diff matches more lines than the two sides have in common as
//!   multisets, so the ratio is at most 2 × |old ∩ new| / (|old| + |new|).
//!   A pair whose bound is under the threshold is never diffed; the others
//!   are diffed in the order of their bounds, and the best pair diffed so
//!   far is taken as soon as no undiffed pair can beat or tie it (so a
//!   patch whose counterpart stands out costs one diff).
//!
//! Diffs run on the interned integers with the same algorithm, deadline and
//! hooks as a line diff of the text, so each ratio, and the pairing, is what
//! diffing every pair's text gives. (Only a diff cut short by its deadline,
//! two patches of tens of thousands of lines, gives a ratio that depends on
//! the machine's speed, as it always did.)

use std::collections::HashMap;
use std::time::{Duration, Instant};

use similar::{Algorithm, DiffableStr};

use super::PatchText;

/// How long one pair's similarity diff may run.
const SIMILARITY_DEADLINE: Duration = Duration::from_millis(50);

/// Pairs old and new patches: by subject, then by diff similarity above
/// `min_similarity`. Returns (old index, new index) pairs in display order:
/// new order, with dropped patches where they stood in the old order.
pub fn pair(
    old: &[PatchText],
    new: &[PatchText],
    min_similarity: f32,
) -> Vec<(Option<usize>, Option<usize>)> {
    let mut old_to_new: Vec<Option<usize>> = vec![None; old.len()];
    let mut new_taken = vec![false; new.len()];
    // 1. Same subject (case-insensitive), each used once: an old patch takes
    // the first new one with its subject that is still free.
    let mut by_subject: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, n) in new.iter().enumerate().rev() {
        by_subject
            .entry(n.subject.to_lowercase())
            .or_default()
            .push(j);
    }
    for (i, o) in old.iter().enumerate() {
        if let Some(j) = by_subject
            .get_mut(&o.subject.to_lowercase())
            .and_then(|js| js.pop())
        {
            old_to_new[i] = Some(j);
            new_taken[j] = true;
        }
    }
    // 2. Most similar diffs among the rest, best pairs first.
    let rest_old: Vec<usize> = (0..old.len())
        .filter(|&i| old_to_new[i].is_none())
        .collect();
    let rest_new: Vec<usize> = (0..new.len()).filter(|&j| !new_taken[j]).collect();
    if !rest_old.is_empty() && !rest_new.is_empty() {
        for (i, j) in pair_by_similarity(old, &rest_old, new, &rest_new, min_similarity) {
            old_to_new[i] = Some(j);
            new_taken[j] = true;
        }
    }
    display_order(&old_to_new, new.len())
}

/// The greedy pairing of `rest_old` × `rest_new` by similarity: candidate
/// pairs at or above `min_similarity`, best first (ties in old, then new
/// order), each patch used once.
fn pair_by_similarity(
    old: &[PatchText],
    rest_old: &[usize],
    new: &[PatchText],
    rest_new: &[usize],
    min_similarity: f32,
) -> Vec<(usize, usize)> {
    let old_text: Vec<String> = rest_old.iter().map(|&i| changed(&old[i].diff)).collect();
    let new_text: Vec<String> = rest_new.iter().map(|&j| changed(&new[j].diff)).collect();
    let mut interner = Interner::default();
    let old_lines: Vec<Lines> = old_text.iter().map(|t| interner.lines(t)).collect();
    let new_lines: Vec<Lines> = new_text.iter().map(|t| interner.lines(t)).collect();

    let mut pairs = Vec::new();
    let mut old_done = vec![false; rest_old.len()];
    let mut new_done = vec![false; rest_new.len()];
    // Identical changed lines: ratio 1 (and only they: a ratio rounds to 1
    // only when every line matches). The ranking below takes all pairs of
    // ratio 1 first, in old then new order, so pairing them here first
    // leaves the same patches for the rest.
    let ratio_one_pairs = 1.0 >= min_similarity;
    for (a, o) in old_lines.iter().enumerate().filter(|_| ratio_one_pairs) {
        if let Some(b) = (0..new_lines.len()).find(|&b| !new_done[b] && new_lines[b].ids == o.ids) {
            old_done[a] = true;
            new_done[b] = true;
            pairs.push((rest_old[a], rest_new[b]));
        }
    }
    // The rest, best ratio first. Each pair's ratio is bounded from above
    // in linear time ([`Lines::ratio_bound`]); pairs are diffed in the
    // order of their bounds, and the best diffed pair is taken as soon as
    // no pair left undiffed can beat (or tie) it. Pairs under the threshold
    // are never diffed, nor pairs whose patches were taken meanwhile.
    let mut todo: Vec<(f32, usize, usize)> = Vec::new();
    for (a, o) in old_lines.iter().enumerate().filter(|&(a, _)| !old_done[a]) {
        for (b, n) in new_lines.iter().enumerate().filter(|&(b, _)| !new_done[b]) {
            let bound = o.ratio_bound(n, min_similarity);
            if bound >= min_similarity {
                todo.push((bound, a, b));
            }
        }
    }
    todo.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut todo = todo.into_iter().peekable();
    let mut scored: Vec<(f32, usize, usize)> = Vec::new();
    loop {
        while todo
            .next_if(|&(_, a, b)| old_done[a] || new_done[b])
            .is_some()
        {}
        scored.retain(|&(_, a, b)| !old_done[a] && !new_done[b]);
        // The best: highest ratio, then first old, then first new patch.
        let best = scored
            .iter()
            .copied()
            .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)).then(y.2.cmp(&x.2)));
        // Diff the next pair while its bound could beat or tie the best.
        let diff_next = match (todo.peek(), best) {
            (Some(&(bound, _, _)), Some((sim, _, _))) => bound >= sim,
            (next, None) => next.is_some(),
            (None, Some(_)) => false,
        };
        if diff_next {
            let Some((_, a, b)) = todo.next() else {
                break;
            };
            let sim = old_lines[a].ratio(&new_lines[b]);
            if sim >= min_similarity {
                scored.push((sim, a, b));
            }
        } else if let Some((_, a, b)) = best {
            old_done[a] = true;
            new_done[b] = true;
            pairs.push((rest_old[a], rest_new[b]));
        } else {
            break;
        }
    }
    pairs
}

/// The lines the similarity looks at: `+`, `-` and `## path ##` lines of a
/// normalised diff, joined by newlines (the last one without).
fn changed(diff: &str) -> String {
    diff.lines()
        .filter(|l| l.starts_with('+') || l.starts_with('-') || l.starts_with("## "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Distinct line tokens as small integers, shared by both revisions (with
/// std's randomly keyed hash: the lines are anyone's mail).
#[derive(Default)]
struct Interner<'a> {
    ids: HashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    /// The text cut into lines exactly as `similar`'s line diff cuts it
    /// (line ends kept, so a last line without one is a token of its own).
    fn lines(&mut self, text: &'a str) -> Lines {
        let ids: Vec<u32> = text
            .tokenize_lines()
            .into_iter()
            .map(|line| {
                let next = self.ids.len() as u32;
                *self.ids.entry(line).or_insert(next)
            })
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        Lines { ids, sorted }
    }
}

/// A patch's changed lines, interned.
struct Lines {
    /// In order.
    ids: Vec<u32>,
    /// Sorted: the multiset, for [`Lines::ratio_bound`].
    sorted: Vec<u32>,
}

impl Lines {
    /// An upper bound of [`Lines::ratio`], in linear time: a diff's
    /// matching lines are lines both sides have, so there are at most as
    /// many as the two multisets have in common. When even the shorter side
    /// all matching could not reach `min`, that cheaper bound.
    fn ratio_bound(&self, other: &Lines, min: f32) -> f32 {
        let total = self.ids.len() + other.ids.len();
        if total == 0 {
            return 1.0;
        }
        let shorter = ratio_of(self.ids.len().min(other.ids.len()), total);
        if shorter < min {
            return shorter;
        }
        ratio_of(crate::common_sorted(&self.sorted, &other.sorted), total)
    }

    /// `similar`'s ratio of a Myers line diff of the two texts: the same
    /// algorithm, deadline and result as `TextDiff::diff_lines(..).ratio()`,
    /// on the interned lines.
    fn ratio(&self, other: &Lines) -> f32 {
        if self.ids.is_empty() && other.ids.is_empty() {
            return 1.0;
        }
        let ops = similar::capture_diff_slices_deadline(
            Algorithm::Myers,
            &self.ids,
            &other.ids,
            Some(Instant::now() + SIMILARITY_DEADLINE),
        );
        similar::diff_ratio(&ops, self.ids.len(), other.ids.len())
    }
}

/// `similar::diff_ratio`'s arithmetic, for `matches` matching lines out of
/// `total` on both sides (monotone in `matches`, so a bound on the matches
/// bounds the ratio).
fn ratio_of(matches: usize, total: usize) -> f32 {
    2.0 * matches as f32 / total as f32
}

/// Display order as git range-diff's: walk both lists; the first old patch
/// not shown yet goes out first when it was dropped, then new patches in
/// order (unmatched ones as added, matched ones as pairs).
fn display_order(
    old_to_new: &[Option<usize>],
    new_len: usize,
) -> Vec<(Option<usize>, Option<usize>)> {
    let old_len = old_to_new.len();
    let mut new_to_old: Vec<Option<usize>> = vec![None; new_len];
    for (i, j) in old_to_new.iter().enumerate() {
        if let Some(j) = *j {
            new_to_old[j] = Some(i);
        }
    }
    let mut out: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let mut shown = vec![false; old_len];
    let (mut i, mut j) = (0, 0);
    while i < old_len || j < new_len {
        while i < old_len && shown[i] {
            i += 1;
        }
        if i < old_len && old_to_new[i].is_none() {
            out.push((Some(i), None));
            shown[i] = true;
            i += 1;
            continue;
        }
        while j < new_len && new_to_old[j].is_none() {
            out.push((None, Some(j)));
            j += 1;
        }
        if j < new_len {
            let o = new_to_old[j];
            if let Some(o) = o {
                shown[o] = true;
            }
            out.push((o, Some(j)));
            j += 1;
        } else if i < old_len {
            // Only matched old patches remain, all already shown.
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use similar::TextDiff;

    /// The similarity as it was computed before the pre-filter: a Myers
    /// diff of the changed lines' text.
    fn similarity_of_text(a: &str, b: &str) -> f32 {
        let (a, b) = (changed(a), changed(b));
        if a.is_empty() && b.is_empty() {
            return 1.0;
        }
        TextDiff::configure()
            .algorithm(Algorithm::Myers)
            .timeout(SIMILARITY_DEADLINE)
            .diff_lines(a.as_str(), b.as_str())
            .ratio()
    }

    /// The pairing as it was: every unpaired old × new pair diffed.
    fn pair_reference(
        old: &[PatchText],
        new: &[PatchText],
        min_similarity: f32,
    ) -> Vec<(Option<usize>, Option<usize>)> {
        let mut old_to_new: Vec<Option<usize>> = vec![None; old.len()];
        let mut new_taken = vec![false; new.len()];
        for (i, o) in old.iter().enumerate() {
            let key = o.subject.to_lowercase();
            if let Some(j) =
                (0..new.len()).find(|&j| !new_taken[j] && new[j].subject.to_lowercase() == key)
            {
                old_to_new[i] = Some(j);
                new_taken[j] = true;
            }
        }
        let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
        for (i, o) in old.iter().enumerate() {
            if old_to_new[i].is_some() {
                continue;
            }
            for (j, n) in new.iter().enumerate() {
                if new_taken[j] {
                    continue;
                }
                let sim = similarity_of_text(&o.diff, &n.diff);
                if sim >= min_similarity {
                    candidates.push((sim, i, j));
                }
            }
        }
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, i, j) in candidates {
            if old_to_new[i].is_none() && !new_taken[j] {
                old_to_new[i] = Some(j);
                new_taken[j] = true;
            }
        }
        display_order(&old_to_new, new.len())
    }

    fn patch(subject: &str, diff: &str) -> PatchText {
        PatchText {
            subject: subject.into(),
            diff: diff.into(),
            ..PatchText::default()
        }
    }

    #[test]
    fn tokens_are_similars_lines() {
        let texts = ["+x\n+y", "+y\n+x", "+a\rb\n+c"];
        let mut i = Interner::default();
        let [a, b, c] = texts.map(|t| i.lines(t).ids);
        // A last line without its newline differs from the same line with
        // one; CR alone ends a line too, as in `similar`.
        assert_eq!(a.len(), 2);
        assert!(a.iter().all(|t| !b.contains(t)));
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn bound_holds_and_ratio_matches_text_diff() {
        let diffs = [
            "",
            "## f ##\n+a\n+b\n-c\n",
            "## f ##\n+a\n+b\n-d\n",
            "## g ##\n+b\n+a\n",
            "## f ##\n@@ f\n a\n-b\n+c\n",
            "+x\n+x\n+x\n-y\n",
            "+x\n-y\n+x\n",
        ];
        for a in diffs {
            for b in diffs {
                let (ta, tb) = (changed(a), changed(b));
                let mut i = Interner::default();
                let (la, lb) = (i.lines(&ta), i.lines(&tb));
                let expected = similarity_of_text(a, b);
                assert_eq!(la.ratio(&lb).to_bits(), expected.to_bits(), "{a:?} {b:?}");
                for min in [0.0, expected, 1.0] {
                    assert!(la.ratio_bound(&lb, min) >= expected, "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn identical_changes_pair_first_in_old_then_new_order() {
        let d = "## f ##\n+same\n";
        let old = [patch("one", d), patch("two", d)];
        let new = [
            patch("uno", d),
            patch("dos", d),
            patch("tres", "## g ##\n+other\n"),
        ];
        assert_eq!(
            pair(&old, &new, 0.4),
            [(Some(0), Some(0)), (Some(1), Some(1)), (None, Some(2))]
        );
        assert_eq!(pair(&old, &new, 0.4), pair_reference(&old, &new, 0.4));
    }

    /// A diff drawn from a small alphabet of lines, so that patches share
    /// lines and reach every side of the threshold.
    fn diff_strategy() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "## a.c ##",
                "## b.c ##",
                "@@ a.c: f",
                " ctx",
                "+x",
                "+y",
                "+z",
                "-x",
                "-y",
                "+}",
                "+\treturn 0;",
                "-old\rline",
            ]),
            0..14,
        )
        .prop_map(|ls| ls.iter().map(|l| format!("{l}\n")).collect())
    }

    fn patches_strategy() -> impl Strategy<Value = Vec<PatchText>> {
        prop::collection::vec(
            (
                prop::sample::select(vec!["s1", "s2", "S1", "s3", "s4", "s5"]),
                diff_strategy(),
            ),
            0..7,
        )
        .prop_map(|ps| ps.into_iter().map(|(s, d)| patch(s, &d)).collect())
    }

    proptest! {
        // Cheap: 30,000 cases ran clean once; 1,024 on every run.
        #![proptest_config(ProptestConfig::with_cases(1024))]
        #[test]
        fn pairing_is_the_same_as_diffing_every_pair(
            old in patches_strategy(),
            new in patches_strategy(),
            min in prop::sample::select(vec![0.0f32, 0.2, 0.4, 0.6, 1.0]),
        ) {
            prop_assert_eq!(pair(&old, &new, min), pair_reference(&old, &new, min));
        }
    }
}
