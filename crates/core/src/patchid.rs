//! `git patch-id --stable`, computed in-process.
//!
//! Trailers carry over from one revision of a series to the next when the
//! patch itself did not change, and "did not change" means b4's test: the
//! same `git patch-id --stable`. Running git once per mail would cost
//! milliseconds each at LKML scale, so this module computes the same id
//! itself, byte for byte as git does (builtin/patch-id.c as of git 2.47),
//! quirks included, and the tests check it against the installed git.
//!
//! What the id ignores, as git does: the commit message, `index` lines, hunk
//! header line numbers, all white space inside lines, `\ No newline at end
//! of file`, and the order of files (each file is hashed on its own and the
//! per-file hashes are added up). It stops at the end of the diff: the
//! `-- ` signature, a blank line, or the start of a next mail.

use sha1::{Digest, Sha1};

/// The stable patch id of a patch (the decoded body of a mail: commit
/// message, `---`, diffstat, diff), as 40 lowercase hex digits; `None` when
/// the text holds no diff (no line starting with `diff `).
///
/// Like b4, which takes the first line `git patch-id` prints, this is the id
/// of the first patch in the text.
pub fn patch_id_stable(patch_text: &str) -> Option<String> {
    // The commit message is skipped up to the first "diff " line; a
    // substring search finds it faster than walking the message by lines.
    let start = if patch_text.starts_with("diff ") {
        0
    } else {
        patch_text.find("\ndiff ")? + 1
    };
    patch_id_stable_bytes(&patch_text.as_bytes()[start..])
}

/// [`patch_id_stable`] on raw bytes: git works on bytes, and mail is not
/// always valid UTF-8.
pub fn patch_id_stable_bytes(patch: &[u8]) -> Option<String> {
    // Mail almost never holds a NUL: then no line needs cutting at one.
    let nul = memchr::memchr(0, patch).is_some();
    let mut lines = crate::lines::split_inclusive_nl(patch)
        .map(|line| if nul { c_string(line) } else { line })
        // git skips the commit message up to the first "diff " line. (A line
        // starting with an object name before it would end git's first,
        // empty, round; the next round starts the same way, so it is moot.)
        .skip_while(|line| !line.starts_with(b"diff "))
        .peekable();
    lines.peek()?;

    let mut state = PatchState::default();
    for line in lines {
        if state.step(line) == Step::Stop {
            break;
        }
    }
    state.flush_file();
    Some(hex(&state.result))
}

/// The line as C sees it: git reads lines with `strbuf_getwholeline` and then
/// uses C string functions, so anything from a NUL byte on is invisible.
fn c_string(line: &[u8]) -> &[u8] {
    match line.iter().position(|&b| b == 0) {
        Some(nul) => &line[..nul],
        None => line,
    }
}

#[derive(PartialEq, Eq)]
enum Step {
    Continue,
    Stop,
}

/// The state of git's `get_one_patchid` once it has seen the first `diff `.
struct PatchState {
    /// Lines left in the current hunk; -1 while reading a file's header.
    before: i32,
    after: i32,
    diff_is_binary: bool,
    /// Blob names from the last `index` line, hashed for binary files.
    /// Empty until one is seen: git leaves them uninitialised and hashes
    /// stack garbage for a binary file without an `index` line.
    pre_oid: Vec<u8>,
    post_oid: Vec<u8>,
    /// Hash of the current file.
    ctx: Sha1,
    /// The current file's lines without white space, not yet hashed: one
    /// hash update per file instead of one per word.
    pending: Vec<u8>,
    /// Sum of the per-file hashes.
    result: [u8; 20],
}

impl Default for PatchState {
    fn default() -> Self {
        PatchState {
            before: -1,
            after: -1,
            diff_is_binary: false,
            pre_oid: Vec::new(),
            post_oid: Vec::new(),
            ctx: Sha1::new(),
            pending: Vec::new(),
            result: [0; 20],
        }
    }
}

