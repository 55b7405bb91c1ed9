//! One patch mail made ready for `git am`: read the way `git am` reads it
//! (`git mailinfo`), collected trailers put into its trailer block, written
//! back as a plain mail.
//!
//! Going through `git mailinfo` is what makes the result exact: the author,
//! date, subject and commit message are what `git am` would take from the
//! original (in-body `From:` headers, scissors, MIME parts, transfer
//! encodings and charsets included), and the diff keeps its bytes: mailinfo
//! re-codes the message to UTF-8 but never the patch, and neither does the
//! mail written here, so a Latin-1 or quoted-printable patch still applies.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::mail::Addr;
use crate::reply::encode::{self, Charset};
use crate::trailers::{Person, Trailer, TrailerKind, commit_message_trailers};

use crate::mbox::GIT_FROM_LINE as FROM_LINE;

/// What `git mailinfo` reads from a mail: what `git am` would commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MailInfo {
    pub author: String,
    pub email: String,
    /// The subject with `Re:` and `[PATCH ...]` prefixes taken off.
    pub subject: String,
    pub date: String,
    /// The commit message below the subject, as bytes (UTF-8 unless the
    /// mail lied about its charset).
    pub message: Vec<u8>,
    /// Everything from the `---` line (or the diff) on, bytes as sent.
    pub patch: Vec<u8>,
    /// Something the user should know about how the mail was read.
    pub warning: Option<String>,
}

/// A relay (B4 Relay) sends in someone's name from its own address and
/// names them in `X-Original-From`; b4 also writes an in-body `From:`,
/// which git takes first. Without one, git would make the relay the
/// author: the sender it names is taken instead.
pub(crate) fn relay_author(raw: &[u8], info: &mut MailInfo) {
    let m = crate::mail::Message::parse(raw);
    if let Some(header) = &m.header_from
        && header.addr.eq_ignore_ascii_case(&info.email)
    {
        info.author = m.from.name.clone();
        info.email = m.from.addr.clone();
    }
}

/// Runs `git mailinfo --scissors` on one raw mail. CRLF line ends are made
/// LF first, as `git mailsplit` does before `git am` reads a mail.
///
/// A mail whose charset git does not know (`charset=a`: an answer typed at
/// git send-email's prompt) makes `git am` itself stop. It is read again
/// without re-coding instead: the bytes as sent, almost always UTF-8 by
/// then, which is what b4 makes of it too; [`MailInfo::warning`] says so.
pub(crate) fn mailinfo(raw: &[u8]) -> Result<MailInfo, String> {
    let input = strip_crlf(raw);
    match run_mailinfo(&input, "-u") {
        Err(e) if e.contains("cannot convert from") => {
            let mut info = run_mailinfo(&input, "-n").map_err(|_| e.clone())?;
            let detail = e.trim_start_matches("git mailinfo cannot read it: ");
            info.warning = Some(format!(
                "{}; its text is taken as sent, not re-coded",
                detail.trim_start_matches("error: ")
            ));
            Ok(info)
        }
        other => other,
    }
}

/// `git mailinfo --scissors` with `recode`: `-u` (re-code to UTF-8, as
/// `git am` runs it) or `-n` (no re-coding).
fn run_mailinfo(input: &[u8], recode: &str) -> Result<MailInfo, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let (msg, patch) = (dir.path().join("msg"), dir.path().join("patch"));
    let mut child = Command::new("git")
        // `-u` (as `git am` runs it) re-codes headers and message to
        // UTF-8; `--encoding=UTF-8` would leave the headers alone.
        .args([
            "-c",
            "i18n.commitEncoding=UTF-8",
            "mailinfo",
            recode,
            "--scissors",
        ])
        .arg(&msg)
        .arg(&patch)
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git mailinfo: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A failed write shows as mailinfo's own error below.
        let _ = stdin.write_all(input);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("git mailinfo: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("git mailinfo cannot read it: {}", err.trim()));
    }
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("git mailinfo output: {e}"));
    let mut info = MailInfo {
        message: read(&msg)?,
        patch: read(&patch)?,
        ..MailInfo::default()
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let value = value.to_string();
        match key {
            "Author" => info.author = value,
            "Email" => info.email = value,
            "Subject" => info.subject = value,
            "Date" => info.date = value,
            _ => {}
        }
    }
    Ok(info)
}

