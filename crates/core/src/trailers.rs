//! Trailer lines: `Reviewed-by:`, `Acked-by:`, `Fixes:`, `Link:` and friends.
//!
//! Review happens by mail: a reviewer answers a patch with `Reviewed-by:` and
//! putt must find that line, tell whose it is, and carry it into the applied
//! commit. Two readers live here: [`parse_trailers`] for what a person wrote
//! in a mail (strict: mail is full of `Note: ...` lines) and
//! [`commit_message_trailers`] for the trailer block of a commit message,
//! found the way `git interpret-trailers` finds it.
//!
//! Choices worth knowing (RULES.md, "Trailers"):
//! - Leading white space before a trailer is tolerated, as b4 does: reviewers
//!   do indent their tags. Pasted commits (also indented) then yield trailers
//!   too, but those rarely carry the sender's own address, and
//!   [`Person::matches`] is what decides whether a trailer is applied.
//! - `-- ` and a bare `--` both end the text: many mailers strip the space.
//! - A person trailer's `value` is normalised to `Name <addr>` (or `addr`),
//!   which also cleans HTML-mail junk (`<a@b<mailto:a@b>>`); anything after
//!   the address (`# for the DT bits`, `[for the foo part]`) goes to `comment`.

use serde::{Deserialize, Serialize};

/// What a trailer is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrailerKind {
    ReviewedBy,
    AckedBy,
    TestedBy,
    ReportedBy,
    SuggestedBy,
    CoDevelopedBy,
    SignedOffBy,
    /// `Nacked-by:`, `NAKed-by:`, `NAK:`: an objection.
    NackedBy,
    Fixes,
    Link,
    Closes,
    Cc,
    /// Anything else: another `*-by:` person trailer (`Requested-by:`,
    /// `Reported-and-tested-by:`) or, in a commit message, any trailer git sees.
    Other,
}

impl TrailerKind {
    /// The kind a trailer name stands for, compared without case.
    pub fn from_name(name: &str) -> TrailerKind {
        match name.to_ascii_lowercase().as_str() {
            "reviewed-by" => TrailerKind::ReviewedBy,
            "acked-by" => TrailerKind::AckedBy,
            "tested-by" => TrailerKind::TestedBy,
            "reported-by" => TrailerKind::ReportedBy,
            "suggested-by" => TrailerKind::SuggestedBy,
            "co-developed-by" => TrailerKind::CoDevelopedBy,
            "signed-off-by" => TrailerKind::SignedOffBy,
            "nacked-by" | "naked-by" | "nak-by" | "nack-by" | "nak" | "nack" => {
                TrailerKind::NackedBy
            }
            "fixes" => TrailerKind::Fixes,
            "link" => TrailerKind::Link,
            "closes" => TrailerKind::Closes,
            "cc" => TrailerKind::Cc,
            _ => TrailerKind::Other,
        }
    }

    /// Whether the value names a person (and so needs an address to count).
    /// `Cc:` names a person too. `Other` is not, as a kind: an unknown
    /// `*-by:` trailer still gets a [`Trailer::person`] when it has one.
    pub fn is_person(&self) -> bool {
        matches!(
            self,
            TrailerKind::ReviewedBy
                | TrailerKind::AckedBy
                | TrailerKind::TestedBy
                | TrailerKind::ReportedBy
                | TrailerKind::SuggestedBy
                | TrailerKind::CoDevelopedBy
                | TrailerKind::SignedOffBy
                | TrailerKind::NackedBy
                | TrailerKind::Cc
        )
    }

    /// The usual spelling of the name, for writing trailers out. `Other` has
    /// none; callers keep [`Trailer::name`] for it.
    pub fn canonical_name(&self) -> &'static str {
        match self {
            TrailerKind::ReviewedBy => "Reviewed-by",
            TrailerKind::AckedBy => "Acked-by",
            TrailerKind::TestedBy => "Tested-by",
            TrailerKind::ReportedBy => "Reported-by",
            TrailerKind::SuggestedBy => "Suggested-by",
            TrailerKind::CoDevelopedBy => "Co-developed-by",
            TrailerKind::SignedOffBy => "Signed-off-by",
            TrailerKind::NackedBy => "Nacked-by",
            TrailerKind::Fixes => "Fixes",
            TrailerKind::Link => "Link",
            TrailerKind::Closes => "Closes",
            TrailerKind::Cc => "Cc",
            TrailerKind::Other => "",
        }
    }
}

/// One trailer line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    pub kind: TrailerKind,
    /// The name as written, e.g. `Reviewed-by` or `reviewed-by`.
    pub name: String,
    /// The value: `Name <addr>` for a person, the URL for `Link:`, the commit
    /// and its subject for `Fixes:`.
    pub value: String,
    /// The person named, when the value holds an address.
    pub person: Option<Person>,
    /// What the writer added after the value: `# 5.10.x` after a `Cc:` or a
    /// `Link:`, text after a person's address, or a `[for the foo part]` line
    /// right below the trailer. Kept so that applying a patch can keep it.
    pub comment: Option<String>,
}

impl Trailer {
    /// The trailer as one line, `Name: value`, comment included.
    pub fn to_line(&self) -> String {
        match &self.comment {
            Some(c) => format!("{}: {} {}", self.name, self.value, c),
            None => format!("{}: {}", self.name, self.value),
        }
    }

