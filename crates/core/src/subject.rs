//! Subject-line parsing: what a mail's subject says about the patch it carries.
//!
//! Series grouping, revision linking and the series list all start from the
//! bracket prefixes people put in front of a subject (`[PATCH net-next v3
//! 2/5]`), so this module reads them the way b4 and Patchwork do, and fixes
//! the places where they go wrong (see RULES.md, "Subjects").
//!
//! Choices worth knowing:
//! - Reply and forward markers (`Re:`, `Aw:`, `Fwd:` ... and, as b4 does, any
//!   2–3 letter word with a colon right before `[`) only make the mail a reply
//!   when they come *before* the bracket prefixes. `[PATCH] Re: foo` is a patch
//!   someone sent with an old reply subject: it is not a reply, but the `Re:`
//!   is still stripped from [`SubjectInfo::normalized`] so it groups with `foo`.
//! - Bracket words are split on white space, commas and semicolons, so
//!   `[PATCH v6,19/24]` is version 6, patch 19 of 24 (b4 reads it as one word).
//! - When a subject carries two counters or two versions, the first one wins
//!   and the later ones are dropped (they are not kept as prefixes).
//! - A counter above the total (`[PATCH 6/5]`) raises the total; the total is
//!   never below 1.

use serde::{Deserialize, Serialize};

/// Everything a subject line says about its mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectInfo {
    /// A reply or forward marker (`Re:`, `RE:`, `Aw:`, `Fwd:`, `Antw:`, `Sv:`
    /// ..., any case, repeated) came before the prefixes. Forwards count as
    /// replies too: a forwarded patch is not a new submission.
    pub reply: bool,
    /// One of those markers was a forward (`Fwd:`, `Fw:`, `WG:`, `TR:` ...).
    pub forward: bool,
    /// A `PATCH` word (also `PATCHv3`, `PATCHSET`) was in the brackets, or the
    /// subject starts with Mercurial's `PATCH n of m`.
    pub patch: bool,
    pub rfc: bool,
    pub resend: bool,
    /// `[GIT PULL]` or `[PULL]`: a pull request rather than a patch.
    pub pull: bool,
    /// `vN`; 1 when absent (then `version_inferred` is true).
    pub version: u32,
    pub version_inferred: bool,
    /// `N/M` (or `N of M`); 1/1 when absent (then `counter_inferred` is true).
    pub counter: u32,
    pub total: u32,
    pub counter_inferred: bool,
    /// The other bracket words, in order, as written: `net-next`, `bpf`, `5.10`.
    pub prefixes: Vec<String>,
    /// The subject without reply markers and bracket groups, white space
    /// collapsed to single spaces, never with leading or trailing spaces.
    pub normalized: String,
}

impl Default for SubjectInfo {
    fn default() -> Self {
        SubjectInfo {
            reply: false,
            forward: false,
            patch: false,
            rfc: false,
            resend: false,
            pull: false,
            version: 1,
            version_inferred: true,
            counter: 1,
            total: 1,
            counter_inferred: true,
            prefixes: Vec::new(),
            normalized: String::new(),
        }
    }
}

impl SubjectInfo {
    /// The subject in canonical form: one reply marker, one bracket group
    /// (`RFC RESEND PATCH GIT PULL <prefixes> vN N/M`), then the normalized
    /// subject. Parsing the result gives back the same `SubjectInfo`.
    pub fn rebuild(&self) -> String {
        let mut words: Vec<String> = Vec::new();
        if self.rfc {
            words.push("RFC".into());
        }
        if self.resend {
            words.push("RESEND".into());
        }
        if self.patch {
            words.push("PATCH".into());
        }
        if self.pull {
            words.push("GIT PULL".into());
        }
        // A number right after PATCH would read as Mercurial's "PATCH n of m"
        // when the next prefixes are "of" and a number: put such prefixes
        // first so that the rebuilt subject cannot change meaning.
        let digits_first = self
            .prefixes
            .first()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if digits_first {
            let mut all = self.prefixes.clone();
            all.append(&mut words);
            words = all;
        } else {
            words.extend(self.prefixes.iter().cloned());
        }
        if !self.version_inferred {
            words.push(format!("v{}", self.version));
        }
        if !self.counter_inferred {
            words.push(format!("{}/{}", self.counter, self.total));
        }
        let mut out = String::new();
        if self.forward {
            out.push_str("Fwd: ");
        } else if self.reply {
            out.push_str("Re: ");
        }
        if !words.is_empty() {
            out.push('[');
            out.push_str(&words.join(" "));
            out.push_str("] ");
        }
        out.push_str(&self.normalized);
        out.trim_end().to_string()
    }
}