/// `\r\n` line ends as `\n`: what `git mailsplit` (without `--keep-cr`)
/// hands to `git am`.
pub(crate) fn strip_crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// The trailer as it is written into a commit: the usual spelling of a
/// known name, a `# comment` on the line, a `[comment]` on the next one.
pub(crate) fn trailer_text(t: &Trailer) -> String {
    let name = match t.kind {
        TrailerKind::Other => t.name.as_str(),
        kind => kind.canonical_name(),
    };
    match &t.comment {
        Some(c) if c.starts_with('[') => format!("{name}: {}\n{c}", t.value),
        Some(c) => format!("{name}: {} {c}", t.value),
        None => format!("{name}: {}", t.value),
    }
}

/// Whether two trailers say the same thing: the same kind (the same name
/// for unknown ones) about the same address, or with the same value (case
/// aside); two `Link:`s to one Message-ID are the same too.
pub(crate) fn same_trailer(a: &Trailer, b: &Trailer) -> bool {
    if a.kind != b.kind || (a.kind == TrailerKind::Other && !a.name.eq_ignore_ascii_case(&b.name)) {
        return false;
    }
    if let (Some(x), Some(y)) = (&a.person, &b.person) {
        return x.addr.eq_ignore_ascii_case(&y.addr);
    }
    if a.value.trim().eq_ignore_ascii_case(b.value.trim()) {
        return true;
    }
    a.kind == TrailerKind::Link
        && matches!((link_msgid(&a.value), link_msgid(&b.value)), (Some(x), Some(y)) if x == y)
}

/// The Message-ID in a `Link:` URL (`https://lore.kernel.org/r/<id>`,
/// `https://patch.msgid.link/<id>`): the path segment holding an `@`.
fn link_msgid(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let path = rest.split_once('/')?.1;
    path.split('/')
        .find(|seg| seg.contains('@'))
        .map(|seg| seg.replace("%40", "@").to_ascii_lowercase())
}

/// A trailer made by putt: the applier's sign-off, a `Link:`.
pub(crate) fn new_trailer(kind: TrailerKind, value: &str) -> Trailer {
    let person = kind.is_person().then(|| person_of(value)).flatten();
    Trailer {
        kind,
        name: kind.canonical_name().to_string(),
        value: value.to_string(),
        person,
        comment: None,
    }
}

fn person_of(value: &str) -> Option<Person> {
    let t = commit_message_trailers(&format!("x\n\nSigned-off-by: {value}\n"));
    t.into_iter().next().and_then(|t| t.person)
}

/// The single-line trailer on `line`, if it is one.
fn line_trailer(line: &str) -> Option<Trailer> {
    let mut t = commit_message_trailers(&format!("x\n\n{line}\n"));
    (t.len() == 1).then(|| t.remove(0))
}

/// The commit message with `new` trailers in its trailer block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WithTrailers {
    /// The message below the subject.
    pub message: Vec<u8>,
    /// The lines added, in order (the sign-off included when it was added
    /// or moved last).
    pub added: Vec<String>,
}

/// Puts `new` trailers at the end of the trailer block of the commit
/// message `subject` + `message` (a block is started after a blank line
/// when git sees none), leaving out any that the block (or an earlier one
/// of `new`) already says. Existing lines stay as they are, byte for byte.
/// `signoff` (`Name <addr>`) goes last: added, or moved to the end when the
/// block has it above trailers that are added now, the applier's place in
/// the chain of custody.
pub(crate) fn insert_trailers(
    subject: &str,
    message: &[u8],
    new: &[Trailer],
    signoff: Option<&str>,
) -> WithTrailers {
    let mut full = Vec::with_capacity(subject.len() + 2 + message.len());
    full.extend_from_slice(subject.as_bytes());
    full.extend_from_slice(b"\n\n");
    full.extend_from_slice(message);
    let text = String::from_utf8_lossy(&full).into_owned();
    let existing = commit_message_trailers(&text);
    let mut lines: Vec<Vec<u8>> = full.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    let text_lines: Vec<&str> = text.split('\n').collect();

    let mut adding: Vec<&Trailer> = Vec::new();
    for t in new {
        if !existing.iter().any(|e| same_trailer(e, t))
            && !adding.iter().any(|a| same_trailer(a, t))
        {
            adding.push(t);
        }
    }
    let mut added: Vec<String> = adding.iter().map(|t| trailer_text(t)).collect();
    let mut insert: Vec<Vec<u8>> = added.iter().map(|l| l.as_bytes().to_vec()).collect();

    let block = crate::trailers::trailer_block_lines(&text);
    let (mut at, need_blank) = match &block {
        Ok(range) => (range.end, false),
        Err(end) => (*end, true),
    };
    if let Some(sob) = signoff {
        let mine = new_trailer(TrailerKind::SignedOffBy, sob);
        let present = block.as_ref().ok().and_then(|range| {
            range.clone().find(|&i| {
                line_trailer(text_lines[i]).is_some_and(|t| same_trailer(&t, &mine))
                    // A sign-off folded over lines stays where it is.
                    && !text_lines
                        .get(i + 1)
                        .is_some_and(|n| i + 1 < range.end && n.starts_with([' ', '\t']))
            })
        });
        match present {
            Some(i) if added.is_empty() && i + 1 == at => {}
            Some(i) => {
                let line = lines.remove(i);
                at -= 1;
                added.push(String::from_utf8_lossy(&line).into_owned());
                insert.push(line);
            }
            None => {
                added.push(trailer_text(&mine));
                insert.push(trailer_text(&mine).into_bytes());
            }
        }
    }
    if !insert.is_empty() {
        if need_blank {
            insert.insert(0, Vec::new());
        }
        lines.splice(at..at, insert);
    }
    // Drop the subject and the blank line after it again.
    let body = lines.split_off(2.min(lines.len()));
    let mut message = body.join(&b'\n');
    if !message.is_empty() && !message.ends_with(b"\n") {
        message.push(b'\n');
    }
    WithTrailers { message, added }
}

