//! Raw RFC 822 bytes -> [`Message`]: what putt needs from one mail.
//!
//! Mail from the internet is hostile and often broken, so parsing never
//! fails: whatever could be read is kept and what could not is listed in
//! [`Message::problems`] (the message counts as degraded). Identity
//! headers (Message-ID, References, From) are read from the first header of
//! their name, as public-inbox does when it appends a second Message-ID.

use std::borrow::Cow;

use mail_parser::{HeaderName, MessageParser, MimeHeaders, PartType};
use serde::Serialize;

use crate::subject::SubjectInfo;
use crate::trailers::Trailer;

pub mod diff;

pub use diff::FileDiff;

/// A mail address with its display name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Addr {
    pub name: String,
    /// Lower-cased address (`user@host`); may be empty for broken headers.
    pub addr: String,
}

impl Addr {
    /// `Name <addr>`, or the address alone.
    pub fn display(&self) -> String {
        match (self.name.is_empty(), self.addr.is_empty()) {
            (true, _) => self.addr.clone(),
            (false, true) => self.name.clone(),
            // Built by hand: `format!` here showed in a full index's
            // profile (a dozen addresses a message).
            (false, false) => {
                let mut s = String::with_capacity(self.name.len() + self.addr.len() + 3);
                s.push_str(&self.name);
                s.push_str(" <");
                s.push_str(&self.addr);
                s.push('>');
                s
            }
        }
    }

    /// The name to show in one column: the name, else the address.
    pub fn short(&self) -> &str {
        if self.name.is_empty() {
            &self.addr
        } else {
            &self.name
        }
    }
}

/// A pull request mail ("The following changes since commit ...").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PullRequest {
    pub url: String,
    pub branch: Option<String>,
    pub base: Option<String>,
    pub tip: Option<String>,
}

/// One parsed mail.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// Without angle brackets. Synthesized (see `problems`) when missing.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// Oldest first, as in the header; without angle brackets.
    pub references: Vec<String>,
    /// Who wrote it: `X-Original-From` when a relay or a list rewrote
    /// `From` (B4 Relay's "Name via B4 Relay <devnull+...>", DMARC
    /// munging), else `From`.
    pub from: Addr,
    /// The `From` header as sent, when `X-Original-From` named the sender
    /// instead (search's `f:` reads the header, as public-inbox does).
    pub header_from: Option<Addr>,
    pub to: Vec<Addr>,
    pub cc: Vec<Addr>,
    /// From the Date header (unix seconds); commit times are not trusted.
    pub date: Option<i64>,
    pub list_id: Option<String>,
    pub subject: String,
    pub subject_info: SubjectInfo,
    /// Decoded text of the body parts and text attachments.
    pub body: String,
    pub diff: diff::DiffSplit,
    pub base_commit: Option<String>,
    pub change_id: Option<String>,
    pub trailers: Vec<Trailer>,
    pub pull: Option<PullRequest>,
    pub has_diffstat: bool,
    /// `git patch-id --stable` of the diff.
    pub patch_id: Option<String>,
    /// Message-IDs this mail says it replaces: `Supersedes:` and
    /// `Obsoletes:` headers, and such trailers (an id or a lore link).
    pub supersedes: Vec<String>,
    /// Message-IDs of earlier versions its text links to ("Link to v1:
    /// https://lore.kernel.org/r/ID", "v2: https://.../ID/").
    pub cites: Vec<String>,
    /// What could not be read; empty for a clean message.
    pub problems: Vec<&'static str>,
}

impl Message {
    /// Parses raw mail bytes. Never fails and never panics.
    pub fn parse(raw: &[u8]) -> Message {
        Message::parse_with(raw, true)
    }

