//! Answering mail from putt: compose a reply the way mutt does (`r` to the
//! sender, `g` to all, `L` to the list), add a review trailer in one step,
//! keep drafts safe on disk, and hand the result to the user's sendmail.
//!
//! A reviewer's `Reviewed-by:` only counts once it is in the list archive,
//! threaded under the right mail, so what matters here is mail that threads
//! (In-Reply-To/References), reaches the list (group reply), and is valid
//! RFC 5322 whatever the original held: nothing taken from someone else's
//! mail can add a header to ours. The UI (CLI prompt or TUI) is not here:
//! callers get a [`Draft`], save it with [`Drafts`], run [`edit`], ask the
//! user an [`AfterEdit`] question, and call [`send_draft`].

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};

use chrono::{DateTime, FixedOffset};
use mail_parser::{HeaderForm, HeaderName, HeaderValue, MessageParser};
use serde::Serialize;

use crate::config::{Identity, SendConfig};
use crate::error::{Error, Result};
use crate::index::Index;
use crate::mail::{Addr, Message, msg_ids, normalize_message_id};
use crate::trailers::TrailerKind;

mod drafts;
pub use putt_core::encode;
mod send;

pub use drafts::{DraftInfo, Drafts, edit, edit_with, editor_command, send_draft};
pub use send::{SendOptions, SendOutcome, append_mbox, mbox_entry, send};

use encode::{Charset, clean, valid_addr, valid_header_name, valid_msg_id};

/// A References header keeps the first id and this many of the last: long
/// threads would otherwise grow it past what servers accept.
const MAX_REFERENCES: usize = 40;
/// Lines of the original quoted above a one-key review trailer.
const EXCERPT_LINES: usize = 10;

/// Who a reply goes to: mutt's `r`, `g` and `L`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `r`: the sender (its Reply-To when set).
    Sender,
    /// `g`: the sender, everyone else in Cc, yourself left out.
    All,
    /// `L`: the mailing list only.
    List,
}

impl Mode {
    /// mutt's key for this mode.
    pub fn key(self) -> char {
        match self {
            Mode::Sender => 'r',
            Mode::All => 'g',
            Mode::List => 'L',
        }
    }
}

/// The review trailers one key can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Review {
    ReviewedBy,
    AckedBy,
    TestedBy,
}

impl Review {
    /// In menu order.
    pub const ALL: [Review; 3] = [Review::ReviewedBy, Review::AckedBy, Review::TestedBy];

    pub fn kind(self) -> TrailerKind {
        match self {
            Review::ReviewedBy => TrailerKind::ReviewedBy,
            Review::AckedBy => TrailerKind::AckedBy,
            Review::TestedBy => TrailerKind::TestedBy,
        }
    }

    /// `Reviewed-by`.
    pub fn name(self) -> &'static str {
        self.kind().canonical_name()
    }

    /// The key that picks it in a menu.
    pub fn key(self) -> char {
        match self {
            Review::ReviewedBy => 'r',
            Review::AckedBy => 'a',
            Review::TestedBy => 't',
        }
    }

    /// `reviewed-by`, `Reviewed-by`, `reviewed`, `r` ... (any case).
    pub fn parse(s: &str) -> Option<Review> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_suffix(':').unwrap_or(&s);
        Review::ALL.into_iter().find(|r| {
            let name = r.name().to_ascii_lowercase();
            s == name
                || Some(s) == name.strip_suffix("-by")
                || s.len() == 1 && s.starts_with(r.key())
        })
    }

    /// `Reviewed-by: Name <addr>` for this identity.
    pub fn line(self, identity: &Identity) -> String {
        let name = clean(&identity.name);
        let email = clean(&identity.email);
        if name.is_empty() {
            format!("{}: {email}", self.name())
        } else {
            format!("{}: {name} <{email}>", self.name())
        }
    }
}

impl std::str::FromStr for Review {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Review, String> {
        Review::parse(s).ok_or_else(|| format!("`{s}`: use reviewed-by, acked-by or tested-by"))
    }
}

/// What to do with a draft after the editor closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AfterEdit {
    Send,
    Edit,
    /// Keep it in the drafts folder for later.
    Postpone,
    Discard,
}

impl AfterEdit {
    pub const ALL: [AfterEdit; 4] = [
        AfterEdit::Send,
        AfterEdit::Edit,
        AfterEdit::Postpone,
        AfterEdit::Discard,
    ];