    /// Whether the trailer holds characters a reader would not see as
    /// they are: control characters (an escape sequence), bidi overrides,
    /// zero-width characters. Such a trailer is suspect: it is shown
    /// escaped and never applied without being asked for.
    pub fn has_hidden_characters(&self) -> bool {
        let hidden = |s: &str| s.chars().any(|c| c != '\t' && !crate::text::is_safe(c));
        hidden(&self.name) || hidden(&self.value) || self.comment.as_deref().is_some_and(hidden)
    }
}

/// A person named in a trailer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Person {
    /// The display name without surrounding quotes; may be empty.
    pub name: String,
    /// The address, lowercased.
    pub addr: String,
}

impl Person {
    /// Whether this trailer's person is the mail's sender: b4's rule.
    ///
    /// - the addresses are equal, ignoring case; or
    /// - they are equal once a `+tag` is dropped from the local part
    ///   (`foo+kernel@x.org` sent from `foo@x.org`); or
    /// - same local part, and one domain is the other with one more label in
    ///   front (`foo@linux.intel.com` and `foo@intel.com`); or
    /// - when the addresses differ, the names are the same: compared without
    ///   case, quotes and commas, in any word order, so that `Doe, Jane`
    ///   matches `Jane Doe`. Empty names never match.
    pub fn matches(&self, sender_name: &str, sender_addr: &str) -> bool {
        let ours = self.addr.trim().to_lowercase();
        let theirs = sender_addr
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_lowercase();
        if !ours.is_empty() && addresses_match(&ours, &theirs) {
            return true;
        }
        let a = name_words(&self.name);
        let b = name_words(sender_name);
        !a.is_empty() && a == b
    }
}

fn addresses_match(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (Some((al, ad)), Some((bl, bd))) = (a.rsplit_once('@'), b.rsplit_once('@')) else {
        return false;
    };
    let al = al.split_once('+').map_or(al, |(l, _)| l);
    let bl = bl.split_once('+').map_or(bl, |(l, _)| l);
    if al != bl {
        return false;
    }
    if ad == bd {
        return true;
    }
    let one_label_more = |long: &str, short: &str| {
        long.strip_suffix(short)
            .and_then(|head| head.strip_suffix('.'))
            .is_some_and(|label| !label.is_empty() && !label.contains('.'))
    };
    one_label_more(ad, bd) || one_label_more(bd, ad)
}

/// A name as a sorted list of lowercase words, quotes and commas dropped.
fn name_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || c == ',' || c == '"')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.sort();
    words
}

/// The trailers a person wrote in a mail body: a follow-up's `Reviewed-by:`
/// or the trailers of a patch's commit message.
///
/// Lines count anywhere in the body, except: quoted lines (`>` at any
/// depth); anything after a signature line (`-- `, or `--`) or after a `---`
/// line (the notes and diff below a commit message); and the lines of a
/// diff (from `diff `, `--- a/x` + `+++ b/x` or `Index: ` to the last line
/// that looks like diff). Text after an inline diff counts again: reviewers
/// do write "like this: <diff>" and then their `Reviewed-by:`.
/// Only lines that are clearly trailers count: a known name with a valid
/// value (a person needs an address; `Link:`/`Closes:` a URL; `Fixes:` at
/// least 6 hex digits), or an unknown `*-by:` name with an address.
pub fn parse_trailers(text: &str) -> Vec<Trailer> {
    let mut lines = Lines::new(text);
    let mut out: Vec<Trailer> = Vec::new();
    // Whether the previous line was a trailer that may take a `[...]` comment.
    let mut after_trailer = false;
    let mut in_diff = false;
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        if is_signature(line) {
            break;
        }
        if in_diff {
            if is_diff_line(line) {
                i += 1;
                continue;
            }
            in_diff = false;
        }
        if line.trim_end() == "---" {
            break;
        }
        if starts_diff(&mut lines, i) {
            in_diff = true;
            after_trailer = false;
            i += 1;
            continue;
        }
        let body = line.trim_start();
        if body.starts_with('>') {
            after_trailer = false;
            i += 1;
            continue;
        }
        if after_trailer && let Some(comment) = bracket_comment(body) {
            if let Some(last) = out.last_mut() {
                append_comment(last, comment);
            }
            after_trailer = false;
            i += 1;
            continue;
        }
        after_trailer = false;
        let Some((name, raw_value)) = split_trailer_line(body) else {
            i += 1;
            continue;
        };
        // Wrapped lines the way people break them by hand.
        let next = lines.get(i + 1).map(|l| l.trim());
        let mut consumed = 1;
        let mut value = raw_value.to_string();
        if let Some(next) = next
            && let Some(joined) = join_wrapped(name, raw_value, next)
        {
            value = joined;
            consumed = 2;
        }
        if let Some(trailer) = strict_trailer(name, &value) {
            out.push(trailer);
            after_trailer = true;
            i += consumed;
        } else {
            i += 1;
        }
    }
    out
}

