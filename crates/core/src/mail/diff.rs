//! Finding unified diffs inside a mail body.
//!
//! A patch mail mixes prose (commit message, review comments), a diffstat
//! and one or more diffs (git, plain `diff -u`, CVS/SVN). The index needs
//! them apart: file names for `dfn:`, removed/added lines for `dfa:`/`dfb:`,
//! hunk headers for `dfhh:`, and the prose for `b:`. Hunk line counts drive
//! the parser, so a `-- ` signature right after a hunk is not taken for a
//! removed line.

use serde::Serialize;

/// One file touched by a diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    /// Path before the change; `None` for a new file.
    pub old_path: Option<String>,
    /// Path after the change; `None` for a deleted file.
    pub new_path: Option<String>,
    pub added: u32,
    pub removed: u32,
    pub binary: bool,
}

impl FileDiff {
    /// The path to show: the new one, or the old one for a deletion.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or("")
    }
}

/// Every diff found in a body, with the body's text split by role.
#[derive(Debug, Clone, Default)]
pub struct DiffSplit {
    pub files: Vec<FileDiff>,
    /// Text after the second `@@` of each hunk header (usually a function).
    pub hunk_headers: Vec<String>,
    /// Body lines that are not part of a diff, each ending in `\n`.
    pub prose: String,
    /// Removed lines (without the `-`), each ending in `\n`.
    pub removed: String,
    /// Added lines (without the `+`), each ending in `\n`.
    pub added: String,
    /// Byte offset in the body where the first diff starts.
    pub diff_start: Option<usize>,
    /// Facts about the prose, gathered in the same pass.
    pub has_diffstat: bool,
    /// Value of the first `base-commit:` line.
    pub base_commit: Option<String>,
    /// Value of the first `change-id:` line.
    pub change_id: Option<String>,
    /// A `The following changes since commit` line was seen.
    pub pull_request: bool,
}

impl DiffSplit {
    pub fn has_diff(&self) -> bool {
        !self.files.is_empty()
    }
}

enum State {
    Prose,
    /// Between `diff --git` (or `---`) and the first hunk.
    Header,
    Hunk {
        old_left: u32,
        new_left: u32,
    },
    Binary,
}

/// Splits a decoded body into prose and diffs.
pub fn split(body: &str) -> DiffSplit {
    let mut out = DiffSplit::default();
    let mut state = State::Prose;
    // Sized for lines of ~32 bytes (patch mail averages more), so the
    // list is rarely grown: growing it was a tenth of a parse's allocations.
    let mut lines: Vec<(usize, &str)> = Vec::with_capacity(body.len() / 32 + 8);
    lines.extend(line_offsets(body));
    let mut i = 0;
    while i < lines.len() {
        let (offset, raw_line) = lines[i];
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        match state {
            State::Prose | State::Header => {
                let in_header = matches!(state, State::Header);
                if let Some(rest) = line.strip_prefix("diff --git ") {
                    let (old, new) = git_header_paths(rest);
                    out.files.push(FileDiff {
                        old_path: old,
                        new_path: new,
                        ..FileDiff::default()
                    });
                    out.diff_start.get_or_insert(offset);
                    state = State::Header;
                } else if line.starts_with("--- ")
                    && lines
                        .get(i + 1)
                        .is_some_and(|(_, next)| next.starts_with("+++ "))
                    && (in_header
                        || lines
                            .get(i + 2)
                            .is_some_and(|(_, next)| next.starts_with("@@ ")))
                {
                    let old = marker_path(&line[4..], "a/");
                    let next = lines[i + 1].1;
                    let next = next.strip_suffix('\r').unwrap_or(next);
                    let new = marker_path(&next[4..], "b/");
                    // A git header already named the file; ---/+++ only refine it.
                    let reuse = in_header
                        && out
                            .files
                            .last()
                            .is_some_and(|f| f.added == 0 && f.removed == 0 && !f.binary);
                    if reuse {
                        if let Some(f) = out.files.last_mut() {
                            f.old_path = old;
                            f.new_path = new;
                        }
                    } else {
                        out.files.push(FileDiff {
                            old_path: old,
                            new_path: new,
                            ..FileDiff::default()
                        });
                        out.diff_start.get_or_insert(offset);
                    }
                    i += 2;
                    state = State::Header;
                    continue;
                } else if in_header && line.starts_with("@@ ") {
                    state = hunk_start(line, &mut out);
                } else if in_header && is_git_extended_header(line) {
                    if let Some(f) = out.files.last_mut() {
                        if line.starts_with("new file mode") {
                            f.old_path = None;
                        } else if line.starts_with("deleted file mode") {
                            f.new_path = None;
                        } else if let Some(p) = line.strip_prefix("rename from ") {
                            f.old_path = Some(unquote(p));
                        } else if let Some(p) = line.strip_prefix("rename to ") {
                            f.new_path = Some(unquote(p));
                        }
                    }
                } else if in_header && line == "GIT binary patch" {
                    if let Some(f) = out.files.last_mut() {
                        f.binary = true;
                    }
                    state = State::Binary;
                } else if in_header
                    && line.starts_with("Binary files ")
                    && line.ends_with(" differ")
                {
                    if let Some(f) = out.files.last_mut() {
                        f.binary = true;
                    }
                } else {
                    state = State::Prose;
                    out.push_prose(line);
                }
            }
            State::Hunk {
                mut old_left,
                mut new_left,
            } => {
                let first = line.as_bytes().first().copied();
                let file = out.files.last_mut();
                match first {
                    Some(b'+') if new_left > 0 => {
                        new_left -= 1;
                        if let Some(f) = file {
                            f.added += 1;
                        }
                        push_line(&mut out.added, &line[1..]);
                    }
                    Some(b'-') if old_left > 0 => {
                        old_left -= 1;
                        if let Some(f) = file {
                            f.removed += 1;
                        }
                        push_line(&mut out.removed, &line[1..]);
                    }
                    Some(b' ') | None if old_left > 0 && new_left > 0 => {
                        // Mailers strip the space of an empty context line.
                        old_left -= 1;
                        new_left -= 1;
                    }
                    Some(b'\\') => {}
                    _ => {
                        // The counts said more was coming, but this line is not a
                        // hunk line: a mangled patch. Treat it as prose again.
                        state = State::Prose;
                        continue;
                    }
                }
                state = if old_left == 0 && new_left == 0 {
                    // "\ No newline at end of file" may still follow.
                    if lines
                        .get(i + 1)
                        .is_some_and(|(_, next)| next.starts_with('\\'))
                    {
                        i += 1;
                    }
                    State::Header
                } else {
                    State::Hunk { old_left, new_left }
                };
            }
            State::Binary => {
                if line.starts_with("diff --git ") {
                    state = State::Prose;
                    continue;
                }
                let binary_line = line.is_empty()
                    || line.starts_with("literal ")
                    || line.starts_with("delta ")
                    || is_base85_line(line);
                if !binary_line {
                    state = State::Prose;
                    out.push_prose(line);
                }
            }
        }
        i += 1;
    }
    out
}

