//! What the workers read for the screens, and the shapes they hand over.
//!
//! A screen never reads the index, git or a store: it asks with a request
//! and gets one of these back ([`crate::event::execute`] calls them). The
//! series list's page with the rules and checks of each row, a revision's
//! messages as a thread, one message laid out for the pager (headers,
//! quotes, trailers, diffstat, diff, signature, each with its theme role).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::error::Result;
use crate::flow::Flow;
use crate::ui::pager::PagerLine;
use crate::ui::{clean, clean_body_line, date_time};
use putt_core::mail::Message;
use putt_core::series::Series;
use putt_core::thread::Thread;
use putt_core::trailers::TrailerKind;
use putt_ops::check::CheckStatus;
use putt_ops::index::{Index, MessageSummary};
use putt_ops::series::{RevisionInfo, SeriesPage};

/// What the workflow says about a series' newest revision, as a row of
/// the list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowFlow {
    /// The worst status of its checks.
    pub check: Option<CheckStatus>,
    /// Names of the rules that match, in config order.
    pub rules: Vec<String>,
}

/// A page of the series list: the series, each one's [`RowFlow`], and
/// whether any check ever ran (the list has a check column then).
pub struct ListPage {
    pub page: SeriesPage,
    pub flow: Vec<RowFlow>,
    pub checks_ran: bool,
}

/// Reads a page of the series matching `query`, from the `offset`-th
/// matching message on.
pub fn list_page(
    index: &Index,
    flow: &Flow,
    query: &str,
    now: chrono::DateTime<chrono::Utc>,
    offset: usize,
    hits: usize,
    patches_only: bool,
) -> Result<ListPage> {
    let wf = flow.current();
    let q = wf.parse_query(query, now)?;
    let page = wf.series_page(index, &q, offset, hits, patches_only)?;
    let flow = page
        .series
        .iter()
        .map(|s| RowFlow {
            check: wf.check_status(s.latest()),
            rules: wf.matching_rules(index, s, s.latest()),
        })
        .collect();
    Ok(ListPage {
        page,
        flow,
        checks_ran: wf.checks_ran(),
    })
}

/// One drawn line of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRow {
    pub message_id: String,
    /// Tree drawing before the subject.
    pub prefix: String,
    pub subject: String,
    pub from: String,
    pub date: i64,
    /// False for a placeholder (a message the archive lacks).
    pub present: bool,
}

/// The thread of one revision, and the state, rules and checks of each
/// revision of the series.
pub fn thread(
    index: &Index,
    flow: &Flow,
    series: &Series,
    revision: usize,
) -> Result<(Vec<ThreadRow>, Vec<RevisionInfo>)> {
    let rows = thread_rows(index, series, revision)?;
    let wf = flow.current();
    let infos = series
        .revisions
        .iter()
        .map(|r| wf.revision_info(index, series, r))
        .collect();
    Ok((rows, infos))
}

/// Loads the messages of one revision (cover, patches, including ones
/// inherited from an older revision, and follow-ups) as a thread.
fn thread_rows(index: &Index, series: &Series, revision: usize) -> Result<Vec<ThreadRow>> {
    let Some(rev) = series.revisions.get(revision) else {
        return Ok(Vec::new());
    };
    let mut ids: BTreeSet<&str> = rev.members.iter().map(String::as_str).collect();
    ids.extend(rev.patches.iter().map(|p| p.mail.message_id.as_str()));
    if let Some(c) = &rev.cover {
        ids.insert(c.message_id.as_str());
    }
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(m) = index.by_message_id(id)?.into_iter().next() {
            found.push(m);
        }
    }
    let thread = Thread::build(found);
    Ok(thread
        .lines()
        .into_iter()
        .map(|l| {
            let node = &thread.nodes[l.node];
            match &node.message {
                Some(m) => ThreadRow {
                    message_id: node.message_id.clone(),
                    prefix: l.prefix,
                    subject: m.subject.clone(),
                    from: m.from_name(),
                    date: m.date,
                    present: true,
                },
                None => ThreadRow {
                    message_id: node.message_id.clone(),
                    prefix: l.prefix,
                    subject: String::new(),
                    from: String::new(),
                    date: 0,
                    present: false,
                },
            }
        })
        .collect())
}