/// The trailer block of a commit message, as `git interpret-trailers` sees
/// it: the last paragraph of the message (above any `---` line), when all
/// of its lines are trailers, or when it holds a `Signed-off-by: ` and at
/// least a quarter of its lines are trailers. Indented lines continue the
/// trailer above. The first paragraph is the subject and never counts, so
/// pass the whole message, subject line first (for a mail: the subject, a
/// blank line, then the body).
///
/// Every trailer git reports is returned, whatever its name (kind `Other`
/// for unknown ones) and whether or not its value is valid; `person` is set
/// when the value holds an address. On top of git, a `[...]` line or a lone
/// `<addr>` line right below a trailer is attached to it, as b4 does.
pub fn commit_message_trailers(commit_message: &str) -> Vec<Trailer> {
    let mut out: Vec<Trailer> = Vec::new();
    // Whether the previous block line was a trailer (b4's extras attach to it).
    let mut after_trailer = false;
    for item in git_trailer_block(commit_message) {
        match item {
            BlockLine::Trailer { key, value } => {
                out.push(commit_trailer(&key, &value, None));
                after_trailer = true;
            }
            BlockLine::Other(line) => {
                let body = line.trim();
                if after_trailer && let Some(last) = out.last_mut() {
                    if let Some(comment) = bracket_comment(body) {
                        append_comment(last, comment);
                        continue;
                    }
                    if last.person.is_none()
                        && (last.kind.is_person() || is_by_name(&last.name))
                        && body.starts_with('<')
                        && body.ends_with('>')
                    {
                        let value = format!("{} {}", last.value, body);
                        *last = commit_trailer(&last.name, &value, last.comment.take());
                        continue;
                    }
                }
                after_trailer = false;
            }
        }
    }
    out
}

/// Where the trailer block of `commit_message` is, as line numbers of
/// `commit_message.split('\n')`: `Ok(start..end)` when git finds a block
/// (its last line is `end - 1`), else `Err(end)` with `end` the line after
/// the last line of the log message, where a new block would go (after a
/// blank line). Subject line first, as for [`commit_message_trailers`].
pub fn trailer_block_lines(
    commit_message: &str,
) -> std::result::Result<std::ops::Range<usize>, usize> {
    let lines: Vec<&str> = commit_message.split('\n').map(strip_cr).collect();
    let end = end_of_log_message(&lines);
    match trailer_block_start(&lines[..end]) {
        Some(start) => Ok(start..end),
        None => Err(end),
    }
}

/// One line of a trailer block as git reads it.
#[derive(Debug, PartialEq, Eq)]
enum BlockLine<'a> {
    /// `key: value`, continuation lines unfolded into the value.
    Trailer { key: String, value: String },
    /// A line of the block that is not a trailer.
    Other(&'a str),
}

/// The lines of the trailer block the way git 2.4x's `trailer_info_get`
/// and `parse_trailers` read them (no configuration: `:` is the only
/// separator and no key is "recognised" beyond git's own prefixes).
fn git_trailer_block(message: &str) -> Vec<BlockLine<'_>> {
    let lines: Vec<&str> = message.split('\n').map(strip_cr).collect();
    let end = end_of_log_message(&lines);
    let Some(start) = trailer_block_start(&lines[..end]) else {
        return Vec::new();
    };
    let mut out: Vec<BlockLine> = Vec::new();
    // git appends an indented line to the previous line only when that one
    // was a trailer (`last` in trailer_info_get).
    let mut last_is_trailer = false;
    for &line in &lines[start..end] {
        if last_is_trailer && line.starts_with([' ', '\t']) {
            if let Some(BlockLine::Trailer { value, .. }) = out.last_mut() {
                value.push('\n');
                value.push_str(line);
            }
            continue;
        }
        if line.starts_with('#') {
            last_is_trailer = false;
            continue;
        }
        match split_git_trailer(line) {
            Some((key, value)) => {
                out.push(BlockLine::Trailer {
                    key: key.to_string(),
                    // Kept raw until the block ends: see `git_unfold`.
                    value: value.to_string(),
                });
                last_is_trailer = true;
            }
            None => {
                out.push(BlockLine::Other(line));
                last_is_trailer = false;
            }
        }
    }
    for item in &mut out {
        if let BlockLine::Trailer { value, .. } = item {
            *value = git_unfold(value);
        }
    }
    out
}

/// A trailer's value with its continuation lines joined the way git's
/// `unfold_value` does: each line break and the blanks after it become one
/// space, blanks before a break stay, and the ends are trimmed.
fn git_unfold(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = git_trim(raw);
    while let Some((line, next)) = rest.split_once('\n') {
        out.push_str(line);
        out.push(' ');
        rest = next.trim_start_matches([' ', '\t', '\r', '\n']);
    }
    out.push_str(rest);
    git_trim(&out).to_string()
}

/// Trim the way git's `strbuf_trim` does: ASCII blanks only.
fn git_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

fn strip_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

fn is_signature(line: &str) -> bool {
    line == "-- " || line == "--"
}

/// Whether line `i` starts a diff, or the notes below a commit message.
fn starts_diff(lines: &mut Lines<'_>, i: usize) -> bool {
    let line = lines.get(i).unwrap_or("");
    if line.trim_end() == "---" || line.starts_with("diff ") {
        return true;
    }
    let next = lines.get(i + 1).unwrap_or("");
    (line.starts_with("--- ") && next.starts_with("+++ "))
        || (line.starts_with("Index: ") && next.starts_with("===="))
}

/// The lines of a body (without CR), split only as far as they are read:
/// a patch's trailers end at its `---`, and splitting the diff below it
/// too cost more than the rest of the search.
struct Lines<'a> {
    read: Vec<&'a str>,
    rest: crate::lines::SplitNl<'a>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines {
            read: Vec::new(),
            rest: crate::lines::split_nl(text),
        }
    }

    fn get(&mut self, i: usize) -> Option<&'a str> {
        while self.read.len() <= i {
            self.read.push(strip_cr(self.rest.next()?));
        }
        Some(self.read[i])
    }
}

