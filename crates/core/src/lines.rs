//! Splitting mail text into lines: the inner loop of parsing a message.
//!
//! Indexing one message splits its body into lines several times (the diff
//! split, the trailer search, the patch-id, the indexed prose). `str::split`
//! and `str::lines` find each `\n` with core's word-at-a-time memchr behind
//! a char searcher; the memchr crate's vector search costs a fraction of
//! that per line. These iterators
//! yield exactly what the std ones they stand in for yield.

/// The lines of `text` as `text.split('\n')` gives them: without the `\n`,
/// and a last (maybe empty) line after the last `\n`.
pub fn split_nl(text: &str) -> SplitNl<'_> {
    SplitNl { rest: Some(text) }
}

pub struct SplitNl<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for SplitNl<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(at) => {
                let (line, tail) = rest.split_at(at);
                // `\n` is one byte, so the tail after it is a char boundary.
                self.rest = tail.get(1..);
                Some(line)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// The lines of `text` as `text.lines()` gives them: a `\r` before the
/// `\n` is dropped too, and a final `\n` does not start an empty line.
pub fn lines(text: &str) -> Lines<'_> {
    Lines { rest: text }
}

pub struct Lines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        match memchr::memchr(b'\n', self.rest.as_bytes()) {
            Some(at) => {
                let (line, tail) = self.rest.split_at(at);
                self.rest = tail.get(1..).unwrap_or_default();
                Some(line.strip_suffix('\r').unwrap_or(line))
            }
            None => Some(std::mem::take(&mut self.rest)),
        }
    }
}

/// The lines of `bytes` with their `\n`, as
/// `bytes.split_inclusive(|&b| b == b'\n')` gives them.
pub fn split_inclusive_nl(bytes: &[u8]) -> SplitInclusiveNl<'_> {
    SplitInclusiveNl { rest: bytes }
}

pub struct SplitInclusiveNl<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for SplitInclusiveNl<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', self.rest).map_or(self.rest.len(), |at| at + 1);
        let (line, tail) = self.rest.split_at(end);
        self.rest = tail;
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[&str] = &[
        "",
        "\n",
        "\n\n",
        "one",
        "one\n",
        "one\ntwo",
        "one\r\ntwo\r\n",
        "bare\r",
        "bare\rinside\n",
        "\r\n\r\n",
        "trailing cr then nl\r\n\r",
        "ünïcödé\nläst\n",
        "a long line of a diff, well past the width of one vector register\nand then more\n",
    ];

    #[test]
    fn the_same_lines_as_std() {
        for text in SAMPLES {
            assert_eq!(
                split_nl(text).collect::<Vec<_>>(),
                text.split('\n').collect::<Vec<_>>(),
                "split of {text:?}"
            );
            assert_eq!(
                lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "lines of {text:?}"
            );
            assert_eq!(
                split_inclusive_nl(text.as_bytes()).collect::<Vec<_>>(),
                text.as_bytes()
                    .split_inclusive(|&b| b == b'\n')
                    .collect::<Vec<_>>(),
                "inclusive split of {text:?}"
            );
        }
    }

    #[test]
    fn real_mail_splits_the_same() {
        let Some(mails) = putt_testkit::corpus::corpus_mails() else {
            return;
        };
        for (p, raw) in &mails {
            let text = String::from_utf8_lossy(raw);
            assert!(split_nl(&text).eq(text.split('\n')), "{}", p.display());
            assert!(lines(&text).eq(text.lines()), "{}", p.display());
            assert!(
                split_inclusive_nl(raw).eq(raw.split_inclusive(|&b| b == b'\n')),
                "{}",
                p.display()
            );
        }
    }
}