/// Addresses shown per To or Cc header.
const MAX_ADDRESSES: usize = 4;

/// Reads and lays out a message (the first copy of a reused Message-ID).
pub fn message(index: &Index, message_id: &str) -> Result<Arc<Vec<PagerLine>>> {
    let found = index.by_message_id(message_id)?;
    let Some(m) = found.first() else {
        return Err(putt_ops::error::StoreError::NoSuchMessage(message_id.to_string()).into());
    };
    let raw = index.raw_message(m)?;
    let msg = Message::parse(&raw);
    Ok(Arc::new(layout(&msg, m)))
}

/// Headers, then the body with roles: quotes, trailers, diffstat, diff
/// (file headers, hunks, added, removed, context) and signature.
pub fn layout(msg: &Message, summary: &MessageSummary) -> Vec<PagerLine> {
    let mut out = Vec::new();
    let header = |name: &str, value: &str| {
        PagerLine::new("header.name", format!("{name}: ")).push("header.value", clean(value))
    };
    out.push(header("From", &msg.from.display()));
    // A patch Cc'd to thirty people would push the body off the screen:
    // the first few addresses, and how many more (a reply still gets all).
    let addrs = |v: &[putt_core::mail::Addr]| {
        let mut shown = v
            .iter()
            .take(MAX_ADDRESSES)
            .map(|a| a.display())
            .collect::<Vec<_>>()
            .join(", ");
        if v.len() > MAX_ADDRESSES {
            shown.push_str(&format!(" and {} more", v.len() - MAX_ADDRESSES));
        }
        shown
    };
    if !msg.to.is_empty() {
        out.push(header("To", &addrs(&msg.to)));
    }
    if !msg.cc.is_empty() {
        out.push(header("Cc", &addrs(&msg.cc)));
    }
    out.push(header("Date", &date_time(summary.date)));
    out.push(header("Subject", &msg.subject));
    out.push(header("Message-ID", &format!("<{}>", msg.message_id)));
    if let Some(p) = msg.parent() {
        out.push(header("In-Reply-To", &format!("<{p}>")));
    }
    if msg.is_degraded() {
        out.push(header("X-Putt-Degraded", &msg.problems.join(", ")));
    }
    out.push(PagerLine::blank());
    out.extend(body_lines(&msg.body, msg.diff.diff_start));
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Prose,
    Diffstat,
    /// Between `diff --git` and the first hunk.
    FileHeader,
    Hunk {
        old: u32,
        new: u32,
    },
    Signature,
}

/// Classifies body lines. Hunk line counts decide where a hunk ends, so a
/// removed line that reads `-- ` is not taken for a signature.
pub fn body_lines(body: &str, diff_start: Option<usize>) -> Vec<PagerLine> {
    let mut out = Vec::new();
    let mut part = Part::Prose;
    let mut offset = 0usize;
    for raw in body.split_inclusive('\n') {
        let at = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let in_diff = diff_start.is_some_and(|d| at >= d);
        if let Part::Hunk { old, new } = part {
            let (role, old, new) = match line.as_bytes().first() {
                Some(b'+') => ("diff.add", old, new.saturating_sub(1)),
                Some(b'-') => ("diff.remove", old.saturating_sub(1), new),
                Some(b'\\') => ("diff.context", old, new),
                _ => ("diff.context", old.saturating_sub(1), new.saturating_sub(1)),
            };
            out.push(PagerLine::new(role, clean_body_line(line)));
            part = if old == 0 && new == 0 {
                Part::Prose
            } else {
                Part::Hunk { old, new }
            };
            continue;
        }
        if part == Part::Signature {
            out.push(PagerLine::new("signature", clean_body_line(line)));
            continue;
        }
        if line == "-- " {
            part = Part::Signature;
            out.push(PagerLine::new("signature", clean_body_line(line)));
            continue;
        }
        if in_diff || part == Part::FileHeader {
            if let Some((old, new)) = hunk_counts(line) {
                part = Part::Hunk { old, new };
                out.push(PagerLine::new("diff.hunk", clean_body_line(line)));
                continue;
            }
            if is_file_header(line) {
                part = Part::FileHeader;
                out.push(PagerLine::new("diff.file", clean_body_line(line)));
                continue;
            }
            if part == Part::FileHeader && !line.is_empty() && !line.starts_with(' ') {
                out.push(PagerLine::new("diff.file", clean_body_line(line)));
                continue;
            }
            part = Part::Prose;
        }
        if line == "---" && !in_diff {
            part = Part::Diffstat;
            out.push(PagerLine::new("diffstat", clean_body_line(line)));
            continue;
        }
        let role = if part == Part::Diffstat {
            "diffstat"
        } else if line.starts_with('>') {
            "quote"
        } else if is_trailer(line) {
            "trailer"
        } else {
            "normal"
        };
        out.push(PagerLine::new(role, clean_body_line(line)));
    }
    out
}