/// Reply markers in the languages kernel contributors' mail clients use.
/// Words that are also kernel subsystem prefixes (`rv:`, runtime
/// verification) are left out: b4's 2–3 letter rule still catches them right
/// before a `[`.
const REPLY_MARKERS: &[&str] = &[
    "re", "aw", "antw", "sv", "odp", "ynt", "回复", "答复", "回覆",
];
/// Forward markers.
const FORWARD_MARKERS: &[&str] = &["fwd", "fw", "wg", "转发", "轉寄"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Marker {
    Reply,
    Forward,
}

/// `subject` without the reply markers at its start (`Re: `, `RE[2]: `,
/// `Aw: ` ... any number of them), so a reply can put one `Re: ` in front.
/// Only the known reply words count here, not b4's guess at unknown ones,
/// and forward markers stay: the reply to a forward is `Re: Fwd: ...`.
pub fn strip_reply_markers(subject: &str) -> &str {
    let mut s = subject.trim_start();
    while let Some((Marker::Reply, len)) = strip_marker(s) {
        let word: String = s.chars().take_while(|c| c.is_alphabetic()).collect();
        if !REPLY_MARKERS.contains(&word.to_lowercase().as_str()) {
            break;
        }
        s = s[len..].trim_start();
    }
    s
}

/// Parse a subject line (already decoded from RFC 2047). Never panics; every
/// string gives some answer.
pub fn parse_subject(subject: &str) -> SubjectInfo {
    let text = crate::text::collapse_whitespace(subject);
    let brackets = BracketMap::new(&text);
    let mut info = SubjectInfo::default();
    let mut pos = 0;
    let mut seen_prefix = false;

    // The leading part: markers, "(subset)" noise and bracket groups, in any
    // order. Everything recognised here is stripped wherever it appears, so
    // that `normalized` never starts with something this loop would eat;
    // only whether a marker came first decides `reply`.
    loop {
        let rest = &text[pos..];
        if let Some((marker, used)) = strip_marker(rest) {
            if !seen_prefix {
                info.reply = true;
                if marker == Marker::Forward {
                    info.forward = true;
                }
            }
            pos += used;
        } else if let Some(used) = strip_word(rest, "(subset)") {
            // `b4 ty` answers with "Re: (subset) [PATCH ...]".
            pos += used;
        } else if let Some((counter, total, used)) = bare_mercurial(rest) {
            info.patch = true;
            info.set_counter(counter, total);
            seen_prefix = true;
            pos += used;
        } else if let Some((inner, end)) = brackets.group_at(&text, pos) {
            absorb_group(&mut info, &inner);
            seen_prefix = true;
            pos = end;
        } else {
            break;
        }
        pos += skip_spaces(&text[pos..]);
    }

    info.normalized = text[pos..].trim().to_string();
    if !info.counter_inferred && info.counter > info.total {
        info.total = info.counter;
    }
    if info.total == 0 {
        info.total = 1;
    }
    info
}

impl SubjectInfo {
    fn set_counter(&mut self, counter: u32, total: u32) {
        if self.counter_inferred {
            self.counter = counter;
            self.total = total;
            self.counter_inferred = false;
        }
    }

    fn set_version(&mut self, version: u32) {
        if self.version_inferred {
            self.version = version;
            self.version_inferred = false;
        }
    }
}

fn skip_spaces(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

/// A reply or forward marker at the start of `s`: a known word (optionally
/// with a count, `Re[2]:` / `Re^2:`, and a space before the colon as French
/// clients write it) and a colon; or any 2–3 letter word and a colon right
/// before `[` (b4's rule, which catches the languages not listed). Returns
/// the kind and how many bytes to strip, trailing spaces included.
fn strip_marker(s: &str) -> Option<(Marker, usize)> {
    let word_len: usize = s
        .char_indices()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    if word_len == 0 {
        return None;
    }
    let word = &s[..word_len];
    let lower = word.to_lowercase();
    let mut i = word_len;
    let bytes = s.as_bytes();

    let known = if REPLY_MARKERS.contains(&lower.as_str()) {
        Some(Marker::Reply)
    } else if FORWARD_MARKERS.contains(&lower.as_str()) {
        Some(Marker::Forward)
    } else {
        None
    };

    if let Some(kind) = known {
        // Optional "[2]" or "^2" count.
        if let Some(len) = count_suffix(&s[i..]) {
            i += len;
        }
        if bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        let colon = colon_len(&s[i..]);
        if colon > 0 {
            i += colon;
            i += skip_spaces(&s[i..]);
            return Some((kind, i));
        }
        return None;
    }

    // b4's rule for unknown languages: a 2-3 letter word, a colon, then `[`.
    let chars = word.chars().count();
    if (2..=3).contains(&chars) {
        let colon = colon_len(&s[i..]);
        if colon > 0 {
            let after = i + colon;
            let after = after + skip_spaces(&s[after..]);
            if s[after..].starts_with('[') {
                return Some((Marker::Reply, after));
            }
        }
    }
    None
}

fn colon_len(s: &str) -> usize {
    if s.starts_with(':') {
        1
    } else if s.starts_with('：') {
        '：'.len_utf8()
    } else {
        0
    }
}

/// `[2]` or `^2` right after a reply marker word.
fn count_suffix(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.first()? {
        b'^' => {
            let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            (digits > 0).then_some(1 + digits)
        }
        b'[' => {
            let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            (digits > 0 && b.get(1 + digits) == Some(&b']')).then_some(2 + digits)
        }
        _ => None,
    }
}

/// `word` (ASCII, any case) at the start of `s`, followed by a space or the end.
fn strip_word(s: &str, word: &str) -> Option<usize> {
    let head = s.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    match s.as_bytes().get(word.len()) {
        None | Some(b' ') => Some(word.len()),
        _ => None,
    }
}

/// Mercurial's bracket-less `PATCH n of m` at the start of `s` (an optional
/// colon may follow). Returns counter, total and the bytes to strip.
fn bare_mercurial(s: &str) -> Option<(u32, u32, usize)> {
    let mut i = strip_word(s, "patch")?;
    i += 1; // the space strip_word saw
    let (n, len) = leading_number(s.get(i..)?)?;
    i += len;
    i += strip_word(s.get(i..)?.strip_prefix(' ')?, "of")? + 1;
    let (m, len) = leading_number(s.get(i..)?.strip_prefix(' ')?)?;
    i += 1 + len;
    match s.as_bytes().get(i) {
        None | Some(b' ') => {}
        Some(b':') => i += 1,
        _ => return None,
    }
    Some((n, m, i))
}

/// 1–4 ASCII digits at the start of `s`, followed by a non-digit.
fn leading_number(s: &str) -> Option<(u32, usize)> {
    let len = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=4).contains(&len) {
        return None;
    }
    Some((s[..len].parse().ok()?, len))
}

/// Where each `[` of the subject closes, worked out once so that a hostile
/// subject full of unbalanced brackets stays linear.
struct BracketMap {
    /// For each byte offset of a `[`: the offset of its matching `]`.
    matching: Vec<Option<usize>>,
    /// For each byte offset: the first `]` at or after it.
    next_close: Vec<Option<usize>>,
}

impl BracketMap {
    fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut matching = vec![None; bytes.len()];
        let mut next_close = vec![None; bytes.len() + 1];
        let mut stack = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'[' {
                stack.push(i);
            } else if b == b']'
                && let Some(open) = stack.pop()
            {
                matching[open] = Some(i);
            }
        }
        for i in (0..bytes.len()).rev() {
            next_close[i] = if bytes[i] == b']' {
                Some(i)
            } else {
                next_close[i + 1]
            };
        }
        BracketMap {
            matching,
            next_close,
        }
    }

    /// The bracket group starting at `pos`: its inner text with nested
    /// brackets flattened to spaces (`[[PATCH] foo]` reads as `PATCH foo`),
    /// and the offset just past it. An unbalanced group (`[[PATCH] foo`)
    /// ends at the first `]`.
    fn group_at(&self, text: &str, pos: usize) -> Option<(String, usize)> {
        if text.as_bytes().get(pos) != Some(&b'[') {
            return None;
        }
        let close = self
            .matching
            .get(pos)
            .copied()
            .flatten()
            .or_else(|| self.next_close.get(pos).copied().flatten())?;
        let inner = text.get(pos + 1..close)?.replace(['[', ']'], " ");
        Some((inner, close + 1))
    }
}