/// A line that can belong to a diff: hunk lines (context lines included,
/// also when a mailer stripped their leading space), hunk headers and the
/// extended header lines of git diffs.
fn is_diff_line(line: &str) -> bool {
    const HEADERS: &[&str] = &[
        "diff ",
        "index ",
        "new file mode ",
        "deleted file mode ",
        "old mode ",
        "new mode ",
        "similarity index ",
        "dissimilarity index ",
        "rename from ",
        "rename to ",
        "copy from ",
        "copy to ",
        "Binary files ",
        "GIT binary patch",
        "literal ",
        "delta ",
        "Index: ",
        "====",
    ];
    line.is_empty()
        || line.starts_with([' ', '\t', '+', '-', '@', '\\'])
        || HEADERS.iter().any(|h| line.starts_with(h))
}

/// `Token: value` where the token is ASCII letters, digits and dashes,
/// starting with a letter, and the value is not empty. White space is allowed
/// before the colon, as git allows it.
fn split_trailer_line(line: &str) -> Option<(&str, &str)> {
    let name_len = line
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .count();
    if name_len == 0 || !line.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let name = &line[..name_len];
    let rest = line[name_len..].trim_start_matches([' ', '\t']);
    let value = rest.strip_prefix(':')?.trim();
    if value.is_empty() {
        return None;
    }
    Some((name, value))
}

/// git's notion of a trailer line: `find_separator` (a key of letters,
/// digits and dashes, optional blanks, then `:`) on a line that does not
/// start with white space. The value may be empty.
fn split_git_trailer(line: &str) -> Option<(&str, &str)> {
    let key_len = line
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .count();
    if key_len == 0 {
        return None;
    }
    let rest = line[key_len..].trim_start_matches([' ', '\t']);
    let value = rest.strip_prefix(':')?;
    // Untrimmed: blanks before a continuation line stay (`git_unfold`).
    Some((&line[..key_len], value))
}

/// A `[...]` line (b4's "extended info") attached to the trailer above.
fn bracket_comment(line: &str) -> Option<&str> {
    let body = line.trim();
    (body.len() > 2 && body.starts_with('[') && body.ends_with(']') && !body[1..].contains('['))
        .then_some(body)
}

fn append_comment(trailer: &mut Trailer, comment: &str) {
    trailer.comment = Some(match trailer.comment.take() {
        Some(c) => format!("{c} {comment}"),
        None => comment.to_string(),
    });
}

/// Join a trailer wrapped by hand onto the next line: a person whose address
/// went to the next line (`Signed-off-by: Long Name` / `<a@b.c>`), or a
/// `Fixes:` whose parenthesised subject goes on (`Fixes: abc ("foo` /
/// `bar")`).
fn join_wrapped(name: &str, value: &str, next: &str) -> Option<String> {
    let kind = TrailerKind::from_name(name);
    if (kind.is_person() || is_by_name(name))
        && !value.contains('<')
        && next.starts_with('<')
        && next.ends_with('>')
        && parse_person(value).is_none()
    {
        return Some(format!("{value} {next}"));
    }
    if kind == TrailerKind::Fixes
        && value.contains('(')
        && !value.contains(')')
        && next.ends_with(')')
        && !next.contains('(')
    {
        return Some(format!("{value} {next}"));
    }
    None
}

fn is_by_name(name: &str) -> bool {
    name.len() > 3 && name.to_ascii_lowercase().ends_with("-by")
}

/// A trailer from a mail body, or `None` when the line only looks like one.
fn strict_trailer(name: &str, value: &str) -> Option<Trailer> {
    if !name.is_ascii() {
        return None;
    }
    let kind = TrailerKind::from_name(name);
    match kind {
        k if k.is_person() => {
            let (person, value, comment) = parse_person(value)?;
            Some(Trailer {
                kind,
                name: name.to_string(),
                value,
                person: Some(person),
                comment,
            })
        }
        TrailerKind::Link | TrailerKind::Closes => {
            let (value, comment) = split_hash_comment(value);
            let url = value.trim_start_matches('<').trim_end_matches('>');
            if !is_url(url) {
                return None;
            }
            Some(Trailer {
                kind,
                name: name.to_string(),
                value: url.to_string(),
                person: None,
                comment,
            })
        }
        TrailerKind::Fixes => {
            if !starts_with_hex(value, 6) {
                return None;
            }
            let (value, comment) = split_hash_comment(value);
            Some(Trailer {
                kind,
                name: name.to_string(),
                value: value.to_string(),
                person: None,
                comment,
            })
        }
        _ if is_by_name(name) => {
            let (person, value, comment) = parse_person(value)?;
            Some(Trailer {
                kind: TrailerKind::Other,
                name: name.to_string(),
                value,
                person: Some(person),
                comment,
            })
        }
        _ => None,
    }
}

/// A trailer from a commit message's trailer block: kept whatever its value.
fn commit_trailer(name: &str, value: &str, comment: Option<String>) -> Trailer {
    let kind = TrailerKind::from_name(name);
    let mut trailer = Trailer {
        kind,
        name: name.to_string(),
        value: value.to_string(),
        person: None,
        comment: None,
    };
    if kind.is_person() || is_by_name(name) {
        if let Some((person, value, comment)) = parse_person(value) {
            trailer.person = Some(person);
            trailer.value = value;
            trailer.comment = comment;
        }
    } else if matches!(
        kind,
        TrailerKind::Link | TrailerKind::Closes | TrailerKind::Fixes
    ) {
        let (value, comment) = split_hash_comment(value);
        trailer.value = value.to_string();
        trailer.comment = comment;
    }
    if let Some(c) = comment {
        append_comment(&mut trailer, &c);
    }
    trailer
}