fn is_file_header(line: &str) -> bool {
    [
        "diff --git ",
        "diff -",
        "index ",
        "--- ",
        "+++ ",
        "new file mode",
        "deleted file mode",
        "old mode",
        "new mode",
        "similarity index",
        "rename from",
        "rename to",
        "copy from",
        "copy to",
        "Binary files",
        "GIT binary patch",
    ]
    .iter()
    .any(|p| line.starts_with(p))
}

/// `@@ -10,1 +10,4 @@ ...` -> (1, 4).
fn hunk_counts(line: &str) -> Option<(u32, u32)> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let count = |r: &str| -> Option<u32> {
        match r.split_once(',') {
            Some((_, n)) => n.parse().ok(),
            None => r.parse::<u32>().ok().map(|_| 1),
        }
    };
    Some((count(old)?, count(new)?))
}

/// `Reviewed-by: A <a@b>`, `Fixes: 1234 ("x")`, `Link: ...`.
pub fn is_trailer(line: &str) -> bool {
    let Some((name, value)) = line.split_once(": ") else {
        return false;
    };
    if name.is_empty()
        || value.trim().is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || !name.starts_with(|c: char| c.is_ascii_alphabetic())
    {
        return false;
    }
    TrailerKind::from_name(name) != TrailerKind::Other || name.to_ascii_lowercase().ends_with("-by")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(body: &str) -> Vec<(&'static str, String)> {
        let diff_start = putt_core::mail::diff::split(body).diff_start;
        body_lines(body, diff_start)
            .into_iter()
            .map(|l| (l.segs[0].0, l.text()))
            .collect()
    }

    #[test]
    fn a_patch_gets_its_roles() {
        let body = "fix it\n\nReviewed-by: A <a@b>\nSigned-off-by: B <b@c>\n---\n f.c | 2 +-\n\ndiff --git a/f.c b/f.c\nindex 1..2 100644\n--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@ int f()\n ctx\n--- removed dashes\n+added\n-- \n2.43.0\n";
        let r = roles(body);
        let get = |t: &str| r.iter().find(|(_, x)| x == t).map(|(role, _)| *role);
        assert_eq!(get("Reviewed-by: A <a@b>"), Some("trailer"));
        assert_eq!(get(" f.c | 2 +-"), Some("diffstat"));
        assert_eq!(get("diff --git a/f.c b/f.c"), Some("diff.file"));
        assert_eq!(get("+++ b/f.c"), Some("diff.file"));
        assert_eq!(get("@@ -1,2 +1,2 @@ int f()"), Some("diff.hunk"));
        assert_eq!(get("--- removed dashes"), Some("diff.remove"));
        assert_eq!(get("+added"), Some("diff.add"));
        assert_eq!(get("-- "), Some("signature"));
        assert_eq!(get("2.43.0"), Some("signature"));
    }

    #[test]
    fn quotes_and_escapes() {
        let r = roles("> quoted\x1b[31m\nplain\tx\n");
        assert_eq!(r[0], ("quote", "> quoted^[[31m".to_string()));
        assert_eq!(r[1], ("normal", "plain   x".to_string()));
    }

    #[test]
    fn trailer_lines() {
        assert!(is_trailer("Acked-by: X <x@y>"));
        assert!(is_trailer("Requested-by: X <x@y>"));
        assert!(is_trailer("Fixes: 123456789abc (\"x\")"));
        assert!(!is_trailer("Note: this is prose"));
        assert!(!is_trailer("> Acked-by: X <x@y>"));
    }
}