fn hunk_start(line: &str, out: &mut DiffSplit) -> State {
    // @@ -l[,n] +l[,n] @@ text
    let rest = &line[3..];
    let Some(end) = rest.find(" @@") else {
        return State::Header;
    };
    let ranges = &rest[..end];
    let mut old_count = None;
    let mut new_count = None;
    for part in ranges.split_whitespace() {
        let count = |spec: &str| -> Option<u32> {
            match spec.split_once(',') {
                Some((_, n)) => n.parse().ok(),
                None => spec.parse::<u32>().ok().map(|_| 1),
            }
        };
        if let Some(spec) = part.strip_prefix('-') {
            old_count = count(spec);
        } else if let Some(spec) = part.strip_prefix('+') {
            new_count = count(spec);
        }
    }
    let (Some(old_left), Some(new_left)) = (old_count, new_count) else {
        return State::Header;
    };
    let text = rest[end + 3..].trim();
    if !text.is_empty() {
        out.hunk_headers.push(text.to_string());
    }
    if old_left == 0 && new_left == 0 {
        return State::Header;
    }
    State::Hunk { old_left, new_left }
}

impl DiffSplit {
    fn push_prose(&mut self, line: &str) {
        push_line(&mut self.prose, line);
        let t = line.trim_start();
        // Each test below wants one first byte; most lines want none.
        match t.as_bytes().first() {
            Some(b'0'..=b'9' | b'+') if !self.has_diffstat && is_diffstat_summary(t) => {
                self.has_diffstat = true;
            }
            Some(b'b' | b'B') if self.base_commit.is_none() => {
                self.base_commit = key_value(t, "base-commit:");
            }
            Some(b'c' | b'C') if self.change_id.is_none() => {
                self.change_id = key_value(t, "change-id:");
            }
            Some(b'T') if t.starts_with("The following changes since commit") => {
                self.pull_request = true;
            }
            _ => {}
        }
    }
}

/// `key value` (case-insensitive key, one word of value) at a line start.
fn key_value(line: &str, key: &str) -> Option<String> {
    if line.len() <= key.len() || !line.is_char_boundary(key.len()) {
        return None;
    }
    let (k, v) = line.split_at(key.len());
    if !k.eq_ignore_ascii_case(key) {
        return None;
    }
    let v = v.trim();
    (!v.is_empty() && !v.contains(char::is_whitespace)).then(|| v.to_string())
}

