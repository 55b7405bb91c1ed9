//! b4's own trailer samples as ground truth: for every follow-up mbox, the
//! trailers putt finds (and accepts from their sender) must be exactly the
//! ones b4 added to each patch in its reference output.
//!
//! The samples live outside the repository (`../shared/corpus`); without
//! them these tests print why and pass.

use super::*;
use crate::subject::parse_subject;
use std::collections::HashMap;
use std::path::PathBuf;

fn sample_dir() -> Option<PathBuf> {
    putt_testkit::corpus::corpus_dir("mail/b4")
}

/// Just enough of a mail for these tests.
#[derive(Debug)]
struct Mail {
    headers: Vec<(String, String)>,
    body: String,
}

impl Mail {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    fn msgid(&self, name: &str) -> String {
        self.header(name)
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string()
    }

    /// (name, address) of the sender.
    fn from(&self) -> (String, String) {
        let from = self.header("From");
        match from.split_once('<') {
            Some((name, rest)) => (
                name.trim().trim_matches('"').to_string(),
                rest.trim_end_matches('>').trim().to_string(),
            ),
            None => (String::new(), from.trim().to_string()),
        }
    }

    fn has_diff(&self) -> bool {
        self.body.contains("\ndiff --git ") || self.body.contains("\n+++ ")
    }

    /// The commit message as `git am` would make it: the subject, a blank
    /// line, and the body up to where mailinfo finds the patch (b4's output
    /// has no `---` line before its diff).
    fn commit_message(&self) -> String {
        let subject = parse_subject(self.header("Subject")).normalized;
        let mut lines = Lines::new(&self.body);
        let mut message = Vec::new();
        while let Some(line) = lines.get(message.len()) {
            if starts_diff(&mut lines, message.len()) {
                break;
            }
            message.push(line);
        }
        format!("{subject}\n\n{}", message.join("\n"))
    }
}

/// Split an mbox: a message starts at a `From ` line at the top of the file
/// or right after a blank line.
fn split_mbox(text: &str) -> Vec<Mail> {
    let mut raw: Vec<Vec<&str>> = Vec::new();
    let mut prev_blank = true;
    for line in text.split('\n') {
        if prev_blank && line.starts_with("From ") {
            raw.push(Vec::new());
        } else if let Some(msg) = raw.last_mut() {
            msg.push(line);
        }
        prev_blank = line.is_empty();
    }
    raw.into_iter().map(|lines| parse_mail(&lines)).collect()
}

fn parse_mail(lines: &[&str]) -> Mail {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < lines.len() && !lines[i].is_empty() {
        let line = lines[i];
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
        i += 1;
    }
    let body = lines.get(i + 1..).unwrap_or(&[]).join("\n");
    Mail { headers, body }
}

fn pairs(trailers: &[Trailer]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = trailers
        .iter()
        .map(|t| (t.name.clone(), t.value.clone()))
        .collect();
    v.sort();
    v
}

/// `a` minus `b`, as multisets.
fn minus(a: &[(String, String)], b: &[(String, String)]) -> Vec<(String, String)> {
    let mut left = b.to_vec();
    let mut out = Vec::new();
    for x in a {
        if let Some(pos) = left.iter().position(|y| y == x) {
            left.swap_remove(pos);
        } else {
            out.push(x.clone());
        }
    }
    out
}

struct Thread {
    mails: Vec<Mail>,
    by_id: HashMap<String, usize>,
}

impl Thread {
    fn new(mails: Vec<Mail>) -> Self {
        let by_id = mails
            .iter()
            .enumerate()
            .map(|(i, m)| (m.msgid("Message-Id"), i))
            .collect();
        Thread { mails, by_id }
    }

    fn parent(&self, i: usize) -> Option<usize> {
        self.by_id.get(&self.mails[i].msgid("In-Reply-To")).copied()
    }

    /// A follow-up, as b4 defines it: a reply, or a mail with a parent,
    /// trailers and no diff (the "nore" sample drops the `Re:`).
    fn is_followup(&self, i: usize) -> bool {
        let m = &self.mails[i];
        parse_subject(m.header("Subject")).reply
            || (self.parent(i).is_some() && !m.has_diff() && !parse_trailers(&m.body).is_empty())
    }

