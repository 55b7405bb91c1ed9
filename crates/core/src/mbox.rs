//! Mail in an mbox: one `From ` line before each message, and the lines of
//! a message that a reader would take for the next `From ` line quoted.
//!
//! Two readers matter, and they read differently, so there are two ways
//! to write, here side by side:
//!
//! - **mboxrd** ([`push_mboxrd`]): every line that is `From ` after any
//!   number of `>` gets one more `>`, and a reader takes one off again, so
//!   any message comes back byte for byte. `git am --patch-format=mboxrd`
//!   (a check's `$PUTT_MBOX`), mutt and most mail tools read it (the
//!   outbox).
//! - **for `git am` as it is usually run** ([`push_for_git_am`]): plain
//!   `git am FILE` splits at a line only when `git mailsplit` takes it for
//!   a `From ` line ([`splits_for_git`]: a date follows), and never
//!   unquotes; so only such lines are quoted, and the mbox `putt am`
//!   writes applies with the commands a maintainer types. Where quoting
//!   would change a commit, `putt am` sends the body base64 instead
//!   (see the store's apply).

/// The separator `git format-patch` and b4 write: what a patch mbox
/// starts each mail with.
pub const GIT_FROM_LINE: &str = "From git@z Thu Jan  1 00:00:00 1970\n";

/// The separator of an mboxrd made for a program to read.
pub const MBOXRD_FROM_LINE: &str = "From mboxrd@z Thu Jan  1 00:00:00 1970\n";

/// Appends `message` as mboxrd: `from_line` (ending in a newline), the
/// message with `>*From ` lines quoted once more, a closing blank line.
pub fn push_mboxrd(out: &mut Vec<u8>, from_line: &str, message: &[u8]) {
    out.extend_from_slice(from_line.as_bytes());
    for line in message.split_inclusive(|&b| b == b'\n') {
        let unquoted = line.iter().position(|&b| b != b'>').unwrap_or(line.len());
        if line[unquoted..].starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    end(out);
}

/// Appends `message` for plain `git am`: [`GIT_FROM_LINE`], the message
/// with the lines `git mailsplit` would split at quoted, a closing blank
/// line.
pub fn push_for_git_am(out: &mut Vec<u8>, message: &[u8]) {
    out.extend_from_slice(GIT_FROM_LINE.as_bytes());
    for line in message.split_inclusive(|b| *b == b'\n') {
        if splits_for_git(line.strip_suffix(b"\n").unwrap_or(line)) {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    end(out);
}

fn end(out: &mut Vec<u8>) {
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// Whether `git mailsplit` would take `line` (without its newline) for the
/// `From ` line starting a new mail: its `is_from_line`.
pub fn splits_for_git(line: &[u8]) -> bool {
    // git counts the newline in the length.
    if line.len() + 1 < 20 || !line.starts_with(b"From ") {
        return false;
    }
    // The last colon, searching back from the second-to-last byte.
    let Some(colon) = (4..line.len().saturating_sub(1))
        .rev()
        .find(|&i| line[i] == b':')
    else {
        return false;
    };
    let digit = |i: isize| {
        usize::try_from(colon as isize + i)
            .ok()
            .and_then(|j| line.get(j))
            .is_some_and(u8::is_ascii_digit)
    };
    if colon < 4 || !(digit(-4) && digit(-2) && digit(-1) && digit(1) && digit(2)) {
        return false;
    }
    let year: String = line[colon + 3..]
        .iter()
        .map(|&b| b as char)
        .skip_while(|c| c.is_ascii_whitespace())
        .take_while(char::is_ascii_digit)
        .collect();
    year.parse::<u64>().is_ok_and(|y| y > 90)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mboxrd_quotes_every_from_line_once_more() {
        let mut out = Vec::new();
        push_mboxrd(
            &mut out,
            MBOXRD_FROM_LINE,
            b"Subject: x\n\nFrom here\n>From there\nnot From\nend",
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: x\n\n>From here\n>>From there\nnot From\nend\n\n"
        );
    }

    #[test]
    fn for_git_am_only_what_git_would_split_at_is_quoted() {
        let mut out = Vec::new();
        push_for_git_am(
            &mut out,
            b"Subject: x\n\nFrom here on\nFrom 1234567 Mon Sep 17 00:00:00 2001\n",
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "From git@z Thu Jan  1 00:00:00 1970\nSubject: x\n\nFrom here on\n>From 1234567 Mon Sep 17 00:00:00 2001\n\n"
        );
        assert!(splits_for_git(b"From git@z Thu Jan  1 00:00:00 1970"));
        assert!(!splits_for_git(b"From here on, it works"));
    }
}