fn is_diffstat_summary(l: &str) -> bool {
    // Most prose lines fail the cheap test of the first token's first byte.
    l.as_bytes()
        .first()
        .is_some_and(|b| matches!(b, b'0'..=b'9' | b'+'))
        && (l.contains(" file changed") || l.contains(" files changed"))
        && l.split_whitespace()
            .next()
            .is_some_and(|n| n.parse::<u32>().is_ok())
}

/// Appends a line with its terminator (so empty lines count too).
fn push_line(buf: &mut String, line: &str) {
    buf.push_str(line);
    buf.push('\n');
}

fn line_offsets(body: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    crate::lines::split_nl(body).map(move |line| {
        let start = offset;
        offset += line.len() + 1;
        (start, line)
    })
}

fn is_git_extended_header(line: &str) -> bool {
    const PREFIXES: [&str; 12] = [
        "index ",
        "old mode ",
        "new mode ",
        "new file mode ",
        "deleted file mode ",
        "similarity index ",
        "dissimilarity index ",
        "rename from ",
        "rename to ",
        "copy from ",
        "copy to ",
        "mode change ",
    ];
    PREFIXES.iter().any(|p| line.starts_with(p))
}

fn is_base85_line(line: &str) -> bool {
    let mut chars = line.chars();
    matches!(chars.next(), Some('A'..='Z' | 'a'..='z'))
        && line.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || "!#$%&()*+-;<=>?@^_`{|}~".contains(c))
}

/// Paths of `diff --git a/x b/y`. Unquoted paths with spaces are ambiguous;
/// when both halves are equal (the usual case) split in the middle.
fn git_header_paths(rest: &str) -> (Option<String>, Option<String>) {
    let rest = rest.trim_end();
    if rest.starts_with('"') {
        let mut parts = split_quoted(rest);
        let old = parts.next().map(|p| strip_ab(&p, "a/"));
        let new = parts.next().map(|p| strip_ab(&p, "b/"));
        return (old, new);
    }
    if let Some(a) = rest.strip_prefix("a/") {
        let bytes = a.as_bytes();
        // Equal halves: "x b/x".
        if bytes.len() % 2 == 1 && a.is_char_boundary(bytes.len() / 2) {
            let half = bytes.len() / 2;
            let (left, right) = (&a[..half], &a[half..]);
            if right.strip_prefix(" b/") == Some(left) {
                return (Some(left.to_string()), Some(left.to_string()));
            }
        }
        if let Some(pos) = a.find(" b/") {
            return (Some(a[..pos].to_string()), Some(a[pos + 3..].to_string()));
        }
    }
    let mut it = rest.split_whitespace();
    (
        it.next().map(|p| strip_ab(p, "a/")),
        it.next().map(|p| strip_ab(p, "b/")),
    )
}

fn split_quoted(s: &str) -> impl Iterator<Item = String> + '_ {
    let mut rest = s.trim();
    std::iter::from_fn(move || {
        rest = rest.trim_start();
        if rest.is_empty() {
            return None;
        }
        if rest.starts_with('"') {
            let mut end = 1;
            let bytes = rest.as_bytes();
            while end < bytes.len() {
                if bytes[end] == b'\\' {
                    end += 2;
                    continue;
                }
                if bytes[end] == b'"' {
                    break;
                }
                end += 1;
            }
            let end = end.min(bytes.len().saturating_sub(1));
            let token = unquote(&rest[..=end]);
            rest = rest.get(end + 1..).unwrap_or("");
            Some(token)
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            let token = rest[..end].to_string();
            rest = &rest[end..];
            Some(token)
        }
    })
}

/// Removes C-style quoting git uses for unusual path names.
fn unquote(s: &str) -> String {
    let s = s.trim();
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    match it.peek() {
                        Some(&o @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(o - b'0');
                            it.next();
                        }
                        _ => break,
                    }
                }
                bytes.push((value & 0xff) as u8);
            }
            Some(other) => bytes.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn strip_ab(path: &str, prefix: &str) -> String {
    let path = unquote(path);
    path.strip_prefix(prefix).unwrap_or(&path).to_string()
}

/// The path of a `--- a/x` or `+++ b/x` line; `/dev/null` is no path.
fn marker_path(rest: &str, prefix: &str) -> Option<String> {
    // Drop a trailing timestamp (`\t2024-01-01 ...`) of non-git diffs.
    let rest = rest.split('\t').next().unwrap_or(rest).trim_end();
    if rest == "/dev/null" {
        return None;
    }
    Some(strip_ab(rest, prefix))
}