    /// mutt's keys: `y` send, `e` edit, `p` postpone, and `d` discard.
    pub fn key(self) -> char {
        match self {
            AfterEdit::Send => 'y',
            AfterEdit::Edit => 'e',
            AfterEdit::Postpone => 'p',
            AfterEdit::Discard => 'd',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AfterEdit::Send => "send",
            AfterEdit::Edit => "edit again",
            AfterEdit::Postpone => "keep as draft",
            AfterEdit::Discard => "discard",
        }
    }

    pub fn from_key(c: char) -> Option<AfterEdit> {
        AfterEdit::ALL.into_iter().find(|a| a.key() == c)
    }

    /// `y: send, e: edit again, p: keep as draft, d: discard`.
    pub fn prompt() -> String {
        AfterEdit::ALL
            .iter()
            .map(|a| format!("{}: {}", a.key(), a.label()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a new mail is stamped with. Tests pin both; the binary uses the
/// clock and fresh randomness.
#[derive(Debug, Clone)]
pub struct ComposeOptions {
    /// The `Date:` of the reply.
    pub now: DateTime<FixedOffset>,
    /// Seeds the random part of the Message-ID; `None` draws a fresh one.
    /// Replies to different mails still get different ids under one seed.
    pub id_seed: Option<u64>,
    /// Domain of new Message-IDs; `None`: the domain of the identity's email.
    pub message_id_domain: Option<String>,
}

impl ComposeOptions {
    /// Now, in the local time zone, with a random Message-ID.
    pub fn now() -> ComposeOptions {
        ComposeOptions {
            now: chrono::Local::now().fixed_offset(),
            id_seed: None,
            message_id_domain: None,
        }
    }

    /// A fixed time (unix seconds, UTC) and Message-ID seed.
    pub fn pinned(unix: i64, seed: u64) -> ComposeOptions {
        ComposeOptions {
            now: DateTime::from_timestamp(unix, 0)
                .unwrap_or_default()
                .fixed_offset(),
            id_seed: Some(seed),
            message_id_domain: None,
        }
    }

    /// Takes the Message-ID domain from `[send]`.
    pub fn with_send_config(mut self, send: &SendConfig) -> ComposeOptions {
        if send.message_id_domain.is_some() {
            self.message_id_domain = send.message_id_domain.clone();
        }
        self
    }
}

/// What a one-key review reply quotes of the original.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Excerpt {
    attribution: String,
    lines: Vec<String>,
    truncated: bool,
    /// The original is a cover letter: the trailer is for the whole series.
    cover: bool,
}

/// A mail being written: the structured headers and the body text. Build
/// one with [`compose`] (or [`Draft::parse`] from an edited file); write it
/// with [`Draft::to_bytes`] (for sending) or [`Draft::to_editable`] (for the
/// editor and the drafts folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    pub from: Addr,
    pub to: Vec<Addr>,
    pub cc: Vec<Addr>,
    pub subject: String,
    #[serde(serialize_with = "rfc2822")]
    pub date: DateTime<FixedOffset>,
    /// Without angle brackets.
    pub message_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// Oldest first, without angle brackets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Other headers written in the editor (`Bcc:`, `X-...:`), kept in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_headers: Vec<(String, String)>,
    pub body: String,
    /// What composing left out of the original, and why (a recipient whose
    /// address could not be written safely, a Message-ID that was missing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip)]
    excerpt: Option<Excerpt>,
}

fn rfc2822<S: serde::Serializer>(d: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_rfc2822())
}

/// Headers [`Draft::parse`] reads into fields or that [`Draft::to_bytes`]
/// writes itself; any other header of an edited draft is kept as is.
const OWN_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "user-agent",
];