    /// The patch or cover letter a follow-up's chain of replies ends at.
    fn target(&self, mut i: usize) -> Option<usize> {
        for _ in 0..self.mails.len() {
            i = self.parent(i)?;
            if !self.is_followup(i) {
                return Some(i);
            }
        }
        None
    }

    /// Whether `cover` is a cover letter `patch` hangs below.
    fn is_cover_of(&self, cover: usize, patch: usize) -> bool {
        if parse_subject(self.mails[cover].header("Subject")).counter != 0 {
            return false;
        }
        let mut i = patch;
        for _ in 0..self.mails.len() {
            match self.parent(i) {
                Some(p) if p == cover => return true,
                Some(p) => i = p,
                None => return false,
            }
        }
        false
    }

    /// Trailers from follow-ups that apply to `patch` and whose person is
    /// the follow-up's sender; also the ones that are not the sender's.
    fn collected(&self, patch: usize) -> (Vec<Trailer>, Vec<Trailer>) {
        let mut mine = Vec::new();
        let mut others = Vec::new();
        for f in 0..self.mails.len() {
            if !self.is_followup(f) {
                continue;
            }
            let Some(t) = self.target(f) else { continue };
            if t != patch && !self.is_cover_of(t, patch) {
                continue;
            }
            let (name, addr) = self.mails[f].from();
            for tr in parse_trailers(&self.mails[f].body) {
                match &tr.person {
                    Some(p) if p.matches(&name, &addr) => mine.push(tr),
                    _ => others.push(tr),
                }
            }
        }
        (mine, others)
    }
}