/// What goes before `message` in the body of the mail written for it, so
/// that `git am` reads the message as it is: nothing, unless its first
/// line would be taken for an in-body header (`From:`, `Subject:`, `Date:`,
/// a `>From <sha> ...` line, `[PATCH] `). Then an in-body `From:` naming the
/// author `git mailinfo` found comes first, and the blank line after it
/// ends the in-body headers. A mail that already began with an in-body
/// `From:` and has a second one below it (linux-kbuild
/// <20260529185347.2418373-2-xur@google.com>) keeps that second line in the
/// message, as `git am` keeps it; without the guard the mbox would make
/// `git am` take it for the author.
pub(crate) fn inbody_guard(info: &MailInfo, message: &[u8]) -> Vec<u8> {
    let first = message
        .split(|b| *b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default();
    let lower = first.to_ascii_lowercase();
    // What git mailinfo's check_inbody_header takes: `From:`, `Subject:`,
    // `Date:` in any case (the colon right after the name), a `>From `
    // format-patch separator, `[PATCH]` and a space.
    let looks = [&b"from:"[..], b"subject:", b"date:", b">from "]
        .iter()
        .any(|p| lower.starts_with(p))
        || (lower.starts_with(b"[patch]") && lower.get(7).is_some_and(u8::is_ascii_whitespace));
    if !looks {
        return Vec::new();
    }
    let author = match (info.author.trim(), info.email.trim()) {
        ("", email) => email.to_string(),
        (name, "") => name.to_string(),
        (name, email) => format!("{name} <{email}>"),
    };
    format!("From: {}\n\n", encode::clean(&author)).into_bytes()
}

/// Writes a mail `git am` takes: the author and date `git mailinfo` found,
/// `subject` (with its `[PATCH ...]` prefix), the Message-ID, and `body`
/// (commit message, then the patch) as UTF-8 text, `From ` separator line
/// first. The body goes 7bit or 8bit as it is, unless an mbox reader would
/// change it: carriage returns (stripped by `git mailsplit`) or a line that
/// `git mailsplit` would take for the start of the next mail (a quoted
/// `From <sha> Mon Sep 17 00:00:00 2001`); then it goes base64, which
/// `git mailinfo` decodes back to the very same bytes, where escaping the
/// line with `>` would change the commit.
pub(crate) fn compose(info: &MailInfo, subject: &str, message_id: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 512);
    out.extend_from_slice(FROM_LINE.as_bytes());
    out.extend_from_slice(
        encode::fold("Subject", &encode::text_tokens(subject, Charset::Encoded)).as_bytes(),
    );
    let author = Addr {
        name: encode::clean(&info.author),
        addr: encode::clean(&info.email),
    };
    if !author.addr.is_empty() || !author.name.is_empty() {
        let tokens = if author.addr.is_empty() {
            encode::text_tokens(&author.name, Charset::Encoded)
        } else {
            encode::address_tokens(&[author], Charset::Encoded)
        };
        out.extend_from_slice(encode::fold("From", &tokens).as_bytes());
    }
    if !info.date.trim().is_empty() {
        out.extend_from_slice(format!("Date: {}\n", encode::clean(&info.date)).as_bytes());
    }
    if encode::valid_msg_id(message_id) {
        out.extend_from_slice(format!("Message-Id: <{message_id}>\n").as_bytes());
    }
    out.extend_from_slice(b"MIME-Version: 1.0\nContent-Type: text/plain; charset=\"utf-8\"\n");
    let splits = body.split(|b| *b == b'\n').any(crate::mbox::splits_for_git);
    if body.contains(&b'\r') || splits {
        out.extend_from_slice(b"Content-Transfer-Encoding: base64\n\n");
        out.extend_from_slice(base64_lines(body).as_bytes());
    } else {
        let cte = if body.is_ascii() { "7bit" } else { "8bit" };
        out.extend_from_slice(format!("Content-Transfer-Encoding: {cte}\n\n").as_bytes());
        out.extend_from_slice(body);
        if !body.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out.push(b'\n');
    out
}

/// A raw mail as one mbox entry (CRLF made LF, `From ` lines that would
/// split the mbox escaped).
pub(crate) fn raw_entry(raw: &[u8]) -> Vec<u8> {
    let raw = strip_crlf(raw);
    let mut out = Vec::with_capacity(raw.len() + 64);
    crate::mbox::push_for_git_am(&mut out, &raw);
    out
}

/// Base64 in lines of 76 characters.
fn base64_lines(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 57 + 4);
    for line in data.chunks(57) {
        for chunk in line.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
                if k <= chunk.len() {
                    out.push(ABC[((n >> shift) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(msg: &str, new: &[Trailer], sob: Option<&str>) -> (String, Vec<String>) {
        let w = insert_trailers("subject", msg.as_bytes(), new, sob);
        (String::from_utf8(w.message).expect("utf-8"), w.added)
    }

    fn rb(value: &str) -> Trailer {
        new_trailer(TrailerKind::ReviewedBy, value)
    }

    #[test]
    fn appends_to_the_block_and_skips_what_it_says() {
        let msg = "Body.\n\nSigned-off-by: A <a@example.org>\nReviewed-by: R <r@example.org>\n";
        let (out, added) = insert(
            msg,
            &[
                rb("Other Name <R@example.org>"),
                rb("S <s@example.org>"),
                rb("S Again <s@example.org>"),
            ],
            None,
        );
        assert_eq!(
            out,
            "Body.\n\nSigned-off-by: A <a@example.org>\nReviewed-by: R <r@example.org>\nReviewed-by: S <s@example.org>\n"
        );
        assert_eq!(added, vec!["Reviewed-by: S <s@example.org>"]);
    }

    #[test]
    fn starts_a_block_when_there_is_none() {
        let (out, _) = insert("Just prose.\n", &[rb("R <r@example.org>")], None);
        assert_eq!(out, "Just prose.\n\nReviewed-by: R <r@example.org>\n");
        let (out, _) = insert("", &[rb("R <r@example.org>")], None);
        // Only a subject: the trailers follow it (after git's blank line).
        assert_eq!(out, "Reviewed-by: R <r@example.org>\n\n");
    }

    #[test]
    fn keeps_trailing_blank_lines_and_notes_below() {
        let msg = "Body.\n\nSigned-off-by: A <a@example.org>\n\n";
        let (out, _) = insert(msg, &[rb("R <r@example.org>")], None);
        assert_eq!(
            out,
            "Body.\n\nSigned-off-by: A <a@example.org>\nReviewed-by: R <r@example.org>\n\n"
        );
    }

    #[test]
    fn signoff_is_added_or_moved_last() {
        let me = "Me <me@example.org>";
        let msg = "Body.\n\nSigned-off-by: A <a@example.org>\n";
        let (out, added) = insert(msg, &[rb("R <r@example.org>")], Some(me));
        assert!(
            out.ends_with("Reviewed-by: R <r@example.org>\nSigned-off-by: Me <me@example.org>\n")
        );
        assert_eq!(added.len(), 2);
        // Already last, nothing new: untouched.
        let msg = "Body.\n\nSigned-off-by: A <a@example.org>\nSigned-off-by: me <ME@example.org>\n";
        let (out, added) = insert(msg, &[], Some(me));
        assert_eq!(out, msg);
        assert!(added.is_empty());
        // Above new trailers: moved below them, as written.
        let (out, _) = insert(msg, &[rb("R <r@example.org>")], Some(me));
        assert_eq!(
            out,
            "Body.\n\nSigned-off-by: A <a@example.org>\nReviewed-by: R <r@example.org>\nSigned-off-by: me <ME@example.org>\n"
        );
    }

    #[test]
    fn comments_are_written_where_b4_writes_them() {
        let mut t = rb("R <r@example.org>");
        t.comment = Some("[for the DT bits]".into());
        assert_eq!(
            trailer_text(&t),
            "Reviewed-by: R <r@example.org>\n[for the DT bits]"
        );
        t.comment = Some("# v5.10".into());
        t.name = "reviewed-by".into();
        assert_eq!(trailer_text(&t), "Reviewed-by: R <r@example.org> # v5.10");
    }

    #[test]
    fn links_to_one_message_are_the_same() {
        let a = new_trailer(TrailerKind::Link, "https://lore.kernel.org/r/abc@x.org");
        let b = new_trailer(TrailerKind::Link, "https://patch.msgid.link/abc@x.org");
        let c = new_trailer(TrailerKind::Link, "https://patch.msgid.link/other@x.org");
        assert!(same_trailer(&a, &b));
        assert!(!same_trailer(&a, &c));
    }

    #[test]
    fn from_lines_as_mailsplit_sees_them() {
        assert!(crate::mbox::splits_for_git(
            b"From git@z Thu Jan  1 00:00:00 1970"
        ));
        assert!(crate::mbox::splits_for_git(
            b"From 1234abcd Mon Sep 17 00:00:00 2001"
        ));
        assert!(!crate::mbox::splits_for_git(
            b"From the spec: nothing here at all"
        ));
        assert!(!crate::mbox::splits_for_git(b"From: A <a@example.org>"));
        assert!(!crate::mbox::splits_for_git(b"From x"));
    }

    #[test]
    fn a_body_that_would_split_the_mbox_goes_base64_and_reads_back_exactly() {
        let info = MailInfo {
            author: "Jörg Dev".into(),
            email: "jorg@example.org".into(),
            subject: "x: quote a commit".into(),
            date: "Mon, 1 Jan 2024 00:00:00 +0000".into(),
            ..MailInfo::default()
        };
        let msg = "It failed:\n\nFrom 6a4b50585d74 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\n\nSigned-off-by: Jörg Dev <jorg@example.org>\n";
        let patch = "---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\r\n+b\r\n";
        let body = format!("{msg}{patch}");
        let mail = compose(
            &info,
            "[PATCH] x: quote a commit",
            "q@example.org",
            body.as_bytes(),
        );
        let text = String::from_utf8_lossy(&mail);
        assert!(
            text.contains("Content-Transfer-Encoding: base64\n"),
            "{text}"
        );
        let mail = mail.strip_prefix(FROM_LINE.as_bytes()).expect("from line");
        let back = mailinfo(mail).expect("git mailinfo");
        assert_eq!(back.author, "Jörg Dev");
        assert_eq!(back.subject, "x: quote a commit");
        assert_eq!(String::from_utf8_lossy(&back.message), msg);
        assert_eq!(String::from_utf8_lossy(&back.patch), patch);
    }

    #[test]
    fn inbody_headers_are_guarded_as_git_mailinfo_reads_them() {
        let info = MailInfo {
            author: "A U Thor".into(),
            email: "a@example.org".into(),
            ..MailInfo::default()
        };
        for guarded in [
            "From: B <b@example.org>\n\nText.\n",
            "subject: x\n",
            "DATE: today\n",
            ">From 6a4b50585d746a4b50585d746a4b50585d74abcd Mon Sep 17 00:00:00 2001\n",
            "[PATCH] more\n",
        ] {
            assert_eq!(
                inbody_guard(&info, guarded.as_bytes()),
                b"From: A U Thor <a@example.org>\n\n",
                "{guarded}"
            );
        }
        for plain in [
            "From the spec: ten is loud.\n",
            "From 6a4b50585d74 Mon Sep 17 00:00:00 2001\n",
            "FROM : C\n",
            "[PATCH]x\n",
            "Fix it.\n\nFrom: later <l@example.org>\n",
        ] {
            assert!(inbody_guard(&info, plain.as_bytes()).is_empty(), "{plain}");
        }
    }

    #[test]
    fn base64_round_numbers() {
        assert_eq!(base64_lines(b"foob"), "Zm9vYg==\n");
        assert_eq!(base64_lines(b"fooba"), "Zm9vYmE=\n");
        assert_eq!(base64_lines(b"foobar"), "Zm9vYmFy\n");
    }

    #[test]
    fn crlf_becomes_lf_only_at_line_ends() {
        assert_eq!(strip_crlf(b"a\r\nb\rc\r\n"), b"a\nb\rc\n");
    }
}