/// Read the words of one bracket group into `info`.
fn absorb_group(info: &mut SubjectInfo, inner: &str) {
    let words: Vec<&str> = inner
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        // Mercurial: "[PATCH 1 of 3]".
        if w.eq_ignore_ascii_case("patch") && i + 3 < words.len() {
            let n = full_number(words[i + 1]);
            let m = full_number(words[i + 3]);
            if let (Some(n), true, Some(m)) = (n, words[i + 2].eq_ignore_ascii_case("of"), m) {
                info.patch = true;
                info.set_counter(n, m);
                i += 4;
                continue;
            }
        }
        if w.eq_ignore_ascii_case("git")
            && words
                .get(i + 1)
                .is_some_and(|n| n.eq_ignore_ascii_case("pull"))
        {
            info.pull = true;
            i += 2;
            continue;
        }
        if w.eq_ignore_ascii_case("pull") {
            info.pull = true;
            i += 1;
            continue;
        }
        if !absorb_word(info, w) {
            info.prefixes.push(w.to_string());
        }
        i += 1;
    }
}

/// A flag, version or counter word. Flag stems may carry a version or
/// another flag glued on (`PATCHv3`, `RFC-PATCH`, `PATCH-v2`); any other
/// tail after a flag stem (`PATCHSET`, `RFC/RFT`) is dropped, as b4 does.
fn absorb_word(info: &mut SubjectInfo, word: &str) -> bool {
    let mut w = word;
    let mut flagged = false;
    loop {
        if let Some((counter, total)) = counter_word(w) {
            info.set_counter(counter, total);
            return true;
        }
        if let Some(version) = version_word(w) {
            info.set_version(version);
            return true;
        }
        let Some(rest) = strip_flag_stem(info, w) else {
            return flagged;
        };
        flagged = true;
        w = rest.trim_start_matches(['-', '_']);
        if w.is_empty() {
            return true;
        }
    }
}