/// Split `value  # comment` (b4's "hashtag extinfo"): a `#` after white
/// space, with no other `#` after it.
fn split_hash_comment(value: &str) -> (&str, Option<String>) {
    if let Some(pos) = value.rfind('#') {
        let before = &value[..pos];
        if before.ends_with([' ', '\t']) && !before.trim().is_empty() {
            return (before.trim_end(), Some(value[pos..].trim().to_string()));
        }
    }
    (value, None)
}

fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !rest.contains(char::is_whitespace)
}

/// At least `min` hex digits, then the end or a non-word character.
fn starts_with_hex(value: &str, min: usize) -> bool {
    let hex = value.bytes().take_while(u8::is_ascii_hexdigit).count();
    hex >= min
        && value
            .as_bytes()
            .get(hex)
            .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_')
}

/// Read `Name <addr>`, `"Last, First" <addr>`, `<addr>`, `addr`,
/// `addr (Name)` and `Name <addr<mailto:addr>>`. Returns the person, the
/// value normalised to `Name <addr>` (name as written, quotes kept) or
/// `addr`, and whatever followed the address.
fn parse_person(value: &str) -> Option<(Person, String, Option<String>)> {
    let value = value.trim();
    if let Some(lt) = value.find('<') {
        let name_raw = value[..lt].trim();
        // Find the `>` that closes this `<`, counting nested `<mailto:...>`.
        let mut depth = 0usize;
        let mut close = None;
        for (i, c) in value[lt..].char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        close = Some(lt + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner_end = close.unwrap_or(value.len());
        let inner = &value[lt + 1..inner_end];
        let addr_raw = inner.split(['<', '>']).next().unwrap_or("").trim();
        let addr_raw = strip_mailto(addr_raw);
        if !is_address(addr_raw) {
            return None;
        }
        let rest = close.map_or("", |c| value[c + 1..].trim());
        let comment = (!rest.is_empty()).then(|| rest.to_string());
        let normalized = if name_raw.is_empty() {
            addr_raw.to_string()
        } else {
            format!("{name_raw} <{addr_raw}>")
        };
        let person = Person {
            name: unquote(name_raw),
            addr: addr_raw.to_lowercase(),
        };
        return Some((person, normalized, comment));
    }

    // No angle brackets: a bare address somewhere in the value.
    let words: Vec<&str> = value.split_whitespace().collect();
    let at = words.iter().position(|w| w.contains('@'))?;
    let addr_raw = strip_mailto(
        words[at]
            .trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '\'' | '(' | ')' | '[' | ']')),
    );
    if !is_address(addr_raw) {
        return None;
    }
    let before = words[..at].join(" ");
    let after = words[at + 1..].join(" ");
    let (name_raw, comment) =
        if before.is_empty() && after.starts_with('(') && after.ends_with(')') && after.len() > 2 {
            // Old RFC 822 style: `addr (Name)`.
            (after[1..after.len() - 1].trim().to_string(), None)
        } else {
            (before, (!after.is_empty()).then_some(after))
        };
    let normalized = if name_raw.is_empty() {
        addr_raw.to_string()
    } else {
        format!("{name_raw} <{addr_raw}>")
    };
    let person = Person {
        name: unquote(&name_raw),
        addr: addr_raw.to_lowercase(),
    };
    Some((person, normalized, comment))
}

fn strip_mailto(s: &str) -> &str {
    match s.get(..7) {
        Some(head) if head.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    }
}

/// A plausible address: one `@`, a local part and a domain, no white space
/// and none of the characters that delimit addresses.
fn is_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

/// A display name without the quotes around it (`"Doe, Jane"` -> `Doe, Jane`).
fn unquote(name: &str) -> String {
    let name = name.trim();
    if name.len() >= 2 && name.starts_with('"') && name.ends_with('"') {
        name[1..name.len() - 1]
            .replace("\\\"", "\"")
            .trim()
            .to_string()
    } else {
        name.to_string()
    }
}

/// Where the log message ends, as a line index: git's
/// `find_end_of_log_message`. The first `---` divider line (followed by
/// white space or a newline) ends it; then a trailing run of empty lines,
/// `#` comment lines and an old-style `Conflicts:` block is ignored, and so
/// is everything from a scissors line on.
fn end_of_log_message(lines: &[&str]) -> usize {
    // interpret-trailers completes a missing final newline, so a last line
    // of `---` is a divider too.
    let mut end = lines
        .iter()
        .position(|l| {
            l.strip_prefix("---")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
        })
        .unwrap_or(lines.len());
    // `split('\n')` leaves the text after the last newline as a last line:
    // empty when the text ends with a newline, and then not a line at all.
    if end == lines.len() && lines.last().is_some_and(|l| l.is_empty()) {
        end -= 1;
    }
    let cutoff = lines[..end]
        .iter()
        .position(|l| *l == "# ------------------------ >8 ------------------------")
        .unwrap_or(end);

    // git's ignored_log_message_bytes. `boc` 0 means "no run" there, so a
    // run that starts at the very first line is not ignored: kept as is.
    let mut boc = 0usize;
    let mut in_conflicts = false;
    for (i, line) in lines[..cutoff].iter().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            if boc == 0 {
                boc = i;
            }
        } else if *line == "Conflicts:" {
            in_conflicts = true;
            if boc == 0 {
                boc = i;
            }
        } else if in_conflicts && line.starts_with('\t') {
            // a path in the conflicts block
        } else if boc != 0 {
            boc = 0;
            in_conflicts = false;
        }
    }
    if boc != 0 { boc } else { cutoff }
}