/// Compare putt's collected trailers with b4's reference `git am` output.
fn check_followups(source: &str, reference: &str) {
    let Some(dir) = sample_dir() else { return };
    let read = |name: String| {
        std::fs::read_to_string(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let thread = Thread::new(split_mbox(&read(format!(
        "trailers-followup-{source}.mbox"
    ))));
    let refs = split_mbox(&read(format!(
        "trailers-followup-{source}-ref-{reference}.txt"
    )));
    assert!(!refs.is_empty(), "{source}: empty reference");
    let mut compared = 0;
    for r in &refs {
        let id = r.msgid("Message-Id");
        let &patch = thread
            .by_id
            .get(&id)
            .unwrap_or_else(|| panic!("{source}: {id} not in the mbox"));
        let original = pairs(&commit_message_trailers(
            &thread.mails[patch].commit_message(),
        ));
        let reference = pairs(&commit_message_trailers(&r.commit_message()));
        // What b4 added, less what its options add by themselves: our own
        // sign-off (addmysob) and the Cc: copied from headers (copyccs).
        let expected: Vec<(String, String)> = minus(&reference, &original)
            .into_iter()
            .filter(|(n, v)| !(n == "Signed-off-by" && v.contains("test-override@")))
            .filter(|(n, _)| n != "Cc")
            .collect();
        let (mine, _) = thread.collected(patch);
        let mut found = pairs(&mine);
        found.dedup();
        assert_eq!(found, expected, "{source}: trailers for {id}");
        compared += expected.len();
    }
    assert!(
        compared > 0,
        "{source}: b4 added no trailers, nothing compared"
    );
}

#[test]
fn followup_single() {
    check_followups("single", "defaults");
}

#[test]
fn followup_with_cover() {
    check_followups("with-cover", "defaults");
}

#[test]
fn followup_custody() {
    check_followups("custody", "unordered");
}

#[test]
fn followup_partial_reroll() {
    check_followups("partial-reroll", "defaults");
}

#[test]
fn followup_nore() {
    check_followups("nore", "defaults");
}

#[test]
fn followup_non_git_patch() {
    check_followups("non-git-patch", "defaults");
    check_followups("non-git-patch-with-comments", "defaults");
}

#[test]
fn followup_with_diffstat() {
    check_followups("with-diffstat", "defaults");
}

#[test]
fn followup_name_parens() {
    check_followups("name-parens", "defaults");
}

#[test]
fn followup_bare_address() {
    check_followups("bare-address", "defaults");
}

#[test]
fn followup_stripped_lines() {
    check_followups("stripped-lines", "defaults");
}

#[test]
fn followup_htmljunk() {
    check_followups("htmljunk", "defaults");
}

#[test]
fn mismatched_sender_is_found_but_not_accepted() {
    let Some(dir) = sample_dir() else { return };
    let text = std::fs::read_to_string(dir.join("trailers-followup-single.mbox"))
        .unwrap_or_else(|e| panic!("{e}"));
    let thread = Thread::new(split_mbox(&text));
    let (_, others) = thread.collected(0);
    assert_eq!(
        pairs(&others),
        vec![(
            "Reviewed-by".to_string(),
            "Mismatched Reviewer1 <mismatched-reviewer1@example.net>".to_string()
        )]
    );
}

/// b4's test_mismatched_trailer_already_on_patch_is_not_flagged: someone
/// restating the patch's own trailers is not a mismatch; a new trailer
/// with someone else's address is.
#[test]
fn already_present_trailers_are_not_mismatches() {
    let Some(dir) = sample_dir() else { return };
    let text = std::fs::read_to_string(dir.join("trailers-followup-already-present.mbox"))
        .unwrap_or_else(|e| panic!("{e}"));
    let thread = Thread::new(split_mbox(&text));
    let own = pairs(&commit_message_trailers(&thread.mails[0].commit_message()));
    let (_, others) = thread.collected(0);
    let mut flagged: Vec<String> = others
        .iter()
        .filter(|t| !own.contains(&(t.name.clone(), t.value.clone())))
        .map(|t| t.name.clone())
        .collect();
    flagged.dedup();
    assert_eq!(flagged, vec!["Tested-by".to_string()]);
}

/// (name, value, comment) lists from b4's test_parse_trailers.
fn check_patch_trailers(file: &str, expected: &[(&str, &str, Option<&str>)]) {
    let Some(dir) = sample_dir() else { return };
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{e}"));
    let mails = split_mbox(&text);
    assert_eq!(mails.len(), 1);
    let want: Vec<(String, String, Option<String>)> = expected
        .iter()
        .map(|(n, v, c)| (n.to_string(), v.to_string(), c.map(str::to_string)))
        .collect();
    let triples = |trs: Vec<Trailer>| -> Vec<(String, String, Option<String>)> {
        trs.into_iter()
            .map(|t| (t.name, t.value, t.comment))
            .collect()
    };
    assert_eq!(
        triples(parse_trailers(&mails[0].body)),
        want,
        "{file}: parse_trailers"
    );
    assert_eq!(
        triples(commit_message_trailers(&mails[0].commit_message())),
        want,
        "{file}: commit_message_trailers"
    );
}

#[test]
fn patch_trailers_simple() {
    check_patch_trailers(
        "trailers-test-simple.txt",
        &[
            ("Reported-by", "\"Doe, Jane\" <jane@example.com>", None),
            ("Reviewed-by", "Bogus Bupkes <bogus@example.com>", None),
            ("Fixes", "abcdef01234567890", None),
            ("Link", "https://msgid.link/some@msgid.here", None),
        ],
    );
}

#[test]
fn patch_trailers_extinfo() {
    check_patch_trailers(
        "trailers-test-extinfo.txt",
        &[
            ("Reported-by", "Some, One <somewhere@example.com>", None),
            (
                "Reviewed-by",
                "Bogus Bupkes <bogus@example.com>",
                Some("[for the parts that are bogus]"),
            ),
            ("Fixes", "abcdef01234567890", None),
            (
                "Tested-by",
                "Some Person <bogus2@example.com>",
                Some("[this person visually indented theirs]"),
            ),
            (
                "Link",
                "https://msgid.link/some@msgid.here",
                Some("# initial submission"),
            ),
            (
                "Signed-off-by",
                "Wrapped Persontrailer <broken@example.com>",
                None,
            ),
        ],
    );
}