    /// [`Message::parse`]; `fast: false` always takes the full parse of
    /// the bytes as they came, without [`slim`] or [`plain`] (the tests
    /// hold the two to the same result).
    fn parse_with(raw: &[u8], fast: bool) -> Message {
        let mut msg = Message::default();
        let slim = if fast { slim(raw) } else { None };
        let short_cut = match &slim {
            _ if !fast => None,
            Some(s) => plain(&s.head, raw.get(s.body..)).map(|p| (p, &s.head[..])),
            None => plain(raw, None).map(|p| (p, raw)),
        };
        if let Some(((parsed, body), head)) = short_cut {
            msg.fill_headers(&parsed, head);
            match body {
                // A decoded body is already owned: kept, not copied again.
                Cow::Owned(text) if !text.contains('\r') => msg.body = text,
                body => append_part(&mut msg.body, &body),
            }
        } else {
            let whole = slim.as_ref().map(|s| s.whole(raw));
            let buf = whole.as_deref().unwrap_or(raw);
            let parsed = parser().parse(buf).map(|p| (p, buf)).or_else(|| {
                // What mail-parser cannot parse slimmed is tried as it came.
                whole.as_ref()?;
                parser().parse(raw).map(|p| (p, raw))
            });
            match parsed {
                Some((parsed, buf)) => {
                    msg.fill_headers(&parsed, buf);
                    msg.fill_body(&parsed);
                }
                None => {
                    msg.problems.push("unparseable");
                    msg.body = String::from_utf8_lossy(raw).into_owned();
                }
            }
        }
        if msg.message_id.is_empty() {
            msg.problems.push("no Message-ID");
            msg.message_id = synthesize_message_id(raw);
        }
        msg.subject_info = crate::subject::parse_subject(&msg.subject);
        msg.diff = diff::split(&msg.body);
        msg.has_diffstat = msg.diff.has_diffstat;
        msg.base_commit = msg
            .diff
            .base_commit
            .take()
            .filter(|v| v.len() >= 7 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|v| v.to_ascii_lowercase());
        msg.change_id = msg.diff.change_id.take();
        msg.trailers = crate::trailers::parse_trailers(&msg.body);
        // Trailer-like lines of the prose (not quoted, above the diff),
        // and links to earlier versions.
        // A link on a line of its own counts under a short label about
        // versions ("v4:", "RFC:", "Previous version:").
        let mut label = false;
        for line in crate::lines::lines(&msg.diff.prose) {
            let url = line.contains("://");
            if url
                && !line.trim_start().starts_with('>')
                && (about_versions(line) || (label && line.split_whitespace().count() == 1))
            {
                for id in ids_in(line) {
                    if !msg.cites.contains(&id) && id != msg.message_id {
                        msg.cites.push(id);
                    }
                }
            }
            if !url && !line.trim().is_empty() {
                label = line.trim().chars().count() <= 40 && about_versions(line);
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if is_supersedes(name) {
                for id in ids_in(value) {
                    if !msg.supersedes.contains(&id) {
                        msg.supersedes.push(id);
                    }
                }
            }
        }
        if msg.diff.pull_request {
            msg.pull = parse_pull_request(&msg.diff.prose);
        }
        if msg.diff.has_diff() {
            msg.patch_id = crate::patchid::patch_id_stable(&msg.body);
        }
        msg
    }

    /// Whether this mail carries a diff.
    pub fn has_diff(&self) -> bool {
        self.diff.has_diff()
    }

    /// Whether anything could not be read.
    pub fn is_degraded(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The parent this mail replies to: In-Reply-To, else the last reference.
    pub fn parent(&self) -> Option<&str> {
        self.in_reply_to
            .as_deref()
            .or(self.references.last().map(String::as_str))
    }

    fn fill_headers(&mut self, parsed: &mail_parser::Message<'_>, raw: &[u8]) {
        let headers = parsed.headers();
        let first_raw = |name: HeaderName<'_>| -> Option<Cow<'_, str>> {
            headers.iter().find(|h| h.name == name).map(|h| {
                let start = h.offset_start as usize;
                let end = (h.offset_end as usize).min(raw.len());
                lossy(raw.get(start..end).unwrap_or_default())
            })
        };
        let first_value = |name: HeaderName<'_>| headers.iter().find(|h| h.name == name);

        if let Some(v) = first_raw(HeaderName::MessageId) {
            self.message_id = msg_ids(&v).into_iter().next().unwrap_or_else(|| {
                let t = v.trim();
                if t.contains(char::is_whitespace) {
                    String::new()
                } else {
                    t.to_string()
                }
            });
        }
        self.references = first_raw(HeaderName::References)
            .map(|v| msg_ids(&v))
            .unwrap_or_default();
        self.in_reply_to = first_raw(HeaderName::InReplyTo).and_then(|v| {
            // Some mailers write "In-Reply-To: <id> (Name's message of ...)".
            msg_ids(&v).into_iter().next()
        });
        match first_value(HeaderName::From).map(|h| &h.value) {
            Some(mail_parser::HeaderValue::Address(a)) => {
                if let Some(first) = a.first() {
                    self.from = addr(first);
                }
            }
            Some(other) => {
                if let Some(text) = other.as_text() {
                    self.from = Addr {
                        name: clean_header_text(text),
                        addr: String::new(),
                    };
                }
            }
            None => {}
        }
        if self.from.addr.is_empty() {
            self.problems.push("no From address");
        }
        let other = |name: &'static str| {
            headers.iter().filter(
                move |h| matches!(&h.name, HeaderName::Other(n) if n.eq_ignore_ascii_case(name)),
            )
        };
        let raw_of = |h: &mail_parser::Header<'_>| {
            let end = (h.offset_end as usize).min(raw.len());
            lossy(raw.get(h.offset_start as usize..end).unwrap_or_default())
        };
        if let Some(real) = other("x-original-from")
            .next()
            .and_then(|h| address_in(&raw_of(h)))
            && real.addr != self.from.addr
        {
            self.header_from = Some(std::mem::replace(&mut self.from, real));
        }
        let supersedes = headers
            .iter()
            .filter(|h| h.name == HeaderName::Supersedes)
            .chain(other("obsoletes"));
        for h in supersedes {
            for id in msg_ids(&raw_of(h)) {
                if !self.supersedes.contains(&id) {
                    self.supersedes.push(id);
                }
            }
        }
        for (name, dest) in [
            (HeaderName::To, &mut self.to),
            (HeaderName::Cc, &mut self.cc),
        ] {
            for h in headers.iter().filter(|h| h.name == name) {
                if let mail_parser::HeaderValue::Address(a) = &h.value {
                    dest.extend(a.iter().map(addr));
                }
            }
        }
        match first_value(HeaderName::Date).map(|h| &h.value) {
            Some(mail_parser::HeaderValue::DateTime(d)) if d.is_valid() => {
                self.date = Some(d.to_timestamp());
            }
            Some(_) => self.problems.push("bad Date"),
            None => self.problems.push("no Date"),
        }
        self.list_id = first_raw(HeaderName::ListId).and_then(|v| {
            let id = match (v.rfind('<'), v.rfind('>')) {
                (Some(a), Some(b)) if a < b => v[a + 1..b].to_string(),
                _ => v.trim().to_string(),
            };
            let id = id.trim().to_ascii_lowercase();
            (!id.is_empty()).then_some(id)
        });
        if let Some(text) = first_value(HeaderName::Subject).and_then(|h| h.value.as_text()) {
            self.subject = clean_header_text(text);
        }
    }

    fn fill_body(&mut self, parsed: &mail_parser::Message<'_>) {
        let mut body = String::new();
        for i in 0..parsed.text_body_count() {
            if let Some(text) = parsed.body_text(i) {
                append_part(&mut body, &text);
            }
        }
        for part in parsed.attachments() {
            append_attachment(&mut body, part);
        }
        if parsed.parts.iter().any(|p| p.is_encoding_problem) {
            self.problems.push("encoding problem");
        }
        self.body = body;
    }
}