/// A reply to `original` (raw mail bytes) from `identity`.
///
/// Recipients follow mutt: Reply-To stands for the sender when set; a
/// reply to your own mail goes to its recipients; `All` honours
/// Mail-Followup-To; `List` uses Mail-Followup-To, List-Post, or the
/// recipient whose address matches List-Id (vger's `list@host` ↔
/// `list.host`). Your addresses (email and alternates) are never in Cc.
/// The body is an attribution line and the whole original quoted with `> `,
/// so a patch can be answered inline.
pub fn compose(
    original: &[u8],
    mode: Mode,
    identity: &Identity,
    opts: &ComposeOptions,
) -> Result<Draft> {
    let msg = Message::parse(original);
    let full = MessageParser::default().parse(original);
    let mut warnings = Vec::new();

    let me: HashSet<String> = std::iter::once(&identity.email)
        .chain(identity.alternates.iter())
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    let is_me = |a: &Addr| me.contains(&a.addr.to_ascii_lowercase());

    let header_addrs = |name: HeaderName<'static>| -> Vec<Addr> {
        full.as_ref()
            .map(|m| {
                addresses(
                    m.headers()
                        .iter()
                        .filter(|h| h.name == name)
                        .map(|h| &h.value),
                )
            })
            .unwrap_or_default()
    };
    let reply_to = header_addrs(HeaderName::ReplyTo);
    // Not a header mail-parser knows: ask for it as addresses.
    let followup = full
        .as_ref()
        .map(|m| {
            addresses(
                m.header_as("Mail-Followup-To", HeaderForm::Addresses)
                    .iter(),
            )
        })
        .unwrap_or_default();

    let author = if reply_to.is_empty() {
        vec![msg.from.clone()]
    } else {
        reply_to
    };
    let from_me = is_me(&msg.from);
    let (to, cc) = match mode {
        Mode::Sender if from_me => (msg.to.clone(), Vec::new()),
        Mode::Sender => (author, Vec::new()),
        Mode::All if !followup.is_empty() => (followup, Vec::new()),
        Mode::All if from_me => (msg.to.clone(), msg.cc.clone()),
        Mode::All => (author, msg.to.iter().chain(&msg.cc).cloned().collect()),
        Mode::List => (list_addresses(&msg, full.as_ref(), followup)?, Vec::new()),
    };

    // Keep writable addresses, each once, yourself out (but a reply to your
    // own mail sent only to yourself still goes somewhere).
    let mut seen = HashSet::new();
    let mut keep = |list: Vec<Addr>, field: &str, warnings: &mut Vec<String>| -> Vec<Addr> {
        let mut out = Vec::new();
        for a in list {
            let a = Addr {
                name: clean(&a.name).chars().take(200).collect(),
                addr: a.addr.trim().to_string(),
            };
            if !valid_addr(&a.addr) {
                if !a.addr.is_empty() || !a.name.is_empty() {
                    warnings.push(format!(
                        "{field}: left out `{}`: not a mail address",
                        crate::text::sanitize_line(&a.display())
                    ));
                }
                continue;
            }
            if seen.insert(a.addr.to_ascii_lowercase()) {
                out.push(a);
            }
        }
        out
    };
    let mut to = keep(to, "To", &mut warnings);
    let mut cc = keep(cc, "Cc", &mut warnings);
    if to.iter().any(|a| !is_me(a)) {
        to.retain(|a| !is_me(a));
    }
    cc.retain(|a| !is_me(a));
    if to.is_empty() {
        if cc.is_empty() {
            return Err(Error::NoReplyAddress {
                message_id: msg.message_id.clone(),
            });
        }
        to.push(cc.remove(0));
    }

    let synthesized = msg.problems.contains(&"no Message-ID") || !valid_msg_id(&msg.message_id);
    let in_reply_to = if synthesized {
        warnings.push("the original has no usable Message-ID: the reply will not thread".into());
        None
    } else {
        Some(msg.message_id.clone())
    };
    let mut references: Vec<String> = if msg.references.is_empty() {
        msg.in_reply_to.iter().cloned().collect()
    } else {
        msg.references.clone()
    };
    references.extend(in_reply_to.iter().cloned());
    let mut seen_ids = HashSet::new();
    references.retain(|id| valid_msg_id(id) && seen_ids.insert(id.clone()));
    if references.len() > MAX_REFERENCES {
        let tail = references.split_off(references.len() - (MAX_REFERENCES - 1));
        references.truncate(1);
        references.extend(tail);
    }

    let date = full.as_ref().and_then(|m| m.date()).and_then(to_chrono);
    let who = if msg.from.name.is_empty() {
        clean(&msg.from.addr)
    } else {
        clean(&msg.from.name)
    };
    let attribution = attribution(date, &who);
    let body = format!("{attribution}\n{}\n", quote(&msg.body));

    let info = &msg.subject_info;
    let cover = info.patch && info.counter == 0 && !info.counter_inferred;
    let (lines, truncated) = excerpt(&msg.body);

    let message_id = new_message_id(identity, opts, &msg.message_id)?;
    Ok(Draft {
        from: Addr {
            name: clean(&identity.name),
            addr: identity.email.trim().to_string(),
        },
        to,
        cc,
        subject: reply_subject(&msg.subject),
        date: opts.now,
        message_id,
        in_reply_to,
        references,
        extra_headers: Vec::new(),
        body,
        warnings,
        excerpt: Some(Excerpt {
            attribution,
            lines,
            truncated,
            cover,
        }),
    })
}