/// Whether the body carries a diffstat summary line (`N files changed, ...`),
/// the mark of a cover letter or a patch.
pub fn has_diffstat(text: &str) -> bool {
    text.lines().any(|l| is_diffstat_summary(l.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "Fix the thing.\n\nSigned-off-by: A <a@example.org>\n---\n foo/bar.c | 3 ++-\n 1 file changed, 2 insertions(+), 1 deletion(-)\n\ndiff --git a/foo/bar.c b/foo/bar.c\nindex 1111111..2222222 100644\n--- a/foo/bar.c\n+++ b/foo/bar.c\n@@ -1,3 +1,4 @@ int main(void)\n context\n-old line\n+new line\n+another\n \n-- \n2.43.0\n";

    #[test]
    fn splits_prose_and_diff() {
        let d = split(PATCH);
        assert_eq!(d.files.len(), 1);
        assert_eq!(d.files[0].old_path.as_deref(), Some("foo/bar.c"));
        assert_eq!(d.files[0].new_path.as_deref(), Some("foo/bar.c"));
        assert_eq!((d.files[0].added, d.files[0].removed), (2, 1));
        assert_eq!(d.removed, "old line\n");
        assert_eq!(d.added, "new line\nanother\n");
        assert_eq!(d.hunk_headers, vec!["int main(void)".to_string()]);
        assert!(d.prose.contains("Fix the thing."));
        // The signature after the hunk is prose, not a removed line.
        assert!(d.prose.contains("-- "));
        assert!(!d.prose.contains("new line"));
        assert!(has_diffstat(&d.prose));
    }

    #[test]
    fn new_deleted_and_renamed_files() {
        let body = "diff --git a/new.txt b/new.txt\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+hello\ndiff --git a/old.txt b/old.txt\ndeleted file mode 100644\n--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\ndiff --git a/x/a.c b/y/b.c\nsimilarity index 90%\nrename from x/a.c\nrename to y/b.c\n";
        let d = split(body);
        assert_eq!(d.files.len(), 3);
        assert_eq!(d.files[0].old_path, None);
        assert_eq!(d.files[0].new_path.as_deref(), Some("new.txt"));
        assert_eq!(d.files[1].new_path, None);
        assert_eq!(d.files[1].old_path.as_deref(), Some("old.txt"));
        assert_eq!(d.files[2].old_path.as_deref(), Some("x/a.c"));
        assert_eq!(d.files[2].new_path.as_deref(), Some("y/b.c"));
    }

    #[test]
    fn plain_unified_diff_without_git_header() {
        let body = "Index: foo.c\n===================================================================\n--- foo.c\t2009-01-01 00:00:00\n+++ foo.c\t2009-01-02 00:00:00\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n";
        let d = split(body);
        assert_eq!(d.files.len(), 1);
        assert_eq!(d.files[0].path(), "foo.c");
        assert_eq!(d.added, "b\n");
        assert!(d.prose.contains("Index: foo.c"));
    }

    #[test]
    fn prose_with_dashes_is_not_a_diff() {
        let d = split("--- a/b\nsome text\n+++ nope\n");
        assert!(!d.has_diff());
    }

    #[test]
    fn quoted_paths_and_spaces() {
        let (o, n) = git_header_paths("\"a/sp ace\\303\\251.c\" \"b/sp ace\\303\\251.c\"");
        assert_eq!(o.as_deref(), Some("sp aceé.c"));
        assert_eq!(n.as_deref(), Some("sp aceé.c"));
        let (o, n) = git_header_paths("a/with space.c b/with space.c");
        assert_eq!(o.as_deref(), Some("with space.c"));
        assert_eq!(n.as_deref(), Some("with space.c"));
    }

    #[test]
    fn multibyte_paths_never_split_inside_a_character() {
        // Found by the fuzzer: the middle of the header fell inside 'é'.
        for rest in ["a/é b/x", "a/xé b/", "a/ééé", "a/\u{fffd}\u{fffd} b/é"] {
            let _ = git_header_paths(rest);
            let _ = split(&format!(
                "diff --git {rest}\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
            ));
        }
    }

    #[test]
    fn binary_patch_then_text() {
        let body = "diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0000000..abc\nGIT binary patch\nliteral 10\nRcmZ?wbhEHb6krfw0000\n\nliteral 0\nHcmV?d00001\n\ndiff --git a/t.c b/t.c\n--- a/t.c\n+++ b/t.c\n@@ -1 +1 @@\n-x\n+y\n";
        let d = split(body);
        assert_eq!(d.files.len(), 2);
        assert!(d.files[0].binary);
        assert_eq!(d.files[1].path(), "t.c");
        assert_eq!(d.added, "y\n");
    }
}