/// The headers of a one-part plain-text mail, and its body straight from
/// the raw bytes: what the full parse gives for such a mail (its body part
/// is the bytes after the header block, as UTF-8), without mail-parser's
/// byte-by-byte walk over the body and its copy. That is most of a patch
/// list (git send-email writes one text/plain part in UTF-8 or ASCII);
/// anything else takes the full parse: MIME parts, a transfer encoding,
/// another charset unless the body is ASCII, a header block the full
/// parse would end elsewhere.
///
/// `body`, when given, is the body of a [`slim`]med mail whose header block
/// is `raw`: read in place, where the slimmed whole would copy it.
fn plain<'a>(
    raw: &'a [u8],
    body: Option<&'a [u8]>,
) -> Option<(mail_parser::Message<'a>, Cow<'a, str>)> {
    use mail_parser::HeaderValue;
    let parsed = parser().parse_headers(raw)?;
    let headers = parsed.headers();
    // The full parse ends the header block where, after a header, only
    // white space comes before a newline; a line it would skip as no
    // header at all is left to it.
    let mut at = headers.last()?.offset_end as usize;
    loop {
        match *raw.get(at)? {
            b'\n' => break,
            b if b.is_ascii_whitespace() => at += 1,
            _ => return None,
        }
    }
    let body = match body {
        None => raw.get(at + 1..)?,
        // A slimmed header block ends in its blank line; one read shorter
        // would put headers in the body: the full parse decides then.
        Some(body) if at + 1 == raw.len() => body,
        Some(_) => return None,
    };
    // As the full parse reads them: the last of each header counts, and
    // a Content-Type it cannot read counts as none (text/plain).
    let last = |name: HeaderName<'_>| headers.iter().rev().find(|h| h.name == name);
    let mut charset = None;
    if let Some(ct) = last(HeaderName::ContentType).and_then(|h| h.value.as_content_type()) {
        if ct.ctype() != "text" || ct.subtype() != Some("plain") {
            return None;
        }
        charset = ct.attribute("charset");
    }
    let mut decoded = None;
    if let Some(HeaderValue::Text(cte)) =
        last(HeaderName::ContentTransferEncoding).map(|h| &h.value)
    {
        if cte.eq_ignore_ascii_case("base64") {
            return None;
        }
        if cte.eq_ignore_ascii_case("quoted-printable") {
            decoded = Some(quoted_printable(body)?);
        }
    }
    let bytes = decoded.as_deref().unwrap_or(body);
    // No decoder means UTF-8 (or a charset mail-parser does not know, which
    // it reads as UTF-8 too); the ASCII-compatible single-byte charsets
    // agree with UTF-8 on an ASCII body.
    if let Some(cs) = charset
        && mail_parser::decoders::charsets::map::charset_decoder(cs.as_bytes()).is_some()
    {
        const ASCII_SUPERSETS: [&str; 8] = [
            "us-ascii",
            "ascii",
            "iso-8859-1",
            "iso8859-1",
            "latin1",
            "iso-8859-15",
            "windows-1252",
            "cp1252",
        ];
        let known = ASCII_SUPERSETS.iter().any(|a| a.eq_ignore_ascii_case(cs));
        if !known || !bytes.is_ascii() {
            return None;
        }
    }
    let text = match decoded {
        Some(bytes) => Cow::Owned(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
        None => lossy(body),
    };
    Some((parsed, text))
}

/// A quoted-printable body decoded as mail-parser decodes a mail's only
/// part (`decode_quoted_printable_mime` without a boundary), byte for byte:
/// soft breaks go, blanks before a hard break go, every break after the
/// first CR anywhere is written CRLF (CRs themselves are dropped), and a
/// malformed escape stays as written. `None` where mail-parser gives up on
/// the encoding (`==`, or `=X=`): the full parse reads that mail.
///
/// Runs of ordinary bytes are copied whole; mail-parser pushes byte by
/// byte, which showed in a full index of a list with much
/// quoted-printable mail before these mails took the short cut.
fn quoted_printable(body: &[u8]) -> Option<Vec<u8>> {
    #[derive(PartialEq)]
    enum State {
        Plain,
        Eq,
        Hex1(u8),
    }
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(body.len());
    let mut state = State::Plain;
    let mut crlf: &[u8] = b"\n";
    // Blanks at the end of `out` since the last other byte.
    let mut blanks = 0usize;
    let mut last = 0u8;
    let mut i = 0;
    while let Some(&ch) = body.get(i) {
        match ch {
            b'=' if state == State::Plain => state = State::Eq,
            b'=' => return None,
            b'\n' if state == State::Eq => {
                state = State::Plain;
                blanks = 0;
            }
            b'\n' => {
                out.truncate(out.len().saturating_sub(blanks));
                out.extend_from_slice(crlf);
                blanks = 0;
            }
            b'\r' => crlf = b"\r\n",
            _ => match state {
                State::Plain => {
                    // A run of ordinary bytes, copied whole.
                    let rest = body.get(i..).unwrap_or_default();
                    let end = memchr::memchr3(b'=', b'\n', b'\r', rest).unwrap_or(rest.len());
                    let run = rest.get(..end).unwrap_or_default();
                    out.extend_from_slice(run);
                    let trailing = run
                        .iter()
                        .rev()
                        .take_while(|b| b.is_ascii_whitespace())
                        .count();
                    blanks = if trailing == run.len() {
                        blanks + trailing
                    } else {
                        trailing
                    };
                    last = run.last().copied().unwrap_or(ch);
                    // `ch` itself is ordinary, so the run holds it.
                    i += run.len().max(1);
                    continue;
                }
                State::Eq => match hex(ch) {
                    Some(high) => state = State::Hex1(high),
                    None if !ch.is_ascii_whitespace() => {
                        out.extend_from_slice(&[b'=', ch]);
                        blanks = 0;
                        state = State::Plain;
                    }
                    None => {}
                },
                State::Hex1(high) => {
                    match hex(ch) {
                        Some(low) => out.push(high << 4 | low),
                        None => out.extend_from_slice(&[b'=', last, ch]),
                    }
                    blanks = 0;
                    state = State::Plain;
                }
            },
        }
        last = ch;
        i += 1;
    }
    Some(out)
}

/// The names of the headers [`parser`] reads (mail-parser compares them
/// without case); every other header is parsed only to be ignored.
const READ_HEADERS: [&[u8]; 18] = [
    b"date",
    b"subject",
    b"from",
    b"to",
    b"cc",
    b"message-id",
    b"in-reply-to",
    b"references",
    b"list-id",
    b"content-type",
    b"content-disposition",
    b"content-id",
    b"content-description",
    b"content-location",
    b"content-transfer-encoding",
    b"x-original-from",
    b"supersedes",
    b"obsoletes",
];

/// `raw` with only the headers putt reads, then the blank line and the
/// body as they were; `None` when that would save little, or when the
/// header block is anything but plain `Name: value` lines with folding
/// (mail-parser's reading of odd lines is left to mail-parser).
///
/// A list mail's header block is mostly Received chains, DKIM and ARC
/// signatures and spam reports: 8.6 KB and 136 lines a message on the
/// linux-kbuild archive, which mail-parser walks byte by byte only to
/// ignore. Here each line costs a vector search for its end. mail-parser
/// ends every header value at a newline not followed by a space or a
/// tab, so a header kept with all its lines reads as it did in place.
fn slim(raw: &[u8]) -> Option<Slim> {
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut kept_bytes = 0;
    let mut at = 0;
    let body = loop {
        let rest = raw.get(at..)?;
        match rest {
            [b'\n', ..] => break at + 1,
            [b'\r', b'\n', ..] => break at + 2,
            _ => {}
        }
        let colon = memchr::memchr(b':', rest)?;
        let name = &rest[..colon];
        if name.is_empty() || !name.iter().all(u8::is_ascii_graphic) {
            return None;
        }
        let mut end = colon;
        loop {
            end += memchr::memchr(b'\n', rest.get(end..)?)? + 1;
            if !matches!(rest.get(end), Some(b' ' | b'\t')) {
                break;
            }
        }
        if READ_HEADERS.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            kept.push((at, at + end));
            kept_bytes += end;
        }
        at += end;
    };
    // A full parse of the slimmed mail copies the body; worth it only when
    // most of the header block goes.
    if kept.is_empty() || kept_bytes * 2 > body {
        return None;
    }
    let mut head = Vec::with_capacity(kept_bytes + 1);
    for (start, end) in kept {
        head.extend_from_slice(&raw[start..end]);
    }
    head.push(b'\n');
    Some(Slim { head, body })
}