/// `Re: ` once before the subject, whatever reply markers it had.
pub fn reply_subject(subject: &str) -> String {
    let s = clean(subject);
    let rest = crate::subject::strip_reply_markers(&s);
    if rest.is_empty() {
        "Re:".into()
    } else {
        format!("Re: {rest}")
    }
}

/// "On Mon, Mar 04, 2024 at 09:00:00AM +0000, Alice wrote:", the date in
/// the sender's own time zone as mutt writes it.
fn attribution(date: Option<DateTime<FixedOffset>>, who: &str) -> String {
    let who = if who.is_empty() { "someone" } else { who };
    match date {
        Some(d) => format!(
            "On {}, {who} wrote:",
            d.format("%a, %b %d, %Y at %I:%M:%S%p %z")
        ),
        None => format!("{who} wrote:"),
    }
}

/// Every line with `> ` in front (`>` alone on empty lines, so quoting adds
/// no trailing white space), trailing blank lines dropped.
fn quote(body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\0', "");
    let mut out = String::with_capacity(body.len() + body.len() / 16);
    for line in body.trim_end().split('\n') {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.pop();
    out
}

/// The start of what the author wrote, for a short quote over a trailer:
/// the commit message (or cover text) before `---`, a signature or a diff,
/// without its closing block of trailers, at most [`EXCERPT_LINES`] lines.
fn excerpt(body: &str) -> (Vec<String>, bool) {
    let mut lines: Vec<&str> = Vec::new();
    for line in body.lines() {
        let t = line.trim_end();
        if t == "---"
            || t == "--"
            || line == "-- "
            || t.starts_with("diff --git ")
            || is_shortlog_head(t)
        {
            break;
        }
        lines.push(t);
    }
    while lines.first().is_some_and(|l| l.is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    // Drop the closing Signed-off-by block: quoted, it only adds noise.
    let para_start = lines
        .iter()
        .rposition(|l| l.is_empty())
        .map_or(0, |i| i + 1);
    let last_para = lines[para_start..].join("\n");
    if para_start > 0
        && !last_para.is_empty()
        && crate::trailers::parse_trailers(&last_para).len() == lines.len() - para_start
    {
        lines.truncate(para_start);
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
    }
    let truncated = lines.len() > EXCERPT_LINES;
    lines.truncate(EXCERPT_LINES);
    (lines.into_iter().map(str::to_string).collect(), truncated)
}

/// `Alice Developer (3):`, where a cover letter's list of patches starts:
/// the reviewer has just answered those, no need to quote them back.
fn is_shortlog_head(line: &str) -> bool {
    line.strip_suffix("):")
        .and_then(|l| l.rsplit_once(" ("))
        .is_some_and(|(name, n)| {
            !name.trim().is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Where `L` sends: Mail-Followup-To, else List-Post's mailto, else the
/// recipient that List-Id names.
fn list_addresses(
    msg: &Message,
    full: Option<&mail_parser::Message<'_>>,
    followup: Vec<Addr>,
) -> Result<Vec<Addr>> {
    if !followup.is_empty() {
        return Ok(followup);
    }
    if let Some(post) = full.and_then(|m| m.header_raw("List-Post")) {
        for part in post.split(['<', '>', ',']) {
            let part = part.trim();
            if let Some(rest) = part.get(..7).filter(|p| p.eq_ignore_ascii_case("mailto:")) {
                let addr = part[rest.len()..].split('?').next().unwrap_or_default();
                if valid_addr(addr) {
                    return Ok(vec![Addr {
                        name: String::new(),
                        addr: addr.to_ascii_lowercase(),
                    }]);
                }
            }
        }
    }
    if let Some(id) = &msg.list_id {
        let found: Vec<Addr> = msg
            .to
            .iter()
            .chain(&msg.cc)
            .filter(|a| a.addr.replacen('@', ".", 1) == *id)
            .cloned()
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Err(Error::NoListAddress {
        message_id: msg.message_id.clone(),
    })
}

/// The mailboxes of address headers, groups flattened.
fn addresses<'a>(values: impl Iterator<Item = &'a HeaderValue<'a>>) -> Vec<Addr> {
    let mut out = Vec::new();
    for v in values {
        if let HeaderValue::Address(a) = v {
            for one in a.iter() {
                out.push(Addr {
                    name: one.name().map(clean).unwrap_or_default(),
                    addr: one.address().map(str::trim).unwrap_or_default().to_string(),
                });
            }
        }
    }
    out
}

fn to_chrono(d: &mail_parser::DateTime) -> Option<DateTime<FixedOffset>> {
    if !d.is_valid() {
        return None;
    }
    let secs = i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60;
    let offset = FixedOffset::east_opt(if d.tz_before_gmt { -secs } else { secs })?;
    Some(DateTime::from_timestamp(d.to_timestamp(), 0)?.with_timezone(&offset))
}

/// `20240304090000.5f0c1d2e3a4b6978@example.org`: the time, 64 random bits
/// (or, pinned, bits derived from the seed and the mail answered), and the
/// configured domain.
fn new_message_id(identity: &Identity, opts: &ComposeOptions, salt: &str) -> Result<String> {
    let domain = match &opts.message_id_domain {
        Some(d) => d.trim().to_string(),
        None => identity
            .email
            .rsplit_once('@')
            .map(|(_, d)| d.trim().to_string())
            .unwrap_or_default(),
    };
    let ok = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !ok {
        return Err(Error::BadMessageIdDomain {
            domain: domain.escape_debug().to_string(),
        });
    }
    let bits = match opts.id_seed {
        Some(seed) => {
            let mut h = Fnv(0xcbf2_9ce4_8422_2325);
            h.write(salt.as_bytes());
            splitmix(seed ^ h.finish())
        }
        None => random_u64(),
    };
    let stamp = opts.now.with_timezone(&chrono::Utc).format("%Y%m%d%H%M%S");
    Ok(format!("{stamp}.{bits:016x}@{domain}"))
}

/// 64 bits that differ between calls and processes: std's hasher keys are
/// random per process, mixed with the time and a counter. Uniqueness is all
/// a Message-ID needs; no cryptographic strength is claimed.
fn random_u64() -> u64 {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    h.finish()
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a: a stable hash (std's is keyed per process).
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl Draft {
    /// Turns a reply into a one-key review: the attribution, a short quote
    /// of the commit message (or cover letter), and the trailer line. On a
    /// cover letter it says "for the whole series": by the series rules a
    /// trailer in reply to the cover applies to every patch. A draft not
    /// made by [`compose`] (a reloaded one) gets the trailer appended.
    ///
    /// Send it to everyone (`Mode::All`): a trailer counts only once it is
    /// in the list archive.
    pub fn trailer_reply(mut self, review: Review, identity: &Identity) -> Draft {
        let trailer = review.line(identity);
        match &self.excerpt {
            Some(x) => {
                let mut body = x.attribution.clone();
                body.push('\n');
                for l in &x.lines {
                    body.push_str(if l.is_empty() { ">" } else { "> " });
                    body.push_str(l);
                    body.push('\n');
                }
                if x.truncated {
                    body.push_str("[...]\n");
                }
                body.push('\n');
                if x.cover {
                    body.push_str("For the whole series:\n\n");
                }
                body.push_str(&trailer);
                body.push('\n');
                self.body = body;
            }
            None => {
                let mut body = self.body.trim_end().to_string();
                if !body.is_empty() {
                    body.push_str("\n\n");
                }
                body.push_str(&trailer);
                body.push('\n');
                self.body = body;
            }
        }
        self
    }

    /// Whether this answers a cover letter (a trailer in it is for every
    /// patch). Only known for drafts made by [`compose`].
    pub fn answers_cover_letter(&self) -> bool {
        self.excerpt.as_ref().is_some_and(|x| x.cover)
    }

    /// Refuses what cannot be written safely: addresses or Message-IDs that
    /// could break out of their header, a missing recipient, a header name
    /// that is not one.
    pub fn check(&self) -> Result<()> {
        let bad = |what: &str, value: &str| Error::BadDraft {
            id: self.message_id.clone(),
            problem: format!("{what} `{}`", value.escape_debug()),
            kept: None,
        };
        if !valid_addr(&self.from.addr) {
            return Err(bad("From is not a mail address:", &self.from.display()));
        }
        for (field, list) in [("To", &self.to), ("Cc", &self.cc)] {
            for a in list {
                if !valid_addr(&a.addr) {
                    return Err(bad(
                        &format!("{field} is not a mail address:"),
                        &a.display(),
                    ));
                }
            }
        }
        if self.to.is_empty() && self.cc.is_empty() {
            return Err(Error::BadDraft {
                id: self.message_id.clone(),
                problem: "no recipient: To and Cc are empty".into(),
                kept: None,
            });
        }
        if !valid_msg_id(&self.message_id) {
            return Err(bad("bad Message-ID:", &self.message_id));
        }
        for id in self.in_reply_to.iter().chain(&self.references) {
            if !valid_msg_id(id) {
                return Err(bad("bad In-Reply-To or References id:", id));
            }
        }
        for (name, _) in &self.extra_headers {
            if !valid_header_name(name) {
                return Err(bad("bad header name:", name));
            }
            if OWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(bad("header written twice:", name));
            }
        }
        Ok(())
    }

    /// The mail as sent, composed by mail-builder: RFC 5322 with LF line
    /// ends (sendmail and mbox take those), non-ASCII headers as
    /// encoded-words, lines folded, the body `text/plain; charset=utf-8` in
    /// 7bit, 8bit or quoted-printable (8bit where it can: lists read it
    /// best). What reaches a header was refused by [`Draft::check`] if it
    /// could break out of it, and cleaned of line breaks and controls.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        use mail_builder::MessageBuilder;
        use mail_builder::headers::address::Address;
        use mail_builder::headers::content_type::ContentType;
        use mail_builder::headers::message_id::MessageId;
        use mail_builder::headers::raw::Raw;
        use mail_builder::headers::text::Text;
        use mail_builder::mime::MimePart;

        self.check()?;
        let address = |a: &Addr| -> Address<'static> {
            let name = clean(&a.name);
            let name = (!name.is_empty() && name != a.addr).then_some(name);
            Address::new_address(name, a.addr.clone())
        };
        let list = |v: &[Addr]| Address::new_list(v.iter().map(address).collect());
        let mut mail = MessageBuilder::new()
            .from(address(&self.from))
            .subject(Text::new(clean(&self.subject)))
            // mail-builder writes dates in UTC; the writer's own offset
            // says when it was where they are.
            .header("Date", Raw::new(self.date.to_rfc2822()))
            .message_id(MessageId::new(clean(&self.message_id)));
        if !self.to.is_empty() {
            mail = mail.to(list(&self.to));
        }
        if !self.cc.is_empty() {
            mail = mail.cc(list(&self.cc));
        }
        if let Some(p) = &self.in_reply_to {
            mail = mail.in_reply_to(MessageId::new(clean(p)));
        }
        if !self.references.is_empty() {
            mail = mail.references(MessageId::new_list(
                self.references.iter().map(|r| clean(r)),
            ));
        }
        for (name, value) in &self.extra_headers {
            mail = mail.header(clean(name).replace(':', ""), Text::new(clean(value)));
        }
        mail = mail.header(
            "User-Agent",
            Text::new(format!("putt/{}", env!("CARGO_PKG_VERSION"))),
        );
        let body = encode::normalize_body(&self.body);
        let cte = encode::transfer_encoding(&body);
        let body = if cte == encode::TransferEncoding::QuotedPrintable {
            encode::quoted_printable(&body)
        } else {
            body
        };
        mail = mail.body(
            MimePart::new(
                ContentType::new("text/plain").attribute("charset", "utf-8"),
                body,
            )
            .transfer_encoding(cte.name()),
        );
        let bytes = mail.write_to_vec().map_err(|e| Error::Encode {
            what: "a mail",
            message: e.to_string(),
        })?;
        Ok(crlf_to_lf(bytes))
    }

    /// The draft as a person edits it (and as the drafts folder keeps it):
    /// the same headers in plain UTF-8, the body as text, no MIME headers.
    /// It never fails, so a draft with a mistake in it can still be kept.
    pub fn to_editable(&self) -> String {
        self.write(Charset::Utf8)
    }

    fn write(&self, charset: Charset) -> String {
        debug_assert_eq!(charset, Charset::Utf8, "the wire form is to_bytes'");
        use encode::{address_tokens, fold, text_tokens};
        let ids =
            |v: &[String]| -> Vec<String> { v.iter().map(|i| format!("<{}>", clean(i))).collect() };
        let mut h = String::new();
        h.push_str(&fold(
            "From",
            &address_tokens(std::slice::from_ref(&self.from), charset),
        ));
        if !self.to.is_empty() || charset == Charset::Utf8 {
            h.push_str(&fold("To", &address_tokens(&self.to, charset)));
        }
        if !self.cc.is_empty() || charset == Charset::Utf8 {
            h.push_str(&fold("Cc", &address_tokens(&self.cc, charset)));
        }
        h.push_str(&fold("Subject", &text_tokens(&self.subject, charset)));
        h.push_str(&fold("Date", &[self.date.to_rfc2822()]));
        h.push_str(&fold(
            "Message-ID",
            &ids(std::slice::from_ref(&self.message_id)),
        ));
        if let Some(p) = &self.in_reply_to {
            h.push_str(&fold("In-Reply-To", &ids(std::slice::from_ref(p))));
        }
        if !self.references.is_empty() {
            h.push_str(&fold("References", &ids(&self.references)));
        }
        for (name, value) in &self.extra_headers {
            h.push_str(&fold(
                &clean(name).replace(':', ""),
                &text_tokens(value, charset),
            ));
        }
        let body = encode::normalize_body(&self.body);
        if charset == Charset::Utf8 {
            h.push('\n');
            h.push_str(&body);
            return h;
        }
        let cte = encode::transfer_encoding(&body);
        h.push_str("MIME-Version: 1.0\n");
        h.push_str("Content-Type: text/plain; charset=utf-8\n");
        h.push_str(&format!("Content-Transfer-Encoding: {}\n", cte.name()));
        h.push_str(&format!("User-Agent: putt/{}\n", env!("CARGO_PKG_VERSION")));
        h.push('\n');
        if cte == encode::TransferEncoding::QuotedPrintable {
            h.push_str(&encode::quoted_printable(&body));
        } else {
            h.push_str(&body);
        }
        h
    }

    /// Reads a draft back: a file from the editor or the drafts folder (or
    /// any mail). Lenient: whatever is wrong is found by [`Draft::check`]
    /// when sending, so a half-finished draft still loads.
    pub fn parse(bytes: &[u8]) -> Result<Draft> {
        let m = MessageParser::default()
            .parse(bytes)
            .ok_or_else(|| Error::BadDraft {
                id: String::new(),
                problem: "not a mail message (no headers found)".into(),
                kept: None,
            })?;
        let of = |name: HeaderName<'static>| {
            addresses(
                m.headers()
                    .iter()
                    .filter(|h| h.name == name)
                    .map(|h| &h.value),
            )
        };
        let raw_ids = |name: &str| m.header_raw(name).map(msg_ids).unwrap_or_default();
        let mut extra_headers = Vec::new();
        for h in m.headers() {
            let name = h.name.as_str();
            if OWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            let value = match h.value.as_text() {
                Some(t) => t.to_string(),
                None => {
                    let start = h.offset_start as usize;
                    let end = (h.offset_end as usize).min(bytes.len());
                    String::from_utf8_lossy(bytes.get(start..end).unwrap_or_default()).into_owned()
                }
            };
            extra_headers.push((name.to_string(), clean(&value)));
        }
        Ok(Draft {
            from: of(HeaderName::From).into_iter().next().unwrap_or_default(),
            to: of(HeaderName::To),
            cc: of(HeaderName::Cc),
            subject: clean(m.subject().unwrap_or_default()),
            date: m.date().and_then(to_chrono).unwrap_or_default(),
            message_id: raw_ids("Message-ID").into_iter().next().unwrap_or_default(),
            in_reply_to: raw_ids("In-Reply-To").into_iter().next(),
            references: raw_ids("References"),
            extra_headers,
            body: m
                .body_text(0)
                .map(|b| b.replace("\r\n", "\n"))
                .unwrap_or_default(),
            warnings: Vec::new(),
            excerpt: None,
        })
    }
}

/// The raw mail of a message in the index (its first copy).
pub fn load_original(index: &Index, message_id: &str) -> Result<Vec<u8>> {
    let found = index.by_message_id(message_id)?;
    let first = found
        .first()
        .ok_or_else(|| Error::NoSuchMessage(normalize_message_id(message_id)))?;
    index.raw_message(first)
}

/// The mails a review "for the whole series" answers, for the revision that
/// holds `key` (a series id or any Message-ID in it; the latest revision for
/// a series id): its cover letter, or, with no cover, each of its patches,
/// because a trailer in reply to a patch applies to that patch only.
pub fn series_review_targets(index: &Index, key: &str) -> Result<Vec<String>> {
    let series = crate::series::gather::series_by_key(index, key)?;
    let mid = normalize_message_id(key);
    let rev = series
        .revisions
        .iter()
        .rev()
        .find(|r| r.members.contains(&mid))
        .unwrap_or_else(|| series.latest());
    if let Some(cover) = &rev.cover {
        return Ok(vec![cover.message_id.clone()]);
    }
    let mut patches: Vec<_> = rev.patches.iter().collect();
    patches.sort_by_key(|p| p.counter);
    if patches.is_empty() {
        return Err(Error::NoSuchSeries(key.to_string()));
    }
    Ok(patches
        .into_iter()
        .map(|p| p.mail.message_id.clone())
        .collect())
}

/// CRLF line ends as LF: mail-builder writes the wire's CRLF, sendmail and
/// mbox files take LF.
fn crlf_to_lf(bytes: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_get_one_re() {
        assert_eq!(reply_subject("[PATCH] x"), "Re: [PATCH] x");
        assert_eq!(reply_subject("Re: Re: RE: [PATCH] x"), "Re: [PATCH] x");
        assert_eq!(reply_subject("Aw: Re[2]: x"), "Re: x");
        assert_eq!(reply_subject("Fwd: x"), "Re: Fwd: x");
        assert_eq!(reply_subject(""), "Re:");
        assert_eq!(reply_subject("a\r\nBcc: x"), "Re: a Bcc: x");
    }

    #[test]
    fn review_names() {
        assert_eq!(Review::parse("reviewed-by"), Some(Review::ReviewedBy));
        assert_eq!(Review::parse("Acked-by:"), Some(Review::AckedBy));
        assert_eq!(Review::parse("tested"), Some(Review::TestedBy));
        assert_eq!(Review::parse("t"), Some(Review::TestedBy));
        assert_eq!(Review::parse("signed-off-by"), None);
    }

    #[test]
    fn excerpt_stops_at_the_diff_and_drops_sign_offs() {
        let body = "Frob the widget.\n\nIt was not frobbed.\n\nSigned-off-by: A <a@x.org>\n---\n x | 1 +\n\ndiff --git a/x b/x\n";
        let (lines, cut) = excerpt(body);
        assert_eq!(lines, ["Frob the widget.", "", "It was not frobbed."]);
        assert!(!cut);
    }

    #[test]
    fn cover_excerpt_stops_at_the_shortlog() {
        let body = "This series frobs.\n\nAlice Developer (2):\n  a\n  b\n";
        assert_eq!(excerpt(body).0, ["This series frobs."]);
        assert!(!is_shortlog_head("see (RFC):"));
    }

    #[test]
    fn quoting_adds_no_trailing_space() {
        assert_eq!(quote("a\n\n b\n\n\n"), "> a\n>\n>  b");
    }

    #[test]
    fn pinned_ids_differ_per_original() {
        let id = Identity {
            name: "A".into(),
            email: "a@example.org".into(),
            alternates: vec![],
        };
        let o = ComposeOptions::pinned(1_704_067_200, 7);
        let a = new_message_id(&id, &o, "one@x").expect("id");
        let b = new_message_id(&id, &o, "two@x").expect("id");
        assert_ne!(a, b);
        assert_eq!(a, new_message_id(&id, &o, "one@x").expect("id"));
        assert!(
            a.starts_with("20240101000000.") && a.ends_with("@example.org"),
            "{a}"
        );
        assert_ne!(random_u64(), random_u64());
    }
}