/// If `w` starts with a flag stem, set the flag and return the rest.
fn strip_flag_stem<'a>(info: &mut SubjectInfo, w: &'a str) -> Option<&'a str> {
    for stem in ["patch", "rfc", "resend"] {
        if let Some(head) = w.get(..stem.len())
            && head.eq_ignore_ascii_case(stem)
        {
            match stem {
                "patch" => info.patch = true,
                "rfc" => info.rfc = true,
                _ => info.resend = true,
            }
            return w.get(stem.len()..);
        }
    }
    None
}

/// `N/M` with 1–4 digits on each side.
fn counter_word(w: &str) -> Option<(u32, u32)> {
    let (n, m) = w.split_once('/')?;
    Some((full_number(n)?, full_number(m)?))
}

/// A whole word of 1–4 digits.
fn full_number(w: &str) -> Option<u32> {
    if (1..=4).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit()) {
        w.parse().ok()
    } else {
        None
    }
}

/// `v3`, `V3`, or the older `-v3`.
fn version_word(w: &str) -> Option<u32> {
    let w = w.strip_prefix('-').unwrap_or(w);
    let digits = w.strip_prefix(['v', 'V'])?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> SubjectInfo {
        parse_subject(s)
    }

    #[test]
    fn plain_patch() {
        let i = p("[PATCH] kbuild: fix the thing");
        assert!(i.patch && !i.reply && !i.rfc && !i.resend && !i.pull);
        assert_eq!((i.version, i.version_inferred), (1, true));
        assert_eq!((i.counter, i.total, i.counter_inferred), (1, 1, true));
        assert!(i.prefixes.is_empty());
        assert_eq!(i.normalized, "kbuild: fix the thing");
    }

    #[test]
    fn version_and_counter_with_leading_zeros() {
        let i = p("[PATCH v3 02/10] modpost: something");
        assert_eq!((i.version, i.version_inferred), (3, false));
        assert_eq!((i.counter, i.total, i.counter_inferred), (2, 10, false));
        assert_eq!(i.normalized, "modpost: something");
        let i = p("[PATCH 0001/1000] x");
        assert_eq!((i.counter, i.total), (1, 1000));
    }

    #[test]
    fn counters_up_to_four_digits() {
        let i = p("[PATCH 12345/20000] x");
        assert!(i.counter_inferred);
        assert_eq!(i.prefixes, vec!["12345/20000"]);
    }

    #[test]
    fn tree_prefix_is_kept() {
        let i = p("[PATCH net-next v3 2/5] net: foo");
        assert_eq!(i.prefixes, vec!["net-next"]);
        assert_eq!((i.version, i.counter, i.total), (3, 2, 5));
    }

    #[test]
    fn rfc_before_patch() {
        let i = p("[RFC PATCH v2 0/3] cover");
        assert!(i.rfc && i.patch);
        assert_eq!((i.version, i.counter, i.total), (2, 0, 3));
    }

    #[test]
    fn glued_version() {
        for s in ["[PATCHv2] x", "[PATCHV2] x", "[PATCH-v2] x", "[patchv2] x"] {
            let i = p(s);
            assert!(i.patch, "{s}");
            assert_eq!((i.version, i.version_inferred), (2, false), "{s}");
            assert!(i.prefixes.is_empty(), "{s}");
        }
        let i = p("[RFCv3 PATCH] x");
        assert!(i.rfc && i.patch);
        assert_eq!(i.version, 3);
        let i = p("[RFC-PATCH] x");
        assert!(i.rfc && i.patch);
    }

    #[test]
    fn comma_splits_words() {
        // b4 issue 31: b4 reads "v6,19/24" as one word.
        let i = p("[PATCH v6,19/24] x");
        assert_eq!((i.version, i.counter, i.total), (6, 19, 24));
        let i = p("[PATCH net-next,v2,1/5] x");
        assert_eq!(i.prefixes, vec!["net-next"]);
        assert_eq!((i.version, i.counter, i.total), (2, 1, 5));
    }

    #[test]
    fn counter_above_total_raises_total() {
        let i = p("[PATCH 6/5] x");
        assert_eq!((i.counter, i.total), (6, 6));
    }

    #[test]
    fn zero_total_is_one() {
        let i = p("[PATCH 0/0] x");
        assert_eq!((i.counter, i.total, i.counter_inferred), (0, 1, false));
    }

    #[test]
    fn version_after_counter() {
        let i = p("[PATCH 1/2 v2] x");
        assert_eq!((i.version, i.counter, i.total), (2, 1, 2));
        let i = p("[PATCH V3] x");
        assert_eq!(i.version, 3);
        let i = p("[PATCH -v4] x");
        assert_eq!(i.version, 4);
    }

    #[test]
    fn mercurial() {
        let i = p("[PATCH 1 of 3] hg: thing");
        assert!(i.patch);
        assert_eq!((i.counter, i.total, i.counter_inferred), (1, 3, false));
        assert_eq!(i.normalized, "hg: thing");
        let i = p("[PATCH 2 of 3 V2] thing");
        assert_eq!((i.counter, i.total, i.version), (2, 3, 2));
        let i = p("PATCH 1 of 3 thing");
        assert!(i.patch);
        assert_eq!((i.counter, i.total), (1, 3));
        assert_eq!(i.normalized, "thing");
        let i = p("Re: PATCH 2 of 3: thing");
        assert!(i.reply && i.patch);
        assert_eq!((i.counter, i.total), (2, 3));
        assert_eq!(i.normalized, "thing");
        // Not Mercurial: free text.
        let i = p("Patch 1 offers nothing");
        assert!(!i.patch);
        assert_eq!(i.normalized, "Patch 1 offers nothing");
    }

    #[test]
    fn nested_brackets() {
        let i = p("[[PATCH] foo] bar");
        assert!(i.patch);
        assert_eq!(i.prefixes, vec!["foo"]);
        assert_eq!(i.normalized, "bar");
        let i = p("[PATCH [v2] 1/2] bar");
        assert_eq!((i.version, i.counter), (2, 1));
        let i = p("[[PATCH] foo bar");
        assert!(i.patch);
        assert_eq!(i.normalized, "foo bar");
    }

    #[test]
    fn unclosed_bracket_is_text() {
        let i = p("[PATCH foo");
        assert!(!i.patch);
        assert_eq!(i.normalized, "[PATCH foo");
    }

    #[test]
    fn several_groups() {
        let i = p("[PATCH] [net] foo");
        assert!(i.patch);
        assert_eq!(i.prefixes, vec!["net"]);
        assert_eq!(i.normalized, "foo");
        let i = p("[RFC][PATCH 1/2]foo");
        assert!(i.rfc && i.patch);
        assert_eq!(i.normalized, "foo");
        let i = p("[PATCH 06/22] [RESEND] stackleak: add");
        assert!(i.resend);
        assert_eq!(i.counter, 6);
    }

    #[test]
    fn first_counter_and_version_win() {
        let i = p("[PATCH v2 1/3] [v3 2/3] x");
        assert_eq!((i.version, i.counter, i.total), (2, 1, 3));
        assert!(i.prefixes.is_empty());
    }

    #[test]
    fn replies() {
        for s in [
            "Re: [PATCH] x",
            "RE: [PATCH] x",
            "re: [PATCH] x",
            "Re: Re: [PATCH] x",
            "Aw: [PATCH] x",
            "AW: Re: [PATCH] x",
            "Antw: [PATCH] x",
            "Sv: [PATCH] x",
            "Re[2]: [PATCH] x",
            "Re^3: [PATCH] x",
            "Re : [PATCH] x",
            "答复: [PATCH] x",
            "Odp: [PATCH] x",
            "Ré: [PATCH] x", // unknown, but a 2-letter word before `[`
            "Re:[PATCH] x",
        ] {
            let i = p(s);
            assert!(i.reply, "{s}");
            assert!(!i.forward, "{s}");
            assert!(i.patch, "{s}");
            assert_eq!(i.normalized, "x", "{s}");
        }
        let i = p("Re: kbuild: foo");
        assert!(i.reply);
        assert_eq!(i.normalized, "kbuild: foo");
    }

    #[test]
    fn forwards() {
        for s in [
            "Fwd: [PATCH] x",
            "FW: [PATCH] x",
            "WG: [PATCH] x",
            "Re: Fwd: [PATCH] x",
        ] {
            let i = p(s);
            assert!(i.reply && i.forward, "{s}");
            assert_eq!(i.normalized, "x");
        }
    }

    #[test]
    fn short_word_colon_not_before_bracket_is_not_a_reply() {
        let i = p("mm: fix foo");
        assert!(!i.reply);
        assert_eq!(i.normalized, "mm: fix foo");
        let i = p("bpf: [x] y");
        assert!(i.reply, "b4's rule: 2-3 letters and a colon before [");
    }

    #[test]
    fn marker_after_prefix_is_stripped_but_not_a_reply() {
        let i = p("[PATCH v2] Re: kbuild: foo");
        assert!(!i.reply && i.patch);
        assert_eq!(i.version, 2);
        assert_eq!(i.normalized, "kbuild: foo");
    }

    #[test]
    fn b4_ty_subset() {
        let i = p("Re: (subset) [PATCH v5 0/5] gpu: nova");
        assert!(i.reply && i.patch);
        assert_eq!((i.version, i.counter, i.total), (5, 0, 5));
        assert_eq!(i.normalized, "gpu: nova");
    }

    #[test]
    fn folded_subject() {
        let i = p("[PATCH v2 1/3]\r\n\tkbuild:  fold\n me ");
        assert_eq!(i.normalized, "kbuild: fold me");
        assert_eq!(i.version, 2);
    }

    #[test]
    fn pull_requests() {
        let i = p("[GIT PULL] Kbuild updates for v6.9");
        assert!(i.pull && !i.patch);
        assert!(i.prefixes.is_empty());
        assert_eq!(i.normalized, "Kbuild updates for v6.9");
        let i = p("Re: [GIT PULL v2] kbuild fixes");
        assert!(i.pull && i.reply);
        assert_eq!(i.version, 2);
        let i = p("[PULL] x");
        assert!(i.pull);
    }

    #[test]
    fn other_bracket_words_are_prefixes() {
        let i = p("[PATCH 5.10 1/3] x");
        assert_eq!(i.prefixes, vec!["5.10"]);
        let i = p("[syzbot] KASAN: use-after-free");
        assert!(!i.patch);
        assert_eq!(i.prefixes, vec!["syzbot"]);
        let i = p("[PATCHSET] x");
        assert!(i.patch);
        assert!(i.prefixes.is_empty());
    }

    #[test]
    fn empty_and_odd_inputs() {
        assert_eq!(p(""), SubjectInfo::default());
        assert_eq!(p("   ").normalized, "");
        assert_eq!(p("[]").normalized, "");
        assert_eq!(p("Re:").normalized, "");
        assert!(p("Re:").reply);
        assert_eq!(p("]]][[[").normalized, "]]][[[");
    }

    #[test]
    fn rebuild_examples() {
        assert_eq!(
            p("Re: [PATCH net-next v3 2/5] net: foo").rebuild(),
            "Re: [PATCH net-next v3 2/5] net: foo"
        );
        assert_eq!(p("[RFC,PATCHv2] x").rebuild(), "[RFC PATCH v2] x");
        assert_eq!(p("plain").rebuild(), "plain");
    }

    #[test]
    fn hostile_brackets_stay_fast() {
        let s = "[[[[x] ".repeat(50_000);
        let start = std::time::Instant::now();
        let _ = p(&s);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    fn assert_round_trip(s: &str) {
        let first = parse_subject(s);
        let rebuilt = first.rebuild();
        let second = parse_subject(&rebuilt);
        assert_eq!(first, second, "subject {s:?} rebuilt as {rebuilt:?}");
    }

    #[test]
    fn round_trip_corner_cases() {
        for s in [
            "[] ab: [x] y",
            "[] PATCH 1 of 2 foo",
            "Re: [] (subset) x",
            "[PATCH] [5 of 7] x",
            "[GIT] [PULL] x",
            "[foo] Re: bar",
            "[PATCH 1 of x] y",
            "Re: [foo",
            "ab: [foo",
        ] {
            assert_round_trip(s);
        }
    }

    /// Subjects built from the pieces real subjects are made of, so that
    /// proptest explores the interesting space rather than random bytes only.
    fn subject_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("Re:".to_string()),
            Just("Fwd:".to_string()),
            Just("Aw: ".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just("PATCH".to_string()),
            Just("RFC".to_string()),
            Just("GIT".to_string()),
            Just("PULL".to_string()),
            Just("of".to_string()),
            Just("(subset)".to_string()),
            Just(",".to_string()),
            Just(" ".to_string()),
            Just("\r\n\t".to_string()),
            "v[0-9]{1,3}",
            "[0-9]{1,5}/[0-9]{1,5}",
            "[0-9]{1,5}",
            "[a-z]{1,4}:",
            "[a-zA-Z.-]{1,8}",
        ];
        prop::collection::vec(piece, 0..14).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn never_panics_and_normalized_is_clean(s in any::<String>()) {
            let i = parse_subject(&s);
            prop_assert_eq!(i.normalized.trim(), i.normalized.as_str());
            prop_assert!(!i.normalized.contains("  "));
            prop_assert!(i.total >= 1);
            prop_assert!(i.counter_inferred || i.counter <= i.total);
        }

        #[test]
        fn round_trip_arbitrary(s in any::<String>()) {
            assert_round_trip(&s);
        }

        #[test]
        fn round_trip_subject_like(s in subject_like()) {
            assert_round_trip(&s);
            let i = parse_subject(&s);
            prop_assert_eq!(i.normalized.trim(), i.normalized.as_str());
            prop_assert!(!i.normalized.contains(['\r', '\n', '\t']));
        }
    }
}