/// What [`slim`] keeps of a mail: the headers putt reads and the blank line
/// after them, and where the body starts in the raw mail. A plain mail's
/// body is read in place ([`plain`]); only the full parse joins the two.
struct Slim {
    head: Vec<u8>,
    body: usize,
}

impl Slim {
    /// The slimmed mail whole.
    fn whole(&self, raw: &[u8]) -> Vec<u8> {
        let body = raw.get(self.body..).unwrap_or_default();
        let mut out = Vec::with_capacity(self.head.len() + body.len());
        out.extend_from_slice(&self.head);
        out.extend_from_slice(body);
        out
    }
}

/// A parser that decodes only the headers putt reads: Received chains and
/// the like are skipped, which more than halves header parsing on list mail.
/// A header read here must be in [`READ_HEADERS`] too, or [`slim`] drops it.
fn parser() -> &'static MessageParser {
    static PARSER: std::sync::LazyLock<MessageParser> = std::sync::LazyLock::new(|| {
        MessageParser::new()
            .with_mime_headers()
            .header_date(HeaderName::Date)
            .header_text(HeaderName::Subject)
            .header_address(HeaderName::From)
            .header_address(HeaderName::To)
            .header_address(HeaderName::Cc)
            .header_raw(HeaderName::MessageId)
            .header_raw(HeaderName::InReplyTo)
            .header_raw(HeaderName::References)
            .header_raw(HeaderName::ListId)
            .default_header_ignore()
    });
    &PARSER
}

fn addr(a: &mail_parser::Addr<'_>) -> Addr {
    Addr {
        name: a.name().map(clean_header_text).unwrap_or_default(),
        addr: a
            .address()
            .map(|s| {
                let mut addr = clean_header_text(s);
                addr.make_ascii_lowercase();
                addr
            })
            .unwrap_or_default(),
    }
}

/// The first address of an address header's raw value (encoded words
/// decoded, as mail-parser reads `From`); none without an address.
fn address_in(value: &str) -> Option<Addr> {
    let head = format!("From:{}\n\n", value.trim_end());
    let parsed = parser().parse_headers(head.as_bytes())?;
    let found = match parsed.from()?.first() {
        Some(a) => addr(a),
        None => return None,
    };
    (!found.addr.is_empty() && found.addr.contains('@')).then_some(found)
}

/// Whether a line speaks of versions: `v2`, `version`, `previous`,
/// `earlier`, `posting`, `iteration`, `RFC`, `resend`.
fn about_versions(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    const WORDS: [&str; 7] = [
        "version",
        "previous",
        "earlier",
        "posting",
        "iteration",
        "rfc",
        "resend",
    ];
    if WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let b = lower.as_bytes();
    b.windows(2).enumerate().any(|(i, w)| {
        w[0] == b'v' && w[1].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
    })
}

/// Whether a trailer names mail this one replaces.
fn is_supersedes(name: &str) -> bool {
    name.eq_ignore_ascii_case("supersedes") || name.eq_ignore_ascii_case("obsoletes")
}