impl PatchState {
    fn step(&mut self, line: &[u8]) -> Step {
        // "\ No newline at end of file" (in any language) never counts, not
        // even among a file's header lines. (git 2.48 moved this test below
        // the header parsing; that only matters for malformed diffs.)
        if line.starts_with(b"\\ ") && line.len() > 12 {
            return Step::Continue;
        }

        // The start of a next patch: "<object name>", "commit <object name>"
        // or "From <object name>" (an mbox separator).
        let p = line
            .strip_prefix(b"commit ")
            .or_else(|| line.strip_prefix(b"From "))
            .unwrap_or(line);
        if p.len() >= 40 && p[..40].iter().all(u8::is_ascii_hexdigit) {
            return Step::Stop;
        }

        // Reading a file's header?
        if self.before == -1 {
            if line.starts_with(b"GIT binary patch") || line.starts_with(b"Binary files") {
                self.diff_is_binary = true;
                self.before = 0;
                self.pending.extend_from_slice(&self.pre_oid);
                self.pending.extend_from_slice(&self.post_oid);
                self.flush_file();
                return Step::Continue;
            } else if line.starts_with(b"index ") {
                self.read_index_line(line);
                return Step::Continue;
            } else if line.starts_with(b"--- ") {
                self.before = 1;
                self.after = 1;
            } else if !line.first().is_some_and(u8::is_ascii_alphabetic) {
                return Step::Stop;
            }
        }

        // A binary file's payload runs until the next file.
        if self.diff_is_binary {
            if line.starts_with(b"diff ") {
                self.diff_is_binary = false;
                self.before = -1;
            }
            return Step::Continue;
        }

        // Between hunks: a new hunk, a new file, or the end of the patch.
        if self.before == 0 && self.after == 0 {
            if line.starts_with(b"@@ -") {
                self.scan_hunk_header(line);
                return Step::Continue;
            }
            if !line.starts_with(b"diff ") {
                return Step::Stop;
            }
            self.flush_file();
            self.before = -1;
            self.after = -1;
        }

        match line.first() {
            Some(b'-') => self.before = self.before.wrapping_sub(1),
            Some(b'+') => self.after = self.after.wrapping_sub(1),
            Some(b' ') => {
                self.before = self.before.wrapping_sub(1);
                self.after = self.after.wrapping_sub(1);
            }
            _ => {}
        }

        // Hash the line without any white space (git's isspace: no \v, \f).
        // Copied whole, then closed up over the white space: a byte loop
        // without a capacity check per byte.
        let start = self.pending.len();
        self.pending.extend_from_slice(line);
        let tail = &mut self.pending[start..];
        let mut kept = 0;
        for i in 0..tail.len() {
            let b = tail[i];
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                tail[kept] = b;
                kept += 1;
            }
        }
        self.pending.truncate(start + kept);
        Step::Continue
    }

    /// Add the current file's hash to the result (a 20-byte little-endian
    /// sum with carry, so that file order does not matter) and start afresh.
    fn flush_file(&mut self) {
        self.ctx.update(&self.pending);
        self.pending.clear();
        let hash = std::mem::replace(&mut self.ctx, Sha1::new()).finalize();
        let mut carry: u16 = 0;
        for (r, h) in self.result.iter_mut().zip(hash.iter()) {
            carry += u16::from(*r) + u16::from(*h);
            *r = carry as u8; // keep the low byte; the rest carries on
            carry >>= 8;
        }
    }

    /// `index <pre>..<post>[ <mode>]`: remember the blob names, cut the way
    /// git cuts them (at the first space after `..`, else before the last
    /// byte of the line; at most 64 bytes each).
    fn read_index_line(&mut self, line: &[u8]) {
        let Some(dots) = find(line, b"..") else {
            return;
        };
        let end = find(&line[dots..], b" ")
            .map(|i| dots + i)
            .unwrap_or(line.len().saturating_sub(1));
        let pre = line.get(6..dots).unwrap_or_default();
        let post = line.get(dots + 2..end).unwrap_or_default();
        self.pre_oid = pre[..pre.len().min(64)].to_vec();
        self.post_oid = post[..post.len().min(64)].to_vec();
    }

    /// git's `scan_hunk_header`: set the line counts of the hunk from
    /// `@@ -a,b +c,d @@` (a count without a comma is 1). A malformed header
    /// leaves whatever it had set so far, as git does.
    fn scan_hunk_header(&mut self, line: &[u8]) {
        let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
        let mut q = line.get(4..).unwrap_or_default();
        let mut n = count_digits(q);
        if at(q, n) == b',' {
            q = &q[n + 1..];
            self.before = atoi(q);
            n = count_digits(q);
        } else {
            self.before = 1;
        }
        if n == 0 || at(q, n) != b' ' || at(q, n + 1) != b'+' {
            return;
        }
        let mut r = &q[n + 2..];
        n = count_digits(r);
        if at(r, n) == b',' {
            r = &r[n + 1..];
            self.after = atoi(r);
        } else {
            self.after = 1;
        }
    }
}

fn count_digits(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// C's `atoi` as glibc has it: leading white space, a sign, digits; the
/// value saturates as a `long` and is then truncated to an `int`.
fn atoi(s: &[u8]) -> i32 {
    let s = &s[s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        .count()..];
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i64 = 0;
    for &d in digits.iter().take_while(|b| b.is_ascii_digit()) {
        let digit = i64::from(d - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(digit)
        } else {
            value.saturating_mul(10).saturating_add(digit)
        };
    }
    value as i32 // C's conversion: keep the low 32 bits
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests;