/// git's `find_trailer_block_start`, on lines: the index of the first line
/// of the trailer block, or `None`.
fn trailer_block_start(lines: &[&str]) -> Option<usize> {
    // The first paragraph is the title: skip to the first blank line.
    let end_of_title = lines
        .iter()
        .position(|l| !l.starts_with('#') && is_blank(l))
        .unwrap_or(lines.len());

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    let mut possible_continuation_lines = 0usize;
    for l in (end_of_title..lines.len()).rev() {
        let line = lines[l];
        if line.starts_with('#') {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank(line) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            if (recognized_prefix && trailer_lines * 3 >= non_trailer_lines)
                || (trailer_lines > 0 && non_trailer_lines == 0)
            {
                return Some(l + 1);
            }
            return None;
        }
        only_spaces = false;
        if line.starts_with("Signed-off-by: ") || line.starts_with("(cherry picked from commit ") {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
            continue;
        }
        let starts_blank = line.starts_with([' ', '\t']);
        if !starts_blank && split_git_trailer(line).is_some() {
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if starts_blank {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }
    None
}

#[cfg(test)]
mod b4_samples;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// What `git interpret-trailers --parse` prints for `msg`, one trailer a
    /// line, run hermetically (no user or system config, outside any repo).
    /// `None` when git cannot be run.
    fn git_parse(msg: &str) -> Option<Vec<String>> {
        let dir = tempfile::tempdir().ok()?;
        let mut child = Command::new("git")
            .args(["interpret-trailers", "--parse"])
            .current_dir(dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        child.stdin.take()?.write_all(msg.as_bytes()).ok()?;
        let out = child.wait_with_output().ok()?;
        if !out.status.success() {
            return None;
        }
        Some(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.trim_end().to_string())
                .collect(),
        )
    }

    fn ours_raw(msg: &str) -> Vec<String> {
        git_trailer_block(msg)
            .into_iter()
            .filter_map(|item| match item {
                BlockLine::Trailer { key, value } => {
                    Some(format!("{key}: {value}").trim_end().to_string())
                }
                BlockLine::Other(_) => None,
            })
            .collect()
    }

    /// Lines that exercise git's trailer-block rules.
    fn message_like() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            Just(String::new()),
            Just("Signed-off-by: A U Thor <a@example.com>".to_string()),
            Just("Signed-off-by:A".to_string()),
            Just("Reviewed-by: R <r@example.com>".to_string()),
            Just("Foo: bar".to_string()),
            Just("Foo : bar".to_string()),
            Just("Foo bar: baz".to_string()),
            Just("Key:".to_string()),
            Just("free text".to_string()),
            Just("  continued".to_string()),
            Just("\tcontinued too".to_string()),
            Just("   ".to_string()),
            Just("#comment".to_string()),
            Just("---".to_string()),
            Just("--- a/x".to_string()),
            Just("----".to_string()),
            Just("Conflicts:".to_string()),
            Just("\tpath/to/file".to_string()),
            Just("(cherry picked from commit 0123abcd)".to_string()),
            Just("https://example.com/x".to_string()),
            Just("[for the foo part]".to_string()),
            Just("<a@example.com>".to_string()),
            "[A-Za-z0-9 :#<>@-]{0,20}",
        ];
        (prop::collection::vec(line, 0..16), any::<bool>()).prop_map(|(lines, newline)| {
            let mut s = lines.join("\n");
            if newline {
                s.push('\n');
            }
            s
        })
    }

    #[test]
    fn block_matches_git_on_examples() {
        let examples = [
            "subject\n\nbody\n\nSigned-off-by: A <a@b.c>\n",
            "subject\n\nSigned-off-by: A <a@b.c>\n  folded\n more\nNot a trailer\n",
            "subject\n\nSigned-off-by: A <a@b.c>  \n a \n \n  continued\n",
            "subject\n\nFoo: bar\n---\nBaz: qux\n",
            "subject\n\nFoo: bar\n#comment\n\n",
            "subject\n\nFoo: bar\nConflicts:\n\tfile\n",
            "subject\n\nx\ny\nz\nSigned-off-by: A\n",
            "subject\n\nw\nx\ny\nz\nSigned-off-by: A\n",
            "subject\n\nhttps://example.com\nLink: https://example.com\n",
        ];
        for msg in examples {
            let Some(git) = git_parse(msg) else {
                eprintln!("skipping: git interpret-trailers not available");
                return;
            };
            assert_eq!(ours_raw(msg), git, "message {msg:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn block_matches_git(msg in message_like()) {
            if let Some(git) = git_parse(&msg) {
                prop_assert_eq!(ours_raw(&msg), git, "message {:?}", msg);
            }
        }
    }

    fn names_values(trs: &[Trailer]) -> Vec<(String, String)> {
        trs.iter()
            .map(|t| (t.name.clone(), t.value.clone()))
            .collect()
    }

    #[test]
    fn kinds_and_names() {
        assert_eq!(
            TrailerKind::from_name("reviewed-by"),
            TrailerKind::ReviewedBy
        );
        assert_eq!(TrailerKind::from_name("NAKed-by"), TrailerKind::NackedBy);
        assert_eq!(TrailerKind::from_name("NAK"), TrailerKind::NackedBy);
        assert_eq!(TrailerKind::from_name("Requested-by"), TrailerKind::Other);
        assert_eq!(
            TrailerKind::CoDevelopedBy.canonical_name(),
            "Co-developed-by"
        );
        assert!(TrailerKind::Cc.is_person());
        assert!(!TrailerKind::Link.is_person());
        assert!(!TrailerKind::Other.is_person());
    }

    #[test]
    fn follow_up_basics() {
        let body = "On Mon, Foo wrote:\n\
                    > Reviewed-by: Quoted <q@example.com>\n\
                    >> > Acked-by: Deep <d@example.com>\n\
                    \n\
                    Looks good.\n\
                    Note: this is not a trailer\n\
                    reviewed-by: Low Case <low@example.com>\n\
                    \x20 Tested-by: Indented <ind@example.com> # on arm64\n\
                    Acked-by: no address here\n\
                    Link: not a url\n\
                    Fixes: ?\n\
                    Fixes: 12345 too short\n\
                    Fixes: abcdef012345 (\"a subject\")\n\
                    Requested-by: Some One <one@example.com>\n\
                    \n\
                    -- \n\
                    Reviewed-by: After Sig <sig@example.com>\n";
        let got = parse_trailers(body);
        assert_eq!(
            names_values(&got),
            vec![
                ("reviewed-by".into(), "Low Case <low@example.com>".into()),
                ("Tested-by".into(), "Indented <ind@example.com>".into()),
                ("Fixes".into(), "abcdef012345 (\"a subject\")".into()),
                ("Requested-by".into(), "Some One <one@example.com>".into()),
            ]
        );
        assert_eq!(got[1].comment.as_deref(), Some("# on arm64"));
        assert_eq!(got[3].kind, TrailerKind::Other);
        assert_eq!(
            got[0].person,
            Some(Person {
                name: "Low Case".into(),
                addr: "low@example.com".into()
            })
        );
    }

    #[test]
    fn bare_dash_dash_is_a_signature() {
        let got =
            parse_trailers("Acked-by: A <a@example.com>\n--\nReviewed-by: B <b@example.com>\n");
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn stops_at_diff() {
        let body = "Fix it.\n\nSigned-off-by: A <a@example.com>\n---\n\
                    Reviewed-by: Notes <n@example.com>\n";
        assert_eq!(parse_trailers(body).len(), 1);
        let body = "Fix it.\n\nSigned-off-by: A <a@example.com>\n\n\
                    --- a/x\n+++ b/x\n@@ -1 +1 @@\n+Acked-by: In Diff <d@example.com>\n";
        assert_eq!(parse_trailers(body).len(), 1);
        let body = "Fix it.\nSigned-off-by: A <a@example.com>\ndiff --git a/x b/x\n\
                    +Acked-by: In Diff <d@example.com>\n";
        assert_eq!(parse_trailers(body).len(), 1);
    }

    #[test]
    fn text_after_an_inline_diff_counts_again() {
        let body = "> the patch\n\nSomething like this on top:\n\n\
                    diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n\
                    @@ -1,3 +1,2 @@\n Signed-off-by: Context <ctx@example.com>\n\
                    -Acked-by: Removed <rm@example.com>\n\n \"\"\"\n\n\
                    Reviewed-by: Reviewer <rev@example.com>\n\nThanks\n";
        assert_eq!(
            names_values(&parse_trailers(body)),
            vec![("Reviewed-by".into(), "Reviewer <rev@example.com>".into())]
        );
    }

    #[test]
    fn person_forms() {
        let cases = [
            (
                "A B <ab@example.com>",
                "A B",
                "ab@example.com",
                "A B <ab@example.com>",
            ),
            (
                "<bare@example.com>",
                "",
                "bare@example.com",
                "bare@example.com",
            ),
            (
                "bare@example.com",
                "",
                "bare@example.com",
                "bare@example.com",
            ),
            (
                "\"Doe, Jane\" <jane@example.com>",
                "Doe, Jane",
                "jane@example.com",
                "\"Doe, Jane\" <jane@example.com>",
            ),
            (
                "Jane \"JD\" Doe <JD@Example.com>",
                "Jane \"JD\" Doe",
                "jd@example.com",
                "Jane \"JD\" Doe <JD@Example.com>",
            ),
            (
                "Dev Foo (EXAMPLECORP) <dev@example.com>",
                "Dev Foo (EXAMPLECORP)",
                "dev@example.com",
                "Dev Foo (EXAMPLECORP) <dev@example.com>",
            ),
            (
                "HTML Junker <html-junker@example.com<mailto:html-junker@example.com>>",
                "HTML Junker",
                "html-junker@example.com",
                "HTML Junker <html-junker@example.com>",
            ),
            (
                "foo@example.com (Foo Bar)",
                "Foo Bar",
                "foo@example.com",
                "Foo Bar <foo@example.com>",
            ),
            (
                "<mailto:m@example.com>",
                "",
                "m@example.com",
                "m@example.com",
            ),
        ];
        for (input, name, addr, value) in cases {
            let (p, v, _) = parse_person(input).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(p.name, name, "{input}");
            assert_eq!(p.addr, addr, "{input}");
            assert_eq!(v, value, "{input}");
        }
        for bad in [
            "Foo Bar",
            "<>",
            "Foo <foo@>",
            "Foo <@example.com>",
            "a@b@c",
            "",
        ] {
            assert!(parse_person(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn cc_with_comment() {
        let got = parse_trailers("Cc: stable@vger.kernel.org # 5.10.x\n");
        assert_eq!(got[0].kind, TrailerKind::Cc);
        assert_eq!(got[0].value, "stable@vger.kernel.org");
        assert_eq!(got[0].comment.as_deref(), Some("# 5.10.x"));
    }

    #[test]
    fn link_and_closes() {
        let got = parse_trailers(
            "Link: https://lore.kernel.org/r/x@y  # v1\nCloses: <https://bugzilla.kernel.org/1>\n",
        );
        assert_eq!(names_values(&got)[0].1, "https://lore.kernel.org/r/x@y");
        assert_eq!(got[0].comment.as_deref(), Some("# v1"));
        assert_eq!(names_values(&got)[1].1, "https://bugzilla.kernel.org/1");
    }

    #[test]
    fn fixes_validation_follows_b4() {
        let got = |s: &str| names_values(&parse_trailers(s));
        assert_eq!(
            got("Reviewed-by: Foo Bar <foo@example.com>\nFixes: abcdef012345 (\"This is the commit subject\")\n")[1].1,
            "abcdef012345 (\"This is the commit subject\")"
        );
        let sha256 = format!("Fixes: {} (\"SHA-256 commit subject\")\n", "a".repeat(64));
        assert_eq!(got(&sha256).len(), 1);
        assert!(got("Fixes: ?\n").is_empty());
        assert!(got("Fixes: some description with no hash\n").is_empty());
        assert_eq!(got("Fixes: abcdef012345\n")[0].1, "abcdef012345");
        assert!(got("Fixes: abcdefgh\n").is_empty());
    }

    #[test]
    fn wrapped_trailers_are_joined() {
        let got = parse_trailers(
            "Fixes: abcdef012345 (\"a long\n  subject\")\n\
             Signed-off-by: Wrapped Persontrailer\n<broken@example.com>\n",
        );
        assert_eq!(
            names_values(&got),
            vec![
                ("Fixes".into(), "abcdef012345 (\"a long subject\")".into()),
                (
                    "Signed-off-by".into(),
                    "Wrapped Persontrailer <broken@example.com>".into()
                ),
            ]
        );
    }

    #[test]
    fn matching_rules() {
        let p = Person {
            name: "Jane Doe".into(),
            addr: "jane@example.com".into(),
        };
        assert!(p.matches("Whoever", "JANE@example.com"));
        assert!(p.matches("Whoever", "<jane@example.com>"));
        assert!(p.matches("Whoever", "jane+kernel@example.com"));
        assert!(p.matches("Whoever", "jane@mail.example.com"));
        assert!(!p.matches("Whoever", "jane@a.b.example.com"));
        assert!(!p.matches("Whoever", "john@example.com"));
        assert!(p.matches("Jane Doe", "jd@elsewhere.org"));
        assert!(p.matches("jane doe", "jd@elsewhere.org"));
        assert!(p.matches("Doe, Jane", "jd@elsewhere.org"));
        assert!(!p.matches("Jane Do", "jd@elsewhere.org"));
        let nameless = Person {
            name: String::new(),
            addr: "x@example.com".into(),
        };
        assert!(!nameless.matches("", "y@example.com"));
    }

    #[test]
    fn commit_message_block() {
        let msg = "kbuild: fix\n\nBody text.\nMore: body\n\n\
                   Reported-by: R <r@example.com>\n\
                   Change-Id: I1234\n\
                   Link: https://example.com/x\n\
                   Tested-by: T <t@example.com>\n  [on arm64]\n\
                   Signed-off-by: S\n<s@example.com>\n---\n\
                   v2: changes\nAcked-by: not <me@example.com>\n";
        let got = commit_message_trailers(msg);
        assert_eq!(
            names_values(&got),
            vec![
                ("Reported-by".into(), "R <r@example.com>".into()),
                ("Change-Id".into(), "I1234".into()),
                ("Link".into(), "https://example.com/x".into()),
                ("Tested-by".into(), "T <t@example.com>".into()),
                ("Signed-off-by".into(), "S <s@example.com>".into()),
            ]
        );
        assert_eq!(got[3].comment.as_deref(), Some("[on arm64]"));
        assert_eq!(got[1].kind, TrailerKind::Other);
    }

    #[test]
    fn commit_message_without_block() {
        assert!(commit_message_trailers("subject only").is_empty());
        assert!(
            commit_message_trailers(
                "subject\n\nSigned-off-by: A <a@b.c>\nsome prose\nmore prose\nand more\nand more\n"
            )
            .is_empty()
        );
        // The title is never a trailer block.
        assert!(commit_message_trailers("Fixes: abc\n").is_empty());
        // A block of only trailers needs no Signed-off-by.
        assert_eq!(commit_message_trailers("t\n\nFoo: bar\n").len(), 1);
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = parse_trailers(&s);
            let _ = commit_message_trailers(&s);
        }

        #[test]
        fn found_person_trailers_have_addresses(s in "(([A-Za-z-]{1,12}: )?[ -~<>@\\n]{0,30}\\n){0,8}") {
            for t in parse_trailers(&s) {
                if t.kind.is_person() {
                    prop_assert!(t.person.is_some());
                }
                prop_assert!(!t.value.is_empty());
            }
        }
    }
}