/// Message-IDs in a trailer's value: `<id>`, a bare `id@host`, or a
/// lore-style link whose last path part is one
/// (`https://lore.kernel.org/r/ID`, `.../list/ID/`).
fn ids_in(value: &str) -> Vec<String> {
    let bracketed = msg_ids(value);
    if !bracketed.is_empty() {
        return bracketed;
    }
    let mut out = Vec::new();
    for word in value.split_whitespace() {
        let word = word.trim_matches(['(', ')', ',', '.', ';']);
        let path = word.split(['?', '#']).next().unwrap_or_default();
        let last = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let id = percent_decode(last);
        if id.contains('@') && !id.contains(['<', '>', ' ']) && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// `%40` and the like in a link, as bytes; anything unreadable is kept.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Header text with folding and control characters collapsed to spaces.
fn clean_header_text(s: &str) -> String {
    // Most header text is printable ASCII with single spaces already.
    let b = s.as_bytes();
    let tidy = b.first().is_some_and(|&c| c != b' ')
        && b.last().is_some_and(|&c| c != b' ')
        && b.iter().all(|&c| c == b' ' || c.is_ascii_graphic())
        && !s.contains("  ");
    if tidy {
        return s.to_string();
    }
    crate::text::collapse_whitespace(s)
}

fn append_part(body: &mut String, text: &str) {
    if !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    // CRLF mail bodies are common; the diff parser and trailers want LF.
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        body.push_str(&text.replace("\r\n", "\n"));
    } else {
        body.push_str(text);
    }
}

/// Patches are often attached rather than inline; text attachments and
/// `.patch`/`.diff` files count as body text, attached messages too.
fn append_attachment(body: &mut String, part: &mail_parser::MessagePart<'_>) {
    match &part.body {
        PartType::Text(text) => append_part(body, text),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
            let name = part
                .attachment_name()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let patchy = name.ends_with(".patch") || name.ends_with(".diff");
            if patchy || looks_like_diff(bytes) {
                append_part(body, &lossy(bytes));
            }
        }
        PartType::Message(inner) => {
            for i in 0..inner.text_body_count() {
                if let Some(text) = inner.body_text(i) {
                    append_part(body, &text);
                }
            }
        }
        PartType::Html(_) | PartType::Multipart(_) => {}
    }
}

fn looks_like_diff(bytes: &[u8]) -> bool {
    // On bytes: the markers are ASCII, so invalid UTF-8 around them (binary
    // attachments) changes nothing, and there is no lossy copy to make.
    let head = &bytes[..bytes.len().min(64 * 1024)];
    head.starts_with(b"diff --git ")
        || memchr::memmem::find(head, b"\ndiff --git ").is_some()
        || memchr::memmem::find(head, b"\n+++ ").is_some()
}

/// `bytes` as text, invalid UTF-8 replaced. Mail is mostly valid UTF-8,
/// and checking it whole is several times faster than the lossy walk.
fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// All `<id>` tokens of a header, without brackets.
pub fn msg_ids(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else { break };
        let raw = &after[..end];
        // Folded References put spaces inside an id now and then; most ids
        // are plain ASCII and are taken whole.
        let id: String = if raw.bytes().all(|b| b.is_ascii_graphic()) {
            raw.to_string()
        } else {
            raw.chars().filter(|c| !c.is_whitespace()).collect()
        };
        if !id.is_empty() && !out.contains(&id) {
            out.push(id);
        }
        rest = &after[end + 1..];
    }
    out
}

/// Normalises a Message-ID given by a user: angle brackets and spaces go.
pub fn normalize_message_id(id: &str) -> String {
    let id = id.trim();
    let id = id.strip_prefix("id:").unwrap_or(id);
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id);
    id.trim().to_string()
}

fn synthesize_message_id(raw: &[u8]) -> String {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(raw);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("{hex}@putt.synthesized")
}

/// Recognises the text `git request-pull` writes.
pub fn parse_pull_request(prose: &str) -> Option<PullRequest> {
    let lines: Vec<&str> = prose.lines().collect();
    let start = lines.iter().position(|l| {
        l.trim_start()
            .starts_with("The following changes since commit")
    })?;
    let base = lines[start]
        .split_whitespace()
        .find(|w| {
            w.len() >= 7
                && w.trim_end_matches(':')
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit())
        })
        .map(|w| w.trim_end_matches(':').to_string());
    let avail = (start..lines.len().min(start + 40)).find(|&i| {
        lines[i].contains("are available in the")
            && (lines[i].contains("repository at") || lines[i].contains("repository"))
    })?;
    // The URL (and branch) follow, possibly after blank lines, possibly wrapped.
    let mut words: Vec<String> = Vec::new();
    let tail = &lines[avail..];
    // "...repository at:" may carry the URL on the same line.
    if let Some(pos) = tail[0].find("at:") {
        words.extend(tail[0][pos + 3..].split_whitespace().map(str::to_string));
    }
    let mut i = 1;
    while words.is_empty() && i < tail.len() && tail[i].trim().is_empty() {
        i += 1;
    }
    while i < tail.len() && !tail[i].trim().is_empty() {
        if tail[i].trim_start().starts_with("for you to fetch") {
            break;
        }
        words.extend(tail[i].split_whitespace().map(str::to_string));
        i += 1;
    }
    let mut url = words.first()?.clone();
    let mut rest = words.get(1..).unwrap_or_default().to_vec();
    // A URL wrapped across lines continues without a scheme.
    while let Some(next) = rest.first() {
        let continues = url.ends_with('/') || url.ends_with('-') || next.starts_with('/');
        if continues && !next.contains("://") && rest.len() > 1 {
            url.push_str(next);
            rest.remove(0);
        } else {
            break;
        }
    }
    if !(url.contains("://") || url.contains('@') || url.contains(':')) {
        return None;
    }
    let branch = rest.first().map(|b| b.trim_end_matches(':').to_string());
    let tip = lines[avail..]
        .iter()
        .position(|l| l.contains("for you to fetch changes up to"))
        .and_then(|p| {
            lines[avail + p]
                .split_whitespace()
                .find(|w| {
                    w.len() >= 7
                        && w.trim_end_matches(':')
                            .bytes()
                            .all(|b| b.is_ascii_hexdigit())
                })
                .map(|w| w.trim_end_matches(':').to_string())
        });
    Some(PullRequest {
        url,
        branch,
        base,
        tip,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn tidy_header_text_takes_the_short_way(s in "[ a-zA-Z\t\r\n\u{1}é<>@.-]{0,12}") {
            prop_assert_eq!(super::clean_header_text(&s), crate::text::collapse_whitespace(&s));
        }

        /// Mail-shaped bytes: header lines from a pool that includes the
        /// ones the short cut looks at, folding, CRLF, junk and blank-ish
        /// lines, then a body of any bytes. Both ways of parsing agree,
        /// slimmed of delivery headers or not.
        #[test]
        fn plain_mail_short_cut_agrees_on_any_header_block(
            lines in proptest::collection::vec(prop_oneof![
                Just("From: A <a@x>".to_string()),
                Just("Message-ID: <m@x>".to_string()),
                Just("Subject: [PATCH] x".to_string()),
                Just(" folded continuation".to_string()),
                Just("\tfolded with a tab".to_string()),
                Just("Content-Type: text/plain".to_string()),
                Just("Content-Type: text/plain; charset=UTF-8".to_string()),
                Just("Content-Type: text/plain; charset=us-ascii".to_string()),
                Just("Content-Type: text/plain; charset=iso-8859-1".to_string()),
                Just("Content-Type: text/plain; charset=utf-16".to_string()),
                Just("Content-Type: Text/Plain".to_string()),
                Just("Content-Type: text/html".to_string()),
                Just("Content-Type: multipart/mixed; boundary=b".to_string()),
                Just("Content-Type: garbage;;;".to_string()),
                Just("Content-Transfer-Encoding: 8bit".to_string()),
                Just("Content-Transfer-Encoding: Base64".to_string()),
                Just("Content-Transfer-Encoding: quoted-printable".to_string()),
                Just("X-Ignored: value".to_string()),
                // Headers putt ignores, long enough that the slim copy is
                // taken, and continuations that look like headers.
                Just(format!("X-Spam-Report: {}", "x ".repeat(120))),
                Just("Received: from a.example.org by b.example.org".to_string()),
                Just(" To: Evil <evil@x>".to_string()),
                Just("\tCc: c@x".to_string()),
                Just("DKIM-Signature: v=1; a=rsa-sha256; d=x".to_string()),
                Just("message-id: <lower@x>".to_string()),
                Just("CC: Upper <u@x>".to_string()),
                Just("no colon here".to_string()),
                Just("   ".to_string()),
                "[A-Za-z-]{1,12}: [ -~]{0,20}",
            ], 0..12),
            crlf in any::<bool>(),
            blank in prop_oneof![Just(""), Just(" "), Just("\t"), Just("\r")],
            body in proptest::collection::vec(any::<u8>(), 0..200),
            // Delivery headers first, most of the time: then the slim copy
            // (`slim`) is usually what gets parsed.
            delivery in 0..4usize,
        ) {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut raw = Vec::new();
            for _ in 0..delivery {
                for line in [
                    "Received: from a.example.org (a.example.org [192.0.2.1])",
                    "\tby b.example.org with ESMTPS id 0123456789abcdef",
                    "\tfor <list@example.net>; Mon, 1 Jan 2024 00:00:00 +0000",
                ] {
                    raw.extend_from_slice(line.as_bytes());
                    raw.extend_from_slice(nl.as_bytes());
                }
            }
            for line in &lines {
                raw.extend_from_slice(line.as_bytes());
                raw.extend_from_slice(nl.as_bytes());
            }
            raw.extend_from_slice(blank.as_bytes());
            raw.extend_from_slice(nl.as_bytes());
            raw.extend_from_slice(&body);
            let (fast, full) = both_ways(&raw);
            prop_assert_eq!(fast, full);
        }
    }

    fn mail(headers: &str, body: &str) -> Vec<u8> {
        format!("{headers}\n\n{body}").into_bytes()
    }

    #[test]
    fn first_message_id_wins() {
        let raw = mail(
            "From: A <a@example.org>\nMessage-ID: <first@x>\nMessage-ID: <second@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: hi",
            "body",
        );
        let m = Message::parse(&raw);
        assert_eq!(m.message_id, "first@x");
        assert!(!m.is_degraded(), "{:?}", m.problems);
    }

    /// B4 Relay sends as "Name via B4 Relay <devnull+...>" and names the
    /// sender in X-Original-From (encoded words and all): that person is
    /// the author; the header as sent is kept for search.
    #[test]
    fn the_relay_names_its_sender() {
        let raw = mail(
            "From: =?utf-8?q?Thomas_Wei=C3=9Fschuh?= via B4 Relay <devnull+linux.weissschuh.net@kernel.org>\nX-Original-From: =?utf-8?q?Thomas_Wei=C3=9Fschuh?= <Linux@weissschuh.net>\nReply-To: linux@weissschuh.net\nMessage-ID: <r@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH] x",
            "body",
        );
        for m in [Message::parse(&raw), Message::parse_with(&raw, false)] {
            assert_eq!(m.from.display(), "Thomas Weißschuh <linux@weissschuh.net>");
            assert_eq!(
                m.header_from.as_ref().map(Addr::display).as_deref(),
                Some("Thomas Weißschuh via B4 Relay <devnull+linux.weissschuh.net@kernel.org>")
            );
        }
        // Without an address in it, or the same as From, it changes nothing.
        for xof in [
            "X-Original-From: nobody",
            "X-Original-From: A <a@example.org>",
        ] {
            let raw = mail(
                &format!(
                    "From: A <a@example.org>\n{xof}\nMessage-ID: <r@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: x"
                ),
                "body",
            );
            let m = Message::parse(&raw);
            assert_eq!(m.from.display(), "A <a@example.org>");
            assert_eq!(m.header_from, None);
        }
    }

    #[test]
    fn links_to_earlier_versions_are_cited() {
        let raw = mail(
            "From: A <a@example.org>\nMessage-ID: <new@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH v3 0/2] x",
            "Cover.\n\nChanges in v3:\n- Link to v2: https://lore.kernel.org/r/20240101-x-v2-0-abc@example.org\n\nv1: https://lore.kernel.org/linux-kbuild/old-1@x/\nDepends on https://lore.kernel.org/r/dep@x\nLink: https://lore.kernel.org/r/discussion@x\n\nPrevious versions\n\nv4:\n  https://lore.kernel.org/lkml/v4@x/\n\nThe design was discussed at length here:\n  https://lore.kernel.org/r/thread@x/\n",
        );
        let m = Message::parse(&raw);
        assert_eq!(
            m.cites,
            vec!["20240101-x-v2-0-abc@example.org", "old-1@x", "v4@x"]
        );
    }

    #[test]
    fn supersedes_and_obsoletes_name_what_they_replace() {
        let raw = mail(
            "From: A <a@example.org>\nSupersedes: <old-1@x> <old-2@x>\nMessage-ID: <new@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH v2 0/2] x",
            "Cover.\n\nObsoletes: https://lore.kernel.org/all/20240101-old-v1-0-abc%40example.org/\nSupersedes: old-3@x\n> Supersedes: <quoted@x>\n",
        );
        let m = Message::parse(&raw);
        assert_eq!(
            m.supersedes,
            vec![
                "old-1@x",
                "old-2@x",
                "20240101-old-v1-0-abc@example.org",
                "old-3@x"
            ]
        );
    }

    #[test]
    fn missing_message_id_is_synthesized_stably() {
        let raw = mail("From: a@example.org\nSubject: x", "body");
        let a = Message::parse(&raw);
        let b = Message::parse(&raw);
        assert_eq!(a.message_id, b.message_id);
        assert!(a.message_id.ends_with("@putt.synthesized"));
        assert!(a.problems.contains(&"no Message-ID"));
    }

    #[test]
    fn references_and_reply() {
        let raw = mail(
            "From: A <A@Example.org>\nMessage-ID: <c@x>\nIn-Reply-To: <b@x> (A's message)\nReferences: <a@x>\n <b@x>\nSubject: Re: [PATCH] x",
            "> quoted\nReviewed-by: A <a@example.org>\n",
        );
        let m = Message::parse(&raw);
        assert_eq!(m.in_reply_to.as_deref(), Some("b@x"));
        assert_eq!(m.references, vec!["a@x", "b@x"]);
        assert_eq!(m.from.addr, "a@example.org");
        assert_eq!(m.parent(), Some("b@x"));
    }

    #[test]
    fn message_ids_lose_folding_spaces_and_repeats() {
        assert_eq!(
            msg_ids("<a@x> <b\n @x>\t<a@x> <c@\u{a0}x> <> <d@x"),
            vec!["a@x", "b@x", "c@x"]
        );
    }

    #[test]
    fn binary_attachments_are_sniffed_for_a_diff() {
        let mut attached = b"\xff\xfe binary junk\n".to_vec();
        assert!(!looks_like_diff(&attached));
        attached.extend_from_slice(b"diff --git a/x b/x\n");
        assert!(looks_like_diff(&attached));
        assert!(looks_like_diff(b"diff --git a/x b/x\n"));
        assert!(looks_like_diff(b"\x80\n--- a/x\n+++ b/x\n"));
        assert!(!looks_like_diff(b"+++ not after a newline"));
    }

    /// A plain mail whose body is `body`, quoted-printable.
    fn quoted_printable_mail(body: &str) -> String {
        format!(
            "From: A <a@x>\nMessage-ID: <m@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\
             Subject: [PATCH] x\nContent-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: quoted-printable\n\n{body}"
        )
    }

    #[test]
    fn quoted_printable_short_cut_decodes_as_mail_parser_does() {
        let bodies = [
            "plain text\n",
            "caf=C3=A9 =\nsoft break\n",
            "trailing blanks  \t\nnext\n",
            "blanks before a soft break  =\nend",
            "crlf\r\nlines\r\nand a bare\nbreak\n",
            "bad =ZZ escape and =4 half\n",
            "= \nequals then a blank\n",
            "=4\n1 across a break\n",
            "lower =c3=a9 case\n",
            "no final break  ",
            "",
            "=\r\n",
            "a==b\n",
            "=3D=\n",
        ];
        for body in bodies {
            let raw = quoted_printable_mail(body);
            let (fast, full) = both_ways(raw.as_bytes());
            assert_eq!(fast, full, "{body:?}");
        }
        // Each of them but the one mail-parser gives up on (`==`) took the
        // short cut.
        let short = bodies
            .iter()
            .filter(|b| plain(quoted_printable_mail(b).as_bytes(), None).is_some())
            .count();
        assert_eq!(short, bodies.len() - 1);
    }

    proptest::proptest! {
        #[test]
        fn any_quoted_printable_body_decodes_as_mail_parser_does(
            body in proptest::collection::vec(
                proptest::sample::select(vec![
                    "=", "3D", "c3", "A9", "Z", "4", " ", "\t", "\n", "\r", "\r\n", "a", "é", "=\n", "-",
                ]),
                0..40,
            )
        ) {
            let raw = quoted_printable_mail(&body.concat());
            let (fast, full) = both_ways(raw.as_bytes());
            proptest::prop_assert_eq!(fast, full);
        }
    }

    /// Both ways of parsing, as the Debug output shows every field.
    fn both_ways(raw: &[u8]) -> (String, String) {
        let fast = Message::parse_with(raw, true);
        let full = Message::parse_with(raw, false);
        (format!("{fast:?}"), format!("{full:?}"))
    }

    #[test]
    fn plain_mail_short_cut_gives_what_the_full_parse_gives() {
        let head = "From: A <a@x>\nMessage-ID: <m@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH] x\n";
        let cases: Vec<(String, bool)> = vec![
            (format!("{head}\nplain body\n---\n diff\n"), true),
            (
                format!("{head}Content-Type: text/plain; charset=utf-8\n\nGrüße\n"),
                true,
            ),
            (
                format!(
                    "{head}Content-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit\n\nascii only\n"
                ),
                true,
            ),
            (
                format!("{head}X-Mailer: git-send-email\n\r\ncrlf\r\nbody\r\n"),
                true,
            ),
            // Latin-1 bytes are decoded as Latin-1, so the full parse.
            (
                format!("{head}Content-Type: text/plain; charset=iso-8859-1\n\nGr\u{fc}\u{df}e\n"),
                false,
            ),
            (
                format!(
                    "{head}Content-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak =C3=BC\n"
                ),
                true,
            ),
            (
                format!("{head}Content-Transfer-Encoding: quoted-printable\n\nx==y\n"),
                false,
            ),
            (
                format!(
                    "{head}Content-Type: text/plain; charset=iso-8859-1\n\
                     Content-Transfer-Encoding: quoted-printable\n\nGr=FC=DFe\n"
                ),
                false,
            ),
            (
                format!("{head}Content-Type: multipart/mixed; boundary=b\n\n--b\n\npart\n--b--\n"),
                false,
            ),
            (
                format!("{head}Content-Type: text/html\n\n<p>hi</p>\n"),
                false,
            ),
            // A line that is no header after the last one.
            (format!("{head}not a header line\n\nbody\n"), false),
            (head.to_string(), false),
        ];
        for (text, short) in &cases {
            // Latin-1 text as its bytes (every char here is below U+0100).
            let raw: Vec<u8> = if text.contains("iso-8859-1") {
                text.chars().map(|c| c as u32 as u8).collect()
            } else {
                text.clone().into_bytes()
            };
            assert_eq!(
                plain(&raw, None).is_some(),
                *short,
                "short cut for {text:?}"
            );
            let (fast, full) = both_ways(&raw);
            assert_eq!(fast, full, "{text:?}");
        }
    }

    /// A list mail's delivery headers are left out before mail-parser
    /// reads it, and what it reads is the same.
    #[test]
    fn delivery_headers_are_left_out() {
        let received = "Received: from mail.example.org (mail.example.org [192.0.2.1])\n\tby smtp.example.net with ESMTPS id 1234\n\tfor <list@example.net>; Mon, 1 Jan 2024 00:00:00 +0000\n";
        let head = format!(
            "{}DKIM-Signature: v=1; a=rsa-sha256; d=example.org;\n b={}\nFrom: A <a@x>\nTo: list@example.net\nCc: B <b@x>,\n C <c@x>\nMessage-ID: <m@x>\nX-Note:\n To: not <a@recipient>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH] x\n",
            received.repeat(6),
            "A".repeat(300)
        );
        for (text, slimmed) in [
            (format!("{head}\nbody\n---\n"), true),
            (format!("{head}\r\nbody\r\n"), true),
            (
                format!("{head}Content-Type: multipart/mixed; boundary=b\n\n--b\n\npart\n--b--\n"),
                true,
            ),
            // Headers putt reads are most of the block: not worth a copy.
            (
                "From: A <a@x>\nSubject: x\nX-A: b\n\nbody\n".to_string(),
                false,
            ),
            // An odd line: mail-parser reads it as it is.
            (format!("{head}not a header\n\nbody\n"), false),
            (format!("{head} \n\nbody\n"), true),
            (format!("{head}\x0c\n\nbody\n"), false),
            (head.clone(), false),
        ] {
            let raw = text.as_bytes();
            let slim = slim(raw);
            assert_eq!(slim.is_some(), slimmed, "{text:?}");
            if let Some(slim) = &slim {
                let slim = String::from_utf8_lossy(&slim.head);
                assert!(
                    !slim.contains("Received") && !slim.contains("DKIM"),
                    "{slim}"
                );
                assert!(slim.contains("Cc: B <b@x>,\n C <c@x>\n"), "{slim}");
            }
            let (fast, full) = both_ways(raw);
            assert_eq!(fast, full, "{text:?}");
        }
        let m = Message::parse(format!("{head}\nbody\n").as_bytes());
        assert_eq!(m.to.len(), 1, "{:?}", m.to);
        assert_eq!(m.cc.len(), 2, "{:?}", m.cc);
        assert_eq!(m.message_id, "m@x");
        assert!(!m.is_degraded(), "{:?}", m.problems);
    }

    #[test]
    fn plain_mail_short_cut_agrees_on_every_corpus_mail() {
        let Some(mails) = putt_testkit::corpus::corpus_mails() else {
            return;
        };
        let mut short = 0;
        let mut slimmed = 0;
        for (file, raw) in &mails {
            short += usize::from(plain(raw, None).is_some());
            slimmed += usize::from(slim(raw).is_some());
            let (fast, full) = both_ways(raw);
            assert_eq!(fast, full, "{}", file.display());
        }
        // Most samples are plain patches; a short cut never taken would
        // leave this test comparing the full parse with itself.
        assert!(
            short * 2 > mails.len(),
            "{short} of {} took the short cut",
            mails.len()
        );
        // Test mails carry few delivery headers, but some do.
        assert!(slimmed > 0, "no corpus mail was slimmed");
    }

    #[test]
    fn base_commit_and_change_id() {
        let raw = mail(
            "From: a@x\nSubject: [PATCH 0/2] cover",
            "text\n\nbase-commit: 0123456789abcdef0123456789abcdef01234567\nchange-id: 20240101-foo-abc123\nprerequisite-change-id: 20230101-bar-1\n",
        );
        let m = Message::parse(&raw);
        assert_eq!(
            m.base_commit.as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(m.change_id.as_deref(), Some("20240101-foo-abc123"));
    }

    #[test]
    fn pull_request() {
        let body = "Hi,\n\nThe following changes since commit 1234567890abcdef1234567890abcdef12345678:\n\n  Linux 6.1 (2022-12-11 14:15:18 -0800)\n\nare available in the Git repository at:\n\n  git://git.kernel.org/pub/scm/linux/kernel/git/foo/bar.git tags/for-linus\n\nfor you to fetch changes up to abcdefabcdefabcdefabcdefabcdefabcdefabcd:\n\n  thing (2022-12-12)\n";
        let p = parse_pull_request(body).expect("pull request");
        assert_eq!(
            p.url,
            "git://git.kernel.org/pub/scm/linux/kernel/git/foo/bar.git"
        );
        assert_eq!(p.branch.as_deref(), Some("tags/for-linus"));
        assert_eq!(
            p.base.as_deref(),
            Some("1234567890abcdef1234567890abcdef12345678")
        );
        assert_eq!(
            p.tip.as_deref(),
            Some("abcdefabcdefabcdefabcdefabcdefabcdefabcd")
        );
    }

    #[test]
    fn garbage_never_panics() {
        for raw in [
            &b""[..],
            b"\xff\xfe\x00",
            b"From: <\nSubject: =?utf-8?B?####?=\n\n",
            b"Content-Type: multipart/mixed; boundary=x\n\n--x\n--x--\n--x",
        ] {
            let m = Message::parse(raw);
            assert!(!m.message_id.is_empty());
        }
    }
}
